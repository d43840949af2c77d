// Span export in real Chromium (REQUIREMENTS D2–D9): createExporter with TracedEventSource and tracedFetch,
// against a local OTLP/HTTP JSON receiver.
//
//   npx playwright test e2e/export.spec.mjs
//
// The spec starts its own loopback server (e2e/otlp-server.mjs) on a free port: the page, SSE streams, a JSON
// API and the receiver at /v1/traces on one origin (no CORS in the way), plus a second instance on another port
// as a cross-origin collector. Every request is recorded per session; every payload the receiver gets is put
// through the OTLP schema validator of tests/node/otlp-schema.mjs, and the ids in the spans are compared with
// the traceparent and X-Amzn-Trace-Id headers the servers received.
//
// Page hide: headless Chromium never hides a page. Tried in this Chromium (156): another page brought to the
// front, Target.createTarget {newWindow: false} + Target.activateTarget, Browser.setWindowBounds {windowState:
// 'minimized'} (also without Playwright's --disable-backgrounding-occluded-windows / --disable-renderer-
// backgrounding, and in a Chromium launched without Playwright's switches), Page.setWebLifecycleState frozen:
// document.visibilityState stays 'visible' and no visibilitychange fires. So the visibilitychange test shadows
// document.visibilityState and fires the real event; the navigation test uses a real navigation (Chromium
// fires visibilitychange→hidden and pagehide itself).
//
// The overhead test prints its figures as annotations (and to stdout); it asserts nothing about time.

import { test as base, expect } from '@playwright/test';
import { startOtlpServer, closedPort, parseTraceparent, parseXray } from './otlp-server.mjs';
import { validateExportTraceServiceRequest } from '../tests/node/otlp-schema.mjs';

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

let server;   // page, SSE, API and same-origin collector
let remote;   // cross-origin collector (CORS)

const test = base.extend({
  // The export page on the server's origin, the package imported.
  ep: async ({ page }, use) => {
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.origin}/e2e/pages/export.html`);
    await page.waitForFunction(() => window.exportReady === true);
    expect(await page.evaluate(() => window.libError ?? null), 'importing /js-glue/index.js').toBeNull();
    await use({ page, pageErrors });
  },
});

test.beforeAll(async () => {
  server = await startOtlpServer();
  remote = await startOtlpServer({ cors: true });
});
test.afterAll(async () => {
  await server?.close();
  await remote?.close();
});

const sessionId = (name) => `${name}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function eventually(what, fn, timeout = 10_000) {
  await expect.poll(fn, { message: what, timeout, intervals: [25, 50, 100] }).toBeTruthy();
}

async function attach(name, value) {
  await test.info().attach(name, { body: JSON.stringify(value, null, 2), contentType: 'application/json' });
}

// ---------------------------------------------------------------------------------------------------------
// Payloads and spans
// ---------------------------------------------------------------------------------------------------------

/** Every payload must be a valid ExportTraceServiceRequest: the validator's list of problems must be empty. */
function expectSchemaValid(payloads, label) {
  for (const p of payloads) {
    expect(validateExportTraceServiceRequest(p.body), `${label}: payload #${p.n} (answered ${p.answer}) schema problems`).toEqual([]);
  }
}

/** The spans of the payloads, each with `payload` (its payload's n) and `resource` (its resource attributes). */
function spansOf(payloads) {
  return payloads.flatMap((p) => JSON.parse(p.body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) =>
    ss.spans.map((s) => ({ ...s, payload: p.n, resource: rs.resource })))));
}

/** An attribute's value as a JS value (intValue as a Number), undefined when absent. */
function attr(span, key) {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  return v;
}
const attrsOf = (span) => Object.fromEntries((span.attributes ?? []).map((a) => [a.key, attr(span, a.key)]));
const ns = (s) => BigInt(s);

/** What a failing assertion should show of a span. */
const brief = (s) => s && ({ name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId,
  kind: s.kind, status: s.status, links: s.links, attributes: attrsOf(s) });

/** The ids a request carried: traceparent and X-Amzn-Trace-Id, which must agree with each other. */
function idsOf(headers, label) {
  const tp = parseTraceparent(headers.traceparent);
  const xr = parseXray(headers['x-amzn-trace-id']);
  expect(tp, `${label}: traceparent ${headers.traceparent}`).not.toBeNull();
  expect(xr, `${label}: X-Amzn-Trace-Id ${headers['x-amzn-trace-id']}`).not.toBeNull();
  expect(xr.root, `${label}: X-Amzn-Trace-Id Root is the traceparent's trace id`).toBe(`1-${tp.traceId.slice(0, 8)}-${tp.traceId.slice(8)}`);
  expect(xr.parent, `${label}: X-Amzn-Trace-Id Parent is the traceparent's parent id`).toBe(tp.spanId);
  expect(xr.sampled, `${label}: X-Amzn-Trace-Id Sampled`).toBe('1');
  expect(Number.parseInt(tp.flags, 16) & 1, `${label}: traceparent sampled flag`).toBe(1);
  return { traceId: tp.traceId, spanId: tp.spanId, xrayRoot: xr.root };
}

const sum = (d) => d.queueFull + d.tooLarge + d.rejected + d.exportFailed;
/** Every span the exporter was handed, by where it is now. */
const accounted = (s) => s.exported + s.flushed + s.queued + s.spansInFlight + sum(s.dropped);

// ---------------------------------------------------------------------------------------------------------
// 1. Structure and ids
// ---------------------------------------------------------------------------------------------------------

test('two attempts (graceful end, retry: 100) and two traced fetches: schema-valid spans whose ids are the ones the servers received', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('structure');
  const t0 = Date.now();
  await page.evaluate(([endpoint]) => window.makeExporter('e', {
    endpoint, scheduledDelayMs: 100, serviceName: 'e2e-export', serviceVersion: '1.2.3', headers: { 'x-api-key': 'k' },
  }), [server.collectorUrl(session)]);
  // Attempt 1: retry: 100, two events, graceful end. Attempt 2: two events, then kept open until close().
  const sseUrl = `${server.sseUrl(session, ['graceful', 'open'], { retry: 100, events: 2 })}&token=secret#frag`;
  await page.evaluate(([url]) => window.openSource('s', url, {}, 'e'), [sseUrl]);
  let obs;
  await eventually('two attempts, four messages', async () =>
    server.sse(session).length >= 2 && (obs = await page.evaluate(() => window.observe('s'))).events.filter((e) => e.type === 'message').length >= 4);
  const get = await page.evaluate(([url]) => window.tracedCall('e', url), [server.apiUrl(session, { q: 'secret' })]);
  const post = await page.evaluate(([url]) => window.tracedCall('e', url, { method: 'POST', body: '{}' }), [server.apiUrl(session, { status: 404 })]);
  obs = await page.evaluate(() => window.closeSource('s'));
  let stats;
  await eventually('7 spans exported', async () => (stats = await page.evaluate(() => window.exporterStats('e'))).exported >= 7 && stats.queued === 0);
  await sleep(300);  // anything more would show up now
  stats = await page.evaluate(() => window.exporterStats('e'));
  const payloads = server.collector(session);
  const spans = spansOf(payloads);
  const attempts = server.sse(session);
  const api = server.api(session);
  await attach('observed', { payloads: payloads.map((p) => ({ ...p, body: JSON.parse(p.body) })), attempts, api, page: obs, stats });

  // Every payload: schema-valid, answered 200, the app's headers, not traced itself, sent by the core itself
  // through the Emscripten Fetch API (XMLHttpRequest), not by the shell's fetch().
  expect(payloads.length, 'payloads').toBeGreaterThan(0);
  const senders = await page.evaluate(([u]) => window.initiators(u), [server.collectorUrl(session)]);
  expect(senders, 'payloads sent by the core (XHR)').toEqual(payloads.map(() => 'xmlhttprequest'));
  expectSchemaValid(payloads, 'structure');
  for (const p of payloads) {
    expect(p.answer).toBe(200);
    expect(p.headers['content-type'], 'Content-Type').toBe('application/json');
    expect(p.headers['x-api-key'], 'the app header').toBe('k');
    expect(p.headers.traceparent, 'the exporter\'s own request carries no traceparent').toBeUndefined();
    expect(p.headers['x-amzn-trace-id'], 'nor X-Amzn-Trace-Id').toBeUndefined();
  }
  // Resource: the same in every payload.
  const resource = attrsOf(spans[0].resource);
  expect(resource).toMatchObject({ 'service.name': 'e2e-export', 'service.version': '1.2.3' });
  expect(resource['session.id'], 'resource session.id').toMatch(/^[0-9a-f]{32}$/);
  expect(resource['user_agent.original'], 'resource user_agent.original').toContain('HeadlessChrome');
  for (const s of spans) expect(attrsOf(s.resource), 'one resource for every payload').toEqual(resource);

  // Exactly the 7 spans, once each.
  expect(spans.map((s) => s.name).sort(), 'span names').toEqual(
    ['GET', 'POST', 'sse connect', 'sse connect', 'sse reconnect.wait', 'sse stream', 'sse stream']);
  expect(new Set(spans.map((s) => s.spanId)).size, 'distinct span ids').toBe(spans.length);
  for (const s of spans) {
    // Unix-epoch nanoseconds (not a page-relative clock), ordered.
    expect(Number(ns(s.startTimeUnixNano) / 1_000_000n), `${s.name} start (Unix ms)`).toBeGreaterThanOrEqual(t0 - 5000);
    expect(Number(ns(s.endTimeUnixNano) / 1_000_000n), `${s.name} end (Unix ms)`).toBeLessThanOrEqual(Date.now() + 5000);
    expect(ns(s.endTimeUnixNano) >= ns(s.startTimeUnixNano), `${s.name}: end ≥ start`).toBe(true);
  }

  // The two attempts: connect spans carry exactly the ids of the requests' trace headers.
  expect(attempts.map((a) => a.step), 'attempts at the server').toEqual(['graceful', 'open']);
  const ids = attempts.map((a, i) => idsOf(a.headers, `attempt ${i + 1}`));
  expect(ids[1].traceId, 'each attempt is a new trace').not.toBe(ids[0].traceId);
  expect(attempts[1].headers['last-event-id'], 'Last-Event-ID of attempt 2').toBe('a1e2');
  const connects = ids.map(({ spanId }) => spans.filter((s) => s.name === 'sse connect' && s.spanId === spanId));
  const streams = ids.map(({ spanId }) => spans.filter((s) => s.name === 'sse stream' && s.parentSpanId === spanId));
  const sessionAttr = attr(connects[0][0], 'sse.session.id');
  for (let i = 0; i < 2; i++) {
    expect(connects[i].length, `one connect span with attempt ${i + 1}'s traceparent parent id ${ids[i].spanId}`).toBe(1);
    const c = connects[i][0];
    const what = `attempt ${i + 1} connect span ${JSON.stringify(brief(c))}`;
    expect(c.traceId, what).toBe(ids[i].traceId);
    expect(c.kind, what).toBe(SPAN_KIND_CLIENT);
    expect(c.parentSpanId ?? '', `${what}: a root span`).toBe('');
    expect(attrsOf(c), what).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${server.origin}/sse`,  // query and fragment redacted
      'server.address': server.host,
      'sse.attempt': i + 1,
      'sse.last_event_id.sent': i === 1,
      'sse.session.id': sessionAttr,
      'http.response.status_code': 200,
      'sse.resume_supported': true,
      'sse.response.xray_trace_id': ids[i].xrayRoot,
      'sse.response.traceresponse': `00-${ids[i].traceId}-${attempts[i].serverSpanId}-01`,
    });
    expect(c.status?.code ?? 0, `${what}: not an error`).not.toBe(STATUS_ERROR);
    expect(JSON.stringify(c), `${what}: no token from the query`).not.toContain('secret');

    expect(streams[i].length, `one stream span, child of attempt ${i + 1}'s connect span`).toBe(1);
    const s = streams[i][0];
    const swhat = `attempt ${i + 1} stream span ${JSON.stringify(brief(s))}`;
    expect(s.traceId, swhat).toBe(ids[i].traceId);
    expect(s.kind, swhat).toBe(SPAN_KIND_INTERNAL);
    expect(attrsOf(s), swhat).toMatchObject({
      'sse.events': 2,
      'sse.close_type': i === 0 ? 'graceful' : 'app-close',
      'sse.last_event_id': `a${i + 1}e2`,
    });
    expect(attr(s, 'sse.in_progress'), `${swhat}: ended, not a snapshot`).toBeUndefined();
    expect(attr(s, 'sse.largest_gap_ms'), swhat).toBeGreaterThanOrEqual(0);
    expect(s.status?.code ?? 0, `${swhat}: graceful and app-close are not errors`).not.toBe(STATUS_ERROR);
    expect(ns(s.startTimeUnixNano) >= ns(c.endTimeUnixNano), `${swhat}: starts when the connect span ends`).toBe(true);
  }
  expect(sessionAttr, 'sse.session.id').toMatch(/\S/);
  // The graceful attempt's byte count is exact: the server wrote all of it before ending the body.
  expect(attr(streams[0][0], 'sse.bytes'), 'attempt 1 sse.bytes = bytes the server sent').toBe(attempts[0].bytesSent);
  expect(attr(streams[1][0], 'sse.bytes'), 'attempt 2 sse.bytes ≤ bytes the server sent').toBeLessThanOrEqual(attempts[1].bytesSent);
  // Attempt 2 links to attempt 1 and names its trace.
  expect(connects[0][0].links ?? [], 'attempt 1 has no link').toEqual([]);
  expect(connects[1][0].links, 'attempt 2 links to attempt 1\'s connect span').toEqual([{
    traceId: ids[0].traceId, spanId: ids[0].spanId,
    attributes: [{ key: 'sse.link', value: { stringValue: 'previous_attempt' } }],
  }]);
  expect(attr(connects[0][0], 'sse.previous_trace_id'), 'attempt 1: no previous trace').toBeUndefined();
  expect(attr(connects[1][0], 'sse.previous_trace_id'), 'attempt 2: the previous trace id').toBe(ids[0].traceId);

  // The wait between them: a child of attempt 1's connect span, the stream's `retry: 100` plus up to 10 % jitter.
  const wait = spans.find((s) => s.name === 'sse reconnect.wait');
  const wwhat = `wait span ${JSON.stringify(brief(wait))}`;
  expect(wait.traceId, wwhat).toBe(ids[0].traceId);
  expect(wait.parentSpanId, wwhat).toBe(ids[0].spanId);
  expect(wait.kind, wwhat).toBe(SPAN_KIND_INTERNAL);
  expect(attrsOf(wait), wwhat).toMatchObject({ 'sse.reconnect.reason': 'retry', 'sse.close_type': 'graceful' });
  expect(attr(wait, 'sse.reconnect.delay_ms'), wwhat).toBeGreaterThanOrEqual(100);
  expect(attr(wait, 'sse.reconnect.delay_ms'), wwhat).toBeLessThanOrEqual(110);
  expect(ns(wait.startTimeUnixNano) >= ns(streams[0][0].endTimeUnixNano), `${wwhat}: starts when stream 1 ends`).toBe(true);
  expect(ns(wait.endTimeUnixNano) <= ns(connects[1][0].startTimeUnixNano), `${wwhat}: ends when attempt 2 starts`).toBe(true);

  // The traced fetches: CLIENT spans named by the method, ids = the request's trace headers.
  expect(api.length, '/api requests').toBe(2);
  expect(get.status).toBe(200);
  expect(post.status).toBe(404);
  for (const [i, method, status] of [[0, 'GET', 200], [1, 'POST', 404]]) {
    const id = idsOf(api[i].headers, `${method} /api`);
    const s = spans.find((x) => x.name === method);
    const what = `${method} span ${JSON.stringify(brief(s))}`;
    expect([s.traceId, s.spanId, s.kind], what).toEqual([id.traceId, id.spanId, SPAN_KIND_CLIENT]);
    expect(s.parentSpanId ?? '', what).toBe('');
    expect(attrsOf(s), what).toMatchObject({
      'http.request.method': method,
      'url.full': `${server.origin}/api`,
      'server.address': server.host,
      'http.response.status_code': status,
      'sse.response.xray_trace_id': id.xrayRoot,
      'sse.response.traceresponse': `00-${id.traceId}-${api[i].serverSpanId}-01`,
    });
    if (status >= 400) {
      expect(s.status?.code, `${what}: a 404 is an error`).toBe(STATUS_ERROR);
      expect(attr(s, 'error.type'), what).toBe('404');
    } else {
      expect(s.status?.code ?? 0, what).not.toBe(STATUS_ERROR);
    }
  }

  // The counters agree with what arrived.
  expect(stats, 'stats()').toMatchObject({
    queued: 0, exportsInFlight: 0, spansInFlight: 0, exported: 7, flushed: 0, retries: 0,
    dropped: { queueFull: 0, tooLarge: 0, rejected: 0, exportFailed: 0 }, exportFailures: { network: 0, status: 0 },
  });
  expect(await page.evaluate(() => window.exporterErrors('e')), 'onError').toEqual([]);
  expect(ep.pageErrors, 'page errors').toEqual([]);
});

test('a cross-origin collector: the preflight allows content-type, spans arrive; without CORS the export fails as a network error, reported, never thrown', async ({ ep }) => {
  const { page } = ep;
  const ok = sessionId('cors-ok');
  const refused = sessionId('cors-refused');
  remote.setCollector(refused, { status: 200, cors: false });
  await page.evaluate(([a, b]) => {
    window.makeExporter('ok', { endpoint: a, scheduledDelayMs: 0, headers: { 'x-api-key': 'k' } });
    window.makeExporter('refused', { endpoint: b, scheduledDelayMs: 0, exportTimeoutMs: 1500 });
  }, [remote.collectorUrl(ok), remote.collectorUrl(refused)]);
  const r1 = await page.evaluate(([url]) => window.tracedCall('ok', url), [server.apiUrl(ok)]);
  const r2 = await page.evaluate(([url]) => window.tracedCall('refused', url), [server.apiUrl(refused)]);
  expect([r1.status, r2.status], 'the app\'s calls succeed either way').toEqual([200, 200]);
  await eventually('the span at the cross-origin collector', () => remote.delivered(ok).length >= 1);
  let refusedStats;
  await eventually('the refused export given up', async () =>
    (refusedStats = await page.evaluate(() => window.exporterStats('refused'))).dropped.exportFailed === 1);
  const okStats = await page.evaluate(() => window.exporterStats('ok'));
  const errors = await page.evaluate(() => ({ ok: window.exporterErrors('ok'), refused: window.exporterErrors('refused') }));
  const observed = {
    ok: { preflights: remote.preflights(ok), collector: remote.collector(ok), stats: okStats },
    refused: { preflights: remote.preflights(refused), collector: remote.collector(refused), stats: refusedStats },
    errors,
  };
  await attach('observed', observed);

  // Allowed: a preflight from the page's origin asking for content-type (and the app header), then the POST.
  const pf = remote.preflights(ok);
  expect(pf.length, 'preflights').toBeGreaterThanOrEqual(1);
  expect(pf[0].headers.origin, 'preflight Origin').toBe(server.origin);
  expect(pf[0].headers['access-control-request-method']).toBe('POST');
  expect(pf[0].headers['access-control-request-headers'].split(',').map((h) => h.trim()).sort()).toEqual(['content-type', 'x-api-key']);
  const delivered = remote.delivered(ok);
  expectSchemaValid(delivered, 'cors');
  expect(delivered[0].headers.origin).toBe(server.origin);
  const spans = spansOf(delivered);
  const id = idsOf(server.api(ok)[0].headers, 'GET /api');
  expect(spans.map((s) => [s.name, s.traceId, s.spanId]), 'the traced fetch\'s span').toEqual([['GET', id.traceId, id.spanId]]);
  expect(okStats).toMatchObject({ exported: 1, queued: 0, dropped: { queueFull: 0, tooLarge: 0, rejected: 0, exportFailed: 0 } });
  expect(errors.ok, 'no errors with CORS').toEqual([]);

  // Refused by CORS: the browser never sends the POST; fetch rejects like a network failure (status 0).
  expect(remote.collector(refused), 'POSTs that reached the CORS-less collector').toEqual([]);
  expect(remote.preflights(refused).length, 'its preflights').toBeGreaterThanOrEqual(1);
  expect(errors.refused.length, 'onError reports').toBeGreaterThanOrEqual(1);
  expect(errors.refused.every((e) => e.status === 0 && e.spans === 1), 'each report: network (status 0), 1 span').toBe(true);
  expect(errors.refused.at(-1), 'the last report gives up').toMatchObject({ willRetry: false });
  expect(errors.refused.slice(0, -1).every((e) => e.willRetry), 'the ones before it retry').toBe(true);
  expect(refusedStats).toMatchObject({
    exported: 0, queued: 0, exportsInFlight: 0, spansInFlight: 0,
    dropped: { queueFull: 0, tooLarge: 0, rejected: 0, exportFailed: 1 },
    exportFailures: { network: errors.refused.length, status: 0 }, retries: errors.refused.length - 1,
  });
  expect(ep.pageErrors, 'page errors').toEqual([]);
});

// ---------------------------------------------------------------------------------------------------------
// 2. Dead collectors: bounded memory, exact counters, the stream unaffected
// ---------------------------------------------------------------------------------------------------------

const QUEUE = 50;
const CALLS = 400;

/**
 * Opens a ticker stream (an event every 20 ms) on exporter `e` and makes CALLS traced fetches; returns what the
 * page saw. The per-call checks of the queue: the span of a call is dropped (queueFull + 1) only when the queue
 * was full before it, and every span the exporter was handed is somewhere: exported, queued, in flight or
 * dropped, at every call.
 */
async function floodWithStreamOpen(page, session) {
  await page.evaluate(([url]) => window.openSource('tick', url, {}, 'e'), [server.sseUrl(session, ['ticker'], { every: 20 })]);
  await eventually('the stream opened and ticks', async () =>
    (await page.evaluate(() => window.observe('tick'))).events.filter((e) => e.type === 'message').length >= 3);
  const baseline = await page.evaluate(() => window.exporterStats('e'));
  expect(accounted(baseline), 'spans before the fetches: the stream\'s connect span').toBe(1);
  const series = await page.evaluate(([url, n]) => window.fetchSeries('e', url, n), [server.apiUrl(session), CALLS]);
  const during = await page.evaluate(() => window.observe('tick'));
  return { baseline, series, during };
}

function checkSeries(series, label) {
  const { calls, maxQueued } = series;
  expect(calls.length, `${label}: calls`).toBe(CALLS);
  expect(calls.every((c) => c.status === 200), `${label}: every app call answered 200`).toBe(true);
  expect(maxQueued, `${label}: largest queued seen (sampled every 2 ms and at every call)`).toBeLessThanOrEqual(QUEUE);
  const bad = [];
  for (const c of calls) {
    const d = c.after.dropped.queueFull - c.before.dropped.queueFull;
    if (c.after.queued > QUEUE || c.before.queued > QUEUE) bad.push({ k: c.k, why: 'queued above maxQueueSize', c });
    if (c.totalAfter !== 1 + c.k) bad.push({ k: c.k, why: `accounted ${c.totalAfter}, recorded ${1 + c.k}`, c });
    if (d !== 0 && d !== 1) bad.push({ k: c.k, why: `queueFull grew by ${d} in one call`, c });
    if (d === 1 && c.before.queued !== QUEUE) bad.push({ k: c.k, why: 'dropped while the queue had room', c });
  }
  expect(bad.slice(0, 5), `${label}: per-call violations (${bad.length})`).toEqual([]);
  const droppedCalls = calls.filter((c) => c.after.dropped.queueFull - c.before.dropped.queueFull === 1);
  expect(droppedCalls.length, `${label}: the queue filled up (spans dropped)`).toBeGreaterThan(0);
  return droppedCalls;
}

/** The ticker stream was unaffected: one attempt, open, no error, consecutive ids (none lost). */
function checkStreamUnaffected(obs, attempts, label) {
  const msgs = obs.events.filter((e) => e.type === 'message');
  expect(obs.events.filter((e) => e.type === 'error'), `${label}: error events`).toEqual([]);
  expect(obs.readyState, `${label}: readyState`).toBe(1);
  expect(attempts.length, `${label}: attempts at the server`).toBe(1);
  expect(msgs.map((m) => m.lastEventId), `${label}: consecutive event ids, none lost`).toEqual(msgs.map((_, i) => `t${i + 1}`));
}

test('a dead collector (connection refused): the stream keeps delivering, queued never exceeds maxQueueSize, queueFull counts exactly the spans that did not fit', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('refused');
  const port = await closedPort();
  await page.evaluate(([endpoint, q]) => window.makeExporter('e', {
    endpoint, maxQueueSize: q, maxExportBatchSize: 10, scheduledDelayMs: 100, maxConcurrentExports: 2, exportTimeoutMs: 2000,
  }), [`http://127.0.0.1:${port}/v1/traces`, QUEUE]);
  const { series, during } = await floodWithStreamOpen(page, session);
  const droppedCalls = checkSeries(series, 'refused');
  // Events the stream delivered while the calls (and the failing exports) ran.
  const eventsDuring = during.events.filter((e) => e.type === 'message' && e.t >= series.t0 && e.t <= series.t1).length;
  checkStreamUnaffected(during, server.sse(session), 'refused');
  const closed = await page.evaluate(() => { const o = window.closeSource('tick'); return { o, stats: window.exporterStats('e') }; });
  // The stream span (recorded at close) may itself find the queue full.
  const recorded = 1 + CALLS + 1;
  expect(accounted(closed.stats), 'accounted after close: connect + 400 fetches + stream').toBe(recorded);
  let stats;
  await eventually('the queue drained: every batch given up after exportTimeoutMs', async () =>
    (stats = await page.evaluate(() => window.exporterStats('e'))).queued === 0 && stats.exportsInFlight === 0, 30_000);
  const errors = await page.evaluate(() => window.exporterErrors('e'));
  await attach('observed', { stats, closedStats: closed.stats, maxQueued: series.maxQueued, eventsDuring,
    droppedCalls: droppedCalls.map((c) => c.k), errors: errors.slice(0, 20), errorCount: errors.length,
    firstCalls: series.calls.slice(0, 3), seriesMs: series.ms });
  test.info().annotations.push({ type: 'refused', description:
    `${CALLS} calls in ${series.ms.toFixed(0)} ms, ${eventsDuring} stream events meanwhile; max queued ${series.maxQueued}; ` +
    `queueFull ${stats.dropped.queueFull}, exportFailed ${stats.dropped.exportFailed}, ${errors.length} onError reports` });

  expect(eventsDuring, 'stream events while the exporter was failing').toBeGreaterThan(0);
  expect(stats.exported + stats.flushed, 'nothing delivered to a closed port').toBe(0);
  expect(stats.dropped.queueFull + stats.dropped.exportFailed, 'every span dropped: queue full or given up').toBe(recorded);
  expect([stats.dropped.tooLarge, stats.dropped.rejected], 'no other drops').toEqual([0, 0]);
  const streamDroppedAtClose = closed.stats.dropped.queueFull - series.calls.at(-1).after.dropped.queueFull;
  expect(stats.dropped.queueFull, `queueFull = ${droppedCalls.length} calls that found the queue full + the stream span if it did (${streamDroppedAtClose})`)
    .toBe(droppedCalls.length + streamDroppedAtClose);
  // onError: every failed attempt, all network failures; the give-ups add up to exportFailed.
  expect(errors.length, 'onError called').toBeGreaterThan(0);
  expect(errors.filter((e) => e.status !== 0), 'reports with a status (all should be network: 0)').toEqual([]);
  expect(stats.exportFailures, 'failed attempts by kind').toEqual({ network: errors.length, status: 0 });
  const givenUp = errors.filter((e) => !e.willRetry);
  expect(givenUp.reduce((n, e) => n + e.spans, 0), 'spans in the give-up reports = dropped.exportFailed').toBe(stats.dropped.exportFailed);
  expect(stats.retries, 'retries = reports that said willRetry').toBe(errors.filter((e) => e.willRetry).length);
  expect(ep.pageErrors, 'page errors').toEqual([]);
});

test('a collector that never answers: each request is abandoned after exportTimeoutMs, the batch is given up at its deadline and counted, the app unaffected', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('silent');
  server.setCollector(session, { delayMs: 120_000 });
  await page.evaluate(([endpoint]) => window.makeExporter('e', { endpoint, scheduledDelayMs: 0, exportTimeoutMs: 1200 }),
    [server.collectorUrl(session)]);
  const t0 = Date.now();
  const calls = [];
  for (let i = 0; i < 3; i++) calls.push(await page.evaluate(([url]) => window.tracedCall('e', url), [server.apiUrl(session, { i })]));
  expect(calls.map((c) => c.status), 'the app\'s calls').toEqual([200, 200, 200]);
  let stats;
  await eventually('every span given up', async () =>
    (stats = await page.evaluate(() => window.exporterStats('e'))).dropped.exportFailed === 3 && stats.exportsInFlight === 0, 15_000);
  const elapsed = Date.now() - t0;
  const requests = server.collector(session);
  const errors = await page.evaluate(() => window.exporterErrors('e'));
  await attach('observed', { stats, elapsed, requests: requests.map(({ body, ...r }) => r), errors });
  expect(requests.length, 'requests that reached the collector').toBeGreaterThan(0);
  await eventually('the collector saw every request abandoned', () => server.collector(session).every((r) => r.abortedAt !== undefined));
  expect(stats.queued + stats.spansInFlight, 'nothing left behind').toBe(0);
  expect(stats.exported, 'nothing delivered').toBe(0);
  expect(errors.length, 'failures reported').toBeGreaterThan(0);
  expect(errors.at(-1), 'the last report gives up').toMatchObject({ willRetry: false, status: 0 });
  expect(elapsed, 'given up near the deadline, not after the collector\'s 120 s').toBeLessThan(10_000);
});

test('a collector answering 503 with Retry-After: 1, then healthy: the stream keeps delivering, the same batches are resent after ≥ 1 s, exactly the spans that did not fit are missing', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('503');
  server.setCollector(session, { status: 503, headers: { 'Retry-After': '1' } });
  await page.evaluate(([endpoint, q]) => window.makeExporter('e', {
    endpoint, maxQueueSize: q, maxExportBatchSize: 10, scheduledDelayMs: 100, maxConcurrentExports: 2,
  }), [server.collectorUrl(session), QUEUE]);
  const { series, during } = await floodWithStreamOpen(page, session);
  const droppedCalls = checkSeries(series, '503');
  // Events the stream delivered while the calls (and the failing exports) ran.
  const eventsDuring = during.events.filter((e) => e.type === 'message' && e.t >= series.t0 && e.t <= series.t1).length;
  checkStreamUnaffected(during, server.sse(session), '503');
  const before = server.collector(session);
  expect(before.length, 'the collector was asked while failing').toBeGreaterThan(0);
  expect(before.every((p) => p.answer === 503), 'all answered 503 so far').toBe(true);
  const closed = await page.evaluate(() => { const o = window.closeSource('tick'); return { o, stats: window.exporterStats('e') }; });
  const streamDroppedAtClose = closed.stats.dropped.queueFull - series.calls.at(-1).after.dropped.queueFull;
  // Two rounds of 503 at least (each batch sent, answered 503, resent after Retry-After, answered 503 again).
  await eventually('two rounds of 503', () => server.collector(session).filter((p) => p.answer === 503).length >= 4, 10_000);
  server.setCollector(session, { status: 200 });
  let stats;
  await eventually('everything left delivered', async () =>
    (stats = await page.evaluate(() => window.exporterStats('e'))).queued === 0 && stats.exportsInFlight === 0, 30_000);
  const all = server.collector(session);
  const delivered = all.filter((p) => p.answer === 200);
  const errors = await page.evaluate(() => window.exporterErrors('e'));
  await attach('observed', { stats, maxQueued: series.maxQueued, eventsDuring, droppedCalls: droppedCalls.map((c) => c.k),
    streamDroppedAtClose, collector: all.map(({ body, ...p }) => ({ ...p, spans: spansOf([{ body }]).length })),
    errors: errors.slice(0, 20), errorCount: errors.length });
  test.info().annotations.push({ type: '503', description:
    `${CALLS} calls in ${series.ms.toFixed(0)} ms, ${eventsDuring} stream events meanwhile; max queued ${series.maxQueued}; ` +
    `${all.length - delivered.length} answers 503, ${delivered.length} payloads delivered; exported ${stats.exported}, queueFull ${stats.dropped.queueFull}` });

  expect(eventsDuring, 'stream events while the collector answered 503').toBeGreaterThan(0);
  expectSchemaValid(all, '503');
  // The core sent every attempt itself and read status and Retry-After from the XHR's response.
  const senders = await page.evaluate(([u]) => window.initiators(u), [server.collectorUrl(session)]);
  expect(senders, 'sends by the core (XHR)').toEqual(all.map(() => 'xmlhttprequest'));
  const recorded = 1 + CALLS + 1;
  expect(stats.dropped, 'drops: only queue-full (Retry-After honoured within the deadline)').toEqual({
    queueFull: droppedCalls.length + streamDroppedAtClose, tooLarge: 0, rejected: 0, exportFailed: 0 });
  expect(stats.exported + stats.dropped.queueFull, 'exported + queueFull = every span recorded').toBe(recorded);

  // Outside view: the spans that arrived are exactly the ones not counted as dropped.
  const spans = spansOf(delivered);
  const arrived = new Set(spans.map((s) => s.spanId));
  expect(arrived.size, 'no span delivered twice').toBe(spans.length);
  expect(spans.length, 'delivered spans = stats.exported').toBe(stats.exported);
  const fetchIds = series.calls.map((c) => parseTraceparent(c.traceparent).spanId);
  const apiIds = server.api(session).map((r) => parseTraceparent(r.headers.traceparent).spanId);
  expect(fetchIds, 'each call\'s span id as /api saw it').toEqual(apiIds);
  const missing = fetchIds.filter((id) => !arrived.has(id));
  const droppedIds = droppedCalls.map((c) => parseTraceparent(c.traceparent).spanId);
  expect(missing, 'the fetch spans that never arrived = the calls whose span found the queue full').toEqual(droppedIds);
  const sseIds = idsOf(server.sse(session)[0].headers, 'ticker attempt');
  expect(arrived.has(sseIds.spanId), 'the stream\'s connect span arrived (recorded before the flood)').toBe(true);
  const streamArrived = spans.some((s) => s.name === 'sse stream' && s.parentSpanId === sseIds.spanId);
  expect(streamArrived, 'the stream span arrived unless dropped at close').toBe(streamDroppedAtClose === 0);

  // Every 503'd payload was resent, byte for byte, no sooner than Retry-After, and delivered once.
  const failed = all.filter((p) => p.answer === 503);
  expect(stats.exportFailures, 'failed attempts').toEqual({ network: 0, status: failed.length });
  expect(stats.retries, 'retries scheduled = 503 answers').toBe(failed.length);
  for (const p of failed) {
    const next = all.find((q) => q.n > p.n && q.body === p.body);
    expect(next, `payload #${p.n} resent`).toBeDefined();
    expect(next.t - p.answeredAt, `payload #${p.n} resent ${(next.t - p.answeredAt).toFixed(0)} ms after the 503`).toBeGreaterThanOrEqual(1000 - 15);
  }
  const bodies = delivered.map((p) => p.body);
  expect(new Set(bodies).size, 'each batch delivered once').toBe(bodies.length);
  expect(errors.length, 'onError: one report per 503').toBe(failed.length);
  expect(errors.every((e) => e.status === 503 && e.willRetry === true), 'each report: 503, will retry').toBe(true);
  expect(ep.pageErrors, 'page errors').toEqual([]);
});

// ---------------------------------------------------------------------------------------------------------
// 3–4. Page hide
// ---------------------------------------------------------------------------------------------------------

/** Opens a stream that sends 3 events then only comments, plus one traced fetch; nothing due for a minute. */
async function openQuietStream(page, session) {
  await page.evaluate(([endpoint]) => window.makeExporter('e', { endpoint, scheduledDelayMs: 60_000 }), [server.collectorUrl(session)]);
  await page.evaluate(([url]) => window.openSource('s', url, {}, 'e'), [server.sseUrl(session, ['open'], { events: 3 })]);
  await eventually('3 events received', async () =>
    (await page.evaluate(() => window.observe('s'))).events.filter((e) => e.type === 'message').length === 3);
  await page.evaluate(([url]) => window.tracedCall('e', url), [server.apiUrl(session)]);
  const stats = await page.evaluate(() => window.exporterStats('e'));
  expect(stats, 'before hiding: connect + GET queued, nothing sent').toMatchObject({ queued: 2, exported: 0, flushed: 0, exportsInFlight: 0 });
  expect(server.collector(session), 'nothing sent before').toEqual([]);
  return stats;
}

/** The page-hide payload(s): the connect span, the GET span and the stream span as an in-progress snapshot. */
function checkHidePayload(session, label) {
  const payloads = server.collector(session);
  expectSchemaValid(payloads, label);
  const spans = spansOf(payloads);
  const [attempt] = server.sse(session);
  const ids = idsOf(attempt.headers, 'the attempt');
  const apiIds = idsOf(server.api(session)[0].headers, 'GET /api');
  const connect = spans.filter((s) => s.name === 'sse connect');
  const stream = spans.filter((s) => s.name === 'sse stream');
  const get = spans.filter((s) => s.name === 'GET');
  expect(spans.length, `${label}: spans ${JSON.stringify(spans.map(brief))}`).toBe(3);
  expect(connect.map((s) => [s.traceId, s.spanId]), `${label}: the connect span`).toEqual([[ids.traceId, ids.spanId]]);
  expect(get.map((s) => [s.traceId, s.spanId]), `${label}: the GET span`).toEqual([[apiIds.traceId, apiIds.spanId]]);
  expect(stream.length, `${label}: one stream span`).toBe(1);
  const s = stream[0];
  const what = `${label}: stream span ${JSON.stringify(brief(s))}`;
  expect([s.traceId, s.parentSpanId], what).toEqual([ids.traceId, ids.spanId]);
  expect(attrsOf(s), what).toMatchObject({ 'sse.in_progress': true, 'sse.events': 3 });
  expect(attr(s, 'sse.close_type'), `${what}: not ended`).toBeUndefined();
  expect(ns(s.endTimeUnixNano) >= ns(s.startTimeUnixNano), `${what}: snapshot end ≥ start`).toBe(true);
  for (const p of payloads) {
    expect(p.answer).toBe(200);
    expect(p.headers['content-type']).toBe('application/json');
    expect(p.bytes, 'a keepalive body fits 64 KiB').toBeLessThanOrEqual(65536);
  }
  return { payloads, spans, stream: s };
}

// The collector holds its answer for a second: a plain fetch() of a document that went away is cancelled with it
// (the server sees the request leave: `abortedAt`; checked by hand in this Chromium), a keepalive one is answered.
const HELD_MS = 1000;

test('navigating away mid-stream: a keepalive payload delivers the connect span, the fetch span and the stream as sse.in_progress', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('navigate');
  server.setCollector(session, { status: 200, delayMs: HELD_MS });
  await openQuietStream(page, session);
  await page.goto('about:blank');
  await eventually('the page-hide payload answered', () => server.collector(session)[0]?.answer === 200, 5000);
  await sleep(300);  // a second payload (a second flush from the other event) would show up now
  const { payloads } = checkHidePayload(session, 'navigate');
  await attach('observed', { payloads: payloads.map((p) => ({ ...p, body: JSON.parse(p.body) })), attempts: server.sse(session) });
  expect(payloads.length, 'one payload (visibilitychange and pagehide both fire: the second flush has nothing to send)').toBe(1);
  expect(payloads[0].abortedAt, 'the request outlived the document (keepalive): not cancelled before the held answer').toBeUndefined();
  await eventually('the stream closed at the server', () => server.sse(session)[0].closedAt !== undefined, 5000);
});

test('closing the tab mid-stream: the same page-hide payload arrives', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('close-tab');
  server.setCollector(session, { status: 200, delayMs: HELD_MS });
  await openQuietStream(page, session);
  await page.close();
  await eventually('the page-hide payload answered', () => server.collector(session)[0]?.answer === 200, 5000);
  await sleep(300);
  const { payloads } = checkHidePayload(session, 'close-tab');
  await attach('observed', { payloads: payloads.map((p) => ({ ...p, body: JSON.parse(p.body) })) });
  expect(payloads.length, 'one payload').toBe(1);
  expect(payloads[0].abortedAt, 'the request outlived the tab (keepalive)').toBeUndefined();
});

test('visibilitychange→hidden (state emulated): queued spans and the open stream leave at once; the page lives on and the stream span is not exported twice', async ({ ep }) => {
  const { page } = ep;
  const session = sessionId('hidden');
  await openQuietStream(page, session);
  // visibilitychange while still visible: nothing goes.
  await page.evaluate(() => window.setVisibility('visible'));
  await sleep(300);
  expect(server.collector(session), 'visibilitychange while visible sends nothing').toEqual([]);

  expect(await page.evaluate(() => window.setVisibility('hidden'))).toBe('hidden');
  await eventually('the page-hide payload at the collector', () => server.collector(session).length >= 1);
  const hiddenStats = await page.evaluate(() => window.exporterStats('e'));
  const { stream } = checkHidePayload(session, 'hidden');
  expect(hiddenStats, 'after the flush').toMatchObject({ queued: 0, flushed: 3, exported: 0,
    dropped: { queueFull: 0, tooLarge: 0, rejected: 0, exportFailed: 0 } });

  // Visible again; the stream goes on; then it is closed and a new call made: forceFlush sends only what is new.
  await page.evaluate(() => window.setVisibility('visible'));
  const obs = await page.evaluate(() => window.closeSource('s'));
  expect(obs.events.filter((e) => e.type === 'error'), 'no error events').toEqual([]);
  await page.evaluate(([url]) => window.tracedCall('e', url), [server.apiUrl(session)]);
  const after = await page.evaluate(() => window.forceFlush('e'));
  await eventually('the second payload', () => server.collector(session).length >= 2);
  await sleep(300);
  const payloads = server.collector(session);
  expectSchemaValid(payloads, 'hidden, then forceFlush');
  const later = spansOf(payloads.slice(1));
  await attach('observed', { payloads: payloads.map((p) => ({ ...p, body: JSON.parse(p.body) })), hiddenStats, after });
  const get2 = idsOf(server.api(session)[1].headers, 'second GET');
  expect(later.map((s) => [s.name, s.spanId]), 'after the page-hide flush: only the new GET (the snapshotted stream is not sent again)')
    .toEqual([['GET', get2.spanId]]);
  expect(later.some((s) => s.spanId === stream.spanId), 'the stream span id again').toBe(false);
  expect(after, 'stats after forceFlush').toMatchObject({ queued: 0, flushed: 4, exported: 0 });
  expect(ep.pageErrors, 'page errors').toEqual([]);
});

// ---------------------------------------------------------------------------------------------------------
// Overhead (measured, printed, not asserted)
// ---------------------------------------------------------------------------------------------------------

test('export overhead per span (reported as annotations; no timing assertions)', async ({ ep }) => {
  test.setTimeout(180_000);
  const { page } = ep;
  const session = sessionId('overhead');
  const m = await page.evaluate((args) => window.measureOverhead(args), {
    apiUrl: server.apiUrl(session), collectorUrl: server.collectorUrl(session), nNet: 200, nFake: 2000, rounds: 7, flushSpans: 100,
  });
  await attach('overhead', m);
  const net = m.network;
  const lib = m.library;
  const lines = [
    `network (200 sequential GETs of a loopback /api, median of 7 rounds): fetch ${net.fetch.perCallUs} µs/call, ` +
      `tracedFetch ${net.tracedFetch.perCallUs} µs, tracedFetch+exporter ${net.tracedFetchExporter.perCallUs} µs → ` +
      `exporter ratio ${(net.tracedFetchExporter.medianMs / net.tracedFetch.medianMs).toFixed(3)}, ` +
      `+${(net.tracedFetchExporter.perCallUs - net.tracedFetch.perCallUs).toFixed(1)} µs/span`,
    `library only (2000 calls, stub fetch, default batching, stub exporter fetch): tracedFetch ${lib.tracedFetch.perCallUs} µs/call, ` +
      `with exporter ${lib.tracedFetchExporter.perCallUs} µs → ratio ${(lib.tracedFetchExporter.medianMs / lib.tracedFetch.medianMs).toFixed(3)}, ` +
      `+${(lib.tracedFetchExporter.perCallUs - lib.tracedFetch.perCallUs).toFixed(1)} µs/span (record + encode + hand-off; ` +
      `${m.stubExport.payloads} payloads, ${m.stubExport.bytesPerSpan.toFixed(0)} B/span)`,
    `page-hide flush (forceFlush of ${m.flush.spans} queued spans, median of 7): ${m.flush.medianMs} ms → ${m.flush.perSpanUs} µs/span, ` +
      `${m.flush.bytesPerSpan} B/span, ${m.flush.leftQueued} left queued`,
  ];
  for (const line of lines) {
    test.info().annotations.push({ type: 'overhead', description: line });
    console.log(`[export overhead] ${line}`);
  }
  // Sanity only: the measurement did what it says.
  expect(accounted(m.libraryExporterStats), 'the stub exporter was handed every span (50 warm-up + 7 × 2000)').toBe(50 + 7 * 2000);
  expect(m.flush.leftQueued, 'every flush fitted the keepalive budget').toBe(0);
});

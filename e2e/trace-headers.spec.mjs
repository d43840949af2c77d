// Trace-context injection in real Chromium (issue 3, REQUIREMENTS B1–B10): what the server receives from
// TracedEventSource and tracedFetch, checked against what the library reports through `diagnostics` / `onSpan`.
//
//   npx playwright test e2e/trace-headers.spec.mjs
//
// The spec starts its own three-origin server (e2e/trace-server.mjs) on free ports: `main` serves the page,
// `second` is a cross-origin API that allows and exposes the trace headers, `other` is never allow-listed (and
// permissive about CORS, so a leaked header would arrive rather than be stopped by a preflight).

import net from 'node:net';
import { test as base, expect } from '@playwright/test';
import { startTraceServer, TRACE_HEADERS } from './trace-server.mjs';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[0-3])$/;
const XRAY = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/;
const CLOCK_TOLERANCE_S = 300;

let server;
let O; // origins: { main, second, other }

const test = base.extend({
  // A fresh page on the main origin with the package imported; console warnings collected.
  tp: async ({ page }, use) => {
    const warnings = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(`${O.main}/e2e/pages/trace.html`);
    await page.waitForFunction(() => window.traceReady === true);
    expect(await page.evaluate(() => window.libError ?? null), 'importing /js-glue/index.js').toBeNull();
    await use({ page, warnings });
  },
});

test.beforeAll(async () => {
  server = await startTraceServer();
  O = server.origins;
});
test.afterAll(async () => {
  await server?.close();
});

const sessionId = (name) => `${name}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
const sseUrl = (origin, session, path = '/sse/once') => `${origin}${path}?session=${encodeURIComponent(session)}`;

/** Requests the server recorded for a session, optionally of one kind and on one origin. */
function requests(session, { kind, on } = {}) {
  return server.requests(session).filter((r) => (!kind || r.kind === kind) && (!on || r.server === on));
}

/** Attach what was observed, so a failure report carries the exact values. */
async function attach(name, value) {
  await test.info().attach(name, { body: JSON.stringify(value, null, 2), contentType: 'application/json' });
}

function run(page, url, init = {}, until = {}) {
  return page.evaluate(([u, i, t]) => window.runSource(u, i, t), [url, init, until]);
}

const connects = (result) => result.diagnostics.filter((d) => d.kind === 'connect');
const opens = (result) => result.diagnostics.filter((d) => d.kind === 'open');
const traceHeadersOf = (r) => Object.fromEntries(TRACE_HEADERS.filter((n) => n in r.headers).map((n) => [n, r.headers[n]]));
const listsTraceHeader = (r) =>
  (r.headers['access-control-request-headers'] ?? '').split(',').map((s) => s.trim().toLowerCase())
    .filter((n) => TRACE_HEADERS.includes(n));

/**
 * Parses and cross-checks the two trace headers of one request: one header line each, the formats, the same
 * trace id (X-Ray Root = 8 + 24 hex of it), the same parent id and sampling decision, epoch seconds in front.
 */
function checkTraceHeaders(r, { flags = ['03'] } = {}) {
  const where = `${r.method} ${r.server}${r.path}`;
  expect(r.lines, `${where}: header lines of each trace header`).toMatchObject({ traceparent: 1, 'x-amzn-trace-id': 1 });
  const tp = TRACEPARENT.exec(r.headers.traceparent ?? '');
  expect(tp, `${where}: traceparent ${JSON.stringify(r.headers.traceparent)}`).not.toBeNull();
  const xr = XRAY.exec(r.headers['x-amzn-trace-id'] ?? '');
  expect(xr, `${where}: X-Amzn-Trace-Id ${JSON.stringify(r.headers['x-amzn-trace-id'])}`).not.toBeNull();
  const [, traceId, parentId, flag] = tp;
  expect(flags, `${where}: traceparent flags`).toContain(flag);
  expect(xr[1] + xr[2], `${where}: X-Ray Root = traceparent trace id`).toBe(traceId);
  expect(xr[3], `${where}: X-Ray Parent = traceparent parent id`).toBe(parentId);
  expect(xr[4], `${where}: X-Ray Sampled = traceparent sampled bit`).toBe(String(parseInt(flag, 16) & 1));
  expect(traceId).not.toBe('0'.repeat(32));
  expect(parentId).not.toBe('0'.repeat(16));
  return { traceId, spanId: parentId, flags: flag, traceparent: r.headers.traceparent, xray: r.headers['x-amzn-trace-id'] };
}

function expectNoTraceHeaders(r) {
  expect(traceHeadersOf(r), `${r.method} ${r.server}${r.path}: trace headers received`).toEqual({});
}

// ---------------------------------------------------------------------------------------------------------
// 1–3: formats, ids as reported, reconnects
// ---------------------------------------------------------------------------------------------------------

test('formats: traceparent and X-Amzn-Trace-Id carry one trace id, one parent id, epoch seconds, one value each', async ({ tp: { page } }) => {
  const session = sessionId('formats');
  const before = Math.floor(Date.now() / 1000);
  const result = await run(page, sseUrl(O.main, session), {}, { messages: 2 });
  const after = Math.floor(Date.now() / 1000);
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  expect(result.messages.length, 'messages received').toBe(2);
  expect(gets.length).toBe(2);
  for (const r of gets) {
    const t = checkTraceHeaders(r, { flags: ['03'] });
    const seconds = parseInt(t.traceId.slice(0, 8), 16);
    expect(seconds, `trace id ${t.traceId}: epoch seconds vs test clock [${before}, ${after}]`)
      .toBeGreaterThanOrEqual(before - CLOCK_TOLERANCE_S);
    expect(seconds).toBeLessThanOrEqual(after + CLOCK_TOLERANCE_S);
    // nothing configured: no empty tracestate / baggage header
    expect(r.lines, 'tracestate / baggage lines').toMatchObject({ tracestate: 0, baggage: 0 });
  }
});

test('ids in the request equal the diagnostics callback\'s connect record', async ({ tp: { page } }) => {
  const session = sessionId('ids');
  const result = await run(page, sseUrl(O.main, session), {}, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  const c = connects(result);
  expect(c.map((d) => d.attempt), 'connect records').toEqual([1, 2]);
  expect(gets.length).toBe(2);
  gets.forEach((r, i) => {
    const t = checkTraceHeaders(r);
    expect(c[i].trace, `attempt ${i + 1}: trace record`).toMatchObject({
      traceId: t.traceId,
      spanId: t.spanId,
      sampled: true,
      headers: { traceparent: t.traceparent, 'x-amzn-trace-id': t.xray },
    });
    expect(c[i].trace.headers, `attempt ${i + 1}: injected headers = received headers`).toEqual(traceHeadersOf(r));
  });
});

test('every reconnect is a fresh trace; Last-Event-ID carries over; previousTraceId links; sessionId per instance', async ({ tp: { page } }) => {
  const s1 = sessionId('reconnect-a');
  const s2 = sessionId('reconnect-b');
  const [a, b] = await page.evaluate(([u1, u2]) => Promise.all([
    window.runSource(u1, {}, { messages: 3 }),
    window.runSource(u2, {}, { messages: 3 }),
  ]), [sseUrl(O.main, s1), sseUrl(O.main, s2)]);
  const getsA = requests(s1, { kind: 'sse' });
  const getsB = requests(s2, { kind: 'sse' });
  await attach('observed', { a, b, getsA, getsB });
  for (const [result, gets] of [[a, getsA], [b, getsB]]) {
    expect(result.messages.map((m) => m.lastEventId), 'event ids').toEqual(['e1', 'e2', 'e3']);
    expect(gets.map((r) => r.headers['last-event-id'] ?? null), 'Last-Event-ID sent').toEqual([null, 'e1', 'e2']);
    const ids = gets.map((r) => checkTraceHeaders(r));
    expect(new Set(ids.map((t) => t.traceId)).size, 'distinct trace ids per attempt').toBe(3);
    expect(new Set(ids.map((t) => t.spanId)).size, 'distinct span ids per attempt').toBe(3);
    const c = connects(result);
    expect(c.length).toBe(3);
    expect(c.map((d) => d.trace.traceId), 'connect trace ids = received').toEqual(ids.map((t) => t.traceId));
    expect(c.map((d) => d.trace.previousTraceId ?? null), 'previousTraceId chain')
      .toEqual([null, ids[0].traceId, ids[1].traceId]);
    const sessions = new Set(c.map((d) => d.trace.sessionId));
    expect(sessions.size, 'sessionId stable within an instance').toBe(1);
    expect(typeof c[0].trace.sessionId).toBe('string');
    expect(c[0].trace.sessionId.length).toBeGreaterThan(0);
  }
  const tracesA = new Set(connects(a).map((d) => d.trace.traceId));
  const sharedTraces = connects(b).map((d) => d.trace.traceId).filter((t) => tracesA.has(t));
  expect(sharedTraces, 'trace ids shared by two instances').toEqual([]);
  expect(connects(a)[0].trace.sessionId, 'two instances, two session ids').not.toBe(connects(b)[0].trace.sessionId);
});

// ---------------------------------------------------------------------------------------------------------
// 4: origin policy
// ---------------------------------------------------------------------------------------------------------

test('origin policy: same origin gets trace headers by default (absolute and relative URL)', async ({ tp: { page } }) => {
  const s1 = sessionId('same-abs');
  const s2 = sessionId('same-rel');
  const abs = await run(page, sseUrl(O.main, s1));
  const rel = await run(page, `/sse/once?session=${s2}`);
  const gets = [...requests(s1, { kind: 'sse' }), ...requests(s2, { kind: 'sse' })];
  await attach('observed', { abs, rel, gets });
  expect([abs.messages.length, rel.messages.length]).toEqual([1, 1]);
  expect(gets.length).toBe(2);
  for (const r of gets) checkTraceHeaders(r);
});

test('origin policy: a second origin that is not allow-listed gets no trace headers and no preflight for them', async ({ tp: { page } }) => {
  const session = sessionId('second-default');
  const result = await run(page, sseUrl(O.second, session), {}, { messages: 2 });
  const all = requests(session);
  await attach('observed', { result, all });
  expect(result.messages.map((m) => m.origin), 'stream opened on the second origin').toEqual([O.second, O.second]);
  const gets = all.filter((r) => r.kind === 'sse');
  expect(gets.length).toBe(2);
  gets.forEach(expectNoTraceHeaders);
  expect(all.filter((r) => r.kind === 'preflight').map(listsTraceHeader).flat(), 'trace headers named in preflights').toEqual([]);
  expect(connects(result).map((d) => d.trace?.headers), 'injected headers reported').toEqual([{}, {}]);
});

for (const [how, makeInit] of [
  ['an origin string', 'list'],
  ['a predicate', 'predicate'],
]) {
  test(`origin policy: the second origin allow-listed by ${how} gets trace headers after a preflight naming them`, async ({ tp: { page } }) => {
    const session = sessionId(`second-${makeInit}`);
    const result = await page.evaluate(async ([url, second, mode]) => {
      const seen = [];
      const allowedOrigins = mode === 'list' ? [second] : (u) => {
        seen.push({ isURL: u instanceof URL, href: String(u) });
        return u.origin === second;
      };
      const r = await window.runSource(url, { trace: { allowedOrigins } }, { messages: 2 });
      return { ...r, predicateCalls: seen };
    }, [sseUrl(O.second, session), O.second, makeInit]);
    const all = requests(session);
    await attach('observed', { result, all });
    expect(result.messages.map((m) => m.origin), 'stream opened on the second origin').toEqual([O.second, O.second]);
    const gets = all.filter((r) => r.kind === 'sse');
    expect(gets.length).toBe(2);
    const ids = gets.map((r) => checkTraceHeaders(r));
    expect(connects(result).map((d) => d.trace.traceId)).toEqual(ids.map((t) => t.traceId));
    // each GET on the second origin was preceded by a successful preflight that listed both trace headers
    for (const g of gets) {
      const i = all.indexOf(g);
      const pre = all.slice(0, i).filter((r) => r.kind === 'preflight' && r.server === 'second').at(-1);
      expect(pre, `preflight before GET #${g.connection}`).toBeDefined();
      expect(listsTraceHeader(pre).sort(), 'trace headers named in the preflight').toEqual(['traceparent', 'x-amzn-trace-id']);
      expect(pre.headers.origin).toBe(O.main);
    }
    if (makeInit === 'predicate') {
      expect(result.predicateCalls.length, 'predicate called').toBeGreaterThan(0);
      expect(result.predicateCalls.every((c) => c.isURL), 'predicate receives URL objects').toBe(true);
      expect(result.predicateCalls.every((c) => c.href.startsWith(`${O.second}/sse/once`))).toBe(true);
    }
  });
}

test('origin policy: the not-allowed other origin gets no trace headers and no preflight caused by them', async ({ tp: { page } }) => {
  const session = sessionId('other');
  const result = await run(page, sseUrl(O.other, session), { trace: { allowedOrigins: [O.second] } }, { messages: 2 });
  const all = requests(session);
  await attach('observed', { result, all });
  expect(result.messages.map((m) => m.origin), 'stream opened on the other origin').toEqual([O.other, O.other]);
  expect(all.filter((r) => r.kind === 'sse').length).toBe(2);
  all.forEach(expectNoTraceHeaders);
  expect(all.filter((r) => r.kind === 'preflight').map(listsTraceHeader).flat(), 'trace headers named in preflights').toEqual([]);
  expect(connects(result).map((d) => d.trace?.headers)).toEqual([{}, {}]);
});

/** Everything a redirect test observed, one line per request, for the report. */
function redirectRecord(result, all) {
  return {
    messages: result.messages.map((m) => `${m.origin} ${m.lastEventId}`),
    readyStateAtEnd: result.readyStateAtEnd,
    timedOut: result.timedOut,
    diagnostics: result.diagnostics.map((d) => `${d.kind} #${d.attempt}${d.closeType ? ` ${d.closeType}` : ''}${d.trace ? ` injected=${JSON.stringify(d.trace.headers)}` : ''}`),
    requests: all.map((r) => `${r.server} ${r.method} ${r.path} [${r.kind}] trace=${JSON.stringify(traceHeadersOf(r))}` +
      `${r.headers['access-control-request-headers'] ? ` acrh=${r.headers['access-control-request-headers']}` : ''}` +
      `${r.headers['last-event-id'] ? ` last-event-id=${r.headers['last-event-id']}` : ''}`),
  };
}

// The other origin here answers preflights permissively (it reflects Access-Control-Request-Headers, as common
// CORS middleware does): if the library lets fetch() carry the trace headers across the redirect, their
// values arrive. The library's allow-list says they must not.
test('origin policy: a same-origin URL redirecting to the not-allowed origin leaks no trace header value to it', async ({ tp: { page } }) => {
  const session = sessionId('redirect');
  const url = `${O.main}/redirect?to=other&path=/sse/once&session=${session}`;
  const result = await run(page, url, {}, { messages: 2, timeoutMs: 5000 });
  const all = requests(session);
  const secondHop = all.filter((r) => r.server === 'other');
  const record = redirectRecord(result, all);
  await attach('observed', { record, result, all });
  test.info().annotations.push({ type: 'redirect to a permissive other origin', description: JSON.stringify(record) });
  expect(secondHop.length, 'the redirect was followed to the other origin').toBeGreaterThan(0);
  for (const r of secondHop) {
    expect(traceHeadersOf(r), `other origin, ${r.method} ${r.path} [${r.kind}]: trace header values received`).toEqual({});
  }
});

// tracedFetch goes through the same guard: Chromium hides the redirect target (`opaqueredirect`), so the call
// is sent again without trace headers; a Request's own body reaches the final origin intact.
test('origin policy: tracedFetch POST redirected to the not-allowed origin: no trace header values there, body intact', async ({ tp: { page } }) => {
  const session = sessionId('fetch-redirect');
  const body = JSON.stringify({ hello: 'wörld' });
  const out = await page.evaluate(async ([s, b]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const res = await f(new Request(`/redirect?to=other&path=/api/json&session=${s}`, { method: 'POST', body: b }));
    return { spans, json: await res.json(), redirected: res.redirected, url: res.url };
  }, [session, body]);
  const all = requests(session);
  await attach('observed', { out, all });
  const onMain = all.filter((r) => r.server === 'main' && r.kind === 'redirect');
  expect(onMain.length, 'the allowed origin saw the traced request and its repeat').toBe(2);
  expect(Object.keys(traceHeadersOf(onMain[0])).sort()).toEqual(['traceparent', 'x-amzn-trace-id']);
  expect(traceHeadersOf(onMain[1]), 'the repeat carries no trace headers').toEqual({});
  const onOther = all.filter((r) => r.server === 'other');
  expect(onOther.filter((r) => r.kind === 'api').map((r) => [r.method, r.body])).toEqual([['POST', body]]);
  for (const r of onOther) expect(traceHeadersOf(r), `other origin ${r.method} [${r.kind}]`).toEqual({});
  expect(out.json.body).toBe(body);
  expect(out.redirected).toBe(true);
  expect(out.spans[0]).toMatchObject({ method: 'POST', status: 200, redirectedWithoutTrace: 'unknown' });
});

// README "Limits fetch() imposes": an origin that has not opted in (its preflight does not allow the trace
// headers) never receives their values; it sees at most their names in Access-Control-Request-Headers, and the
// attempt then fails as a CORS error.
test('origin policy: a redirect to a not-allowed origin that does not allow the headers: no values, documented outcome', async ({ tp: { page } }) => {
  const session = sessionId('redirect-strict');
  const url = `${O.main}/redirect?to=other&path=/sse/once-strict&session=${session}`;
  const result = await run(page, url, {}, { messages: 2, timeoutMs: 5000 });
  const all = requests(session);
  const secondHop = all.filter((r) => r.server === 'other');
  const record = redirectRecord(result, all);
  await attach('observed', { record, result, all });
  test.info().annotations.push({ type: 'redirect to a strict other origin', description: JSON.stringify(record) });
  expect(secondHop.length, 'the redirect was followed to the other origin').toBeGreaterThan(0);
  for (const r of secondHop) {
    expect(traceHeadersOf(r), `other origin, ${r.method} ${r.path} [${r.kind}]: trace header values received`).toEqual({});
  }
  const named = secondHop.filter((r) => listsTraceHeader(r).length > 0);
  if (named.length > 0) {
    // The documented limit: names only, then a CORS failure — no GET reached the other origin, the source closed.
    expect(secondHop.filter((r) => r.kind === 'sse'), 'GETs on the other origin after a refused preflight').toEqual([]);
    expect(result.readyStateAtEnd, 'source closed').toBe(2);
    expect(result.diagnostics.filter((d) => d.kind === 'closed').map((d) => d.closeType), 'closed diagnostic').toEqual(['cors']);
  } else {
    // Trace headers dropped before the hop: the stream works on the other origin.
    expect(result.messages.map((m) => m.origin)).toEqual([O.other, O.other]);
  }
});

// ---------------------------------------------------------------------------------------------------------
// 5: options
// ---------------------------------------------------------------------------------------------------------

test('options: propagators [w3c] sends no X-Amzn-Trace-Id', async ({ tp: { page } }) => {
  const session = sessionId('w3c');
  const result = await run(page, sseUrl(O.main, session), { trace: { propagators: ['w3c'] } });
  const [r] = requests(session, { kind: 'sse' });
  await attach('observed', { result, r });
  expect(r.lines).toMatchObject({ traceparent: 1, 'x-amzn-trace-id': 0 });
  expect(r.headers.traceparent).toMatch(TRACEPARENT);
  expect(connects(result)[0].trace.headers).toEqual({ traceparent: r.headers.traceparent });
});

test('options: propagators [xray] sends no traceparent, tracestate or baggage', async ({ tp: { page } }) => {
  const session = sessionId('xray');
  const result = await run(page, sseUrl(O.main, session),
    { trace: { propagators: ['xray'], tracestate: { vendor: 'x' }, baggage: { user: 'a' } } });
  const [r] = requests(session, { kind: 'sse' });
  await attach('observed', { result, r });
  expect(r.lines).toEqual({ traceparent: 0, tracestate: 0, baggage: 0, 'x-amzn-trace-id': 1 });
  const xr = XRAY.exec(r.headers['x-amzn-trace-id']);
  expect(xr, r.headers['x-amzn-trace-id']).not.toBeNull();
  const c = connects(result)[0].trace;
  expect(c.headers).toEqual({ 'x-amzn-trace-id': r.headers['x-amzn-trace-id'] });
  expect(c.traceId).toBe(xr[1] + xr[2]);
  expect(c.spanId).toBe(xr[3]);
});

test('options: sampleRatio 0 propagates an unsampled context (flags 02/00, Sampled=0)', async ({ tp: { page } }) => {
  const session = sessionId('ratio0');
  const result = await run(page, sseUrl(O.main, session), { trace: { sampleRatio: 0 } }, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  expect(gets.length).toBe(2);
  for (const r of gets) {
    checkTraceHeaders(r, { flags: ['02', '00'] });
    expect(r.headers['x-amzn-trace-id'].endsWith(';Sampled=0')).toBe(true);
  }
  expect(connects(result).map((d) => d.trace.sampled)).toEqual([false, false]);
});

test('options: unsampled omit with sampleRatio 0 sends no trace headers at all', async ({ tp: { page } }) => {
  const session = sessionId('omit');
  const result = await run(page, sseUrl(O.main, session),
    { trace: { sampleRatio: 0, unsampled: 'omit', tracestate: { vendor: 'x' }, baggage: { user: 'a' } } }, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  expect(result.messages.length).toBe(2);
  expect(gets.map((r) => r.lines)).toEqual(gets.map(() => ({ traceparent: 0, tracestate: 0, baggage: 0, 'x-amzn-trace-id': 0 })));
  expect(connects(result).map((d) => d.trace?.headers)).toEqual([{}, {}]);
});

test('options: a valid traceparent parent gives the first attempt its trace id', async ({ tp: { page } }) => {
  const session = sessionId('parent');
  const parentTrace = `${Math.floor(Date.now() / 1000).toString(16)}1234567890abcdef01234567`;
  const parentSpan = 'fedcba9876543210';
  const parent = `00-${parentTrace}-${parentSpan}-01`;
  const result = await run(page, sseUrl(O.main, session), { trace: { parent } }, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { parent, result, gets });
  // Parent-based: the parent is sampled and did not set the random flag, so the child sends flags 01.
  const t = checkTraceHeaders(gets[0], { flags: ['01'] });
  expect(t.traceId, 'first attempt trace id = parent trace id').toBe(parentTrace);
  expect(t.spanId, 'the client span is a new span, not the parent').not.toBe(parentSpan);
  expect(connects(result)[0].trace).toMatchObject({ traceId: parentTrace, spanId: t.spanId, sampled: true });
  expect(result.diagnostics.filter((d) => d.kind === 'warning'), 'warnings').toEqual([]);
});

test('options: a valid X-Amzn-Trace-Id parent gives the first attempt its trace id', async ({ tp: { page } }) => {
  const session = sessionId('parent-xray');
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const parent = `Self=1-${epoch}-aaaaaaaaaaaaaaaaaaaaaaaa;Root=1-${epoch}-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1;Lineage=a87bd80c:1`;
  const result = await run(page, sseUrl(O.main, session), { trace: { parent } });
  const [r] = requests(session, { kind: 'sse' });
  await attach('observed', { parent, result, r });
  // An X-Ray parent has no random flag to inherit; its 96 bits after the epoch are random by AWS's format, so
  // both 01 and 03 are defensible. Sampled=1 must carry over.
  const t = checkTraceHeaders(r, { flags: ['01', '03'] });
  expect(t.traceId).toBe(`${epoch}0123456789abcdef01234567`);
  expect(t.spanId).not.toBe('0123456789abcdef');
  expect(result.diagnostics.filter((d) => d.kind === 'warning'), 'warnings').toEqual([]);
});

test('options: an invalid parent (upper-case hex) is ignored with a warning diagnostic and a new root trace', async ({ tp: { page } }) => {
  const session = sessionId('bad-parent');
  const parentTrace = '4BF92F3577B34DA6A3CE929D0E0E4736';
  const parent = `00-${parentTrace}-00F067AA0BA902B7-01`;
  const result = await run(page, sseUrl(O.main, session), { trace: { parent } });
  const [r] = requests(session, { kind: 'sse' });
  await attach('observed', { parent, result, r });
  const warnings = result.diagnostics.filter((d) => d.kind === 'warning');
  expect(warnings.length, 'warning diagnostics').toBe(1);
  expect(typeof warnings[0].message).toBe('string');
  const t = checkTraceHeaders(r, { flags: ['03'] }); // a new root: sampled by the default ratio, random bit set
  expect(t.traceId).not.toBe(parentTrace.toLowerCase());
  expect(t.traceId.slice(8)).not.toBe(parentTrace.toLowerCase().slice(8));
  expect(result.messages.length, 'the stream still works').toBe(1);
});

test('options: tracestate and baggage members are sent as tracestate: vendor=x and baggage: user=a%20b', async ({ tp: { page } }) => {
  const session = sessionId('members');
  const result = await run(page, sseUrl(O.main, session),
    { trace: { tracestate: { vendor: 'x' }, baggage: { user: 'a b' } } }, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  expect(gets.length).toBe(2);
  for (const r of gets) {
    checkTraceHeaders(r);
    expect(r.lines).toMatchObject({ tracestate: 1, baggage: 1 });
    expect([r.headers.tracestate, r.headers.baggage]).toEqual(['vendor=x', 'user=a%20b']);
  }
  expect(connects(result)[0].trace.headers).toEqual(traceHeadersOf(gets[0]));
});

// ---------------------------------------------------------------------------------------------------------
// 6: response correlation
// ---------------------------------------------------------------------------------------------------------

/** What the 'open' diagnostic should say about the response the server sent for one GET. */
const expectedResponse = (g) => ({
  available: true,
  xrayTraceId: g.echo.xrayRoot,          // the X-Ray trace id: the Root value, 1-{8 hex}-{24 hex}
  traceresponse: g.echo.traceresponse,   // the header value
  serverTimingTrace: g.echo.serverTimingDesc, // the desc of the `trace` metric, unquoted
});

test('response correlation: same origin, the open diagnostic carries the server\'s trace ids', async ({ tp: { page } }) => {
  const session = sessionId('resp-same');
  const result = await run(page, sseUrl(O.main, session), {}, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  const o = opens(result);
  expect(o.map((d) => d.attempt)).toEqual([1, 2]);
  gets.forEach((g, i) => {
    expect(g.echo.traceId, 'server echoed the request trace id').toBe(checkTraceHeaders(g).traceId);
    expect.soft(o[i].response, `attempt ${i + 1}: response trace`).toMatchObject(expectedResponse(g));
  });
});

test('response correlation: allowed cross-origin server exposing the headers', async ({ tp: { page } }) => {
  const session = sessionId('resp-cross');
  const result = await run(page, sseUrl(O.second, session), { trace: { allowedOrigins: [O.second] } }, { messages: 2 });
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { result, gets });
  const o = opens(result);
  expect(o.map((d) => d.attempt)).toEqual([1, 2]);
  gets.forEach((g, i) => {
    checkTraceHeaders(g);
    expect.soft(o[i].response, `attempt ${i + 1}: response trace`).toMatchObject(expectedResponse(g));
  });
});

test('response correlation: a cross-origin server that exposes nothing gives available=false and one debug warning', async ({ tp: { page, warnings } }) => {
  // Without debug: unavailable, and silent.
  const quiet = sessionId('resp-noexpose-quiet');
  const quietResult = await run(page, sseUrl(O.second, quiet, '/sse/once-noexpose'),
    { trace: { allowedOrigins: [O.second] } }, { messages: 2 });
  const quietWarnings = [...warnings];
  // With debug: unavailable on every attempt, one console warning in all.
  const session = sessionId('resp-noexpose-debug');
  const result = await run(page, sseUrl(O.second, session, '/sse/once-noexpose'),
    { trace: { allowedOrigins: [O.second], debug: true } }, { messages: 3 });
  await page.waitForTimeout(100);
  const gets = requests(session, { kind: 'sse' });
  await attach('observed', { quietResult, quietWarnings, result, gets, warnings });
  expect(quietResult.messages.length).toBe(2);
  expect(opens(quietResult).map((d) => d.response)).toEqual([{ available: false }, { available: false }]);
  expect(quietWarnings, 'console warnings without debug').toEqual([]);
  expect(result.messages.length).toBe(3);
  gets.forEach((g) => checkTraceHeaders(g)); // the headers went out: the origin is allowed
  expect(opens(result).map((d) => d.response), 'response traces').toEqual([{ available: false }, { available: false }, { available: false }]);
  expect(warnings.length, `console warnings with debug over 3 attempts: ${JSON.stringify(warnings)}`).toBe(1);
});

test('response correlation: tracedFetch onSpan response carries what the server sent (same and allowed cross-origin)', async ({ tp: { page } }) => {
  const session = sessionId('resp-fetch');
  const spans = await page.evaluate(async ([s, second]) => {
    const out = [];
    const f = window.lib.createTracedFetch({ allowedOrigins: [second], onSpan: (sp) => out.push(window.plain(sp)) });
    await (await f(`/api/json?session=${s}`)).text();
    await (await f(`${second}/api/json?session=${s}`)).text();
    return out;
  }, [session, O.second]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { spans, api });
  expect(api.map((r) => r.server)).toEqual(['main', 'second']);
  expect(spans.length).toBe(2);
  api.forEach((r, i) => {
    expect(r.echo.traceId).toBe(checkTraceHeaders(r).traceId);
    expect.soft(spans[i].response, `${r.server}: span response trace`).toMatchObject(expectedResponse(r));
  });
});

// ---------------------------------------------------------------------------------------------------------
// 7: tracedFetch / createTracedFetch
// ---------------------------------------------------------------------------------------------------------

const APP_TRACEPARENT = '00-11111111111111111111111111111111-2222222222222222-01';
const APP_XRAY = 'Root=1-11111111-111111111111111111111111;Parent=2222222222222222;Sampled=1';

/** One API request as the server saw it: one line of each trace header, not the app's values, well formed. */
function checkApi(r, { flags = ['03'] } = {}) {
  const t = checkTraceHeaders(r, { flags });
  expect(r.headers.traceparent, 'the app-supplied traceparent was replaced').not.toBe(APP_TRACEPARENT);
  expect(r.headers['x-amzn-trace-id'], 'the app-supplied X-Amzn-Trace-Id was replaced').not.toBe(APP_XRAY);
  return t;
}

/**
 * The span a call reported, matched to what the server saw. `appOwn`: trace-related headers the app itself
 * set that the library does not configure (they reach the server but are not "injected").
 */
function checkSpan(span, r, { method = 'GET', url, status = 200, appOwn = [] }) {
  const t = checkApi(r);
  expect(span, 'span record').toMatchObject({ method, url, status, traceId: t.traceId, spanId: t.spanId, sampled: true });
  expect(span.error, 'span error').toBeUndefined();
  expect(Number.isFinite(span.durationMs) && span.durationMs >= 0, `durationMs ${span.durationMs}`).toBe(true);
  const injected = traceHeadersOf(r);
  for (const k of appOwn) delete injected[k];
  expect(span.headers, 'span headers = what the server received').toEqual(injected);
  // What the response trace holds exactly is asserted once, in 'response correlation: tracedFetch …'.
  expect(span.response?.available, 'span response trace available').toBe(true);
  for (const k of ['xrayTraceId', 'traceresponse', 'serverTimingTrace']) {
    expect(typeof span.response[k] === 'string' && span.response[k].length > 0, `span.response.${k}: ${span.response[k]}`).toBe(true);
  }
  return t;
}

test('tracedFetch: a relative URL string, default options; the body stays readable', async ({ tp: { page } }) => {
  const session = sessionId('fetch-string');
  const out = await page.evaluate(async (s) => {
    const res = await window.lib.tracedFetch(`/api/json?session=${s}#frag`);
    const bodyUsed = res.bodyUsed;
    const json = await res.json();
    return { status: res.status, bodyUsed, json: { ok: json.ok, method: json.method, padLength: json.pad.length } };
  }, session);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(out).toEqual({ status: 200, bodyUsed: false, json: { ok: true, method: 'GET', padLength: 4096 } });
  expect(api.length).toBe(1);
  checkApi(api[0]);
});

test('createTracedFetch: a URL object; onSpan has method, URL without query/fragment, status, duration, ids', async ({ tp: { page } }) => {
  const session = sessionId('fetch-url');
  const out = await page.evaluate(async (s) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const res = await f(new URL(`/api/json?session=${s}&secret=1#frag`, location.href));
    const spansAtHead = spans.length;
    const bodyUsed = res.bodyUsed;
    const text = await res.text();
    return { spans, spansAtHead, bodyUsed, length: text.length, parsed: JSON.parse(text).ok };
  }, session);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(1);
  expect(out.spansAtHead, 'onSpan called once, by the time the head arrived').toBe(1);
  expect(out.spans.length).toBe(1);
  checkSpan(out.spans[0], api[0], { url: `${O.main}/api/json` });
  expect([out.bodyUsed, out.parsed]).toEqual([false, true]);
  expect(out.length).toBeGreaterThan(4096);
});

test('createTracedFetch: a Request with its own headers (including an app traceparent) gets the trace headers set, not appended', async ({ tp: { page } }) => {
  const session = sessionId('fetch-request');
  const out = await page.evaluate(async ([s, tp, xr]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const req = new Request(`/api/json?session=${s}`, { headers: { 'X-App': 'request', traceparent: tp, 'X-Amzn-Trace-Id': xr } });
    const res = await f(req);
    const json = await res.json();
    return { spans, ok: json.ok, reqHeadersAfter: [...req.headers] };
  }, [session, APP_TRACEPARENT, APP_XRAY]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(1);
  expect(api[0].headers['x-app'], 'the Request\'s own header survives').toBe('request');
  checkSpan(out.spans[0], api[0], { url: `${O.main}/api/json` });
  expect(out.ok).toBe(true);
  expect(out.reqHeadersAfter, 'the caller\'s Request is not mutated').toEqual(
    [['traceparent', APP_TRACEPARENT], ['x-amzn-trace-id', APP_XRAY], ['x-app', 'request']]);
});

test('createTracedFetch: init.headers as a Headers object (with an app traceparent) is replaced, not appended, not mutated', async ({ tp: { page } }) => {
  const session = sessionId('fetch-headers');
  const out = await page.evaluate(async ([s, tp]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const headers = new Headers({ 'X-App': 'headers', Traceparent: tp });
    const res = await f(`/api/json?session=${s}`, { headers });
    await res.arrayBuffer();
    return { spans, headersAfter: [...headers] };
  }, [session, APP_TRACEPARENT]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(1);
  expect(api[0].headers['x-app']).toBe('headers');
  checkSpan(out.spans[0], api[0], { url: `${O.main}/api/json` });
  expect(out.headersAfter, 'the caller\'s Headers is not mutated').toEqual([['traceparent', APP_TRACEPARENT], ['x-app', 'headers']]);
});

test('createTracedFetch: init.headers as a plain object with mixed-case keys; an app traceparent is REPLACED', async ({ tp: { page } }) => {
  const session = sessionId('fetch-object');
  const out = await page.evaluate(async ([s, tp, xr]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const init = { headers: { TraceParent: tp, 'X-AMZN-TRACE-ID': xr, 'x-App': 'object', TRACESTATE: 'app=1' } };
    const res = await f(`/api/json?session=${s}`, init);
    await res.text();
    return { spans, initAfter: init };
  }, [session, APP_TRACEPARENT, APP_XRAY]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(1);
  expect(api[0].headers['x-app']).toBe('object');
  checkSpan(out.spans[0], api[0], { url: `${O.main}/api/json`, appOwn: ['tracestate'] });
  // No tracestate configured: the app's own tracestate may pass (or be dropped) but never be duplicated.
  expect(api[0].lines.tracestate, 'tracestate header lines').toBeLessThanOrEqual(1);
  expect(api[0].headers.tracestate ?? 'app=1', 'tracestate not comma-joined').toBe('app=1');
  expect(out.initAfter, 'init not mutated').toEqual({ headers: { TraceParent: APP_TRACEPARENT, 'X-AMZN-TRACE-ID': APP_XRAY, 'x-App': 'object', TRACESTATE: 'app=1' } });
});

test('createTracedFetch: init.headers as an array of pairs (with an app TRACEPARENT)', async ({ tp: { page } }) => {
  const session = sessionId('fetch-array');
  const out = await page.evaluate(async ([s, tp]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const init = { headers: [['X-App', 'array'], ['TRACEPARENT', tp]] };
    const res = await f(`/api/json?session=${s}`, init);
    await res.text();
    return { spans, initAfter: init };
  }, [session, APP_TRACEPARENT]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(1);
  expect(api[0].headers['x-app']).toBe('array');
  checkSpan(out.spans[0], api[0], { url: `${O.main}/api/json` });
  expect(out.initAfter, 'init not mutated').toEqual({ headers: [['X-App', 'array'], ['TRACEPARENT', APP_TRACEPARENT]] });
});

test('createTracedFetch: the same init object reused across two calls: fresh span each call, init not mutated', async ({ tp: { page } }) => {
  const session = sessionId('fetch-reuse');
  const out = await page.evaluate(async ([s, tp]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const init = { method: 'GET', headers: { 'X-App': 'reused', traceparent: tp } };
    const snapshot = JSON.stringify(init);
    const headersObj = init.headers;
    const initH = { headers: new Headers({ 'X-App': 'reused-h' }) };
    for (let i = 0; i < 2; i++) await (await f(`/api/json?session=${s}&call=${i}`, init)).text();
    for (let i = 2; i < 4; i++) await (await f(`/api/json?session=${s}&call=${i}`, initH)).text();
    return {
      spans,
      sameObject: init.headers === headersObj,
      unchanged: JSON.stringify(init) === snapshot,
      initAfter: init,
      initHAfter: [...initH.headers],
    };
  }, [session, APP_TRACEPARENT]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(4);
  expect(out.spans.length).toBe(4);
  const ids = api.map((r, i) => {
    expect(r.query.call).toBe(String(i));
    return checkSpan(out.spans[i], r, { url: `${O.main}/api/json` });
  });
  expect(new Set(ids.map((t) => t.spanId)).size, 'a fresh span id per call').toBe(4);
  expect([out.sameObject, out.unchanged], 'init object untouched').toEqual([true, true]);
  expect(out.initAfter).toEqual({ method: 'GET', headers: { 'X-App': 'reused', traceparent: APP_TRACEPARENT } });
  expect(out.initHAfter).toEqual([['x-app', 'reused-h']]);
});

test('createTracedFetch: a POST with a body', async ({ tp: { page } }) => {
  const session = sessionId('fetch-post');
  const body = JSON.stringify({ hello: 'wörld', n: [1, 2, 3] });
  const out = await page.evaluate(async ([s, b]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ onSpan: (sp) => spans.push(window.plain(sp)) });
    const res = await f(`/api/json?session=${s}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: b });
    const json = await res.json();
    // a Request carrying its body, too
    const res2 = await f(new Request(`/api/json?session=${s}&request=1`, { method: 'POST', body: b }));
    const json2 = await res2.json();
    return { spans, echoed: [json.body, json2.body], methods: [json.method, json2.method] };
  }, [session, body]);
  const api = requests(session, { kind: 'api' });
  await attach('observed', { out, api });
  expect(api.length).toBe(2);
  expect(api.map((r) => [r.method, r.body])).toEqual([['POST', body], ['POST', body]]);
  expect(api[0].headers['content-type']).toBe('application/json');
  expect(out.echoed).toEqual([body, body]);
  checkSpan(out.spans[0], api[0], { method: 'POST', url: `${O.main}/api/json` });
  checkSpan(out.spans[1], api[1], { method: 'POST', url: `${O.main}/api/json` });
});

test('createTracedFetch: a rejected fetch (unreachable port) reports error TypeError and rethrows', async ({ tp: { page } }) => {
  const closed = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
  const out = await page.evaluate(async (origin) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ allowedOrigins: [origin], onSpan: (sp) => spans.push(window.plain(sp)) });
    let caught = null;
    try {
      await f(`${origin}/api/json?x=1#y`);
    } catch (e) {
      caught = { name: e?.name, isTypeError: e instanceof TypeError };
    }
    return { spans, caught };
  }, closed);
  await attach('observed', { closed, out });
  expect(out.caught, 'rethrown to the caller').toEqual({ name: 'TypeError', isTypeError: true });
  expect(out.spans.length).toBe(1);
  const span = out.spans[0];
  expect(span).toMatchObject({ method: 'GET', url: `${closed}/api/json`, error: 'TypeError' });
  expect(span.status).toBeUndefined();
  expect(Number.isFinite(span.durationMs) && span.durationMs >= 0, `durationMs ${span.durationMs}`).toBe(true);
  expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
});

test('createTracedFetch: origin policy (allowed second origin with a preflight, not-allowed other origin untouched, unexposed response)', async ({ tp: { page } }) => {
  const session = sessionId('fetch-cross');
  const out = await page.evaluate(async ([s, second, other]) => {
    const spans = [];
    const f = window.lib.createTracedFetch({ allowedOrigins: [second], onSpan: (sp) => spans.push(window.plain(sp)) });
    const a = await f(`${second}/api/json?session=${s}&n=0`);
    const b = await f(`${other}/api/json?session=${s}&n=1`);
    const c = await f(`${second}/api/json-noexpose?session=${s}&n=2`);
    const bodies = [await a.json(), await b.json(), await c.json()].map((j) => j.ok);
    return { spans, bodies };
  }, [session, O.second, O.other]);
  const all = requests(session);
  await attach('observed', { out, all });
  expect(out.bodies).toEqual([true, true, true]);
  const api = all.filter((r) => r.kind === 'api');
  expect(api.map((r) => `${r.server}${r.path}`)).toEqual(['second/api/json', 'other/api/json', 'second/api/json-noexpose']);
  expect(out.spans.length).toBe(3);
  // allowed, exposing: traced, preflighted, response read
  checkSpan(out.spans[0], api[0], { url: `${O.second}/api/json` });
  const pre = all.filter((r) => r.kind === 'preflight');
  expect(pre.map((r) => [r.server, r.path, listsTraceHeader(r).sort()]), 'preflights').toEqual([
    ['second', '/api/json', ['traceparent', 'x-amzn-trace-id']],
    ['second', '/api/json-noexpose', ['traceparent', 'x-amzn-trace-id']],
  ]);
  // not allowed: nothing injected, the span says so
  expectNoTraceHeaders(api[1]);
  expect(out.spans[1]).toMatchObject({ method: 'GET', url: `${O.other}/api/json`, status: 200, headers: {} });
  // allowed, not exposing
  const t = checkApi(api[2]);
  expect(out.spans[2]).toMatchObject({ traceId: t.traceId, spanId: t.spanId, status: 200, response: { available: false } });
});

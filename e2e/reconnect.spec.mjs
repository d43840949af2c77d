// The reconnect policy by close type (issue 4, REQUIREMENTS C1–C6) in real Chromium: what TracedEventSource
// does after each way a connection can end, timed where it matters, at the server.
//
//   npx playwright test e2e/reconnect.spec.mjs
//
// The spec starts its own fault-injecting server (e2e/fault-server.mjs) on a free port: attempt n of a session
// gets step n of the URL's script (drop mid-event, reset, graceful end, 503 + Retry-After, 204, stall, ...), and
// every request is recorded with its arrival time and the times the server ended it, on this process's
// performance.now(). A reconnect wait is `next arrival - end of the previous attempt` (including the library's
// no-cors probe, when it sent one: the client can only start waiting after that failed too). The server stamps
// each of its actions just before taking it, and the client learns of it after, so a measured wait can only be
// longer than the real one: lower bounds are the contract's (minus EARLY_MS for timer granularity), upper
// bounds get LATE_MS for a loaded 2-core machine. Where the client ends an attempt (idle timeout), the server
// only notices later, so the lower bounds there are taken on the page's clock from the library's own records.
// The library's own `delayMs` in its diagnostics is held to the contract exactly.

import { test as base, expect } from '@playwright/test';
import { startFaultServer, GRACEFUL_RETRY_MS, RETRY_AFTER_S } from './fault-server.mjs';

const EARLY_MS = 15;   // a timer may fire this much before its delay (clock and timer granularity)
// Scheduling on a loaded machine: renderer, network service, this server's event loop. 400 ms was not enough:
// in a slow run, a request once reached the server ~390 ms after the library's `connect` record (a 200 ms
// backoff measured as 590 ms). The exact checks are on the library's `delayMs`; the server's bounds
// catch a timer that fires early or far too late, and where they must tell two policies apart they still do
// (a backoff that reset: at most 300 + 600 ms; one that did not: at least 0.8 × 4 × 300 = 960 ms).
const LATE_MS = 600;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const CLOSE_TYPES = ['graceful', 'network', 'http-status', 'content-type', 'cors', 'stream-cap', 'app-close', 'idle-timeout'];

let server;

const test = base.extend({
  // A fresh page on the fault server's origin with the package imported, and handles to drive sources in it.
  // When a test fails before it attached what it saw (a wait that timed out), everything is attached here.
  rp: async ({ page }, use, testInfo) => {
    await page.goto(`${server.origin}/e2e/pages/reconnect.html`);
    await page.waitForFunction(() => window.reconnectReady === true);
    expect(await page.evaluate(() => window.libError ?? null), 'importing /js-glue/index.js').toBeNull();
    const opened = [];
    await use({
      page,
      /** Opens a source in the page; returns its handle. `native: true` opens a native EventSource instead. */
      open: async (url, init = {}, { native = false } = {}) => {
        const id = await page.evaluate(([u, i, o]) => window.openSource(u, i, o), [url, init, { native }]);
        opened.push({ id, url, init, native });
        return id;
      },
      observe: (id) => page.evaluate((i) => window.observe(i), id),
      close: (id) => page.evaluate((i) => window.closeSource(i), id),
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      const sources = [];
      for (const { id, url, init, native } of opened) {
        const session = new URL(url).searchParams.get('session');
        const obs = await page.evaluate((i) => window.observe(i), id).catch((e) => ({ error: String(e) }));
        sources.push({ url, init, native, server: serverTimeline(session), page: obs.error ? obs : pageTimeline(obs) });
      }
      await testInfo.attach('on failure: every source', { body: JSON.stringify(sources, null, 2), contentType: 'application/json' });
    }
  },
});

test.beforeAll(async () => {
  server = await startFaultServer();
});
test.afterAll(async () => {
  await server?.close();
});

const sessionId = (name) => `${name}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// The contract's ranges
// ---------------------------------------------------------------------------------------------------------

/** Backoff after the n-th consecutive failure: each wait in [80 %, 100 %] of min(retry × 2^(n−1), cap). */
function backoffRange(retryMs, n, capMs = DEFAULT_MAX_RETRY_DELAY_MS) {
  const nominal = Math.min(retryMs * 2 ** (n - 1), capMs);
  return [Math.floor((nominal * 8) / 10), nominal];
}
/** A wait of `ms` plus jitter in [0, 10 %] (graceful end, Retry-After). */
const jitterRange = (ms) => [ms, Math.ceil((ms * 11) / 10)];

// ---------------------------------------------------------------------------------------------------------
// What the server saw
// ---------------------------------------------------------------------------------------------------------

/**
 * The session's attempts in order, each with `probes` (the no-cors probes that followed it) and `doneAt`: the
 * moment from which the client can be waiting, the later of the attempt's `over` and its probe's.
 */
function attemptsOf(session) {
  const all = server.requests(session);
  return all.filter((r) => r.kind === 'attempt').map((a) => {
    const probes = all.filter((r) => r.kind === 'probe' && r.afterAttempt === a.n);
    const ends = [a.over, ...probes.map((p) => p.over)].filter((t) => t !== undefined);
    return { ...a, probes, doneAt: ends.length ? Math.max(...ends) : undefined };
  });
}

/** waits[i] = arrival of attempt i+2 − doneAt of attempt i+1 (ms, server clock). */
function waitsOf(attempts) {
  return attempts.slice(1).map((a, i) => a.t - attempts[i].doneAt);
}

/** One line per request, times in ms from the session's first request: the report of a failure. */
function serverTimeline(session) {
  const all = server.requests(session);
  const t0 = all[0]?.t ?? 0;
  const at = (t) => (t === undefined ? '-' : (t - t0).toFixed(1));
  return all.map((r) => (r.kind === 'attempt'
    ? `#${r.n} ${r.step}: arrived ${at(r.t)}, head ${at(r.headAt)}, last byte ${at(r.lastByteAt)}, ` +
      `${r.end ?? 'still open'} ${at(r.over)}, Last-Event-ID ${r.headers['last-event-id'] ?? '-'}`
    : `${r.kind}${r.kind === 'probe' ? ` after #${r.afterAttempt}` : ''} (${r.headers['sec-fetch-mode'] ?? '-'}): ` +
      `arrived ${at(r.t)}, ${r.end ?? '-'} ${at(r.over)}`));
}

// ---------------------------------------------------------------------------------------------------------
// What the page saw
// ---------------------------------------------------------------------------------------------------------

const ofKind = (obs, kind) => obs.diagnostics.filter((d) => d.kind === kind);
const errorsOf = (obs) => obs.events.filter((e) => e.type === 'error');
const messagesOf = (obs) => obs.events.filter((e) => e.type === 'message').map((e) => ({ data: e.data, lastEventId: e.lastEventId }));

function pageTimeline(obs) {
  const t0 = obs.openedAt;
  const at = (t) => (t - t0).toFixed(1);
  return {
    events: obs.events.map((e) => `${at(e.t)} ${e.type} rs=${e.readyState}${e.type === 'message' ? ` ${e.lastEventId} ${JSON.stringify(e.data)}` : ''}`),
    states: obs.states.map((s) => `${at(s.t)} ${s.state}`),
    diagnostics: obs.diagnostics.map((d) => `${at(d.t)} ${d.kind} #${d.attempt}` +
      ['closeType', 'status', 'delayMs', 'reason', 'resumeSupported'].filter((k) => d[k] !== undefined).map((k) => ` ${k}=${d[k]}`).join('') +
      (['closed', 'warning'].includes(d.kind) ? ` "${d.message}"` : '')),
    network: obs.network.map((n) => `${at(n.t)} ${n.type}`),
    readyState: obs.readyState,
    stats: obs.stats,
  };
}

/** Attach what was observed, so a failure report carries the exact values. */
async function attach(name, value) {
  await test.info().attach(name, { body: JSON.stringify(value, null, 2), contentType: 'application/json' });
}

async function eventually(what, fn, timeout = 8000) {
  await expect.poll(fn, { message: what, timeout, intervals: [25] }).toBeTruthy();
}

/** A server-measured wait against the contract's [lo, hi]: never early, late only within LATE_MS. */
function expectWait(label, ms, [lo, hi]) {
  const what = `${label}: waited ${ms?.toFixed(1)} ms (server), contract [${lo}, ${hi}] ms, accepted [${lo - EARLY_MS}, ${hi + LATE_MS}]`;
  expect(ms, what).toBeGreaterThanOrEqual(lo - EARLY_MS);
  expect(ms, what).toBeLessThanOrEqual(hi + LATE_MS);
}

/**
 * A wait after an attempt the *client* ended (idle timeout), bounded below on the page's clock: this process
 * notices the client leaving on its own event loop, possibly late (a stall of ~90 ms was seen under load),
 * which would shorten the server-measured wait. From the library's `reconnect` record after attempt n to its
 * `connect` record for n + 1; the server's measure bounds it from above.
 */
function expectClientEndedWait(label, obs, n, serverMs, [lo, hi]) {
  const rec = obs.diagnostics.find((d) => d.kind === 'reconnect' && d.attempt === n);
  const next = obs.diagnostics.find((d) => d.kind === 'connect' && d.attempt === n + 1);
  const pageMs = rec && next ? next.t - rec.t : undefined;
  const what = `${label}: ${pageMs?.toFixed(1)} ms on the page, ${serverMs?.toFixed(1)} ms at the server; ` +
    `contract [${lo}, ${hi}] ms, accepted [${lo - EARLY_MS}, ${hi + LATE_MS}]`;
  expect(pageMs, what).toBeGreaterThanOrEqual(lo - EARLY_MS);
  expect(pageMs, what).toBeLessThanOrEqual(hi + LATE_MS);
  expect(serverMs, what).toBeLessThanOrEqual(hi + LATE_MS);
}

/** The library's scheduled delay (its `reconnect` record) against the contract's [lo, hi], exactly. */
function expectDelay(label, record, [lo, hi]) {
  const what = `${label}: reconnect record ${JSON.stringify(record)}, delayMs contract [${lo}, ${hi}]`;
  expect(record, what).toBeDefined();
  expect(record.delayMs, what).toBeGreaterThanOrEqual(lo);
  expect(record.delayMs, what).toBeLessThanOrEqual(hi);
}

/** Opens, waits for `attempts` attempts at the server (and `until` in the page), returns everything observed. */
async function runUntil(rp, session, steps, init, { attempts, until = () => true, timeout = 8000 }) {
  const id = await rp.open(server.sseUrl(session, steps), init);
  await eventually(`${session}: ${attempts} attempts at the server`, () => server.attempts(session).length >= attempts, timeout);
  let obs;
  await eventually(`${session}: the page's condition`, async () => until((obs = await rp.observe(id))), timeout);
  return { id, obs, attempts: attemptsOf(session) };
}

// ---------------------------------------------------------------------------------------------------------
// Network errors and idle timeouts: exponential backoff
// ---------------------------------------------------------------------------------------------------------

test('socket destroyed mid-event: network close, the incomplete event is not dispatched, backoff wait, Last-Event-ID of the last complete event', async ({ rp }) => {
  const R = 300;
  const session = sessionId('drop-mid-event');
  const { obs, attempts } = await runUntil(rp, session, ['drop-mid-event', 'ok'], { retryMs: R, trace: false },
    { attempts: 2, until: (o) => messagesOf(o).length >= 2 });
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits });

  expect(attempts[0].end, 'attempt 1 ended by the server destroying the socket mid-event').toBe('destroyed');
  expect(messagesOf(obs), 'messages: the complete event of each attempt, never the half one (a1e2)').toEqual([
    { data: 'attempt 1 complete', lastEventId: 'a1e1' },
    { data: 'attempt 2 open', lastEventId: 'a2e1' },
  ]);
  expect(attempts[1].headers['last-event-id'], 'Last-Event-ID of the reconnect').toBe('a1e1');
  expect(attempts[0].headers['last-event-id'], 'no Last-Event-ID on the first attempt').toBeUndefined();
  const rec = ofKind(obs, 'reconnect');
  expect(rec[0], 'reconnect record after attempt 1').toMatchObject({ attempt: 1, closeType: 'network', reason: 'backoff' });
  expectDelay('after the drop (1st failure)', rec[0], backoffRange(R, 1));
  expectWait('wait after the drop', waits[0], backoffRange(R, 1));
  expect(errorsOf(obs).map((e) => e.readyState), 'one error event, dispatched while CONNECTING').toEqual([CONNECTING]);
  expect(obs.events.map((e) => e.type), 'event order').toEqual(['open', 'message', 'error', 'open', 'message']);
});

test('two consecutive resets before any response: network closes, the second wait is about twice the first', async ({ rp }) => {
  const R = 400;
  const session = sessionId('resets');
  const { obs, attempts } = await runUntil(rp, session, ['reset', 'reset', 'ok'], { retryMs: R, trace: false },
    { attempts: 3, until: (o) => messagesOf(o).length >= 1 });
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits });

  expect(attempts.slice(0, 2).map((a) => a.end), 'attempts 1 and 2 reset before any response').toEqual(['reset', 'reset']);
  // A probe, when sent, is reset too (the server answers it like the attempt it follows): still a network error.
  for (const a of attempts.slice(0, 2)) expect(a.probes.length, `no-cors probes after attempt ${a.n}`).toBeLessThanOrEqual(1);
  const rec = ofKind(obs, 'reconnect');
  expect(rec.slice(0, 2), 'reconnect records').toMatchObject([
    { attempt: 1, closeType: 'network', reason: 'backoff' },
    { attempt: 2, closeType: 'network', reason: 'backoff' },
  ]);
  expectDelay('1st failure', rec[0], backoffRange(R, 1));
  expectDelay('2nd failure', rec[1], backoffRange(R, 2));
  expect(rec[1].delayMs, 'the scheduled waits grow').toBeGreaterThan(rec[0].delayMs);
  expectWait('wait after reset 1', waits[0], backoffRange(R, 1));
  expectWait('wait after reset 2', waits[1], backoffRange(R, 2));
  expect(errorsOf(obs).map((e) => e.readyState), 'an error per failure, while CONNECTING').toEqual([CONNECTING, CONNECTING]);
  expect(obs.states.map((s) => s.state), 'readyState: CONNECTING until the third attempt opens').toEqual([CONNECTING, OPEN]);
});

test('stall past idleTimeoutMs 600: idle-timeout close ≥ 600 ms after the last byte, then a backoff reconnect', async ({ rp }) => {
  const R = 300;
  const IDLE = 600;
  const session = sessionId('stall');
  const { obs, attempts } = await runUntil(rp, session, ['stall', 'ok'], { retryMs: R, idleTimeoutMs: IDLE, trace: false },
    { attempts: 2, until: (o) => messagesOf(o).length >= 2 });
  const waits = waitsOf(attempts);
  const silence = attempts[0].clientGoneAt - attempts[0].lastByteAt;
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits, silence });

  expect(attempts[0].end, 'the client, not the server, ended the stalled stream').toBe('client-gone');
  expectWait('silence before the client gave up', silence, [IDLE, IDLE]);
  const rec = ofKind(obs, 'reconnect');
  expect(rec[0], 'reconnect record').toMatchObject({ attempt: 1, closeType: 'idle-timeout', reason: 'backoff' });
  expectDelay('after the idle timeout (1st failure)', rec[0], backoffRange(R, 1));
  expectClientEndedWait('wait after the idle timeout', obs, 1, waits[0], backoffRange(R, 1));
  expect(attempts[1].headers['last-event-id']).toBe('a1e1');
  expect(errorsOf(obs).map((e) => e.readyState)).toEqual([CONNECTING]);
  expect(obs.stats?.closes?.['idle-timeout'], 'stats().closes[idle-timeout]').toBe(1);
});

// Here the timer starts when the attempt starts, before the request reaches the server: the server's view
// (arrival to client gone) is short of the timeout by the request's own latency (once 579.5 ms for 600, the
// library's records 602.8 ms apart). The lower bound is therefore taken on the page's clock, from the
// library's `connect` record to its `reconnect` record; the server only bounds it from above.
test('idleTimeoutMs also covers waiting for the response head', async ({ rp }) => {
  const R = 300;
  const IDLE = 600;
  const session = sessionId('no-head');
  const { obs, attempts } = await runUntil(rp, session, ['no-head', 'ok'], { retryMs: R, idleTimeoutMs: IDLE, trace: false },
    { attempts: 2, until: (o) => messagesOf(o).length >= 1 });
  const waits = waitsOf(attempts);
  const serverSaw = attempts[0].clientGoneAt - attempts[0].t;
  const connect = ofKind(obs, 'connect')[0];
  const rec = ofKind(obs, 'reconnect')[0];
  const pageSaw = rec && connect ? rec.t - connect.t : undefined;
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits, serverSaw, pageSaw });

  expect(attempts[0].end, 'the client, not the server, ended the headless request').toBe('client-gone');
  expect(attempts[0].headAt, 'no response head was sent').toBeUndefined();
  expect(rec).toMatchObject({ attempt: 1, closeType: 'idle-timeout', reason: 'backoff' });
  const what = `connect → idle-timeout: ${pageSaw?.toFixed(1)} ms on the page, ${serverSaw.toFixed(1)} ms at the server; timeout ${IDLE}`;
  expect(pageSaw, what).toBeGreaterThanOrEqual(IDLE - EARLY_MS);
  expect(pageSaw, what).toBeLessThanOrEqual(IDLE + LATE_MS);
  expect(serverSaw, what).toBeLessThanOrEqual(IDLE + LATE_MS);
  expectClientEndedWait('wait after the idle timeout', obs, 1, waits[0], backoffRange(R, 1));
});

test('backoff resets after a connection that delivered an event, not after a mere open', async ({ rp }) => {
  const R = 300;
  const session = sessionId('backoff-reset');
  // 1: reset (1st failure), 2: opens but only half an event arrives (2nd), 3: one complete event, then dropped
  // (the count restarts: 1st failure again), 4: ok.
  const { obs, attempts } = await runUntil(rp, session, ['reset', 'drop-half', 'drop-mid-event', 'ok'], { retryMs: R, trace: false },
    { attempts: 4, until: (o) => messagesOf(o).length >= 2 });
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits });

  const rec = ofKind(obs, 'reconnect');
  expect(rec.slice(0, 3)).toMatchObject([
    { attempt: 1, closeType: 'network', reason: 'backoff' },
    { attempt: 2, closeType: 'network', reason: 'backoff' },
    { attempt: 3, closeType: 'network', reason: 'backoff' },
  ]);
  expectDelay('after the reset (1st failure)', rec[0], backoffRange(R, 1));
  expectDelay('after an open without an event (2nd failure)', rec[1], backoffRange(R, 2));
  expectDelay('after a connection that delivered an event (1st failure again)', rec[2], backoffRange(R, 1));
  expectWait('wait 1', waits[0], backoffRange(R, 1));
  expectWait('wait 2', waits[1], backoffRange(R, 2));
  expectWait('wait 3 (reset backoff)', waits[2], backoffRange(R, 1));
  expect(messagesOf(obs).map((m) => m.lastEventId), 'only complete events').toEqual(['a3e1', 'a4e1']);
  expect(attempts.map((a) => a.headers['last-event-id'] ?? null), 'Last-Event-ID per attempt').toEqual([null, null, null, 'a3e1']);
});

test('maxRetries 2: gives up after 3 failing attempts with a closed record, reason max-retries', async ({ rp }) => {
  const R = 200;
  const session = sessionId('max-retries');
  const { id, attempts: seen } = await runUntil(rp, session, ['reset'], { retryMs: R, maxRetries: 2, trace: false },
    { attempts: 3, until: (o) => o.readyState === CLOSED });
  // The 4th attempt would come after a 3rd backoff of up to 4 × R = 800 ms: give it more than that.
  await sleep(4 * R + LATE_MS + 400);
  const obs = await rp.observe(id);
  const attempts = attemptsOf(session);
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits });

  expect(seen.length).toBe(3);
  expect(attempts.length, 'attempts at the server (3, then none)').toBe(3);
  expect(ofKind(obs, 'connect').length, 'connect records').toBe(3);
  expect(ofKind(obs, 'reconnect').map((d) => d.attempt), 'reconnects scheduled').toEqual([1, 2]);
  const closed = ofKind(obs, 'closed');
  expect(closed, 'closed records').toMatchObject([{ attempt: 3, closeType: 'network', reason: 'max-retries' }]);
  expect(errorsOf(obs).map((e) => e.readyState), 'an error per failure; the last one CLOSED').toEqual([CONNECTING, CONNECTING, CLOSED]);
  expect(obs.readyState).toBe(CLOSED);
  expectWait('wait 1', waits[0], backoffRange(R, 1));
  expectWait('wait 2', waits[1], backoffRange(R, 2));
});

// ---------------------------------------------------------------------------------------------------------
// Graceful end: the server's retry, with a little jitter
// ---------------------------------------------------------------------------------------------------------

test('graceful end after retry: 250 reconnects 250–275 ms after the end, the server\'s retry overriding retryMs', async ({ rp }) => {
  const session = sessionId('graceful');
  const { obs, attempts } = await runUntil(rp, session, ['graceful', 'ok'], { retryMs: 3000, trace: false },
    { attempts: 2, until: (o) => messagesOf(o).length >= 2 });
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits });

  expect(attempts[0].end).toBe('graceful');
  const rec = ofKind(obs, 'reconnect');
  expect(rec[0]).toMatchObject({ attempt: 1, closeType: 'graceful', reason: 'retry' });
  expectDelay('after the graceful end', rec[0], jitterRange(GRACEFUL_RETRY_MS));
  expectWait('wait after the graceful end', waits[0], jitterRange(GRACEFUL_RETRY_MS));
  expect(attempts[1].headers['last-event-id']).toBe('a1e1');
  expect(errorsOf(obs).map((e) => e.readyState), 'error dispatched while CONNECTING (as WHATWG reestablishes)').toEqual([CONNECTING]);
});

// ---------------------------------------------------------------------------------------------------------
// HTTP statuses and content type
// ---------------------------------------------------------------------------------------------------------

test('503 with Retry-After: 1: error dispatched, CONNECTING while waiting, next attempt ≥ 1 s later', async ({ rp }) => {
  const R = 200;
  const session = sessionId('503');
  const id = await rp.open(server.sseUrl(session, ['503', 'ok']), { retryMs: R, trace: false });
  await eventually('the 503 answered', () => server.attempts(session)[0]?.over !== undefined);
  await eventually('the error event', async () => errorsOf(await rp.observe(id)).length >= 1);
  // Half-way through the Retry-After wait: still CONNECTING, no second attempt yet.
  const first = server.attempts(session)[0];
  await sleep(Math.max(0, first.over + 500 - server.now()));
  const midway = await rp.observe(id);
  const attemptsMidway = server.attempts(session).length;
  await eventually('the reconnect opened', async () => messagesOf(await rp.observe(id)).length >= 1, 5000);
  const obs = await rp.observe(id);
  const attempts = attemptsOf(session);
  const waits = waitsOf(attempts);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), waits, midway: midway.readyState, attemptsMidway });

  expect(attempts[0].status).toBe(503);
  expect(midway.readyState, 'readyState half-way through the wait').toBe(CONNECTING);
  expect(attemptsMidway, 'attempts half-way through the wait').toBe(1);
  expect(errorsOf(obs).map((e) => e.readyState), 'one error, while CONNECTING').toEqual([CONNECTING]);
  expect(obs.states.map((s) => s.state), 'readyState never CLOSED').toEqual([CONNECTING, OPEN]);
  const rec = ofKind(obs, 'reconnect');
  expect(rec[0]).toMatchObject({ attempt: 1, closeType: 'http-status', status: 503, reason: 'retry-after' });
  expectDelay('after 503 Retry-After: 1', rec[0], jitterRange(RETRY_AFTER_S * 1000));
  expectWait('wait after 503 Retry-After: 1', waits[0], jitterRange(RETRY_AFTER_S * 1000));
});

test('204: CLOSED, error dispatched once, no further request within 1.5 s', async ({ rp }) => {
  const session = sessionId('204');
  const id = await rp.open(server.sseUrl(session, ['204', 'ok']), { retryMs: 200, trace: false });
  await eventually('CLOSED', async () => (await rp.observe(id)).readyState === CLOSED);
  await sleep(1500);
  const obs = await rp.observe(id);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs) });

  expect(server.attempts(session).length, 'attempts at the server').toBe(1);
  expect(errorsOf(obs).map((e) => e.readyState), 'one error, CLOSED').toEqual([CLOSED]);
  expect(obs.events.map((e) => e.type)).toEqual(['error']);
  expect(ofKind(obs, 'reconnect')).toEqual([]);
  expect(ofKind(obs, 'closed')).toMatchObject([{ attempt: 1, closeType: 'http-status', status: 204, reason: 'fatal' }]);
  expect(obs.states.map((s) => s.state)).toEqual([CONNECTING, CLOSED]);
});

test('retryStatuses: 500 and a wrong content type close; 502 backs off; 500 backs off once listed', async ({ rp }) => {
  const R = 200;
  const cases = {
    fatal500: { steps: ['500', 'ok'], init: {} },
    wrongType: { steps: ['wrong-type', 'ok'], init: {} },
    backoff502: { steps: ['502', 'ok'], init: {} },
    listed500: { steps: ['500', 'ok'], init: { retryStatuses: [500] } },
  };
  const ids = {};
  for (const [name, c] of Object.entries(cases)) {
    c.session = sessionId(name);
    ids[name] = await rp.open(server.sseUrl(c.session, c.steps), { retryMs: R, trace: false, ...c.init });
  }
  await eventually('the fatal ones CLOSED, the others reopened', async () => {
    const o = await Promise.all(Object.values(ids).map((id) => rp.observe(id)));
    return o[0].readyState === CLOSED && o[1].readyState === CLOSED && o[2].readyState === OPEN && o[3].readyState === OPEN;
  });
  await sleep(R + LATE_MS);
  const obs = {};
  for (const [name, id] of Object.entries(ids)) obs[name] = await rp.observe(id);
  await attach('observed', Object.fromEntries(Object.entries(cases).map(([name, c]) => [name,
    { server: serverTimeline(c.session), page: pageTimeline(obs[name]), waits: waitsOf(attemptsOf(c.session)) }])));

  expect(server.attempts(cases.fatal500.session).length, '500: one attempt').toBe(1);
  expect(ofKind(obs.fatal500, 'closed')).toMatchObject([{ closeType: 'http-status', status: 500, reason: 'fatal' }]);
  expect(errorsOf(obs.fatal500).map((e) => e.readyState)).toEqual([CLOSED]);
  expect(server.attempts(cases.wrongType.session).length, 'wrong content type: one attempt').toBe(1);
  expect(ofKind(obs.wrongType, 'closed')).toMatchObject([{ closeType: 'content-type', reason: 'fatal' }]);
  expect(errorsOf(obs.wrongType).map((e) => e.readyState)).toEqual([CLOSED]);
  for (const name of ['backoff502', 'listed500']) {
    const rec = ofKind(obs[name], 'reconnect');
    expect(rec[0], name).toMatchObject({ attempt: 1, closeType: 'http-status', reason: 'backoff' });
    expectDelay(name, rec[0], backoffRange(R, 1));
    expectWait(name, waitsOf(attemptsOf(cases[name].session))[0], backoffRange(R, 1));
    expect(errorsOf(obs[name]).map((e) => e.readyState), name).toEqual([CONNECTING]);
  }
});

// ---------------------------------------------------------------------------------------------------------
// strict: exact WHATWG behaviour, checked against Chromium's own EventSource on the same scripts
// ---------------------------------------------------------------------------------------------------------

/** What must agree between native and strict: events (type, readyState, data, id), attempts, Last-Event-IDs. */
const comparable = (obs, session) => ({
  events: obs.events.map((e) => [e.type, e.readyState, e.data ?? null, e.lastEventId ?? null]),
  readyState: obs.readyState,
  attempts: server.attempts(session).map((a) => [a.step, a.headers['last-event-id'] ?? null]),
});

test('strict: true with 503 closes like native EventSource (no Retry-After wait, no reconnect)', async ({ rp }) => {
  const sNative = sessionId('strict-503-native');
  const sTraced = sessionId('strict-503-traced');
  const nativeId = await rp.open(server.sseUrl(sNative, ['503', 'ok']), {}, { native: true });
  const tracedId = await rp.open(server.sseUrl(sTraced, ['503', 'ok']), { strict: true, retryMs: 200, trace: false });
  await eventually('both CLOSED', async () =>
    (await rp.observe(nativeId)).readyState === CLOSED && (await rp.observe(tracedId)).readyState === CLOSED);
  await sleep(RETRY_AFTER_S * 1000 + LATE_MS); // past Retry-After: nothing may come
  const native = await rp.observe(nativeId);
  const traced = await rp.observe(tracedId);
  await attach('observed', {
    native: { server: serverTimeline(sNative), page: pageTimeline(native) },
    traced: { server: serverTimeline(sTraced), page: pageTimeline(traced) },
  });

  expect(comparable(native, sNative).attempts, 'native: one attempt').toEqual([['503', null]]);
  expect(comparable(traced, sTraced), 'strict TracedEventSource = native EventSource').toEqual(comparable(native, sNative));
  expect(ofKind(traced, 'closed')).toMatchObject([{ attempt: 1, closeType: 'http-status', status: 503, reason: 'fatal' }]);
  expect(ofKind(traced, 'reconnect')).toEqual([]);
});

test('strict: true reconnects after exactly retry on graceful end and on a network error, like native EventSource', async ({ rp }) => {
  const sNative = sessionId('strict-retry-native');
  const sTraced = sessionId('strict-retry-traced');
  // 1: retry: 250 + one event, graceful end; 2: one event then dropped mid-event; 3: 503 (closes).
  const steps = ['graceful', 'drop-mid-event', '503'];
  const nativeId = await rp.open(server.sseUrl(sNative, steps), {}, { native: true });
  const tracedId = await rp.open(server.sseUrl(sTraced, steps), { strict: true, trace: false });
  await eventually('both CLOSED', async () =>
    (await rp.observe(nativeId)).readyState === CLOSED && (await rp.observe(tracedId)).readyState === CLOSED);
  const native = await rp.observe(nativeId);
  const traced = await rp.observe(tracedId);
  const waits = { native: waitsOf(attemptsOf(sNative)), traced: waitsOf(attemptsOf(sTraced)) };
  await attach('observed', {
    native: { server: serverTimeline(sNative), page: pageTimeline(native) },
    traced: { server: serverTimeline(sTraced), page: pageTimeline(traced) },
    waits,
  });

  expect(comparable(native, sNative).attempts, 'native: three attempts, resuming').toEqual(
    [['graceful', null], ['drop-mid-event', 'a1e1'], ['503', 'a2e1']]);
  expect(comparable(traced, sTraced), 'strict TracedEventSource = native EventSource').toEqual(comparable(native, sNative));
  const rec = ofKind(traced, 'reconnect');
  expect(rec.map((d) => [d.attempt, d.closeType, d.delayMs]), 'exactly retry, no jitter, no backoff').toEqual([
    [1, 'graceful', GRACEFUL_RETRY_MS],
    [2, 'network', GRACEFUL_RETRY_MS],
  ]);
  for (const [who, w] of Object.entries(waits)) {
    expectWait(`${who}: wait after the graceful end`, w[0], [GRACEFUL_RETRY_MS, GRACEFUL_RETRY_MS]);
    expectWait(`${who}: wait after the drop`, w[1], [GRACEFUL_RETRY_MS, GRACEFUL_RETRY_MS]);
  }
});

// ---------------------------------------------------------------------------------------------------------
// offline / online
// ---------------------------------------------------------------------------------------------------------

test('offline pauses attempts without spending retries; online reconnects at once, mid-backoff', async ({ rp, context }) => {
  const R = 10_000;
  const session = sessionId('offline');
  const id = await rp.open(server.sseUrl(session, ['drop-mid-event', 'ok']), { retryMs: R, trace: false });
  let obs;
  await eventually('the drop scheduled a backoff', async () => ofKind((obs = await rp.observe(id)), 'reconnect').length >= 1);
  const dropOver = server.attempts(session)[0].over;
  try {
    await context.setOffline(true);
    await eventually('the paused diagnostic', async () => ofKind((obs = await rp.observe(id)), 'paused').length >= 1, 3000);
    const pausedAt = server.now();
    await sleep(1500);
    const offlineObs = await rp.observe(id);
    const attemptsOffline = server.attempts(session).length;
    const onlineAt = server.now();
    await context.setOffline(false);
    await eventually('an attempt after online', () => server.attempts(session).length >= 2, 5000);
    await eventually('the reconnect opened', async () => messagesOf((obs = await rp.observe(id))).length >= 2, 5000);
    const attempts = attemptsOf(session);
    const afterOnline = attempts[1].t - onlineAt;
    await attach('observed', {
      server: serverTimeline(session), page: pageTimeline(obs),
      offlineFor: onlineAt - pausedAt, sinceDrop: attempts[1].t - dropOver, afterOnline,
    });

    expect(obs.network.map((n) => n.type), 'the window saw offline, then online').toEqual(['offline', 'online']);
    expect(ofKind(obs, 'reconnect')[0], 'backoff after the drop').toMatchObject({ attempt: 1, closeType: 'network' });
    expect(attemptsOffline, 'attempts at the server while offline').toBe(1);
    // Nothing attempted or failed while offline: no connect, reconnect or closed record between paused and online.
    const pausedT = ofKind(offlineObs, 'paused')[0].t;
    const whileOffline = offlineObs.diagnostics.filter((d) => d.t > pausedT && ['connect', 'reconnect', 'closed'].includes(d.kind));
    expect(whileOffline, 'attempts or failures recorded while offline').toEqual([]);
    expect(errorsOf(offlineObs).length, 'error events by the end of the offline period').toBe(1);
    expect(offlineObs.readyState, 'readyState while offline').toBe(CONNECTING);
    expect(ofKind(obs, 'resumed').length, 'resumed diagnostic').toBe(1);
    expect(afterOnline, `attempt 2 came ${afterOnline.toFixed(1)} ms after online (backoff was ~${R} ms)`).toBeLessThanOrEqual(1000);
    expect(attempts[1].headers['last-event-id']).toBe('a1e1');
  } finally {
    await context.setOffline(false);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Resume support, stats
// ---------------------------------------------------------------------------------------------------------

test('X-SSE-Resume-Supported: false is reported on the open diagnostic', async ({ rp }) => {
  const sNo = sessionId('no-resume');
  const sOk = sessionId('resume-ok');
  const noId = await rp.open(server.sseUrl(sNo, ['no-resume']), { trace: false });
  const okId = await rp.open(server.sseUrl(sOk, ['ok']), { trace: false });
  let no;
  let ok;
  await eventually('both open', async () => ofKind((no = await rp.observe(noId)), 'open').length >= 1 &&
    ofKind((ok = await rp.observe(okId)), 'open').length >= 1);
  await attach('observed', { noResume: pageTimeline(no), ok: pageTimeline(ok) });

  expect(ofKind(no, 'open')[0], 'open record with X-SSE-Resume-Supported: false').toMatchObject({ attempt: 1, resumeSupported: false });
  expect(ofKind(ok, 'open')[0].resumeSupported, 'open record without the header').not.toBe(false);
});

test('stats() counts attempts and closes by type', async ({ rp }) => {
  const R = 200;
  const session = sessionId('stats');
  // graceful (retry: 250) → graceful; drop mid-event → network; reset → network; 502 → http-status; then open.
  const { id, obs } = await runUntil(rp, session, ['graceful', 'drop-mid-event', 'reset', '502', 'ok'], { retryMs: R, trace: false },
    { attempts: 5, until: (o) => messagesOf(o).length >= 3, timeout: 10_000 });
  const after = await rp.close(id);
  await attach('observed', { server: serverTimeline(session), page: pageTimeline(obs), statsAfterClose: after.stats });

  const zero = Object.fromEntries(CLOSE_TYPES.map((t) => [t, 0]));
  expect(obs.stats, 'stats() while the 5th attempt is open').toMatchObject({
    attempts: 5, closes: { ...zero, graceful: 1, network: 2, 'http-status': 1 },
  });
  expect(after.stats, 'stats() after close()').toMatchObject({
    attempts: 5, closes: { ...zero, graceful: 1, network: 2, 'http-status': 1, 'app-close': 1 },
  });
  expect(ofKind(after, 'closed').at(-1)).toMatchObject({ closeType: 'app-close', reason: 'app' });
});

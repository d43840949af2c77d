// close() in every state, and thousands of instances (issue 9), in real Chromium.
//
//   npx playwright test e2e/lifecycle.spec.mjs
//
// The spec starts its own server on a free port: it serves the page and the package, and a few SSE endpoints
// that hold a connection in a chosen state. Every SSE request is logged by the `id` of its URL with whether the
// server has seen its connection closed. After each close(), the test watches for WATCH_MS: readyState must stay
// CLOSED, nothing more may be dispatched, the server must see the connection closed (when one was open) and no
// new request may arrive.
//
// Endpoints (all take ?id=<name>):
//   /sse/slow-head   never answers: the fetch stays in flight (readyState CONNECTING)
//   /sse/hold        200, `data: first`, then held open
//   /sse/chunk       200, then four events written as one chunk, then held open
//   /sse/end         200, `retry: <?retry ms>` and one event, then a graceful end: the source waits to reconnect
//   /sse/204         204: the core closes the source itself

import http from 'node:http';
import { test as base, expect } from '@playwright/test';
import { serveStatic } from './static-files.mjs';

const WATCH_MS = 500;
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const BATCHES = 5;
const PER_BATCH = 600;
// Growth of the page's JS heap allowed between the measurements after batch 2 and batch 5 (1,800 sources made
// and closed in between): under 600 bytes a source. The test's own WeakRefs to them take about 40.
const HEAP_BOUND_BYTES = 1024 * 1024;
// ... and from before the first batch to after the last: the first batch also compiles the code paths (JIT code
// and feedback live in the JS heap). The Wasm memory never shrinks: after the first batch it may not grow.
const BASELINE_BOUND_BYTES = 2 * 1024 * 1024;

let server;

function startServer() {
  const log = new Map();  // id → [{ path, closed }]
  const entries = (id) => {
    if (!log.has(id)) log.set(id, []);
    return log.get(id);
  };
  const send = (res, status, headers = {}, body = '') =>
    res.writeHead(status, { 'Cache-Control': 'no-store', ...headers }).end(body);
  const head = (res) => res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://lifecycle');
    if (!url.pathname.startsWith('/sse/')) return serveStatic(res, url.pathname, send);
    const entry = { path: url.pathname, closed: false };
    entries(url.searchParams.get('id')).push(entry);
    res.on('close', () => { entry.closed = true; });
    switch (url.pathname) {
      case '/sse/slow-head': return undefined;
      case '/sse/hold': head(res); return res.write('data: first\n\n');
      case '/sse/chunk': head(res); return res.write('data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n');
      case '/sse/end': head(res); return res.end(`retry: ${url.searchParams.get('retry')}\ndata: once\n\n`);
      case '/sse/204': return send(res, 204);
      default: return send(res, 404);
    }
  });
  srv.on('connection', (socket) => socket.setNoDelay(true));
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    origin: `http://127.0.0.1:${srv.address().port}`,
    /** The SSE requests logged for `id` (a copy). */
    requests: (id) => structuredClone(log.get(id) ?? []),
    close: () => new Promise((done) => { srv.close(done); srv.closeAllConnections(); }),
  })));
}

const uniqueId = (name) => `${name}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
const sseUrl = (path, id, query = '') => `${server.origin}${path}?id=${encodeURIComponent(id)}${query}`;

const test = base.extend({
  // A page on the spec's server with the package imported and the Wasm core ready.
  lp: async ({ page }, use) => {
    await page.goto(`${server.origin}/e2e/pages/lifecycle.html`);
    await page.waitForFunction(() => window.lifecycleReady === true);
    await page.evaluate(() => window.wasmBytes());
    await use(page);
  },
});

test.beforeAll(async () => { server = await startServer(); });
test.afterAll(async () => { await server?.close(); });

/**
 * Opens a tracked source in the page as window.s. With `closeOn` ({type, data?, delayMs?}), the source is closed
 * inside the first matching dispatch (or by a timer started there), recording what it saw at that moment.
 */
async function open(page, url, closeOn = null) {
  await page.evaluate(([u, on]) => {
    const diagnostics = [];
    const source = new window.lib.TracedEventSource(u, { diagnostics: (d) => diagnostics.push({ ...d }) });
    const log = window.track(source);
    window.s = { source, log, diagnostics, closedAfter: null };
    if (!on) return;
    const closeNow = () => {
      const before = { readyStateBefore: source.readyState, attemptsBefore: source.stats().attempts,
        lastDiagnostic: diagnostics.at(-1) };
      source.close();
      window.s.closedAfter = { ...log.at(-1), ...before, readyStateAfter: source.readyState };
    };
    let matched = false;
    source.addEventListener(on.type, (event) => {
      if (matched || (on.data !== undefined && event.data !== on.data)) return;
      matched = true;
      // Shorter than the reconnection time: due while the source's reconnect timer is pending.
      if (on.delayMs) setTimeout(closeNow, on.delayMs);
      else closeNow();
    });
  }, [url, closeOn]);
}

const state = (page) => page.evaluate(() => ({
  readyState: window.s.source.readyState, log: window.s.log, closedAfter: window.s.closedAfter,
  diagnostics: window.s.diagnostics.map(({ kind, closeType, reason, delayMs }) =>
    ({ kind, closeType, reason, delayMs })),
  stats: window.s.source.stats(),
}));

/**
 * After close(): for WATCH_MS nothing is dispatched, readyState stays CLOSED, no request arrives for `id`
 * beyond `requests`, and the server sees every connection closed. Returns the page state at the end.
 */
async function expectQuietAfterClose(page, id, requests) {
  const atClose = await state(page);
  expect(atClose.readyState).toBe(CLOSED);
  const seenClosed = () => server.requests(id).every((r) => r.closed);
  await expect.poll(seenClosed, { message: 'the server sees the connection closed' }).toBe(true);
  await page.waitForTimeout(WATCH_MS);
  const after = await state(page);
  expect(after.readyState).toBe(CLOSED);
  expect(after.log, 'nothing dispatched after close()').toEqual(atClose.log);
  expect(server.requests(id).length, 'no request after close()').toBe(requests);
  expect(after.stats.attempts).toBe(requests);
  return after;
}

test('close() before the Wasm core is ready: CLOSED at once, no request ever', async ({ page }) => {
  const id = uniqueId('early');
  await page.goto(`${server.origin}/e2e/pages/lifecycle.html?early=${encodeURIComponent(sseUrl('/sse/hold', id))}`);
  await page.waitForFunction(() => window.lifecycleReady === true);
  await page.evaluate(() => window.wasmBytes());  // the core is ready now: a source that survived would start
  await page.waitForTimeout(WATCH_MS);
  const early = await page.evaluate(() => ({
    coreReadyAtClose: window.early.coreReadyAtClose, readyStateAfterClose: window.early.readyStateAfterClose,
    readyState: window.early.source.readyState, log: window.early.log, attempts: window.early.source.stats().attempts,
  }));
  expect(early).toEqual(
    { coreReadyAtClose: false, readyStateAfterClose: CLOSED, readyState: CLOSED, log: [], attempts: 0 });
  expect(server.requests(id)).toEqual([]);
});

test('close() while CONNECTING with the fetch in flight aborts it: the server sees it closed', async ({ lp }) => {
  const id = uniqueId('connecting');
  await open(lp, sseUrl('/sse/slow-head', id));
  await expect.poll(() => server.requests(id).length).toBe(1);
  expect((await state(lp)).readyState).toBe(CONNECTING);
  await lp.evaluate(() => window.s.source.close());
  const after = await expectQuietAfterClose(lp, id, 1);
  expect(after.log).toEqual([]);
  expect(after.diagnostics.map((d) => d.kind)).toEqual(['connect', 'closed']);
  expect(after.stats.closes['app-close']).toBe(1);
});

test('close() inside onopen: no message is dispatched, even one already received', async ({ lp }) => {
  const id = uniqueId('onopen');
  await open(lp, sseUrl('/sse/hold', id), { type: 'open' });
  await expect.poll(async () => (await state(lp)).closedAfter).not.toBeNull();
  const after = await expectQuietAfterClose(lp, id, 1);
  expect(after.log).toEqual([{ type: 'open', readyState: OPEN }]);
  expect(after.closedAfter).toMatchObject({ type: 'open', readyStateBefore: OPEN, readyStateAfter: CLOSED });
});

test('close() in a message handler mid-chunk: no later event of that chunk is dispatched', async ({ lp }) => {
  const id = uniqueId('midchunk');
  await open(lp, sseUrl('/sse/chunk', id), { type: 'message', data: '2' });
  await expect.poll(async () => (await state(lp)).closedAfter).not.toBeNull();
  const after = await expectQuietAfterClose(lp, id, 1);
  expect(after.log.map((e) => e.data ?? e.type)).toEqual(['open', '1', '2']);
});

test('close() inside onerror, as the reconnect wait begins: no further request', async ({ lp }) => {
  const id = uniqueId('onerror');
  await open(lp, sseUrl('/sse/end', id, '&retry=100'), { type: 'error' });
  await expect.poll(async () => (await state(lp)).closedAfter).not.toBeNull();
  const after = await expectQuietAfterClose(lp, id, 1);  // WATCH_MS is 5 reconnection times
  expect(after.log.map((e) => [e.type, e.readyState]))
    .toEqual([['open', OPEN], ['message', OPEN], ['error', CONNECTING]]);
  expect(after.stats.closes.graceful).toBe(1);
});

test('close() while the retry timer is pending cancels it', async ({ lp }) => {
  const id = uniqueId('timer');
  await open(lp, sseUrl('/sse/end', id, '&retry=400'), { type: 'error', delayMs: 100 });
  await expect.poll(async () => (await state(lp)).closedAfter).not.toBeNull();
  const after = await expectQuietAfterClose(lp, id, 1);  // the timer was due about 300 ms after close()
  expect(after.closedAfter).toMatchObject({ readyStateBefore: CONNECTING, attemptsBefore: 1, readyStateAfter: CLOSED,
    lastDiagnostic: { kind: 'reconnect', closeType: 'graceful', reason: 'retry' } });
  expect(after.closedAfter.lastDiagnostic.delayMs).toBeGreaterThanOrEqual(400);
  expect(after.log.map((e) => e.type)).toEqual(['open', 'message', 'error']);
});

test('close() twice: the second call does nothing', async ({ lp }) => {
  const id = uniqueId('twice');
  await open(lp, sseUrl('/sse/hold', id));
  await expect.poll(async () => (await state(lp)).log.length).toBe(2);  // open, first
  await lp.evaluate(() => { window.s.source.close(); window.s.source.close(); });
  const after = await expectQuietAfterClose(lp, id, 1);
  expect(after.diagnostics.filter((d) => d.kind === 'closed'))
    .toEqual([{ kind: 'closed', closeType: 'app-close', reason: 'app' }]);
  expect(after.stats.closes['app-close']).toBe(1);
  expect(after.log.map((e) => e.type)).toEqual(['open', 'message']);
});

test('close() after the core closed the source itself (204) changes nothing', async ({ lp }) => {
  const id = uniqueId('after204');
  await open(lp, sseUrl('/sse/204', id));
  await expect.poll(async () => (await state(lp)).readyState).toBe(CLOSED);
  const before = await state(lp);
  expect(before.log).toEqual([{ type: 'error', readyState: CLOSED }]);
  await lp.evaluate(() => window.s.source.close());
  const after = await expectQuietAfterClose(lp, id, 1);
  expect(after.diagnostics).toEqual(before.diagnostics);
  expect(after.stats).toEqual(before.stats);
  expect(after.stats.closes['app-close']).toBe(0);
});

test(`${BATCHES} batches of ${PER_BATCH} sources closed at once: JS heap and Wasm memory kept flat`, async ({ lp }) => {
  test.setTimeout(90_000);
  const cdp = await lp.context().newCDPSession(lp);
  const measure = async () => {
    // Twice: the first collection's weak callbacks release more for the second.
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return { usedSize, wasm: await lp.evaluate(() => window.wasmBytes()) };
  };
  const figures = [{ batch: 0, ...(await measure()) }];
  const ids = [];
  for (let batch = 1; batch <= BATCHES; batch++) {
    const id = uniqueId(`many${batch}`);
    ids.push(id);
    // Chromium opens 6 connections per host over HTTP/1.1: the other sources stay CONNECTING with their fetch
    // queued in the browser, which is a state close() must clean up too.
    await lp.evaluate(([url, n]) => {
      window.refs ??= [];
      window.batch = [];
      for (let i = 0; i < n; i++) {
        const source = new window.lib.TracedEventSource(`${url}&i=${i}`);
        window.batch.push(source);
        window.refs.push(new WeakRef(source));
      }
    }, [sseUrl('/sse/hold', id), PER_BATCH]);
    await lp.waitForFunction(() => window.batch.every((s) => s.stats().attempts === 1));
    await expect.poll(() => server.requests(id).length).toBeGreaterThanOrEqual(1);
    const closed = await lp.evaluate(() => {
      for (const source of window.batch) source.close();
      const all = window.batch.every((s) => s.readyState === 2);
      window.batch = null;
      return all;
    });
    expect(closed).toBe(true);
    figures.push({ batch, ...(await measure()) });
  }
  // Fetches Chromium had queued can still reach the server just after close() (the abort crosses to the network
  // service), and it drains an aborted response for up to 5 s before dropping the connection: so the server's
  // side is checked once, at the end, with room for that.
  const all = () => ids.flatMap((id) => server.requests(id));
  await expect.poll(() => all().every((r) => r.closed), { timeout: 15_000, message: 'the server sees all closed' })
    .toBe(true);
  const requests = all().length;
  await lp.waitForTimeout(WATCH_MS);
  expect(all().length, 'no request after the connections closed').toBe(requests);
  await test.info().attach('figures',
    { body: JSON.stringify({ requests, figures }, null, 2), contentType: 'application/json' });

  const alive = await lp.evaluate(() => window.refs.filter((r) => r.deref() !== undefined).length);
  expect(alive, 'closed sources still reachable after GC').toBe(0);
  const [second, last] = [figures[2], figures[BATCHES]];
  expect(last.wasm, JSON.stringify(figures)).toBe(second.wasm);
  expect(last.usedSize - second.usedSize, JSON.stringify(figures)).toBeLessThanOrEqual(HEAP_BOUND_BYTES);
  expect(last.usedSize - figures[0].usedSize, JSON.stringify(figures)).toBeLessThanOrEqual(BASELINE_BOUND_BYTES);
  expect(last.wasm, JSON.stringify(figures)).toBe(figures[1].wasm);
});

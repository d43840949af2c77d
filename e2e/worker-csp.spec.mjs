// The package in a dedicated module worker (REQUIREMENTS F3) and under a strict Content-Security-Policy (F2),
// in Debian's Chromium.
//
//   flock /tmp/tes-playwright.lock npx playwright test e2e/worker-csp.spec.mjs
//
// The spec starts its own loopback server (e2e/consumer-server.mjs) on a free port: the repository's js-glue/
// and e2e/pages/ files, SSE and API endpoints. Under /strict/ the same files are served with
// `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'` (the page and the worker
// script each carry it: a worker's policy is its own script's). The pages (e2e/pages/consumer*.mjs) run a
// TracedEventSource through a graceful end and resume, then a tracedFetch, and record every
// `securitypolicyviolation` event of their realm from before the package is imported.
import { test, expect } from '@playwright/test';
import { serveStatic } from './static-files.mjs';
import { EXPECTED_EVENTS, STRICT_CSP, TRACERESPONSE, startConsumerServer, traceIdsOf } from './consumer-server.mjs';

let server;
const wasmResponses = [];

test.beforeAll(async () => {
  server = await startConsumerServer({
    serveFile: (res, pathname, send) => serveStatic(res, pathname.replace(/^\/strict(?=\/)/, ''), send),
    csp: (pathname) => pathname.startsWith('/strict/'),
  });
});
test.afterAll(async () => { await server?.close(); });

const sessionId = (name) => `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Opens the consumer page, waits for it to finish, returns its state plus what the browser logged. */
async function runConsumer(page, { strict, run }) {
  const session = sessionId(run);
  const consoleMessages = [];
  const pageErrors = [];
  page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), type: r.headers()['content-type'], status: r.status() }); });
  const response = await page.goto(`${server.origin}${strict ? '/strict' : ''}/e2e/pages/consumer.html?run=${run}&session=${session}`);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-security-policy']).toBe(strict ? STRICT_CSP : undefined);
  await page.waitForFunction(() => window.consumer?.done === true, null, { timeout: 30_000 });
  const state = await page.evaluate(() => window.consumer);
  return { session, state, consoleMessages, pageErrors };
}

/** The exercise's result and the server's record of it: events, trace headers, resume, traced fetch. */
function expectExercised(result, name) {
  expect(result, `${name}: result`).toBeTruthy();
  expect(result.error, `${name}: error`).toBeUndefined();
  expect(result.events, `${name}: events`).toEqual(EXPECTED_EVENTS);
  expect(result.readyState).toBe(2);
  expect(result.diagnostics.slice(0, 4)).toEqual(['connect', 'open', 'reconnect', 'connect']);
  expect(result.fetch).toEqual({ status: 200, body: { method: 'POST', body: 'ping' }, traceresponse: TRACERESPONSE });

  const [first, second, ...more] = server.requestsTo(`/sse/${name}`);
  expect(more, `${name}: two SSE connections`).toEqual([]);
  const ids1 = traceIdsOf(first.headers);
  const ids2 = traceIdsOf(second.headers);
  expect(ids1, `${name}: traceparent and X-Amzn-Trace-Id on connection 1: ${JSON.stringify(first.headers)}`).not.toBeNull();
  expect(ids2, `${name}: trace headers on connection 2`).not.toBeNull();
  expect(ids2.traceId).not.toBe(ids1.traceId);
  expect(first.headers['last-event-id']).toBeUndefined();
  expect(second.headers['last-event-id']).toBe('2');
  expect(first.headers.accept).toBe('text/event-stream');
  const [api] = server.requestsTo(`/api/${name}`);
  expect(api.method).toBe('POST');
  expect(traceIdsOf(api.headers), `${name}: trace headers on the traced fetch`).not.toBeNull();
}

test('a dedicated module worker runs TracedEventSource and tracedFetch and posts the events back', async ({ page }) => {
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  const { session, state, pageErrors } = await runConsumer(page, { strict: false, run: 'worker' });
  expect(state.errors).toEqual([]);
  expect(pageErrors).toEqual([]);
  expect(workers.some((u) => u.endsWith('/e2e/pages/consumer-worker.mjs')), `workers: ${workers}`).toBe(true);
  expect(state.worker.realm).toBe('worker');
  expectExercised(state.worker, `${session}-worker`);
  expect(state.page, 'the page itself ran nothing').toBeNull();
});

test('strict CSP: page and worker work end to end with no violation (no eval, no new Function)', async ({ page }) => {
  wasmResponses.length = 0;
  const { session, state, consoleMessages, pageErrors } = await runConsumer(page, { strict: true, run: 'both' });
  expect(state.errors).toEqual([]);
  expect(pageErrors).toEqual([]);
  expect(state.pageViolations, 'securitypolicyviolation events on the page').toEqual([]);
  expect(state.workerViolations, 'securitypolicyviolation events in the worker').toEqual([]);
  expect(consoleMessages.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
  expectExercised(state.page, `${session}-page`);
  expectExercised(state.worker, `${session}-worker`);
  expect(state.worker.realm).toBe('worker');
  // The page's and the worker's Wasm came from the package under the strict origin, as application/wasm.
  expect(wasmResponses.length).toBeGreaterThanOrEqual(1);
  for (const r of wasmResponses) {
    expect(r.url).toBe(`${server.origin}/strict/js-glue/generated/core.wasm`);
    expect([r.status, r.type]).toEqual([200, 'application/wasm']);
  }
});

test('control: under the same CSP, eval on the page and new Function in the worker are blocked and seen', async ({ page }) => {
  const { state } = await runConsumer(page, { strict: true, run: 'probe' });
  expect(state.errors).toEqual([]);
  expect(state.page).toEqual({ blocked: 'EvalError' });
  expect(state.worker).toEqual({ blocked: 'EvalError' });
  // The listeners the real test relies on do hear violations, in both realms.
  expect(state.pageViolations.map((v) => v.directive)).toEqual(['script-src']);
  expect(state.workerViolations.map((v) => v.directive)).toEqual(['script-src']);
});

// traced-eventsource demo server: one process serving the dashboard, the package, a simulated SSE feed, fault
// injection, its own OpenTelemetry spans, an OTLP/HTTP JSON receiver and a query API over what it received.
//
//   node demo/server.mjs                 PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1),
//                                        SEED (feed PRNG, default 42), DEMO_TEST_HOOKS=1 enables /__test/*,
//                                        OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS forward spans on
//
// Routes
//   GET  /                  the dashboard (demo/public/)
//   GET  /js-glue/…         the package as built in the repo (index.js, generated/core.mjs, core.wasm, …)
//   GET  /feed              SSE feed; resumes from Last-Event-ID out of the history, else sends `event: gap`;
//                           `?backfill=n` on a first connection replays the newest n events first
//   GET  /feed-noresume     the same feed, never resumed, with `X-SSE-Resume-Supported: false`
//   POST /v1/traces         OTLP/HTTP JSON receiver (otlp-receiver.mjs)
//   GET  /api/stats         clients, events sent, recent connections, store, forwarding and fault state
//   GET  /api/faults        armed and active faults;  POST /api/faults/<kind>  injects one (faults.mjs)
//   GET  /api/traces        trace summaries;  GET /api/traces/<trace id>  one trace's spans (traces-api.mjs)
//   POST /__test/drop       (DEMO_TEST_HOOKS=1) the `drop` fault, answered as { dropped }
//
// /feed, /feed-noresume and /api/* are traced (server-tracing.mjs; GET /api/* only when the caller sent trace
// context): each continues the caller's trace and says which span answered in X-Amzn-Trace-Id, traceresponse
// and Server-Timing. The receiver is not traced, so that
// exporting spans does not itself produce spans.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readJsonObject } from './lib/body.mjs';
import { Faults, checkFaultKind, parseFaultParams } from './lib/faults.mjs';
import { Feed } from './lib/feed.mjs';
import { OtlpForwarder, forwardTargetFromEnv, redactUrl } from './lib/forwarder.mjs';
import { HttpError, applyCors, preflight, sendError, sendJson, sendText } from './lib/http-util.mjs';
import { OtlpReceiver } from './lib/otlp-receiver.mjs';
import { TraceStore } from './lib/otlp-store.mjs';
import { ServerTracing } from './lib/server-tracing.mjs';
import { SseHub } from './lib/sse-hub.mjs';
import { notFound, serveFile } from './lib/static.mjs';
import { getTrace, listTraces } from './lib/traces-api.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = path.join(here, 'public');
const PACKAGE_DIR = path.resolve(here, '..', 'js-glue');

const callerTraces = (headers) => Boolean(headers.traceparent || headers['x-amzn-trace-id']);

/** Where /api/* paths lead: [method, pattern, route name (for spans), handler(ctx, match)]. */
const API_ROUTES = [
  ['GET', /^\/api\/stats$/, '/api/stats', (ctx) => sendJson(ctx.res, 200, ctx.stats())],
  ['GET', /^\/api\/faults$/, '/api/faults', (ctx) => sendJson(ctx.res, 200, ctx.faults.state())],
  ['POST', /^\/api\/faults\/([^/]*)$/, '/api/faults/{kind}', injectFault],
  ['GET', /^\/api\/traces$/, '/api/traces', (ctx) => listTraces(ctx.res, ctx.store, ctx.url)],
  ['GET', /^\/api\/traces\/([^/]*)$/, '/api/traces/{traceId}', (ctx, m) => getTrace(ctx.res, ctx.store, m[1])],
];

async function injectFault({ req, res, faults }, m) {
  const kind = m[1];
  checkFaultKind(kind); // an unknown kind is a 404 whatever the body says: check it before reading the body
  const params = parseFaultParams(kind, await readJsonObject(req));
  return sendJson(res, 200, faults.inject(kind, params));
}

/**
 * Builds the demo server without listening, so it can also be started in-process.
 * @param {object} [opts]
 * @param {number} [opts.seed]
 * @param {number} [opts.historySize]
 * @param {number} [opts.retryMs]          the feed's `retry:`
 * @param {boolean} [opts.testHooks]       enables POST /__test/drop
 * @param {string} [opts.packageDir]       serves another build of the package (e.g. an unpacked tarball) under /js-glue/
 * @param {object} [opts.hub]              SseHub options (heartbeatMs, dripIntervalMs, maxBufferedBytes, …)
 * @param {object} [opts.store]            TraceStore limits (maxSpans, maxTraces, maxSpansPerTrace, maxBytes)
 * @param {number} [opts.maxBodyBytes]     /v1/traces body limit
 * @param {number} [opts.spanDelayMs]      how long the server's spans wait for their export batch
 * @param {object | null} [opts.forward]   `{ endpoint, headers, …OtlpForwarder options }`, or null for none;
 *                                         default: from the OTEL_EXPORTER_OTLP_* environment variables
 */
export function createDemoServer({
  seed = 42,
  historySize = 1000,
  retryMs = 2000,
  testHooks = false,
  packageDir = PACKAGE_DIR,
  hub: hubOptions = {},
  store: storeOptions = {},
  maxBodyBytes,
  spanDelayMs = 500,
  forward = forwardTargetFromEnv(process.env),
} = {}) {
  const startedAt = Date.now();
  // 60 s of warm-up (~870 events) fills most of the history, so the first page load has sparklines to draw.
  const feed = new Feed({ seed, historySize, warmupMs: 60_000 });
  let faults = null; // needs the hub; the hub asks it on every connection attempt
  const hub = new SseHub(feed, { retryMs, ...hubOptions, admit: () => faults.takeArmed() });
  faults = new Faults(hub);
  const store = new TraceStore(storeOptions);
  const forwarder = new OtlpForwarder({ ...(forward ?? {}), endpoint: forward?.endpoint ?? null });
  const receiver = new OtlpReceiver({ store, forwarder, maxBodyBytes });
  const tracing = new ServerTracing({ ingest: (body) => receiver.ingest(body), scheduledDelayMs: spanDelayMs });

  const stats = () => {
    const { history } = feed;
    return {
      uptimeMs: Date.now() - startedAt,
      ...hub.stats(),
      feed: { headSeq: history.headSeq, oldestSeq: history.oldestSeq, historySize: history.size, historyCapacity: history.capacity },
      otlp: store.stats(),
      forward: forwarder.stats(),
      faults: faults.state(),
    };
  };

  async function route(req, res) {
    let url;
    try {
      url = new URL(req.url, 'http://demo.invalid'); // only the path and query are used
    } catch {
      req.resume();
      return sendError(res, 400, 'malformed request target');
    }
    const { pathname } = url;
    const method = req.method;

    if (method === 'OPTIONS') return preflight(req, res);
    applyCors(req, res);

    if (pathname === '/feed' || pathname === '/feed-noresume') {
      if (method !== 'GET') return sendText(res, 405, 'method not allowed\n', { Allow: 'GET' });
      const span = tracing.startRequest(req, res, pathname, pathname);
      return hub.handle(req, res, url, { resume: pathname === '/feed', span });
    }
    if (pathname === '/v1/traces') {
      if (method !== 'POST') return sendError(res, 405, 'POST OTLP/HTTP JSON here', { Allow: 'POST' });
      return receiver.handle(req, res);
    }
    if (pathname === '/api' || pathname.startsWith('/api/')) return api(req, res, url);
    if (testHooks && method === 'POST' && pathname === '/__test/drop') {
      req.resume(); // discard any body
      const { affected } = faults.inject('drop', {});
      return sendJson(res, 200, { dropped: affected });
    }

    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    if (pathname === '/js-glue' || pathname.startsWith('/js-glue/')) {
      return (await serveFile(req, res, packageDir, pathname.slice('/js-glue'.length))) || notFound(res);
    }
    return (await serveFile(req, res, PUBLIC_DIR, pathname)) || notFound(res);
  }

  async function api(req, res, url) {
    const { pathname } = url;
    const matches = API_ROUTES.map(([method, pattern, name, handler]) => ({ method, name, handler, m: pattern.exec(pathname) })).filter((r) => r.m);
    const hit = matches.find((r) => r.method === req.method);
    // Reads (GET) are traced only when the caller traces them: the dashboard polls stats and traces every
    // second or two with a plain fetch, and a root span per poll would crowd the SSE traces out of the store.
    if (req.method !== 'GET' || callerTraces(req.headers)) {
      tracing.traceRequest(req, res, hit?.name ?? matches[0]?.name ?? '/api/*', pathname);
    }
    if (!hit) {
      req.resume();
      if (matches.length) return sendError(res, 405, `${req.method} is not allowed here`, { Allow: matches.map((r) => r.method).join(', ') });
      return sendError(res, 404, `no API route ${pathname.slice(0, 100)}`);
    }
    return hit.handler({ req, res, url, faults, store, stats }, hit.m);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      if (!(err instanceof HttpError)) console.error('demo: request failed:', err);
      if (res.headersSent) res.destroy();
      else if (err instanceof HttpError) sendError(res, err.status, err.message, err.headers);
      else sendText(res, 500, 'internal error\n');
    });
  });

  return {
    server,
    feed,
    hub,
    faults,
    store,
    receiver,
    tracing,
    forwarder,
    start() {
      feed.start();
    },
    async stop() {
      feed.stop();
      hub.close(); // ends the streams, and with them their spans
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await tracing.shutdown(); // exports what is left, into the store and the forwarding queue
      await forwarder.drain(1000);
      forwarder.close();
    },
  };
}

async function main() {
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`traced-eventsource demo: PORT must be 0…65535, got '${process.env.PORT}'`);
    process.exit(2);
  }
  const target = forwardTargetFromEnv(process.env);
  const demo = createDemoServer({
    seed: Number(process.env.SEED ?? 42),
    testHooks: process.env.DEMO_TEST_HOOKS === '1',
    forward: target,
  });

  demo.server.on('error', (err) => {
    console.error(`traced-eventsource demo: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  demo.server.listen(port, host, () => {
    demo.start();
    const { port: actual } = demo.server.address();
    const shownHost = host.includes(':') ? `[${host}]` : host;
    console.log(`traced-eventsource demo: http://${shownHost}:${actual}/`);
    for (const warning of target.warnings) console.warn(`traced-eventsource demo: ${warning}`);
    if (target.endpoint) {
      const names = Object.keys(target.headers);
      const withHeaders = names.length ? ` with headers ${names.join(', ')}` : '';
      console.log(`traced-eventsource demo: forwarding spans to ${redactUrl(target.endpoint)}${withHeaders}`);
    } else {
      console.log('traced-eventsource demo: not forwarding spans (set OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector)');
    }
  });

  let stopping = false;
  const shutdown = () => {
    if (stopping) return process.exit(1); // a second Ctrl-C does not wait
    stopping = true;
    demo.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();

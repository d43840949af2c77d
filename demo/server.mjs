// traced-eventsource demo server: one process serving the dashboard, the package, a simulated SSE feed and a
// small JSON API.
//
//   node demo/server.mjs                 PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1),
//                                        SEED (feed PRNG, default 42), DEMO_TEST_HOOKS=1 enables /__test/*
//
// Routes
//   GET  /                  the dashboard (demo/public/)
//   GET  /js-glue/…         the package as built in the repo (index.js, generated/core.mjs, core.wasm, …)
//   GET  /feed              SSE feed; resumes from Last-Event-ID out of the history, else sends `event: gap`;
//                           `?backfill=n` on a first connection replays the newest n events first
//   GET  /feed-noresume     the same feed, never resumed, with `X-SSE-Resume-Supported: false`
//   GET  /api/stats         clients, events sent, recent connections (what Last-Event-ID each one carried)
//   POST /__test/drop       (DEMO_TEST_HOOKS=1) destroys every open feed socket, abruptly

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Feed } from './lib/feed.mjs';
import { SseHub } from './lib/sse-hub.mjs';
import { applyCors, preflight, sendJson, sendText } from './lib/http-util.mjs';
import { notFound, serveFile } from './lib/static.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = path.join(here, 'public');
const PACKAGE_DIR = path.resolve(here, '..', 'js-glue');

/**
 * Builds the demo server without listening, so it can also be started in-process.
 * @param {{ seed?: number, historySize?: number, retryMs?: number, testHooks?: boolean, packageDir?: string }} [opts]
 *   `packageDir` serves another build of the package (e.g. an unpacked tarball) under /js-glue/.
 */
export function createDemoServer({ seed = 42, historySize = 1000, retryMs = 2000, testHooks = false, packageDir = PACKAGE_DIR } = {}) {
  const startedAt = Date.now();
  // 60 s of warm-up (~870 events) fills most of the history, so the first page load has sparklines to draw.
  const feed = new Feed({ seed, historySize, warmupMs: 60_000 });
  const hub = new SseHub(feed, { retryMs });

  async function route(req, res) {
    const url = new URL(req.url, 'http://demo.invalid'); // only the path and query are used
    const { pathname } = url;
    const method = req.method;

    if (method === 'OPTIONS') return preflight(req, res);
    applyCors(req, res);

    if (method === 'GET' && pathname === '/feed') return hub.handle(req, res, url, { resume: true });
    if (method === 'GET' && pathname === '/feed-noresume') return hub.handle(req, res, url, { resume: false });
    if (method === 'GET' && pathname === '/api/stats') {
      const { history } = feed;
      return sendJson(res, 200, {
        uptimeMs: Date.now() - startedAt,
        ...hub.stats(),
        feed: { headSeq: history.headSeq, oldestSeq: history.oldestSeq, historySize: history.size, historyCapacity: history.capacity },
      });
    }
    if (testHooks && method === 'POST' && pathname === '/__test/drop') {
      req.resume(); // discard any body
      return sendJson(res, 200, { dropped: hub.dropAll() });
    }

    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    if (pathname === '/js-glue' || pathname.startsWith('/js-glue/')) {
      return (await serveFile(req, res, packageDir, pathname.slice('/js-glue'.length))) || notFound(res);
    }
    return (await serveFile(req, res, PUBLIC_DIR, pathname)) || notFound(res);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      console.error('demo: request failed:', err);
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  });

  return {
    server,
    feed,
    hub,
    start() {
      feed.start();
    },
    async stop() {
      feed.stop();
      hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
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
  const demo = createDemoServer({
    seed: Number(process.env.SEED ?? 42),
    testHooks: process.env.DEMO_TEST_HOOKS === '1',
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

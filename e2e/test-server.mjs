// Test server for the e2e suite: one node:http handler listening on two origins.
//   http://127.0.0.1:4173  main origin: static files (/js-glue/, /e2e/pages/), SSE scripts, request log
//   http://127.0.0.1:4174  second origin: SSE scripts only, for cross-origin (CORS) scripts
// Routes:
//   GET  /healthz                        200 once both ports listen
//   GET  /sse/<script>[/<suffix>]?session=<id>   replays the session's next connection of e2e/sse-scripts.mjs
//   OPTIONS /sse/...                     CORS preflight, answered per the connection it precedes
//   GET  /__requests?session=<id>        every request recorded for that session, as JSON
// Run: node e2e/test-server.mjs  (Playwright's webServer does this).

import http from 'node:http';
import { serveStatic } from './static-files.mjs';
import { ORIGINS, scriptsByName } from './sse-scripts.mjs';
import { replayConnection } from './replay.mjs';

// What a preflight may ask for: the SSE headers plus the trace headers TracedEventSource can add.
const ALLOWED_REQUEST_HEADERS = 'Last-Event-ID, Accept, Cache-Control, traceparent, tracestate, baggage, X-Amzn-Trace-Id';
const RECORDED_HEADERS = [
  'accept', 'last-event-id', 'origin', 'cache-control', 'pragma', 'sec-fetch-mode', 'sec-fetch-dest',
  'access-control-request-method', 'access-control-request-headers', 'traceparent', 'x-amzn-trace-id',
];

/** session id -> { nextConnection, requests[] } */
const sessions = new Map();
function sessionOf(id) {
  if (!sessions.has(id)) sessions.set(id, { nextConnection: 0, requests: [] });
  return sessions.get(id);
}
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // monotonic ms, for reconnect delays

function record(req, server, url) {
  const id = url.searchParams.get('session');
  if (id === null) return null;
  const headers = {};
  for (const name of RECORDED_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'session'));
  const entry = { server, method: req.method, path: url.pathname, query, headers, t: now(), kind: 'other' };
  sessionOf(id).requests.push(entry);
  return entry;
}

/** Options for every response: no keep-alive, so Chromium never retries a request on a reused socket. */
function send(res, status, headers = {}, body = '') {
  res.writeHead(status, { Connection: 'close', 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** CORS headers of a response on the second origin, per the connection's (or script's) `cors`. */
function corsHeaders(server, cors) {
  return server === 'second' && cors === 'allow' ? { 'Access-Control-Allow-Origin': ORIGINS.main } : {};
}

function handleSse(req, res, server, url, entry) {
  const [, , name] = url.pathname.split('/'); // /sse/<name>[/<suffix>]
  const script = scriptsByName.get(name);
  if (!script || !entry) return send(res, 404, {}, 'unknown script or missing session');
  const session = sessionOf(url.searchParams.get('session'));
  const upcoming = script.connections[session.nextConnection] ?? script.fallback;
  const cors = upcoming.cors ?? script.cors;

  if (req.method === 'OPTIONS') {
    // A preflight belongs to the request it precedes: answer with that connection's CORS verdict.
    entry.kind = 'preflight';
    entry.cors = cors;
    const allow = corsHeaders(server, cors);
    if (allow['Access-Control-Allow-Origin']) {
      Object.assign(allow, {
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': ALLOWED_REQUEST_HEADERS,
        'Access-Control-Max-Age': '0', // no preflight cache: one preflight per request, deterministic
      });
    }
    return send(res, 204, allow);
  }
  if (req.headers['sec-fetch-mode'] === 'no-cors') {
    // A no-cors probe (TracedEventSource telling a CORS rejection from a network error). It does not consume
    // a connection; it learns only that the server answered.
    entry.kind = 'probe';
    return send(res, 204);
  }
  entry.kind = 'sse';
  entry.connection = session.nextConnection + 1; // 1-based; > connections.length means the fallback
  entry.cors = server === 'second' ? cors : undefined;
  session.nextConnection++;
  replayConnection(req, res, upcoming, {
    cors: corsHeaders(server, cors),
    redirectLocation: (to) => {
      const target = upcoming.redirect.origin ? ORIGINS[upcoming.redirect.origin] : '';
      return `${target}/sse/${name}/${to}${url.search}`;
    },
    onEnded: (outcome) => {
      entry.outcome = outcome;
      entry.endedAt = now();
    },
  });
}

function handler(server) {
  return (req, res) => {
    const url = new URL(req.url, ORIGINS[server]);
    if (server === 'main' && url.pathname === '/__requests') {
      const requests = sessions.get(url.searchParams.get('session'))?.requests ?? [];
      return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(requests));
    }
    const entry = record(req, server, url); // everything a session's client sends, whatever the path
    if (url.pathname === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain' }, 'ok');
    if (url.pathname.startsWith('/sse/')) return handleSse(req, res, server, url, entry);
    if (server !== 'main') return send(res, 404, {}, 'not found');
    if (url.pathname === '/favicon.ico') return send(res, 204);
    return serveStatic(res, url.pathname, send);
  };
}

function listen(server) {
  const { port } = new URL(ORIGINS[server]);
  const srv = http.createServer(handler(server));
  srv.on('connection', (socket) => socket.setNoDelay(true)); // each write leaves as its own TCP segment
  return new Promise((resolve) => srv.listen(Number(port), '127.0.0.1', () => resolve(srv)));
}

// The second origin first: /healthz on the main origin answering means both are up.
await listen('second');
await listen('main');
console.log(`test server: ${ORIGINS.main} (main), ${ORIGINS.second} (second)`);

// Test server for e2e/trace-headers.spec.mjs: three origins on free loopback ports, started and stopped by the
// spec itself (not by playwright.config.mjs's webServer).
//   main    the page's origin: static files (/js-glue/, /e2e/pages/), SSE endpoints, JSON endpoint, redirects
//   second  a cross-origin API the tests allow-list: CORS for the main origin, trace headers allowed and exposed
//   other   an origin the tests never allow-list. It answers CORS permissively (any requested header), so that
//           a trace header leaking to it would reach it and show in the log instead of being stopped by CORS.
//
// Every request carrying ?session=<id> is recorded (method, path, the trace-relevant headers, how many header
// lines of each trace header arrived, and the trace headers the server sent back). Routes, on every origin:
//   GET  /sse/once      `retry: 30`, one event `id: e<n>` (n = the session's SSE request count on that origin),
//                       then the body ends gracefully: the client reconnects 30 ms later.
//   GET  /sse/hang      one event, then the response stays open until the client goes away.
//   GET  /sse/*-noexpose  (second/other) as above, but CORS exposes no response header.
//   GET  /sse/once-strict (other) as /sse/once, but the preflight allows only Last-Event-ID.
//   GET  /redirect?to=<origin name>&path=<path>   307 to that origin's path, keeping the session parameter.
//   GET|POST /api/json  200 JSON {method, path, body}; /api/json-noexpose: the same without exposed headers.
//   OPTIONS *           CORS preflight (recorded with kind 'preflight').
// A `no-cors` GET to /sse/* (TracedEventSource's CORS-vs-network probe) is answered 204 and recorded as 'probe'.
// Every SSE and JSON response echoes the request's trace id: `X-Amzn-Trace-Id: Root=1-…;Parent=<new span>;
// Sampled=1`, `traceresponse: 00-<trace id>-<new span>-01`, `server-timing: total;dur=1, trace;desc="00-…-01"`.
//
// Standalone, for poking at it by hand: node e2e/trace-server.mjs  (prints the three origins).

import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-files.mjs';


export const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage', 'x-amzn-trace-id'];
const RECORDED_HEADERS = [
  ...TRACE_HEADERS, 'last-event-id', 'origin', 'accept', 'content-type', 'x-app',
  'access-control-request-method', 'access-control-request-headers', 'sec-fetch-mode',
];
// What the second origin's preflight allows (the brief's list, plus what the tests' own requests add).
const SECOND_ALLOWED_HEADERS = 'traceparent, tracestate, baggage, x-amzn-trace-id, last-event-id, accept, content-type, x-app';
const EXPOSED = 'x-amzn-trace-id, server-timing, traceresponse';
const HANG_LIMIT_MS = 60_000;

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');

/** The trace id the request carried (traceparent first, then X-Ray Root), or null. */
function requestTraceId(headers) {
  const tp = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(headers.traceparent ?? '');
  if (tp) return tp[1];
  const root = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/.exec(headers['x-amzn-trace-id'] ?? '');
  return root ? root[1] + root[2] : null;
}

/** Response headers echoing the request's trace (a fresh trace when it carried none), and what they mean. */
function echoTrace(headers) {
  const traceId = requestTraceId(headers) ?? (Math.floor(Date.now() / 1000).toString(16).padStart(8, '0') + hex(12));
  const spanId = hex(8);
  const root = `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
  const tr = `00-${traceId}-${spanId}-01`;
  const sent = {
    'x-amzn-trace-id': `Root=${root};Parent=${spanId};Sampled=1`,
    traceresponse: tr,
    'server-timing': `total;dur=1, trace;desc="${tr}"`,
  };
  return { sent, meaning: { traceId, spanId, xrayRoot: root, traceresponse: tr, serverTimingDesc: tr } };
}

export async function startTraceServer() {
  const sessions = new Map(); // session id -> { requests: [], sseCount: {main, second, other} }
  const sessionOf = (id) => {
    if (!sessions.has(id)) sessions.set(id, { requests: [], sseCount: { main: 0, second: 0, other: 0 } });
    return sessions.get(id);
  };
  const origins = {};
  const openResponses = new Set();

  function record(req, server, url) {
    const id = url.searchParams.get('session');
    if (id === null) return null;
    const headers = {};
    for (const name of RECORDED_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    // How many header lines of each trace header arrived (node joins repeated unknown headers with ', ').
    const lines = Object.fromEntries(TRACE_HEADERS.map((n) => [n, 0]));
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (name in lines) lines[name]++;
    }
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'session'));
    const entry = {
      server, method: req.method, path: url.pathname, query, headers, lines, kind: 'other', t: Date.now(),
    };
    sessionOf(id).requests.push(entry);
    return entry;
  }

  function send(res, status, headers = {}, body = '') {
    res.writeHead(status, { Connection: 'close', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  function corsFor(server, url, req) {
    if (server === 'main') return {};
    const h = { 'Access-Control-Allow-Origin': origins.main, Vary: 'Origin' };
    if (!url.pathname.endsWith('-noexpose')) h['Access-Control-Expose-Headers'] = EXPOSED;
    if (req.method === 'OPTIONS') {
      h['Access-Control-Allow-Methods'] = 'GET, POST';
      // 'other' is permissive on purpose (as CORS middleware that reflects the request is): whatever is asked
      // for is allowed, so leaks are observable. Its '-strict' paths allow only Last-Event-ID.
      h['Access-Control-Allow-Headers'] = server === 'second' ? SECOND_ALLOWED_HEADERS
        : url.pathname.endsWith('-strict') ? 'last-event-id'
          : (req.headers['access-control-request-headers'] ?? '*');
      h['Access-Control-Max-Age'] = '0'; // no preflight cache: one preflight per request
    }
    return h;
  }

  function serveSse(req, res, server, url, entry) {
    if (req.headers['sec-fetch-mode'] === 'no-cors') {
      // TracedEventSource's probe telling a CORS refusal from a network error: not a connection.
      entry.kind = 'probe';
      return send(res, 204);
    }
    const n = ++sessionOf(url.searchParams.get('session')).sseCount[server];
    entry.kind = 'sse';
    entry.connection = n;
    const { sent, meaning } = echoTrace(req.headers);
    entry.sent = sent;
    entry.echo = meaning;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream', Connection: 'close', 'Cache-Control': 'no-store',
      ...corsFor(server, url, req), ...sent,
    });
    res.write(`retry: 30\nid: e${n}\ndata: ${server} ${n}\n\n`);
    if (url.pathname.startsWith('/sse/once')) {
      res.end();
      return;
    }
    // hang: keep the response open until the client leaves (or a safety limit passes)
    openResponses.add(res);
    const limit = setTimeout(() => res.end(), HANG_LIMIT_MS);
    res.on('close', () => {
      clearTimeout(limit);
      openResponses.delete(res);
    });
  }

  async function serveJson(req, res, server, url, entry) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    entry.kind = 'api';
    entry.body = Buffer.concat(chunks).toString('utf8');
    const { sent, meaning } = echoTrace(req.headers);
    entry.sent = sent;
    entry.echo = meaning;
    const body = JSON.stringify({ ok: true, method: req.method, path: url.pathname, body: entry.body, pad: 'x'.repeat(4096) });
    send(res, 200, { 'Content-Type': 'application/json', ...corsFor(server, url, req), ...sent }, body);
  }

  function handler(server) {
    return (req, res) => {
      const url = new URL(req.url, origins[server]);
      const entry = record(req, server, url);
      if (url.pathname === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain' }, 'ok');
      if (req.method === 'OPTIONS') {
        if (entry) entry.kind = 'preflight';
        return send(res, 204, corsFor(server, url, req));
      }
      if (url.pathname === '/favicon.ico') return send(res, 204);
      if (url.pathname.startsWith('/sse/')) {
        if (!entry) return send(res, 400, {}, 'missing session');
        return serveSse(req, res, server, url, entry);
      }
      if (url.pathname.startsWith('/api/json')) {
        if (!entry) return send(res, 400, {}, 'missing session');
        return serveJson(req, res, server, url, entry).catch(() => res.destroy());
      }
      if (url.pathname === '/redirect') {
        const to = url.searchParams.get('to');
        const target = new URL(url.searchParams.get('path') ?? '/', origins[to] ?? origins.main);
        target.searchParams.set('session', url.searchParams.get('session') ?? '');
        if (entry) entry.kind = 'redirect';
        return send(res, 307, { Location: target.href, ...corsFor(server, url, req) });
      }
      if (server === 'main') return serveStatic(res, url.pathname, send);
      return send(res, 404, corsFor(server, url, req), 'not found');
    };
  }

  const servers = {};
  for (const name of ['main', 'second', 'other']) {
    const srv = http.createServer(handler(name));
    srv.on('connection', (socket) => socket.setNoDelay(true));
    await new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', resolve);
    });
    servers[name] = srv;
    origins[name] = `http://127.0.0.1:${srv.address().port}`;
  }

  return {
    origins,
    /** Every request recorded for a session, in arrival order (a copy). */
    requests: (session) => structuredClone(sessions.get(session)?.requests ?? []),
    async close() {
      for (const res of openResponses) res.destroy();
      await Promise.all(Object.values(servers).map((srv) => new Promise((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections?.();
      })));
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { origins } = await startTraceServer();
  console.log(`trace server: ${origins.main} (main), ${origins.second} (second), ${origins.other} (other)`);
}

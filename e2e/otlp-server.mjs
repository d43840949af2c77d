// Loopback server for e2e/export.spec.mjs (span export, REQUIREMENTS D2–D9): the page, SSE streams, a JSON API
// and an OTLP/HTTP JSON receiver on one origin, so the page's requests need no CORS; a second instance, on
// another port, is a cross-origin collector. Started and stopped by the spec on a free loopback port (never
// 4173: playwright.config.mjs's webServer has it).
//
// Every request carries `session=<id>` in its query string and is recorded under it, with the headers that
// matter here (trace headers above all), on this process's performance.now() clock.
//
//   GET  /sse?session=<id>&script=<step>,<step>,...[&retry=<ms>][&events=<n>][&every=<ms>]
//        Attempt n of the session gets step n of the script (the last step repeats). Event ids are a<n>e<k>.
//          graceful  `retry: <retry>` (default 100), `events` events (default 2), then the body ends normally.
//          open      `events` events (default 2), then a comment every 200 ms; open until the client goes away.
//          ticker    an event every `every` ms (default 25), ids t1, t2, ...; open until the client goes away.
//        Each response answers with the trace the request carried, as a server continuing it would:
//        `X-Amzn-Trace-Id: Root=<root>;Parent=<server span>;Sampled=1` and `traceresponse: 00-<trace>-<server
//        span>-01`, the server span id drawn here and recorded with the attempt (`serverSpanId`).
//   ANY  /api?session=<id>[&status=<n>]
//        JSON `{ n, traceparent, xray }`: the trace headers it received, echoed so the page can pair each call
//        with its span id. Same response trace headers as /sse.
//   POST /v1/traces?session=<id>
//        The OTLP receiver. Answers per the session's collector setting (setCollector): a status (default 200)
//        with extra headers, after `delayMs` if set (a client that gives up first is recorded: `abortedAt`), or
//        'reset' (the socket is destroyed: a network error). Every request is recorded with its body and the
//        answer given; only the 200-answered ones count as delivered.
//   OPTIONS *       CORS preflight: recorded (kind 'preflight'); answered with CORS headers when the session's
//                   collector setting has `cors` (the default on an instance started with `cors: true`).
//   GET  /healthz   200 'ok'.          GET /js-glue/*, /e2e/pages/*   static files (e2e/static-files.mjs).
//
// Standalone: node e2e/otlp-server.mjs  (prints the origin).

import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-files.mjs';

const RECORDED_HEADERS = [
  'traceparent', 'tracestate', 'baggage', 'x-amzn-trace-id', 'last-event-id', 'accept', 'origin', 'content-type',
  'content-length', 'x-api-key', 'sec-fetch-mode', 'sec-fetch-site', 'access-control-request-method',
  'access-control-request-headers', 'cache-control',
];
const WRITE_GAP_MS = 30;
const HEARTBEAT_MS = 200;
const OPEN_LIMIT_MS = 60_000;
const ALLOWED_HEADERS = 'content-type, x-api-key';

const now = () => performance.now();

/** A free loopback port that nothing listens on (connection refused), for a dead collector. */
export async function closedPort() {
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Parses a traceparent into { traceId, spanId, flags } (null when absent or malformed). */
export function parseTraceparent(value) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value ?? '');
  return m ? { traceId: m[1], spanId: m[2], flags: m[3] } : null;
}

/** Parses X-Amzn-Trace-Id into { root, parent, sampled } (null when absent or without Root). */
export function parseXray(value) {
  if (!value) return null;
  const fields = Object.fromEntries(value.split(';').map((p) => p.trim().split('=')));
  return fields.Root ? { root: fields.Root, parent: fields.Parent, sampled: fields.Sampled } : null;
}

/**
 * @param {{ cors?: boolean }} options  cors: answer preflights and add CORS headers (for the page's origin,
 *   taken from the request's Origin) unless a session's collector setting says `cors: false`.
 */
export async function startOtlpServer({ cors = false } = {}) {
  const sessions = new Map();
  const sessionOf = (id) => {
    if (!sessions.has(id)) {
      sessions.set(id, { sse: [], api: [], collector: [], preflights: [], attempts: 0, setting: { status: 200 } });
    }
    return sessions.get(id);
  };
  const openResponses = new Set();
  let origin;

  const pickHeaders = (req) => {
    const headers = {};
    for (const name of RECORDED_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    return headers;
  };

  function corsHeaders(req, session) {
    const on = session?.setting.cors ?? cors;
    if (!on || !req.headers.origin) return {};
    return {
      'Access-Control-Allow-Origin': req.headers.origin,
      'Access-Control-Allow-Methods': 'POST, GET',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Expose-Headers': 'Retry-After',
      'Access-Control-Max-Age': '0',
      Vary: 'Origin',
    };
  }

  function send(res, status, headers = {}, body = '') {
    res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  /** What a server continuing the request's trace answers with, and the server span id it drew. */
  function responseTrace(req) {
    const serverSpanId = crypto.randomBytes(8).toString('hex');
    const tp = parseTraceparent(req.headers.traceparent);
    const xr = parseXray(req.headers['x-amzn-trace-id']);
    const headers = {};
    if (xr) headers['X-Amzn-Trace-Id'] = `Root=${xr.root};Parent=${serverSpanId};Sampled=1`;
    if (tp) headers.traceresponse = `00-${tp.traceId}-${serverSpanId}-01`;
    return { serverSpanId, headers };
  }

  function keepOpen(res, write, { heartbeat }) {
    openResponses.add(res);
    const beat = heartbeat ? setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS) : null;
    const limit = setTimeout(() => res.destroy(), OPEN_LIMIT_MS);
    res.on('close', () => {
      clearInterval(beat);
      clearTimeout(limit);
      openResponses.delete(res);
    });
  }

  async function serveSse(req, res, url, session) {
    const script = (url.searchParams.get('script') ?? 'open').split(',').map((s) => s.trim());
    const n = ++session.attempts;
    const step = script[Math.min(n, script.length) - 1];
    const retry = Number(url.searchParams.get('retry') ?? 100);
    const events = Number(url.searchParams.get('events') ?? 2);
    const every = Number(url.searchParams.get('every') ?? 25);
    const trace = responseTrace(req);
    const entry = {
      n, step, t: now(), headers: pickHeaders(req), serverSpanId: trace.serverSpanId, eventsSent: 0, bytesSent: 0,
    };
    session.sse.push(entry);
    res.on('close', () => { entry.closedAt = now(); });
    const write = (text) => {
      if (res.destroyed || res.writableEnded) return;
      entry.bytesSent += Buffer.byteLength(text);
      res.write(text);
    };
    const event = (id, data) => {
      entry.eventsSent += 1;
      write(`id: ${id}\ndata: ${data}\n\n`);
    };
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', ...trace.headers });
    res.flushHeaders();
    switch (step) {
      case 'graceful':
        write(`retry: ${retry}\n`);
        for (let k = 1; k <= events; k++) {
          event(`a${n}e${k}`, `attempt ${n} event ${k}`);
          await sleep(WRITE_GAP_MS);
        }
        entry.endedAt = now();
        res.end();
        return;
      case 'open':
        for (let k = 1; k <= events; k++) {
          event(`a${n}e${k}`, `attempt ${n} event ${k}`);
          await sleep(WRITE_GAP_MS);
        }
        keepOpen(res, write, { heartbeat: true });
        return;
      case 'ticker': {
        let k = 0;
        const tick = setInterval(() => { k += 1; event(`t${k}`, `tick ${k}`); }, every);
        res.on('close', () => clearInterval(tick));
        keepOpen(res, write, { heartbeat: false });
        return;
      }
      default:
        res.destroy();
    }
  }

  function serveApi(req, res, url, session) {
    const trace = responseTrace(req);
    const entry = { n: session.api.length + 1, t: now(), method: req.method, headers: pickHeaders(req), serverSpanId: trace.serverSpanId };
    session.api.push(entry);
    req.resume();
    req.on('end', () => {
      const status = Number(url.searchParams.get('status') ?? 200);
      send(res, status, { 'Content-Type': 'application/json', ...trace.headers },
        JSON.stringify({ n: entry.n, traceparent: req.headers.traceparent ?? null, xray: req.headers['x-amzn-trace-id'] ?? null }));
    });
  }

  function serveCollector(req, res, session) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { n: session.collector.length + 1, t: now(), headers: pickHeaders(req), body, bytes: Buffer.byteLength(body) };
      session.collector.push(entry);
      const setting = session.setting;
      if (setting.reset) {
        entry.answer = 'reset';
        entry.answeredAt = now();
        req.socket.destroy();
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        entry.answer = setting.status ?? 200;
        entry.answeredAt = now();
        send(res, entry.answer, { 'Content-Type': 'application/json', ...(setting.headers ?? {}), ...corsHeaders(req, session) }, '{}');
      };
      if (!setting.delayMs) return answer();
      // A held answer: a request the page cancels (a plain fetch of a document that went away) is seen leaving.
      res.on('close', () => { if (entry.answeredAt === undefined) entry.abortedAt = now(); });
      setTimeout(answer, setting.delayMs);
    });
  }

  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, origin);
    const id = url.searchParams.get('session');
    const session = id === null ? null : sessionOf(id);
    if (url.pathname === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain' }, 'ok');
    if (url.pathname === '/favicon.ico') return send(res, 204);
    if (req.method === 'OPTIONS') {
      session?.preflights.push({ t: now(), path: url.pathname, headers: pickHeaders(req) });
      return send(res, 204, corsHeaders(req, session));
    }
    if (url.pathname === '/sse' && session) return serveSse(req, res, url, session).catch(() => res.destroy());
    if (url.pathname === '/api' && session) return serveApi(req, res, url, session);
    if (url.pathname === '/v1/traces' && req.method === 'POST' && session) return serveCollector(req, res, session);
    if (url.pathname === '/v1/traces' || url.pathname === '/sse' || url.pathname === '/api') {
      return send(res, 400, { 'Content-Type': 'text/plain' }, 'missing session');
    }
    return serveStatic(res, url.pathname, send);
  });
  srv.on('connection', (socket) => socket.setNoDelay(true));
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${srv.address().port}`;

  const copy = (session, key) => structuredClone(sessions.get(session)?.[key] ?? []);
  const q = (session, extra = {}) => new URLSearchParams({ session, ...extra }).toString();
  return {
    origin,
    host: new URL(origin).host,
    sseUrl: (session, steps, params = {}) => `${origin}/sse?${q(session, { script: steps.join(','), ...params })}`,
    apiUrl: (session, params = {}) => `${origin}/api?${q(session, params)}`,
    collectorUrl: (session) => `${origin}/v1/traces?${q(session)}`,
    /** The session's SSE attempts, in order (a copy). */
    sse: (session) => copy(session, 'sse'),
    /** The session's /api requests, in order (a copy). */
    api: (session) => copy(session, 'api'),
    /** Every POST the collector received for the session, with `answer` (a status, or 'reset'). */
    collector: (session) => copy(session, 'collector'),
    /** The payloads the collector answered 200 to. */
    delivered: (session) => copy(session, 'collector').filter((p) => p.answer === 200),
    preflights: (session) => copy(session, 'preflights'),
    /** How the collector answers the session from now on: { status, headers, delayMs, reset, cors }. */
    setCollector: (session, setting) => { sessionOf(session).setting = { ...setting }; },
    now,
    async close() {
      for (const res of openResponses) res.destroy();
      await new Promise((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections?.();
      });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { origin } = await startOtlpServer();
  console.log(`otlp server: ${origin}  (page: ${origin}/e2e/pages/export.html)`);
}

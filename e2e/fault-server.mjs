// Fault-injecting SSE server for e2e/reconnect.spec.mjs (issue 4: the reconnect policy by close type), started
// and stopped by the spec itself on a free loopback port (never 4173: playwright.config.mjs's webServer has it).
//
// The reconnect policy is about *when* the next attempt comes, so the server is the witness: it records, per
// session, every request with the time it arrived and the times of what the server did to it (head written,
// last byte written, body ended, socket destroyed, client gone), all on one clock: performance.now() of this
// process, which is also the spec's process. A wait is then `next attempt's arrival - previous attempt's over`
// (see timeline() below), measured where the requests really arrive, not where the library says it scheduled
// them.
//
//   GET /sse?session=<id>&script=<step>,<step>,...
//       Attempt n of the session (n = its n-th SSE GET that is not a probe) gets step n of the script; the last
//       step repeats for every later attempt. Steps (each event's id is a<n>e<k>: attempt n, k-th event):
//         drop-mid-event  one complete event, then half of a second one (its `id:` line complete, no blank
//                         line), then the socket is destroyed: the chunked body breaks off, a network error.
//         drop-half       the head, then only half an event, then destroyed: opened, but no event delivered.
//         reset           no response at all: the socket is reset (RST) as soon as the request has arrived.
//         graceful        `retry: 250`, one event, then the body ends normally.
//         503             503 with `Retry-After: 1`.        502   502 without Retry-After.
//         500             500 (a status outside the retryable ones).
//         204             204 No Content.
//         wrong-type      200 with Content-Type text/plain.
//         stall           the head and one event, then silence; kept open until the client goes away.
//         no-head         nothing at all, not even the head; kept open until the client goes away.
//         ok              a normal stream: one event, then a comment every 200 ms; open until the client goes away.
//         no-resume       as `ok`, with the response header `X-SSE-Resume-Supported: false`.
//   OPTIONS *            CORS preflight (recorded, kind 'preflight'); the page is same-origin, so none expected.
//   GET /healthz         200 'ok'.
//   GET /js-glue/*, /e2e/pages/*   the package and the test pages (e2e/static-files.mjs).
//
// A `no-cors` GET to /sse (header sec-fetch-mode: no-cors) is TracedEventSource's probe telling a CORS refusal
// from a network error after fetch() rejected. It takes no step: it is recorded as kind 'probe' with the attempt
// it follows, and answered like that attempt: reset when the attempt was reset (so the library sees a network
// error, not CORS), else 204.
//
// Standalone, for poking at it by hand: node e2e/fault-server.mjs  (prints the origin).

import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-files.mjs';

export const STEPS = [
  'drop-mid-event', 'drop-half', 'reset', 'graceful', '503', '502', '500', '204', 'wrong-type', 'stall',
  'no-head', 'ok', 'no-resume',
];
/** The `retry:` the graceful step sends. */
export const GRACEFUL_RETRY_MS = 250;
/** The `Retry-After:` the 503 step sends, in seconds. */
export const RETRY_AFTER_S = 1;
// Pause between writes that must reach the browser as separate reads (Nagle is off), as e2e/replay.mjs does:
// the complete event must be parsed before the socket dies, or the browser may drop it with the rest.
const WRITE_GAP_MS = 40;
const HEARTBEAT_MS = 200;
// A stream kept open still ends eventually, in case a client never goes away.
const OPEN_LIMIT_MS = 60_000;
const RECORDED_HEADERS = ['last-event-id', 'sec-fetch-mode', 'accept', 'origin', 'cache-control', 'traceparent'];

const now = () => performance.now();

export async function startFaultServer() {
  const sessions = new Map(); // id -> { requests: [], attempts: 0 }
  const sessionOf = (id) => {
    if (!sessions.has(id)) sessions.set(id, { requests: [], attempts: 0 });
    return sessions.get(id);
  };
  const openResponses = new Set();
  let origin;

  function record(req, url) {
    const id = url.searchParams.get('session');
    if (id === null) return null;
    const headers = {};
    for (const name of RECORDED_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'session'));
    const entry = { kind: 'other', method: req.method, path: url.pathname, query, headers, t: now() };
    sessionOf(id).requests.push(entry);
    return entry;
  }

  function send(res, status, headers = {}, body = '') {
    res.writeHead(status, { Connection: 'close', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  // What the server did to an attempt, and when. Each time is taken just *before* the action it names, so the
  // client cannot have seen the action earlier (should this process stall in between, the client only learns
  // later): headAt (head written), lastByteAt (last write), endedAt (the server finished the attempt: body
  // ended, socket destroyed or reset). clientGoneAt is when this process noticed that the client closed a
  // response the server kept open. `over` is the earliest moment the client could know the attempt was over:
  // the head, for a response the client judges by its head (a status or content type it does not stream);
  // else endedAt or clientGoneAt. `end` says how it ended.
  function timeline(entry, res) {
    const settle = (t, how) => {
      entry.over ??= t;
      entry.end ??= how;
    };
    res.on('close', () => {
      if (entry.endedAt === undefined) settle((entry.clientGoneAt = now()), 'client-gone');
    });
    return {
      head(status, headers, { decides = false } = {}) {
        entry.headAt = entry.lastByteAt = now();
        entry.status = status;
        if (decides) entry.over = entry.headAt;
        res.writeHead(status, { Connection: 'close', 'Cache-Control': 'no-store', ...headers });
        res.flushHeaders();
      },
      write(text) {
        if (res.destroyed) return;
        entry.lastByteAt = now();
        res.write(text);
      },
      /** how: 'graceful' | 'responded' (the body ends) or 'destroyed' (the socket is, mid-body). */
      end(how) {
        if (res.destroyed) return;
        entry.endedAt = now();
        entry.end = how;
        settle(entry.endedAt, how);
        if (how === 'destroyed') {
          res.socket.destroy();
        } else {
          entry.lastByteAt = entry.endedAt;
          res.end();
        }
      },
      /** No response at all: RST as soon as the request has arrived. */
      reset(req) {
        entry.endedAt = now();
        settle(entry.endedAt, 'reset');
        req.socket.resetAndDestroy();
      },
    };
  }

  /** Keeps `res` open until the client leaves (or OPEN_LIMIT_MS), sending a comment every HEARTBEAT_MS if asked. */
  function keepOpen(res, io, { heartbeat }) {
    openResponses.add(res);
    const beat = heartbeat ? setInterval(() => io.write(': heartbeat\n\n'), HEARTBEAT_MS) : null;
    const limit = setTimeout(() => io.end('destroyed'), OPEN_LIMIT_MS);
    res.on('close', () => {
      clearInterval(beat);
      clearTimeout(limit);
      openResponses.delete(res);
    });
  }

  async function runStep(step, n, req, res, entry) {
    const io = timeline(entry, res);
    const event = (k, data) => `id: a${n}e${k}\ndata: ${data}\n\n`;
    const sse = (extra = {}) => io.head(200, { 'Content-Type': 'text/event-stream', ...extra });
    switch (step) {
      case 'reset':
        return io.reset(req);
      case 'drop-mid-event':
        sse();
        io.write(event(1, `attempt ${n} complete`));
        await sleep(WRITE_GAP_MS);
        io.write(`id: a${n}e2\ndata: attempt ${n} ha`);
        await sleep(WRITE_GAP_MS);
        return io.end('destroyed');
      case 'drop-half':
        sse();
        io.write(`id: a${n}e1\ndata: attempt ${n} ha`);
        await sleep(WRITE_GAP_MS);
        return io.end('destroyed');
      case 'graceful':
        sse();
        io.write(`retry: ${GRACEFUL_RETRY_MS}\n${event(1, `attempt ${n} then end`)}`);
        await sleep(WRITE_GAP_MS);
        return io.end('graceful');
      case '503':
      case '502':
      case '500':
        io.head(Number(step), {
          'Content-Type': 'text/plain', ...(step === '503' ? { 'Retry-After': String(RETRY_AFTER_S) } : {}),
        }, { decides: true });
        return io.end('responded');
      case '204':
        io.head(204, {}, { decides: true });
        return io.end('responded');
      case 'wrong-type':
        io.head(200, { 'Content-Type': 'text/plain' }, { decides: true });
        io.write(event(1, 'not a stream'));
        return io.end('responded');
      case 'stall':
        sse();
        io.write(event(1, `attempt ${n} then silence`));
        return keepOpen(res, io, { heartbeat: false });
      case 'no-head':
        return keepOpen(res, io, { heartbeat: false });
      case 'ok':
      case 'no-resume':
        sse(step === 'no-resume' ? { 'X-SSE-Resume-Supported': 'false' } : {});
        io.write(event(1, `attempt ${n} open`));
        return keepOpen(res, io, { heartbeat: true });
      default:
        return send(res, 400, { 'Content-Type': 'text/plain' }, `unknown step ${JSON.stringify(step)}`);
    }
  }

  function serveSse(req, res, url, entry) {
    if (!entry) return send(res, 400, { 'Content-Type': 'text/plain' }, 'missing session');
    const session = sessionOf(url.searchParams.get('session'));
    const script = (url.searchParams.get('script') ?? 'ok').split(',').map((s) => s.trim());
    if (req.headers['sec-fetch-mode'] === 'no-cors') {
      // The library's CORS-vs-network probe: no step of its own; it shares the fate of the attempt it follows.
      const previous = session.requests.findLast((r) => r.kind === 'attempt');
      entry.kind = 'probe';
      entry.afterAttempt = previous?.n ?? 0;
      entry.endedAt = entry.over = now();
      if (previous?.step === 'reset') {
        entry.end = 'reset';
        req.socket.resetAndDestroy();
        return;
      }
      entry.end = 'responded';
      send(res, 204);
      return;
    }
    const n = ++session.attempts;
    entry.kind = 'attempt';
    entry.n = n;
    entry.step = script[Math.min(n, script.length) - 1];
    runStep(entry.step, n, req, res, entry).catch(() => res.destroy());
  }

  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, origin);
    const entry = record(req, url);
    if (url.pathname === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain' }, 'ok');
    if (req.method === 'OPTIONS') {
      if (entry) entry.kind = 'preflight';
      return send(res, 204);
    }
    if (url.pathname === '/favicon.ico') return send(res, 204);
    if (url.pathname === '/sse') return serveSse(req, res, url, entry);
    return serveStatic(res, url.pathname, send);
  });
  srv.on('connection', (socket) => socket.setNoDelay(true)); // each write leaves as its own TCP segment
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${srv.address().port}`;

  const requestsOf = (session) => structuredClone(sessions.get(session)?.requests ?? []);
  return {
    origin,
    /** The URL of a scripted stream: attempt n gets steps[n-1], the last step repeating. */
    sseUrl: (session, steps) => `${origin}/sse?session=${encodeURIComponent(session)}&script=${steps.join(',')}`,
    /** Every request recorded for a session, in arrival order (a copy). */
    requests: requestsOf,
    /** The session's connection attempts (no probes, no preflights), in order: attempts(s)[i].n === i + 1. */
    attempts: (session) => requestsOf(session).filter((r) => r.kind === 'attempt'),
    /** The session's no-cors probes, each with `afterAttempt`. */
    probes: (session) => requestsOf(session).filter((r) => r.kind === 'probe'),
    /** This server's clock (the one every recorded time is on). */
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
  const { origin } = await startFaultServer();
  console.log(`fault server: ${origin}  (try ${origin}/sse?session=s&script=graceful,ok)`);
}

// Hostile SSE servers for e2e/hostile.spec.mjs (issue 9): streams that misbehave on purpose, on one loopback
// origin that also serves the page (e2e/pages/hostile.html) and the package (/js-glue/), so nothing needs CORS.
// Started and stopped by the spec on a free port (never 4173: playwright.config.mjs's webServer has it).
//
// Every request carries `session=<id>` and is recorded under it: arrival time, kind ('sse', or 'probe' for the
// library's no-cors probe, which is served like any other request), its traceparent if any, bytes written, and
// when the server saw the connection close (`closedAt`).
//
//   GET /hostile/endless?session=<id>          `data: ` then 'x' for ever (64 KiB writes, flow-controlled): a line
//                                              that never ends
//   GET /hostile/burst?session=<id>&count=<n>  `data: <i>\n\n` for i = 0..n-1 in 1 MiB writes, then
//                                              `event: done\ndata: <n>\n\n`; then open and silent
//   GET /hostile/drip?session=<id>&text=<t>&every=<ms>   the bytes of `t`, one per `every` ms; then open and silent
//   GET /hostile/no-head?session=<id>          the request is read and never answered, not even a status line
//   GET /hostile/loop-a, /hostile/loop-b       302 to each other (A → B → A ...), same query
//   GET /hostile/retry-line?session=<id>&digits=<n>&retry=<ms>   `retry: <ms>`, then `retry: ` and n digits '9'
//                                              (one line), then `data: after\n\n`; then the body ends
//   GET /hostile/utf8?session=<id>&seed=<s>    invalidUtf8Stream(s) piece by piece, 1 ms apart; then open
//   GET /hostile/ticker?session=<id>&count=<n>&batch=<b>&every=<ms>   `id: <i>\ndata: <i>\n\n` for i = 1..n, b
//                                              events per write, a write every `every` ms; then open and silent
//   GET /healthz, /js-glue/*, /e2e/pages/*     as e2e/test-server.mjs
//
// Standalone: node e2e/hostile-server.mjs  (prints the origin).

import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-files.mjs';
import { mulberry32 } from '../demo/lib/mulberry32.mjs';

const ENDLESS_WRITE = 64 * 1024;
const BURST_WRITE = 1024 * 1024;
const UTF8_PIECE_GAP_MS = 1;
const OPEN_LIMIT_MS = 60_000;  // nothing stays open past this, whatever the client does

const now = () => performance.now();

// Byte sequences that are not UTF-8 (each decodes to one or more U+FFFD), and a few that are, to mix in.
const INVALID = [
  [0xff], [0xfe], [0x80], [0xbf],              // bytes that never start a sequence
  [0xc0, 0x80], [0xe0, 0x80, 0xaf],            // overlong forms
  [0xed, 0xa0, 0x80],                          // a UTF-16 surrogate
  [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],  // past U+10FFFF, a 5-byte form
  [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3],    // sequences cut short
];
const VALID = [[0x61], [0x7a], [0x20], [0x3a], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80]];

/**
 * A stream with invalid UTF-8 in every place a byte can go: data, event types, ids, retry values, comments,
 * field names; cut into pieces of 1 to 96 bytes at random offsets (inside sequences too), so the server's
 * writes split them. Returns { bytes, pieces, events, types }: `events` is how many MessageEvents a conforming
 * client dispatches, `types` every event type among them (decoded, so a page can listen for them).
 */
export function invalidUtf8Stream(seed, eventCount = 120) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const junk = (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(...(random() < 0.6 ? pick(INVALID) : pick(VALID)));
    return out;
  };
  const ascii = (s) => [...Buffer.from(s, 'latin1')];
  const out = [];
  const types = new Set(['message']);
  let dispatched = 0;
  for (let e = 0; e < eventCount; e++) {
    const line = (...parts) => out.push(...parts.flat(), 0x0a);
    if (random() < 0.3) line(ascii(':'), junk(3));                                       // comment
    if (random() < 0.3) line(junk(2), ascii(': '), junk(2));                              // unknown field
    if (random() < 0.3) line(ascii('da'), junk(1), ascii('ta: '), junk(2));               // a broken "data"
    if (random() < 0.3) line(ascii('retry: 1'), junk(1), ascii('00'));                    // a broken number
    let type = 'message';
    if (random() < 0.4) {
      const name = [...ascii('t'), ...junk(2)];
      line(ascii('event: '), name);
      type = new TextDecoder().decode(Uint8Array.from(name));
    }
    if (random() < 0.4) line(ascii('id: '), junk(2), random() < 0.2 ? [0x00] : []);      // NUL: id ignored
    const dataLines = 1 + Math.floor(random() * 3);
    for (let d = 0; d < dataLines; d++) line(ascii(`data: ${e}.${d} `), junk(4));
    out.push(0x0a);
    types.add(type);
    dispatched += 1;
  }
  const bytes = Buffer.from(out);
  const pieces = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(random() * 96);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return { bytes, pieces, events: dispatched, types: [...types] };
}

export async function startHostileServer() {
  const sessions = new Map();  // id → requests[]
  const live = new Set();      // responses still open, destroyed by close()
  let origin;

  function send(res, status, headers = {}, body = '') {
    res.writeHead(status, { Connection: 'close', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  function record(req, url) {
    const id = url.searchParams.get('session');
    if (id === null) return null;
    if (!sessions.has(id)) sessions.set(id, []);
    const requests = sessions.get(id);
    const entry = {
      n: requests.length + 1, path: url.pathname, t: now(), bytesSent: 0,
      kind: req.headers['sec-fetch-mode'] === 'no-cors' ? 'probe' : 'sse',
      lastEventId: req.headers['last-event-id'], traceparent: req.headers.traceparent,
    };
    requests.push(entry);
    return entry;
  }

  /** Keeps `res` until the client goes away (or OPEN_LIMIT_MS); `entry.closedAt` is when the server saw it go. */
  function track(res, entry) {
    live.add(res);
    const limit = setTimeout(() => res.destroy(), OPEN_LIMIT_MS);
    res.on('close', () => {
      clearTimeout(limit);
      live.delete(res);
      entry.closedAt = now();
    });
  }

  function sseHead(res) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.flushHeaders();
  }

  /** Writes `chunk`, waiting for the socket to drain when Node asks to; false once the client is gone. */
  async function write(res, entry, chunk) {
    if (res.destroyed || res.writableEnded) return false;
    entry.bytesSent += chunk.length;
    if (res.write(chunk)) return true;
    await new Promise((resolve) => {
      const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
      res.on('drain', done);
      res.on('close', done);
    });
    return !res.destroyed;
  }

  const cases = {
    async endless(req, res, url, entry) {
      sseHead(res);
      const block = Buffer.alloc(ENDLESS_WRITE, 'x');
      if (!await write(res, entry, Buffer.from('data: '))) return;
      while (await write(res, entry, block)) { /* until the client goes away */ }
    },

    async burst(req, res, url, entry) {
      sseHead(res);
      const count = Number(url.searchParams.get('count') ?? 1_000_000);
      let parts = [];
      let size = 0;
      for (let i = 0; i < count; i++) {
        const s = `data: ${i}\n\n`;
        parts.push(s);
        size += s.length;
        if (size >= BURST_WRITE) {
          if (!await write(res, entry, Buffer.from(parts.join(''), 'latin1'))) return;
          parts = [];
          size = 0;
        }
      }
      parts.push(`event: done\ndata: ${count}\n\n`);
      await write(res, entry, Buffer.from(parts.join(''), 'latin1'));
    },

    async drip(req, res, url, entry) {
      sseHead(res);
      const text = Buffer.from(url.searchParams.get('text') ?? 'data: hello\n\n', 'utf8');
      const every = Number(url.searchParams.get('every') ?? 100);
      for (const byte of text) {
        await sleep(every);
        if (!await write(res, entry, Buffer.from([byte]))) return;
      }
      entry.finishedAt = now();
    },

    async 'no-head'() {},

    async 'loop-a'(req, res, url) {
      send(res, 302, { Location: `/hostile/loop-b${url.search}` });
    },

    async 'loop-b'(req, res, url) {
      send(res, 302, { Location: `/hostile/loop-a${url.search}` });
    },

    async 'retry-line'(req, res, url, entry) {
      sseHead(res);
      const digits = Number(url.searchParams.get('digits') ?? 10_000_000);
      const retry = url.searchParams.get('retry') ?? '300';
      if (!await write(res, entry, Buffer.from(`retry: ${retry}\nretry: `))) return;
      const block = Buffer.alloc(BURST_WRITE, '9');
      for (let left = digits; left > 0; left -= block.length) {
        if (!await write(res, entry, left >= block.length ? block : block.subarray(0, left))) return;
      }
      if (!await write(res, entry, Buffer.from('\ndata: after\n\n'))) return;
      entry.finishedAt = now();
      res.end();
    },

    async utf8(req, res, url, entry) {
      sseHead(res);
      const { pieces } = invalidUtf8Stream(Number(url.searchParams.get('seed') ?? 1));
      for (const piece of pieces) {
        if (!await write(res, entry, piece)) return;
        await sleep(UTF8_PIECE_GAP_MS);
      }
      entry.finishedAt = now();
    },

    async ticker(req, res, url, entry) {
      sseHead(res);
      const count = Number(url.searchParams.get('count') ?? 2000);
      const batch = Number(url.searchParams.get('batch') ?? 50);
      const every = Number(url.searchParams.get('every') ?? 40);
      for (let i = 1; i <= count; i += batch) {
        let text = '';
        for (let k = i; k < i + batch && k <= count; k++) text += `id: ${k}\ndata: ${k}\n\n`;
        if (!await write(res, entry, Buffer.from(text))) return;
        await sleep(every);
      }
      entry.finishedAt = now();
    },
  };

  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, origin);
    if (url.pathname === '/healthz') return send(res, 200, { 'Content-Type': 'text/plain' }, 'ok');
    if (url.pathname === '/favicon.ico') return send(res, 204);
    if (!url.pathname.startsWith('/hostile/')) return serveStatic(res, url.pathname, send);
    const run = cases[url.pathname.slice('/hostile/'.length)];
    const entry = record(req, url);
    if (!run || !entry) return send(res, 404, { 'Content-Type': 'text/plain' }, 'unknown case or missing session');
    track(res, entry);
    // The library's no-cors probe (after a failed fetch) gets what any request gets: a hostile server does not
    // treat it kindly either.
    run(req, res, url, entry).catch(() => res.destroy());
  });
  srv.on('connection', (socket) => socket.setNoDelay(true));  // each write leaves as its own TCP segment
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${srv.address().port}`;

  return {
    origin,
    /** The URL of a hostile case for a session, with extra query parameters. */
    url: (name, session, params = {}) =>
      `${origin}/hostile/${name}?${new URLSearchParams({ session, ...params })}`,
    /** Every request recorded for a session, in arrival order (a copy). */
    requests: (session) => structuredClone(sessions.get(session) ?? []),
    now,
    async close() {
      for (const res of live) res.destroy();
      await new Promise((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections?.();
      });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { origin } = await startHostileServer();
  console.log(`hostile server: ${origin}  (page: ${origin}/e2e/pages/hostile.html)`);
}

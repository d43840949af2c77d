// The bench's HTTP server (node:http, 127.0.0.1, ephemeral port; one origin for everything, so no CORS):
//   GET  /stream/<key>[?id=<tag>]  the registered corpus bytes as text/event-stream, written as fast as the socket
//                                  takes them, then the response ends. With ?id= the arrival time is recorded.
//   GET  /corpus/<key>             the same bytes as application/octet-stream (parser section input)
//   GET  /seen?id=<tag>            { t }: when /stream?id=<tag> arrived (performance.timeOrigin + now(), ms)
//   POST /v1/traces                an OTLP/HTTP collector that accepts and counts (tracing-on contender)
//   GET  /stats                    { exports, exportBytes }
//   GET  /js-glue/…, /bench/…, /node_modules/<contender>/…  repository files (static, cacheable)
//   GET  /p/<tag>/<any path above>  the same files under a unique prefix: a cold cache for the startup section
// HTML pages get an import map (bare contender specifiers → served node_modules files) injected at <!--IMPORTMAP-->.
// Runs in a worker thread (bench/server-worker.mjs) so that serving never competes with the driver's event loop.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVED = ['js-glue', 'bench', 'node_modules/eventsource-parser', 'node_modules/eventsource',
  'node_modules/@microsoft/fetch-event-source'].map((d) => path.join(ROOT, d));
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};
const IMPORTS = {
  'eventsource-parser': '/node_modules/eventsource-parser/dist/index.js',
  'eventsource': '/node_modules/eventsource/dist/index.js',
  '@microsoft/fetch-event-source': '/node_modules/@microsoft/fetch-event-source/lib/esm/index.js',
};
const WRITE_SLICE = 256 * 1024;

const streams = new Map();   // key -> Uint8Array
const seen = new Map();      // tag -> arrival time (ms, wall clock from the monotonic clock)
const stats = { exports: 0, exportBytes: 0 };
const fileCache = new Map(); // path -> Buffer (files do not change during a run; the lead rebuilds between runs)

const wallNow = () => performance.timeOrigin + performance.now();

export function register(key, bytes) {
  streams.set(key, bytes);
}

function importMap(prefix) {
  const imports = Object.fromEntries(Object.entries(IMPORTS).map(([k, v]) => [k, prefix + v]));
  return `<script type="importmap">${JSON.stringify({ imports })}</script>`;
}

async function readServed(relative) {
  const file = path.resolve(ROOT, '.' + relative);
  if (relative.includes('\0') || !SERVED.some((dir) => file.startsWith(dir + path.sep))) return null;
  // @microsoft/fetch-event-source's ESM build imports './parse' without an extension.
  for (const candidate of [file, file + '.js']) {
    if (fileCache.has(candidate)) return { file: candidate, body: fileCache.get(candidate) };
    try {
      const body = await fs.readFile(candidate);
      fileCache.set(candidate, body);
      return { file: candidate, body };
    } catch { /* next candidate */ }
  }
  return null;
}

async function writeStream(res, bytes) {
  for (let at = 0; at < bytes.length; at += WRITE_SLICE) {
    if (res.destroyed) return;
    const ok = res.write(bytes.subarray(at, Math.min(at + WRITE_SLICE, bytes.length)));
    if (!ok) {
      await new Promise((resolve) => {
        const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  let pathname = url.pathname;
  let prefix = '';
  const prefixed = /^\/p\/([A-Za-z0-9_-]+)(\/.*)$/.exec(pathname);
  if (prefixed) {
    prefix = `/p/${prefixed[1]}`;
    pathname = prefixed[2];
  }
  if (pathname.startsWith('/stream/')) {
    const tag = url.searchParams.get('id');
    if (tag) seen.set(tag, wallNow());
    const bytes = streams.get(decodeURIComponent(pathname.slice(8)));
    if (!bytes) return send(res, 404, 'text/plain', 'unknown stream');
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    return writeStream(res, bytes);
  }
  if (pathname.startsWith('/corpus/')) {
    const bytes = streams.get(decodeURIComponent(pathname.slice(8)));
    if (!bytes) return send(res, 404, 'text/plain', 'unknown corpus');
    return send(res, 200, 'application/octet-stream', bytes);
  }
  if (pathname === '/seen') {
    return send(res, 200, 'application/json', JSON.stringify({ t: seen.get(url.searchParams.get('id')) ?? null }));
  }
  if (pathname === '/stats') return send(res, 200, 'application/json', JSON.stringify(stats));
  if (pathname === '/v1/traces' && req.method === 'POST') {
    let n = 0;
    req.on('data', (b) => { n += b.length; });
    req.on('end', () => {
      stats.exports++;
      stats.exportBytes += n;
      send(res, 200, 'application/json', '{}');
    });
    return;
  }
  if (pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
  let decoded;
  try { decoded = decodeURIComponent(pathname); } catch { return send(res, 400, 'text/plain', 'bad path'); }
  const found = await readServed(decoded);
  if (!found) return send(res, 404, 'text/plain', 'not found');
  const ext = path.extname(found.file);
  let body = found.body;
  if (ext === '.html') body = body.toString('utf8').replace('<!--IMPORTMAP-->', importMap(prefix));
  // Files are cacheable so that the startup section's warm loads come from the cache (cold ones use a new prefix).
  send(res, 200, MIME[ext] ?? 'application/octet-stream', body, 'max-age=3600');
}

function send(res, status, type, body, cache = 'no-store') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': cache });
  res.end(body);
}

/** Starts listening; resolves to { port, close() }. */
export function startServer() {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) send(res, 500, 'text/plain', String(error?.stack ?? error));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}

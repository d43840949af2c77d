// A loopback server for the package-consumer specs (package-consumer.spec.mjs, worker-csp.spec.mjs), started
// by the spec itself on a free port. It serves static files through the caller's `serveFile`, optionally with
// a strict Content-Security-Policy, plus the two endpoints a consumer app talks to:
//   GET /sse/<name>   an SSE stream. Connection 1: `retry: 100`, a message (id 1) and a named `score` event
//                     (id 2), then the body ends. Connection 2+: one message whose data names the Last-Event-ID
//                     it was asked to resume from (id 3), then the stream stays open.
//   ANY /api/<name>   JSON { method, body }, with a `traceresponse` header.
// Every /sse and /api request is recorded ({ path, method, n, headers }) in `server.requests`.
import http from 'node:http';

export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
export const TRACERESPONSE = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

/**
 * @param {object} o
 * @param {(res, pathname: string, send: Function) => unknown} o.serveFile static files
 * @param {(pathname: string) => boolean} [o.csp] which static responses carry STRICT_CSP
 */
export async function startConsumerServer({ serveFile, csp = () => false }) {
  const requests = [];
  const connections = new Map();
  const open = new Set();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const { pathname } = url;
    if (pathname.startsWith('/sse/') || pathname.startsWith('/api/')) {
      const n = (connections.get(pathname) ?? 0) + 1;
      connections.set(pathname, n);
      requests.push({ path: pathname, method: req.method, n, headers: { ...req.headers } });
    }
    if (pathname.startsWith('/sse/')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      open.add(res);
      res.on('close', () => open.delete(res));
      const n = connections.get(pathname);
      if (n === 1) res.end('retry: 100\nid: 1\ndata: one\n\nevent: score\nid: 2\ndata: {"value":2}\n\n');
      else res.write(`id: 3\ndata: resumed from ${req.headers['last-event-id'] ?? 'nothing'}\n\n`);
      return;
    }
    if (pathname.startsWith('/api/')) {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', traceresponse: TRACERESPONSE });
        res.end(JSON.stringify({ method: req.method, body }));
      });
      return;
    }
    if (pathname === '/favicon.ico') { res.writeHead(204).end(); return; }
    const extra = csp(pathname) ? { 'Content-Security-Policy': STRICT_CSP } : {};
    serveFile(res, pathname, (r, status, headers = {}, body = '') => {
      r.writeHead(status, { 'Cache-Control': 'no-store', ...headers, ...extra });
      r.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** The recorded requests to one path, in order. */
    requestsTo: (path) => requests.filter((r) => r.path === path),
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const XRAY = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/;

/** The ids of a request's trace headers, or null when traceparent and X-Amzn-Trace-Id are missing or disagree. */
export function traceIdsOf(headers) {
  const w3c = TRACEPARENT.exec(headers.traceparent ?? '');
  const xray = XRAY.exec(headers['x-amzn-trace-id'] ?? '');
  if (!w3c || !xray || xray[1] + xray[2] !== w3c[1] || xray[3] !== w3c[2]) return null;
  return { traceId: w3c[1], spanId: w3c[2] };
}

/** What every consumer page must have seen: open, the two first events, an error (the graceful end), the resumed event. */
export const EXPECTED_EVENTS = [
  ['open'],
  ['message', 'one', '1'],
  ['score', '{"value":2}', '2'],
  ['error', 0],
  ['open'],
  ['message', 'resumed from 2', '3'],
];

// Small response helpers shared by the routes.

/** Trace headers the browser may send cross-origin, and the response headers it may read back (REQUIREMENTS E1). */
const ALLOW_HEADERS = 'Last-Event-ID, traceparent, tracestate, baggage, X-Amzn-Trace-Id, Content-Type';
const EXPOSE_HEADERS = 'X-Amzn-Trace-Id, Server-Timing, traceresponse, X-SSE-Resume-Supported, Retry-After';

/**
 * CORS for a page served from another origin (e.g. a Vite dev server) using this feed. Credentials are not
 * allowed, so reflecting the origin grants nothing a wildcard would not.
 */
export function applyCors(req, res) {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
}

/** Answers a CORS preflight. */
export function preflight(req, res) {
  applyCors(req, res);
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

export function sendJson(res, status, body) {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** A JSON error answer: `{ error: message }`, so every 4xx says what was wrong. */
export function sendError(res, status, message, headers = {}) {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, { error: message });
}

/** An error that knows its HTTP status; routes throw it and the server answers it as `{ error }`. */
export class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export function sendText(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

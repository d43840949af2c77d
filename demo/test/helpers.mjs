// Shared by the demo server's tests: an in-process server on a free loopback port, a raw SSE client that records
// every chunk with its arrival time, and polling.

import http from 'node:http';
import { createDemoServer } from '../server.mjs';

/**
 * Starts createDemoServer(opts) on 127.0.0.1 (`listenPort`, default 0: a free port). Forwarding is off unless
 * opts.forward says otherwise.
 */
export async function startDemo({ listenPort = 0, ...opts } = {}) {
  const demo = createDemoServer({ forward: null, spanDelayMs: 20, ...opts });
  await new Promise((resolve) => demo.server.listen(listenPort, '127.0.0.1', resolve));
  demo.start();
  const { port } = demo.server.address();
  return { demo, port, url: `http://127.0.0.1:${port}`, stop: () => demo.stop() };
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws, naming `what`). */
export async function until(fn, what, timeoutMs = 3000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A loopback port nothing listens on (for a dead endpoint, or to know a server's port before it starts). */
export async function freePort() {
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Opens a stream with node:http (no EventSource logic in the way) and records what happens:
 * `chunks` [{ at, bytes }], `text`, `status`, `headers`, and `ended` resolving to 'end' (graceful end of body),
 * 'error' (the socket broke mid-body) or 'closed'.
 */
export function openStream(url, headers = {}) {
  const s = { chunks: [], text: '', status: null, headers: null, req: null };
  s.ended = new Promise((resolveEnd) => {
    s.opened = new Promise((resolveOpen, rejectOpen) => {
      s.req = http.get(url, { headers, agent: false }, (res) => {
        s.status = res.statusCode;
        s.headers = res.headers;
        res.on('data', (chunk) => {
          s.chunks.push({ at: Date.now(), bytes: chunk.length });
          s.text += chunk.toString('utf8');
        });
        res.on('end', () => resolveEnd('end'));
        res.on('error', () => resolveEnd('error'));
        res.on('aborted', () => resolveEnd('error'));
        res.on('close', () => resolveEnd(res.complete ? 'end' : 'error'));
        resolveOpen(s);
      });
      s.req.on('error', (err) => {
        rejectOpen(err);
        resolveEnd('error');
      });
    });
  });
  s.close = () => s.req.destroy();
  /** Complete SSE blocks received so far (comments included). */
  s.blocks = () => s.text.split('\n\n').slice(0, -1);
  s.events = () => s.blocks().filter((b) => !b.startsWith(':'));
  return s;
}

/** A JSON request with fetch; returns { status, headers, body (parsed, or the text if not JSON) }. */
export async function request(url, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed };
}

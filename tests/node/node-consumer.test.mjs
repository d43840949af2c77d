// Node 20 as a consumer (REQUIREMENTS F1): the package imported by its name (package.json "exports",
// self-reference), Node's own global fetch, a real local SSE server on node:http. No scripted fetch here:
// every byte goes over a loopback socket, and the Wasm core is found on disk with no configuration.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import TracedEventSourceDefault, { TracedEventSource, createTracedFetch, tracedFetch } from 'traced-eventsource';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const XRAY = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/;

let server;
let origin;
const requests = [];      // every request the server saw: { path, headers }
const connections = new Map();  // SSE path → connections opened so far
const openResponses = new Set();

function sse(res, headers = {}) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  openResponses.add(res);
  res.on('close', () => openResponses.delete(res));
}

// The scenarios, by path. Each SSE handler gets the connection number (1-based).
const routes = {
  // Events of every shape, then the stream stays open.
  '/sse/events': (req, res) => {
    sse(res, { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' });
    res.write(': a comment, ignored\n\n');
    res.write('id: 1\ndata: hello\n\n');
    res.write('event: score\nid: 2\ndata: {"topic":"a",\ndata: "value":3}\n\n');
    res.write('data: no id keeps the last one\n\n');
  },
  // First connection: an id, a retry time, then the server ends the body. Second: resumes after that id.
  '/sse/resume': (req, res, n) => {
    sse(res);
    if (n === 1) {
      res.end('retry: 50\nid: 41\ndata: first\n\n');
    } else {
      res.write(`id: ${Number(req.headers['last-event-id']) + 1}\ndata: resumed after ${req.headers['last-event-id']}\n\n`);
    }
  },
  // A stream that writes a tick every 20 ms until the client goes away.
  '/sse/ticks': (req, res) => {
    sse(res);
    let i = 0;
    const timer = setInterval(() => res.write(`data: tick ${++i}\n\n`), 20);
    res.on('close', () => clearInterval(timer));
  },
  '/api/orders': (req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.writeHead(201, {
        'Content-Type': 'application/json',
        traceresponse: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01',
      });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  },
};

before(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const n = (connections.get(path) ?? 0) + 1;
    connections.set(path, n);
    requests.push({ path, method: req.method, headers: req.headers, n, closed: false, req });
    const route = routes[path];
    if (!route) { res.writeHead(404).end(); return; }
    route(req, res, n);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  for (const res of openResponses) res.destroy();
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
});

/** Resolves once `predicate()` holds (polled), or rejects after `ms`. */
async function until(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The trace ids of a request: traceparent and X-Amzn-Trace-Id must carry the same trace and parent. */
function traceOf(headers) {
  const w3c = TRACEPARENT.exec(headers.traceparent ?? '');
  const xray = XRAY.exec(headers['x-amzn-trace-id'] ?? '');
  assert.ok(w3c, `traceparent ${headers.traceparent}`);
  assert.ok(xray, `X-Amzn-Trace-Id ${headers['x-amzn-trace-id']}`);
  assert.equal(xray[1] + xray[2], w3c[1], 'one trace id in both headers');
  assert.equal(xray[3], w3c[2], 'one parent span id in both headers');
  assert.equal(xray[4], String(Number.parseInt(w3c[3], 16) & 1), 'one sampling decision in both headers');
  return { traceId: w3c[1], spanId: w3c[2] };
}

test('imported by name: the default export is the class, and the Wasm core loads from disk', () => {
  assert.equal(TracedEventSourceDefault, TracedEventSource);
  assert.equal(typeof tracedFetch, 'function');
  assert.equal(TracedEventSource.CONNECTING, 0);
  assert.equal(TracedEventSource.CLOSED, 2);
});

test('events, named events and lastEventId from a real SSE server; trace headers on the request', async (t) => {
  const diagnostics = [];
  const es = new TracedEventSource(`${origin}/sse/events`, { diagnostics: (d) => diagnostics.push(d) });
  t.after(() => es.close());
  const seen = [];
  es.onopen = () => seen.push(['open', es.readyState]);
  es.onmessage = (e) => seen.push(['message', e.data, e.lastEventId, e.origin]);
  es.addEventListener('score', (e) => seen.push(['score', JSON.parse(e.data), e.lastEventId]));
  await until(() => seen.length === 4, 'open and three events');
  assert.deepEqual(seen, [
    ['open', TracedEventSource.OPEN],
    ['message', 'hello', '1', origin],
    ['score', { topic: 'a', value: 3 }, '2'],
    ['message', 'no id keeps the last one', '2', origin],
  ]);
  assert.equal(es.lastEventId, '2');
  assert.equal(es.url, `${origin}/sse/events`);

  const [request] = requests.filter((r) => r.path === '/sse/events');
  assert.equal(request.headers.accept, 'text/event-stream');
  assert.equal(request.headers['last-event-id'], undefined);
  const ids = traceOf(request.headers);

  // The diagnostics have the shape index.d.ts declares for each kind.
  const connect = diagnostics.find((d) => d.kind === 'connect');
  assert.deepEqual(Object.keys(connect).sort(), ['attempt', 'kind', 'message', 'trace']);
  assert.equal(connect.trace.traceId, ids.traceId);
  assert.equal(connect.trace.spanId, ids.spanId);
  assert.equal(connect.trace.headers.traceparent, request.headers.traceparent);
  const opened = diagnostics.find((d) => d.kind === 'open');
  assert.equal(opened.status, 200);
  assert.equal(opened.response.available, true);
  assert.equal(opened.response.xrayTraceId, '1-5759e988-bd862e3fe1be46a994272793');
  es.close();
  assert.equal(es.readyState, TracedEventSource.CLOSED);
});

test('a graceful end reconnects after retry: with Last-Event-ID and a new trace linked to the previous one', async (t) => {
  const diagnostics = [];
  const es = new TracedEventSource(`${origin}/sse/resume`, { diagnostics: (d) => diagnostics.push(d) });
  t.after(() => es.close());
  const events = [];
  es.onmessage = (e) => events.push([e.data, e.lastEventId]);
  es.onerror = () => events.push(['error', es.readyState]);
  await until(() => events.length === 3, 'first event, error, resumed event');
  assert.deepEqual(events, [['first', '41'], ['error', TracedEventSource.CONNECTING], ['resumed after 41', '42']]);
  const [first, second] = requests.filter((r) => r.path === '/sse/resume');
  assert.equal(first.headers['last-event-id'], undefined);
  assert.equal(second.headers['last-event-id'], '41');
  const a = traceOf(first.headers);
  const b = traceOf(second.headers);
  assert.notEqual(a.traceId, b.traceId, 'every attempt is its own trace');

  const reconnect = diagnostics.find((d) => d.kind === 'reconnect');
  assert.equal(reconnect.closeType, 'graceful');
  assert.equal(reconnect.reason, 'retry');
  assert.ok(reconnect.delayMs >= 50 && reconnect.delayMs <= 55, `retry 50 plus at most 10 %: ${reconnect.delayMs}`);
  const connects = diagnostics.filter((d) => d.kind === 'connect');
  assert.equal(connects[1].trace.previousTraceId, a.traceId);
  assert.equal(connects[0].trace.sessionId, connects[1].trace.sessionId);
  assert.deepEqual(es.stats(), { attempts: 2, closes: { ...es.stats().closes, graceful: 1 } });
  es.close();
});

test('close() aborts the request, dispatches nothing more and never reconnects', async (t) => {
  const diagnostics = [];
  const es = new TracedEventSource(`${origin}/sse/ticks`, { diagnostics: (d) => diagnostics.push(d) });
  t.after(() => es.close());
  const ticks = [];
  es.onmessage = (e) => ticks.push(e.data);
  let errors = 0;
  es.onerror = () => { errors += 1; };
  await until(() => ticks.length >= 2, 'two ticks');
  const request = requests.find((r) => r.path === '/sse/ticks');
  const serverSawClose = new Promise((resolve) => request.req.socket.once('close', resolve));
  es.close();
  assert.equal(es.readyState, TracedEventSource.CLOSED);
  const count = ticks.length;
  await serverSawClose;                      // the server's socket closes: the fetch was aborted
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(ticks.length, count, 'no event after close()');
  assert.equal(errors, 0, 'close() dispatches no error');
  assert.equal(requests.filter((r) => r.path === '/sse/ticks').length, 1, 'no reconnect');
  const closed = diagnostics.at(-1);
  assert.deepEqual([closed.kind, closed.closeType, closed.reason], ['closed', 'app-close', 'app']);
  assert.equal(es.stats().closes['app-close'], 1);
});

test('tracedFetch and createTracedFetch inject trace context into ordinary calls', async () => {
  const res = await tracedFetch(`${origin}/api/orders?page=2`, { method: 'POST', body: '{"n":1}', headers: { 'X-App': 'a' } });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), { method: 'POST', body: '{"n":1}' });
  const plain = requests.filter((r) => r.path === '/api/orders').at(-1);
  assert.equal(plain.headers['x-app'], 'a');
  traceOf(plain.headers);

  const spans = [];
  const apiFetch = createTracedFetch({ onSpan: (s) => spans.push(s), baggage: { tenant: 'acme' } });
  const res2 = await apiFetch(new Request(`${origin}/api/orders#frag`, { method: 'PUT', body: 'x' }));
  assert.equal(res2.status, 201);
  await res2.text();
  const call = requests.filter((r) => r.path === '/api/orders').at(-1);
  const ids = traceOf(call.headers);
  assert.equal(call.method, 'PUT');
  assert.equal(call.headers.baggage, 'tenant=acme');
  assert.equal(spans.length, 1);
  const [span] = spans;
  assert.equal(span.method, 'PUT');
  assert.equal(span.url, `${origin}/api/orders`);
  assert.equal(span.status, 201);
  assert.equal(span.traceId, ids.traceId);
  assert.equal(span.spanId, ids.spanId);
  assert.equal(span.response.traceresponse, '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01');
  assert.ok(span.durationMs >= 0);

  // A rejected call is reported with the error's name and rethrown.
  const closedPort = await new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
  await assert.rejects(apiFetch(`http://127.0.0.1:${closedPort}/nothing`), TypeError);
  assert.equal(spans.at(-1).error, 'TypeError');
  assert.equal(spans.at(-1).status, undefined);
});

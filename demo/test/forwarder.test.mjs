// Forwarding to a collector (REQUIREMENTS E3): the environment variables, a second in-process demo server as the
// collector, a dead endpoint, and the bounds.   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import { FORWARDED_HEADER, OtlpForwarder, forwardTargetFromEnv, parseOtlpHeaders, redactUrl } from '../lib/forwarder.mjs';
import { freePort, request, startDemo, until } from './helpers.mjs';

const TRACE = '6b01d64e93978f9f64d5c27920f34b1c';
const body = (spanId = '96796fdc71d83ebc') => ({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dashboard' } }] },
    scopeSpans: [{ spans: [{ traceId: TRACE, spanId, name: 'sse connect', kind: 3, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }],
  }],
});

test('env: the traces endpoint is used as is, the base endpoint gets /v1/traces; headers are percent-decoded', () => {
  assert.deepEqual(forwardTargetFromEnv({}), { endpoint: null, headers: {}, warnings: [] });
  assert.equal(forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).endpoint, 'http://collector:4318/v1/traces');
  assert.equal(forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' }).endpoint, 'http://collector:4318/base/v1/traces');
  assert.equal(
    forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x.example/custom' }).endpoint,
    'https://x.example/custom',
  );
  const bad = forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
  assert.equal(bad.endpoint, null);
  assert.match(bad.warnings[0], /not an http\(s\) URL/);
  assert.match(forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@collector:4318' }).warnings[0], /credentials/);

  assert.deepEqual(parseOtlpHeaders('api-key=a%20b%3Dc, X-Team = blue ,,'), { headers: { 'api-key': 'a b=c', 'x-team': 'blue' }, warnings: [] });
  const { headers, warnings } = parseOtlpHeaders('novalue,=x,bad key=1,k=%E0%A4%A,ok=1');
  assert.deepEqual(headers, { ok: '1' });
  assert.equal(warnings.length, 4);
  assert.deepEqual(
    forwardTargetFromEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3' }).headers,
    { a: '1', b: '3' },
  );
  assert.equal(redactUrl('https://user:secret@x.example:4318/v1/traces?key=k'), 'https://x.example:4318/v1/traces');
});

test('forwarding: received bodies and the server\'s own spans reach a second receiver, with the headers', async (t) => {
  const collector = await startDemo();
  t.after(collector.stop);
  const seen = [];
  collector.demo.server.on('request', (req) => req.url === '/v1/traces' && seen.push(req.headers));
  const demo = await startDemo({ forward: { endpoint: `${collector.url}/v1/traces`, headers: { 'x-api-key': 'secret' } } });
  t.after(demo.stop);

  const r = await request(`${demo.url}/v1/traces`, { method: 'POST', body: body() });
  assert.equal(r.status, 200);
  const forwarded = await until(() => collector.demo.store.get(TRACE), 'the span at the collector');
  assert.equal(forwarded.spans[0].service, 'dashboard');

  // The server's own span of a traced request goes the same way.
  const stats = await request(`${demo.url}/api/stats`, { headers: { traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` } });
  const own = /^00-([0-9a-f]{32})-/.exec(stats.headers.get('traceresponse'))[1];
  await demo.demo.tracing.flush();
  const ownSpan = await until(() => collector.demo.store.get(own)?.spans[0], 'the server span at the collector');
  assert.equal(ownSpan.name, 'GET /api/stats');
  assert.equal(ownSpan.service, 'traced-eventsource-demo-server');

  assert.ok(seen.length >= 2);
  assert.ok(seen.every((h) => h['x-api-key'] === 'secret' && h['content-type'] === 'application/json' && h[FORWARDED_HEADER] === '1'));
  const { forward } = (await request(`${demo.url}/api/stats`)).body;
  assert.equal(forward.endpoint, `${collector.url}/v1/traces`);
  assert.ok(forward.sent >= 2);
  assert.deepEqual([forward.failed, forward.dropped], [0, 0]);
  // The collector does not forward again what was forwarded to it (it has no endpoint anyway; see the next test).
  assert.equal(collector.demo.forwarder.stats().sent, 0);
});

test('forwarding: a server pointed at itself forwards each body once, not in a loop', async (t) => {
  const port = await freePort();
  const demo = await startDemo({ listenPort: port, forward: { endpoint: `http://127.0.0.1:${port}/v1/traces` } });
  t.after(demo.stop);
  await request(`${demo.url}/v1/traces`, { method: 'POST', body: body() });
  await until(() => demo.demo.forwarder.stats().sent === 1, 'the one forward');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(demo.demo.forwarder.stats().sent, 1);
  assert.equal(demo.demo.store.stats().replaced, 1, 'the forwarded copy replaced the original, once');
});

test('forwarding: a dead endpoint is counted as failed and logged once; the receiver still answers 200', async (t) => {
  const logs = [];
  const port = await freePort();
  const demo = await startDemo({ forward: { endpoint: `http://127.0.0.1:${port}/v1/traces`, log: (m) => logs.push(m) } });
  t.after(demo.stop);
  for (let i = 0; i < 3; i++) {
    const r = await request(`${demo.url}/v1/traces`, { method: 'POST', body: body(`${i}`.padStart(16, 'a')) });
    assert.equal(r.status, 200);
  }
  await until(() => demo.demo.forwarder.stats().failed === 3, 'three failures');
  assert.equal(logs.length, 1, 'at most one message per minute');
  assert.match(logs[0], /forwarding to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed .*ECONNREFUSED/);
  assert.equal(demo.demo.store.stats().spansStored, 3);
});

test('forwarder: the queue and concurrency are bounded, requests time out, close() cancels', async () => {
  const started = [];
  const hang = (url, init) => {
    started.push(init);
    return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  };
  const f = new OtlpForwarder({ endpoint: 'http://collector.invalid/v1/traces', maxQueue: 2, concurrency: 1, timeoutMs: 60_000, fetch: hang, log: () => {} });
  const queued = [1, 2, 3, 4, 5].map((n) => f.enqueue(new Uint8Array([n])));
  assert.deepEqual(queued, [true, true, true, false, false]); // one in flight, two waiting, two dropped
  assert.deepEqual(f.stats(), { endpoint: 'http://collector.invalid/v1/traces', sent: 0, failed: 0, dropped: 2, queued: 2, inFlight: 1 });
  assert.equal(started.length, 1);
  f.close();
  assert.equal(f.stats().dropped, 4);
  assert.equal(f.enqueue(new Uint8Array([6])), false);

  const slow = new OtlpForwarder({ endpoint: 'http://collector.invalid/v1/traces', timeoutMs: 30, fetch: hang, log: () => {} });
  slow.enqueue(new Uint8Array([1]));
  assert.equal(await slow.drain(2000), true);
  assert.equal(slow.stats().failed, 1);

  const off = new OtlpForwarder({ endpoint: null });
  assert.equal(off.enqueue(new Uint8Array([1])), false);
  assert.deepEqual(off.stats(), { endpoint: null, sent: 0, failed: 0, dropped: 0, queued: 0, inFlight: 0 });

  const rejecting = new OtlpForwarder({ endpoint: 'http://c.invalid/v1/traces', fetch: async () => new Response('no', { status: 400 }), log: () => {} });
  rejecting.enqueue(new Uint8Array([1]));
  await rejecting.drain();
  assert.deepEqual([rejecting.stats().sent, rejecting.stats().failed], [0, 1]);
});

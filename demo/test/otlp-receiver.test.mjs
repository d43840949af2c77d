// POST /v1/traces and the query API over HTTP, against an in-process server.   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { MAX_BODY_BYTES } from '../lib/otlp-receiver.mjs';
import { request, startDemo } from './helpers.mjs';

const TRACE = '6b01d64e93978f9f64d5c27920f34b1c';
const span = (over = {}) => ({
  traceId: TRACE,
  spanId: '96796fdc71d83ebc',
  name: 'sse connect',
  kind: 3,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000120000000',
  attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
  ...over,
});
const body = (spans) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dashboard' } }] }, scopeSpans: [{ spans }] }],
});

/** A raw POST with node:http, for bodies fetch would not send as needed (chunked, no Content-Length). */
function rawPost(url, chunks, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('receiver: stores spans, answers {} or a partial success; the query API returns them', async (t) => {
  const { url, stop } = await startDemo();
  t.after(stop);

  const ok = await request(`${url}/v1/traces`, { method: 'POST', body: body([span(), span({ spanId: 'aaaaaaaaaaaaaaaa', parentSpanId: '96796fdc71d83ebc', name: 'sse stream', kind: 1, status: { code: 2, message: 'dropped' } })]) });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, {});

  const partial = await request(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: body([span({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'cccccccccccccccc', name: 'orphan' }), span({ traceId: 'nope' }), span({ endTimeUnixNano: '5' })]),
  });
  assert.equal(partial.status, 200);
  assert.equal(partial.body.partialSuccess.rejectedSpans, 2);
  assert.match(partial.body.partialSuccess.errorMessage, /traceId must be 32 hex digits.*endTimeUnixNano is before/);

  const list = await request(`${url}/api/traces?service=dashboard`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body, {
    traces: [{
      traceId: TRACE,
      rootName: 'sse connect',
      rootService: 'dashboard',
      services: ['dashboard'],
      spanCount: 3,
      errorCount: 1,
      startUnixNano: '1700000000000000000',
      durationMs: 120,
      hasOrphans: true,
    }],
    nextCursor: null,
    total: 1,
  });

  const one = await request(`${url}/api/traces/${TRACE.toUpperCase()}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.traceId, TRACE);
  assert.deepEqual(one.body.spans.map((s) => [s.name, s.kind, s.parentSpanId, s.orphan, s.status.code]), [
    ['sse connect', 'client', '', false, 'unset'],
    ['sse stream', 'internal', '96796fdc71d83ebc', false, 'error'],
    ['orphan', 'client', 'cccccccccccccccc', true, 'unset'],
  ]);
  assert.deepEqual(one.body.spans[0].attributes, { 'http.request.method': 'GET' });
  assert.equal(one.body.spans[0].endUnixNano, '1700000000120000000');
  assert.equal(one.body.spans[0].service, 'dashboard');

  const stats = (await request(`${url}/api/stats`)).body;
  // The server's own spans (of these API calls) go into the same store, so only lower bounds hold for the rest.
  assert.deepEqual({ rejected: stats.otlp.rejected, evicted: stats.otlp.evicted }, { rejected: 2, evicted: 0 });
  assert.ok(stats.otlp.received >= 3 && stats.otlp.tracesStored >= 1 && stats.otlp.spansStored >= 3);
  assert.deepEqual(stats.forward, { endpoint: null, sent: 0, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
  assert.deepEqual(Object.keys(stats.faults), ['armed', 'active', 'injected']);
});

test('receiver: 400 for invalid JSON or the wrong shape, 415 for other types, 405 for GET', async (t) => {
  const { url, stop } = await startDemo();
  t.after(stop);
  const post = (b, headers) => request(`${url}/v1/traces`, { method: 'POST', body: b, headers });

  for (const bad of ['{"resourceSpans": [', 'null', '[]', '{"resourceSpans": {}}']) {
    const r = await post(bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.code, 3);
    assert.equal(typeof r.body.message, 'string');
  }
  const latin1 = await post(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
  assert.equal(latin1.status, 400, 'not UTF-8');

  const proto = await post('x', { 'content-type': 'application/x-protobuf' });
  assert.equal(proto.status, 415);
  assert.match(proto.body.message, /application\/json/);
  assert.equal((await post('{}', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post('{}', { 'content-encoding': 'gzip' })).status, 415);
  assert.equal((await post('{}')).status, 200);

  const get = await request(`${url}/v1/traces`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

test('receiver: 413 above the body limit, announced or streamed, and the server keeps serving', async (t) => {
  assert.equal(MAX_BODY_BYTES, 5 * 1024 * 1024);
  const { url, demo, stop } = await startDemo({ maxBodyBytes: 1024 });
  t.after(stop);
  const big = JSON.stringify(body([span({ name: 'x'.repeat(2000) })]));

  const announced = await request(`${url}/v1/traces`, { method: 'POST', body: big });
  assert.equal(announced.status, 413);
  assert.match(announced.body.message, /larger than 1024 bytes/);

  // Chunked: no Content-Length to refuse up front; the read stops once the limit is passed.
  const streamed = await rawPost(`${url}/v1/traces`, [big.slice(0, 600), big.slice(600)], { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  assert.equal(streamed.status, 413);
  assert.equal(streamed.headers.connection, 'close');

  const small = await request(`${url}/v1/traces`, { method: 'POST', body: body([span()]) });
  assert.equal(small.status, 200);
  assert.equal(demo.store.stats().spansStored, 1);
});

test('query API: 404 for an unknown trace, 400 for a malformed id or bad parameters, 404/405 elsewhere', async (t) => {
  const { url, stop } = await startDemo();
  t.after(stop);
  assert.equal((await request(`${url}/api/traces/${'a'.repeat(32)}`)).status, 404);
  for (const id of ['xyz', 'a'.repeat(31), 'g'.repeat(32), '']) {
    const r = await request(`${url}/api/traces/${id}`);
    assert.equal(r.status, 400, id);
    assert.match(r.body.error, /32 hex digits/);
  }
  for (const q of ['limit=0', 'limit=101', 'start=yesterday', 'cursor=zzz']) {
    const r = await request(`${url}/api/traces?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(typeof r.body.error, 'string');
  }
  assert.equal((await request(`${url}/api/nothing`)).status, 404);
  const wrongMethod = await request(`${url}/api/traces`, { method: 'POST', body: {} });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET');
});

// The server's own spans: they continue the caller's trace (traceparent, or X-Amzn-Trace-Id without one), say
// which span answered in the response headers, and land in the store through the receiver's path.
//   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAME } from '../lib/server-tracing.mjs';
import { formatXrayHeader, parseXrayHeader, XrayIdGenerator } from '../lib/xray.mjs';
import { openStream, request, startDemo, until } from './helpers.mjs';

const TRACE = '6b01d64e93978f9f64d5c27920f34b1c';
const PARENT = '96796fdc71d83ebc';

/** The response's three trace headers, checked against each other; returns { traceId, spanId, sampled }. */
function responseTrace(headers) {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
  const xray = parseXrayHeader(get('x-amzn-trace-id'));
  assert.ok(xray, `X-Amzn-Trace-Id: ${get('x-amzn-trace-id')}`);
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(get('traceresponse'));
  assert.ok(m, `traceresponse: ${get('traceresponse')}`);
  assert.equal(get('server-timing'), `trace;desc="${get('traceresponse')}"`);
  assert.equal(xray.traceId, m[1]);
  assert.equal(xray.parentSpanId, m[2]);
  assert.equal(xray.sampled, (parseInt(m[3], 16) & 1) === 1);
  assert.match(get('x-amzn-trace-id'), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$/);
  return { traceId: m[1], spanId: m[2], sampled: xray.sampled };
}

/** Waits until the store holds a span named `name` in `traceId`, flushing the server's batch. */
async function storedSpan(demo, traceId, name) {
  return until(async () => {
    await demo.tracing.flush();
    return demo.store.get(traceId)?.spans.find((s) => s.name === name);
  }, `span '${name}' of trace ${traceId}`);
}

test('tracing: a /feed request continues the given traceparent; sse.stream ends with the connection', async (t) => {
  const { url, demo, stop } = await startDemo();
  t.after(stop);
  const s = await openStream(`${url}/feed`, { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=x' }).opened;
  const answered = responseTrace(s.headers);
  assert.equal(answered.traceId, TRACE);
  assert.equal(answered.sampled, true);
  assert.equal(s.headers['x-amzn-trace-id'], formatXrayHeader(TRACE, answered.spanId, true));
  assert.equal(s.headers['x-amzn-trace-id'].slice(0, 'Root=1-6b01d64e-93978f9f64d5c27920f34b1c'.length), 'Root=1-6b01d64e-93978f9f64d5c27920f34b1c');

  const server = await storedSpan(demo, TRACE, 'GET /feed');
  assert.equal(server.spanId, answered.spanId);
  assert.equal(server.parentSpanId, PARENT);
  assert.equal(server.kind, 'server');
  assert.equal(server.service, SERVICE_NAME);
  assert.equal(server.orphan, true, 'its parent is the browser span, not sent here');
  assert.deepEqual(
    server.attributes,
    {
      'http.request.method': 'GET',
      'url.path': '/feed',
      'url.scheme': 'http',
      'http.route': '/feed',
      'trace.parent.source': 'traceparent',
      'http.response.status_code': 200,
      'sse.replayed_events': 0,
      'sse.resumed': false,
      'sse.resume': 'live',
    },
  );

  await until(() => s.events().length >= 2, 'a live event');
  s.close();
  const stream = await storedSpan(demo, TRACE, 'sse.stream');
  assert.equal(stream.parentSpanId, server.spanId);
  assert.equal(stream.kind, 'internal');
  assert.equal(stream.attributes['sse.end'], 'client-gone');
  assert.ok(stream.attributes['sse.events_sent'] >= 1);
  assert.ok(stream.attributes['sse.bytes_sent'] >= Buffer.byteLength(s.text) - 100);
  assert.equal(stream.status.code, 'unset');
  assert.ok(BigInt(stream.endUnixNano) >= BigInt(server.endUnixNano));
});

test('tracing: X-Amzn-Trace-Id is continued when there is no traceparent; resume and faults are recorded', async (t) => {
  const { url, demo, stop } = await startDemo();
  t.after(stop);
  const lastId = String(demo.feed.history.headSeq - 5);
  const xray = `Root=1-6b01d64e-93978f9f64d5c27920f34b1c;Parent=${PARENT};Sampled=1;Lineage=a:1`;
  const s = await openStream(`${url}/feed`, { 'X-Amzn-Trace-Id': xray, 'Last-Event-ID': lastId }).opened;
  const answered = responseTrace(s.headers);
  assert.equal(answered.traceId, TRACE);
  assert.match(s.headers['x-amzn-trace-id'], /^Root=1-6b01d64e-93978f9f64d5c27920f34b1c;Parent=/);

  const server = await storedSpan(demo, TRACE, 'GET /feed');
  assert.equal(server.parentSpanId, PARENT);
  assert.equal(server.attributes['trace.parent.source'], 'x-amzn-trace-id');
  assert.equal(server.attributes['sse.last_event_id'], lastId);
  assert.equal(server.attributes['sse.resumed'], true);
  assert.equal(server.attributes['sse.replayed_events'], 5);

  await request(`${url}/api/faults/drop`, { method: 'POST' });
  await s.ended;
  const stream = await storedSpan(demo, TRACE, 'sse.stream');
  assert.equal(stream.attributes['sse.end'], 'dropped');
  assert.deepEqual(stream.attributes['sse.faults'], ['drop']);
  assert.equal(stream.status.code, 'error');
});

test('tracing: an attempt refused by an armed 503 has sse.fault and an error status; no stream span', async (t) => {
  const { url, demo, stop } = await startDemo();
  t.after(stop);
  await request(`${url}/api/faults/503`, { method: 'POST', body: { retryAfterSeconds: 1 } });
  const trace = 'abcdef01' + '0'.repeat(23) + '1';
  const res = await fetch(`${url}/feed-noresume`, { headers: { traceparent: `00-${trace}-${PARENT}-01` } });
  assert.equal(res.status, 503);
  await res.text();
  assert.equal(responseTrace(res.headers).traceId, trace);
  const server = await storedSpan(demo, trace, 'GET /feed-noresume');
  assert.equal(server.attributes['sse.fault'], '503');
  assert.equal(server.attributes['http.response.status_code'], 503);
  assert.equal(server.status.code, 'error');
  assert.equal(demo.store.get(trace).spans.length, 1);
});

test('tracing: /api/* requests get a SERVER span; unsampled parents are honoured; a write without a parent is a new X-Ray-valid root, a read without one is not traced', async (t) => {
  const { url, demo, stop } = await startDemo();
  t.after(stop);
  const traced = await request(`${url}/api/stats`, { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
  assert.equal(responseTrace(traced.headers).traceId, TRACE);
  const span = await storedSpan(demo, TRACE, 'GET /api/stats');
  assert.equal(span.attributes['http.response.status_code'], 200);
  assert.equal(span.attributes['http.route'], '/api/stats');

  const unsampledTrace = '1'.repeat(32);
  const unsampled = await request(`${url}/api/faults`, { headers: { traceparent: `00-${unsampledTrace}-${PARENT}-00` } });
  const u = responseTrace(unsampled.headers);
  assert.equal(u.traceId, unsampledTrace);
  assert.equal(u.sampled, false);
  assert.match(unsampled.headers.get('traceresponse'), /-00$/);

  // A write without trace context starts a root; a read without it (the dashboard's polling) is not traced.
  const root = await request(`${url}/api/faults/no-such-kind`, { method: 'POST', body: '{}' });
  assert.equal(root.status, 404);
  const r = responseTrace(root.headers);
  const seconds = parseInt(r.traceId.slice(0, 8), 16);
  assert.ok(Math.abs(seconds - Date.now() / 1000) < 60, 'the trace id starts with the epoch seconds');
  const rootSpan = await storedSpan(demo, r.traceId, 'POST /api/faults/{kind}');
  assert.equal(rootSpan.parentSpanId, '');
  assert.equal(rootSpan.attributes['http.response.status_code'], 404);
  const poll = await request(`${url}/api/traces/${'f'.repeat(32)}`);
  assert.equal(poll.status, 404);
  assert.equal(poll.headers.get('traceresponse'), null, 'an untraced read gets no span');
  assert.equal(poll.headers.get('x-amzn-trace-id'), null);

  // An invalid traceparent falls back to X-Amzn-Trace-Id.
  const fallback = await request(`${url}/api/stats`, { headers: { traceparent: '00-zz-yy-01', 'x-amzn-trace-id': `Root=1-6b01d64e-93978f9f64d5c27920f34b1c;Parent=${PARENT}` } });
  assert.equal(responseTrace(fallback.headers).traceId, TRACE);

  await demo.tracing.flush();
  assert.equal(demo.store.get(unsampledTrace), null, 'an unsampled span is not recorded');
});

test('xray: the header parser takes Root + Parent and nothing malformed', () => {
  assert.deepEqual(parseXrayHeader(`Root=1-6B01D64E-93978f9f64d5c27920f34b1c; Parent=${PARENT.toUpperCase()}; Sampled=0`), { traceId: TRACE, parentSpanId: PARENT, sampled: false });
  assert.equal(parseXrayHeader(`Root=1-6b01d64e-93978f9f64d5c27920f34b1c;Parent=${PARENT}`).sampled, true, 'no decision: sampled');
  for (const bad of [undefined, '', 'Root=1-6b01d64e-93978f9f64d5c27920f34b1c', `Root=2-6b01d64e-93978f9f64d5c27920f34b1c;Parent=${PARENT}`, `Root=1-6b01d64e-93978f9f;Parent=${PARENT}`, 'Root=1-6b01d64e-93978f9f64d5c27920f34b1c;Parent=0000000000000000', ['a', 'b']]) {
    assert.equal(parseXrayHeader(bad), null, String(bad));
  }
  const ids = new XrayIdGenerator();
  const id = ids.generateTraceId();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.ok(Math.abs(parseInt(id.slice(0, 8), 16) - Date.now() / 1000) < 5);
  assert.match(ids.generateSpanId(), /^[0-9a-f]{16}$/);
});

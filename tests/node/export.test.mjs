// Span export end to end in Node (REQUIREMENTS D2–D6): a real SSE server and a real OTLP/HTTP receiver on
// loopback; every payload is validated against the official OTLP schema, and the spans' ids are compared with
// the trace headers the SSE server received. Dead and failing collectors: failures reported, counts exact.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { TracedEventSource, createExporter, createTracedFetch } from '../../js-glue/index.js';
import { validateExportTraceServiceRequest } from './otlp-schema.mjs';
import { until } from './fake-fetch.mjs';

/** A loopback server: SSE at /sse (two events then a graceful end), JSON at /api, OTLP at /v1/traces. */
async function startServers({ collector = () => 200 } = {}) {
  const seen = { sse: [], api: [], payloads: [], collectorCalls: 0 };
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/sse')) {
      seen.sse.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-amzn-trace-id': `Root=1-${req.headers.traceparent.slice(3, 11)}-${req.headers.traceparent.slice(11, 35)}` });
      res.write('retry: 50\nid: 1\ndata: a\n\n');
      setTimeout(() => res.end('id: 2\ndata: b\n\n'), 20);
      return;
    }
    if (req.url.startsWith('/ctl')) {  // an id with control characters, which the JSON must \u-escape
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('id: a\x01b\x1fc\x7f\ndata: x\n\nretry: 60000\n\n');
      return;
    }
    if (req.url.startsWith('/api')) {
      seen.api.push(req.headers);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    if (req.url === '/v1/traces' && req.method === 'POST') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen.collectorCalls += 1;
        const answer = collector(seen.collectorCalls);
        if (answer === 'reset') { req.socket.destroy(); return; }
        if (answer === 'silent') { seen.silent = (seen.silent ?? 0) + 1; req.on('close', () => { seen.abandoned = (seen.abandoned ?? 0) + 1; }); return; }
        const [status, headers] = Array.isArray(answer) ? answer : [answer, {}];
        if (status === 200) seen.payloads.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, headers);
        res.end('{}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

function spansOf(payloads) {
  return payloads.flatMap((p) => JSON.parse(p.body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}
const attr = (span, key) => span.attributes?.find((a) => a.key === key)?.value;

test('a source and a traced fetch export schema-valid spans whose ids are the ones the servers received', async (t) => {
  const s = await startServers();
  t.after(() => s.close());
  const exporter = createExporter({ endpoint: `${s.base}/v1/traces`, scheduledDelayMs: 0, serviceName: 'node-test',
    headers: { 'x-api-key': 'k' } });
  const es = new TracedEventSource(`${s.base}/sse?token=secret`, { exporter, retryMs: 50 });
  await until(() => s.seen.sse.length === 2, 5000);
  es.close();
  const traced = createTracedFetch({ exporter });
  await (await traced(`${s.base}/api?q=1`, { method: 'POST', body: '{}' })).text();
  await until(() => spansOf(s.seen.payloads).some((sp) => sp.name === 'POST'), 5000);
  await exporter.forceFlush();

  for (const p of s.seen.payloads) {
    assert.deepEqual(validateExportTraceServiceRequest(p.body), [], 'schema-valid');
    assert.equal(p.headers['content-type'], 'application/json');
    assert.equal(p.headers['x-api-key'], 'k');
  }
  const resource = JSON.parse(s.seen.payloads[0].body).resourceSpans[0].resource;
  assert.equal(resource.attributes.find((a) => a.key === 'service.name').value.stringValue, 'node-test');
  const spans = spansOf(s.seen.payloads);
  const connects = spans.filter((sp) => sp.name === 'sse connect');
  assert.ok(connects.length >= 2);
  // The first two attempts: their connect spans carry exactly the ids of the requests' traceparent headers.
  for (let i = 0; i < 2; i++) {
    const [, traceId, spanId] = s.seen.sse[i].traceparent.split('-');
    const connect = connects.find((sp) => sp.spanId === spanId);
    assert.ok(connect, `connect span for attempt ${i + 1}`);
    assert.equal(connect.traceId, traceId);
    assert.equal(attr(connect, 'url.full').stringValue, `${s.base}/sse`, 'the query string is redacted');
    const stream = spans.find((sp) => sp.name === 'sse stream' && sp.parentSpanId === spanId);
    if (i === 0) {
      // (the second attempt may be closed before its response head arrives: only the first is certain to have one)
      assert.equal(attr(connect, 'sse.response.xray_trace_id').stringValue, `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`);
      assert.equal(attr(stream, 'sse.events').intValue, '2');
      assert.equal(attr(stream, 'sse.close_type').stringValue, 'graceful');
      const wait = spans.find((sp) => sp.name === 'sse reconnect.wait' && sp.parentSpanId === spanId);
      assert.equal(attr(wait, 'sse.reconnect.reason').stringValue, 'retry');
    } else {
      const [, prevTrace, prevSpan] = s.seen.sse[0].traceparent.split('-');
      assert.deepEqual(connect.links.map((l) => [l.traceId, l.spanId]), [[prevTrace, prevSpan]]);
      assert.equal(attr(connect, 'sse.last_event_id.sent').boolValue, true);
    }
  }
  const post = spans.find((sp) => sp.name === 'POST');
  const [, apiTrace, apiSpan] = s.seen.api[0].traceparent.split('-');
  assert.deepEqual([post.traceId, post.spanId, post.kind], [apiTrace, apiSpan, 3]);
  assert.equal(attr(post, 'http.response.status_code').intValue, '201');
  assert.equal(attr(post, 'url.full').stringValue, `${s.base}/api`);
  // The exporter's own requests carry no trace headers.
  assert.equal(s.seen.payloads[0].headers.traceparent, undefined);
  const stats = exporter.stats();
  assert.equal(stats.exported + stats.flushed, spans.length);
  assert.equal(stats.dropped.queueFull + stats.dropped.rejected + stats.dropped.exportFailed, 0);
  await exporter.shutdown();
});

test('a collector answering 503 with Retry-After, then 200: the same batch is retried and exported', async () => {
  const s = await startServers({ collector: (n) => (n === 1 ? [503, { 'retry-after': '0' }] : 200) });
  const errors = [];
  const exporter = createExporter({ endpoint: `${s.base}/v1/traces`, scheduledDelayMs: 0, onError: (e) => errors.push(e) });
  const traced = createTracedFetch({ exporter });
  await (await traced(`${s.base}/api`)).text();
  await until(() => s.seen.payloads.length === 1, 5000);
  assert.deepEqual(errors.map((e) => [e.status, e.willRetry, e.spans]), [[503, true, 1]]);
  assert.deepEqual(validateExportTraceServiceRequest(s.seen.payloads[0].body), []);
  await until(() => exporter.stats().exported === 1);
  assert.equal(exporter.stats().retries, 1);
  await exporter.shutdown();
  await s.close();
});

test('a collector rejecting with 400 drops the batch at once and says so; nothing is thrown into the app', async () => {
  const s = await startServers({ collector: () => 400 });
  const errors = [];
  const exporter = createExporter({ endpoint: `${s.base}/v1/traces`, scheduledDelayMs: 0, onError: (e) => errors.push(e) });
  const traced = createTracedFetch({ exporter });
  await (await traced(`${s.base}/api`)).text();
  await until(() => errors.length === 1, 5000);
  assert.deepEqual([errors[0].status, errors[0].willRetry, errors[0].reason], [400, false, 'rejected']);
  assert.equal(s.seen.collectorCalls, 1, 'never retried');
  assert.equal(exporter.stats().dropped.rejected, 1);
  await exporter.shutdown();
  await s.close();
});

test('a dead collector: connection refused, retried within the deadline, then dropped and counted; the stream is unaffected', async () => {
  const s = await startServers();
  const dead = await new Promise((resolve) => {
    const probe = http.createServer();
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
  const errors = [];
  const exporter = createExporter({ endpoint: `http://127.0.0.1:${dead}/v1/traces`, scheduledDelayMs: 0,
    exportTimeoutMs: 1500, onError: (e) => errors.push(e) });
  const messages = [];
  const es = new TracedEventSource(`${s.base}/sse`, { exporter, retryMs: 50 });
  es.onmessage = (e) => messages.push(e.data);
  await until(() => messages.length >= 4, 5000);
  es.close();
  await until(() => errors.some((e) => !e.willRetry), 8000);
  assert.ok(errors.every((e) => e.status === 0), 'network failures');
  const stats = exporter.stats();
  assert.ok(stats.dropped.exportFailed > 0, 'spans given up after the deadline are counted');
  assert.equal(stats.exportFailures.network, errors.length);
  await exporter.shutdown();
  await s.close();
});

test('a collector that never answers: the shell abandons each request after exportTimeoutMs and gives the batch up at its deadline', async () => {
  const s = await startServers({ collector: () => 'silent' });
  const errors = [];
  const exporter = createExporter({ endpoint: `${s.base}/v1/traces`, scheduledDelayMs: 0, exportTimeoutMs: 600,
    onError: (e) => errors.push(e) });
  const traced = createTracedFetch({ exporter });
  assert.equal((await traced(`${s.base}/api`)).status, 201);
  await until(() => exporter.stats().dropped.exportFailed === 1, 5000);
  const stats = exporter.stats();
  assert.deepEqual([stats.exportsInFlight, stats.queued, stats.exported], [0, 0, 0]);
  assert.ok(s.seen.silent >= 1, 'the collector was asked');
  await until(() => s.seen.abandoned === s.seen.silent, 2000);
  assert.deepEqual(errors.at(-1) && [errors.at(-1).status, errors.at(-1).willRetry], [0, false]);
  await exporter.shutdown();
  await s.close();
});

test('control characters in a span attribute are \\u-escaped in the OTLP JSON (the core\'s own snprintf subset)', async () => {
  const s = await startServers();
  const exporter = createExporter({ endpoint: `${s.base}/v1/traces`, scheduledDelayMs: 0 });
  const es = new TracedEventSource(`${s.base}/ctl`, { exporter, maxRetries: 0 });
  await until(() => s.seen.payloads.some((p) => p.body.includes('"sse stream"')), 5000);
  es.close();
  const body = s.seen.payloads.find((p) => p.body.includes('"sse stream"')).body;
  assert.ok(body.includes('"stringValue":"a\\u0001b\\u001fc\x7f"'), `escaped id in ${body}`);
  assert.deepEqual(validateExportTraceServiceRequest(body), []);
  const stream = spansOf([{ body }]).find((x) => x.name === 'sse stream');
  const id = stream.attributes.find((a) => a.key === 'sse.last_event_id');
  assert.equal(id.value.stringValue, 'a\x01b\x1fc\x7f');
  await exporter.shutdown();
  await s.close();
});

test('bad exporter options throw a TypeError naming the option; a non-exporter is refused', () => {
  for (const [options, name] of [[{}, 'endpoint'], [{ endpoint: 'http://x', maxQueueSize: 0 }, 'maxQueueSize'],
    [{ endpoint: 'http://x', onError: 1 }, 'onError'], [{ endpoint: 'http://x', headers: 3 }, 'headers'],
    [{ endpoint: 'http://x', serviceName: 5 }, 'serviceName']]) {
    assert.throws(() => createExporter(options), (e) => e instanceof TypeError && e.message.includes(`'${name}'`), name);
  }
  assert.throws(() => new TracedEventSource('http://127.0.0.1:1/', { exporter: {} }), (e) => e instanceof TypeError && /'exporter'/.test(e.message));
  assert.throws(() => createTracedFetch({ exporter: {} }), TypeError);
});

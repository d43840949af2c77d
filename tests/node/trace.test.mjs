// Trace context through the JS shell in Node: injection per attempt, the origin policy, tracedFetch with every
// argument shape, and option validation. Header formats and id rules are the core's (Catch2 vectors); here we
// check what reaches the wire.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TracedEventSource, createTracedFetch } from '../../js-glue/index.js';
import { scriptedFetch, streamResponse, until } from './fake-fetch.mjs';

const URL_A = 'https://api.example.test/stream';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-03$/;

test('each attempt sends one traceparent and one X-Amzn-Trace-Id with the same ids; reconnects are new, linked traces', async () => {
  const a = streamResponse({ url: URL_A });
  const b = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => a.response, () => b.response]);
  const connects = [];
  const es = new TracedEventSource(URL_A, { fetch, retryMs: 1,
    diagnostics: (d) => d.kind === 'connect' && connects.push(d.trace) });
  await until(() => requests.length === 1);
  a.send('id: 9\ndata: x\n\n');
  a.end();
  await until(() => requests.length === 2);
  const ids = requests.map((r) => {
    const [, traceId, spanId] = r.headers.get('traceparent').match(TRACEPARENT);
    const xray = r.headers.get('x-amzn-trace-id');
    assert.equal(xray, `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=1`);
    const epoch = parseInt(traceId.slice(0, 8), 16);
    assert.ok(Math.abs(epoch - Date.now() / 1000) < 300, 'trace id starts with the current Unix seconds');
    return { traceId, spanId };
  });
  assert.notEqual(ids[0].traceId, ids[1].traceId);
  assert.equal(requests[1].headers.get('last-event-id'), '9');
  assert.deepEqual(connects.map((t) => t.traceId), ids.map((i) => i.traceId));
  assert.equal(connects[1].previousTraceId, ids[0].traceId);
  assert.equal(connects[0].sessionId, connects[1].sessionId);
  es.close();
});

test('allowedOrigins restricts injection; a throwing predicate never injects', async () => {
  for (const [allowedOrigins, expected] of [
    [['https://api.example.test'], true], [['https://other.example.test'], false],
    [(url) => url.hostname.endsWith('.example.test'), true], [() => { throw new Error('bug'); }, false]]) {
    const s = streamResponse({ url: URL_A });
    const { fetch, requests } = scriptedFetch([() => s.response]);
    const es = new TracedEventSource(URL_A, { fetch, trace: { allowedOrigins } });
    await until(() => requests.length === 1);
    assert.equal(requests[0].headers.has('traceparent'), expected, String(allowedOrigins));
    assert.equal(requests[0].headers.has('x-amzn-trace-id'), expected);
    es.close();
  }
});

test('trace: false sends no trace headers; propagators pick the headers', async () => {
  for (const [trace, has] of [[false, []], [{ propagators: ['w3c'] }, ['traceparent']],
    [{ propagators: ['xray'] }, ['x-amzn-trace-id']]]) {
    const s = streamResponse({ url: URL_A });
    const { fetch, requests } = scriptedFetch([() => s.response]);
    const es = new TracedEventSource(URL_A, { fetch, trace });
    await until(() => requests.length === 1);
    const sent = ['traceparent', 'x-amzn-trace-id', 'tracestate', 'baggage'].filter((h) => requests[0].headers.has(h));
    assert.deepEqual(sent, has, JSON.stringify(trace));
    es.close();
  }
});

test('parent, tracestate, baggage and sampling options reach the headers; an invalid parent is a warning', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch, trace: {
    parent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: { vendor: 'x' }, baggage: { user: 'a b' } } });
  await until(() => requests.length === 1);
  // The parent continues (its trace id), sampled as it says; it lacks the Level 2 random flag, so ours does too.
  assert.match(requests[0].headers.get('traceparent'), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.equal(requests[0].headers.get('tracestate'), 'vendor=x');
  assert.equal(requests[0].headers.get('baggage'), 'user=a%20b');
  es.close();

  const t = streamResponse({ url: URL_A });
  const second = scriptedFetch([() => t.response]);
  const warnings = [];
  const bad = new TracedEventSource(URL_A, { fetch: second.fetch, trace: { parent: 'nonsense', sampleRatio: 0, unsampled: 'omit' },
    diagnostics: (d) => d.kind === 'warning' && warnings.push(d.message) });
  await until(() => second.requests.length === 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /parent ignored/);
  assert.equal(second.requests[0].headers.has('traceparent'), false, 'unsampled + omit sends nothing');
  bad.close();
});

test('response trace ids are reported on open', async () => {
  const s = streamResponse({ url: URL_A, headers: {
    'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    traceresponse: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const opens = [];
  const es = new TracedEventSource(URL_A, { fetch, diagnostics: (d) => d.kind === 'open' && opens.push(d) });
  await until(() => opens.length === 1);
  assert.deepEqual(opens[0].response, { available: true, xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793',
    traceresponse: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  assert.equal(requests.length, 1);
  es.close();
});

test('bad trace options throw a TypeError naming the option', () => {
  for (const [trace, name] of [[{ propagators: ['b3'] }, 'propagators'], [{ sampleRatio: 2 }, 'sampleRatio'],
    [{ unsampled: 'drop' }, 'unsampled'], [{ allowedOrigins: ['not a url'] }, 'allowedOrigins'],
    [{ allowedOrigins: 'https://x' }, 'allowedOrigins'], [{ tracestate: { k: 1 } }, 'tracestate.k'],
    [{ parent: 5 }, 'parent'], ['yes', 'trace']]) {
    assert.throws(() => new TracedEventSource(URL_A, { trace }),
      (e) => e instanceof TypeError && e.message.includes(`'trace.${name}`) || e.message.includes(`'${name}`), name);
    assert.throws(() => createTracedFetch(typeof trace === 'object' ? trace : { propagators: trace }), TypeError);
  }
});

test('tracedFetch: every argument shape gets exactly one of each trace header; inputs are not mutated', async () => {
  const seen = [];
  const spans = [];
  const fakeFetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    seen.push({ url: String(input instanceof Request ? input.url : input), headers });
    return new Response('{"ok":true}', { status: 201, headers: { 'x-amzn-trace-id':
      `Root=1-${headers.get('traceparent').slice(3, 11)}-${headers.get('traceparent').slice(11, 35)}` } });
  };
  const traced = createTracedFetch({ fetch: fakeFetch, onSpan: (s) => spans.push(s) });
  const reused = { headers: { 'X-App': '1', TraceParent: '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01' } };
  const snapshot = JSON.stringify(reused);
  const shapes = [
    ['string', () => traced('https://api.example.test/a?token=secret#frag')],
    ['URL', () => traced(new URL('https://api.example.test/b'))],
    ['Request', () => traced(new Request('https://api.example.test/c', { headers: { 'x-req': 'r' } }))],
    ['Headers', () => traced('https://api.example.test/d', { headers: new Headers({ traceparent: 'stale' }) })],
    ['pairs', () => traced('https://api.example.test/e', { headers: [['X-Pair', 'p'], ['x-amzn-trace-id', 'stale']] })],
    ['reused init 1', () => traced('https://api.example.test/f', reused)],
    ['reused init 2', () => traced('https://api.example.test/f', reused)],
    ['POST', () => traced('https://api.example.test/g', { method: 'post', body: 'payload' })],
  ];
  for (const [name, call] of shapes) {
    const response = await call();
    assert.equal(await response.text(), '{"ok":true}', `${name}: body still readable`);
  }
  assert.equal(JSON.stringify(reused), snapshot, 'the init object is not mutated');
  seen.forEach(({ headers }, i) => {
    assert.match(headers.get('traceparent'), TRACEPARENT, shapes[i][0]);
    assert.doesNotMatch(headers.get('x-amzn-trace-id'), /stale|,/);
    assert.equal(headers.get('traceparent').split(',').length, 1);
  });
  assert.equal(seen[2].headers.get('x-req'), 'r', 'a Request keeps its own headers, trace headers added');
  assert.equal(seen[4].headers.get('x-pair'), 'p');
  assert.equal(seen[5].headers.get('x-app'), '1');
  assert.notEqual(spans[5].spanId, spans[6].spanId, 'a reused init gets a fresh span each call');
  assert.equal(spans[0].url, 'https://api.example.test/a');
  assert.equal(spans[7].method, 'POST');
  for (const span of spans) {
    assert.equal(span.status, 201);
    assert.ok(span.durationMs >= 0);
    assert.equal(span.response.xrayTraceId, `1-${span.traceId.slice(0, 8)}-${span.traceId.slice(8)}`, 'the response trace id is read back');
  }
});

test('tracedFetch: a rejected fetch is reported with its error name and rethrown', async () => {
  const spans = [];
  const traced = createTracedFetch({ fetch: async () => { throw new TypeError('Failed to fetch'); }, onSpan: (s) => spans.push(s) });
  await assert.rejects(traced('https://api.example.test/down'), TypeError);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].error, 'TypeError');
  assert.equal(spans[0].status, undefined);
});

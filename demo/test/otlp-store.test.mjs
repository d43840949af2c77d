// The trace store and the OTLP JSON parser: dedup, eviction, orphans, query filters and pagination, value
// conversion and which spans are refused.   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import { QueryError, TraceStore } from '../lib/otlp-store.mjs';
import { LIMITS, OtlpShapeError, parseExportRequest } from '../lib/otlp-parse.mjs';
import { parseTraceQuery } from '../lib/traces-api.mjs';

const T0 = 1_700_000_000_000; // epoch ms
const tid = (n) => n.toString(16).padStart(32, '0');
const sid = (n) => n.toString(16).padStart(16, '0');
const ns = (ms) => String(BigInt(Math.round(ms * 1000)) * 1000n);

/** A span in the store's shape (what parseExportRequest produces). */
function span({ trace = 1, id = 1, parent = 0, name = 'op', service = 'svc', startMs = T0, durMs = 10, status = 'unset' } = {}) {
  return {
    traceId: tid(trace),
    spanId: sid(id),
    parentSpanId: parent ? sid(parent) : '',
    name,
    kind: 'internal',
    service,
    scope: '',
    startUnixNano: ns(startMs),
    endUnixNano: ns(startMs + durMs),
    durationMs: durMs,
    attributes: {},
    status: { code: status, message: '' },
    events: [],
    links: [],
  };
}

test('store: a span sent twice is stored once, the later copy wins', () => {
  const store = new TraceStore();
  store.add([span({ name: 'sse stream', durMs: 5 })]);
  store.add([span({ name: 'sse stream', durMs: 50 })]);
  const { spans } = store.get(tid(1));
  assert.equal(spans.length, 1);
  assert.equal(spans[0].durationMs, 50);
  assert.deepEqual(
    { ...store.stats(), bytesStored: undefined },
    { received: 2, replaced: 1, rejected: 0, evicted: 0, spansStored: 1, tracesStored: 1, bytesStored: undefined },
  );
});

test('store: whole traces are evicted, least recently updated first', () => {
  const store = new TraceStore({ maxTraces: 3 });
  for (const t of [1, 2, 3]) store.add([span({ trace: t, id: 1 }), span({ trace: t, id: 2, parent: 1 })]);
  store.add([span({ trace: 1, id: 3, parent: 1 })]); // trace 1 is now the most recently updated
  store.add([span({ trace: 4 })]);
  assert.equal(store.get(tid(2)), null, 'trace 2 was the least recently updated');
  assert.ok(store.get(tid(1)) && store.get(tid(3)) && store.get(tid(4)));
  assert.equal(store.stats().evicted, 2);
  assert.equal(store.stats().tracesStored, 3);

  // The span bound evicts whole traces too, never half of one.
  const small = new TraceStore({ maxSpans: 5 });
  small.add([span({ trace: 1, id: 1 }), span({ trace: 1, id: 2 }), span({ trace: 1, id: 3 })]);
  small.add([span({ trace: 2, id: 1 }), span({ trace: 2, id: 2 }), span({ trace: 2, id: 3 })]);
  assert.equal(small.get(tid(1)), null);
  assert.equal(small.get(tid(2)).spans.length, 3);
  assert.deepEqual([small.stats().spansStored, small.stats().evicted], [3, 3]);

  // And so does the byte bound.
  const tiny = new TraceStore({ maxBytes: 2000 });
  for (let t = 1; t <= 10; t++) tiny.add([span({ trace: t })]);
  assert.ok(tiny.stats().bytesStored <= 2000);
  assert.ok(tiny.get(tid(10)));
  assert.equal(tiny.get(tid(1)), null);
});

test('store: a trace at its span cap refuses new spans (counted), but still accepts updates', () => {
  const store = new TraceStore({ maxSpansPerTrace: 2 });
  const r = store.add([span({ id: 1 }), span({ id: 2 }), span({ id: 3 }), span({ id: 2, name: 'updated' })]);
  assert.equal(r.rejected, 1);
  assert.match(r.errors[0], /already holds 2 spans/);
  assert.equal(store.stats().rejected, 1);
  assert.deepEqual(store.get(tid(1)).spans.map((s) => s.name), ['op', 'updated']);
});

test('store: orphans are flagged, the root is the earliest parentless span, else the earliest orphan', () => {
  const store = new TraceStore();
  store.add([
    span({ trace: 1, id: 2, parent: 1, name: 'child', startMs: T0 + 1 }),
    span({ trace: 1, id: 3, parent: 9, name: 'orphan', startMs: T0 - 5 }),
    span({ trace: 1, id: 1, name: 'root', service: 'browser', startMs: T0, durMs: 30 }),
  ]);
  const { spans } = store.get(tid(1));
  assert.deepEqual(spans.map((s) => [s.name, s.orphan]), [['orphan', true], ['root', false], ['child', false]]);
  const [summary] = store.query().traces;
  assert.equal(summary.rootName, 'root');
  assert.equal(summary.rootService, 'browser');
  assert.equal(summary.hasOrphans, true);
  assert.equal(summary.startUnixNano, ns(T0 - 5));
  assert.equal(summary.durationMs, 35);

  store.add([span({ trace: 2, id: 5, parent: 4, name: 'late', startMs: T0 + 9 }), span({ trace: 2, id: 6, parent: 4, name: 'early', startMs: T0 + 2 })]);
  assert.equal(store.query({ name: 'early' }).traces[0].rootName, 'early');
});

test('store: query filters by service, name substring, start window and duration; newest first', () => {
  const store = new TraceStore();
  store.add([span({ trace: 1, name: 'GET /feed', service: 'server', startMs: T0, durMs: 5 })]);
  store.add([span({ trace: 2, name: 'sse connect', service: 'browser', startMs: T0 + 1000, durMs: 200 }), span({ trace: 2, id: 2, parent: 1, name: 'GET /feed', service: 'server', startMs: T0 + 1010, status: 'error' })]);
  store.add([span({ trace: 3, name: 'sse stream', service: 'browser', startMs: T0 + 2000, durMs: 1 })]);
  const ids = (q) => store.query(q).traces.map((t) => t.traceId);

  assert.deepEqual(ids({}), [tid(3), tid(2), tid(1)]);
  assert.deepEqual(ids({ service: 'server' }), [tid(2), tid(1)]);
  assert.deepEqual(ids({ service: 'serv' }), [], 'service matches exactly');
  assert.deepEqual(ids({ name: 'feed' }), [tid(2), tid(1)]);
  assert.deepEqual(ids({ name: 'SSE' }), [tid(3), tid(2)], 'name is a case-insensitive substring');
  assert.deepEqual(ids({ start: T0 + 500 }), [tid(3), tid(2)]);
  assert.deepEqual(ids({ end: T0 + 1000 }), [tid(2), tid(1)], 'end includes its whole millisecond');
  assert.deepEqual(ids({ start: T0 + 500, end: T0 + 1500 }), [tid(2)]);
  assert.deepEqual(ids({ minDurationMs: 100 }), [tid(2)]);

  const two = store.query({ service: 'server' }).traces[0];
  assert.deepEqual(two.services, ['browser', 'server']);
  assert.equal(two.spanCount, 2);
  assert.equal(two.errorCount, 1);
  assert.equal(typeof two.startUnixNano, 'string');
});

test('store: pagination walks every trace once, newest first, with an opaque cursor', () => {
  const store = new TraceStore();
  for (let t = 1; t <= 25; t++) store.add([span({ trace: t, startMs: T0 + (t % 5) * 10 })]); // start times tie
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = store.query({ limit: 7, cursor });
    assert.equal(page.total, 25);
    seen.push(...page.traces);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  assert.equal(pages, 4);
  assert.equal(new Set(seen.map((t) => t.traceId)).size, 25);
  const starts = seen.map((t) => BigInt(t.startUnixNano));
  assert.ok(starts.every((s, i) => i === 0 || s <= starts[i - 1]), 'newest first');
  assert.equal(store.query().traces.length, 20, 'default limit');

  assert.throws(() => store.query({ limit: 101 }), QueryError);
  assert.throws(() => store.query({ limit: 0 }), QueryError);
  assert.throws(() => store.query({ cursor: 'bm9wZQ' }), QueryError);
});

test('traces API: query parameters are checked and named in the error', () => {
  const q = (s) => parseTraceQuery(new URLSearchParams(s));
  assert.deepEqual(q('service=&name=&limit=5&start=1700000000000&_=123'), { limit: 5, start: 1700000000000 });
  for (const [bad, what] of [['limit=abc', /limit/], ['limit=2.5', /limit/], ['limit=0', /limit/], ['start=-1', /start/], ['minDurationMs=x', /minDurationMs/], ['start=10&end=5', /end is before start/], [`name=${'x'.repeat(300)}`, /name/]]) {
    assert.throws(() => q(bad), (err) => err.status === 400 && what.test(err.message), bad);
  }
});

/** An ExportTraceServiceRequest with the given spans under one resource. */
const request = (spans, service = 'browser') => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'lib' }, spans }] }],
});
const otlpSpan = (over = {}) => ({
  traceId: 'AB'.repeat(16),
  spanId: 'CD'.repeat(8),
  name: 'sse connect',
  kind: 3,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: 1700000000256000000, // a JSON number (exact here: doubles this large step by 256)
  ...over,
});

test('parse: OTLP JSON values become plain JSON; ids are lower-cased; times may be strings or numbers', () => {
  const { spans, rejected } = parseExportRequest(request([
    otlpSpan({
      parentSpanId: '0123456789ABCDEF',
      attributes: [
        { key: 's', value: { stringValue: 'x' } },
        { key: 'i', value: { intValue: '42' } },
        { key: 'big', value: { intValue: '9007199254740993' } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'b', value: { boolValue: true } },
        { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: 1 }] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
        { key: 'none', value: {} },
        { key: 'bad', value: { intValue: 'nope' } },
        { value: { stringValue: 'no key' } },
      ],
      status: { code: 2, message: 'boom' },
      events: [{ name: 'ev', timeUnixNano: '1700000000100000000', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }, { name: 'no time' }],
      links: [{ traceId: 'ef'.repeat(16), spanId: '12'.repeat(8) }, { traceId: 'short', spanId: 'x' }],
    }),
  ]));
  assert.equal(rejected, 0);
  assert.deepEqual(spans[0], {
    traceId: 'ab'.repeat(16),
    spanId: 'cd'.repeat(8),
    parentSpanId: '0123456789abcdef',
    name: 'sse connect',
    kind: 'client',
    service: 'browser',
    scope: 'lib',
    startUnixNano: '1700000000000000000',
    endUnixNano: '1700000000256000000',
    durationMs: 256,
    attributes: { s: 'x', i: 42, big: '9007199254740993', d: 1.5, b: true, a: ['p', 1], kv: { k: false }, none: null },
    status: { code: 'error', message: 'boom' },
    events: [{ name: 'ev', timeUnixNano: '1700000000100000000', attributes: { k: 'v' } }],
    links: [{ traceId: 'ef'.repeat(16), spanId: '12'.repeat(8), attributes: {} }],
  });
  const named = parseExportRequest(request([otlpSpan({ kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_OK' } })], '')).spans[0];
  assert.deepEqual([named.kind, named.status.code, named.service], ['server', 'ok', 'unknown_service']);
});

test('parse: malformed spans are skipped and counted; a request of the wrong shape throws', () => {
  const { spans, rejected, errors } = parseExportRequest(request([
    otlpSpan(),
    otlpSpan({ traceId: '0'.repeat(32) }),
    otlpSpan({ spanId: 'xyz' }),
    otlpSpan({ startTimeUnixNano: 'soon' }),
    otlpSpan({ endTimeUnixNano: '1' }),
    otlpSpan({ kind: 9 }),
    otlpSpan({ attributes: 'not a list' }),
    'not a span',
  ]));
  assert.equal(spans.length, 1);
  assert.equal(rejected, 7);
  assert.equal(errors.length, LIMITS.maxErrors);
  assert.match(errors[0], /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: traceId must be 32 hex digits/);

  assert.deepEqual(parseExportRequest({}), { spans: [], rejected: 0, errors: [] });
  for (const bad of [null, [], 'x', { resourceSpans: {} }]) assert.throws(() => parseExportRequest(bad), OtlpShapeError);
});

test('parse: values are bounded as they are copied', () => {
  const many = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'y'.repeat(10_000) } }));
  let deep = { stringValue: 'bottom' };
  for (let i = 0; i < 10; i++) deep = { arrayValue: { values: [deep] } };
  const [s] = parseExportRequest(request([otlpSpan({ attributes: [...many, { key: 'deep', value: deep }], events: Array.from({ length: 300 }, () => ({ timeUnixNano: '1700000000000000001' })) })])).spans;
  assert.equal(Object.keys(s.attributes).length, LIMITS.maxAttributes);
  assert.equal(s.attributes.k0.length, LIMITS.maxStringChars);
  assert.equal(s.events.length, LIMITS.maxEvents);
  const [d] = parseExportRequest(request([otlpSpan({ attributes: [{ key: 'deep', value: deep }] })])).spans;
  assert.match(JSON.stringify(d.attributes.deep), /null/, 'nesting past the depth limit is cut');
});

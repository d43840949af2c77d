// Bad options and misuse (issue 9): every public option of TracedEventSource, createExporter and
// createTracedFetch, fed wrong types and out-of-range values, throws a TypeError that names the option; valid
// edge values are accepted; a throwing getter or a hostile Proxy leaves nothing running; callbacks that throw
// are reported and never reach the app. The option lists are read from js-glue/index.d.ts, and a recording
// Proxy checks that the code reads exactly those, so an option added later cannot escape the sweep.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';

import { TracedEventSource, createExporter, createTracedFetch, tracedFetch } from '../../js-glue/index.js';
import { loadCore } from '../../js-glue/core-loader.js';
import { record, scriptedFetch, streamResponse, until } from './fake-fetch.mjs';

const URL_A = 'https://example.test/stream';
const ENDPOINT = 'http://127.0.0.1:9/v1/traces';  // never reached: no test here exports to it
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Every request any code in this file starts goes through here (also as globalThis.fetch), so a test can
// assert that a throwing construction started nothing. Requests never settle: nothing reaches a network.
let requests = [];
const recordingFetch = (url, init) => {
  requests.push({ url: String(url), init });
  return new Promise(() => {});
};
const realFetch = globalThis.fetch;
beforeEach(() => {
  requests = [];
  globalThis.fetch = recordingFetch;
});
afterEach(() => { globalThis.fetch = realFetch; });

/** Member names of an interface in index.d.ts (two-space indented `name?:` lines), plus those it extends. */
function declaredOptions(name) {
  const dts = fs.readFileSync(new URL('../../js-glue/index.d.ts', import.meta.url), 'utf8');
  const m = new RegExp(`export interface ${name}(?: extends (\\w+))? \\{([\\s\\S]*?)\\n\\}`).exec(dts);
  assert.ok(m, `interface ${name} in index.d.ts`);
  const own = [...m[2].matchAll(/^ {2}(\w+)\??:/gm)].map((x) => x[1]);
  return [...(m[1] ? declaredOptions(m[1]) : []), ...own].sort();
}

/** The string keys `build(proxy)` reads from its options object (a Proxy over `base`). */
function keysRead(base, build) {
  const read = new Set();
  const proxy = new Proxy(base, { get(target, key, receiver) {
    if (typeof key === 'string') read.add(key);
    return Reflect.get(target, key, receiver);
  } });
  build(proxy);
  return [...read].sort();
}

// Values of every JavaScript type, for options that accept none of them.
const sym = Symbol('option');
const ODD = [sym, 1n, () => {}, new Number(1), { valueOf: () => 1 }];
const integers = (min, max, { infinity = false } = {}) => ({
  bad: [min - 1, max + 1, 1.5, NaN, -Infinity, ...(infinity ? [] : [Infinity]), '1', '', true, null, {}, [1], ...ODD],
  good: [min, max, ...(min < 1 && max > 1 ? [1] : []), ...(infinity ? [Infinity] : [])],
});
const ratio = {
  bad: [-0.01, 1.01, NaN, Infinity, -Infinity, '0.5', true, null, {}, [0.5], ...ODD],
  good: [0, -0, 0.25, 1],
};
const callback = { bad: ['fn', 1, true, {}, [], sym, 1n], good: [() => {}, null] };
const headersLike = {
  // Static headers are checked as fetch() would check them (found by this sweep: they used to fail every attempt).
  bad: ['x-a: 1', 5, true, sym, 1n, { 'bad name': 'x' }, [['a']], { 'x-a': 'line\nbreak' }],
  good: [{ 'x-a': '1' }, new Headers({ 'x-a': '1' }), [['x-a', '1']], () => ({}), null],
};
const text = { bad: [5, true, {}, [], sym, 1n, () => 'x'], good: ['', 'shop-ui'] };

// trace.* options (TracedEventSource's `trace` object; createTracedFetch's top level).
const TRACE = {
  propagators: {
    bad: ['w3c', ['W3C'], ['b3'], ['w3c', null], {}, 5, sym],
    good: [[], ['w3c'], ['xray'], ['xray', 'w3c'], null],
  },
  allowedOrigins: {
    bad: ['https://api.example.test', ['not a url'], ['file:///etc/passwd'], ['data:,x'], [123], [null], [sym], {}, 5,
      true],
    good: [[], ['https://api.example.test', 'http://localhost:8080', 'https://Example.test:443'], () => true, null],
  },
  parent: { bad: [5, true, {}, [], sym, 1n, 'a\0b'], good: ['', 'not a traceparent (ignored with a warning)',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'] },
  sampleRatio: { ...ratio, bad: ratio.bad.filter((v) => v !== null), good: [...ratio.good, null] },
  unsampled: { bad: ['drop', 'OMIT', '', 1, true, {}, sym], good: ['propagate', 'omit', null] },
  tracestate: { bad: ['k=v', ['k', 'v'], 5, true, { k: 1 }, { k: null }, { k: 'a\0b' }, { 'k\0': 'v' }, { k: sym }],
    good: [{}, { vendor: 'value' }, null] },
  baggage: {
    bad: ['k=v', [['k', 'v']], 5, { k: 2 }, { k: undefined }, { k: 'v\0' }],
    good: [{}, { user: 'ü 1' }, null],
  },
  // Found by this sweep: `debug` was converted with Boolean(), so 'false' meant true.
  debug: { bad: ['false', 1, 0, {}, sym], good: [true, false, null] },
};

const EVENT_SOURCE = {
  headers: headersLike,
  retryMs: integers(0, MAX_SAFE),
  maxEventBytes: integers(1, 2 ** 30),
  maxRetryDelayMs: integers(0, MAX_SAFE),
  maxRetries: integers(0, 0xfffffffe, { infinity: true }),
  idleTimeoutMs: integers(0, MAX_SAFE),
  retryStatuses: {
    bad: [503, '503', [200], [399], [600], [503.5], ['503'], [NaN], [null], [503, -1], { 0: 503, length: 1 },
      new Set([503]), sym, [, 503]],  // eslint-disable-line no-sparse-arrays -- a hole used to become status 0
    good: [[], [400, 599], [503, 503, 429]],
  },
  maxRetryAfterMs: integers(0, MAX_SAFE),
  strict: { bad: ['yes', 'false', 1, 0, null, {}, sym], good: [true, false] },
  diagnostics: callback,
  fetch: { ...callback, good: [recordingFetch, null] },
  trace: { bad: [true, 1, 'w3c', sym, 1n], good: [false, null, {}] },
  eventSpanRatio: ratio,
};

const EXPORTER = {
  endpoint: { bad: [undefined, '', 'not a url', '/v1/traces', 5, null, {}, sym, 'data:,x', 'javascript:void 0',
    'file:///tmp/spans'], good: [ENDPOINT, new URL(ENDPOINT)] },
  headers: { ...headersLike, bad: [...headersLike.bad, null], good: headersLike.good.filter((v) => v !== null) },
  // NUL used to cut the value short on its way into the core.
  serviceName: { ...text, bad: [...text.bad, 'shop\0evil'] },
  serviceVersion: { ...text, bad: [...text.bad, '1\0'] },
  maxQueueSize: integers(1, 2 ** 20),
  maxExportBatchSize: integers(1, 2 ** 20),
  scheduledDelayMs: integers(0, 3_600_000),
  maxConcurrentExports: integers(1, 64),
  exportTimeoutMs: integers(1, 3_600_000),
  onError: { ...callback, bad: [...callback.bad, null], good: [() => {}] },
  fetch: { ...callback, bad: [...callback.bad, null], good: [recordingFetch] },
};

const TRACED_FETCH = {
  onSpan: { ...callback, bad: [...callback.bad, null], good: [() => {}] },
  fetch: { ...callback, bad: [...callback.bad, null], good: [recordingFetch] },
};

const show = (v) => {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  try { return JSON.stringify(v) ?? String(v); } catch { return typeof v; }
};
/** A TracedEventSource whose requests are only recorded. */
const source = (init) => new TracedEventSource(URL_A, { fetch: recordingFetch, ...init });

/** `build()` throws a TypeError from `owner` whose message quotes the option `name` (or one of `aliases`). */
function assertRejects(build, owner, name, value, aliases = []) {
  assert.throws(build, (e) => {
    assert.ok(e instanceof TypeError, `${name} = ${show(value)}: ${e?.constructor?.name} ${e?.message}`);
    assert.ok(e.message.startsWith(owner), `${name} = ${show(value)}: "${e.message}" starts with "${owner}"`);
    assert.ok([name, ...aliases].some((n) => e.message.includes(`'${n}`)),
      `${name} = ${show(value)}: "${e.message}" names the option`);
    return true;
  }, `${name} = ${show(value)} is rejected`);
}

test('the sweep covers every documented option, and the code reads exactly those', () => {
  const exporter = createExporter({ endpoint: ENDPOINT });
  const traceKeys = declaredOptions('TraceOptions');
  assert.deepEqual(Object.keys(TRACE).sort(), traceKeys);
  assert.deepEqual([...Object.keys(EVENT_SOURCE), 'withCredentials', 'exporter'].sort(),
    declaredOptions('TracedEventSourceInit'));
  assert.deepEqual(Object.keys(EXPORTER).sort(), declaredOptions('ExporterOptions'));
  assert.deepEqual([...traceKeys, ...Object.keys(TRACED_FETCH), 'exporter'].sort(),
    declaredOptions('TracedFetchOptions'));

  assert.deepEqual(keysRead({ fetch: recordingFetch, exporter }, (init) => new TracedEventSource(URL_A, init).close()),
    declaredOptions('TracedEventSourceInit'));
  assert.deepEqual(keysRead({}, (trace) => source({ trace }).close()), traceKeys);
  assert.deepEqual(keysRead({ endpoint: ENDPOINT }, (o) => createExporter(o)), declaredOptions('ExporterOptions'));
  assert.deepEqual(keysRead({ exporter }, (o) => createTracedFetch(o)), declaredOptions('TracedFetchOptions'));
});

test('TracedEventSource: every bad option value throws a TypeError naming it; valid edge values construct', () => {
  for (const [name, { bad, good }] of Object.entries(EVENT_SOURCE)) {
    for (const value of bad) assertRejects(() => source({ [name]: value }), 'TracedEventSource: ', name, value);
    for (const value of good) {
      const es = source({ [name]: value });
      assert.equal(es.readyState, TracedEventSource.CONNECTING, `${name} = ${show(value)} is accepted`);
      es.close();
    }
  }
  for (const [name, { bad, good }] of Object.entries(TRACE)) {
    for (const value of bad) {
      assertRejects(() => source({ trace: { [name]: value } }), 'TracedEventSource: ', `trace.${name}`, value);
    }
    for (const value of good) source({ trace: { [name]: value } }).close();
  }
  // The init itself: EventSourceInit is a dictionary, so only objects (or nothing) are accepted.
  for (const init of [5, 'retryMs=1', true, sym, 1n, () => ({})]) {
    assert.throws(() => new TracedEventSource(URL_A, init), TypeError, `init = ${show(init)}`);
  }
  for (const init of [undefined, null, {}, Object.create(null)]) new TracedEventSource(URL_A, init).close();
});

test('TracedEventSource: `exporter` accepts only what createExporter made, not a look-alike or a Proxy of one', () => {
  const exporter = createExporter({ endpoint: ENDPOINT });
  const lookalike = Object.freeze({ stats: () => null, forceFlush: async () => {}, shutdown: async () => {} });
  for (const value of [{}, null, 'exporter', sym, lookalike, new Proxy(exporter, {}), Object.create(exporter)]) {
    assertRejects(() => source({ exporter: value }), 'TracedEventSource: ', 'exporter', value);
    assertRejects(() => createTracedFetch({ exporter: value }), 'createTracedFetch: ', 'exporter', value);
  }
  source({ exporter }).close();
  createTracedFetch({ exporter });
});

test('edge values take effect as given: no truncation to 32 bits, a 1-byte cap, no retry at all', async () => {
  const reconnectAfter = async (init, body) => {
    const s = streamResponse({ url: URL_A });
    const { fetch } = scriptedFetch([() => s.response, () => { throw new TypeError('down'); }]);
    const diagnostics = [];
    const es = new TracedEventSource(URL_A, { fetch, ...init, diagnostics: (d) => diagnostics.push(d) });
    await until(() => diagnostics.some((d) => d.kind === 'open'));
    s.send(body);
    if (!init.maxEventBytes) s.end();
    await until(() => diagnostics.some((d) => d.kind === 'reconnect' || d.kind === 'closed'));
    es.close();
    return diagnostics.find((d) => d.kind === 'reconnect' || d.kind === 'closed');
  };
  assert.equal((await reconnectAfter({ retryMs: 0 }, 'data: x\n\n')).delayMs, 0);
  const big = 2 ** 32 + 5;  // past uint32: the core must not wrap it to 5 ms
  const delay = (await reconnectAfter({ retryMs: big }, 'data: x\n\n')).delayMs;
  assert.ok(delay >= big && delay <= big * 1.1, `delayMs ${delay}`);
  assert.equal((await reconnectAfter({ maxEventBytes: 1, retryMs: 10 ** 6 }, 'data: x\n\n')).closeType, 'stream-cap');
  const closed = await reconnectAfter({ maxRetries: 0 }, ':\n');  // no event delivered, no reconnect allowed
  assert.deepEqual([closed.kind, closed.reason], ['closed', 'max-retries']);
});

test('withCredentials converts like EventSource\'s WebIDL boolean: any value, never an error', async () => {
  for (const [value, expected] of [['yes', true], [0, false], ['', false], [{}, true], [null, false], [sym, true]]) {
    const es = source({ withCredentials: value });
    assert.equal(es.withCredentials, expected, show(value));
    await until(() => requests.length === 1);
    assert.equal(requests[0].init.credentials, expected ? 'include' : 'same-origin');
    es.close();
    requests = [];
  }
});

test('createExporter: every bad option value throws a TypeError naming it; valid edge values construct', async () => {
  const made = [];
  for (const [name, { bad, good }] of Object.entries(EXPORTER)) {
    for (const value of bad) {
      assertRejects(() => createExporter({ endpoint: ENDPOINT, [name]: value }), 'createExporter: ', name, value);
    }
    for (const value of good) made.push(createExporter({ endpoint: ENDPOINT, [name]: value }));
  }
  for (const options of [undefined, null, 5, 'http://x', true, sym]) {
    assert.throws(() => createExporter(options),
      (e) => e instanceof TypeError && e.message.startsWith('createExporter: '), show(options));
  }
  await Promise.all(made.map((e) => e.shutdown()));
  assert.equal(requests.length, 0, 'nothing queued, nothing sent');
});

test('createTracedFetch: every bad option value throws a TypeError naming it; valid values construct', async () => {
  for (const [name, { bad, good }] of Object.entries(TRACE)) {
    // The message says 'trace.<name>' today although the option sits at the top level: it still names it.
    for (const value of bad) {
      assertRejects(() => createTracedFetch({ [name]: value }), 'createTracedFetch: ', name, value, [`trace.${name}`]);
    }
    for (const value of good) assert.equal(typeof createTracedFetch({ [name]: value }), 'function');
  }
  for (const [name, { bad, good }] of Object.entries(TRACED_FETCH)) {
    for (const value of bad) assertRejects(() => createTracedFetch({ [name]: value }), 'createTracedFetch: ', name, value);
    for (const value of good) assert.equal(typeof createTracedFetch({ [name]: value }), 'function');
  }
  for (const options of [null, 5, 'w3c', true, sym]) {
    assert.throws(() => createTracedFetch(options),
      (e) => e instanceof TypeError && e.message.startsWith('createTracedFetch: '), show(options));
  }
  // A traced call with arguments fetch() itself refuses rejects with fetch's TypeError, before any request.
  const traced = createTracedFetch({ fetch: recordingFetch });
  for (const input of ['relative/path', 'http://[bad', sym]) {
    await assert.rejects(traced(input), TypeError, show(input));
  }
  await assert.rejects(tracedFetch('https://api.example.test/x', { headers: { 'bad name': '1' } }), TypeError);
  assert.equal(requests.length, 0);
});

test('a throwing getter or a hostile Proxy fails construction and starts nothing', async () => {
  const boom = new Error('getter threw');
  const throwingGetter = (name, base = {}) =>
    Object.defineProperty({ ...base }, name, { get() { throw boom; }, enumerable: true });
  // The getter's own error, or a TypeError carrying its message (nested trace options are re-wrapped).
  const isBoom = (e) => e === boom || (e instanceof TypeError && e.message.includes(boom.message));

  for (const name of declaredOptions('TracedEventSourceInit')) {
    assert.throws(() => new TracedEventSource(URL_A, throwingGetter(name, { fetch: recordingFetch })), isBoom, name);
  }
  for (const name of declaredOptions('TraceOptions')) {
    assert.throws(() => source({ trace: throwingGetter(name) }), isBoom, `trace.${name}`);
    assert.throws(() => createTracedFetch(throwingGetter(name)), isBoom, name);
  }
  for (const name of declaredOptions('ExporterOptions')) {
    assert.throws(() => createExporter(throwingGetter(name, { endpoint: ENDPOINT })), isBoom, name);
  }
  for (const name of ['onSpan', 'fetch', 'exporter']) {
    assert.throws(() => createTracedFetch(throwingGetter(name)), isBoom, name);
  }

  // Proxies: one whose every trap throws, one revoked.
  const hostile = new Proxy({}, { get() { throw boom; }, has() { throw boom; }, ownKeys() { throw boom; } });
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  for (const init of [hostile, revoked.proxy]) {
    assert.throws(() => new TracedEventSource(URL_A, init), (e) => isBoom(e) || e instanceof TypeError);
    assert.throws(() => source({ trace: init }), (e) => isBoom(e) || e instanceof TypeError);
    assert.throws(() => createExporter(init), (e) => isBoom(e) || e instanceof TypeError);
    assert.throws(() => createTracedFetch(init), (e) => isBoom(e) || e instanceof TypeError);
  }

  // Long enough for the Wasm core to be ready and any source that survived to start its first request.
  await loadCore();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(requests.length, 0, `requests started: ${requests.map((r) => r.url).join(', ')}`);
});

test('a fetch option that throws synchronously fails the attempt like a network error; the source retries', async () => {
  const s = streamResponse({ url: URL_A });
  let calls = 0;
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, {
    retryMs: 1, diagnostics: (d) => diagnostics.push(d),
    fetch: (url, init) => {
      if (++calls === 1) throw new TypeError('not even a promise');
      init.signal?.addEventListener('abort', () => s.response.abortBody());
      return Promise.resolve(s.response);
    },
  });
  const log = record(es);
  await until(() => log.some((e) => e.type === 'open'));
  assert.deepEqual(diagnostics.filter((d) => d.kind === 'reconnect').map((d) => d.closeType), ['network']);
  s.send('data: after\n\n');
  await until(() => log.some((e) => e.type === 'message'));
  es.close();
});

test('a fetch option that resolves to no Response fails the attempt like a network error; the source retries', async () => {
  // Found by this sweep: the source used to stay CONNECTING for ever after one reported error.
  const s = streamResponse({ url: URL_A });
  let calls = 0;
  const diagnostics = [];
  const reported = [];
  const realReportError = globalThis.reportError;
  globalThis.reportError = (e) => reported.push(e);
  try {
    const es = new TracedEventSource(URL_A, {
      retryMs: 1, diagnostics: (d) => diagnostics.push(d),
      fetch: async (url, init) => {
        if (++calls === 1) return { status: 200 };  // a Response look-alike without headers or body
        init.signal?.addEventListener('abort', () => s.response.abortBody());
        return s.response;
      },
    });
    const log = record(es);
    await until(() => log.some((e) => e.type === 'open'));
    assert.deepEqual(diagnostics.filter((d) => d.kind === 'reconnect').map((d) => d.closeType), ['network']);
    assert.equal(reported.length, 1, 'the cause is reported once');
    es.close();
  } finally {
    globalThis.reportError = realReportError;
  }
});

test('options are read once: a getter is not consulted again, a later change to the options object changes nothing', async () => {
  let reads = 0;
  const trace = { get allowedOrigins() { reads += 1; return ['https://example.test']; } };
  const s = streamResponse({ url: URL_A });
  const { fetch, requests: seen } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch, trace });
  await until(() => seen.length === 1);
  assert.equal(reads, 1, 'trace.allowedOrigins read once, at construction');
  es.close();

  const options = { fetch: recordingFetch };
  const traced = createTracedFetch(options);
  options.fetch = 'not a function any more';
  traced('https://example.test/api');
  await until(() => requests.some((r) => r.url === 'https://example.test/api'));
});

test('callbacks that throw are reported, never thrown into the app; sources and exports keep working', async () => {
  const reported = [];
  const realReportError = globalThis.reportError;
  globalThis.reportError = (e) => reported.push(e.message);
  try {
    const posts = [];
    const exporter = createExporter({
      endpoint: ENDPOINT, scheduledDelayMs: 0,
      headers: () => { throw new Error('exporter headers threw'); },
      onError: () => { throw new Error('onError threw'); },
      fetch: async (url, init) => {
        posts.push(init);
        return new Response('', { status: posts.length === 1 ? 503 : 200 });  // one failure: onError is called
      },
    });
    const traced = createTracedFetch({
      exporter, fetch: async () => new Response('ok'),
      onSpan: () => { throw new Error('onSpan threw'); },
      allowedOrigins: () => { throw new Error('predicate threw'); },
    });
    const response = await traced('https://api.example.test/x');
    assert.equal(await response.text(), 'ok');

    const s = streamResponse({ url: URL_A });
    const { fetch } = scriptedFetch([() => s.response]);
    const diagnostics = () => { throw new Error('diagnostics threw'); };
    const es = new TracedEventSource(URL_A, { fetch, exporter, diagnostics });
    const log = record(es);
    await until(() => log.length === 1);
    s.send('data: still delivered\n\n');
    await until(() => log.length === 2);
    assert.equal(log[1].data, 'still delivered');
    es.close();
    await exporter.forceFlush();
    await until(() => posts.length >= 2, 5000);
    assert.equal(posts[0].headers.get('content-type'), 'application/json', 'exported without the throwing headers');
    for (const message of ['onSpan threw', 'diagnostics threw', 'exporter headers threw', 'onError threw']) {
      assert.ok(reported.includes(message), `${message} was reported (${reported.join('; ')})`);
    }
    assert.ok(!reported.includes('predicate threw'), 'a throwing allowedOrigins predicate means "not allowed"');
    await exporter.shutdown();
  } finally {
    globalThis.reportError = realReportError;
  }
});

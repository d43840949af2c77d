// TracedEventSource in Node: the Wasm build through the JS shell, with a scripted fetch().
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TracedEventSource } from '../../js-glue/index.js';
import { record, scriptedFetch, streamResponse, until } from './fake-fetch.mjs';

const URL_A = 'https://example.test/stream';
// Only the state changes: 'connect' records (one per attempt, with its trace) are tested on their own.
const stateChanges = (diagnostics) => diagnostics.filter((d) => d.kind !== 'connect');

test('open, messages, named events, ids and origin as EventSource reports them', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch });
  assert.equal(es.readyState, TracedEventSource.CONNECTING);
  const log = record(es, ['tick']);
  await until(() => requests.length === 1);
  assert.equal(requests[0].init.method, 'GET');
  assert.equal(requests[0].init.cache, 'no-store');
  assert.equal(requests[0].init.credentials, 'same-origin');
  assert.equal(requests[0].headers.get('accept'), 'text/event-stream');
  assert.equal(requests[0].headers.get('last-event-id'), null);
  s.send('id: 1\ndata: hello\n\nevent: tick\ndata: a\ndata: b\n\n');
  await until(() => log.length === 3);
  assert.deepEqual(log, [
    { type: 'open', readyState: 1 },
    { type: 'message', data: 'hello', lastEventId: '1', origin: 'https://example.test', readyState: 1 },
    { type: 'tick', data: 'a\nb', lastEventId: '1', origin: 'https://example.test', readyState: 1 },
  ]);
  assert.equal(es.lastEventId, '1');
  es.close();
  assert.equal(es.readyState, TracedEventSource.CLOSED);
  assert.equal(requests[0].signal.aborted, true);
});

test('graceful end: error with CONNECTING, reconnect after retry with Last-Event-ID, to the redirected URL', async () => {
  const first = streamResponse({ url: 'https://example.test/moved' });
  const second = streamResponse({ url: 'https://example.test/moved' });
  const { fetch, requests } = scriptedFetch([() => first.response, () => second.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, diagnostics: (d) => diagnostics.push(d) });
  const log = record(es);
  await until(() => requests.length === 1);
  first.send('retry: 20\nid: 41\ndata: x\n\nid: 42\n\n');
  first.end();
  await until(() => requests.length === 2);
  assert.equal(requests[1].url, 'https://example.test/moved');
  assert.equal(requests[1].headers.get('last-event-id'), '42');
  assert.deepEqual(log.slice(0, 3).map((e) => [e.type, e.readyState]), [['open', 1], ['message', 1], ['error', 0]]);
  const [opened, reconnect] = stateChanges(diagnostics);
  assert.equal(opened.kind, 'open');
  assert.deepEqual([reconnect.kind, reconnect.closeType, reconnect.reason], ['reconnect', 'graceful', 'retry']);
  assert.ok(reconnect.delayMs >= 20 && reconnect.delayMs <= 22, `retry 20 plus at most 10 %: ${reconnect.delayMs}`);
  es.close();
});

test('204, 500 and a wrong content type close the source for good with one error', async (t) => {
  for (const [status, contentType, closeType] of [
    [204, 'text/event-stream', 'http-status'], [500, 'text/event-stream', 'http-status'],
    [200, 'text/plain', 'content-type'], [200, 'text/event-stream; charset=latin1', 'content-type']]) {
    await t.test(`${status} ${contentType}`, async () => {
      const s = streamResponse({ status, contentType, url: URL_A });
      const { fetch, requests } = scriptedFetch([() => s.response]);
      const diagnostics = [];
      const es = new TracedEventSource(URL_A, { fetch, diagnostics: (d) => diagnostics.push(d) });
      const log = record(es);
      await until(() => log.length === 1);
      assert.deepEqual(log, [{ type: 'error', readyState: 2 }]);
      assert.equal(es.readyState, 2);
      assert.equal(requests[0].signal.aborted, true);
      assert.equal(diagnostics.at(-1).closeType, closeType);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(requests.length, 1);
    });
  }
});

test('a network error before or during the response reconnects', async () => {
  const mid = streamResponse({ url: URL_A });
  const last = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([
    () => { throw new TypeError('Failed to fetch'); }, () => mid.response, () => last.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, retryMs: 5, diagnostics: (d) => diagnostics.push(d) });
  await until(() => requests.length === 2);
  mid.send('data: partial');
  mid.fail();
  await until(() => requests.length === 3);
  assert.deepEqual(diagnostics.filter((d) => d.kind === 'reconnect').map((d) => d.closeType), ['network', 'network']);
  es.close();
});

test('close() from a listener stops dispatch at once, even mid-chunk, and no reconnect follows', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch, retryMs: 1 });
  const seen = [];
  es.onmessage = (e) => { seen.push(e.data); if (e.data === '2') es.close(); };
  es.onerror = () => seen.push('error');
  await until(() => requests.length === 1);
  s.send('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  await until(() => seen.length >= 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['1', '2']);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].signal.aborted, true);
  es.close();  // idempotent
});

test('close() while waiting to reconnect cancels the timer', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch, retryMs: 10 });
  await until(() => requests.length === 1);
  s.end();
  await until(() => es.readyState === 0 && requests[0].response);
  es.close();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(requests.length, 1);
});

test('close() before the Wasm is ready means no request at all', async () => {
  const { fetch, requests } = scriptedFetch([]);
  const es = new TracedEventSource(URL_A, { fetch });
  es.close();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(requests.length, 0);
  assert.equal(es.readyState, 2);
});

test('app headers: an object or a function called per attempt; Accept and Last-Event-ID are set, never appended', async () => {
  const a = streamResponse({ url: URL_A });
  const b = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => a.response, () => b.response]);
  let calls = 0;
  const es = new TracedEventSource(URL_A, {
    fetch, retryMs: 1,
    headers: () => ({ Authorization: `Bearer ${++calls}`, accept: 'text/html', 'last-event-id': 'spoofed' }),
  });
  await until(() => requests.length === 1);
  assert.equal(requests[0].headers.get('authorization'), 'Bearer 1');
  assert.equal(requests[0].headers.get('accept'), 'text/event-stream');
  assert.equal(requests[0].headers.get('last-event-id'), null);
  a.send('id: é€😀\ndata: x\n\n');
  a.end();
  await until(() => requests.length === 2);
  assert.equal(requests[1].headers.get('authorization'), 'Bearer 2');
  // Header values are byte strings: the UTF-8 bytes of the id, one char per byte, as browsers send it.
  const bytes = Uint8Array.from(requests[1].headers.get('last-event-id'), (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(bytes), 'é€😀');
  es.close();
});

test('a headers() callback that throws is reported and retried, not thrown into the app', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  let calls = 0;
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, {
    fetch, retryMs: 1, diagnostics: (d) => diagnostics.push(d),
    headers: () => { if (++calls === 1) throw new Error('token not ready'); return { 'x-ok': '1' }; },
  });
  await until(() => requests.length === 1);
  assert.equal(requests[0].headers.get('x-ok'), '1');
  assert.match(stateChanges(diagnostics)[0].message, /token not ready/);
  es.close();
});

test('withCredentials maps to credentials: include', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch, withCredentials: 1 });
  assert.equal(es.withCredentials, true);
  await until(() => requests.length === 1);
  assert.equal(requests[0].init.credentials, 'include');
  es.close();
});

test('constructor: URL conversion and resolution, SyntaxError for an invalid URL, constants', () => {
  assert.throws(() => new TracedEventSource('http://[bad'), (e) => e instanceof DOMException && e.name === 'SyntaxError');
  assert.throws(() => new TracedEventSource('relative/without/base'), { name: 'SyntaxError' });
  const es = new TracedEventSource(new URL('https://example.test/a?b#c'), { fetch: async () => new Promise(() => {}) });
  assert.equal(es.url, 'https://example.test/a?b#c');
  es.close();
  const fromObject = new TracedEventSource({ toString: () => 'https://example.test/o' }, { fetch: async () => new Promise(() => {}) });
  assert.equal(fromObject.url, 'https://example.test/o');
  fromObject.close();
  assert.deepEqual([TracedEventSource.CONNECTING, TracedEventSource.OPEN, TracedEventSource.CLOSED], [0, 1, 2]);
  assert.deepEqual([es.CONNECTING, es.OPEN, es.CLOSED], [0, 1, 2]);
});

test('options are validated at construction with a TypeError naming the option', () => {
  const bad = [
    [{ retryMs: -1 }, /retryMs/], [{ retryMs: 1.5 }, /retryMs/], [{ retryMs: '100' }, /retryMs/],
    [{ maxEventBytes: 0 }, /maxEventBytes/], [{ maxEventBytes: Infinity }, /maxEventBytes/],
    [{ diagnostics: 'yes' }, /diagnostics/], [{ fetch: 42 }, /fetch/], [{ headers: 'x' }, /headers/],
  ];
  for (const [init, message] of bad) {
    assert.throws(() => new TracedEventSource(URL_A, init), (e) => e instanceof TypeError && message.test(e.message));
  }
  assert.throws(() => new TracedEventSource(URL_A, 5), TypeError);
});

test('onopen/onmessage/onerror behave as event handler attributes', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch });
  const order = [];
  es.onmessage = () => order.push('first handler');
  es.addEventListener('message', () => order.push('listener'));
  es.onmessage = () => order.push('second handler');  // keeps its place before the listener
  assert.equal(typeof es.onmessage, 'function');
  es.onerror = 'not a function';
  assert.equal(es.onerror, null);
  await until(() => requests.length === 1);
  s.send('data: 1\n\n');
  await until(() => order.length === 2);
  es.onmessage = null;
  s.send('data: 2\n\n');
  await until(() => order.length === 3);
  assert.deepEqual(order, ['second handler', 'listener', 'listener']);
  es.close();
});

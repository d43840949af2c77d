// Hostile and broken streams: each ends in a clear error and a reconnecting or correct source, with Wasm
// memory bounded by the cap — never a crash, a hang, or unbounded growth.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TracedEventSource } from '../../js-glue/index.js';
import { loadCore } from '../../js-glue/core-loader.js';
import { pulledResponse, record, scriptedFetch, streamResponse, until } from './fake-fetch.mjs';

const URL_A = 'https://example.test/stream';
const MiB = 1024 * 1024;

// Sends `total` bytes of `fill` in 1 MiB chunks, counting what was actually pulled.
function filler(total, fill) {
  const chunk = new Uint8Array(MiB).fill(fill);
  const state = { sent: 0 };
  state.next = () => {
    if (state.sent >= total) return null;
    state.sent += chunk.length;
    return chunk;
  };
  return state;
}

test('a 100 MiB line without a newline ends in a stream-cap error and a reconnect, memory bounded', async () => {
  const core = await loadCore();
  const before = core.HEAPU8.length;
  const body = filler(100 * MiB, 0x61);  // "aaaa…"
  const next = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => pulledResponse(body.next, { url: URL_A }), () => next.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, retryMs: 1, diagnostics: (d) => diagnostics.push(d) });
  const log = record(es);
  await until(() => requests.length === 2, 20000);
  assert.deepEqual(log.slice(0, 2).map((e) => [e.type, e.readyState]), [['open', 1], ['error', 0]]);
  const reconnect = diagnostics.find((d) => d.kind === 'reconnect');
  assert.equal(reconnect.closeType, 'stream-cap');
  // It stopped reading shortly after the 16 MiB cap, not at 100 MiB.
  assert.ok(body.sent <= 18 * MiB, `pulled ${body.sent / MiB} MiB`);
  const grown = core.HEAPU8.length - before;
  assert.ok(grown <= 48 * MiB, `Wasm memory grew by ${grown / MiB} MiB`);
  es.close();
});

test('data lines forever without a blank line hit the cap instead of growing the event', async () => {
  const line = new TextEncoder().encode(`data: ${'x'.repeat(1000)}\n`);
  let sent = 0;
  const endless = () => { sent += line.length; return line; };
  const next = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => pulledResponse(endless, { url: URL_A }), () => next.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, {
    fetch, retryMs: 1, maxEventBytes: 256 * 1024, diagnostics: (d) => diagnostics.push(d) });
  await until(() => requests.length === 2, 10000);
  assert.equal(diagnostics.find((d) => d.kind === 'reconnect').closeType, 'stream-cap');
  assert.ok(sent < 300 * 1024, `read ${sent} bytes before giving up`);
  es.close();
});

test('comment heartbeats forever are fine: no cap error, events still flow', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, maxEventBytes: 1024, diagnostics: (d) => diagnostics.push(d) });
  const log = record(es);
  await until(() => requests.length === 1);
  for (let i = 0; i < 2000; i++) s.send(': heartbeat\n');
  s.send('data: alive\n\n');
  await until(() => log.length === 2);
  assert.equal(log[1].data, 'alive');
  assert.deepEqual(diagnostics.map((d) => d.kind), ['connect', 'open']);
  es.close();
});

test('invalid UTF-8 decodes to U+FFFD; a code point split across chunks decodes whole', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch });
  const log = record(es, ['\uFFFDtype']);
  await until(() => requests.length === 1);
  s.send(Uint8Array.from([...Buffer.from('data: a'), 0xff, 0x80, 0xc0, 0xaf, ...Buffer.from('b\n\n')]));
  s.send(Uint8Array.from([...Buffer.from('data: '), 0xf0, 0x9f]));
  s.send(Uint8Array.from([0x98, 0x80, ...Buffer.from('\n\n')]));
  s.send(Uint8Array.from([...Buffer.from('event: '), 0xfe, ...Buffer.from('type\ndata: t\n\n')]));
  s.send(Uint8Array.from([...Buffer.from('data: '), 0xef, 0xbb, 0xbf, ...Buffer.from('bom kept\n\n')]));
  await until(() => log.length === 5);
  assert.deepEqual(log.slice(1).map((e) => [e.type, e.data]), [
    ['message', 'a\uFFFD\uFFFD\uFFFD\uFFFDb'],
    ['message', '😀'],
    ['\uFFFDtype', 't'],
    ['message', '\uFEFFbom kept'],  // only the stream's first BOM is special
  ]);
  es.close();
});

test('an id containing NUL is ignored, as WHATWG says', async () => {
  const s = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => s.response]);
  const es = new TracedEventSource(URL_A, { fetch });
  const log = record(es);
  await until(() => requests.length === 1);
  s.send('id: good\ndata: 1\n\nid: ba\0d\ndata: 2\n\n');
  await until(() => log.length === 3);
  assert.deepEqual(log.slice(1).map((e) => e.lastEventId), ['good', 'good']);
  es.close();
});

test('thousands of sources constructed and closed leave the Wasm heap where it was', async () => {
  const core = await loadCore();
  const never = async () => new Promise(() => {});
  // Warm up allocator pools first, then measure.
  for (let i = 0; i < 200; i++) new TracedEventSource(URL_A, { fetch: never }).close();
  await new Promise((r) => setTimeout(r, 10));
  const before = core.HEAPU8.length;
  const sources = [];
  for (let i = 0; i < 5000; i++) sources.push(new TracedEventSource(URL_A, { fetch: never }));
  await new Promise((r) => setTimeout(r, 50));  // all started: each holds a core connection
  for (const es of sources) es.close();
  for (let i = 0; i < 5000; i++) new TracedEventSource(URL_A, { fetch: never }).close();
  await new Promise((r) => setTimeout(r, 50));
  // Memory never shrinks, but a leak of 5,000 connections would have grown it again in the second round.
  const afterFirst = core.HEAPU8.length;
  for (let i = 0; i < 5000; i++) sources[i] = new TracedEventSource(URL_A, { fetch: never });
  await new Promise((r) => setTimeout(r, 50));
  for (const es of sources) es.close();
  assert.equal(core.HEAPU8.length, afterFirst, `heap grew from ${before} to ${afterFirst} then ${core.HEAPU8.length}`);
});

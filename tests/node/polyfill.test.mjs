// The opt-in polyfill entry replaces globalThis.EventSource and keeps the native class reachable.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('importing the polyfill makes EventSource a TracedEventSource, once', async () => {
  class FakeNative {}
  globalThis.EventSource = FakeNative;
  const { TracedEventSource } = await import('../../js-glue/index.js');
  await import('../../js-glue/polyfill.js');
  assert.equal(globalThis.EventSource, TracedEventSource);
  assert.equal(globalThis.NativeEventSource, FakeNative);
  const es = new EventSource('https://example.test/x', { fetch: () => new Promise(() => {}) });
  assert.ok(es instanceof TracedEventSource);
  assert.equal(es.readyState, EventSource.CONNECTING);
  es.close();
});

// The reconnect policy seen through the JS shell (issue 4): options reach the core, Retry-After and
// X-SSE-Resume-Supported are read from the response, diagnostics carry close type, reason and delay, stats()
// counts attempts by close type. Timing rules themselves are the core's (tests/core/test_reconnect_policy.cpp);
// real-browser timings and offline/online are in e2e/reconnect.spec.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TracedEventSource } from '../../js-glue/index.js';
import { scriptedFetch, streamResponse, until, record } from './fake-fetch.mjs';

const URL_A = 'https://api.example.test/stream';

test('bad reconnect options throw a TypeError naming the option', () => {
  for (const [init, name] of [
    [{ maxRetryDelayMs: -1 }, 'maxRetryDelayMs'], [{ maxRetryDelayMs: 1.5 }, 'maxRetryDelayMs'],
    [{ maxRetries: -1 }, 'maxRetries'], [{ maxRetries: '3' }, 'maxRetries'], [{ maxRetries: NaN }, 'maxRetries'],
    [{ idleTimeoutMs: '5s' }, 'idleTimeoutMs'], [{ maxRetryAfterMs: Infinity }, 'maxRetryAfterMs'],
    [{ retryStatuses: 503 }, 'retryStatuses'], [{ retryStatuses: [503, 200] }, 'retryStatuses'],
    [{ retryStatuses: [503.5] }, 'retryStatuses'], [{ strict: 'yes' }, 'strict'], [{ strict: 1 }, 'strict'],
    [{ eventSpanRatio: 2 }, 'eventSpanRatio'], [{ eventSpanRatio: '0.5' }, 'eventSpanRatio'],
  ]) {
    assert.throws(() => new TracedEventSource(URL_A, { fetch: async () => { throw new Error('unused'); }, ...init }),
      (e) => e instanceof TypeError && e.message.includes(`'${name}'`), JSON.stringify(init));
  }
  // Infinity is the documented "no limit" for maxRetries.
  new TracedEventSource(URL_A, { fetch: async () => new Promise(() => {}), maxRetries: Infinity }).close();
});

test('503 with Retry-After: the delay follows the header, reason retry-after; error dispatched with CONNECTING', async () => {
  const first = streamResponse({ status: 503, contentType: 'text/plain', url: URL_A, headers: { 'retry-after': '0' } });
  const second = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => first.response, () => second.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, trace: false, retryMs: 60_000, diagnostics: (d) => diagnostics.push(d) });
  const log = record(es);
  await until(() => requests.length === 2);
  const reconnect = diagnostics.find((d) => d.kind === 'reconnect');
  assert.deepEqual([reconnect.closeType, reconnect.status, reconnect.reason, reconnect.delayMs], ['http-status', 503, 'retry-after', 0]);
  assert.match(reconnect.message, /reconnecting in 0 ms \(retry-after\)/);
  assert.deepEqual(log[0], { type: 'error', readyState: 0 });
  es.close();
});

test('a status outside retryStatuses closes; one inside backs off', async () => {
  const a = streamResponse({ status: 500, contentType: 'text/plain', url: URL_A });
  const { fetch, requests } = scriptedFetch([() => a.response, () => streamResponse({ url: URL_A }).response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, trace: false, retryMs: 1, retryStatuses: [500],
    diagnostics: (d) => diagnostics.push(d) });
  await until(() => requests.length === 2);
  assert.equal(diagnostics.find((d) => d.kind === 'reconnect').reason, 'backoff');
  es.close();

  const b = streamResponse({ status: 503, contentType: 'text/plain', url: URL_A });
  const two = scriptedFetch([() => b.response]);
  const closed = [];
  const es2 = new TracedEventSource(URL_A, { fetch: two.fetch, trace: false, retryStatuses: [],
    diagnostics: (d) => closed.push(d) });
  await until(() => es2.readyState === 2);
  assert.deepEqual(closed.filter((d) => d.kind === 'closed').map((d) => [d.closeType, d.status, d.reason]),
    [['http-status', 503, 'fatal']]);
});

test('maxRetries: gives up with reason max-retries; stats() counts attempts by close type, also after closing', async () => {
  const fail = () => { throw new TypeError('refused'); };
  const { fetch, requests } = scriptedFetch([fail, fail, fail, fail]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, trace: false, retryMs: 1, maxRetries: 2,
    diagnostics: (d) => diagnostics.push(d) });
  const log = record(es);
  await until(() => es.readyState === 2);
  assert.equal(requests.length, 3);
  const closed = diagnostics.at(-1);
  assert.deepEqual([closed.kind, closed.closeType, closed.reason, closed.attempt], ['closed', 'network', 'max-retries', 3]);
  assert.match(closed.message, /retries exhausted/);
  assert.deepEqual(log.map((e) => `${e.type} ${e.readyState}`), ['error 0', 'error 0', 'error 2']);
  const stats = es.stats();
  assert.equal(stats.attempts, 3);
  assert.equal(stats.closes.network, 3);
  assert.equal(stats.closes.graceful, 0);
  assert.deepEqual(Object.keys(stats.closes), ['graceful', 'network', 'http-status', 'content-type', 'cors',
    'stream-cap', 'app-close', 'idle-timeout']);
  stats.closes.network = 99;
  assert.equal(es.stats().closes.network, 3, 'stats() returns a copy');
});

test('idleTimeoutMs: a silent stream is aborted and reconnected; heartbeats keep it alive', async () => {
  const silent = streamResponse({ url: URL_A });
  const chatty = streamResponse({ url: URL_A });
  const { fetch, requests } = scriptedFetch([() => silent.response, () => chatty.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, trace: false, retryMs: 1, idleTimeoutMs: 60,
    diagnostics: (d) => diagnostics.push(d) });
  await until(() => requests.length === 2);
  assert.equal(requests[0].signal.aborted, true, 'the silent attempt was aborted');
  assert.equal(diagnostics.find((d) => d.kind === 'reconnect').closeType, 'idle-timeout');
  const beat = setInterval(() => chatty.send(': heartbeat\n'), 10);
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(beat);
  assert.equal(requests.length, 2, 'heartbeats every 10 ms keep a 60 ms idle timeout from firing');
  assert.equal(es.stats().closes['idle-timeout'], 1);
  es.close();
  assert.equal(es.stats().closes['app-close'], 1);
});

test('X-SSE-Resume-Supported: false is reported on the open diagnostic', async () => {
  const s = streamResponse({ url: URL_A, headers: { 'X-SSE-Resume-Supported': ' False ' } });
  const { fetch } = scriptedFetch([() => s.response]);
  const diagnostics = [];
  const es = new TracedEventSource(URL_A, { fetch, trace: false, diagnostics: (d) => diagnostics.push(d) });
  await until(() => diagnostics.some((d) => d.kind === 'open'));
  const open = diagnostics.find((d) => d.kind === 'open');
  assert.equal(open.resumeSupported, false);
  assert.match(open.message, /cannot resume/);
  es.close();
});

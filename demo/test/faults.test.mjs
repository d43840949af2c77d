// Every fault kind, observed from a raw HTTP client against an in-process server (small timings via options).
//   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import { hugePayload, parseFaultParams } from '../lib/faults.mjs';
import { openStream, request, sleep, startDemo, until } from './helpers.mjs';

const HEARTBEAT_MS = 50;
const DRIP_MS = 20;

async function setup(t, opts = {}) {
  const demo = await startDemo({ hub: { heartbeatMs: HEARTBEAT_MS, dripIntervalMs: DRIP_MS }, ...opts });
  t.after(demo.stop);
  const inject = (kind, body) => request(`${demo.url}/api/faults/${kind}`, { method: 'POST', body });
  /** Opens a /feed stream and waits until its first live block arrived (the stream is really flowing). */
  const open = async (path = '/feed', headers = {}) => {
    const s = await openStream(`${demo.url}${path}`, headers).opened;
    await until(() => s.blocks().length >= 2, 'the first blocks of the stream');
    return s;
  };
  return { ...demo, inject, open };
}

test('faults: drop destroys every open stream abruptly', async (t) => {
  const { inject, open, demo } = await setup(t);
  const [a, b] = [await open('/feed'), await open('/feed-noresume')];
  const r = await inject('drop');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { kind: 'drop', affected: 2, armed: false });
  assert.equal(await a.ended, 'error');
  assert.equal(await b.ended, 'error');
  assert.deepEqual(demo.hub.recent.slice(0, 2).map((c) => c.end), ['dropped', 'dropped']);
});

test('faults: close ends every open stream gracefully', async (t) => {
  const { inject, open } = await setup(t);
  const s = await open();
  const r = await inject('close', {});
  assert.deepEqual(r.body, { kind: 'close', affected: 1, armed: false });
  assert.equal(await s.ended, 'end');
  assert.match(s.text, /^retry: 2000\n\n/);
});

test('faults: 503 ends streams, then answers the next `count` attempts with 503 + Retry-After', async (t) => {
  const { inject, open, url, demo } = await setup(t);
  const s = await open();
  const r = await inject('503', { count: 2, retryAfterSeconds: 7 });
  assert.deepEqual(r.body, { kind: '503', affected: 1, armed: true, count: 2, retryAfterSeconds: 7 });
  assert.equal(await s.ended, 'end');
  assert.deepEqual((await request(`${url}/api/faults`)).body.armed, [{ kind: '503', remaining: 2, retryAfterSeconds: 7 }]);

  for (let i = 0; i < 2; i++) {
    const refused = await openStream(`${url}/feed`).opened;
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '7');
    assert.equal(await refused.ended, 'end');
  }
  assert.deepEqual((await request(`${url}/api/faults`)).body.armed, []);
  const back = await open();
  assert.equal(back.status, 200);
  back.close();
  await until(() => demo.hub.clients.size === 0, 'the server to see the client go');

  // Defaults: one attempt, Retry-After 3.
  assert.deepEqual((await inject('503')).body, { kind: '503', affected: 0, armed: true, count: 1, retryAfterSeconds: 3 });
  assert.equal((await openStream(`${url}/feed`).opened).headers['retry-after'], '3');
});

test('faults: 204 ends streams, then answers the next attempt with 204 No Content', async (t) => {
  const { inject, open, url } = await setup(t);
  const s = await open();
  assert.deepEqual((await inject('204')).body, { kind: '204', affected: 1, armed: true });
  assert.equal(await s.ended, 'end');
  const refused = await openStream(`${url}/feed`).opened;
  assert.equal(refused.status, 204);
  assert.equal(await refused.ended, 'end');
  assert.equal(refused.text, '');
  const back = await open();
  assert.equal(back.status, 200);
  back.close();
});

test('faults: stall sends nothing at all for stallMs (no heartbeats either), then ends the stream', async (t) => {
  const { inject, open, url } = await setup(t);
  const s = await open();
  const stallMs = 400;
  const r = await inject('stall', { stallMs });
  const injectedAt = Date.now();
  assert.equal(r.body.affected, 1);
  assert.ok(r.body.untilMs >= injectedAt + stallMs - 50);
  // Bytes written just before the fault may still be on their way on this other socket: allow a short margin.
  const afterStall = () => s.chunks.filter((c) => c.at > injectedAt + 30);
  const active = (await request(`${url}/api/faults`)).body.active;
  assert.deepEqual(active.map((a) => a.kind), ['stall']);

  assert.equal(await s.ended, 'end');
  const endedAfter = Date.now() - injectedAt;
  assert.ok(endedAfter >= stallMs - 50, `ended after ${endedAfter} ms`);
  // Heartbeats every 50 ms and ~15 events a second would have arrived; nothing did (the chunk that ended the
  // body is the only one allowed, and it carries no data).
  assert.deepEqual(afterStall(), [], 'chunks during the stall');

  // A new connection is not stalled.
  const fresh = await open();
  fresh.close();
  await sleep(stallMs);
  assert.deepEqual((await request(`${url}/api/faults`)).body.active, [], 'the stall is over');
});

test('faults: huge sends one event of exactly `bytes` of JSON data, then the stream goes on', async (t) => {
  const { inject, open } = await setup(t);
  const s = await open();
  const bytes = 300_000; // larger than the socket's buffers, so it really is written past the buffer bound
  assert.deepEqual((await inject('huge', { bytes })).body, { kind: 'huge', affected: 1, armed: false, bytes });
  const huge = await until(() => s.events().find((b) => b.startsWith('event: huge\n')), 'the huge event');
  const data = huge.slice('event: huge\ndata: '.length);
  assert.equal(Buffer.byteLength(data), bytes);
  assert.equal(JSON.parse(data).kind, 'huge');
  const afterHuge = () => s.events().slice(s.events().indexOf(huge) + 1);
  await until(() => afterHuge().some((b) => /^id: \d+\nevent: score\n/.test(b)), 'score events after the huge one');
  assert.equal(s.events().filter((b) => b.startsWith('event: huge')).length, 1);
  s.close();

  for (const n of [64, 262_144, 4 * 1024 * 1024]) assert.equal(JSON.stringify(hugePayload(n)).length, n);
});

test('faults: drip delivers the output one byte at a time for durationMs, then writes normally', async (t) => {
  const { inject, open } = await setup(t);
  const s = await open();
  const durationMs = 600;
  const r = await inject('drip', { durationMs });
  const injectedAt = Date.now();
  assert.equal(r.body.affected, 1);
  await sleep(durationMs + 100);

  // (A margin at the start: bytes written just before the fault may still be on their way on this other socket.)
  const during = s.chunks.filter((c) => c.at > injectedAt + 30 && c.at < injectedAt + durationMs - 20);
  assert.ok(during.length >= 10, `${during.length} chunks while dripping`);
  assert.ok(during.every((c) => c.bytes === 1), `chunk sizes while dripping: ${during.map((c) => c.bytes)}`);
  const span = during.at(-1).at - during[0].at;
  assert.ok(span >= durationMs / 2, `the bytes arrived spread over ${span} ms`);

  // Afterwards: the backlog at once, then whole events again; every event arrived intact and in order.
  const ids = () => s.events().filter((b) => b.startsWith('id:')).map((b) => Number(/^id: (\d+)/.exec(b)[1]));
  const seen = ids().length;
  await until(() => ids().length > seen + 2, 'normal events after the drip');
  const all = ids();
  assert.ok(all.every((id, i) => i === 0 || id === all[i - 1] + 1), 'no event lost or torn');
  assert.ok(s.chunks.slice(-3).some((c) => c.bytes > 1));
  s.close();
});

test('faults: a client that cannot keep up with the drip is dropped (the drip buffer is bounded)', async (t) => {
  const { inject, open, demo } = await setup(t, { hub: { heartbeatMs: HEARTBEAT_MS, dripIntervalMs: 1000, maxDripBytes: 512 } });
  const s = await open();
  await inject('drip', { durationMs: 60_000 });
  assert.equal(await s.ended, 'error');
  assert.equal(demo.hub.recent[0].end, 'overflow');
  assert.deepEqual(demo.hub.recent[0].faults, ['drip']);
});

test('faults: unknown kinds are 404, bad bodies 400; /__test/drop goes through the same code', async (t) => {
  const { inject, url, open } = await setup(t, { testHooks: true });
  assert.equal((await inject('explode')).status, 404);
  assert.equal((await request(`${url}/api/faults/explode`, { method: 'POST', body: 'not json' })).status, 404, 'kind first');
  const bad = [
    ['503', 'not json', /not valid JSON/],
    ['503', '[1]', /JSON object/],
    ['503', { count: 0 }, /count must be an integer 1…20/],
    ['503', { count: 21 }, /count/],
    ['503', { retryAfterSeconds: 121 }, /retryAfterSeconds/],
    ['503', { count: '2' }, /count/],
    ['stall', { stallMs: 120_001 }, /stallMs/],
    ['huge', { bytes: 4 * 1024 * 1024 + 1 }, /bytes/],
    ['drip', { durationMs: 60_001 }, /durationMs/],
    ['drop', { count: 1 }, /takes no parameters/],
  ];
  for (const [kind, body, message] of bad) {
    const r = await inject(kind, body);
    assert.equal(r.status, 400, `${kind} ${JSON.stringify(body)}`);
    assert.match(r.body.error, message);
  }
  assert.deepEqual((await request(`${url}/api/faults`)).body, { armed: [], active: [], injected: 0 });
  assert.equal((await request(`${url}/api/faults`, { method: 'PUT', body: {} })).status, 405);

  const s = await open();
  const hook = await request(`${url}/__test/drop`, { method: 'POST' });
  assert.deepEqual(hook.body, { dropped: 1 });
  assert.equal(await s.ended, 'error');

  assert.deepEqual(parseFaultParams('stall', {}), { stallMs: 15_000 });
  assert.deepEqual(parseFaultParams('drip', {}), { durationMs: 5_000 });
  assert.deepEqual(parseFaultParams('huge', {}), { bytes: 262_144 });
});

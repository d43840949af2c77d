// Unit tests of the demo server's pieces that decide what a client receives.   node --test demo/test/

import test from 'node:test';
import assert from 'node:assert/strict';
import { History } from '../lib/history.mjs';
import { Feed } from '../lib/feed.mjs';
import { resolveUnder } from '../lib/static.mjs';

const seqs = (events) => events?.map((e) => e.seq) ?? null;

test('history: resumes from any id between oldestSeq - 1 and headSeq, refuses outside', () => {
  const h = new History(5);
  assert.deepEqual(seqs(h.after(0)), []); // empty: nothing to replay, but resumable
  for (let s = 1; s <= 12; s++) h.push({ seq: s });
  assert.equal(h.oldestSeq, 8);
  assert.equal(h.size, 5);
  assert.equal(h.after(6), null); // seq 7 fell out of the ring
  assert.deepEqual(seqs(h.after(7)), [8, 9, 10, 11, 12]);
  assert.deepEqual(seqs(h.after(11)), [12]);
  assert.deepEqual(seqs(h.after(12)), []);
  assert.equal(h.after(13), null); // from the future: another server run
  assert.deepEqual(seqs(h.latest(3)), [10, 11, 12]);
  assert.deepEqual(seqs(h.latest(99)), [8, 9, 10, 11, 12]);
  assert.throws(() => h.push({ seq: 14 }), /expects seq 13/);
});

test('feed: same seed, same events; scores stay in [-1, 1]; every topic moves', () => {
  const run = (seed) => {
    const f = new Feed({ seed, historySize: 10 });
    return Array.from({ length: 2000 }, () => f.step()).map(({ seq, topic, score }) => ({ seq, topic, score }));
  };
  const a = run(7);
  assert.deepEqual(a, run(7));
  assert.notDeepEqual(a, run(8));
  assert.deepEqual(a.map((e) => e.seq), a.map((_, i) => i + 1));
  assert.ok(a.every((e) => e.score >= -1 && e.score <= 1));
  assert.equal(new Set(a.map((e) => e.topic)).size, 6);
});

test('feed: warm-up fills the history with past timestamps, then runs live', async () => {
  let now = 1_000_000;
  const f = new Feed({ warmupMs: 10_000, historySize: 1000, now: () => now });
  f.start();
  f.stop();
  const events = f.history.latest(1000);
  assert.ok(events.length > 10_000 / 500 * 6 - 6, `${events.length} events after 10 s of warm-up`);
  assert.ok(events.every((e, i) => e.ts >= 990_000 && e.ts <= now && (i === 0 || e.ts >= events[i - 1].ts)));
});

test('static: paths stay under the root', () => {
  const root = '/srv/public';
  assert.equal(resolveUnder(root, '/app.js'), '/srv/public/app.js');
  assert.equal(resolveUnder(root, '/lib/x.js'), '/srv/public/lib/x.js');
  for (const bad of ['/../secret', '/%2e%2e/secret', '/..%2fsecret', '/a/../../secret']) {
    const r = resolveUnder(root, bad);
    assert.ok(r === null || r.startsWith(root + '/'), `${bad} → ${r}`);
  }
  assert.equal(resolveUnder(root, '/%00'), null);
  assert.equal(resolveUnder(root, '/a%5c..%5csecret'), null);
  assert.equal(resolveUnder(root, '/%E0%A4%A'), null); // malformed escape
});

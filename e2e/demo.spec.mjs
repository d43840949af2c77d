// The demo dashboard (demo/) on the real package: live feed, counters, Close, and Last-Event-ID resume after
// the server drops the connection. Saves a screenshot to the test's output; with UPDATE_SCREENSHOT=1 it
// replaces demo/screenshot.png, the README picture (so a plain test run leaves the work tree clean).
//
//   npx playwright test e2e/demo.spec.mjs
//
// The config's webServer is the differential test server; this file starts `node demo/server.mjs` itself, on a
// port the OS picks (PORT=0), and reads the URL it prints.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README_SCREENSHOT = path.join(REPO, 'demo', 'screenshot.png');

/** @type {{ child: import('node:child_process').ChildProcess, url: string, output: () => string } | null} */
let demo = null;

function startDemoServer() {
  const child = spawn(process.execPath, ['demo/server.mjs'], {
    cwd: REPO,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DEMO_TEST_HOOKS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`demo server ${why}; its output:\n${output}`));
    };
    const timer = setTimeout(() => fail('printed no URL within 15 s'), 15_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = /traced-eventsource demo: (http:\/\/\S+?)\/?$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, url: m[1], output: () => output });
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`));
  });
}

async function stopDemoServer() {
  if (!demo) return;
  const { child } = demo;
  demo = null;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

test.beforeAll(async () => {
  demo = await startDemoServer();
});

test.afterAll(stopDemoServer);

test.use({ viewport: { width: 1440, height: 900 } });

const num = (text) => Number((text ?? '').replace(/[^\d]/g, ''));

/** Counters as shown, plus what the cards rendered, read in one go so they are consistent. */
const readDashboard = (page) =>
  page.evaluate(() => ({
    received: Number(document.getElementById('events-received').textContent.replace(/[^\d]/g, '')),
    lastEventId: document.getElementById('last-event-id').textContent,
    continuity: document.getElementById('continuity').textContent,
    cardUpdates: [...document.querySelectorAll('.topic')].reduce((n, c) => n + Number(c.dataset.updates), 0),
    seqs: [...window.dashboard.received],
  }));

/** Asserts that `seqs` run n, n+1, n+2, …, listing every break if not. */
function expectContiguous(seqs) {
  const breaks = [];
  for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1] + 1) breaks.push(`${seqs[i - 1]} → ${seqs[i]} at index ${i}`);
  expect(breaks, 'sequence numbers skipped or repeated').toEqual([]);
}

test('dashboard: live feed on TracedEventSource, counters rise, Close closes', async ({ page }) => {
  // Uncaught exceptions and console errors (a Content-Security-Policy violation is one) fail the test.
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${demo.url}/`);

  const state = page.locator('#state');
  await expect(state).toHaveText('OPEN');
  await expect(page.locator('.timeline .entry[data-kind="open"]')).toHaveCount(1);

  // At least 3 score events rendered, one card per topic, each event on exactly one card.
  await expect.poll(async () => (await readDashboard(page)).cardUpdates).toBeGreaterThanOrEqual(3);
  await expect(page.locator('.topic')).toHaveCount(6);
  const first = await readDashboard(page);
  expect(first.cardUpdates).toBe(first.received);
  expect(first.seqs.length).toBe(first.received);
  expect(first.lastEventId).toBe(String(first.seqs.at(-1)));

  // The counters keep rising while the feed runs.
  await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(first.received + 3);
  const later = await readDashboard(page);
  expect(num(later.lastEventId)).toBeGreaterThan(num(first.lastEventId));
  expect(later.continuity).toBe('no gaps');
  expectContiguous(later.seqs);

  // Close: CLOSED, a diagnostics record for it, and nothing dispatched afterwards.
  await page.locator('#close').click();
  await expect(state).toHaveText('CLOSED');
  await expect(page.locator('#connect')).toBeEnabled();
  await expect(page.locator('.timeline .entry[data-kind="closed"]').first()).toHaveAttribute('data-close-type', 'app-close');
  const atClose = await readDashboard(page);
  await page.waitForTimeout(1_000); // ~15 events' worth of feed
  expect((await readDashboard(page)).received).toBe(atClose.received);

  expect(errors).toEqual([]);
});

test('dashboard: a dropped connection resumes from Last-Event-ID with no seq skipped or repeated', async ({ page }) => {
  const feedRequests = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/feed') feedRequests.push(r.headers());
  });
  await page.goto(`${demo.url}/`);
  await expect(page.locator('#state')).toHaveText('OPEN');
  await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThanOrEqual(3);
  const beforeDrop = await readDashboard(page);

  const drop = await fetch(`${demo.url}/__test/drop`, { method: 'POST' });
  expect((await drop.json()).dropped).toBeGreaterThanOrEqual(1);

  // The package reports the drop as a network close and schedules a retry within the server's `retry: 2000`.
  const reconnect = page.locator('.timeline .entry[data-kind="reconnect"]');
  await expect(reconnect).toHaveCount(1);
  await expect(reconnect).toHaveAttribute('data-close-type', 'network');
  const waitS = Number(/([\d.]+) s/.exec(await reconnect.locator('.delay').textContent())[1]);
  expect(waitS).toBeLessThanOrEqual(2);
  await expect(page.locator('.timeline .entry[data-kind="open"]')).toHaveCount(2);
  await expect(page.locator('#state')).toHaveText('OPEN');
  await expect(page.locator('#reconnects')).toHaveText('1');

  // The reconnect carried the id of the last event the page had, and the server resumed right after it.
  expect(feedRequests.length).toBe(2);
  expect(feedRequests[0]['last-event-id']).toBeUndefined();
  const sent = feedRequests[1]['last-event-id'];
  expect(sent).toMatch(/^\d+$/);
  expect(Number(sent)).toBeGreaterThanOrEqual(num(beforeDrop.lastEventId));
  const stats = await (await fetch(`${demo.url}/api/stats`)).json();
  const resumed = stats.open.find((c) => c.path === '/feed' && c.lastEventId === sent);
  expect(resumed, `an open /feed connection that arrived with Last-Event-ID ${sent}`).toBeTruthy();
  expect(resumed.resume).toBe('replayed');
  expect(resumed.replayed).toBeGreaterThan(0); // events produced while the page was away came back

  // Let a few live events follow the replay, then check the whole run the page received.
  const afterOpen = (await readDashboard(page)).received;
  await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(afterOpen + 5);
  const end = await readDashboard(page);
  expectContiguous(end.seqs);
  expect(end.seqs).toContain(Number(sent));
  expect(end.seqs).toContain(Number(sent) + 1);
  expect(end.continuity).toBe('no gaps');
  expect(end.cardUpdates).toBe(end.received);

  const screenshot = process.env.UPDATE_SCREENSHOT === '1' ? README_SCREENSHOT : test.info().outputPath('dashboard.png');
  await page.screenshot({ path: screenshot });
});

test('demo server: an id it cannot resume from gets a gap notice; /feed-noresume says it never resumes', async () => {
  /** The first `n` SSE blocks of a response (heartbeat comments skipped), then the request is aborted. */
  async function firstBlocks(pathname, headers, n) {
    const ac = new AbortController();
    const res = await fetch(`${demo.url}${pathname}`, { headers, signal: ac.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const blocks = () => text.split('\n\n').slice(0, -1).filter((b) => !b.startsWith(':'));
    while (blocks().length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    ac.abort();
    return { res, blocks: blocks().slice(0, n) };
  }

  // Ids the history cannot answer: not a sequence number, and one from the future (another server run).
  // (An id that fell out of the ring takes the same path; demo/test/history.test.mjs covers that boundary.)
  const before = (await (await fetch(`${demo.url}/api/stats`)).json()).feed;
  for (const id of ['not-a-seq', String(before.headSeq + 100_000)]) {
    const gap = await firstBlocks('/feed', { 'Last-Event-ID': id }, 3);
    expect(gap.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(gap.res.headers.get('cache-control')).toBe('no-store');
    expect(gap.blocks[0]).toBe('retry: 2000');
    const m = /^id: (\d+)\nevent: gap\ndata: (.*)$/.exec(gap.blocks[1]);
    expect(m, gap.blocks[1]).toBeTruthy();
    expect(JSON.parse(m[2])).toMatchObject({ requested: id, resumedAfter: Number(m[1]) });
    // The gap moves the client's id to "now"; live events continue from there.
    expect(gap.blocks[2]).toMatch(new RegExp(`^id: ${Number(m[1]) + 1}\nevent: score\n`));
  }

  // An id /feed could resume from: /feed-noresume must not replay, only go on live.
  const { feed } = await (await fetch(`${demo.url}/api/stats`)).json();
  const noResume = await firstBlocks('/feed-noresume', { 'Last-Event-ID': String(feed.headSeq - 10) }, 2);
  expect(noResume.res.headers.get('x-sse-resume-supported')).toBe('false');
  expect(noResume.blocks[1]).toMatch(/^id: \d+\nevent: score\ndata: \{"seq":/);
  expect(Number(/^id: (\d+)/.exec(noResume.blocks[1])[1])).toBeGreaterThan(feed.headSeq);
});

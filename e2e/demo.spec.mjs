// The demo dashboard (demo/) on the real package, end to end: live feed and counters, every fault button and
// what the page then shows (close type, reconnect wait, counters), and the trace waterfall joining the browser's
// spans to the server's. Saves a screenshot of the whole dashboard to the test's output; with
// UPDATE_SCREENSHOT=1 it replaces demo/screenshot.png, the README picture (so a plain run leaves the tree clean).
//
//   npx playwright test e2e/demo.spec.mjs
//
// The config's webServer is the differential test server; this file starts `node demo/server.mjs` itself, on a
// port the OS picks (PORT=0), and reads the URL it prints. Everything is asserted on what the PAGE shows (its
// DOM), except the server-side checks that say where a number on the page came from.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README_SCREENSHOT = path.join(REPO, 'demo', 'screenshot.png');
const DASHBOARD_SERVICE = 'traced-eventsource-demo-dashboard';
const SERVER_SERVICE = 'traced-eventsource-demo-server';

/** @type {{ child: import('node:child_process').ChildProcess, url: string, output: () => string } | null} */
let demo = null;

function startDemoServer() {
  const child = spawn(process.execPath, ['demo/server.mjs'], {
    cwd: REPO,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DEMO_TEST_HOOKS: '1', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
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

const VIEWPORT = { width: 1440, height: 900 };
test.use({ viewport: VIEWPORT });

const num = (text) => Number((text ?? '').replace(/[^\d]/g, ''));

/** Counters as shown, plus what the cards rendered, read in one go so they are consistent. */
const readDashboard = (page) =>
  page.evaluate(() => ({
    received: Number(document.getElementById('events-received').textContent.replace(/[^\d]/g, '')),
    reconnects: Number(document.getElementById('reconnects').textContent.replace(/[^\d]/g, '')),
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

/**
 * Collects uncaught exceptions and console errors (a Content-Security-Policy violation is one). With
 * `expectedNetworkErrors`, Chromium's own "Failed to load resource" lines are left out: an injected fault makes
 * the browser log the broken or refused feed request it caused.
 */
function watchErrors(page, { expectedNetworkErrors = false } = {}) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expectedNetworkErrors && /^Failed to load resource: /.test(m.text())) return;
    errors.push(m.text());
  });
  return errors;
}

test('dashboard: live feed on TracedEventSource, counters rise, Close closes', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(`${demo.url}/`);

  const state = page.getByTestId('state');
  await expect(state).toHaveText('OPEN');
  await expect(page.locator('#timeline .entry[data-kind="open"]')).toHaveCount(1);

  // At least 3 score events rendered, one card per topic, each event on exactly one card.
  await expect.poll(async () => (await readDashboard(page)).cardUpdates).toBeGreaterThanOrEqual(3);
  await expect(page.locator('.topic')).toHaveCount(6);
  const first = await readDashboard(page);
  expect(first.cardUpdates).toBe(first.received);
  expect(first.seqs.length).toBe(first.received);
  expect(first.lastEventId).toBe(String(first.seqs.at(-1)));

  // The counters keep rising while the feed runs; the current trace is the attempt's, in both forms.
  await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(first.received + 3);
  const later = await readDashboard(page);
  expect(num(later.lastEventId)).toBeGreaterThan(num(first.lastEventId));
  expect(later.continuity).toBe('no gaps');
  expectContiguous(later.seqs);
  const traceId = await page.getByTestId('current-trace-id').textContent();
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  await expect(page.getByTestId('current-trace-xray')).toHaveText(`1-${traceId.slice(0, 8)}-${traceId.slice(8)}`);
  expect(traceId).toBe(await page.evaluate(() => window.dashboard.connects.at(-1).traceId));
  // The exporter ships the page's spans (the connect span at least) within its 1 s schedule.
  await expect.poll(async () => num(await page.locator('#spans-exported').textContent())).toBeGreaterThan(0);

  // Close: CLOSED, a diagnostics record for it, and nothing dispatched afterwards.
  await page.getByTestId('close').click();
  await expect(state).toHaveText('CLOSED');
  await expect(page.getByTestId('connect')).toBeEnabled();
  await expect(page.locator('#timeline .entry[data-kind="closed"]').first()).toHaveAttribute('data-close-type', 'app-close');
  const atClose = await readDashboard(page);
  await page.waitForTimeout(1_000); // ~15 events' worth of feed
  expect((await readDashboard(page)).received).toBe(atClose.received);

  expect(errors).toEqual([]);
});

test.describe('dashboard faults and traces, on one page', () => {
  test.describe.configure({ mode: 'serial' });

  /** @type {import('@playwright/test').Page} */
  let page;
  let errors;
  const feedRequests = [];

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage({ viewport: VIEWPORT });
    errors = watchErrors(page, { expectedNetworkErrors: true });
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/feed') feedRequests.push(r.headers());
    });
    await page.goto(`${demo.url}/`);
    await expect(page.getByTestId('state')).toHaveText('OPEN');
    await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThanOrEqual(3);
  });

  test.afterAll(async () => {
    await page?.close();
  });

  const reconnects = () => page.locator('#timeline .entry[data-kind="reconnect"]');
  const opens = () => page.locator('#timeline .entry[data-kind="open"]');
  const closeCount = (type) => page.locator(`#closes [data-close-type="${type}"] .n`);

  /** Clicks a fault button and waits for the server's answer to show. */
  async function inject(kind) {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/faults/${kind}` && r.request().method() === 'POST');
    await page.getByTestId(`fault-${kind}`).click();
    const res = await answered;
    expect(res.status(), `POST /api/faults/${kind}`).toBe(200);
    return res.json();
  }

  /** Waits until the page is OPEN again with one more `open` record than `opensBefore`. */
  async function expectReopened(opensBefore) {
    await expect(opens()).toHaveCount(opensBefore + 1, { timeout: 15_000 });
    await expect(page.getByTestId('state')).toHaveText('OPEN');
  }

  test('drop → close type network, a reconnect within retry, resumed from Last-Event-ID', async () => {
    const before = await readDashboard(page);
    const [reconnectsBefore, opensBefore, requestsBefore] = [await reconnects().count(), await opens().count(), feedRequests.length];
    const result = await inject('drop');
    expect(result).toMatchObject({ kind: 'drop' });
    expect(result.affected).toBeGreaterThanOrEqual(1);

    // The log, the "latest ends" chips, the strip and the counters all say: network, then a wait ≤ retry (2 s).
    await expect(reconnects()).toHaveCount(reconnectsBefore + 1);
    const entry = reconnects().first();
    await expect(entry).toHaveAttribute('data-close-type', 'network');
    expect(Number(await entry.getAttribute('data-delay-ms'))).toBeLessThanOrEqual(2000);
    await expect(page.locator('#ends .end').first()).toHaveAttribute('data-close-type', 'network');
    await expect(page.locator('#strip-track .seg[data-phase="waiting"][data-close-type="network"]')).not.toHaveCount(0);
    await expect(closeCount('network')).toHaveText('1');
    await expectReopened(opensBefore);
    await expect(page.locator('#reconnects')).toHaveText(String(before.reconnects + 1));

    // The reconnect carried the id of the last event the page had, and nothing was skipped or repeated.
    expect(feedRequests.length).toBe(requestsBefore + 1);
    const sent = feedRequests.at(-1)['last-event-id'];
    expect(Number(sent)).toBeGreaterThanOrEqual(num(before.lastEventId));
    const afterOpen = (await readDashboard(page)).received;
    await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(afterOpen + 5);
    const end = await readDashboard(page);
    expectContiguous(end.seqs);
    expect(end.seqs).toContain(Number(sent) + 1);
    expect(end.continuity).toBe('no gaps');
    expect(end.cardUpdates).toBe(end.received);
  });

  test('graceful close → close type graceful, wait about retry', async () => {
    const [reconnectsBefore, opensBefore] = [await reconnects().count(), await opens().count()];
    await inject('close');
    await expect(reconnects()).toHaveCount(reconnectsBefore + 1);
    const entry = reconnects().first();
    await expect(entry).toHaveAttribute('data-close-type', 'graceful');
    // graceful: retry (2000 ms) plus 0–10 % jitter
    const delay = Number(await entry.getAttribute('data-delay-ms'));
    expect(delay).toBeGreaterThanOrEqual(2000);
    expect(delay).toBeLessThanOrEqual(2200);
    await expect(closeCount('graceful')).toHaveText('1');
    await expectReopened(opensBefore);
  });

  test('503 + Retry-After → close type http-status, the wait is at least Retry-After', async () => {
    const opensBefore = await opens().count();
    const result = await inject('503');
    expect(result).toMatchObject({ kind: '503' });
    const entry = page.locator('#timeline .entry[data-kind="reconnect"][data-close-type="http-status"]').first();
    await expect(entry).toHaveAttribute('data-status', '503', { timeout: 15_000 });
    await expect(entry).toHaveAttribute('data-reason', 'retry-after');
    expect(Number(await entry.getAttribute('data-delay-ms'))).toBeGreaterThanOrEqual(3000); // the button asks for 3 s
    await expect(page.locator('#ends .end[data-close-type="http-status"]').first()).toContainText('503');
    await expect(closeCount('http-status')).toHaveText('1');
    // The source did not give up: it waited and came back (one open after the 503 wait).
    await expect.poll(() => opens().count(), { timeout: 15_000 }).toBeGreaterThan(opensBefore);
    await expect(page.getByTestId('state')).toHaveText('OPEN', { timeout: 15_000 });
  });

  test('204 → the source is closed for good; Connect starts it again', async () => {
    await inject('204');
    const closed = page.locator('#timeline .entry[data-kind="closed"]').first();
    await expect(closed).toHaveAttribute('data-close-type', 'http-status', { timeout: 15_000 });
    await expect(closed).toHaveAttribute('data-status', '204');
    await expect(page.getByTestId('state')).toHaveText('CLOSED');
    await expect(page.getByTestId('closed-hint')).toBeVisible();
    await expect(page.locator('#ends .end').first()).toHaveAttribute('data-final', 'true');
    await expect(page.getByTestId('connect')).toBeEnabled();

    // Closed for good: no further attempt, no further event.
    const connectsAtClose = await page.locator('#timeline .entry[data-kind="connect"]').count();
    const receivedAtClose = (await readDashboard(page)).received;
    await page.waitForTimeout(2_500); // longer than the server's retry
    expect(await page.locator('#timeline .entry[data-kind="connect"]').count()).toBe(connectsAtClose);
    expect((await readDashboard(page)).received).toBe(receivedAtClose);

    const opensBefore = await opens().count();
    await page.getByTestId('connect').click();
    await expectReopened(opensBefore);
    await expect(page.getByTestId('closed-hint')).toBeHidden();
    await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(receivedAtClose + 3);
  });

  test('stall → close type idle-timeout after idleTimeoutMs, then a reconnect', async () => {
    const [reconnectsBefore, opensBefore] = [await reconnects().count(), await opens().count()];
    const stalledAt = Date.now();
    await inject('stall');
    await expect(reconnects()).toHaveCount(reconnectsBefore + 1, { timeout: 15_000 });
    await expect(reconnects().first()).toHaveAttribute('data-close-type', 'idle-timeout');
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(6000 - 250); // the page's idleTimeoutMs
    await expect(closeCount('idle-timeout')).toHaveText('1');
    await expectReopened(opensBefore);
  });

  test('huge event → it arrives whole and the stream goes on', async () => {
    const reconnectsBefore = await reconnects().count();
    const bytesBefore = await page.locator('#bytes-received').textContent();
    await inject('huge');
    await expect(page.locator('#huge-events')).toHaveAttribute('data-count', '1');
    await expect(page.locator('#timeline .entry[data-kind="huge"]')).toHaveCount(1);
    const hugeBytes = await page.evaluate(() => window.dashboard.huge[0].bytes);
    expect(hugeBytes).toBeGreaterThanOrEqual(512 * 1024);
    expect(await page.locator('#bytes-received').textContent()).not.toBe(bytesBefore);
    // The stream goes on: more events after it, on the same connection.
    const after = (await readDashboard(page)).received;
    await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(after + 5);
    expect(await reconnects().count()).toBe(reconnectsBefore);
    await expect(page.getByTestId('state')).toHaveText('OPEN');
  });

  test('slow drip → events keep arriving while it lasts, without an idle timeout', async () => {
    const reconnectsBefore = await reconnects().count();
    const start = await readDashboard(page);
    const result = await inject('drip');
    expect(result.affected).toBeGreaterThanOrEqual(1);
    const until = result.untilMs ?? Date.now() + 8000;
    await expect(page.locator('[data-testid="fault-drip"][data-armed="true"]')).toHaveCount(1, { timeout: 5_000 });
    // One byte per ~20 ms is ~2 s per score event: a few of them get through while the drip lasts.
    await expect.poll(async () => (await readDashboard(page)).received, { timeout: Math.max(1000, until - Date.now() - 300) })
      .toBeGreaterThanOrEqual(start.received + 2);
    expect(Date.now()).toBeLessThan(until);
    const during = await readDashboard(page);
    // After it, the backlog arrives at once and the feed runs at full pace on the same connection.
    await expect(page.locator('[data-testid="fault-drip"][data-armed="true"]')).toHaveCount(0, { timeout: 12_000 });
    await expect.poll(async () => (await readDashboard(page)).received).toBeGreaterThan(during.received + 10);
    const after = await readDashboard(page);
    expect(await reconnects().count()).toBe(reconnectsBefore);
    await expect(page.getByTestId('state')).toHaveText('OPEN');
    expect(after.continuity).toBe('no gaps');
    expectContiguous(after.seqs.slice(after.seqs.indexOf(start.seqs.at(-1))));
  });

  test('an orphan span (its parent never arrived) is marked in the trace list and in the waterfall', async () => {
    // A trace the page did not make, posted to the OTLP receiver like any exporter would: a root and a span
    // whose parent is not in the trace.
    const hex = (n) => randomBytes(n).toString('hex');
    const [traceId, rootId, orphanId, missingId] = [hex(16), hex(8), hex(8), hex(8)];
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const ns = (ms) => String(t0 + BigInt(ms) * 1_000_000n);
    const res = await fetch(`${demo.url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e-orphan-check' } }] },
        scopeSpans: [{ scope: { name: 'e2e' }, spans: [
          { traceId, spanId: rootId, name: 'e2e root', kind: 2, startTimeUnixNano: ns(0), endTimeUnixNano: ns(80) },
          { traceId, spanId: orphanId, parentSpanId: missingId, name: 'e2e orphan', kind: 1, startTimeUnixNano: ns(20), endTimeUnixNano: ns(60),
            attributes: [{ key: 'e2e.note', value: { stringValue: 'parent never exported' } }] },
        ] }],
      }] }),
    });
    expect(res.status).toBe(200);

    await page.locator('#trace-filters [data-filter="all"]').click();
    const row = page.locator(`#trace-list .trace-row[data-trace-id="${traceId}"]`);
    await expect(row).toHaveAttribute('data-orphans', 'true', { timeout: 10_000 });
    await expect(row.locator('.wf-orphan')).toBeVisible();
    await row.click();
    const waterfall = page.getByTestId('waterfall');
    const orphan = waterfall.locator(`.span-row[data-span-id="${orphanId}"]`);
    await expect(orphan).toHaveAttribute('data-orphan', 'true');
    await expect(orphan).toHaveAttribute('data-parent-id', missingId);
    await expect(orphan).toHaveAttribute('data-depth', '0'); // drawn at the top level, not under a wrong parent
    await expect(orphan.locator('.wf-orphan')).toBeVisible();
    await expect(waterfall.locator(`.span-row[data-span-id="${rootId}"]`)).toHaveAttribute('data-orphan', 'false');
    await expect(page.locator('#waterfall-head .wf-orphan')).toHaveText('1 orphan');
    await orphan.click();
    await expect(page.getByTestId('span-details')).toContainText('its parent is not in this trace');
    await page.locator('#trace-filters [data-filter="streams"]').click();
    await expect(row).toHaveCount(0);
  });

  test('trace list → waterfall: browser spans and the GET /feed server span in one trace, joined by parent', async () => {
    // The first attempt's trace is complete by now: it was dropped, waited and reconnected.
    const first = await page.evaluate(() => window.dashboard.connects[0]);
    const row = page.locator(`#trace-list .trace-row[data-trace-id="${first.traceId}"]`);
    await expect(row).toHaveCount(1, { timeout: 15_000 });
    await row.click();
    await expect(row).toHaveAttribute('aria-selected', 'true');

    const waterfall = page.getByTestId('waterfall');
    await expect(waterfall).toHaveAttribute('data-trace-id', first.traceId);
    const spans = waterfall.locator('.span-row');
    const connect = spans.filter({ has: page.locator('.wf-name', { hasText: /^sse connect$/ }) });
    const server = waterfall.locator(`.span-row[data-service="${SERVER_SERVICE}"][data-name="GET /feed"]`);
    await expect(connect).toHaveCount(1, { timeout: 15_000 });
    await expect(server).toHaveCount(1, { timeout: 15_000 });
    await expect(waterfall.locator('.span-row[data-name="sse stream"]')).toHaveCount(1);
    await expect(waterfall.locator('.span-row[data-name="sse reconnect.wait"]')).toHaveCount(1);

    const rows = await spans.evaluateAll((els) => els.map((e) => ({ ...e.dataset })));
    expect(new Set(rows.map((r) => r.traceId))).toEqual(new Set([first.traceId]));
    const c = rows.find((r) => r.name === 'sse connect');
    const s = rows.find((r) => r.name === 'GET /feed');
    expect(c).toMatchObject({ service: DASHBOARD_SERVICE, kind: 'client', spanId: first.spanId, parentId: '', orphan: 'false' });
    expect(s).toMatchObject({ service: SERVER_SERVICE, kind: 'server', parentId: c.spanId, orphan: 'false' });
    expect(Number(s.depth)).toBe(Number(c.depth) + 1);
    // Coloured by service: the browser's and the server's bars differ.
    const colours = await page.evaluate((services) => services.map((svc) =>
      getComputedStyle(document.querySelector(`#waterfall .span-row[data-service="${svc}"] .wf-bar`)).backgroundColor), [DASHBOARD_SERVICE, SERVER_SERVICE]);
    expect(colours[0]).not.toBe(colours[1]);

    // Details on click: the server span's attributes.
    await server.click();
    const details = page.getByTestId('span-details');
    await expect(details).toHaveAttribute('data-span-id', s.spanId);
    await expect(details).toContainText('http.request.method');
    await expect(details).toContainText(c.spanId);

    // The current connection's trace is one click away.
    await page.getByTestId('open-current-trace').click();
    const current = await page.getByTestId('current-trace-id').textContent();
    await expect(waterfall).toHaveAttribute('data-trace-id', current);
    await expect(waterfall.locator('.span-row[data-name="sse connect"]')).toHaveCount(1, { timeout: 15_000 });

    // Back to the complete trace for the picture: the waterfall open on it, the server span selected.
    await row.click();
    await expect(server).toHaveCount(1);
    await server.click();
    const screenshot = process.env.UPDATE_SCREENSHOT === '1' ? README_SCREENSHOT : test.info().outputPath('dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(errors).toEqual([]);
  });
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

// Differential test: for every script of e2e/sse-scripts.mjs, a page must observe the same through
// TracedEventSource as through the browser's own EventSource, and the server must see the same requests
// (up to the script's declared knownDifference).
//
//   npx playwright test e2e/differential.spec.mjs
//   DIFF_BOTH_NATIVE=1 npx playwright test e2e/differential.spec.mjs   # harness check: native on both sides

import { isDeepStrictEqual } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import { scripts, ORIGINS } from './sse-scripts.mjs';
import { comparable, expectedTracedRequests } from './request-expectations.mjs';

// DIFF_BOTH_NATIVE=1 proves the scripts against Chromium alone: native on both sides, exact equality expected.
const BOTH_NATIVE = process.env.DIFF_BOTH_NATIVE === '1';
const OTHER = BOTH_NATIVE ? 'native' : 'traced';

// One page for all scripts of a worker: every run uses fresh session ids, and a new page per test only cost time.
// (Playwright replaces the worker, and so the page, after a failed test.)
const test = base.extend({
  diffPage: [
    async ({ browser }, use) => {
      const page = await browser.newPage();
      await page.goto(`${ORIGINS.main}/e2e/pages/differential.html`);
      await page.waitForFunction(() => window.differentialReady === true);
      await use(page);
      await page.close();
    },
    { scope: 'worker' },
  ],
});

async function run(page, script, impl) {
  const session = `${script.name}.${impl}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
  const result = await page.evaluate((args) => window.runScript(args), {
    impl,
    script: script.name,
    session,
    origin: ORIGINS[script.origin],
    listen: script.listen,
    stop: script.stop,
  });
  const res = await page.request.get(`${ORIGINS.main}/__requests?session=${encodeURIComponent(session)}`);
  expect(res.ok()).toBe(true);
  return { session, result, requests: await res.json() };
}

/** Everything the page saw, with the session id (different on each side) masked. */
function observations({ session, result }) {
  const mask = (u) => (typeof u === 'string' ? u.replace(session, '<session>') : u);
  const { diagnostics, ...seen } = result; // diagnostics exist on one side only: for the report
  return { ...seen, url: mask(seen.url), urlAtEnd: mask(seen.urlAtEnd) };
}

const messages = (log) => log.filter((o) => o.cls === 'MessageEvent').map((o) => [o.type, o.data, o.lastEventId]);

/** Server-side delay from the end of request n-1 to the arrival of request n (1-based, SSE GETs only). */
function reconnectDelay(requests, n) {
  const gets = requests.filter((r) => r.kind === 'sse');
  const prev = gets[n - 2];
  const cur = gets[n - 1];
  return prev?.endedAt !== undefined && cur ? Math.round(cur.t - prev.endedAt) : null;
}

/** One observation as one line, for reports. */
function brief(o) {
  let line = `${o.type} rs=${o.readyState}`;
  if (o.cls === 'MessageEvent') line += ` data=${JSON.stringify(o.data)} id=${JSON.stringify(o.lastEventId)} origin=${o.origin}`;
  if (o.cls !== 'Event' && o.cls !== 'MessageEvent') line += ` class=${o.cls}`;
  if (o.bubbles || o.cancelable) line += ` bubbles=${o.bubbles} cancelable=${o.cancelable}`;
  return line;
}

/** First index where two logs differ, with the entries around it: what a bug report needs. */
function divergence(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && isDeepStrictEqual(a[i], b[i])) i++;
  const around = (log) => log.slice(Math.max(0, i - 2), i + 3).map(brief);
  return { index: i, native: around(a), [OTHER]: around(b) };
}

test.describe(`differential: native EventSource vs ${BOTH_NATIVE ? 'native (DIFF_BOTH_NATIVE=1)' : 'TracedEventSource'}`, () => {
  for (const script of scripts) {
    test(script.name, async ({ diffPage: page }, testInfo) => {
      testInfo.annotations.push({ type: 'script', description: script.description });
      if (script.knownDifference && !BOTH_NATIVE) testInfo.annotations.push({ type: 'known difference', description: script.knownDifference.why });

      const native = await run(page, script, 'native');
      const other = await run(page, script, OTHER);

      // The script itself must be sound: native reaches the stop rule and delivers what the script is about.
      expect(native.result.constructError).toBeUndefined();
      expect(native.result.stoppedBy, 'native EventSource must reach the stop rule before the timeout').toBe('rule');
      if (script.expectMessages) expect(messages(native.result.log)).toEqual(script.expectMessages);

      const seenNative = observations(native);
      const seenOther = observations(other);
      const nativeRequests = native.requests.map(comparable);
      const otherRequests = other.requests.map(comparable);
      let alternatives = BOTH_NATIVE ? [nativeRequests] : expectedTracedRequests(native.requests, script);
      // A deliberate behaviour difference states exactly what traced must observe and send instead.
      const deliberate = BOTH_NATIVE ? undefined : script.knownDifference?.traced;
      const expectedSeen = deliberate ? deliberate.observations(seenNative) : seenNative;
      if (deliberate) alternatives = [deliberate.requests(nativeRequests)];
      const matched = alternatives.find((a) => isDeepStrictEqual(a, otherRequests));
      if (matched && alternatives.length > 1) {
        testInfo.annotations.push({ type: 'probe', description: matched.some((r) => r.kind === 'probe') ? 'no-cors probe sent' : 'no probe sent' });
      }

      const delays = (script.reconnectDelays ?? []).map((d) => ({
        ...d,
        native: reconnectDelay(native.requests, d.request),
        [OTHER]: reconnectDelay(other.requests, d.request),
      }));
      const delayOk = (d, v) => v !== null && v >= d.minMs && v <= d.maxMs;

      if (!isDeepStrictEqual(expectedSeen, seenOther) || !matched || !delays.every((d) => delayOk(d, d.native) && delayOk(d, d[OTHER]))) {
        // Written next to the test's other output (test-results/<test>/divergence.json), for the bug report.
        const file = testInfo.outputPath('divergence.json');
        const summary = {
          script: script.name,
          description: script.description,
          knownDifference: script.knownDifference?.why,
          firstDivergence: divergence(seenNative.log, seenOther.log),
          logs: { native: seenNative.log.slice(0, 40).map(brief), [OTHER]: seenOther.log.slice(0, 40).map(brief) },
          results: { native: { ...seenNative, log: undefined }, [OTHER]: { ...seenOther, log: undefined } },
          requests: { native: nativeRequests, [OTHER]: otherRequests, expected: alternatives },
          delays,
          diagnostics: other.result.diagnostics,
        };
        await writeFile(file, JSON.stringify(summary, null, 1));
        await testInfo.attach('divergence.json', { path: file, contentType: 'application/json' });
      }

      // (a) the same observations, in the same order, with the same readyState at each dispatch
      expect.soft(seenOther, 'what the page observed').toEqual(expectedSeen);
      // (b) the same requests (path, Accept, Last-Event-ID, ...), up to the declared known differences
      expect.soft(otherRequests, 'requests the server saw').toEqual(matched ?? alternatives[0]);
      // (c) reconnect timing, where the script is about it
      for (const d of delays) {
        for (const impl of ['native', OTHER]) {
          const what = `${impl}: delay before request ${d.request}, in [${d.minMs}, ${d.maxMs}] ms`;
          expect.soft(d[impl], what).not.toBeNull();
          expect.soft(d[impl], what).toBeGreaterThanOrEqual(d.minMs);
          expect.soft(d[impl], what).toBeLessThanOrEqual(d.maxMs);
        }
      }
    });
  }
});

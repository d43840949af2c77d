// Startup: time from the page's decision to connect (just before the contender's import) to the SSE request at the
// server and to the first event, cold and warm; and the core's Wasm compile / instantiate / loadCore() times.
// - cold: a new browser context per sample (empty HTTP cache, a new renderer process, so no in-process Wasm module
//   cache either) and a never-used URL prefix;
// - warm: the default context, one fixed prefix per contender, loaded twice before the timed samples so that the
//   HTTP cache and V8's code cache (scripts and Wasm) are populated: a returning visitor.
import { rotate } from '../stats.mjs';

export const STARTUP_CONTENDERS = ['traced', 'native', 'eventsource-parser', 'eventsource', 'fetch-event-source'];

export async function runStartup(ctx, { rounds, streamKey }) {
  const samples = [];
  const failures = [];
  const wasm = [];
  const clock = [];
  const runId = Date.now().toString(36);
  let tagCount = 0;
  const tag = () => `${runId}-${tagCount++}`;
  const call = (contender) => `startup.sample(${JSON.stringify(contender)}, ${JSON.stringify(streamKey)}, '${tag()}')`;

  const sample = async (page, contender, kind, round) => {
    try {
      const r = await page.evaluate(call(contender), 30_000);
      samples.push({ contender, kind, round, ok: true, ...r });
    } catch (error) {
      samples.push({ contender, kind, round, ok: false, reason: error.message });
      failures.push({ section: 'startup', corpus: kind, contender, round, reason: error.message });
    }
  };

  // Cold samples, and the Wasm timings, each in a fresh browser context.
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(STARTUP_CONTENDERS, round)) {
      await inFreshContext(ctx, async (page) => {
        await page.goto(`${ctx.server.origin}/p/cold-${runId}-${round}-${contender}/bench/pages/startup.html`);
        await sample(page, contender, 'cold', round);
      });
    }
    await inFreshContext(ctx, async (page) => {
      await page.goto(`${ctx.server.origin}/p/wasm-${runId}-${round}/bench/pages/startup.html`);
      try {
        wasm.push({ round, ok: true, ...(await page.evaluate('startup.wasm()')) });
      } catch (error) {
        wasm.push({ round, ok: false, reason: error.message });
        failures.push({ section: 'startup', corpus: 'wasm', contender: 'core', round, reason: error.message });
      }
    });
  }
  ctx.log(`  startup: ${rounds} cold rounds done`);

  // Warm samples: prime twice, then one timed sample per round, contenders interleaved.
  const page = await ctx.browser.newPage({ performance: false });
  const warmUrl = (contender) => `${ctx.server.origin}/p/warm-${runId}-${contender}/bench/pages/startup.html`;
  for (const contender of STARTUP_CONTENDERS) {
    for (let i = 0; i < 2; i++) {
      await page.goto(warmUrl(contender));
      await page.evaluate(call(contender), 30_000).catch(() => {});
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(STARTUP_CONTENDERS, round)) {
      await page.goto(warmUrl(contender));
      await sample(page, contender, 'warm', round);
    }
  }
  for (let i = 0; i < 5; i++) {
    clock.push(await page.evaluate(`startup.clockCheck(${JSON.stringify(streamKey)}, '${tag()}')`).catch(() => NaN));
  }
  await page.close();
  ctx.log(`  startup: ${rounds} warm rounds done`);
  return { samples, wasm, clock, failures };
}

async function inFreshContext(ctx, fn) {
  const { browserContextId } = await ctx.browser.send('Target.createBrowserContext', { disposeOnDetach: true });
  const page = await ctx.browser.newPage({ browserContextId, performance: false });
  try {
    await fn(page);
  } finally {
    await page.close();
    await ctx.browser.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
  }
}

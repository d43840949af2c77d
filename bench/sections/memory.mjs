// Memory while consuming a 64 MiB stream of 4 KiB events: the JS heap (after a forced gc(), precise numbers) and
// the core's Wasm memory, sampled in the message handler every 4 MiB, in a browser started with
// --js-flags=--expose-gc --enable-precise-memory-info. Reference contenders show what "flat" looks like.
import { median } from '../stats.mjs';

export const MEMORY_CONTENDERS = ['traced-on', 'eventsource-parser', 'native'];

export async function runMemory(ctx, browser, set, { every, timeoutMs }) {
  const page = await browser.newPage({ performance: false });
  const runs = [];
  const failures = [];
  for (const contender of MEMORY_CONTENDERS) {
    try {
      await page.goto(`${ctx.server.origin}/bench/pages/bench.html`);
      const options = { url: `/stream/${set.key}`, types: set.corpus.types, count: set.n, mode: 'light', timeoutMs };
      const r = await page.evaluate(`bench.memory(${JSON.stringify(contender)}, ${JSON.stringify(options)}, ${every})`,
        timeoutMs + 30_000);
      await page.evaluate('bench.cleanup()');
      let reason = r.reason;
      if (!reason && r.count !== set.n) reason = `received ${r.count} events, expected ${set.n}`;
      if (!reason && r.checksum !== set.expected.light) {
        reason = `checksum ${r.checksum} != expected ${set.expected.light}`;
      }
      runs.push({ contender, ok: !reason, ...(reason ? { reason } : {}), ms: r.ms, samples: r.samples });
      if (reason) failures.push({ section: 'memory', corpus: set.corpus.name, contender, round: 0, reason });
    } catch (error) {
      runs.push({ contender, ok: false, reason: error.message, samples: [] });
      failures.push({ section: 'memory', corpus: set.corpus.name, contender, round: 0, reason: error.message });
    }
    ctx.log(`  memory ${contender}: done`);
  }
  await page.close();
  return { runs, failures, bytes: set.bytes.length, n: set.n };
}

/**
 * start / first streaming sample / peak / end of one series; growth = median of the second half of the streaming
 * samples − median of the first half (single samples jump with the input buffered ahead of the consumer; a leak
 * shows as a difference between the halves), and whether that stayed within `tolerance` (flat).
 */
export function memorySummary(samples, field, tolerance) {
  if (samples.length < 4) return null;
  const streaming = samples.slice(1, -1).map((s) => s[field]);
  const all = samples.map((s) => s[field]);
  const half = streaming.length >> 1;
  const growth = median(streaming.slice(streaming.length - half)) - median(streaming.slice(0, half));
  return { start: all[0], first: streaming[0], peak: Math.max(...all), end: all[all.length - 1], growth,
    streamingRange: Math.max(...streaming) - Math.min(...streaming), flat: growth <= tolerance };
}

// The parser alone, in a Chromium page (no network): the core fed the corpus bytes in 1, 16 and 64 KiB chunks
// producing JS strings, against eventsource-parser fed the same chunks through TextDecoder. One evaluate per round
// runs every (parser, chunk size) pair in a rotated order; round 0 verifies with the full checksum.
import { rotate } from '../stats.mjs';

export const CHUNK_SIZES = [1024, 16 * 1024, 64 * 1024];
export const PARSER_NAMES = ['core', 'eventsource-parser'];

const MiB = 1024 * 1024;

/** Every (parser, chunk size) pair, plus the two MessageEvent dispatch references (size 0: they take no chunks). */
export function parserPairs() {
  const pairs = [];
  for (const size of CHUNK_SIZES) for (const parser of PARSER_NAMES) pairs.push({ parser, size });
  pairs.push({ parser: 'dispatch', size: 0 }, { parser: 'dispatch-subclass', size: 0 });
  return pairs;
}

/** Checks one parser result against the generator; returns a sample. */
export function parserSample(set, r, mode, round, runtime) {
  const expected = mode === 'full' ? set.expected.full : set.expected.light;
  let reason;
  if (r.count !== set.n) reason = `received ${r.count} events, expected ${set.n}`;
  else if (r.checksum !== expected) reason = `checksum (${mode}) ${r.checksum} != expected ${expected}`;
  return { runtime, corpus: set.corpus.name, parser: r.parser, size: r.size, round, mode, ok: !reason,
    ...(reason ? { reason } : {}), ms: r.ms, mibPerS: set.bytes.length / MiB / (r.ms / 1000),
    eventsPerS: set.n / (r.ms / 1000) };
}

export async function runParserSection(ctx, sets, { rounds }) {
  const page = await ctx.browser.newPage({ performance: false });
  const samples = [];
  const failures = [];
  for (const set of sets) {
    await page.goto(`${ctx.server.origin}/bench/pages/bench.html`);
    const t = Date.now();
    for (let round = 0; round <= rounds; round++) {
      const mode = round === 0 ? 'full' : 'light';
      const order = rotate(parserPairs(), round);
      let results;
      try {
        results = await page.evaluate(`bench.parserRound(${JSON.stringify(set.key)}, ${JSON.stringify(order)}, ` +
          `'${mode}')`);
      } catch (error) {
        failures.push({ section: 'parser', corpus: set.corpus.name, contender: 'all', round, reason: error.message });
        break;
      }
      for (const r of results) {
        const s = parserSample(set, r, mode, round, 'chromium');
        samples.push(s);
        if (!s.ok) {
          failures.push({ section: 'parser', corpus: s.corpus, contender: `${s.parser} @${s.size}`, round,
            reason: s.reason });
        }
      }
    }
    ctx.log(`  parser ${set.corpus.name}: ${rounds} timed rounds, ${Date.now() - t} ms`);
  }
  await page.close();
  return { samples, failures };
}

// End-to-end in Chromium: every contender streams the same corpus from the bench server over loopback, one fresh
// page load per run. Round 0 verifies (full checksum, untimed); timed rounds rotate the contender order. Around each
// run, Performance.getMetrics gives the renderer main thread's TaskDuration/ScriptDuration (thread CPU time).
import { rotate } from '../stats.mjs';

export const E2E_CONTENDERS = ['traced-on', 'traced-off', 'native', 'eventsource-parser', 'fetch-event-source',
  'eventsource'];

const MiB = 1024 * 1024;

/**
 * `sets`: [{ corpus, n, key, bytes, expected }]. Rounds are the outer loop (every corpus once per round), so that a
 * machine whose load drifts affects every corpus alike and the budget cuts rounds evenly: a timed round starts only
 * if it is expected to end within `budgetMs` of the section's start, and at least 2 timed rounds always run.
 * Returns { samples, failures, rounds } (rounds: timed rounds run).
 */
export async function runE2e(ctx, sets, { rounds, timeoutMs, budgetMs }) {
  const page = await ctx.browser.newPage();
  const pageUrl = `${ctx.server.origin}/bench/pages/bench.html`;
  const samples = [];
  const failures = [];
  const failedVerification = new Map(sets.map((set) => [set.key, new Set()]));
  const started = Date.now();
  let verifyMs = 0;
  let timedRounds = 0;
  for (let round = 0; round <= rounds; round++) {
    const t = Date.now();
    const elapsedTimed = t - started - verifyMs;
    if (round > 2 && t - started + elapsedTimed / (round - 1) > budgetMs) {
      ctx.log(`  e2e: budget reached after ${round - 1} timed rounds`);
      break;
    }
    const mode = round === 0 ? 'full' : 'light';
    for (const set of sets) {
      const skip = failedVerification.get(set.key);
      for (const contender of rotate(E2E_CONTENDERS, round)) {
        if (skip.has(contender)) continue;
        const sample = await runOne(page, pageUrl, set, contender, mode, round, timeoutMs);
        samples.push(sample);
        if (!sample.ok) {
          failures.push({ section: 'e2e', corpus: set.corpus.name, contender, round, reason: sample.reason });
          if (round === 0) skip.add(contender);
        }
      }
    }
    if (round === 0) verifyMs = Date.now() - t;
    else timedRounds = round;
    ctx.log(`  e2e round ${round}${round === 0 ? ' (verification, full checksums)' : ''}: ${Date.now() - t} ms`);
  }
  await page.close();
  return { samples, failures, rounds: timedRounds };
}

async function runOne(page, pageUrl, set, contender, mode, round, timeoutMs) {
  const base = { corpus: set.corpus.name, contender, round, mode, n: set.n, bytes: set.bytes.length };
  try {
    await page.goto(pageUrl);
    const options = { url: `/stream/${set.key}`, types: set.corpus.types, count: set.n, mode, timeoutMs };
    const m0 = await page.metrics();
    const r = await page.evaluate(`bench.e2e(${JSON.stringify(contender)}, ${JSON.stringify(options)})`,
      timeoutMs + 30_000);
    const m1 = await page.metrics();
    await page.evaluate('bench.cleanup()');
    const expected = mode === 'full' ? set.expected.full : set.expected.light;
    let reason = r.reason;
    if (!reason && r.count !== set.n) reason = `received ${r.count} events, expected ${set.n}`;
    if (!reason && r.checksum !== expected) {
      reason = `checksum (${mode}) ${r.checksum} != expected ${expected} over ${r.count} events`;
    }
    const mib = set.bytes.length / MiB;
    return { ...base, ok: !reason, ...(reason ? { reason } : {}), ms: r.ms,
      eventsPerS: set.n / (r.ms / 1000), mibPerS: mib / (r.ms / 1000),
      cpuMsPerMiB: ((m1.TaskDuration - m0.TaskDuration) * 1000) / mib,
      busy: ((m1.TaskDuration - m0.TaskDuration) * 1000) / r.ms,
      scriptMsPerMiB: ((m1.ScriptDuration - m0.ScriptDuration) * 1000) / mib,
      heapDelta: m1.JSHeapUsedSize - m0.JSHeapUsedSize };
  } catch (error) {
    const pageLog = page.consoleTail.length ? ` | page: ${page.consoleTail.slice(-3).join(' | ')}` : '';
    return { ...base, ok: false, reason: `${error.message}${pageLog}` };
  }
}

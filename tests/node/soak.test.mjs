// The soak test's short version (issue 9): scripts/soak.mjs with 1,000 reconnect cycles, 500 more with a span
// exporter attached and a 15-second stream, checked through its JSON report; and the same script with a leak
// planted on purpose, which its verdict must catch. The long run is `node scripts/soak.mjs` (see its header).
// The short runs allow the JS heap 1 MiB instead of 512 KiB: they end while V8 is still compiling (the peak of
// the last third was measured up to 521 KB above the first's after 1,000 cycles).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { flatVerdict } from '../../scripts/soak.mjs';

const SCRIPT = fileURLToPath(new URL('../../scripts/soak.mjs', import.meta.url));
const MiB = 1024 * 1024;
const SLACK_KIB = 1024;

/** Runs the soak script with `flags` and --json; resolves with its report and exit code. */
function soak(flags) {
  return new Promise((resolve, reject) => {
    const args = ['--expose-gc', SCRIPT, ...flags, `--heap-slack-kib=${SLACK_KIB}`, '--json'];
    execFile(process.execPath, args, { timeout: 150_000, maxBuffer: 16 * MiB }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        try {
          resolve({ code: error?.code ?? 0, run: JSON.parse(stdout) });
        } catch {
          reject(new Error(`soak.mjs printed no report (exit ${error?.code}): ${stderr}`));
        }
      });
  });
}

// Both runs at once: they measure their own processes, and nothing in them depends on timing.
const short = soak(['--cycles=1000', '--exporter-cycles=500', '--stream-minutes=0.25', '--sample-seconds=1']);
const leaking = soak(['--cycles=600', '--exporter-cycles=0', '--stream-minutes=0', '--leak-bytes-per-cycle=8192']);

test('the verdict: warm-up ignored, then the last third may not peak above the first third plus the slack', () => {
  // 10 samples: 2 of warm-up, then thirds of 2 (the middle one is longer).
  const rising = [90, 50, 10, 11, 12, 13, 14, 15, 16, 17];
  assert.equal(flatVerdict(rising, 0).pass, false);
  assert.equal(flatVerdict(rising, 6).pass, true);
  assert.deepEqual([flatVerdict(rising, 0).firstPeak, flatVerdict(rising, 0).lastPeak], [11, 17]);
  assert.equal(flatVerdict([900, 5, 7, 5, 6, 5, 7, 6, 5, 7], 0).pass, true, 'a high warm-up and noise are flat');
  assert.equal(flatVerdict([1, 2, 3], 0).pass, false, 'too few samples is no verdict');
});

test('short soak: memory flat after warm-up, every event in order', { timeout: 160_000 }, async (t) => {
  const { code, run } = await short;
  t.diagnostic(`JS heap after GC (MiB): start ${(run.memory.heapUsed.start / MiB).toFixed(2)}, ` +
    `end ${(run.memory.heapUsed.end / MiB).toFixed(2)}, peak ${(run.memory.heapUsed.peak / MiB).toFixed(2)}; ` +
    `Wasm memory (MiB): start ${run.memory.wasm.start / MiB}, end ${run.memory.wasm.end / MiB}`);
  for (const c of run.checks) t.diagnostic(`${c.pass ? 'ok' : 'FAIL'} ${c.name}: ${c.detail}`);
  assert.equal(run.error, undefined);
  assert.deepEqual(run.checks.filter((c) => !c.pass), []);
  assert.equal(run.checks.length, 14, 'every check of the three phases ran');
  assert.equal(code, 0);
  assert.equal(run.pass, true);

  assert.equal(run.cycles.attempts, 1000);
  assert.equal(run.cycles.server.requests, 1000);
  const spans = run.exporterCycles.exporter;
  assert.equal(spans.collectorSpans, spans.exported + spans.flushed);
  assert.ok(spans.collectorSpans >= 3 * 500 - 1, 'connect, stream and reconnect.wait spans per cycle');
  assert.ok(run.stream.received > 0 && run.stream.gaps === 0);
  assert.ok(run.stream.samples.length >= 10, `${run.stream.samples.length} stream samples`);
  assert.equal(run.memory.wasm.end, run.memory.wasm.start, 'the Wasm memory never grew');
});

test('a planted leak of 8 KiB a cycle fails the heap verdict, and only that', { timeout: 160_000 }, async () => {
  const { code, run } = await leaking;
  assert.equal(code, 1);
  assert.equal(run.pass, false);
  assert.equal(run.leakedBytes, 600 * 8192);
  const failed = run.checks.filter((c) => !c.pass).map((c) => c.name);
  assert.deepEqual(failed, ['cycles: JS heap flat']);
  assert.ok(run.cycles.heap.growth > SLACK_KIB * 1024, `growth ${run.cycles.heap.growth}`);
});

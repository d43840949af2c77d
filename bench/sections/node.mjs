// Node, where it applies: the parser (core vs eventsource-parser, same chunking as in Chromium) and end-to-end
// over loopback (TracedEventSource on/off, eventsource-parser over Node's fetch, the `eventsource` package; no
// native EventSource in Node 20, and @microsoft/fetch-event-source needs a DOM). One client process per corpus and
// task (bench/node-runner.mjs); the server stays in the driver's worker thread.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parserPairs, parserSample } from './parser.mjs';

export const NODE_E2E_CONTENDERS = ['traced-on', 'traced-off', 'eventsource-parser', 'eventsource'];

const RUNNER = fileURLToPath(new URL('../node-runner.mjs', import.meta.url));
const MiB = 1024 * 1024;

function runChild(task, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', RUNNER, JSON.stringify(task)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(last));
      } catch (error) {
        reject(new Error(`node runner failed (${error.message}): ${err.slice(-1500)}`));
      }
    });
  });
}

export async function runNodeSection(ctx, e2eSets, parserSets, { e2eRounds, parserRounds, timeoutMs }) {
  const e2e = [];
  const parser = [];
  const failures = [];
  for (const set of e2eSets) {
    const t = Date.now();
    try {
      const results = await runChild({ task: 'e2e', origin: ctx.server.origin, key: set.key, types: set.corpus.types,
        n: set.n, rounds: e2eRounds, timeoutMs }, (e2eRounds + 1) * 4 * (timeoutMs + 5000));
      for (const r of results) {
        const expected = r.mode === 'full' ? set.expected.full : set.expected.light;
        let reason = r.reason;
        if (!reason && r.count !== set.n) reason = `received ${r.count} events, expected ${set.n}`;
        if (!reason && r.checksum !== expected) reason = `checksum (${r.mode}) ${r.checksum} != expected ${expected}`;
        const mib = set.bytes.length / MiB;
        e2e.push({ runtime: 'node', corpus: set.corpus.name, contender: r.contender, round: r.round, mode: r.mode,
          ok: !reason, ...(reason ? { reason } : {}), ms: r.ms, eventsPerS: set.n / (r.ms / 1000),
          mibPerS: mib / (r.ms / 1000), cpuMsPerMiB: r.cpuMs / mib });
        if (reason) {
          failures.push({ section: 'node e2e', corpus: set.corpus.name, contender: r.contender, round: r.round,
            reason });
        }
      }
    } catch (error) {
      failures.push({ section: 'node e2e', corpus: set.corpus.name, contender: 'all', round: 0,
        reason: error.message });
    }
    ctx.log(`  node e2e ${set.corpus.name}: ${Date.now() - t} ms`);
  }
  for (const set of parserSets) {
    const t = Date.now();
    try {
      const results = await runChild({ task: 'parser', origin: ctx.server.origin, key: set.key, n: set.n,
        rounds: parserRounds, pairs: parserPairs() }, 300_000);
      for (const r of results) {
        const s = parserSample(set, r, r.mode, r.round, 'node');
        parser.push(s);
        if (!s.ok) {
          failures.push({ section: 'node parser', corpus: s.corpus, contender: `${s.parser} @${s.size}`,
            round: s.round, reason: s.reason });
        }
      }
    } catch (error) {
      failures.push({ section: 'node parser', corpus: set.corpus.name, contender: 'all', round: 0,
        reason: error.message });
    }
    ctx.log(`  node parser ${set.corpus.name}: ${Date.now() - t} ms`);
  }
  return { e2e, parser, failures };
}

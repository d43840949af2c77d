#!/usr/bin/env node
// `npm run bench`: measures TracedEventSource against what users would otherwise pick, in one run, as ratios.
//   node bench/run.mjs [--quick] [--only=e2e,parser,startup,memory,tracing,node] [--corpora=tiny,json,…] [--no-build]
// Writes bench/results/latest.md (tables + goals) and bench/results/latest.json (every raw sample); prints the goals.
// See bench/README.md for what each section measures and how.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumVersion, launch } from './cdp-pipe.mjs';
import { CORPORA, corpusByName, eventsFor, generate } from './corpora.mjs';
import { startServerWorker } from './server-host.mjs';
import { runE2e } from './sections/e2e.mjs';
import { runParserSection } from './sections/parser.mjs';
import { runStartup } from './sections/startup.mjs';
import { runMemory } from './sections/memory.mjs';
import { runNodeSection } from './sections/node.mjs';
import { buildReport, goals, goalsTable } from './report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const MiB = 1024 * 1024;
const SECTIONS = ['e2e', 'parser', 'startup', 'memory', 'tracing', 'node'];

// Wire bytes per e2e run, per corpus: 8–32 MiB, so that the fastest contender still runs ≥ 0.1 s and the slowest
// ≤ ~3 s on a 2-core machine. Small events cost far more per byte than large ones, so they move fewer bytes.
const E2E_MIB = { tiny: 8, json: 8, '4k': 16, '64k': 32, multiline: 8, crlf: 8, comments: 8 };
const PLANS = {
  full: { e2eScale: 1, e2eRounds: 7, e2eBudgetS: 360, parserMiB: 4, parserRounds: 7, startupRounds: 5, memoryMiB: 64,
    nodeScale: 0.5, nodeE2eRounds: 3, nodeParserRounds: 3, timeoutMs: 60_000 },
  quick: { e2eScale: 0.25, e2eRounds: 2, e2eBudgetS: 90, parserMiB: 1, parserRounds: 2, startupRounds: 2, memoryMiB: 64,
    nodeScale: 0.125, nodeE2eRounds: 1, nodeParserRounds: 1, timeoutMs: 30_000 },
};

function parseArgs(argv) {
  const args = { quick: false, only: SECTIONS, build: true, corpora: CORPORA.map((c) => c.name) };
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a.startsWith('--corpora=')) {
      args.corpora = a.slice(10).split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = args.corpora.filter((s) => !corpusByName.has(s));
      if (unknown.length) {
        throw new Error(`unknown corpus(es) ${unknown.join(', ')}; known: ${[...corpusByName.keys()].join(', ')}`);
      }
    }
    else if (a === '--no-build') args.build = false;
    else if (a.startsWith('--only=')) {
      args.only = a.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = args.only.filter((s) => !SECTIONS.includes(s));
      if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
    } else if (a === '--help' || a === '-h') {
      console.log('node bench/run.mjs [--quick] [--only=' + SECTIONS.join(',') + '] [--corpora=' +
        CORPORA.map((c) => c.name).join(',') + '] [--no-build]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  // Tracing overhead is read from the e2e runs (tracing on and off in the same rounds).
  if (args.only.includes('tracing') && !args.only.includes('e2e')) args.only = [...args.only, 'e2e'];
  return args;
}

const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '';
  }
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return { cpu: model.trim(), cores: os.cpus().length, memGiB: (os.totalmem() / 2 ** 30).toFixed(1) };
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Generates (once) and registers the corpus of `name` sized to `mib`; returns the set the sections use. */
const sets = new Map();
async function prepare(server, name, mib) {
  const corpus = corpusByName.get(name);
  const n = eventsFor(corpus, mib * MiB);
  const key = `${name}-${n}`;
  if (!sets.has(key)) {
    const g = generate(corpus, n);
    await server.register(key, g.bytes);
    sets.set(key, { corpus, n, key, bytes: g.bytes, expected: { full: g.full, light: g.light } });
  }
  return sets.get(key);
}

const describeSets = (list) => list.map((s) => ({ name: s.corpus.name, describe: s.corpus.describe, n: s.n,
  bytes: s.bytes.length }));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const plan = args.quick ? PLANS.quick : PLANS.full;
  const mode = args.quick ? 'quick' : 'full';
  log(`bench (${mode}): ${args.only.join(', ')}`);

  let buildS = null;
  if (args.build) {
    // Builds only what is stale. The sanitizer build is of no use to a benchmark.
    const t = Date.now();
    execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, TES_SKIP_SANITIZE: '1' } });
    buildS = (Date.now() - t) / 1000;
    log(`build up to date (${buildS.toFixed(1)} s)`);
  }
  const benchStarted = Date.now();  // the bench's own duration excludes a stale build
  const wasmPath = path.join(ROOT, 'js-glue', 'generated', 'core.wasm');
  const meta = {
    mode, date: new Date().toISOString(), ...machine(), node: process.version, chromium: await chromiumVersion(),
    commit: sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: sh('git', ['status', '--porcelain', '--', 'js-glue', 'wasm']) !== '',
    wasmBytes: fs.statSync(wasmPath).size, loadBefore: loadavg(), sections: args.only, corpora: args.corpora,
    sectionS: {}, buildS,
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  };
  const data = { meta, failures: [] };
  const server = await startServerWorker();
  const timed = async (name, fn) => {
    const t = Date.now();
    log(`${name}…`);
    await fn();
    meta.sectionS[name] = (Date.now() - t) / 1000;
    log(`${name} done in ${meta.sectionS[name].toFixed(0)} s (load ${loadavg()})`);
  };

  let browser = null;
  try {
    if (args.only.includes('e2e') || args.only.includes('parser') || args.only.includes('startup')) {
      browser = await launch();
      meta.chromium = (await browser.version()).product ?? meta.chromium;
    }
    const ctx = { browser, server, log, quick: args.quick };
    if (args.only.includes('e2e')) {
      await timed('e2e', async () => {
        const list = [];
        for (const c of args.corpora) list.push(await prepare(server, c, E2E_MIB[c] * plan.e2eScale));
        const r = await runE2e(ctx, list, { rounds: plan.e2eRounds, timeoutMs: plan.timeoutMs,
          budgetMs: plan.e2eBudgetS * 1000 });
        const collector = await (await fetch(`${server.origin}/stats`)).json();
        data.e2e = { rounds: r.rounds, sets: describeSets(list), samples: r.samples, failures: r.failures,
          collector };
        data.failures.push(...r.failures);
      });
    }
    if (args.only.includes('parser')) {
      await timed('parser', async () => {
        const list = [];
        for (const c of args.corpora) list.push(await prepare(server, c, plan.parserMiB));
        const r = await runParserSection(ctx, list, { rounds: plan.parserRounds });
        data.parser = { rounds: plan.parserRounds, mib: plan.parserMiB, sets: describeSets(list), samples: r.samples,
          failures: r.failures };
        data.failures.push(...r.failures);
      });
    }
    if (args.only.includes('startup')) {
      await timed('startup', async () => {
        const set = await prepare(server, 'tiny', 256 / MiB);  // a few events: only the first one matters
        const r = await runStartup(ctx, { rounds: plan.startupRounds, streamKey: set.key });
        data.startup = { rounds: plan.startupRounds, ...r };
        data.failures.push(...r.failures);
      });
    }
    if (browser) {
      await browser.close();
      browser = null;
    }
    if (args.only.includes('memory')) {
      await timed('memory', async () => {
        const memoryBrowser = await launch(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
        try {
          const set = await prepare(server, '4k', plan.memoryMiB);
          const every = Math.round((4 * MiB) / 4096);  // events per sample: every 4 MiB of 4 KiB events
          const r = await runMemory(ctx, memoryBrowser, set, { every, timeoutMs: 120_000 });
          data.memory = r;
          data.failures.push(...r.failures);
        } finally {
          await memoryBrowser.close();
        }
      });
    }
    if (args.only.includes('node')) {
      await timed('node', async () => {
        const e2eSets = [];
        for (const c of args.corpora) e2eSets.push(await prepare(server, c, E2E_MIB[c] * plan.nodeScale));
        const parserSets = [];
        for (const c of args.corpora) parserSets.push(await prepare(server, c, plan.parserMiB));
        const r = await runNodeSection(ctx, e2eSets, parserSets, { e2eRounds: plan.nodeE2eRounds,
          parserRounds: plan.nodeParserRounds, timeoutMs: plan.timeoutMs });
        data.node = { e2eRounds: plan.nodeE2eRounds, parserRounds: plan.nodeParserRounds, sets: describeSets(e2eSets),
          ...r };
        data.failures.push(...r.failures);
      });
    }
  } finally {
    if (browser) await browser.close();
    await server.close();
  }
  meta.loadAfter = loadavg();
  meta.durationS = (Date.now() - benchStarted) / 1000;

  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), buildReport(data));
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(data, null, 1));
  console.log(`\n${goalsTable(goals(data))}\n`);
  if (data.failures.length) console.log(`${data.failures.length} failed run(s): see the Failures table.`);
  log(`wrote bench/results/latest.md and latest.json (${(meta.durationS / 60).toFixed(1)} min)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

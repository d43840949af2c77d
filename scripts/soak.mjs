// Soak test (issue 9): one TracedEventSource through thousands of reconnect cycles, the same with a span
// exporter attached, then one long steady stream, with the JS heap (after a full GC) and the Wasm memory sampled
// throughout. Verdict: no growth after warm-up.
//
//   node scripts/soak.mjs       the documented long run: 10,000 cycles, 10,000 more with an exporter, and a
//                               30-minute stream at 200 events/s of 200 bytes (about 36 minutes in all)
//   node scripts/soak.mjs --cycles=1000 --exporter-cycles=500 --stream-minutes=0.25 --sample-seconds=1
//                               the short version tests/node/soak.test.mjs runs (with --heap-slack-kib=1024 --json)
//
// Flags: --cycles=N  --exporter-cycles=N (default: --cycles)  --stream-minutes=M  --rate=EVENTS_PER_S (200)
//        --event-bytes=B (200)  --sample-seconds=S (default: a 60th of the stream, 1 to 30)  --heap-slack-kib=K
//        (512)  --json (one JSON object on stdout instead of the running log)  --leak-bytes-per-cycle=B (keeps B
//        bytes of JS heap per cycle alive on purpose: shows the verdict catches a leak).
// Exit code 0 when every verdict passes, 1 otherwise. The SSE server and the OTLP collector run in a worker
// thread: their allocations live in another V8 isolate and do not blur the client's heap figures.
//
// The verdict, per measured series (heap after GC, Wasm memory): the first WARMUP_SHARE of the samples is
// warm-up and ignored; the rest is cut in thirds; the series is flat when the peak of the last third is at most
// the peak of the first third plus a slack (--heap-slack-kib for the JS heap; none for the Wasm memory, which
// grows in whole 64 KiB pages and never shrinks, so any growth after warm-up is a failure). V8 keeps compiling
// and tiering up for the first ~2,500 cycles (heapUsed includes code and feedback): runs much shorter than the
// default need a larger slack, which is why the short version in tests/node/soak.test.mjs passes 1024.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export const WARMUP_SHARE = 0.2;
export const DEFAULT_HEAP_SLACK_KIB = 512;
const STALL_MS = 20_000;  // no cycle or event for this long: the run failed (a hang is a bug too)
const MiB = 1024 * 1024;

/** Parses --name=value flags into numbers (booleans for bare flags). */
export function parseFlags(argv) {
  const flags = {};
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`soak: unknown argument ${arg}`);
    const name = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (m[2] === undefined) flags[name] = true;
    else if (Number.isFinite(Number(m[2])) && m[2] !== '') flags[name] = Number(m[2]);
    else throw new Error(`soak: --${m[1]} must be a number`);
  }
  const cycles = flags.cycles ?? 10_000;
  const streamMinutes = flags.streamMinutes ?? 30;
  return {
    cycles,
    exporterCycles: flags.exporterCycles ?? cycles,
    streamMinutes,
    rate: flags.rate ?? 200,
    eventBytes: flags.eventBytes ?? 200,
    sampleSeconds: flags.sampleSeconds ?? Math.min(30, Math.max(1, (streamMinutes * 60) / 60)),
    heapSlackBytes: (flags.heapSlackKib ?? DEFAULT_HEAP_SLACK_KIB) * 1024,
    leakBytesPerCycle: flags.leakBytesPerCycle ?? 0,
    json: flags.json === true,
  };
}

/**
 * Whether `values` stays flat after warm-up: drop the first WARMUP_SHARE, cut the rest in thirds, and compare the
 * peaks of the first and last thirds. Needs at least 3 samples after warm-up.
 */
export function flatVerdict(values, slack) {
  const skip = Math.ceil(values.length * WARMUP_SHARE);
  const rest = values.slice(skip);
  if (rest.length < 3) return { pass: false, why: `only ${rest.length} samples after warm-up (need 3)` };
  const third = Math.floor(rest.length / 3);
  const firstPeak = Math.max(...rest.slice(0, third));
  const lastPeak = Math.max(...rest.slice(rest.length - third));
  const pass = lastPeak <= firstPeak + slack;
  return { pass, firstPeak, lastPeak, growth: lastPeak - firstPeak, slack, warmupSamples: skip,
    why: `peak of the last third ${lastPeak} ${pass ? '<=' : '>'} peak of the first third ${firstPeak} + ${slack}` };
}

// ---------------------------------------------------------------------------------------------------------
// The server (worker thread): /cycle ends every response after one event, /stream streams at a steady rate,
// /v1/traces is an OTLP collector answering 200.

function runServer() {
  const runs = new Map();  // run id → { sent, lastEventIdMissing, lastEventIdWrong, requests }
  const collected = { requests: 0, spans: 0 };
  const streams = new Map();  // stream id → events written

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://soak');
    if (url.pathname === '/cycle') {
      const id = url.searchParams.get('run');
      const run = runs.get(id) ?? { sent: 0, lastEventIdMissing: 0, lastEventIdWrong: 0, requests: 0 };
      runs.set(id, run);
      run.requests++;
      const header = req.headers['last-event-id'];
      // The first request has no Last-Event-ID; every later one must carry the id of the event before it.
      if (run.sent > 0 && header === undefined) run.lastEventIdMissing++;
      else if (run.sent > 0 && header !== String(run.sent)) run.lastEventIdWrong++;
      else if (run.sent === 0 && header !== undefined) run.lastEventIdWrong++;
      run.sent++;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.end(`retry: 0\nid: ${run.sent}\ndata: ${run.sent}\n\n`);
      return;
    }
    if (url.pathname === '/stream') {
      const id = url.searchParams.get('id');
      const rate = Number(url.searchParams.get('rate'));
      const padding = 'x'.repeat(Math.max(0, Number(url.searchParams.get('bytes')) - 12));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      const started = performance.now();
      let sent = 0;
      // Catch up to the due count on every tick, so timer drift does not lower the rate.
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) * rate) / 1000);
        let chunk = '';
        for (; sent < due; sent++) {
          chunk += `id: ${sent + 1}\ndata: ${String(sent + 1).padStart(10, '0')} ${padding}\n\n`;
        }
        if (chunk) res.write(chunk);
        streams.set(id, sent);
      }, 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (url.pathname === '/v1/traces' && req.method === 'POST') {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        collected.requests++;
        try {
          const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
          for (const rs of body.resourceSpans ?? []) {
            for (const ss of rs.scopeSpans ?? []) collected.spans += ss.spans?.length ?? 0;
          }
        } catch { collected.bad = (collected.bad ?? 0) + 1; }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (m) => {
    if (m !== 'stats') return;
    const stats = { runs: Object.fromEntries(runs), collected, streams: Object.fromEntries(streams) };
    parentPort.postMessage({ stats });
  });
}

function startServer() {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'server' } });
  const port = new Promise((resolve, reject) => {
    worker.once('message', (m) => resolve(m.port));
    worker.once('error', reject);
  });
  const stats = () => new Promise((resolve) => {
    const onMessage = (m) => { if (m.stats) { worker.off('message', onMessage); resolve(m.stats); } };
    worker.on('message', onMessage);
    worker.postMessage('stats');
  });
  return { port, stats, stop: () => worker.terminate() };
}

// ---------------------------------------------------------------------------------------------------------
// The client (main thread).

async function client(options) {
  const { TracedEventSource, createExporter } = await import('../js-glue/index.js');
  const { loadCore } = await import('../js-glue/core-loader.js');
  const core = await loadCore();
  const log = options.json ? () => {} : (line) => console.log(line);
  const server = startServer();
  const origin = `http://127.0.0.1:${await server.port}`;
  const leaked = [];  // --leak-bytes-per-cycle: what a leaking library would keep

  const sample = (at) => {
    globalThis.gc();
    globalThis.gc();  // a second pass collects what the first one's finalizers released
    return { at, heapUsed: process.memoryUsage().heapUsed, wasm: core.HEAPU8.buffer.byteLength,
      rss: process.memoryUsage().rss };
  };
  const show = (label, s) => log(`${label.padEnd(18)} heap ${(s.heapUsed / MiB).toFixed(2)} MiB  ` +
    `wasm ${(s.wasm / MiB).toFixed(2)} MiB  rss ${(s.rss / MiB).toFixed(1)} MiB`);

  // One source, `cycles` full attempts: connect, open, one event, graceful end, reconnect at once with
  // Last-Event-ID. Samples are taken inside the message handler, so every one sees the same point of a cycle.
  async function cyclePhase(name, cycles, exporter) {
    if (cycles === 0) return null;
    const every = Math.max(1, Math.floor(cycles / 40));
    const samples = [];
    const started = performance.now();
    let expected = 1;
    let outOfOrder = 0;
    let opens = 0;
    let errors = 0;
    let maxQueued = 0;
    let lastProgress = Date.now();
    const source = new TracedEventSource(`${origin}/cycle?run=${name}`, exporter ? { exporter } : {});
    await new Promise((resolve, reject) => {
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress > STALL_MS) {
          clearInterval(watchdog);
          const state = source.readyState;
          source.close();
          reject(new Error(`${name}: stalled at cycle ${expected} (readyState ${state})`));
        }
      }, 1000);
      source.onopen = () => { opens++; };
      source.onerror = () => { errors++; };
      source.onmessage = (e) => {
        lastProgress = Date.now();
        if (e.data !== String(expected) || e.lastEventId !== String(expected)) outOfOrder++;
        // On the JS heap (a typed array's bytes would live outside it): one 8-byte slot per element.
        if (options.leakBytesPerCycle) leaked.push(new Array(Math.ceil(options.leakBytesPerCycle / 8)).fill(0));
        if (exporter) maxQueued = Math.max(maxQueued, exporter.stats()?.queued ?? 0);
        if (expected % every === 0) {
          const s = sample(expected);
          samples.push(s);
          show(`${name} ${expected}`, s);
        }
        if (expected === cycles) {
          source.close();
          clearInterval(watchdog);
          resolve();
        }
        expected++;
      };
    });
    const seconds = (performance.now() - started) / 1000;
    const stats = source.stats();
    const result = {
      cycles, seconds: Number(seconds.toFixed(1)), attempts: stats.attempts, graceful: stats.closes.graceful,
      opens, errors, outOfOrder, samples,
      heap: flatVerdict(samples.map((s) => s.heapUsed), options.heapSlackBytes),
      wasm: flatVerdict(samples.map((s) => s.wasm), 0),
    };
    if (exporter) {
      await exporter.forceFlush();
      const es = exporter.stats();
      result.exporter = { maxQueued, queuedAtEnd: es.queued, exported: es.exported, flushed: es.flushed,
        dropped: es.dropped, exportFailures: es.exportFailures };
    }
    return result;
  }

  async function streamPhase(minutes) {
    if (!(minutes > 0)) return null;
    const durationMs = minutes * 60_000;
    const samples = [];
    const started = performance.now();
    let received = 0;
    let gaps = 0;
    let badData = 0;
    let lastProgress = Date.now();
    const source = new TracedEventSource(
      `${origin}/stream?id=soak&rate=${options.rate}&bytes=${options.eventBytes}`, { maxRetries: 0 });
    source.onmessage = (e) => {
      lastProgress = Date.now();
      received++;
      if (e.lastEventId !== String(received)) gaps++;
      const expected = String(received).padStart(10, '0');
      if (e.data.length !== Math.max(options.eventBytes - 1, 11) || !e.data.startsWith(expected)) badData++;
    };
    let stalled = null;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        if (Date.now() - lastProgress > STALL_MS) {
          stalled = `stream stalled after ${received} events (readyState ${source.readyState})`;
        }
        const s = sample(Number((elapsed / 1000).toFixed(1)));
        s.events = received;
        samples.push(s);
        show(`stream ${s.at.toFixed(0)} s`, s);
        if (elapsed >= durationMs || stalled) {
          clearInterval(timer);
          resolve();
        }
      }, options.sampleSeconds * 1000);
    });
    const seconds = (performance.now() - started) / 1000;
    const stats = source.stats();
    source.close();
    return {
      minutes, seconds: Number(seconds.toFixed(1)), rate: options.rate, eventBytes: options.eventBytes,
      received, eventsPerSecond: Number((received / seconds).toFixed(1)), gaps, badData, attempts: stats.attempts,
      stalled, samples,
      heap: flatVerdict(samples.map((s) => s.heapUsed), options.heapSlackBytes),
      wasm: flatVerdict(samples.map((s) => s.wasm), 0),
    };
  }

  const run = { options, startedAt: new Date().toISOString(), node: process.version };
  const startSample = sample('start');
  show('start', startSample);
  try {
    run.cycles = await cyclePhase('cycles', options.cycles, null);
    // exportTimeoutMs bounds each export with AbortSignal.timeout(), which Node's fetch keeps reachable until it
    // fires (about 0.7 KB per export): 2 s instead of the default 30 s lets that reach its steady state within
    // warm-up. The local collector answers in milliseconds.
    const exporter = options.exporterCycles
      ? createExporter({ endpoint: `${origin}/v1/traces`, scheduledDelayMs: 100, exportTimeoutMs: 2000 })
      : null;
    try {
      run.exporterCycles = await cyclePhase('exporter-cycles', options.exporterCycles, exporter);
    } finally {
      await exporter?.shutdown();
    }
    run.stream = await streamPhase(options.streamMinutes);
    const served = await server.stats();
    if (run.cycles) run.cycles.server = served.runs.cycles;
    if (run.exporterCycles) {
      run.exporterCycles.server = served.runs['exporter-cycles'];
      run.exporterCycles.exporter.collectorSpans = served.collected.spans;
    }
    if (run.stream) run.stream.serverSent = served.streams.soak;
  } catch (error) {
    run.error = error.message;
  } finally {
    await server.stop();
  }
  const endSample = sample('end');
  show('end', endSample);
  run.memory = summary([startSample, ...[run.cycles, run.exporterCycles, run.stream].flatMap((p) => p?.samples ?? []),
    endSample]);
  run.checks = checks(run);
  run.pass = !run.error && run.checks.every((c) => c.pass);
  run.leakedBytes = leaked.length * options.leakBytesPerCycle;
  return run;
}

function summary(samples) {
  const of = (key) => ({
    start: samples[0][key], end: samples.at(-1)[key], peak: Math.max(...samples.map((s) => s[key])),
  });
  return { heapUsed: of('heapUsed'), wasm: of('wasm'), rss: of('rss') };
}

/** Every verdict of the run, each with what it compared. */
function checks(run) {
  const out = [];
  const add = (name, pass, detail) => out.push({ name, pass: Boolean(pass), detail });
  for (const [label, phase] of [['cycles', run.cycles], ['exporter cycles', run.exporterCycles]]) {
    if (!phase) continue;
    add(`${label}: every event in order`, phase.outOfOrder === 0, `${phase.outOfOrder} out of order`);
    add(`${label}: one attempt per cycle`, phase.attempts === phase.cycles && phase.graceful >= phase.cycles - 1,
      `${phase.attempts} attempts, ${phase.graceful} graceful ends for ${phase.cycles} cycles`);
    add(`${label}: Last-Event-ID sent on every reconnect`,
      phase.server && phase.server.lastEventIdMissing === 0 && phase.server.lastEventIdWrong === 0,
      phase.server
        ? `${phase.server.lastEventIdMissing} missing, ${phase.server.lastEventIdWrong} wrong of ` +
          `${phase.server.requests} requests`
        : 'no server figures');
    add(`${label}: JS heap flat`, phase.heap.pass, phase.heap.why);
    add(`${label}: Wasm memory flat`, phase.wasm.pass, phase.wasm.why);
    if (phase.exporter) {
      const e = phase.exporter;
      // forceFlush() at the end sends what was still queued as `flushed` (keepalive), not `exported`.
      add(`${label}: spans exported, queue drained`,
        e.exported > 0 && e.queuedAtEnd === 0 && e.exported + e.flushed === e.collectorSpans,
        `${e.exported} exported + ${e.flushed} flushed, ${e.collectorSpans} received by the collector, ` +
        `${e.queuedAtEnd} queued at the end, ` +
        `peak queue ${e.maxQueued}, dropped ${JSON.stringify(e.dropped)}`);
    }
  }
  if (run.stream) {
    const s = run.stream;
    add('stream: every event in order, one connection',
      s.received > 0 && s.gaps === 0 && s.badData === 0 && s.attempts === 1 && !s.stalled,
      `${s.received} events (${s.eventsPerSecond}/s) of ${s.serverSent} sent, ${s.gaps} gaps, ${s.badData} malformed, ` +
      `${s.attempts} attempts${s.stalled ? `, ${s.stalled}` : ''}`);
    add('stream: JS heap flat', s.heap.pass, s.heap.why);
    add('stream: Wasm memory flat', s.wasm.pass, s.wasm.why);
  }
  return out;
}

function report(run) {
  const mib = (n) => `${(n / MiB).toFixed(2)} MiB`;
  console.log('\nsummary');
  for (const [label, phase] of [['cycles', run.cycles], ['exporter cycles', run.exporterCycles]]) {
    if (phase) console.log(`  ${label}: ${phase.cycles} in ${phase.seconds} s`);
  }
  if (run.stream) {
    const s = run.stream;
    console.log(`  stream: ${s.received} events in ${s.seconds} s (${s.eventsPerSecond}/s of ${s.rate}/s requested, ` +
      `${s.eventBytes} B each)`);
  }
  const { heapUsed, wasm, rss } = run.memory;
  for (const [label, m] of [['JS heap after GC', heapUsed], ['Wasm memory', wasm], ['RSS', rss]]) {
    console.log(`  ${label}: start ${mib(m.start)}, end ${mib(m.end)}, peak ${mib(m.peak)}`);
  }
  console.log(`verdict rule: the first ${WARMUP_SHARE * 100}% of each phase's samples are warm-up; the peak of the ` +
    'last third of the rest must not exceed the peak of the first third by more than ' +
    `${run.options.heapSlackBytes / 1024} KiB (JS heap) or at all (Wasm memory)`);
  for (const c of run.checks) console.log(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (run.error) console.log(`  FAIL ${run.error}`);
  console.log(run.pass ? 'SOAK PASS' : 'SOAK FAIL');
}

async function main() {
  if (typeof globalThis.gc !== 'function') {
    // Full collections on demand need --expose-gc: run again with it.
    const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url),
      ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }
  const options = parseFlags(process.argv.slice(2));
  const run = await client(options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } else {
    report(run);
  }
  process.exitCode = run.pass ? 0 : 1;
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isMainThread && workerData?.role === 'server') runServer();
else if (invokedDirectly) await main();

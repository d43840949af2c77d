// Turns the raw samples into the Markdown report (bench/results/latest.md) and the goals table.
import { geomean, median, pairedRatio, summary } from './stats.mjs';
import { E2E_CONTENDERS } from './sections/e2e.mjs';
import { CHUNK_SIZES } from './sections/parser.mjs';
import { STARTUP_CONTENDERS } from './sections/startup.mjs';
import { memorySummary } from './sections/memory.mjs';
import { NODE_E2E_CONTENDERS } from './sections/node.mjs';

const MiB = 1024 * 1024;
const HEAP_FLAT_TOLERANCE = 1 * MiB;  // JS heap growth while streaming (after gc) that still counts as flat
const WASM_FLAT_TOLERANCE = 0;        // the Wasm memory must not grow while streaming

/** 3 significant digits, with k/M for big numbers. */
export function fmt(x, digits = 3) {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toPrecision(digits)} M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(digits)} k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(digits);
}

const range = (s, f = fmt) => (s.n ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '–');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const ratioRange = (s) => (s.n ? `${ratio(s.median)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : '–');
const mib = (b) => (Number.isFinite(b) ? `${(b / MiB).toFixed(2)}` : '–');
const ms1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const timed = (s) => s.round > 0 && s.ok;

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Per corpus: the timed rounds as objects (value of `key`) -> value of `field`. */
function roundsOf(samples, corpus, field, key = 'contender', filter = () => true) {
  const byRound = new Map();
  for (const s of samples) {
    if (s.corpus !== corpus || !timed(s) || !filter(s)) continue;
    if (!byRound.has(s.round)) byRound.set(s.round, {});
    byRound.get(s.round)[s[key]] = s[field];
  }
  return [...byRound.values()];
}

function corporaOf(samples) {
  return [...new Set(samples.map((s) => s.corpus))];
}

/** median (min–max) of `field` for one contender on one corpus, FAILED when no timed run succeeded. */
function cell(samples, failures, corpus, contender, field) {
  const ok = samples.filter((s) => s.corpus === corpus && s.contender === contender && timed(s));
  const failed = failures.filter((x) => x.corpus === corpus && x.contender === contender);
  if (ok.length === 0) return failed.length ? '**FAILED**' : '–';
  const text = range(summary(ok.map((s) => s[field])));
  return failed.length ? `${text} ⚠${failed.length} failed` : text;
}

function matrix(samples, failures, contenders, field) {
  return table(['corpus', ...contenders], corporaOf(samples).map((c) =>
    [c, ...contenders.map((k) => cell(samples, failures, c, k, field))]));
}

/** Paired ratios traced-on ÷ every peer, per corpus, of events/s and of CPU per MiB; `gm` = geomean of medians. */
export function e2eAnalysis(samples, contenders, reference = 'traced-on') {
  const corpora = corporaOf(samples);
  const ratios = {};
  const cpuRatios = {};
  for (const peer of contenders.filter((c) => c !== reference)) {
    ratios[peer] = {};
    cpuRatios[peer] = {};
    for (const corpus of corpora) {
      ratios[peer][corpus] = pairedRatio(roundsOf(samples, corpus, 'eventsPerS'), reference, peer);
      cpuRatios[peer][corpus] = pairedRatio(roundsOf(samples, corpus, 'cpuMsPerMiB'), reference, peer);
    }
  }
  const gm = (byCorpus) => geomean(Object.values(byCorpus).map((s) => s.median));
  return { corpora, ratios, cpuRatios, gm };
}

function ratioTable(corpora, peers, byPeer, gm) {
  return table(['corpus', ...peers], [
    ...corpora.map((c) => [c, ...peers.map((p) => ratioRange(byPeer[p][c]))]),
    ['**geomean**', ...peers.map((p) => `**${ratio(gm(byPeer[p]))}**`)],
  ]);
}

function e2eTables(samples, failures, contenders, cpuLabel) {
  const { corpora, ratios, cpuRatios, gm } = e2eAnalysis(samples, contenders);
  const peers = contenders.filter((c) => c !== 'traced-on');
  return [
    'Events per second, median (min–max) over timed rounds:\n',
    matrix(samples, failures, contenders, 'eventsPerS'),
    '\nThroughput, MiB/s of wire bytes, median (min–max):\n',
    matrix(samples, failures, contenders, 'mibPerS'),
    '\nTime to last event, ms from construction, median (min–max):\n',
    matrix(samples, failures, contenders, 'ms'),
    `\n${cpuLabel}, ms per MiB, median (min–max):\n`,
    matrix(samples, failures, contenders, 'cpuMsPerMiB'),
    '\nPaired ratios of events/s, traced-on ÷ peer (per round, then median (min–max)); > 1: TracedEventSource is ' +
      'faster:\n',
    ratioTable(corpora, peers, ratios, gm),
    '\nPaired ratios of CPU per MiB, traced-on ÷ peer; < 1: TracedEventSource uses less:\n',
    ratioTable(corpora, peers, cpuRatios, gm),
  ].join('\n');
}

/** Per (corpus, chunk size): both parsers' MiB/s and the paired ratio core ÷ eventsource-parser. */
export function parserAnalysis(samples) {
  const rows = [];
  for (const corpus of corporaOf(samples)) {
    for (const size of CHUNK_SIZES) {
      const pick = (p) => samples.filter((s) => s.corpus === corpus && s.size === size && s.parser === p && timed(s))
        .map((s) => s.mibPerS);
      const rounds = roundsOf(samples, corpus, 'mibPerS', 'parser', (s) => s.size === size);
      rows.push({ corpus, size, core: summary(pick('core')), ep: summary(pick('eventsource-parser')),
        ratio: pairedRatio(rounds, 'core', 'eventsource-parser') });
    }
  }
  return { rows, geomean: geomean(rows.map((r) => r.ratio.median)) };
}

function parserTables(samples) {
  const { rows, geomean: gm } = parserAnalysis(samples);
  const header = ['corpus', 'chunk', 'core MiB/s', 'eventsource-parser MiB/s', 'core ÷ eventsource-parser (paired)'];
  const main = table(header, [
    ...rows.map((r) => [r.corpus, `${r.size / 1024} KiB`, range(r.core), range(r.ep), ratioRange(r.ratio)]),
    ['**geomean**', '', '', '', `**${ratio(gm)}**`],
  ]);
  // Where an EventSource's time goes per MiB: parsing (16 KiB chunks) and dispatching MessageEvents.
  const of = (c, parser, size) => samples
    .filter((s) => s.corpus === c && s.parser === parser && s.size === size && timed(s));
  const msPerMiB = (c, parser, size) => 1000 / median(of(c, parser, size).map((s) => s.mibPerS));
  const dispatch = table(['corpus', 'new MessageEvent(init) + dispatch, events/s', 'its ms/MiB',
    'TracedEventSource\'s subclass + dispatch, events/s', 'its ms/MiB', 'core parser ms/MiB (16 KiB)',
    'eventsource-parser ms/MiB (16 KiB)'], corporaOf(samples).map((c) => [c,
    range(summary(of(c, 'dispatch', 0).map((s) => s.eventsPerS))), fmt(msPerMiB(c, 'dispatch', 0)),
    range(summary(of(c, 'dispatch-subclass', 0).map((s) => s.eventsPerS))), fmt(msPerMiB(c, 'dispatch-subclass', 0)),
    fmt(msPerMiB(c, 'core', 16384)), fmt(msPerMiB(c, 'eventsource-parser', 16384))]));
  return `${main}\n\nA reference for the end-to-end goals: dispatching real MessageEvents alone (events parsed ` +
    'beforehand, then each made with `new MessageEvent(type, { data, origin, lastEventId })`, or as ' +
    'TracedEventSource makes them (js-glue/sse-message-event.js), and dispatched to one listener) costs, ' +
    `per MiB of wire data:\n\n${dispatch}`;
}

function startupTables(startup) {
  const pick = (contender, kind, field) => summary(startup.samples
    .filter((s) => s.ok && s.contender === contender && s.kind === kind).map((s) => s[field]));
  const fields = ['importMs', 'toRequestMs', 'toFirstEventMs'];
  const main = table(['contender', 'cold: import', 'cold: to request', 'cold: to first event', 'warm: import',
    'warm: to request', 'warm: to first event'], STARTUP_CONTENDERS.map((c) => [c,
    ...['cold', 'warm'].flatMap((k) => fields.map((f) => range(pick(c, k, f), ms1)))]));
  const w = startup.wasm.filter((x) => x.ok);
  const wasm = table(['binary', 'WebAssembly.compile', 'instantiate (stub imports)',
    'loadCore() (fetch + compile + instantiate + init)'], [[`${w[0]?.bytes ?? '–'} B`,
    range(summary(w.map((x) => x.compileMs)), ms1), range(summary(w.map((x) => x.instantiateMs)), ms1),
    range(summary(w.map((x) => x.loadCoreMs)), ms1)]]);
  return `${main}\n\nCore Wasm (a fresh browser context per sample), ms, median (min–max):\n\n${wasm}\n\n` +
    'Clock check (server arrival − page send time of a plain fetch; ≥ 0 and small when the two clocks agree): ' +
    `${range(summary(startup.clock), ms1)} ms.`;
}

export function memoryAnalysis(memory) {
  return memory.runs.map((r) => ({ contender: r.contender, ok: r.ok, reason: r.reason,
    heap: memorySummary(r.samples, 'heap', HEAP_FLAT_TOLERANCE),
    wasm: memorySummary(r.samples, 'wasm', WASM_FLAT_TOLERANCE) }));
}

function memoryTable(memory) {
  const rows = memoryAnalysis(memory).map((r) => {
    if (!r.ok || !r.heap) return [r.contender, `**FAILED**: ${r.reason ?? 'no samples'}`, '', '', '', '', '', ''];
    const wasmCells = r.contender.startsWith('traced')
      ? [`${mib(r.wasm.start)} → ${mib(r.wasm.first)} / ${mib(r.wasm.peak)} / ${mib(r.wasm.end)}`, mib(r.wasm.growth)]
      : ['(not used)', ''];
    return [r.contender, mib(r.heap.start), mib(r.heap.first), mib(r.heap.peak), mib(r.heap.end),
      `${mib(r.heap.growth)} (${mib(r.heap.streamingRange)})`, ...wasmCells];
  });
  return table(['contender', 'JS heap before', 'at 4 MiB', 'peak', 'after', 'growth while streaming (range)',
    'Wasm memory before → at 4 MiB / peak / after', 'Wasm growth while streaming'], rows) +
    '\n\nMiB. Samples every 4 MiB after gc(), "after" 0.5 s after close. Growth while streaming = median of the ' +
    'second half of the samples taken while streaming − median of the first half (single samples move with the ' +
    'input buffered ahead of the consumer: the range shows by how much). Flat = JS heap growth ≤ ' +
    `${mib(HEAP_FLAT_TOLERANCE)} MiB and no Wasm growth.`;
}

/** The goals of issue 8, each with the measured value and whether it is met. */
export function goals(data) {
  const rows = [];
  const add = (goal, target, met, text) => rows.push({ goal, target, met, text });
  if (data.e2e) {
    const e2e = e2eAnalysis(data.e2e.samples, E2E_CONTENDERS);
    const vsEp = e2e.gm(e2e.ratios['eventsource-parser']);
    add('events/s, TracedEventSource (tracing on, MessageEvents) ÷ eventsource-parser over fetch, geomean over ' +
      'corpora', '≥ 1.5×', vsEp >= 1.5, ratio(vsEp));
    const vsNative = e2e.gm(e2e.ratios.native);
    add('events/s, TracedEventSource (tracing on) ÷ native EventSource, geomean over corpora', '≥ 5×',
      vsNative >= 5, ratio(vsNative));
    const cpu = e2e.gm(e2e.cpuRatios['eventsource-parser']);
    const perCorpus = Object.values(e2e.cpuRatios['eventsource-parser']).filter((s) => s.n);
    const within = perCorpus.filter((s) => s.median <= 1).length;
    add('renderer main-thread CPU per MiB, TracedEventSource (tracing on) ÷ eventsource-parser, geomean', '≤ 1×',
      cpu <= 1, `${ratio(cpu)} (≤ 1× in ${within} of ${perCorpus.length} corpora)`);
    const off = e2e.gm(e2e.ratios['traced-off']);
    add('tracing overhead: events/s tracing on ÷ tracing off, geomean (cost = 1 − ratio)', '≥ 0.95× (< 5 % cost)',
      off >= 0.95, `${ratio(off)} (cost ${((1 - off) * 100).toFixed(1)} %)`);
  }
  if (data.parser) {
    const p = parserAnalysis(data.parser.samples).geomean;
    add('core parser ÷ eventsource-parser in Chromium, MiB/s, geomean over corpora × chunk sizes', '≥ 2×', p >= 2,
      ratio(p));
  }
  if (data.memory) {
    const traced = memoryAnalysis(data.memory).find((r) => r.contender === 'traced-on');
    const flat = Boolean(traced?.ok && traced.heap?.flat && traced.wasm?.flat);
    add(`memory flat while streaming ${(data.memory.bytes / MiB).toFixed(0)} MiB (TracedEventSource, tracing on)`,
      `JS heap growth ≤ ${mib(HEAP_FLAT_TOLERANCE)} MiB, no Wasm growth`, flat, traced?.heap
        ? `JS heap growth ${mib(traced.heap.growth)} MiB, Wasm growth ${mib(traced.wasm?.growth)} MiB` : 'FAILED');
  }
  const m = data.meta;
  if (m.mode === 'full' && m.sections.length === 6 && m.corpora.length === 7) {
    add('`npm run bench` wall time (full run, after the build step)', '< 10 min', m.durationS < 600,
      `${(m.durationS / 60).toFixed(1)} min`);
  }
  return rows;
}

export function goalsTable(rows) {
  return table(['goal', 'target', 'measured', 'met?'],
    rows.map((r) => [r.goal, r.target, r.text, r.met ? 'yes' : '**no**']));
}

export function buildReport(data) {
  const m = data.meta;
  const out = [
    `# traced-eventsource benchmark (${m.mode})\n`,
    `- Date: ${m.date}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB RAM; load average ${m.loadBefore} before, ` +
      `${m.loadAfter} after`,
    `- Chromium: ${m.chromium} (headless, driven over --remote-debugging-pipe; only Target/Page/Runtime/Performance)`,
    `- Node: ${m.node}`,
    `- Commit: ${m.commit}${m.dirty ? ' + uncommitted changes in js-glue/ or wasm/' : ''}; core.wasm ${m.wasmBytes} B`,
    `- Sections: ${m.sections.join(', ')}; wall time ${(m.durationS / 60).toFixed(1)} min ` +
      `(${Object.entries(m.sectionS).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}` +
      `${m.buildS === null ? ', no build step' : `; build step before it ${m.buildS.toFixed(1)} s`})`,
    `- Command: \`${m.command}\``,
    '\n## Goals\n',
    goalsTable(goals(data)),
  ];
  if (data.e2e) {
    const e = data.e2e;
    const timedRounds = (c) => new Set(e.samples.filter((s) => s.corpus === c && s.round > 0).map((s) => s.round)).size;
    out.push('\n## End to end in Chromium\n',
      'A local server streams N events as fast as the socket takes them; each run is a fresh page load; the ' +
      `contender is closed on the last expected event. ${e.rounds} timed rounds (order rotated; every corpus once ` +
      'per round) after one verification round. Corpora:\n',
      table(['corpus', 'what', 'events', 'MiB', 'timed rounds'], e.sets.map((s) => [s.name, s.describe, fmt(s.n),
        (s.bytes / MiB).toFixed(1), timedRounds(s.name)])));
    if (e.collector) {
      out.push(`\nThe collector received ${e.collector.exports} OTLP export requests (${e.collector.exportBytes} B) ` +
        'from the tracing-on runs.');
    }
    out.push('\n' + e2eTables(e.samples, e.failures, E2E_CONTENDERS,
      'Renderer main-thread CPU (Performance.getMetrics TaskDuration, thread time)'),
    '\nMain thread busy share: its CPU time ÷ time to last event (low: the contender waits on something other ' +
      'than its own JavaScript, e.g. how the browser delivers the bytes; the CPU window is slightly longer than the ' +
      'timed one):\n',
    matrix(e.samples, e.failures, E2E_CONTENDERS, 'busy'),
    '\nScriptDuration, ms per MiB (Blink counts listener calls, not the promise reactions of stream reads: ' +
      'fetch-based contenders show ≈ 0; for information only):\n',
    matrix(e.samples, e.failures, E2E_CONTENDERS, 'scriptMsPerMiB'));
  }
  if (data.parser) {
    out.push('\n## Parser in Chromium\n',
      `The corpus bytes (${data.parser.mib} MiB per corpus) fed in chunks, no network: the core gets raw bytes and ` +
      'returns JS strings; eventsource-parser gets TextDecoder (stream: true) output, its decoding timed. ' +
      `${data.parser.rounds} timed rounds after a verification round.\n`,
      parserTables(data.parser.samples));
  }
  if (data.startup) {
    out.push('\n## Startup\n',
      'Time zero: just before the contender\'s import() (native EventSource: its constructor). "To request": the ' +
      'server saw the SSE request. Cold: a fresh browser context and URL per sample (nothing cached, no Wasm module ' +
      'cache in the renderer). Warm: the third and later loads of the same URLs in one context (HTTP and V8 code ' +
      `caches filled). ${data.startup.rounds} samples each, ms, median (min–max).\n`,
      startupTables(data.startup));
  }
  if (data.memory) {
    out.push('\n## Memory\n',
      `A ${(data.memory.bytes / MiB).toFixed(0)} MiB stream of 4 KiB events (${data.memory.n} events), one run per ` +
      'contender.\n',
      memoryTable(data.memory));
  }
  if (data.node) {
    out.push('\n## Node\n',
      `Node ${m.node}, one client process per corpus (the server stays in the driver's worker thread). CPU is the ` +
      'client process\'s user + system time. End to end:\n',
      e2eTables(data.node.e2e, data.node.failures, NODE_E2E_CONTENDERS, 'Client process CPU'),
      '\nParser in Node:\n',
      parserTables(data.node.parser));
  }
  out.push('\n## Failures\n', data.failures.length === 0
    ? 'None: every run delivered the expected count and checksum.'
    : table(['section', 'corpus', 'contender', 'round', 'reason'], data.failures.map((f) => [f.section, f.corpus,
      f.contender, f.round, String(f.reason).replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 300)])));
  out.push('\n## Method\n', METHOD);
  return out.join('\n') + '\n';
}

const METHOD = `- Contenders: **traced-on** = \`new TracedEventSource(url, { exporter })\` with the default trace
  context (W3C + X-Ray headers on the page's origin) and an exporter (\`createExporter\`) sending the connection's
  spans to the bench server's collector; **traced-off** = \`{ trace: false }\`, no exporter. Both dispatch real
  MessageEvents to \`addEventListener\` listeners, one per event type of the corpus, as do **native**
  \`EventSource\` and the **eventsource** package (5.1.5). **eventsource-parser** (4.1.3) = \`fetch()\` + \`body.pipeThrough(new
  TextDecoderStream())\` + \`createParser().feed()\`, events as plain objects. **fetch-event-source** =
  \`@microsoft/fetch-event-source\` 2.0.1 with \`openWhenHidden: true\`.
- Checksums: every handler feeds (type, data, lastEventId) of every event to the same accumulator
  (\`bench/checksum.mjs\`); a run passes only with the exact count and checksum the generator computed. The untimed
  verification round hashes every char; timed rounds hash type and lastEventId fully and data's length plus its
  first, middle and last chars (hashing 64 KiB strings char by char costs about as much as parsing them, and would
  hide the differences being measured). Failed runs are listed above and left out of medians and ratios.
- Paired ratios: within a round every contender streams the same bytes back to back (order rotated each round); the
  ratio is taken per round, then the median over rounds; the geometric mean is over corpora (of those medians).
- CPU: \`Performance.getMetrics\` (\`Performance.enable\` with \`timeDomain: 'threadTicks'\`) before and after each
  run: TaskDuration is the renderer main thread's CPU time in tasks. Network-service and browser-process work is not
  in it.
- The Wasm core is loaded before timed e2e runs (a page-level warm-up); startup is measured in its own section.`;

// The dashboard: one TracedEventSource on /feed (idle timeout 6 s, spans to the demo's OTLP receiver), drawn as
// topic cards, counters, the connection over time and its log; fault buttons; the current trace; and the traces
// the server stored, with a waterfall of browser and server spans.
//
// Only real server events reach the source (`score`, `gap`, `huge`); everything about the connection itself
// comes from the `diagnostics` callback, `readyState` and `stats()`, never from synthetic events.

import { TracedEventSource } from '/js-glue/index.js';
import { exporter, getJson, postJson } from './lib/telemetry.js';
import { TopicBoard } from './lib/topics.js';
import { ConnectionStrip } from './lib/connection-strip.js';
import { DiagnosticsLog } from './lib/diagnostics-log.js';
import { SequenceTracker } from './lib/sequence.js';
import { Counters } from './lib/counters.js';
import { CurrentTrace } from './lib/current-trace.js';
import { FaultPanel } from './lib/faults.js';
import { ServicePalette } from './lib/service-palette.js';
import { TraceList } from './lib/trace-list.js';
import { Waterfall } from './lib/waterfall.js';
import { SpanDetails } from './lib/span-details.js';
import { TraceExplorer } from './lib/trace-explorer.js';
import { CLOSE_TYPES, closeLabel } from './lib/close-types.js';
import { bytes, count, uptime, utf8Length } from './lib/format.js';

const FEED_PATH = '/feed';
const BACKFILL = 480; // the first connection asks for recent events (~80 per topic), so sparklines start full
const IDLE_TIMEOUT_MS = 6000;
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSED'];
const CLOSED = 2;
const TRACE_POLL_MS = 2000;
const STATS_POLL_MS = 2000;

const $ = (id) => document.getElementById(id);
const ui = { state: $('state'), connect: $('connect'), close: $('close'), url: $('source-url'), closedHint: $('closed-hint'), serverStats: $('server-stats') };

const board = new TopicBoard($('topics'), { capacity: 80 });
const strip = new ConnectionStrip($('strip-track'), $('strip-axis'), $('ends'));
const log = new DiagnosticsLog($('timeline'), { limit: 150 });
const sequence = new SequenceTracker();
const counters = new Counters($);
const palette = new ServicePalette();

// What the page has seen, for the counters (and the e2e test, through window.dashboard).
const RECEIVED_LIMIT = 10_000;
const received = []; // seq numbers, in arrival order
const huge = []; // { at, bytes }
const arrivals = []; // arrival times of the last few seconds, for the rate
const connects = []; // { attempt, traceId, spanId, at } of every attempt, oldest first (bounded)
const attemptsByTrace = new Map(); // traceId → { attempt, closeType?, end? }: notes for the trace list
let attemptTraceId = ''; // the trace of the attempt in progress
const totals = { received: 0, bytes: 0, reconnects: 0, lastEventId: '', hugeBytes: 0 };
const pastStats = { attempts: 0, closes: Object.fromEntries(CLOSE_TYPES.map((t) => [t, 0])) }; // of replaced sources

let source = null; // the current TracedEventSource (may be CLOSED after a 204), null after Close
let openedAt = null;
let attempt = 0;

globalThis.dashboard = {
  received, huge, totals, sequence, exporter, connects,
  get source() { return source; },
  stats: () => allStats(),
};

// ---- the source ----

function connect() {
  if (source && source.readyState !== CLOSED) return;
  retire();
  // A later Connect starts live: its history is already on screen, and the seq jump is the user's doing.
  const url = board.isEmpty ? `${FEED_PATH}?backfill=${BACKFILL}` : FEED_PATH;
  sequence.reset();
  const s = new TracedEventSource(url, { diagnostics: onDiagnostic, idleTimeoutMs: IDLE_TIMEOUT_MS, exporter });
  source = s;
  s.addEventListener('open', () => {
    openedAt = Date.now();
    render();
  });
  s.addEventListener('error', () => {
    openedAt = null;
    render();
  });
  s.addEventListener('score', onScore);
  s.addEventListener('gap', onGap);
  s.addEventListener('huge', onHuge);
  const u = new URL(s.url);
  ui.url.textContent = u.pathname + u.search;
  render();
}

function close() {
  if (!source) return;
  source.close();
  retire();
  render();
}

/** Folds a finished source's stats into the totals, so the counters survive Close / Connect. */
function retire() {
  if (!source) return;
  source.close();
  const s = source.stats();
  pastStats.attempts += s.attempts;
  for (const [t, n] of Object.entries(s.closes)) pastStats.closes[t] = (pastStats.closes[t] ?? 0) + n;
  source = null;
  openedAt = null;
}

function allStats() {
  const s = source?.stats() ?? { attempts: 0, closes: {} };
  const closes = { ...pastStats.closes };
  for (const [t, n] of Object.entries(s.closes)) closes[t] = (closes[t] ?? 0) + n;
  return { attempts: pastStats.attempts + s.attempts, closes };
}

function arrived(e) {
  const now = Date.now();
  totals.received++;
  totals.bytes += utf8Length(e.data);
  totals.lastEventId = e.lastEventId;
  arrivals.push(now);
  countersSoon();
}

/** @param {MessageEvent<string>} e */
function onScore(e) {
  const data = JSON.parse(e.data);
  arrived(e);
  received.push(data.seq);
  if (received.length > RECEIVED_LIMIT) received.splice(0, received.length - RECEIVED_LIMIT);
  sequence.accept(data.seq);
  board.update(data);
}

/** The server could not resume from our Last-Event-ID and continues from now. @param {MessageEvent<string>} e */
function onGap(e) {
  const { requested, oldestAvailable, resumedAfter } = JSON.parse(e.data);
  arrived(e);
  sequence.skipTo(resumedAfter);
  note('gap', `Server could not resume after id ${requested} (history starts at ${oldestAvailable}); continuing after ${resumedAfter}.`);
}

/** One very large event (the "huge" fault): counted and logged; the stream goes on. @param {MessageEvent<string>} e */
function onHuge(e) {
  arrived(e);
  const size = utf8Length(e.data);
  let parsed = 'valid JSON';
  try {
    JSON.parse(e.data);
  } catch {
    parsed = 'not JSON';
  }
  huge.push({ at: Date.now(), bytes: size });
  totals.hugeBytes += size;
  note('huge', `Huge event received: ${bytes(size)} of data (${parsed}), id ${e.lastEventId || '—'}; the stream goes on.`, `huge ${bytes(size)}`);
}

/** A page-level note on the strip and in the log. */
function note(kind, message, label = kind) {
  const at = Date.now();
  strip.record(kind, at, { label });
  log.add({ at, kind, message });
}

/** @param {import('/js-glue/index.js').Diagnostic} d */
function onDiagnostic(d) {
  const at = Date.now();
  if (d.kind === 'reconnect') totals.reconnects++;
  if (d.kind === 'connect') {
    attempt = d.attempt;
    if (d.trace) {
      connects.push({ attempt: d.attempt, traceId: d.trace.traceId, spanId: d.trace.spanId, at });
      attemptsByTrace.set(d.trace.traceId, { attempt: d.attempt });
      attemptTraceId = d.trace.traceId;
    }
    if (connects.length > 500) attemptsByTrace.delete(connects.shift().traceId);
    traceList.mark({ currentId: d.trace?.traceId ?? '' });
  }
  const mine = attemptsByTrace.get(attemptTraceId);
  if (mine && !mine.end && d.closeType && (d.kind === 'reconnect' || d.kind === 'closed')) Object.assign(mine, { closeType: d.closeType, end: closeLabel(d) });
  currentTrace.update(d);
  strip.record(d.kind, at, d);
  log.add({ at, ...d });
  render();
}

// ---- rendering ----

function render() {
  const now = Date.now();
  const state = source ? source.readyState : CLOSED;
  const name = STATE_NAMES[state];
  if (ui.state.textContent !== name) {
    ui.state.textContent = name;
    ui.state.dataset.state = name;
  }
  ui.connect.disabled = state !== CLOSED;
  ui.close.disabled = state === CLOSED;
  // Closed by the server (a 204 or a fatal status), not by the user: say what to do.
  ui.closedHint.hidden = !(source && state === CLOSED);
  strip.draw(now);
  board.tick(now);
  renderCounters(now, state);
}

/** Counters follow every event (coalesced: one render for the events one network chunk dispatches). */
let countersQueued = false;
function countersSoon() {
  if (countersQueued) return;
  countersQueued = true;
  queueMicrotask(() => {
    countersQueued = false;
    renderCounters(Date.now(), source ? source.readyState : CLOSED);
  });
}

function renderCounters(now, state) {
  while (arrivals.length && arrivals[0] < now - 5000) arrivals.shift();
  const stats = allStats();
  counters.render({
    received: totals.received,
    ratePerS: arrivals.length / 5,
    bytes: totals.bytes,
    huge: { count: huge.length, bytes: totals.hugeBytes },
    reconnects: totals.reconnects,
    attempts: stats.attempts,
    closes: stats.closes,
    spans: exporter.stats(),
    sequence,
    lastEventId: totals.lastEventId,
    uptime: openedAt && state === 1 ? uptime(now - openedAt) : '—',
    uptimeSub: source ? `attempt #${attempt} · idle ${IDLE_TIMEOUT_MS / 1000} s` : 'closed by you',
  });
}

// ---- faults ----

const faults = new FaultPanel($('faults'), $('fault-result'), {
  post: postJson,
  onInjected: (f, result, text) => note('fault', `Injected ${text}.`, f.kind),
});

// ---- traces ----

const currentTrace = new CurrentTrace(
  { traceId: $('trace-id'), xray: $('trace-xray'), spanId: $('trace-span'), echo: $('trace-echo'), previous: $('trace-previous'), session: $('trace-session'), sampled: $('trace-sampled'), open: $('open-trace') },
  (id) => selectTrace(id),
);
const details = new SpanDetails($('span-details'), { palette, onOpenTrace: (id) => selectTrace(id) });
const waterfall = new Waterfall($('waterfall'), $('waterfall-head'), { palette, onSelectSpan: (row) => details.show(row) });
const traceList = new TraceList($('trace-list'), $('trace-filters'), $('trace-meta'), {
  palette,
  onSelect: (id) => selectTrace(id),
  onFilter: () => explorer.poll(),
  annotate: (traceId) => {
    const a = attemptsByTrace.get(traceId);
    if (!a) return undefined;
    return { text: `attempt ${a.attempt}${a.end ? ` · ${a.end}` : ''}`, closeType: a.closeType };
  },
});

const explorer = new TraceExplorer({ list: traceList, waterfall, details, getJson });
const selectTrace = (traceId) => explorer.select(traceId);

// ---- server ----

let pollingStats = false;
async function pollServer() {
  if (pollingStats) return;
  pollingStats = true;
  try {
    const s = await getJson('/api/stats');
    const parts = [`${s.clients} client${s.clients === 1 ? '' : 's'}`, `${count(s.eventsSent)} events sent`, `history ${s.feed.historySize}/${s.feed.historyCapacity}`];
    if (s.otlp) parts.push(otlpSummary(s.otlp));
    if (s.forward) parts.push(forwardSummary(s.forward));
    ui.serverStats.textContent = `server: ${parts.filter(Boolean).join(' · ')}`;
    faults.show(s.faults ?? (await getJson('/api/faults').catch(() => null)));
  } catch {
    ui.serverStats.textContent = 'server: unreachable';
  } finally {
    pollingStats = false;
  }
}

function otlpSummary(o) {
  return `store ${count(o.spansStored)} spans in ${count(o.tracesStored)} traces`;
}

function forwardSummary(f) {
  return f.endpoint ? `forwarding to ${f.endpoint}` : 'collector forwarding off';
}

// ---- start ----

ui.connect.addEventListener('click', connect);
ui.close.addEventListener('click', close);
$('closed-connect').addEventListener('click', connect);
$('boot-error').remove();
connect();
// readyState changes without an event while a reconnect waits, so the view also refreshes on a timer.
setInterval(render, 250);
pollServer();
setInterval(pollServer, STATS_POLL_MS);
explorer.poll();
setInterval(() => explorer.poll(), TRACE_POLL_MS);

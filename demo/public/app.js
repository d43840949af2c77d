// The dashboard: one TracedEventSource on /feed, rendered as topic cards, counters and a connection timeline.
//
// Only real server events reach the source (`score`, `gap`); everything about the connection itself comes
// from the `diagnostics` callback and `readyState`, never from synthetic events.

import { TracedEventSource } from '/js-glue/index.js';
import { TopicBoard } from './lib/topics.js';
import { StateStrip, DiagnosticsLog } from './lib/timeline.js';
import { SequenceTracker } from './lib/sequence.js';

const FEED_PATH = '/feed';
const BACKFILL = 480; // the first connection asks for recent events (~80 per topic), so sparklines start full
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSED'];
const CLOSED = 2;

const $ = (id) => document.getElementById(id);
const ui = {
  state: $('state'),
  connect: $('connect'),
  close: $('close'),
  url: $('source-url'),
  received: $('events-received'),
  reconnects: $('reconnects'),
  lastId: $('last-event-id'),
  continuity: $('continuity'),
  uptime: $('uptime'),
  serverStats: $('server-stats'),
};

const board = new TopicBoard($('topics'), { capacity: 80 });
const strip = new StateStrip($('strip'));
const log = new DiagnosticsLog($('timeline'), { limit: 100 });
const sequence = new SequenceTracker();
const counters = { received: 0, reconnects: 0, lastEventId: '' };

let source = null; // the live TracedEventSource, null after Close
let openedAt = null; // when the current connection opened, for "Connected for"

// What this page received, in order (bounded): for the e2e test and for poking at from the console.
const RECEIVED_LIMIT = 10_000;
const received = [];
globalThis.dashboard = { received, counters, sequence, get source() { return source; } };

function connect() {
  if (source) return;
  // A later Connect starts live: its history is already on screen, and the seq jump is the user's doing.
  const url = board.isEmpty ? `${FEED_PATH}?backfill=${BACKFILL}` : FEED_PATH;
  sequence.reset();
  const s = new TracedEventSource(url, { diagnostics: onDiagnostic });
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
  ui.url.textContent = new URL(s.url).pathname + new URL(s.url).search;
  render();
}

function close() {
  if (!source) return;
  source.close();
  source = null;
  openedAt = null;
  render();
}

/** @param {MessageEvent<string>} e */
function onScore(e) {
  const data = JSON.parse(e.data);
  counters.received++;
  counters.lastEventId = e.lastEventId;
  received.push(data.seq);
  if (received.length > RECEIVED_LIMIT) received.splice(0, received.length - RECEIVED_LIMIT);
  sequence.accept(data.seq);
  board.update(data);
  renderCounters();
}

/** The server could not resume from our Last-Event-ID and continues from now. @param {MessageEvent<string>} e */
function onGap(e) {
  const { requested, oldestAvailable, resumedAfter } = JSON.parse(e.data);
  counters.lastEventId = e.lastEventId;
  sequence.skipTo(resumedAfter);
  const at = Date.now();
  strip.mark('gap', at);
  log.add({
    at,
    kind: 'gap',
    message: `Server could not resume after id ${requested} (history starts at ${oldestAvailable}); continuing after ${resumedAfter}.`,
  });
  renderCounters();
}

/** @param {import('/js-glue/index.js').Diagnostic} d */
function onDiagnostic(d) {
  const at = Date.now();
  if (d.kind === 'reconnect') counters.reconnects++;
  strip.mark(d.kind, at);
  log.add({ at, ...d });
  render();
}

function render() {
  const now = Date.now();
  const state = source ? source.readyState : CLOSED;
  const name = STATE_NAMES[state];
  if (ui.state.textContent !== name) {
    ui.state.textContent = name;
    ui.state.dataset.state = name;
  }
  ui.connect.disabled = source !== null;
  ui.close.disabled = source === null;
  strip.note(state, now);
  strip.draw(now);
  board.tick(now);
  ui.uptime.textContent = openedAt && state === 1 ? duration(now - openedAt) : '—';
  renderCounters();
}

function renderCounters() {
  ui.received.textContent = counters.received.toLocaleString('en-US');
  ui.reconnects.textContent = String(counters.reconnects);
  ui.lastId.textContent = counters.lastEventId || '—';
  const { missing, duplicates } = sequence;
  ui.continuity.dataset.ok = String(sequence.ok);
  ui.continuity.textContent = sequence.ok
    ? 'no gaps'
    : [missing && `${missing} missing`, duplicates && `${duplicates} dup`].filter(Boolean).join(' · ');
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

async function pollServerStats() {
  try {
    const res = await fetch('/api/stats', { cache: 'no-store' });
    const s = await res.json();
    const clients = `${s.clients} client${s.clients === 1 ? '' : 's'}`;
    ui.serverStats.textContent = `server: ${clients} · ${s.eventsSent.toLocaleString('en-US')} events sent · history ${s.feed.historySize}/${s.feed.historyCapacity}`;
  } catch {
    ui.serverStats.textContent = 'server: unreachable';
  }
}

ui.connect.addEventListener('click', connect);
ui.close.addEventListener('click', close);
$('boot-error').remove();
connect();
// readyState changes without an event while a reconnect waits, so the view also refreshes on a timer.
setInterval(render, 250);
pollServerStats();
setInterval(pollServerStats, 3000);

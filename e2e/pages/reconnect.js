// Page side of e2e/reconnect.spec.mjs. The spec drives a source over time (it waits, toggles the network,
// asks again), so a source here is a handle: open it, look at what it has seen so far, close it.
//
// Everything is recorded with the page's clock (performance.now(), ms): what the app can observe of a source:
// its events ('open', 'message', 'error', each with the readyState at dispatch), its readyState transitions
// (sampled every few ms and at every event, so a CONNECTING wait between two attempts shows), the diagnostics
// records, the window's online/offline events, and stats(). The server's timings are the reference for the
// reconnect waits; these are for what the app saw, and in what order.
//
// A native EventSource can be opened the same way (`{ native: true }`), to compare the two on one script.

const SAMPLE_MS = 4;

const plain = (v) => JSON.parse(JSON.stringify(v ?? null));
const now = () => performance.now();
const sources = new Map(); // id -> { source, record, sample, sampler }
let nextId = 1;

const network = [];
for (const type of ['online', 'offline']) window.addEventListener(type, () => network.push({ type, t: now() }));

/**
 * Opens a TracedEventSource (or a native EventSource) on `url` and starts recording. `init` is the
 * TracedEventSourceInit without `diagnostics` (added here). Returns the handle's id.
 */
window.openSource = (url, init = {}, { native = false } = {}) => {
  const id = nextId++;
  const record = {
    native, openedAt: now(), events: [], states: [], diagnostics: [], constructError: null,
  };
  let source;
  try {
    source = native
      ? new EventSource(url)
      : new window.lib.TracedEventSource(url, { ...init, diagnostics: (d) => record.diagnostics.push({ ...plain(d), t: now() }) });
  } catch (e) {
    record.constructError = `${e.name}: ${e.message}`;
    sources.set(id, { source: null, record, sample: () => {}, sampler: null });
    return id;
  }
  const sample = () => {
    const state = source.readyState;
    if (record.states.at(-1)?.state !== state) record.states.push({ state, t: now() });
  };
  sample();
  for (const type of ['open', 'message', 'error']) {
    source.addEventListener(type, (e) => {
      sample();
      const entry = { type, t: now(), readyState: source.readyState };
      if (type === 'message') Object.assign(entry, { data: e.data, lastEventId: e.lastEventId });
      record.events.push(entry);
    });
  }
  sources.set(id, { source, record, sample, sampler: setInterval(sample, SAMPLE_MS) });
  return id;
};

/** What the source has seen so far (a copy), with its current readyState and stats() (when it has them). */
window.observe = (id) => {
  const { source, record } = sources.get(id);
  const stats = typeof source?.stats === 'function' ? plain(source.stats()) : undefined;
  return plain({ ...record, readyState: source?.readyState, stats, network, now: now() });
};

/** close() as the app would, then what the source had seen, including stats() after the close. */
window.closeSource = (id) => {
  const entry = sources.get(id);
  if (entry.source) entry.source.close();
  entry.sample();
  clearInterval(entry.sampler);
  entry.record.closedAt = now();
  return window.observe(id);
};

window.plain = plain;

try {
  window.lib = await import('/js-glue/index.js');
} catch (e) {
  window.libError = `${e.name}: ${e.message}`;
}
window.reconnectReady = true;

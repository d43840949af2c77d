// Page side of e2e/hostile.spec.mjs. Sources (TracedEventSource or the browser's own EventSource) and exporters
// are made here by name, so the spec can drive them over time and read what the app could see. Times are the
// page's performance.now() (ms).

const plain = (v) => JSON.parse(JSON.stringify(v ?? null));
const now = () => performance.now();

// Main-thread tasks over 50 ms, from page load on: the spec reads the ones after its own mark.
const longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: true });
window.longTasksSince = (t) => longTasks.filter((e) => e.start + e.duration >= t);
window.now = now;

const exporters = new Map();  // name → { exporter, errors[] }
const sources = new Map();    // name → { source, impl, record }

window.makeExporter = (name, options) => {
  const errors = [];
  const exporter = window.lib.createExporter({ ...options, onError: (e) => errors.push(plain(e)) });
  exporters.set(name, { exporter, errors });
};
window.exporterStats = (name) => plain(exporters.get(name).exporter.stats());
window.exporterErrors = (name) => plain(exporters.get(name).errors);

/**
 * A fetch for TracedEventSource's `fetch` option that passes every body chunk through unchanged and notes its
 * size in `record` (chunks, bytes, largestChunk): what the core was handed at once, which bounds its input buffer.
 */
function tapFetch(record) {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const body = response.body.pipeThrough(new TransformStream({
      transform(chunk, controller) {
        record.chunks += 1;
        record.bytes += chunk.byteLength;
        if (chunk.byteLength > record.largestChunk) record.largestChunk = chunk.byteLength;
        controller.enqueue(chunk);
      },
    }));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * Opens `impl` ('traced' or 'native') on `url` under `name`.
 * - mode 'log': every event is kept ({type, data, lastEventId, readyState} at dispatch), for `listen` types too.
 * - mode 'sequence': messages must carry data `first`, `first + 1`, ... (and the same as lastEventId when `ids`).
 *   The handler only compares and counts, so any long task it sits in is the library's, not the app's. With
 *   `exporter`, it also reads the exporter's `queued` after every event (the largest is kept).
 * `init` goes to TracedEventSource, with a `diagnostics` callback that keeps every record; `tap` measures the
 * chunks it reads (tapFetch).
 */
window.openSource = (name, impl, url, options = {}) => {
  const { init = {}, listen = [], mode = 'log', first = 0, ids = false, exporter, tap = false } = options;
  const record = { openedAt: now(), opens: [], errors: [], diagnostics: [], log: [], count: 0, bad: 0, firstBad: null,
    doneAt: null, done: null, maxQueued: 0, chunks: 0, bytes: 0, largestChunk: 0 };
  const exp = exporter ? exporters.get(exporter).exporter : undefined;
  const source = impl === 'native'
    ? new EventSource(url)
    : new window.lib.TracedEventSource(url, {
      ...init,
      ...(exp ? { exporter: exp } : {}),
      ...(tap ? { fetch: tapFetch(record) } : {}),
      diagnostics: (d) => record.diagnostics.push({ ...plain(d), t: now() }),
    });
  source.addEventListener('open', () => record.opens.push({ t: now(), readyState: source.readyState }));
  source.addEventListener('error', () => record.errors.push({ t: now(), readyState: source.readyState }));
  if (mode === 'sequence') {
    let next = first;
    source.addEventListener('message', (e) => {
      const ok = e.data === `${next}` && (!ids || e.lastEventId === e.data);
      if (!ok) {
        record.firstBad ??= { expected: next, data: e.data, lastEventId: e.lastEventId };
        record.bad += 1;
      }
      record.count += 1;
      next += 1;
      if (exp) {
        const q = exp.stats().queued;
        if (q > record.maxQueued) record.maxQueued = q;
      }
    });
    source.addEventListener('done', (e) => { record.done = e.data; record.doneAt = now(); });
  } else {
    for (const name of new Set(['message', ...listen])) {
      source.addEventListener(name, (e) => {
        record.count += 1;
        const { type, data, lastEventId } = e;
        record.log.push({ type, data, lastEventId, readyState: source.readyState, t: now() });
      });
    }
  }
  sources.set(name, { source, impl, record });
};

window.observe = (name) => {
  const { source, impl, record } = sources.get(name);
  const traced = impl === 'traced';
  return plain({ ...record, readyState: source.readyState, lastEventId: traced ? source.lastEventId : undefined,
    stats: traced ? source.stats() : undefined, now: now() });
};

window.closeSource = (name) => {
  sources.get(name).source.close();
  return window.observe(name);
};

/** The Wasm core's linear memory, in bytes (one core per page: every source shares it; it never shrinks). */
window.wasmBytes = async () => (await window.loadCore()).HEAPU8.buffer.byteLength;

try {
  window.lib = await import('/js-glue/index.js');
  window.loadCore = (await import('/js-glue/core-loader.js')).loadCore;
  await window.loadCore();
} catch (e) {
  window.libError = `${e.name}: ${e.message}`;
}
window.hostileReady = true;

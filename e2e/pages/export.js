// Page side of e2e/export.spec.mjs. Exporters, sources and traced fetches are created here by name, so the spec
// can drive them over time (open, fetch, hide the page, navigate away) and read what the app could see: events,
// onError reports and exporter.stats(). Times are the page's performance.now() (ms).

const plain = (v) => JSON.parse(JSON.stringify(v ?? null));

// Which API sent each request to a URL containing `part` ('xmlhttprequest': the core's Emscripten Fetch sender;
// 'fetch': the shell). The default buffer of 250 entries would fill up in the flood tests.
performance.setResourceTimingBufferSize(100_000);
window.initiators = (part) => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes(part)).map((e) => e.initiatorType);
const now = () => performance.now();
const exporters = new Map();  // name -> { exporter, errors[] }
const sources = new Map();    // name -> { source, record }
const fetches = new Map();    // exporter name -> tracedFetch bound to it

/** createExporter(options) under `name`; onError reports are kept (with the stats at that moment). */
window.makeExporter = (name, options) => {
  const errors = [];
  const exporter = window.lib.createExporter({
    ...options,
    onError: (e) => errors.push({ ...plain(e), t: now(), stats: plain(exporter.stats()) }),
  });
  exporters.set(name, { exporter, errors });
  fetches.set(name, window.lib.createTracedFetch({ exporter }));
};

window.exporterStats = (name) => plain(exporters.get(name).exporter.stats());
window.exporterErrors = (name) => plain(exporters.get(name).errors);
window.forceFlush = async (name) => {
  await exporters.get(name).exporter.forceFlush();
  return window.exporterStats(name);
};

/** A TracedEventSource on `url` sending its spans to exporter `exporterName`. */
window.openSource = (name, url, init, exporterName) => {
  const record = { openedAt: now(), events: [], diagnostics: [] };
  const source = new window.lib.TracedEventSource(url, {
    ...init,
    exporter: exporters.get(exporterName).exporter,
    diagnostics: (d) => record.diagnostics.push({ ...plain(d), t: now() }),
  });
  for (const type of ['open', 'message', 'error']) {
    source.addEventListener(type, (e) => {
      const entry = { type, t: now(), readyState: source.readyState };
      if (type === 'message') Object.assign(entry, { data: e.data, lastEventId: e.lastEventId });
      record.events.push(entry);
    });
  }
  sources.set(name, { source, record });
};

window.observe = (name) => {
  const { source, record } = sources.get(name);
  return plain({ ...record, readyState: source.readyState, stats: source.stats(), now: now() });
};

window.closeSource = (name) => {
  sources.get(name).source.close();
  return window.observe(name);
};

/** One traced call with exporter `exporterName`'s tracedFetch; the /api body echoes the trace headers. */
window.tracedCall = async (exporterName, url, init) => {
  const response = await fetches.get(exporterName)(url, init);
  return { status: response.status, body: await response.json() };
};

const total = (s) => s.exported + s.flushed + s.queued + s.spansInFlight +
  s.dropped.queueFull + s.dropped.tooLarge + s.dropped.rejected + s.dropped.exportFailed;

/**
 * `n` sequential traced GETs of `${url}&i=<k>` with exporter `exporterName`. For each call: the span id it
 * carried (echoed by /api), the exporter's stats just before the call and just after it returned (the span is
 * recorded before tracedFetch resolves). A sampler reads stats() every 2 ms meanwhile: the largest `queued`.
 */
window.fetchSeries = async (exporterName, url, n) => {
  const { exporter } = exporters.get(exporterName);
  const traced = fetches.get(exporterName);
  let maxQueued = 0;
  let samples = 0;
  const sample = () => {
    const s = exporter.stats();
    samples += 1;
    if (s.queued > maxQueued) maxQueued = s.queued;
  };
  const sampler = setInterval(sample, 2);
  const calls = [];
  const t0 = now();
  try {
    for (let k = 1; k <= n; k++) {
      const before = plain(exporter.stats());
      const response = await traced(`${url}&i=${k}`);
      const after = plain(exporter.stats());
      const body = await response.json();
      sample();
      calls.push({ k, status: response.status, traceparent: body.traceparent, xray: body.xray, before, after,
        totalBefore: total(before), totalAfter: total(after) });
    }
  } finally {
    clearInterval(sampler);
  }
  const t1 = now();
  return { calls, maxQueued, samples, t0, t1, ms: t1 - t0 };
};

// --- page hide -------------------------------------------------------------------------------------------------
// Headless Chromium never hides a page (see the spec): the state is emulated by shadowing
// Document.prototype.visibilityState / hidden on the document, and the real `visibilitychange` event is fired.
window.setVisibility = (state) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
  return document.visibilityState;
};

// --- overhead --------------------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `n` sequential calls of each variant per round (the order rotating between rounds), `rounds` rounds.
 * Returns per variant: the median round in ms and per call in µs.
 */
async function timeVariants(variants, n, rounds) {
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  for (const name of names) await variants[name](Math.min(n, 50));  // warm-up: core loaded, JIT warm
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) {
      const t0 = performance.now();
      await variants[name](n);
      times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((k) => [k, {
    roundsMs: times[k].map((t) => +t.toFixed(2)),
    medianMs: +median(times[k]).toFixed(2),
    perCallUs: +((median(times[k]) / n) * 1000).toFixed(2),
  }]));
}

/**
 * Export overhead per span, two ways:
 *  - network: `nNet` traced GETs of the local /api, without an exporter vs with one (default batching, sending
 *    to the local collector), plus plain fetch for reference;
 *  - library only: `nFake` traced calls whose fetch is a stub answering at once, without an exporter vs with
 *    one whose own fetch is a stub too (default batching: the spans are recorded, encoded in batches of 512 and
 *    handed to the stub), so what is left is the library's own work.
 *  - flush encoding: `flushSpans` spans queued, then forceFlush() timed (the page-hide path: synchronous
 *    encoding of everything queued into keepalive bodies, handed to a stub fetch).
 */
window.measureOverhead = async ({ apiUrl, collectorUrl, nNet, nFake, rounds, flushSpans }) => {
  const { createTracedFetch, createExporter } = window.lib;
  const stubResponse = () => Promise.resolve(new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }));
  const sent = { payloads: 0, bytes: 0 };
  const stubExporterFetch = async (_url, init) => {
    sent.payloads += 1;
    sent.bytes += init.body.length;
    return new Response('{}', { status: 200 });
  };

  const netExporter = createExporter({ endpoint: collectorUrl });
  const fakeExporter = createExporter({ endpoint: '/v1/traces?stub', fetch: stubExporterFetch });
  const traced = createTracedFetch({});
  const tracedNet = createTracedFetch({ exporter: netExporter });
  const tracedFake = createTracedFetch({ fetch: stubResponse });
  const tracedFakeExport = createTracedFetch({ fetch: stubResponse, exporter: fakeExporter });
  const loop = (f, drain) => async (n) => {
    for (let i = 0; i < n; i++) {
      const r = await f(apiUrl);
      if (drain) await r.text();
    }
  };

  const network = await timeVariants({
    fetch: loop((u) => fetch(u), true),
    tracedFetch: loop(traced, true),
    tracedFetchExporter: loop(tracedNet, true),
  }, nNet, rounds);
  await netExporter.forceFlush();
  const library = await timeVariants({
    tracedFetch: loop(tracedFake, false),
    tracedFetchExporter: loop(tracedFakeExport, false),
  }, nFake, rounds);
  await fakeExporter.forceFlush();

  // Flush encoding: a record-only exporter (nothing due for an hour), `flushSpans` spans, forceFlush() timed.
  const flushSent = { payloads: 0, bytes: 0 };
  const flushExporter = createExporter({ endpoint: '/v1/traces?stub', scheduledDelayMs: 3_600_000,
    fetch: async (_u, init) => { flushSent.payloads += 1; flushSent.bytes += init.body.length; return new Response('{}'); } });
  const tracedFlush = createTracedFetch({ fetch: stubResponse, exporter: flushExporter });
  const flushTimes = [];
  let leftQueued = 0;
  for (let r = 0; r < rounds + 1; r++) {
    for (let i = 0; i < flushSpans; i++) await tracedFlush(apiUrl);
    const t0 = performance.now();
    await flushExporter.forceFlush();
    const t = performance.now() - t0;
    if (r > 0) flushTimes.push(t);  // round 0 is the warm-up
    leftQueued = Math.max(leftQueued, flushExporter.stats().queued);
  }
  const flushStats = flushExporter.stats();
  return {
    network,
    library,
    libraryExporterStats: plain(fakeExporter.stats()),
    stubExport: { ...sent, bytesPerSpan: sent.bytes / Math.max(1, fakeExporter.stats().exported) },
    flush: {
      spans: flushSpans,
      roundsMs: flushTimes.map((t) => +t.toFixed(3)),
      medianMs: +median(flushTimes).toFixed(3),
      perSpanUs: +((median(flushTimes) / flushSpans) * 1000).toFixed(2),
      payloads: flushSent.payloads,
      bytesPerSpan: +(flushSent.bytes / Math.max(1, flushStats.flushed)).toFixed(1),
      leftQueued,
      stats: plain(flushStats),
    },
  };
};

window.plain = plain;

try {
  window.lib = await import('/js-glue/index.js');
} catch (e) {
  window.libError = `${e.name}: ${e.message}`;
}
window.exportReady = true;

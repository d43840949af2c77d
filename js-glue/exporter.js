// createExporter: where the spans of TracedEventSource attempts and traced fetches go (REQUIREMENTS D5–D7, D9).
// The core decides everything (batching, what to retry and when, what a page-hide flush holds); this file only
// POSTs the bytes it is handed, reports the outcome back, keeps one timer and listens for the page going away.
// Nothing here ever throws into the app: failures are counted by the core and reported to `onError`.
import { checkStaticHeaders, optionError } from './option-error.js';
import { Command, CoreTelemetry } from './core-bindings.js';
import { loadCore } from './core-loader.js';
import { now, report, timeoutSignal } from './platform.js';

const SDK_VERSION = '0.1.0';
const exporters = new WeakMap();  // the public exporter object → its internal state

function fail(name, expected, value) {
  throw optionError('createExporter: ', name, expected, value);
}

function integer(options, name, fallback, min, max) {
  const v = options[name];
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min || v > max) fail(name, `an integer from ${min} to ${max}`, v);
  return v;
}

function normalize(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('createExporter: options must be an object');
  let endpointUrl;
  try {
    endpointUrl = new URL(options.endpoint, globalThis.document?.baseURI ?? globalThis.location?.href);
  } catch {
    fail('endpoint', 'a URL such as "https://collector.example.com/v1/traces"', options.endpoint);
  }
  if (!/^https?:$/.test(endpointUrl.protocol)) fail('endpoint', 'an http: or https: URL', options.endpoint);
  const endpoint = endpointUrl.href;
  const { headers, onError } = options;
  if (headers !== undefined && (headers === null || (typeof headers !== 'object' && typeof headers !== 'function'))) {
    fail('headers', 'an object or a function returning one', headers);
  }
  checkStaticHeaders('createExporter: ', headers);
  for (const name of ['onError', 'fetch']) {
    if (options[name] !== undefined && typeof options[name] !== 'function') fail(name, 'a function', options[name]);
  }
  for (const name of ['serviceName', 'serviceVersion']) {
    const value = options[name];
    // NUL would cut the value short on its way into the core (C strings).
    if (value !== undefined && (typeof value !== 'string' || value.includes('\0'))) fail(name, 'a string without NUL', value);
  }
  return {
    endpoint,
    headers,
    onError,
    fetchImpl: options.fetch,
    serviceName: options.serviceName ?? 'browser',
    serviceVersion: options.serviceVersion ?? '',
    maxQueueSize: integer(options, 'maxQueueSize', 2048, 1, 1 << 20),
    maxExportBatchSize: integer(options, 'maxExportBatchSize', 512, 1, 1 << 20),
    scheduledDelayMs: integer(options, 'scheduledDelayMs', 5000, 0, 3_600_000),
    maxConcurrentExports: integer(options, 'maxConcurrentExports', 2, 1, 64),
    exportTimeoutMs: integer(options, 'exportTimeoutMs', 30_000, 1, 3_600_000),
  };
}

class ExporterState {
  #options;
  #telemetry = null;
  #timer = null;
  #pending = new Set();  // sends in flight, for forceFlush()
  #coreSends = new Map();  // job → resolve, for sends the core made itself
  #shutdown = false;
  ready;

  constructor(options) {
    this.#options = options;
    this.ready = loadCore().then((core) => {
      this.#telemetry = new CoreTelemetry(core, options, {
        serviceName: options.serviceName,
        serviceVersion: options.serviceVersion,
        sdkVersion: SDK_VERSION,
        userAgent: globalThis.navigator?.userAgent ?? `node/${globalThis.process?.versions?.node ?? ''}`,
      }, (job, commands) => this.#coreSendDone(job, commands));
      this.#watchPageHide();
      return this.#telemetry;
    });
    this.ready.catch(() => {});
  }

  get telemetry() { return this.#telemetry; }

  /** A connection or traced fetch recorded a span that made a batch due: start what is due now. */
  tick() {
    if (this.#telemetry && !this.#shutdown) this.#apply(this.#telemetry.tick(now()));
  }

  recordClientSpan(call) {
    if (!this.#telemetry || this.#shutdown) return;
    if (this.#telemetry.clientSpan(call)) this.tick();
  }

  stats() {
    return this.#telemetry?.stats() ?? null;
  }

  /** Everything queued goes out now (as at page hide); resolves when those sends have settled. */
  async forceFlush() {
    const telemetry = await this.ready;
    this.#apply(telemetry.flush(now()));
    await Promise.allSettled([...this.#pending]);
  }

  async shutdown() {
    await this.forceFlush();
    this.#shutdown = true;
    clearTimeout(this.#timer);
  }

  #apply(commands) {
    for (const c of commands) {
      if (c.op === Command.EXPORT) this.#send(c);
      else if (c.op === Command.EXPORT_FAILED) this.#reportFailure(c);
      else if (c.op === Command.SET_TIMER) {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.tick(), Math.min(c.delayMs, 0x7fffffff));
        // A pending export must not keep a Node process alive on its own.
        this.#timer?.unref?.();
      }
    }
  }

  #headers() {
    const headers = new Headers();
    try {
      const extra = typeof this.#options.headers === 'function' ? this.#options.headers() : this.#options.headers;
      if (extra) new Headers(extra).forEach((value, name) => headers.set(name, value));
    } catch (error) {
      report(error);
    }
    headers.set('Content-Type', 'application/json');
    return headers;
  }

  #send({ job, body, keepalive }) {
    if (job !== 0 && !keepalive && this.#sendFromCore(job)) return;
    const fetchImpl = this.#options.fetchImpl ?? globalThis.fetch;
    const sending = (async () => {
      let status = 0;
      let retryAfter = '';
      try {
        // keepalive: the request survives the page (D7); the fetch spec caps such bodies at 64 KiB in flight,
        // which the core's page-hide packing respects.
        // A collector that never answers must not hold an export slot for ever (keepalive requests outlive
        // the page and are bounded by the browser).
        const signal = keepalive ? undefined : timeoutSignal(this.#options.exportTimeoutMs);
        const response = await fetchImpl(this.#options.endpoint,
          { method: 'POST', headers: this.#headers(), body, keepalive, credentials: 'omit', signal });
        status = response.status;
        retryAfter = response.headers.get('retry-after') ?? '';
        response.body?.cancel().catch(() => {});
      } catch {
        status = 0;
      }
      if (job !== 0 && this.#telemetry && !this.#shutdown) {
        this.#apply(this.#telemetry.result(now(), job, status, retryAfter));
      }
    })();
    this.#pending.add(sending);
    sending.finally(() => this.#pending.delete(sending)).catch(report);
  }

  // D6: where XMLHttpRequest exists (pages, workers) the core POSTs the batch itself through the Emscripten
  // Fetch API and takes the outcome straight from the response; the shell only passes the app's headers in.
  // An app-supplied `fetch` option, Node (no XMLHttpRequest) and page-hide keepalive sends use fetch() here.
  #sendFromCore(job) {
    if (this.#options.fetchImpl || typeof XMLHttpRequest !== 'function') return false;
    const headers = [];
    this.#headers().forEach((value, name) => { if (name !== 'content-type') headers.push(name, value); });
    let sent = false;
    try {
      sent = this.#telemetry.send(job, headers);
    } catch (error) {
      report(error);  // e.g. a header XMLHttpRequest refuses; fetch() below gets its chance
    }
    if (!sent) return false;
    const settled = new Promise((resolve) => this.#coreSends.set(job, resolve));
    this.#pending.add(settled);
    settled.finally(() => this.#pending.delete(settled));
    return true;
  }

  #coreSendDone(job, commands) {
    const resolve = this.#coreSends.get(job);
    this.#coreSends.delete(job);
    if (!this.#shutdown) this.#apply(commands);
    resolve?.();
  }

  #reportFailure({ spans, status, willRetry, reason }) {
    const onError = this.#options.onError;
    if (!onError) return;
    try {
      onError({ spans, status, willRetry, reason: reason || (willRetry ? 'retrying' : 'failed'),
        message: `span export ${status ? `answered ${status}` : 'failed (network)'}: ${spans} span(s) ` +
          (willRetry ? 'will be retried' : 'dropped') });
    } catch (error) {
      report(error);
    }
  }

  // D7: when the page is hidden or unloaded, what is queued (and in-progress streams) leaves with keepalive.
  #watchPageHide() {
    const doc = globalThis.document;
    if (!doc || typeof globalThis.addEventListener !== 'function') return;
    const flush = () => {
      if (this.#shutdown) return;
      this.#apply(this.#telemetry.flush(now()));
    };
    doc.addEventListener('visibilitychange', () => { if (doc.visibilityState === 'hidden') flush(); });
    globalThis.addEventListener('pagehide', flush);
  }
}

/**
 * An OTLP/HTTP JSON span exporter to share between sources and traced fetches:
 * `new TracedEventSource(url, { exporter })`, `createTracedFetch({ exporter })`.
 */
export function createExporter(options) {
  const state = new ExporterState(normalize(options));
  const exporter = Object.freeze({
    /** Counts: queued, exported, dropped by reason, export failures (null until the core is loaded). */
    stats: () => state.stats(),
    forceFlush: () => state.forceFlush(),
    shutdown: () => state.shutdown(),
  });
  exporters.set(exporter, state);
  return exporter;
}

/** The internal state of an exporter made by createExporter, or a TypeError naming `option`. */
export function exporterState(exporter, option) {
  const state = exporters.get(exporter);
  if (!state) throw new TypeError(`option '${option}' must be an exporter made by createExporter() (got ${typeof exporter})`);
  return state;
}

// A browser app's view of the package, type-checked only (never run): every export, every option, the event
// handler types, the Diagnostic union, and misuse that must not compile (each `@ts-expect-error` line must
// really be an error, or tsc fails). The package is imported by name, through package.json "exports".
//
//   npx tsc -p tests/types/tsconfig.json --strict --noEmit          (moduleResolution nodenext)
//   npx tsc -p tests/types/tsconfig.bundler.json --strict --noEmit  (moduleResolution bundler)

import TracedEventSourceDefault, {
  TracedEventSource, createExporter, createTracedFetch, tracedFetch,
} from 'traced-eventsource';
import type {
  AttemptTrace, ClientSpanRecord, CloseType, ClosedDiagnostic, ConnectDiagnostic, ConnectionStats, Diagnostic,
  DiagnosticBase, DiagnosticKind, ExportFailure, Exporter, ExporterOptions, ExporterStats, HeadersLike,
  OpenDiagnostic, PausedDiagnostic, ReconnectDiagnostic, ResponseTrace, ResumedDiagnostic, TraceOptions,
  TracedEventSourceEventMap, TracedEventSourceInit, TracedFetchOptions, TracedMessageEvent, WarningDiagnostic,
} from 'traced-eventsource';
import * as api from 'traced-eventsource';
import 'traced-eventsource/polyfill';
import type { TracedEventSource as PolyfillTracedEventSource } from 'traced-eventsource/polyfill';
// @ts-expect-error: only the two entry points are exported; internals are not reachable
import { normalizeOptions } from 'traced-eventsource/js-glue/options.js';

// ---- exactly these values are exported (an extra or a missing declared export fails here) ------------------
const valueExports: { [K in keyof typeof api]: true } = {
  TracedEventSource: true, default: true, createTracedFetch: true, createExporter: true, tracedFetch: true,
};
const defaultIsTheClass: typeof TracedEventSource = TracedEventSourceDefault;
const polyfillReexportsTheType: PolyfillTracedEventSource = new TracedEventSource('/feed');

// ---- helpers ----------------------------------------------------------------------------------------------
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}
declare function render(score: { topic: string; value: number }): void;
declare function getToken(): string;

// ---- every exporter option ----------------------------------------------------------------------------------
const exporterOptions: ExporterOptions = {
  endpoint: 'https://collector.example.com/v1/traces',
  headers: () => ({ 'x-api-key': getToken() }),
  serviceName: 'dashboard',
  serviceVersion: '1.2.3',
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMs: 5000,
  maxConcurrentExports: 2,
  exportTimeoutMs: 30_000,
  onError: (failure: ExportFailure) => {
    const status: number = failure.status;
    const retrying: boolean = failure.willRetry;
    const reason: 'retrying' | 'rejected' | 'deadline' | 'failed' = failure.reason;
    console.warn(failure.spans, status, retrying, reason, failure.message);
  },
  fetch: globalThis.fetch,
};
const exporter: Exporter = createExporter(exporterOptions);
createExporter({ endpoint: new URL('https://collector.example.com/v1/traces'), headers: new Headers({ a: 'b' }) });
createExporter({ endpoint: '/v1/traces', headers: [['x-api-key', 'k']] });
const exporterStats: ExporterStats | null = exporter.stats();
if (exporterStats) {
  const n: number = exporterStats.queued + exporterStats.exported + exporterStats.flushed + exporterStats.retries
    + exporterStats.exportsInFlight + exporterStats.spansInFlight + exporterStats.dropped.queueFull
    + exporterStats.dropped.tooLarge + exporterStats.dropped.rejected + exporterStats.dropped.exportFailed
    + exporterStats.exportFailures.network + exporterStats.exportFailures.status;
  console.log(n);
}
const flushed: Promise<void> = exporter.forceFlush();
const shutDown: Promise<void> = exporter.shutdown();

// ---- every trace option -------------------------------------------------------------------------------------
const trace: TraceOptions = {
  propagators: ['w3c', 'xray'],
  allowedOrigins: ['https://api.example.com'],
  parent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  sampleRatio: 0.25,
  unsampled: 'omit',
  tracestate: { vendor: 'value' },
  baggage: { userId: 'alice' },
  debug: true,
};
const predicateTrace: TraceOptions = { allowedOrigins: (url: URL) => url.hostname.endsWith('.example.com'), unsampled: 'propagate' };

// ---- every TracedEventSource option -------------------------------------------------------------------------
const init: TracedEventSourceInit = {
  withCredentials: true,
  headers: () => ({ Authorization: `Bearer ${getToken()}` }),
  retryMs: 3000,
  maxEventBytes: 16 * 1024 * 1024,
  maxRetryDelayMs: 30_000,
  maxRetries: Infinity,
  idleTimeoutMs: 45_000,
  retryStatuses: [429, 502, 503, 504],
  maxRetryAfterMs: 600_000,
  strict: false,
  diagnostics: (d: Diagnostic) => console.debug(d.kind, d.attempt, d.message),
  fetch: (input, requestInit) => fetch(input, requestInit),
  trace,
  exporter,
  eventSpanRatio: 0.01,
};
const headerShapes: HeadersLike[] = [{ a: 'b' }, new Headers(), [['a', 'b']]];
new TracedEventSource('/feed', { headers: new Headers({ 'X-Tenant': 'acme' }) });
new TracedEventSource('/feed', { headers: [['X-Tenant', 'acme']], trace: false });
new TracedEventSource('/feed', { trace: predicateTrace, strict: true });
new TracedEventSource(new URL('https://example.com/feed'));

// ---- the source: EventSource's interface plus the extensions ------------------------------------------------
const source = new TracedEventSource('/feed', init);
const url: string = source.url;
const withCredentials: boolean = source.withCredentials;
const state: 0 | 1 | 2 = source.readyState;
const lastEventId: string = source.lastEventId;
if (source.readyState === TracedEventSource.OPEN || source.readyState === source.CONNECTING) source.close();
assertType<Equal<typeof TracedEventSource.CONNECTING, 0>>(true);
assertType<Equal<typeof TracedEventSource.CLOSED, 2>>(true);
const stats: ConnectionStats = source.stats();
const closes: Record<CloseType, number> = stats.closes;
const graceful: number = stats.closes.graceful + stats.closes['idle-timeout'] + stats.attempts;

// Handlers: `this` is the source, `message` carries string data.
source.onopen = function (ev) {
  const self: EventSource = this;       // typed as the platform's EventSource (see EventSourceHandlerThis)
  const e: Event = ev;
};
source.onmessage = function (ev) {
  const data: string = ev.data;
  const id: string = ev.lastEventId;
  const origin: string = ev.origin;
  const self: EventSource = this;
  // @ts-expect-error: the extensions are reached through the source variable, not `this`
  this.stats();
};
source.onerror = (ev: Event) => console.warn(ev.type, source.readyState);
source.onmessage = (ev: MessageEvent) => ev.data;             // a handler written for native EventSource fits
source.onmessage = (ev: MessageEvent<string>) => ev.data.length;
source.onmessage = null;
source.onopen = null;
source.onerror = null;
source.addEventListener('open', (ev) => { assertType<Equal<typeof ev, Event>>(true); });
source.addEventListener('error', (ev) => { assertType<Equal<typeof ev, Event>>(true); });
source.addEventListener('message', (ev) => { const s: string = ev.data; });
source.addEventListener('score', (ev) => render(JSON.parse(ev.data)));  // a named event
source.addEventListener('score', function (ev) { const self: TracedEventSource = this; const s: string = ev.data; });
source.addEventListener('score', { handleEvent: (ev: Event) => console.log(ev.type) }, { once: true, signal: new AbortController().signal });
source.addEventListener('score', (ev: MessageEvent) => ev.data);          // listeners written for EventSource fit
source.addEventListener('score', (ev: MessageEvent<string>) => ev.data.length);
source.addEventListener('score', function (ev) { this.stats(); });        // addEventListener's `this` is the source
const onScore = (ev: TracedMessageEvent) => ev.data;
source.addEventListener('score', onScore, { passive: true });
source.removeEventListener('score', onScore, { capture: false });
source.removeEventListener('message', onScore);
const asMessageEvent: MessageEvent = {} as TracedMessageEvent;    // a TracedMessageEvent is a MessageEvent
const eventMap: TracedEventSourceEventMap['message'] = {} as TracedMessageEvent;
const asEventTarget: EventTarget = source;

// A drop-in replacement: code typed against the native EventSource takes a TracedEventSource.
function watch(es: EventSource): void { es.onmessage = (e) => console.log(e.data); }
watch(source);
const asNative: EventSource = new TracedEventSource('/feed');

// ---- diagnostics: a union discriminated by kind -------------------------------------------------------------
function describeDiagnostic(d: Diagnostic): string {
  switch (d.kind) {
    case 'connect': {
      const t: AttemptTrace = d.trace;
      const headers: Record<string, string> = t.headers;
      const previous: string | undefined = t.previousTraceId;
      return `${t.traceId} ${t.spanId} ${t.sampled} ${t.sessionId} ${previous} ${headers['traceparent']}`;
    }
    case 'open': {
      const status: number = d.status;
      const resume: false | undefined = d.resumeSupported;
      const response: ResponseTrace = d.response;
      const available: boolean = response.available;
      return `${status} ${resume} ${available} ${response.xrayTraceId} ${response.traceresponse} ${response.serverTimingTrace}`;
    }
    case 'reconnect': {
      const delay: number | undefined = d.delayMs;
      const reason: 'retry' | 'backoff' | 'retry-after' | undefined = d.reason;
      const closeType: CloseType | undefined = d.closeType;
      const status: number | undefined = d.status;
      return `${delay} ${reason} ${closeType} ${status}`;
    }
    case 'closed': {
      const reason: 'fatal' | 'max-retries' | 'app' | undefined = d.reason;
      return `${reason} ${d.closeType} ${d.status}`;
    }
    case 'paused':
    case 'resumed':
    case 'warning':
      return d.message;
    default: {
      const exhaustive: never = d;  // a new kind must be handled above
      return exhaustive;
    }
  }
}
const kinds: DiagnosticKind[] = ['connect', 'open', 'reconnect', 'closed', 'paused', 'resumed', 'warning'];
assertType<Equal<DiagnosticKind, 'connect' | 'open' | 'reconnect' | 'closed' | 'paused' | 'resumed' | 'warning'>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'connect' }>, ConnectDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'open' }>, OpenDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'reconnect' }>, ReconnectDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'closed' }>, ClosedDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'paused' }>, PausedDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'resumed' }>, ResumedDiagnostic>>(true);
assertType<Equal<Extract<Diagnostic, { kind: 'warning' }>, WarningDiagnostic>>(true);
const base: DiagnosticBase = {} as Diagnostic;
assertType<Equal<CloseType,
  'graceful' | 'network' | 'http-status' | 'content-type' | 'cors' | 'stream-cap' | 'app-close' | 'idle-timeout'>>(true);

// ---- traced fetch -------------------------------------------------------------------------------------------
const fetchOptions: TracedFetchOptions = {
  ...trace,
  exporter,
  onSpan: (span: ClientSpanRecord) => {
    const fields: [string, string, number | undefined, string | undefined, number, ResponseTrace | undefined,
      string | undefined, string | undefined, string] =
      [span.method, span.url, span.status, span.error, span.durationMs, span.response, span.redirectedWithoutTrace,
        span.notInjected, span.traceId];
    console.debug(fields);
  },
  fetch: globalThis.fetch,
};
const apiFetch: typeof fetch = createTracedFetch(fetchOptions);
createTracedFetch();
createTracedFetch({ allowedOrigins: (u) => u.protocol === 'https:' });
async function calls(): Promise<void> {
  const a: Response = await tracedFetch('/api/orders');
  const b: Response = await tracedFetch(new URL('https://example.com/api'), { method: 'POST', body: '{}' });
  const c: Response = await apiFetch(new Request('/api', { method: 'PUT', body: 'x' }));
  const d: Response = await apiFetch('/api', { headers: [['X-A', '1']] });
  const e: Response = await apiFetch('/api', { headers: new Headers({ 'x-b': '2' }) });
  console.log(a.status, b.ok, c.headers.get('traceresponse'), d.status, e.status);
}

// ---- the polyfill: a global EventSource that takes TracedEventSource's options ----------------------------
const native: typeof EventSource | undefined = globalThis.NativeEventSource;
if (native) new native('/feed', { withCredentials: true });
const polyfilled: EventSource = new EventSource('/feed', {
  headers: { Authorization: 'Bearer t' }, trace: { allowedOrigins: ['https://api.example.com'] }, retryMs: 1000,
});

// ---- misuse that must NOT compile ---------------------------------------------------------------------------
// @ts-expect-error: the URL is required
new TracedEventSource();
// @ts-expect-error: trace is an object or false, never true
new TracedEventSource('/feed', { trace: true });
// @ts-expect-error: unknown propagator
new TracedEventSource('/feed', { trace: { propagators: ['b3'] } });
// @ts-expect-error: unsampled is 'propagate' or 'omit'
new TracedEventSource('/feed', { trace: { unsampled: 'drop' } });
// @ts-expect-error: numbers, not strings
new TracedEventSource('/feed', { retryMs: '3000' });
// @ts-expect-error: header values are strings
new TracedEventSource('/feed', { headers: { 'X-Count': 1 } });
// @ts-expect-error: a typo in an option name
new TracedEventSource('/feed', { retry: 3000 });
// @ts-expect-error: the diagnostics callback receives a Diagnostic
new TracedEventSource('/feed', { diagnostics: (d: string) => d });
// @ts-expect-error: an exporter must come from createExporter (it is branded)
new TracedEventSource('/feed', { exporter: { stats: () => null, forceFlush: async () => {}, shutdown: async () => {} } });
// @ts-expect-error: readyState is read-only
source.readyState = 2;
// @ts-expect-error: url is read-only
source.url = '/other';
// @ts-expect-error: lastEventId is read-only
source.lastEventId = '7';
// @ts-expect-error: the constants are literal types
const notAConstant: 3 = TracedEventSource.CLOSED;
// @ts-expect-error: message data is a string
source.onmessage = (ev) => ev.data.toFixed(2);
// @ts-expect-error: close types are a closed set
const badCloseType: CloseType = 'timeout';
// @ts-expect-error: no such close type in the stats
console.log(stats.closes.timeout);
// @ts-expect-error: the 'connect' record has no delayMs: narrow on kind first
console.log(((d: Diagnostic) => d.delayMs)(null!));
// @ts-expect-error: no such diagnostic kind
const badKind: DiagnosticKind = 'error';
// @ts-expect-error: a 'connect' record needs its trace
const incomplete: ConnectDiagnostic = { kind: 'connect', attempt: 1, message: 'x' };
// @ts-expect-error: an endpoint is required
createExporter({ serviceName: 'x' });
// @ts-expect-error: serviceName is a string
createExporter({ endpoint: '/v1/traces', serviceName: 42 });
// @ts-expect-error: onSpan receives a ClientSpanRecord
createTracedFetch({ onSpan: (span: number) => span });
// @ts-expect-error: createTracedFetch takes no TracedEventSource options
createTracedFetch({ retryMs: 1000 });
// @ts-expect-error: tracedFetch takes what fetch takes
tracedFetch(42);
// @ts-expect-error: the native class may be missing
new globalThis.NativeEventSource('/feed');

export {
  normalizeOptions, valueExports, defaultIsTheClass, polyfillReexportsTheType, flushed, shutDown, init, headerShapes, url,
  withCredentials, state, lastEventId, closes, graceful, asMessageEvent, eventMap, asEventTarget, asNative,
  describeDiagnostic, kinds, base, calls, polyfilled, notAConstant, badCloseType, badKind, incomplete,
};

// Public API of traced-eventsource. Hand-written: the runtime is plain ES modules plus a Wasm core.

/** How one connection attempt ended. Reported to `diagnostics` and counted by `stats()`. */
export type CloseType =
  | 'graceful'        // the server ended the response body
  | 'network'         // fetch() or a body read rejected
  | 'http-status'     // the response status was not 200
  | 'content-type'    // 200, but not text/event-stream (or a charset other than UTF-8)
  | 'cors'            // a cross-origin response the browser refused to expose
  | 'stream-cap'      // one line or event grew past `maxEventBytes`
  | 'app-close'       // close() was called
  | 'idle-timeout';   // no byte (nor a response head) for `idleTimeoutMs`

/** Trace context propagation (W3C Trace Context + Baggage, AWS X-Ray). Each option throws a `TypeError` naming it when invalid. */
export interface TraceOptions {
  /** Which headers to inject: 'w3c' (traceparent, tracestate, baggage) and/or 'xray' (X-Amzn-Trace-Id). @default ['w3c', 'xray'] */
  propagators?: Array<'w3c' | 'xray'>;
  /**
   * Where trace headers may go besides the page's own origin: origins ('https://api.example.com',
   * 'http://localhost:8080') or a predicate on the request URL (a predicate that throws allows nothing).
   * Injected headers force CORS preflights and leak ids to third parties, hence the narrow default. In Node,
   * with no page origin, every origin is allowed unless a list or predicate is given.
   * @default [] (the page's own origin only)
   */
  allowedOrigins?: string[] | ((url: URL) => boolean);
  /** A parent context, as a `traceparent` or `X-Amzn-Trace-Id` value, parsed strictly: the first attempt continues it, later ones are new traces keeping its sampling decision. Invalid → ignored with a `warning` diagnostic and a new root. @default none */
  parent?: string;
  /** Fraction (0–1) of root traces sampled, decided from the trace id's random bits. Ignored when `parent` is given (parent-based). @default 1 */
  sampleRatio?: number;
  /** What an unsampled attempt sends: 'propagate' (flags 00 / Sampled=0) or 'omit' (no trace headers). @default 'propagate' */
  unsampled?: 'propagate' | 'omit';
  /** tracestate members to send (key → value), validated against the W3C grammar (invalid ones dropped with a warning). @default none */
  tracestate?: Record<string, string>;
  /** baggage members to send (key → value), percent-encoded; whole members past 64 / 8192 bytes are dropped. @default none */
  baggage?: Record<string, string>;
  /** Warn once (console.warn) when a cross-origin server does not expose its trace response headers. @default false */
  debug?: boolean;
}

/** The trace ids of one connection attempt or traced fetch. Lower-case hex. */
export interface AttemptTrace {
  traceId: string;
  /** The client span's id: the parent id the server sees in `traceparent` / `Parent=`. */
  spanId: string;
  sampled: boolean;
  /** Stable for the life of one TracedEventSource. */
  sessionId: string;
  /** The previous attempt's trace id (a link to it), absent on the first attempt. */
  previousTraceId?: string;
  /** The headers injected, by lower-case name; empty when the origin is not allowed or tracing is off. */
  headers: Record<string, string>;
}

/** Trace context the server returned, validated (malformed values are left out). */
export interface ResponseTrace {
  /** false when none of the headers could be read (a cross-origin server that does not expose them). */
  available: boolean;
  /** The Root of `X-Amzn-Trace-Id`: '1-{8 hex}-{24 hex}'. */
  xrayTraceId?: string;
  /** A `traceresponse` value (traceparent format, carrying the server's span id). */
  traceresponse?: string;
  /** The traceparent in `server-timing: trace;desc="…"`. */
  serverTimingTrace?: string;
}

/** The fields every diagnostic record has. */
export interface DiagnosticBase {
  /** Attempt number, starting at 1 for the first request (0 before any: a `warning`, a core that failed to load). */
  attempt: number;
  /** A sentence a person can read. */
  message: string;
}

/** An attempt starts: its trace context (the headers actually injected; empty when the origin is not allowed). */
export interface ConnectDiagnostic extends DiagnosticBase {
  kind: 'connect';
  trace: AttemptTrace;
}

/** A response was accepted (status 200, `text/event-stream`): `readyState` is OPEN and `open` follows. */
export interface OpenDiagnostic extends DiagnosticBase {
  kind: 'open';
  /** HTTP status of the accepted response (200). */
  status: number;
  /** false when the response said `X-SSE-Resume-Supported: false` (no replay from Last-Event-ID); absent otherwise. */
  resumeSupported?: false;
  /** What the server said about its side of the trace. */
  response: ResponseTrace;
}

/** An attempt ended and the next one is scheduled (`readyState` CONNECTING). */
export interface ReconnectDiagnostic extends DiagnosticBase {
  kind: 'reconnect';
  /** How the attempt ended ('network' also when the `headers` callback threw: a 'warning' says so first). */
  closeType: CloseType;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Delay before the next attempt, in milliseconds. */
  delayMs: number;
  /** How the delay was chosen: the reconnection time, exponential backoff, or the server's Retry-After. */
  reason: 'retry' | 'backoff' | 'retry-after';
}

/** The source gave up (fatal response, retries exhausted, CORS) or was closed: `readyState` is CLOSED. */
export interface ClosedDiagnostic extends DiagnosticBase {
  kind: 'closed';
  /** How the last attempt ended ('app-close' after close()); absent when the Wasm core could not be loaded. */
  closeType?: CloseType;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** 'fatal' (a response that must not be retried), 'max-retries', or 'app' (close()); absent when the core failed to load. */
  reason?: 'fatal' | 'max-retries' | 'app';
}

/** The platform is offline: attempts wait for the `online` event, spending no retry (`readyState` CONNECTING). */
export interface PausedDiagnostic extends DiagnosticBase {
  kind: 'paused';
}

/** `online` fired: the next attempt starts now. */
export interface ResumedDiagnostic extends DiagnosticBase {
  kind: 'resumed';
}

/** Rejected configuration (an invalid parent, tracestate or baggage member), request headers the `headers` callback could not give (the attempt then fails as a network error), a redirect that withheld the trace headers, and other problems worth a look. */
export interface WarningDiagnostic extends DiagnosticBase {
  kind: 'warning';
}

/**
 * One record per state change, for logging and tests; never dispatched on the source itself. A union
 * discriminated by `kind`: `switch (d.kind)` narrows it to the fields that kind carries.
 */
export type Diagnostic =
  | ConnectDiagnostic
  | OpenDiagnostic
  | ReconnectDiagnostic
  | ClosedDiagnostic
  | PausedDiagnostic
  | ResumedDiagnostic
  | WarningDiagnostic;

/** The `kind` of a diagnostic record. */
export type DiagnosticKind = Diagnostic['kind'];

export interface ConnectionStats {
  /** Attempts started. */
  attempts: number;
  /** How the attempts ended, by close type (every close type present, 0 when none). */
  closes: Record<CloseType, number>;
}

/**
 * Request headers as `new Headers(...)` takes them: a plain object (any key case), a `Headers`, or an array of
 * name/value pairs.
 */
export type HeadersLike = Record<string, string> | Headers | Array<[string, string]>;

/**
 * The event a TracedEventSource dispatches for `message` and for named events (`event: score` → type 'score'):
 * a `MessageEvent` whose `data` is the event's text, `lastEventId` the last event ID and `origin` the
 * response's origin.
 */
export type TracedMessageEvent = Omit<MessageEvent, 'data'> & { readonly data: string };

/** The events a TracedEventSource dispatches by name (named SSE events are `TracedMessageEvent`s too). */
export interface TracedEventSourceEventMap {
  open: Event;
  message: TracedMessageEvent;
  error: Event;
}

/**
 * The `this` of the `onopen` / `onmessage` / `onerror` handlers: the platform's `EventSource` type where there is
 * one (DOM lib, recent @types/node), so that a TracedEventSource stays assignable to `EventSource` (a drop-in
 * replacement); TracedEventSource otherwise. Reach the extensions (`stats()`, `lastEventId`) through the
 * source variable.
 */
export type EventSourceHandlerThis = typeof globalThis extends { EventSource: { prototype: infer P } } ? P : TracedEventSource;

export interface TracedEventSourceInit {
  /** As EventSource: send cookies cross-origin (`credentials: 'include'` instead of `'same-origin'`). @default false */
  withCredentials?: boolean;
  /**
   * Extra request headers: an object (or `Headers`, or pairs), or a function returning one, called before every
   * attempt (for token refresh). `Accept` and `Last-Event-ID` are always set by the source. A function that
   * throws fails that attempt like a network error (retried). @default none
   */
  headers?: HeadersLike | (() => HeadersLike);
  /** Reconnection time until the server sends `retry:`, in ms (an integer ≥ 0). @default 3000 (as Chromium) */
  retryMs?: number;
  /** Cap on one line or one event's data, in bytes (1 to 2^30). Past it the connection is dropped with close type 'stream-cap' and re-established. @default 16777216 (16 MiB) */
  maxEventBytes?: number;
  /** Cap of the exponential backoff, in ms. @default 30000 */
  maxRetryDelayMs?: number;
  /** Consecutive reconnects without a delivered event before giving up (`readyState` CLOSED). @default Infinity */
  maxRetries?: number;
  /** Abort an attempt that receives no byte (nor a response head) for this long, in ms (close type 'idle-timeout'), and back off. 0 turns it off. @default 0 */
  idleTimeoutMs?: number;
  /** Statuses (400–599) retried with backoff or Retry-After instead of closing. @default [429, 502, 503, 504] */
  retryStatuses?: number[];
  /** Bound on a server's Retry-After, in ms. @default 600000 */
  maxRetryAfterMs?: number;
  /** Exact WHATWG/Chromium behaviour for every failure: no jitter, no backoff, every bad response closes, the network is not watched. @default false */
  strict?: boolean;
  /** Called for every state change. Exceptions it throws are reported (`reportError`), never propagated. @default none */
  diagnostics?: (d: Diagnostic) => void;
  /** The fetch to use (tests, service workers, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Trace context injection; `false` turns it off. @default both propagators, the page's own origin only (in Node: every origin) */
  trace?: TraceOptions | false;
  /** Where this source's spans go (connect, stream, reconnect wait): an exporter made by `createExporter`. @default none: spans are not recorded */
  exporter?: Exporter;
  /** Share of events (0–1) that also get an `sse event` span, with an exporter. A busy stream would flood the queue. @default 0 */
  eventSpanRatio?: number;
}

/**
 * A drop-in `EventSource` built on `fetch()`: the same constructor, `readyState`, events and handlers, plus
 * request headers, trace context, reconnect policy by close type and span export. Construction throws a
 * `TypeError` naming a bad option, and a `SyntaxError` `DOMException` for an unparsable URL.
 */
export declare class TracedEventSource extends EventTarget {
  constructor(url: string | URL, init?: TracedEventSourceInit);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  /** The URL the source was constructed with, resolved. Reconnects go to where a redirect led. */
  readonly url: string;
  readonly withCredentials: boolean;
  /** CONNECTING (0), OPEN (1) or CLOSED (2). */
  readonly readyState: 0 | 1 | 2;
  /** The last event ID string (what `Last-Event-ID` carries on the next attempt). An extension to EventSource. */
  readonly lastEventId: string;
  onopen: ((this: EventSourceHandlerThis, ev: Event) => any) | null;
  onmessage: ((this: EventSourceHandlerThis, ev: TracedMessageEvent) => any) | null;
  onerror: ((this: EventSourceHandlerThis, ev: Event) => any) | null;
  /** Attempts started and how each ended, by close type. An extension to EventSource. */
  stats(): ConnectionStats;
  /** Aborts the request and cancels timers; nothing is dispatched afterwards. `readyState` becomes CLOSED. */
  close(): void;
  addEventListener<K extends keyof TracedEventSourceEventMap>(type: K,
    listener: (this: TracedEventSource, ev: TracedEventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  /** Named events (`event: score` in the stream) arrive as `TracedMessageEvent`s of that type. */
  addEventListener(type: string, listener: (this: TracedEventSource, ev: TracedMessageEvent) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListener | EventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof TracedEventSourceEventMap>(type: K,
    listener: (this: TracedEventSource, ev: TracedEventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: TracedEventSource, ev: TracedMessageEvent) => any,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListener | EventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** What a traced fetch reports for its client span, to `onSpan`. */
export interface ClientSpanRecord extends AttemptTrace {
  /** Upper-case request method. */
  method: string;
  /** The request URL without query string or fragment. */
  url: string;
  /** HTTP status, or undefined when the fetch rejected. */
  status?: number;
  /** The rejection's name ('TypeError', 'AbortError'), when it rejected. */
  error?: string;
  durationMs: number;
  /** What the server returned about its side of the trace (absent when the fetch rejected). */
  response?: ResponseTrace;
  /** The call was redirected and the trace headers withheld from the target: its URL without query, or
   * 'unknown' where the browser hides it. */
  redirectedWithoutTrace?: string;
  /** Why an allowed call went out without trace headers (a ReadableStream body cannot be resent). */
  notInjected?: string;
}

export interface ExporterOptions {
  /** OTLP/HTTP traces endpoint, e.g. 'https://collector.example.com/v1/traces'; relative URLs resolve against the page. (required) */
  endpoint: string | URL;
  /** Extra request headers (API keys): an object, or a function called before every export. @default none */
  headers?: HeadersLike | (() => HeadersLike);
  /** Resource `service.name`. @default 'browser' */
  serviceName?: string;
  /** Resource `service.version`. @default '' */
  serviceVersion?: string;
  /** Spans kept while waiting to be exported; past it new spans are dropped and counted (`stats().dropped.queueFull`). @default 2048 */
  maxQueueSize?: number;
  /** Spans per export request. @default 512 */
  maxExportBatchSize?: number;
  /** How long a span may wait for a batch to fill, in ms. @default 5000 */
  scheduledDelayMs?: number;
  /** Export requests in flight (or waiting to retry) at once (1–64). @default 2 */
  maxConcurrentExports?: number;
  /** Deadline for one batch including its retries, in ms. @default 30000 */
  exportTimeoutMs?: number;
  /** Called for every failed export attempt. Exceptions it throws are reported, never propagated. @default none */
  onError?: (failure: ExportFailure) => void;
  /** The fetch used to POST (never a traced one). @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface ExportFailure {
  /** Spans in the failed batch. */
  spans: number;
  /** HTTP status, or 0 for a network failure. */
  status: number;
  willRetry: boolean;
  reason: 'retrying' | 'rejected' | 'deadline' | 'failed';
  message: string;
}

export interface ExporterStats {
  queued: number;
  exportsInFlight: number;
  spansInFlight: number;
  exported: number;
  /** Spans sent with keepalive at page hide or forceFlush (their fate is not reported back). */
  flushed: number;
  retries: number;
  dropped: { queueFull: number; tooLarge: number; rejected: number; exportFailed: number };
  exportFailures: { network: number; status: number };
}

declare const exporterBrand: unique symbol;

/** An OTLP/HTTP JSON span exporter made by `createExporter` (only those are accepted as the `exporter` option). */
export interface Exporter {
  /** @internal Only `createExporter` makes exporters. */
  readonly [exporterBrand]: true;
  /** Counts: queued, exported, dropped by reason, export failures; null until the Wasm core has loaded. */
  stats(): ExporterStats | null;
  /** Sends everything queued now (open streams as in-progress snapshots). */
  forceFlush(): Promise<void>;
  /** forceFlush(), then stop exporting. */
  shutdown(): Promise<void>;
}

/**
 * An exporter to share between sources and traced fetches: `new TracedEventSource(url, { exporter })`,
 * `createTracedFetch({ exporter })`. Throws a `TypeError` naming a bad option.
 */
export declare function createExporter(options: ExporterOptions): Exporter;

/** createTracedFetch's options: the trace options (same defaults) plus these. */
export interface TracedFetchOptions extends TraceOptions {
  /** Where the client spans of traced calls go. @default none */
  exporter?: Exporter;
  /** Called once per call when the response head arrives or the fetch rejects. Exceptions it throws are reported. @default none */
  onSpan?: (span: ClientSpanRecord) => void;
  /** The fetch to wrap. @default globalThis.fetch (read at each call) */
  fetch?: typeof fetch;
}

/**
 * A fetch() that injects trace context like TracedEventSource does, for every `fetch` argument shape. The
 * body is never read, cloned or drained; trace headers replace any the caller passed. Throws a `TypeError`
 * naming a bad option.
 */
export declare function createTracedFetch(options?: TracedFetchOptions): typeof fetch;
/** `createTracedFetch()` with the defaults: both propagators, same origin only (in Node: every origin). */
export declare const tracedFetch: typeof fetch;

export default TracedEventSource;

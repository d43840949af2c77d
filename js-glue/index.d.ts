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

/** Trace context propagation (W3C Trace Context + Baggage, AWS X-Ray). */
export interface TraceOptions {
  /** Which headers to inject: 'w3c' (traceparent, tracestate, baggage) and/or 'xray' (X-Amzn-Trace-Id). Default both. */
  propagators?: Array<'w3c' | 'xray'>;
  /**
   * Where trace headers may go besides the page's own origin: origins ('https://api.example.com',
   * 'http://localhost:8080') or a predicate on the request URL. Default: same origin only — injected headers
   * force CORS preflights and leak ids to third parties.
   */
  allowedOrigins?: string[] | ((url: URL) => boolean);
  /** A parent context, as a `traceparent` or `X-Amzn-Trace-Id` value. Parsed strictly; invalid → ignored with a diagnostic. */
  parent?: string;
  /** Fraction of root traces sampled, decided from the trace id's random bits. Default 1. Ignored when `parent` is given (parent-based). */
  sampleRatio?: number;
  /** What an unsampled attempt sends: 'propagate' (flags 00 / Sampled=0; default) or 'omit' (no trace headers). */
  unsampled?: 'propagate' | 'omit';
  /** tracestate members to send (key → value), validated against the W3C grammar. */
  tracestate?: Record<string, string>;
  /** baggage members to send (key → value), percent-encoded; whole members past 64 / 8192 bytes are dropped. */
  baggage?: Record<string, string>;
  /** Warn once (console.warn) when a cross-origin server does not expose its trace response headers. */
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

/** One record per state change, for logging and tests. Never dispatched on the source itself. */
export interface Diagnostic {
  /**
   * 'connect' when an attempt starts (with its `trace`), 'open' when a response was accepted (with `response`),
   * 'reconnect' when a retry is scheduled, 'closed' when the source gives up or is closed, 'warning' for
   * rejected configuration (an invalid parent, tracestate or baggage member) and other problems worth a look,
   * 'paused' when attempts wait for the network to come back (offline), 'resumed' when `online` restarts them.
   */
  kind: 'connect' | 'open' | 'reconnect' | 'closed' | 'paused' | 'resumed' | 'warning';
  /** Attempt number, starting at 1 for the first request. */
  attempt: number;
  /** Why the previous connection ended ('open' has none). */
  closeType?: CloseType;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Delay before the next attempt, in milliseconds ('reconnect' only). */
  delayMs?: number;
  /** 'reconnect': how the delay was chosen; 'closed': why the source gave up. */
  reason?: 'retry' | 'backoff' | 'retry-after' | 'fatal' | 'max-retries' | 'app';
  /** 'open': false when the response said `X-SSE-Resume-Supported: false` (no replay from Last-Event-ID). */
  resumeSupported?: false;
  /** 'connect': the attempt's trace context. */
  trace?: AttemptTrace;
  /** 'open': what the server said about its side of the trace. */
  response?: ResponseTrace;
  /** A sentence a person can read. */
  message: string;
}

export interface ConnectionStats {
  attempts: number;
  closes: Record<CloseType, number>;
}

export interface TracedEventSourceInit {
  /** As EventSource: send cookies cross-origin (`credentials: 'include'`); default `'same-origin'`. */
  withCredentials?: boolean;
  /** Extra request headers: an object, or a function called before every attempt (for token refresh). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Reconnection time before the server sends `retry:`, in ms. Default 3000 (as browsers). */
  retryMs?: number;
  /** Cap on one line or one event, in bytes. Past it the connection is dropped with close type 'stream-cap'. Default 16 MiB. */
  maxEventBytes?: number;
  /** Cap of the exponential backoff, in ms. Default 30000. */
  maxRetryDelayMs?: number;
  /** Consecutive reconnects without a delivered event before giving up. Default Infinity. */
  maxRetries?: number;
  /** Abort an attempt that receives no byte for this long (close type 'idle-timeout'). Default 0: off. */
  idleTimeoutMs?: number;
  /** Statuses (400–599) retried with backoff or Retry-After instead of closing. Default [429, 502, 503, 504]. */
  retryStatuses?: number[];
  /** Bound on a server's Retry-After, in ms. Default 600000. */
  maxRetryAfterMs?: number;
  /** Exact WHATWG behaviour for every failure: no jitter, no backoff, every bad response closes. Default false. */
  strict?: boolean;
  /** Called for every state change. Exceptions it throws are reported, never propagated. */
  diagnostics?: (d: Diagnostic) => void;
  /** Replaces `globalThis.fetch` (tests, service workers, instrumentation). */
  fetch?: typeof fetch;
  /** Trace context injection; `false` turns it off. Default: both propagators, same origin only. */
  trace?: TraceOptions | false;
  /** Where this source's spans go (connect, stream, reconnect wait). Default: not recorded. */
  exporter?: Exporter;
  /** Share of events (0–1) that also get an `sse event` span, with an exporter. Default 0: a busy stream would flood the queue. */
  eventSpanRatio?: number;
}

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
  readonly readyState: 0 | 1 | 2;
  /** The last event ID string (what `Last-Event-ID` carries on the next attempt). An extension to EventSource. */
  readonly lastEventId: string;
  onopen: ((this: TracedEventSource, ev: Event) => any) | null;
  onmessage: ((this: TracedEventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: TracedEventSource, ev: Event) => any) | null;
  /** Attempts started and how each ended, by close type. An extension to EventSource. */
  stats(): ConnectionStats;
  close(): void;
}

/** What a traced fetch reports for its client span (until spans are exported). */
export interface ClientSpanRecord extends AttemptTrace {
  method: string;
  /** The request URL without query string or fragment. */
  url: string;
  /** HTTP status, or undefined when the fetch rejected. */
  status?: number;
  /** The rejection's name ('TypeError', 'AbortError'), when it rejected. */
  error?: string;
  durationMs: number;
  response?: ResponseTrace;
  /** The call was redirected and the trace headers withheld from the target: its URL without query, or
   * 'unknown' where the browser hides it. */
  redirectedWithoutTrace?: string;
  /** Why an allowed call went out without trace headers (a ReadableStream body cannot be resent). */
  notInjected?: string;
}

export interface ExporterOptions {
  /** OTLP/HTTP traces endpoint, e.g. 'https://collector.example.com/v1/traces' (required). */
  endpoint: string | URL;
  /** Extra request headers (API keys): an object, or a function called before every export. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Resource service.name. Default 'browser'. */
  serviceName?: string;
  serviceVersion?: string;
  /** Spans kept while waiting to be exported; past it new spans are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  /** Spans per export request. Default 512. */
  maxExportBatchSize?: number;
  /** How long a span may wait for a batch to fill, in ms. Default 5000. */
  scheduledDelayMs?: number;
  /** Export requests in flight (or waiting to retry) at once. Default 2. */
  maxConcurrentExports?: number;
  /** Deadline for one batch including its retries, in ms. Default 30000. */
  exportTimeoutMs?: number;
  /** Called for every failed export attempt. Exceptions it throws are reported, never propagated. */
  onError?: (failure: ExportFailure) => void;
  /** The fetch used to POST (default globalThis.fetch; never a traced one). */
  fetch?: typeof fetch;
}

export interface ExportFailure {
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

export interface Exporter {
  /** null until the Wasm core has loaded. */
  stats(): ExporterStats | null;
  /** Sends everything queued now (open streams as in-progress snapshots). */
  forceFlush(): Promise<void>;
  /** forceFlush(), then stop exporting. */
  shutdown(): Promise<void>;
}

export declare function createExporter(options: ExporterOptions): Exporter;

export interface TracedFetchOptions extends TraceOptions {
  /** Where the client spans of traced calls go. */
  exporter?: Exporter;
  /** Called once per call when the response head arrives or the fetch rejects. */
  onSpan?: (span: ClientSpanRecord) => void;
  /** The fetch to wrap; default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** A fetch() that injects trace context like TracedEventSource does. The body is never read, cloned or drained. */
export declare function createTracedFetch(options?: TracedFetchOptions): typeof fetch;
/** `createTracedFetch()` with the defaults: both propagators, same origin only. */
export declare const tracedFetch: typeof fetch;

export default TracedEventSource;

// Public API of traced-eventsource. Hand-written: the runtime is plain ES modules plus a Wasm core.

/** How one connection attempt ended. Reported to `diagnostics` and counted by `stats()`. */
export type CloseType =
  | 'graceful'        // the server ended the response body
  | 'network'         // fetch() or a body read rejected
  | 'http-status'     // the response status was not 200
  | 'content-type'    // 200, but not text/event-stream (or a charset other than UTF-8)
  | 'cors'            // a cross-origin response the browser refused to expose
  | 'stream-cap'      // one line or event grew past `maxEventBytes`
  | 'app-close';      // close() was called

/** One record per state change, for logging and tests. Never dispatched on the source itself. */
export interface Diagnostic {
  /** 'open' when a response was accepted, 'reconnect' when a retry is scheduled, 'closed' when the source gives up or is closed. */
  kind: 'open' | 'reconnect' | 'closed';
  /** Attempt number, starting at 1 for the first request. */
  attempt: number;
  /** Why the previous connection ended ('open' has none). */
  closeType?: CloseType;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Delay before the next attempt, in milliseconds ('reconnect' only). */
  delayMs?: number;
  /** A sentence a person can read. */
  message: string;
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
  /** Called for every state change. Exceptions it throws are reported, never propagated. */
  diagnostics?: (d: Diagnostic) => void;
  /** Replaces `globalThis.fetch` (tests, service workers, instrumentation). */
  fetch?: typeof fetch;
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
  close(): void;
}

export default TracedEventSource;

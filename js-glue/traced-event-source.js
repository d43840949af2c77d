// TracedEventSource: the EventSource interface (WHATWG §9.2.2) on top of the Wasm core and fetch().
// The core decides everything (parsing, readyState, when to reconnect); this class runs its commands:
// start requests, dispatch events, keep one timer.
import {
  Command, CoreConnection, CloseType, CLOSE_TYPES, commandAt, commandWords, messageData, messageType,
} from './core-bindings.js';
import { loadCore } from './core-loader.js';
import { normalizeOptions } from './options.js';
import { baseUrl, now, redact, report, yieldToPage } from './platform.js';
import { SseMessageEvent } from './sse-message-event.js';
import { runAttempt } from './transport.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
// setTimeout() fires at once for delays past 2^31-1 ms; longer waits are slept in pieces (the core re-arms).
const MAX_TIMER_MS = 0x7fffffff;
// Chromium hands a fast stream over in chunks of up to 2 MiB (150,000 tiny events). The core is fed at most
// FEED_SLICE bytes per call, and after FEED_BUDGET_MS of parsing and dispatching the rest waits for a new task,
// so no task of ours comes near the 50 ms that makes a page feel stuck.
const FEED_SLICE = 16 * 1024;
const FEED_BUDGET_MS = 5;

// Starting the Wasm download at import lets it overlap with the app's own start-up. A failure surfaces on the
// sources that need the core, never as an unhandled rejection.
const corePromise = loadCore();
corePromise.catch(() => {});

export class TracedEventSource extends EventTarget {
  #url;
  #requestUrl;      // where the next attempt goes: a redirect moves it, as in browsers
  #origin = '';     // origin of the response the events come from
  #hadResponse = false;  // some attempt read a response head: CORS let us through at least once
  #attemptTrace = null;   // the core's trace context for the attempt its next CONNECT starts
  #responseTrace = null;  // trace ids the last response head carried
  #warnedUnexposed = false;
  #options;
  #readyState = CONNECTING;
  #lastEventId = '';
  #core = null;     // CoreConnection, once the Wasm is ready; freed when CLOSED
  #request = null;  // AbortController of the attempt in flight
  #timer = null;
  #closed = false;
  #stats = null;           // the last counts, kept when the core is freed
  #networkListener = null;  // online/offline, while the source may still reconnect

  constructor(url, init = undefined) {
    super();
    const text = `${url}`;  // USVString conversion: objects with toString, numbers and null become text
    let resolved;
    try {
      resolved = new URL(text, baseUrl());
    } catch {
      throw new DOMException(`Cannot open a TracedEventSource to '${text}'. The URL is invalid.`, 'SyntaxError');
    }
    this.#options = normalizeOptions(init);
    this.#url = resolved.href;
    this.#requestUrl = resolved.href;
    // With an exporter, start once its telemetry exists too, so the first attempt's spans are recorded.
    const ready = this.#options.exporter
      ? Promise.all([corePromise, this.#options.exporter.ready]).then(([core]) => core)
      : corePromise;
    ready.then((core) => this.#begin(core), (error) => this.#failToLoad(error));
  }

  get url() { return this.#url; }
  get withCredentials() { return this.#options.withCredentials; }
  get readyState() { return this.#readyState; }
  get lastEventId() { return this.#lastEventId; }

  /** How many attempts started and how each one ended, by close type. */
  stats() {
    const live = this.#core?.alive ? this.#core.stats() : null;
    const s = live ?? this.#stats ?? { attempts: 0, closes: Object.fromEntries(CLOSE_TYPES.map((n) => [n, 0])) };
    return { attempts: s.attempts, closes: { ...s.closes } };
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyState = CLOSED;
    if (this.#core) this.#apply(this.#core.close(now()));
    this.#release();
  }

  // Nothing will use the connection again: stop the request and the timer, keep the counts, free the core.
  #release() {
    this.#abortRequest();
    this.#clearTimer();
    if (this.#networkListener) {
      globalThis.removeEventListener('online', this.#networkListener);
      globalThis.removeEventListener('offline', this.#networkListener);
      this.#networkListener = null;
    }
    if (this.#core?.alive) this.#stats = this.#core.stats();
    this.#core?.free();
  }

  #begin(core) {
    if (this.#closed) return;
    try {
      this.#core = new CoreConnection(core, this.#options);
    } catch (error) {
      this.#failToLoad(error);
      return;
    }
    if (this.#options.trace) this.#apply(this.#core.configureTrace(this.#options.trace));
    const exporter = this.#options.exporter;
    if (exporter) {
      this.#core.attach(exporter.telemetry, this.#options.eventSpanRatio);
      this.#setSpanUrl(this.#requestUrl);
    }
    this.#watchNetwork();
    this.#apply(this.#core.start(now()));
  }

  #setSpanUrl(href) {
    if (!this.#options.exporter) return;
    const url = new URL(href);
    this.#core.setUrl(redact(url), url.host);
  }

  // C6: while the platform says it is offline, attempts wait (spending no retry); `online` reconnects at once.
  // Pages and workers have these events; Node has none. Strict mode is WHATWG's EventSource, which ignores them.
  #watchNetwork() {
    const onLine = globalThis.navigator?.onLine;
    if (this.#options.strict || typeof onLine !== 'boolean' || typeof globalThis.addEventListener !== 'function') return;
    this.#networkListener = (event) => {
      if (this.#core && !this.#closed) this.#apply(this.#core.network(now(), event.type === 'online'));
    };
    globalThis.addEventListener('online', this.#networkListener);
    globalThis.addEventListener('offline', this.#networkListener);
    if (!onLine) this.#apply(this.#core.network(now(), false));
  }

  #failToLoad(error) {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyState = CLOSED;
    this.#diagnose({ kind: 'closed', attempt: 0, message: `the Wasm core could not be loaded: ${error?.message ?? error}` });
    this.dispatchEvent(new Event('error'));
  }

  // Runs the core's commands (CoreConnection's result) in order. Dispatching can re-enter (a listener calls
  // close()): after that, nothing more is dispatched and no request or timer is started. Messages, the
  // per-event path, are dispatched straight from the command words without an intermediate object.
  #apply(commands) {
    const { words } = commands;
    for (let i = 0; i < words.length; i += commandWords(words[i])) {
      if (words[i] === Command.MESSAGE) {
        if (!this.#closed) {
          this.dispatchEvent(new SseMessageEvent(messageType(commands, i) || 'message', messageData(commands, i),
            this.#origin, this.#lastEventId));
        }
      } else {
        this.#applyCommand(commandAt(commands, i));
      }
    }
    if (this.#readyState === CLOSED && !this.#closed) {
      // The core gave up (fatal status, wrong content type, CORS, max retries).
      this.#closed = true;
      this.#release();
    }
  }

  #applyCommand(c) {
    switch (c.op) {
      case Command.CONNECT:
        if (!this.#closed) this.#connect(c.attempt, c.lastEventIdHeader);
        break;
      case Command.ABORT:
        this.#abortRequest();
        break;
      case Command.READY_STATE:
        this.#readyState = c.state;
        break;
      case Command.OPEN:
        if (!this.#closed) this.dispatchEvent(new Event('open'));
        break;
      case Command.LAST_EVENT_ID:
        this.#lastEventId = c.id;
        break;
      case Command.ERROR:
        if (!this.#closed) this.dispatchEvent(new Event('error'));
        break;
      case Command.SET_TIMER:
        if (!this.#closed) this.#setTimer(c.delayMs);
        break;
      case Command.CANCEL_TIMER:
        this.#clearTimer();
        break;
      case Command.DIAGNOSTIC:
        this.#diagnose(c.kind === 'open' && this.#responseTrace ? { ...c, response: this.#responseTrace } : c);
        break;
      case Command.TRACE:
        this.#attemptTrace = c.trace;
        break;
      case Command.RESPONSE_TRACE:
        this.#responseTrace = this.#readResponseTrace(c.response);
        break;
      case Command.WARNING:
        this.#diagnose({ kind: 'warning', attempt: 0, message: c.message });
        break;
      case Command.TELEMETRY_TICK:
        this.#options.exporter?.tick();
        break;
    }
  }

  #connect(attempt, lastEventIdHeader) {
    const trace = this.#attemptTrace;
    this.#attemptTrace = null;
    // Trace headers only where the app allows them (B5): elsewhere they would force preflights and leak ids.
    const inject = Boolean(trace && this.#options.trace?.allows(new URL(this.#requestUrl)));
    const traceHeaders = inject ? trace.headers : {};
    if (trace) {
      this.#diagnose({ kind: 'connect', attempt, trace: { ...trace, headers: { ...traceHeaders } },
        message: `attempt ${attempt} to ${redact(this.#requestUrl)}: trace ${trace.traceId}` +
          (inject ? '' : ' (not injected: origin not allowed)') });
    }
    let headers;
    try {
      headers = this.#requestHeaders(lastEventIdHeader, traceHeaders);
    } catch (error) {
      // A throwing headers() callback or an invalid header value: report it, and let the attempt fail like a
      // network error so the source retries (a token refresh may succeed next time).
      this.#diagnose({ kind: 'warning', attempt, message: `request headers rejected: ${error?.message ?? error}` });
      queueMicrotask(() => { if (this.#core && !this.#closed) this.#apply(this.#core.end(now(), CloseType.network)); });
      return;
    }
    const controller = new AbortController();
    this.#request = controller;
    const options = this.#options;
    runAttempt({
      fetchImpl: options.fetchImpl,
      url: this.#requestUrl,
      headers,
      traceHeaders,
      allows: (url) => options.trace.allows(url),
      credentials: options.withCredentials ? 'include' : 'same-origin',
      signal: controller.signal,
      hadResponse: this.#hadResponse,
    }, {
      redirected: (to) => this.#diagnose({ kind: 'warning', attempt,
        message: `attempt ${attempt} was redirected ${to ? `to ${redact(to)}, not an allowed origin` : 'where fetch() hides the target'}: ` +
          'the trace headers were withheld from it' }),
      response: (response) => {
        this.#hadResponse = true;
        if (response.url) {
          if (response.url !== this.#requestUrl) this.#setSpanUrl(response.url);
          this.#requestUrl = response.url;
          this.#origin = new URL(response.url).origin;
        } else {
          this.#origin = new URL(this.#requestUrl).origin;
        }
        const h = response.headers;
        this.#apply(this.#core.response(now(), response.status, {
          contentType: h.get('content-type') ?? '',
          xray: h.get('x-amzn-trace-id') ?? '',
          traceresponse: h.get('traceresponse') ?? '',
          serverTiming: h.get('server-timing') ?? '',
          retryAfter: h.get('retry-after') ?? '',
          resumeSupported: (h.get('x-sse-resume-supported') ?? '').trim().toLowerCase() !== 'false',
        }));
      },
      chunk: (bytes) => this.#feed(bytes, controller),
      end: (closeType) => {
        if (this.#request === controller) this.#request = null;
        this.#apply(this.#core.end(now(), closeType));
      },
    }).catch((error) => {
      // Something threw outside fetch() itself (an app-supplied fetch that resolved to no Response, say): report
      // it, and end the attempt as a network failure so the source retries instead of waiting for ever.
      report(error);
      if (this.#request === controller && this.#core && !this.#closed) {
        this.#request = null;
        controller.abort();
        this.#apply(this.#core.end(now(), CloseType.network));
      }
    });
  }

  // One network chunk into the core, in slices within a time budget (see FEED_SLICE). Returns a promise only when
  // it yielded; the transport waits for it before reading on, so the stream itself is the backpressure.
  #feed(bytes, controller) {
    const started = performance.now();
    for (let at = 0; at < bytes.length; at += FEED_SLICE) {
      if (this.#closed || this.#request !== controller) return undefined;
      const t = at === 0 ? started : performance.now();  // one clock read per slice (Node's is not cheap)
      if (t - started > FEED_BUDGET_MS) return yieldToPage().then(() => this.#feed(bytes.subarray(at), controller));
      const slice = bytes.length <= FEED_SLICE ? bytes : bytes.subarray(at, at + FEED_SLICE);
      this.#apply(this.#core.bytes(performance.timeOrigin + t, slice));
    }
    return undefined;
  }

  #requestHeaders(lastEventIdHeader, traceHeaders) {
    const headers = new Headers();
    const source = this.#options.headers;
    const extra = typeof source === 'function' ? source() : source;
    if (extra) new Headers(extra).forEach((value, name) => headers.set(name, value));
    // Set, never appended: whatever the app passed, exactly one of each.
    for (const [name, value] of Object.entries(traceHeaders)) headers.set(name, value);
    headers.set('Accept', 'text/event-stream');
    if (lastEventIdHeader) headers.set('Last-Event-ID', lastEventIdHeader);
    else headers.delete('Last-Event-ID');
    return headers;
  }

  // A cross-origin server that does not expose its trace headers (Access-Control-Expose-Headers) looks like one
  // that sends none: record that they were unavailable, and say so once in debug mode (B9).
  #readResponseTrace(ids) {
    const available = Object.keys(ids).length > 0;
    if (!available && this.#options.trace?.debug && !this.#warnedUnexposed && this.#origin !== globalThis.location?.origin) {
      this.#warnedUnexposed = true;
      console.warn(`traced-eventsource: ${this.#origin} exposes no trace response header (X-Amzn-Trace-Id, ` +
        'traceresponse, server-timing); add them to Access-Control-Expose-Headers to correlate server traces.');
    }
    return { available, ...ids };
  }

  #abortRequest() {
    const request = this.#request;
    this.#request = null;
    request?.abort();
  }

  #setTimer(delayMs) {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#core && !this.#closed) this.#apply(this.#core.timer(now()));
    }, Math.min(delayMs, MAX_TIMER_MS));
  }

  #clearTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #diagnose(record) {
    const callback = this.#options.diagnostics;
    if (!callback) return;
    const { op, ...fields } = record;
    const d = { ...fields, message: fields.message ?? describe(fields) };
    for (const key of Object.keys(d)) if (d[key] === undefined) delete d[key];
    try {
      callback(d);
    } catch (error) {
      report(error);
    }
  }
}
// After the class rather than in a static block, which Safari has only since 16.4.
for (const type of ['open', 'message', 'error']) defineEventHandler(TracedEventSource.prototype, type);

function describe({ kind, attempt, closeType, status, delayMs, reason, resumeSupported }) {
  const why = closeType ? ` (${closeType}${status ? ` ${status}` : ''})` : '';
  switch (kind) {
    case 'open':
      return `attempt ${attempt} open${status ? ` (${status})` : ''}` +
        (resumeSupported === false ? '; the server cannot resume from Last-Event-ID' : '');
    case 'reconnect': return `attempt ${attempt} ended${why}; reconnecting in ${delayMs} ms (${reason})`;
    case 'paused': return `offline: attempts paused after attempt ${attempt}`;
    case 'resumed': return 'online: reconnecting now';
    default:
      return `closed after attempt ${attempt}${why}` + (reason === 'max-retries' ? ': retries exhausted' : '');
  }
}

// `onopen` & co. behave as event handler IDL attributes: the listener is registered when first set to a
// function (keeping its place among addEventListener listeners while the value changes) and removed on null.
function defineEventHandler(proto, type) {
  const listeners = new WeakMap();
  Object.defineProperty(proto, `on${type}`, {
    configurable: true,
    enumerable: true,
    get() { return handlersOf(this)[type] ?? null; },
    set(value) {
      const handlers = handlersOf(this);
      const fn = typeof value === 'function' ? value : null;
      if (fn && !listeners.has(this)) {
        const listener = (event) => handlers[type]?.call(this, event);
        listeners.set(this, listener);
        this.addEventListener(type, listener);
      } else if (!fn && listeners.has(this)) {
        this.removeEventListener(type, listeners.get(this));
        listeners.delete(this);
      }
      handlers[type] = fn;
    },
  });
}

const handlerStore = new WeakMap();
function handlersOf(target) {
  let h = handlerStore.get(target);
  if (!h) handlerStore.set(target, (h = {}));
  return h;
}

for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSED', CLOSED]]) {
  Object.defineProperty(TracedEventSource, name, { value, enumerable: true });
  Object.defineProperty(TracedEventSource.prototype, name, { value, enumerable: true });
}

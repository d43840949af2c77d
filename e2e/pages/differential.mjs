// Runs one SSE script with the browser's EventSource or with TracedEventSource and returns what the page saw.
// Driven by e2e/differential.spec.mjs: window.runScript({impl, script, session, origin, listen, stop}).

// Long data is summarised so a 1 MiB event does not travel back to the test (and into its diff) in full.
const LONG_DATA = 1024;
// After close(), keep listening this long: nothing may be dispatched any more (A4), and the log shows it if it is.
const SETTLE_MS = 100;
const DEFAULT_TIMEOUT_MS = 8000;

/** Same as fnv1a in e2e/sse-scripts.mjs (a page cannot import Node modules). */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
const summarize = (data) =>
  typeof data === 'string' && data.length > LONG_DATA ? { length: data.length, fnv1a: fnv1a(data) } : data;

async function constructorFor(impl) {
  if (impl === 'native') return globalThis.EventSource;
  if (impl === 'traced') {
    // Imported only when needed, so the harness runs natively before js-glue exists.
    const mod = await import('/js-glue/index.js');
    return mod.TracedEventSource ?? mod.default;
  }
  throw new Error(`unknown impl ${impl}`);
}

/** One observation: what a listener can see of an event, at dispatch time. */
function observe(ev, source) {
  // The platform interface (its toString tag), not the JS constructor: TracedEventSource's messages are
  // MessageEvents made by a subclass (js-glue/sse-message-event.js).
  const cls = Object.prototype.toString.call(ev).slice(8, -1);
  const o = { type: ev.type, cls, readyState: source.readyState, bubbles: ev.bubbles, cancelable: ev.cancelable,
    composed: ev.composed, defaultPrevented: ev.defaultPrevented };
  if (ev instanceof MessageEvent) {
    Object.assign(o, { data: summarize(ev.data), lastEventId: ev.lastEventId, origin: ev.origin,
      source: ev.source, ports: ev.ports.length, instanceOfMessageEvent: true });
  }
  return o;
}

window.runScript = async ({ impl, script, session, origin, listen = [], stop = {} }) => {
  const Source = await constructorFor(impl);
  const url = new URL(`/sse/${encodeURIComponent(script)}?session=${encodeURIComponent(session)}`, origin).href;
  const diagnostics = []; // TracedEventSource's own account of its state changes: for reports, never compared
  const result = { log: [], afterClose: [] };

  let source;
  try {
    // Tracing off and strict: this suite compares EventSource behaviour. Trace headers change the requests by
    // design (trace-headers.spec.mjs asserts on them), and the default reconnect policy differs from WHATWG on
    // purpose (jitter, backoff, retryable statuses: reconnect.spec.mjs); `strict` is the WHATWG-exact mode.
    source = impl === 'traced'
      ? new Source(url, { trace: false, strict: true, diagnostics: (d) => diagnostics.push(d) })
      : new Source(url);
  } catch (e) {
    return { ...result, constructError: `${e.name}: ${e.message}` };
  }
  Object.assign(result, { url: source.url, withCredentials: source.withCredentials, readyStateAfterConstruct: source.readyState });

  return new Promise((resolve) => {
    const counts = { errors: 0, messages: 0 };
    let closed = false;
    const types = [...new Set(['open', 'error', 'message', ...listen])];

    // 'rule' when the script's stop rule is met; 'closed' when the source gave up first (it cannot dispatch
    // anything more, so waiting for the timeout would only cost time).
    const stopReason = () => {
      if (source.readyState === 2) return stop.closed ? 'rule' : 'closed';
      if (stop.errors !== undefined && counts.errors >= stop.errors) return 'rule';
      if (stop.messages !== undefined && counts.messages >= stop.messages) return 'rule';
      return null;
    };

    let lingering = false;
    const onEvent = (ev) => {
      const o = observe(ev, source);
      if (closed) return void result.afterClose.push(o);
      result.log.push(o);
      if (ev instanceof MessageEvent) counts.messages++; // includes server events named 'open' or 'error'
      else if (ev.type === 'error') counts.errors++;
      const reason = lingering ? null : stopReason();
      if (reason === 'rule' && stop.lingerMs) {
        // Keep the source open a little longer: the log then shows anything it still does (e.g. a reconnect).
        lingering = true;
        setTimeout(() => finish('rule'), stop.lingerMs);
      } else if (reason) {
        finish(reason);
      }
    };

    const finish = (stoppedBy) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      result.stoppedBy = stoppedBy;
      source.close(); // inside the listener when a rule fires: nothing else may be dispatched after this
      result.readyStateAfterClose = source.readyState;
      setTimeout(() => {
        for (const t of types) source.removeEventListener(t, onEvent);
        result.urlAtEnd = source.url;
        if (impl === 'traced') result.diagnostics = JSON.parse(JSON.stringify(diagnostics));
        resolve(result);
      }, SETTLE_MS);
    };

    for (const t of types) source.addEventListener(t, onEvent);
    const timer = setTimeout(() => finish('timeout'), stop.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  });
};

/** Harness self-check: the byte lengths of the reads fetch() sees for a script's first connection (first `bytes`). */
window.readChunks = async ({ script, session, bytes }) => {
  const res = await fetch(`/sse/${encodeURIComponent(script)}?session=${encodeURIComponent(session)}`, { cache: 'no-store' });
  const reader = res.body.getReader();
  const sizes = [];
  let total = 0;
  while (total < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    sizes.push(value.byteLength);
    total += value.byteLength;
  }
  await reader.cancel(); // 'hang' connections never end on their own
  return sizes;
};

window.differentialReady = true;

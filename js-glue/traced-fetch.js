// tracedFetch: ordinary API calls get the same trace context as TracedEventSource attempts (B10), plus the
// data for a client span. The request body is never read, cloned or drained: the call goes to fetch() with the
// caller's own input, only the headers replaced.
import { CoreTracer } from './core-bindings.js';
import { exporterState } from './exporter.js';
import { fetchGuarded } from './redirect-guard.js';
import { loadCore } from './core-loader.js';
import { baseUrl, now, redact, report } from './platform.js';
import { normalizeTraceOptions } from './trace-options.js';

export function createTracedFetch(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('createTracedFetch: options must be an object');
  let trace;
  try {
    trace = normalizeTraceOptions(options);
  } catch (error) {
    throw new TypeError(`createTracedFetch: ${error.message}`);
  }
  const { onSpan } = options;
  if (onSpan !== undefined && typeof onSpan !== 'function') throw new TypeError("createTracedFetch: option 'onSpan' must be a function");
  const appFetch = options.fetch;  // read once: changing the options object later changes nothing
  if (appFetch !== undefined && typeof appFetch !== 'function') throw new TypeError("createTracedFetch: option 'fetch' must be a function");
  let exporter = null;
  if (options.exporter !== undefined) {
    try {
      exporter = exporterState(options.exporter, 'exporter');
    } catch (error) {
      throw new TypeError(`createTracedFetch: ${error.message}`);
    }
  }
  let tracer = null;

  return async function tracedFetch(input, init = undefined) {
    const fetchImpl = appFetch ?? globalThis.fetch;
    let core;
    try {
      core = await loadCore();
      if (exporter) await exporter.ready;
    } catch {
      return fetchImpl(input, init);  // no core, no tracing: the app's call still goes out
    }
    if (!tracer) {
      tracer = new CoreTracer(core, trace);
      if (trace.debug) for (const w of tracer.warnings) console.warn(`traced-eventsource: ${w}`);
    }

    const isRequest = typeof Request === 'function' && input instanceof Request;
    const url = new URL(isRequest ? input.url : `${input}`, baseUrl());
    const method = (init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase();
    const context = tracer.next(now());
    // A redirect to a not-allowed origin must not receive the trace headers; the guard may have to send the
    // request again. A Request's own body is cloned for that (and the clone cancelled once the first response
    // head arrives); a body passed as a stream cannot be sent twice, so such a call goes out untraced.
    const replayable = !(init?.body instanceof ReadableStream);
    const inject = replayable && trace.allows(url);
    // Set, never appended, whatever shape the caller used (Headers, object in any case, pairs, a Request's own).
    const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
    if (inject) for (const [name, value] of Object.entries(context.headers)) headers.set(name, value);

    const span = { ...context, headers: inject ? { ...context.headers } : {}, method, url: redact(url) };
    if (!replayable && trace.allows(url)) span.notInjected = 'the request body is a stream, which a redirect could not resend';
    const started = now();
    const finish = (fields) => {
      const ended = now();
      if (exporter?.telemetry && context.sampled) {
        exporter.recordClientSpan({ traceId: context.traceId, spanId: context.spanId, method, url: span.url,
          host: url.host, errorType: fields.error, response: fields.response, start: started, end: ended,
          status: fields.status });
      }
      if (!onSpan) return;
      try {
        onSpan({ ...span, ...fields, durationMs: Math.max(0, ended - started) });
      } catch (error) {
        report(error);
      }
    };
    let response;
    try {
      const callInit = { ...init, headers };
      // The guard may re-send to another URL: carry what the Request itself says.
      if (isRequest) callInit.method = method;
      if (isRequest && init?.redirect === undefined) callInit.redirect = input.redirect;
      response = inject
        ? await fetchGuarded(fetchImpl, input, callInit, { traceHeaders: context.headers, allows: (u) => trace.allows(u),
          spare: isRequest && input.body !== null && init?.body === undefined ? input.clone() : null,
          onRedirect: (to) => { span.redirectedWithoutTrace = to ? redact(to) : 'unknown'; } })
        : await fetchImpl(input, callInit);
    } catch (error) {
      finish({ error: error?.name ?? 'Error' });
      throw error;
    }
    const h = response.headers;
    const ids = tracer.responseTrace(h.get('x-amzn-trace-id') ?? '', h.get('traceresponse') ?? '', h.get('server-timing') ?? '');
    finish({ status: response.status, response: { available: Object.keys(ids).length > 0, ...ids } });
    return response;
  };
}

/** createTracedFetch() with the defaults: both propagators, same origin only. */
export const tracedFetch = createTracedFetch();

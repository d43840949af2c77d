// One connection of the Wasm core, seen from JavaScript: inputs in, decoded commands out.
// The command wire format is documented in wasm/commands.h; keep the two in step.

export const Command = Object.freeze({
  CONNECT: 1,
  ABORT: 2,
  READY_STATE: 3,
  OPEN: 4,
  MESSAGE: 5,
  LAST_EVENT_ID: 6,
  ERROR: 7,
  SET_TIMER: 8,
  CANCEL_TIMER: 9,
  DIAGNOSTIC: 10,
  TRACE: 11,
  WARNING: 12,
  RESPONSE_TRACE: 13,
  EXPORT: 14,
  EXPORT_FAILED: 15,
  TELEMETRY_TICK: 16,
});

const TRACE_HEADER_NAMES = ['traceparent', 'tracestate', 'baggage', 'x-amzn-trace-id'];

// By number, as in wasm/close_type.h.
export const CLOSE_TYPES = Object.freeze(
  ['graceful', 'network', 'http-status', 'content-type', 'cors', 'stream-cap', 'app-close', 'idle-timeout']);
export const CloseType = Object.freeze(
  Object.fromEntries(CLOSE_TYPES.map((name, i) => [name, i])));

// As wasm/commands.h (DiagnosticKind) and wasm/reconnect_policy.h (DecisionReason) number them.
const DIAGNOSTIC_KINDS = ['open', 'reconnect', 'closed', 'paused', 'resumed'];
const REASONS = ['retry', 'backoff', 'retry-after', 'fatal', 'max-retries', 'app'];
const NONE = 0xffffffff;
const FLAG_RESUME_UNSUPPORTED = 1;

// ignoreBOM: a field value may legitimately start with U+FEFF; only the stream's first BOM is special, and
// the core already removed it. fatal: false gives U+FFFD for invalid bytes, as WHATWG "UTF-8 decode" does.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * The `Last-Event-ID` value: the UTF-8 encoding of the id *as decoded* (invalid bytes became U+FFFD), one
 * char per byte because header values are byte strings. Chromium sends exactly these bytes.
 */
function lastEventIdHeader(rawIdBytes) {
  if (rawIdBytes.length === 0) return '';
  const bytes = utf8Encoder.encode(utf8.decode(rawIdBytes));
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  }
  return s;
}

// Copies UTF-8 strings end to end (or NUL-terminated) into a core input buffer; returns their byte lengths.
function copyStrings(core, inputBuffer, strings, terminate) {
  const encoded = strings.map((text) => utf8Encoder.encode(text));
  const total = encoded.reduce((n, b) => n + b.length + (terminate ? 1 : 0), 0);
  const ptr = inputBuffer(total);
  if (!ptr && total) throw new RangeError('traced-eventsource: out of Wasm memory');
  const heap = core.HEAPU8;  // after the call: it may have grown memory
  let at = ptr;
  for (const bytes of encoded) {
    heap.set(bytes, at);
    at += bytes.length;
    if (terminate) heap[at++] = 0;
  }
  return { total, lengths: encoded.map((b) => b.length) };
}

function traceConfigStrings(trace) {
  return [trace.parent, ...trace.tracestate, ...trace.baggage];
}

/** Decodes the command area the core just wrote (see wasm/commands.h) into plain objects. */
function decodeCommands(core, viewPtr) {
  if (!viewPtr) return [];
  const heap32 = core.HEAPU32;
  const heap8 = core.HEAPU8;
  const wordsPtr = heap32[viewPtr >> 2];
  const wordCount = heap32[(viewPtr >> 2) + 1];
  const stringsPtr = heap32[(viewPtr >> 2) + 2];
  const w = wordsPtr >> 2;
  const str = (i) => utf8.decode(heap8.subarray(stringsPtr + heap32[w + i], stringsPtr + heap32[w + i] + heap32[w + i + 1]));
  const out = [];
  for (let i = 0; i < wordCount;) {
    const tag = heap32[w + i];
    switch (tag) {
      case Command.CONNECT: {
        const off = stringsPtr + heap32[w + i + 2];
        const len = heap32[w + i + 3];
        out.push({ op: tag, attempt: heap32[w + i + 1],
          lastEventIdHeader: lastEventIdHeader(heap8.subarray(off, off + len)) });
        i += 4;
        break;
      }
      case Command.READY_STATE: out.push({ op: tag, state: heap32[w + i + 1] }); i += 2; break;
      case Command.MESSAGE: out.push({ op: tag, type: str(i + 1), data: str(i + 3) }); i += 5; break;
      case Command.LAST_EVENT_ID: out.push({ op: tag, id: str(i + 1) }); i += 3; break;
      case Command.SET_TIMER:
        out.push({ op: tag, delayMs: heap32[w + i + 1] + heap32[w + i + 2] * 0x100000000 });
        i += 3;
        break;
      case Command.DIAGNOSTIC: {
        const closeType = heap32[w + i + 2];
        const reason = heap32[w + i + 5];
        const kind = DIAGNOSTIC_KINDS[heap32[w + i + 1]];
        out.push({
          op: tag,
          kind,
          closeType: closeType === NONE ? undefined : CLOSE_TYPES[closeType],
          status: heap32[w + i + 3] || undefined,
          attempt: heap32[w + i + 4],
          reason: reason === NONE ? undefined : REASONS[reason],
          resumeSupported: heap32[w + i + 6] & FLAG_RESUME_UNSUPPORTED ? false : undefined,
          delayMs: kind === 'reconnect' ? heap32[w + i + 7] + heap32[w + i + 8] * 0x100000000 : undefined,
        });
        i += 9;
        break;
      }
      case Command.TRACE: {
        const headers = {};
        TRACE_HEADER_NAMES.forEach((name, k) => {
          const value = str(i + 11 + 2 * k);
          if (value) headers[name] = value;
        });
        const previousTraceId = str(i + 9);
        out.push({ op: tag, trace: {
          traceId: str(i + 3), spanId: str(i + 5), sampled: heap32[w + i + 1] === 1, sessionId: str(i + 7),
          ...(previousTraceId ? { previousTraceId } : {}), headers } });
        i += 19;
        break;
      }
      case Command.WARNING: out.push({ op: tag, message: str(i + 1) }); i += 3; break;
      case Command.RESPONSE_TRACE: {
        const response = { xrayTraceId: str(i + 1), traceresponse: str(i + 3), serverTimingTrace: str(i + 5) };
        for (const k of Object.keys(response)) if (!response[k]) delete response[k];
        out.push({ op: tag, response });
        i += 7;
        break;
      }
      case Command.EXPORT: {
        const off = stringsPtr + heap32[w + i + 2];
        // A copy: the body outlives the command area, and bytes need no decode/re-encode round trip.
        out.push({ op: tag, job: heap32[w + i + 1], body: heap8.slice(off, off + heap32[w + i + 3]),
          keepalive: heap32[w + i + 4] === 1 });
        i += 5;
        break;
      }
      case Command.EXPORT_FAILED:
        out.push({ op: tag, spans: heap32[w + i + 1], status: heap32[w + i + 2], willRetry: heap32[w + i + 3] === 1,
          reason: ['', 'rejected', 'deadline'][heap32[w + i + 4]] ?? '' });
        i += 5;
        break;
      case Command.ABORT: case Command.OPEN: case Command.ERROR: case Command.CANCEL_TIMER: case Command.TELEMETRY_TICK:
        out.push({ op: tag });
        i += 1;
        break;
      default:
        throw new Error(`traced-eventsource: unknown core command ${tag}; core.wasm and core-bindings.js disagree`);
    }
  }
  return out;
}

/** The core's tracer without a connection: trace context for traced fetch() calls. */
export class CoreTracer {
  #core;
  #handle;

  constructor(core, trace) {
    this.#core = core;
    this.#handle = core._tes_tracer_new(trace.flags, trace.sampleRatio);
    if (!this.#handle) throw new RangeError('traced-eventsource: out of Wasm memory creating a tracer');
    const { total } = copyStrings(core, (n) => core._tes_tracer_input_buffer(this.#handle, n), traceConfigStrings(trace), true);
    /** Warnings about the configuration (an invalid parent, dropped members). */
    this.warnings = decodeCommands(core, core._tes_tracer_configure(this.#handle, total, trace.tracestate.length,
      trace.baggage.length)).map((c) => c.message);
  }

  /** The trace context of the next call: { traceId, spanId, sampled, sessionId, headers }. */
  next(now) {
    return decodeCommands(this.#core, this.#core._tes_tracer_next(this.#handle, now))[0].trace;
  }

  responseTrace(xray, traceresponse, serverTiming) {
    const { lengths } = copyStrings(this.#core, (n) => this.#core._tes_tracer_input_buffer(this.#handle, n),
      [xray, traceresponse, serverTiming], false);
    return decodeCommands(this.#core, this.#core._tes_tracer_response(this.#handle, ...lengths))[0].response;
  }
}

/** The core's telemetry hub (wasm/telemetry.h): one per exporter. */
export class CoreTelemetry {
  #core;
  #handle;

  /**
   * `onExportDone(job, commands)` receives the commands produced when an export the core sent itself (send())
   * settles.
   */
  constructor(core, { endpoint, maxQueueSize, maxExportBatchSize, scheduledDelayMs, maxConcurrentExports,
    exportTimeoutMs }, resource, onExportDone) {
    this.#core = core;
    this.#handle = core._tes_telemetry_new(maxQueueSize, maxExportBatchSize, scheduledDelayMs, maxConcurrentExports,
      exportTimeoutMs);
    if (!this.#handle) throw new RangeError('traced-eventsource: out of Wasm memory creating an exporter');
    const { total } = copyStrings(core, (n) => core._tes_telemetry_input_buffer(this.#handle, n),
      [resource.serviceName, resource.serviceVersion, resource.sdkVersion, resource.userAgent], true);
    core._tes_telemetry_configure(this.#handle, total);
    const { lengths } = copyStrings(core, (n) => core._tes_telemetry_input_buffer(this.#handle, n), [endpoint], false);
    core._tes_telemetry_set_endpoint(this.#handle, lengths[0], exportTimeoutMs);
    // wasm/host-imports.js calls this with the handle of the telemetry whose send settled.
    if (!core.tesTelemetries) {
      core.tesTelemetries = new Map();
      core.tesExportDone = (handle, job, view) => core.tesTelemetries.get(handle)?.(job, decodeCommands(core, view));
    }
    core.tesTelemetries.set(this.#handle, onExportDone);
  }

  get handle() { return this.#handle; }

  /**
   * Lets the core POST job's payload itself through the Emscripten Fetch API (XMLHttpRequest), with these request
   * headers ([name, value, name, value…]). False when it could not: the caller sends it and calls result().
   */
  send(job, headers) {
    const { total } = copyStrings(this.#core, (n) => this.#core._tes_telemetry_input_buffer(this.#handle, n),
      headers, true);
    return this.#core._tes_telemetry_send(this.#handle, job, total) === 1;
  }

  tick(now) { return decodeCommands(this.#core, this.#core._tes_telemetry_tick(this.#handle, now)); }
  flush(now) { return decodeCommands(this.#core, this.#core._tes_telemetry_flush(this.#handle, now)); }

  /** `status` 0 = network failure. */
  result(now, job, status, retryAfter) {
    const { lengths } = copyStrings(this.#core, (n) => this.#core._tes_telemetry_input_buffer(this.#handle, n),
      [retryAfter], false);
    return decodeCommands(this.#core, this.#core._tes_telemetry_result(this.#handle, now, job, status === 0 ? 1 : 0,
      status, lengths[0]));
  }

  /** One traced fetch; true when the queue wants a tick now. */
  clientSpan({ traceId, spanId, method, url, host, errorType, response, start, end, status }) {
    const { total } = copyStrings(this.#core, (n) => this.#core._tes_telemetry_input_buffer(this.#handle, n),
      [traceId, spanId, method, url, host, errorType ?? '', response?.xrayTraceId ?? '', response?.traceresponse ?? '',
        response?.serverTimingTrace ?? ''], true);
    return this.#core._tes_telemetry_client_span(this.#handle, start, end, status ?? 0, total) === 1;
  }

  stats() {
    const at = this.#core._tes_telemetry_stats(this.#handle) >> 3;
    const v = Array.from(this.#core.HEAPF64.subarray(at, at + 12));
    return {
      queued: v[0], exportsInFlight: v[1], spansInFlight: v[2], exported: v[3], flushed: v[4], retries: v[5],
      dropped: { queueFull: v[6], tooLarge: v[7], rejected: v[8], exportFailed: v[9] },
      exportFailures: { network: v[10], status: v[11] },
    };
  }
}

export class CoreConnection {
  #core;
  #handle;

  constructor(core, { retryMs, maxEventBytes, trace, idleTimeoutMs, maxRetryDelayMs, maxRetries, maxRetryAfterMs,
    strict, retryStatuses }) {
    this.#core = core;
    const flags = trace ? trace.flags : 0;
    this.#handle = core._tes_connection_new(retryMs, maxEventBytes, flags, trace ? trace.sampleRatio : 1);
    if (!this.#handle) throw new RangeError('traced-eventsource: out of Wasm memory creating a connection');
    const bytes = new Uint8Array(new Uint32Array(retryStatuses).buffer);  // little-endian, as Wasm
    this.#copyIn(bytes);
    core._tes_configure_reconnect(this.#handle, idleTimeoutMs, maxRetryDelayMs,
      maxRetries === Infinity ? 0xffffffff : maxRetries, maxRetryAfterMs, strict ? 1 : 0, retryStatuses.length);
  }

  /** Before start(): the app's parent, tracestate and baggage. Returns the core's commands (warnings). */
  configureTrace(trace) {
    const { total } = copyStrings(this.#core, (n) => this.#core._tes_input_buffer(this.#handle, n),
      traceConfigStrings(trace), true);
    return this.#run(this.#core._tes_configure_trace(this.#handle, total, trace.tracestate.length, trace.baggage.length));
  }

  get alive() { return this.#handle !== 0; }

  start(now) { return this.#run(this.#handle && this.#core._tes_start(this.#handle, now)); }
  timer(now) { return this.#run(this.#handle && this.#core._tes_timer(this.#handle, now)); }
  end(now, closeType) { return this.#run(this.#handle && this.#core._tes_end(this.#handle, now, closeType)); }
  close(now) { return this.#run(this.#handle && this.#core._tes_close(this.#handle, now)); }
  /** Before start(): record this connection's spans into `telemetry` (a CoreTelemetry). */
  attach(telemetry, eventSpanRatio = 0) {
    if (this.#handle) this.#core._tes_connection_attach(this.#handle, telemetry.handle, eventSpanRatio);
  }

  /** The redacted request URL and its host, for spans. */
  setUrl(url, host) {
    if (!this.#handle) return;
    const { lengths } = copyStrings(this.#core, (n) => this.#core._tes_input_buffer(this.#handle, n), [url, host], false);
    this.#core._tes_connection_set_url(this.#handle, ...lengths);
  }

  network(now, online) { return this.#run(this.#handle && this.#core._tes_network(this.#handle, now, online ? 1 : 0)); }

  /** The response head: status, Content-Type, Retry-After, the trace headers the server sent back (B9) and
   * whether it said X-SSE-Resume-Supported: false. */
  response(now, status, { contentType, xray, traceresponse, serverTiming, retryAfter, resumeSupported }) {
    if (!this.#handle) return [];
    const { lengths } = copyStrings(this.#core, (n) => this.#core._tes_input_buffer(this.#handle, n),
      [contentType, xray, traceresponse, serverTiming, retryAfter], false);
    return this.#run(this.#core._tes_response(this.#handle, now, status, ...lengths, resumeSupported ? 1 : 0));
  }

  /** { attempts, closes: { graceful, network, … } }: how many attempts started, and how each ended. */
  stats() {
    const closes = Object.fromEntries(CLOSE_TYPES.map((name) => [name, 0]));
    if (!this.#handle) return null;
    const at = this.#core._tes_stats(this.#handle) >> 2;
    const heap32 = this.#core.HEAPU32;
    CLOSE_TYPES.forEach((name, i) => { closes[name] = heap32[at + 1 + i]; });
    return { attempts: heap32[at], closes };
  }

  /** One call per network chunk, whatever it holds (DESIGN.md, "the boundary"). */
  bytes(now, chunk) {
    if (!this.#handle) return [];
    this.#copyIn(chunk);
    return this.#run(this.#core._tes_bytes(this.#handle, now, chunk.length));
  }

  free() {
    if (this.#handle) this.#core._tes_connection_free(this.#handle);
    this.#handle = 0;
  }

  #copyIn(bytes) {
    const ptr = this.#core._tes_input_buffer(this.#handle, bytes.length);
    if (!ptr && bytes.length) throw new RangeError('traced-eventsource: out of Wasm memory for a chunk');
    this.#core.HEAPU8.set(bytes, ptr);  // read HEAPU8 after the call: it may have grown memory
  }

  // Decoded before anything is dispatched: a listener may call back into the core (close()), which reuses the
  // command area.
  #run(viewPtr) {
    return decodeCommands(this.#core, viewPtr);
  }
}

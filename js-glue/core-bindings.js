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
function lastEventIdHeader(id) {
  if (id.length === 0) return '';
  const bytes = utf8Encoder.encode(id);
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

// Words per command, tag included (wasm/commands.h), by tag.
const COMMAND_WORDS = [0, 4, 1, 2, 1, 5, 3, 1, 3, 1, 9, 19, 3, 7, 5, 5, 1];
const NO_COMMANDS = Object.freeze({ words: new Uint32Array(0), text: '', heap8: null, bytesPtr: 0 });

/**
 * The commands of one input (wasm/commands.h): a copy of the command words, so listeners may call back into the
 * core while they are walked, and the text area decoded with one TextDecoder call (it is valid UTF-8 and strings
 * count UTF-16 units, so each string is a slice). `heap8`/`bytesPtr` reach the byte area of kExport payloads,
 * which must be read before the next input.
 */
function readCommands(core, viewPtr) {
  if (!viewPtr) return NO_COMMANDS;
  const heap32 = core.HEAPU32;
  const heap8 = core.HEAPU8;
  const v = viewPtr >> 2;
  const w = heap32[v] >> 2;
  const stringsPtr = heap32[v + 2];
  const textBytes = heap32[v + 3];
  return {
    words: heap32.slice(w, w + heap32[v + 1]),
    text: textBytes === 0 ? '' : utf8.decode(heap8.subarray(stringsPtr, stringsPtr + textBytes)),
    heap8,
    bytesPtr: heap32[v + 4],
  };
}

// The fields of the kMessage command at words[i], without building an object (the per-event path).
/** The event type of the kMessage at words[i]: '' for the default "message". */
export function messageType({ words, text }, i) {
  return words[i + 2] === 0 ? '' : text.slice(words[i + 1], words[i + 1] + words[i + 2]);
}
/** The data of the kMessage at words[i]. */
export function messageData({ words, text }, i) { return text.slice(words[i + 3], words[i + 3] + words[i + 4]); }

export function commandWords(tag) { return COMMAND_WORDS[tag] ?? unknownCommand(tag); }

function unknownCommand(tag) {
  throw new Error(`traced-eventsource: unknown core command ${tag}; core.wasm and core-bindings.js disagree`);
}

/** Every command of an input as a plain object, in order (for the inputs that are not per-event). */
function decodeCommands(core, viewPtr) {
  const commands = readCommands(core, viewPtr);
  const out = [];
  for (let i = 0; i < commands.words.length; i += commandWords(commands.words[i])) out.push(commandAt(commands, i));
  return out;
}

/** The command at words[i] of `commands` (from readCommands) as a plain object: { op, ...its fields }. */
export function commandAt(commands, i) {
  const { words, text, heap8, bytesPtr } = commands;
  const str = (at) => text.slice(words[at], words[at] + words[at + 1]);
  const tag = words[i];
  switch (tag) {
    case Command.CONNECT: return { op: tag, attempt: words[i + 1], lastEventIdHeader: lastEventIdHeader(str(i + 2)) };
    case Command.READY_STATE: return { op: tag, state: words[i + 1] };
    case Command.MESSAGE: return { op: tag, type: messageType(commands, i), data: messageData(commands, i) };
    case Command.LAST_EVENT_ID: return { op: tag, id: str(i + 1) };
    case Command.SET_TIMER: return { op: tag, delayMs: words[i + 1] + words[i + 2] * 0x100000000 };
    case Command.DIAGNOSTIC: {
      const closeType = words[i + 2];
      const reason = words[i + 5];
      const kind = DIAGNOSTIC_KINDS[words[i + 1]];
      return {
        op: tag,
        kind,
        closeType: closeType === NONE ? undefined : CLOSE_TYPES[closeType],
        status: words[i + 3] || undefined,
        attempt: words[i + 4],
        reason: reason === NONE ? undefined : REASONS[reason],
        resumeSupported: words[i + 6] & FLAG_RESUME_UNSUPPORTED ? false : undefined,
        delayMs: kind === 'reconnect' ? words[i + 7] + words[i + 8] * 0x100000000 : undefined,
      };
    }
    case Command.TRACE: {
      const headers = {};
      TRACE_HEADER_NAMES.forEach((name, k) => {
        const value = str(i + 11 + 2 * k);
        if (value) headers[name] = value;
      });
      const previousTraceId = str(i + 9);
      return { op: tag, trace: {
        traceId: str(i + 3), spanId: str(i + 5), sampled: words[i + 1] === 1, sessionId: str(i + 7),
        ...(previousTraceId ? { previousTraceId } : {}), headers } };
    }
    case Command.WARNING: return { op: tag, message: str(i + 1) };
    case Command.RESPONSE_TRACE: {
      const response = { xrayTraceId: str(i + 1), traceresponse: str(i + 3), serverTimingTrace: str(i + 5) };
      for (const k of Object.keys(response)) if (!response[k]) delete response[k];
      return { op: tag, response };
    }
    case Command.EXPORT: {
      const off = bytesPtr + words[i + 2];
      // A copy: the body outlives the command area, and bytes need no decode/re-encode round trip.
      return { op: tag, job: words[i + 1], body: heap8.slice(off, off + words[i + 3]), keepalive: words[i + 4] === 1 };
    }
    case Command.EXPORT_FAILED:
      return { op: tag, spans: words[i + 1], status: words[i + 2], willRetry: words[i + 3] === 1,
        reason: ['', 'rejected', 'deadline'][words[i + 4]] ?? '' };
    case Command.ABORT: case Command.OPEN: case Command.ERROR: case Command.CANCEL_TIMER: case Command.TELEMETRY_TICK:
      return { op: tag };
    default:
      return unknownCommand(tag);
  }
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

  // Every input returns its commands as readCommands() gives them: walk them with commandWords() and commandAt().
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
    if (!this.#handle) return NO_COMMANDS;
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
    if (!this.#handle) return NO_COMMANDS;
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

  // The words are copied and the text decoded before anything is dispatched: a listener may call back into the
  // core (close()), which reuses the command area.
  #run(viewPtr) {
    return readCommands(this.#core, viewPtr);
  }
}

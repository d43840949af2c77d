// The in-memory trace store behind /v1/traces and /api/traces: spans grouped by trace, bounded in spans, traces,
// spans per trace and (estimated) bytes.
//
// Eviction drops whole traces, least recently updated first: a half-evicted trace would show a waterfall with
// holes, and a trace that still receives spans (a stream that ended after its page-hide snapshot was sent) is
// alive and should be the last to go. A Map keeps traces in update order (a trace is moved to the end when it
// receives a span), so the victim is always the first entry: O(1), no scan.
//
// Spans are deduplicated by (traceId, spanId) and the later copy wins: the browser sends an in-progress snapshot
// of an open stream at page hide and, if the page comes back, the finished span later.

const DEFAULTS = { maxSpans: 50_000, maxTraces: 2_000, maxSpansPerTrace: 5_000, maxBytes: 64 * 1024 * 1024 };
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

/** A query parameter was unusable: the API answers 400 with the message. */
export class QueryError extends Error {}

/** Rough memory cost of a span: its JSON size plus the bookkeeping around it. An estimate, used only as a bound. */
const sizeOf = (span) => JSON.stringify(span).length + 256;

const byStartDesc = (a, b) => (a.start === b.start ? (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0) : a.start > b.start ? -1 : 1);

function encodeCursor(summary) {
  return Buffer.from(`${summary.start}:${summary.traceId}`).toString('base64url');
}

function decodeCursor(cursor) {
  const m = /^(\d{1,20}):([0-9a-f]{32})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new QueryError('cursor is not one this server issued');
  return { start: BigInt(m[1]), traceId: m[2] };
}

export class TraceStore {
  /**
   * @param {object} [opts]
   * @param {number} [opts.maxSpans]          spans kept over all traces
   * @param {number} [opts.maxTraces]         traces kept
   * @param {number} [opts.maxSpansPerTrace]  a trace this large refuses new spans (one runaway trace would
   *                                          otherwise evict every other)
   * @param {number} [opts.maxBytes]          estimated bytes kept
   */
  constructor(opts = {}) {
    this.limits = { ...DEFAULTS, ...opts };
    this.traces = new Map(); // traceId → { traceId, spans: Map<spanId, {span, start, end, bytes}>, summary }
    this.spanCount = 0;
    this.bytes = 0;
    this.counters = { received: 0, replaced: 0, rejected: 0, evicted: 0 };
  }

  /**
   * Adds parsed spans (otlp-parse.mjs shape). Returns how many were refused and why (only the per-trace cap
   * refuses here; malformed spans never reach the store, the receiver counts them through countRejected).
   */
  add(spans) {
    let rejected = 0;
    const errors = [];
    for (const span of spans) {
      if (!this.#addOne(span)) {
        rejected++;
        if (errors.length < 5) errors.push(`trace ${span.traceId} already holds ${this.limits.maxSpansPerTrace} spans`);
      }
    }
    this.countRejected(rejected);
    return { rejected, errors };
  }

  countRejected(n) {
    this.counters.rejected += n;
  }

  stats() {
    return { ...this.counters, spansStored: this.spanCount, tracesStored: this.traces.size, bytesStored: this.bytes };
  }

  /** One trace with every span, sorted by start; null when unknown. */
  get(traceId) {
    const trace = this.traces.get(traceId);
    if (!trace) return null;
    const records = [...trace.spans.values()].sort((a, b) =>
      a.start !== b.start ? (a.start < b.start ? -1 : 1) : a.end !== b.end ? (a.end > b.end ? -1 : 1) : a.span.spanId < b.span.spanId ? -1 : 1,
    );
    return {
      traceId,
      spans: records.map(({ span }) => ({ ...span, orphan: span.parentSpanId !== '' && !trace.spans.has(span.parentSpanId) })),
    };
  }

  /**
   * Trace summaries, newest start first.
   * @param {{ service?: string, name?: string, start?: number, end?: number, minDurationMs?: number, limit?: number, cursor?: string }} q
   *   start/end: epoch ms bounding the trace's start; name: case-insensitive substring of any span name.
   */
  query({ service, name, start, end, minDurationMs, limit = DEFAULT_LIMIT, cursor } = {}) {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryError(`limit must be an integer 1…${MAX_LIMIT}`);
    const after = cursor ? decodeCursor(cursor) : null;
    const startNs = start === undefined ? null : BigInt(Math.floor(start)) * 1_000_000n;
    const endNs = end === undefined ? null : BigInt(Math.floor(end)) * 1_000_000n + 999_999n; // the whole last ms
    const needle = name ? name.toLowerCase() : null;

    const matches = [];
    for (const trace of this.traces.values()) {
      const s = this.#summary(trace);
      if (service && !s.services.includes(service)) continue;
      if (startNs !== null && s.start < startNs) continue;
      if (endNs !== null && s.start > endNs) continue;
      if (minDurationMs !== undefined && s.durationMs < minDurationMs) continue;
      if (needle && !s.names.some((n) => n.includes(needle))) continue;
      matches.push(s);
    }
    matches.sort(byStartDesc);
    const from = after ? matches.findIndex((s) => byStartDesc(s, after) > 0) : 0;
    const page = from < 0 ? [] : matches.slice(from, from + limit);
    const more = from >= 0 && from + limit < matches.length;
    return {
      traces: page.map(({ start: _s, names: _n, ...pub }) => pub),
      nextCursor: more ? encodeCursor(page[page.length - 1]) : null,
      total: matches.length,
    };
  }

  #addOne(span) {
    let trace = this.traces.get(span.traceId);
    if (trace) this.traces.delete(span.traceId); // re-inserted below: now the most recently updated
    else trace = { traceId: span.traceId, spans: new Map(), bytes: 0, summary: null };
    this.traces.set(span.traceId, trace);

    const old = trace.spans.get(span.spanId);
    if (!old && trace.spans.size >= this.limits.maxSpansPerTrace) return false;
    const record = { span, start: BigInt(span.startUnixNano), end: BigInt(span.endUnixNano), bytes: sizeOf(span) };
    trace.spans.set(span.spanId, record);
    trace.summary = null;
    const delta = record.bytes - (old?.bytes ?? 0);
    trace.bytes += delta;
    this.bytes += delta;
    if (old) this.counters.replaced++;
    else this.spanCount++;
    this.counters.received++;
    this.#evict(trace);
    return true;
  }

  /** Drops least recently updated traces until every bound holds again; never the trace just written to. */
  #evict(keep) {
    const { maxSpans, maxTraces, maxBytes } = this.limits;
    while (this.spanCount > maxSpans || this.traces.size > maxTraces || this.bytes > maxBytes) {
      const oldest = this.traces.values().next().value;
      if (oldest === keep) break;
      this.traces.delete(oldest.traceId);
      this.spanCount -= oldest.spans.size;
      this.bytes -= oldest.bytes;
      this.counters.evicted += oldest.spans.size;
    }
  }

  /** A trace's list entry, cached until the trace changes. */
  #summary(trace) {
    if (trace.summary) return trace.summary;
    let start = null;
    let end = null;
    let root = null;
    let errorCount = 0;
    let hasOrphans = false;
    const services = new Set();
    const names = new Set();
    for (const rec of trace.spans.values()) {
      const { span } = rec;
      if (start === null || rec.start < start) start = rec.start;
      if (end === null || rec.end > end) end = rec.end;
      services.add(span.service);
      names.add(span.name.toLowerCase());
      if (span.status.code === 'error') errorCount++;
      const orphan = span.parentSpanId !== '' && !trace.spans.has(span.parentSpanId);
      if (orphan) hasOrphans = true;
      // The root: the earliest span without a parent; failing that (its parent never arrived), the earliest orphan.
      const rank = span.parentSpanId === '' ? 0 : orphan ? 1 : 2;
      if (rank < 2 && (!root || rank < root.rank || (rank === root.rank && rec.start < root.rec.start))) root = { rank, rec };
    }
    root ??= { rec: [...trace.spans.values()][0] };
    trace.summary = {
      traceId: trace.traceId,
      rootName: root.rec.span.name,
      rootService: root.rec.span.service,
      services: [...services].sort(),
      spanCount: trace.spans.size,
      errorCount,
      startUnixNano: String(start),
      durationMs: Number(end - start) / 1e6,
      hasOrphans,
      start,
      names: [...names],
    };
    return trace.summary;
  }
}

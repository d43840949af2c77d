// OTLP/HTTP JSON (ExportTraceServiceRequest) → the flat span shape the store keeps and the query API returns.
//
// Lenient where the OTLP JSON mapping allows variants (int64 as string or number, enums as numbers or names, ids
// in either hex case), strict where a span would be meaningless: a span without valid ids or times is skipped
// and counted as rejected, and the rest of the request is still accepted (OTLP's partial success).
//
// Every value is bounded as it is copied: strings, attribute counts, events, links and nesting depth. Together
// with the request body limit and the store's span and byte caps this bounds what one span can cost.

export const LIMITS = Object.freeze({
  maxStringChars: 4096,
  maxAttributes: 128,
  maxEvents: 128,
  maxLinks: 128,
  maxArrayItems: 128,
  maxDepth: 4,
  maxErrors: 5, // problems quoted in a partial-success message
});

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;
const UINT64 = /^\d{1,20}$/;
const INT64 = /^-?\d{1,19}$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];
const UNKNOWN_SERVICE = 'unknown_service';

/** The request's shape is wrong as a whole (not one span): the receiver answers 400. */
export class OtlpShapeError extends Error {}

class SpanError extends Error {}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const truncate = (s) => (s.length > LIMITS.maxStringChars ? s.slice(0, LIMITS.maxStringChars) : s);
/** A repeated field: absent is empty (proto3 JSON omits empty lists); anything else but an array is an error. */
function list(value, what) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new SpanError(`${what} must be an array`);
  return value;
}

function hexId(value, pattern, what, { optional = false } = {}) {
  if (optional && (value === undefined || value === null || value === '')) return '';
  if (typeof value !== 'string' || !pattern.test(value) || /^0+$/.test(value)) {
    throw new SpanError(`${what} must be ${pattern === TRACE_ID ? 32 : 16} hex digits, not all zero`);
  }
  return value.toLowerCase();
}

/** A fixed64 nanosecond timestamp: a decimal string or a JSON number. Returns it as a BigInt. */
function nanos(value, what) {
  let n = null;
  if (typeof value === 'string' && UINT64.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) n = BigInt(value);
  if (n === null || n === 0n || n > MAX_UINT64) throw new SpanError(`${what} must be a positive integer (nanoseconds)`);
  return n;
}

function enumValue(value, names, prefix) {
  if (value === undefined || value === null) return names[0];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value];
  if (typeof value === 'string') {
    const name = value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : null;
    if (names.includes(name)) return name;
  }
  return undefined;
}

/** AnyValue → plain JSON (string, number, bool, array, object, null); undefined when it is not an AnyValue. */
function anyValue(v, depth) {
  if (!isObject(v)) return undefined;
  if ('stringValue' in v) return typeof v.stringValue === 'string' ? truncate(v.stringValue) : undefined;
  if ('boolValue' in v) return typeof v.boolValue === 'boolean' ? v.boolValue : undefined;
  if ('intValue' in v) {
    const i = v.intValue;
    if (typeof i === 'number') return Number.isInteger(i) ? i : undefined;
    if (typeof i !== 'string' || !INT64.test(i)) return undefined;
    const n = Number(i);
    return Number.isSafeInteger(n) ? n : i; // beyond 2^53 a number would lie; the decimal string does not
  }
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    if (typeof d === 'number') return d;
    return ['NaN', 'Infinity', '-Infinity'].includes(d) ? d : undefined; // JSON has no number for these
  }
  if ('bytesValue' in v) return typeof v.bytesValue === 'string' ? truncate(v.bytesValue) : undefined;
  if (depth >= LIMITS.maxDepth) return undefined;
  if ('arrayValue' in v) {
    const values = isObject(v.arrayValue) && Array.isArray(v.arrayValue.values ?? []) ? (v.arrayValue.values ?? []) : null;
    if (!values) return undefined;
    return values.slice(0, LIMITS.maxArrayItems).map((x) => anyValue(x, depth + 1) ?? null);
  }
  if ('kvlistValue' in v) {
    const values = isObject(v.kvlistValue) && Array.isArray(v.kvlistValue.values ?? []) ? (v.kvlistValue.values ?? []) : null;
    return values ? attributes(values, depth + 1) : undefined;
  }
  return null; // an empty AnyValue is a legal "no value"
}

/** KeyValue[] → `{ key: value }`. Entries that are not KeyValues are dropped, not fatal: the span still counts. */
function attributes(kvs, depth = 0) {
  const out = {};
  let n = 0;
  for (const kv of kvs) {
    if (n >= LIMITS.maxAttributes) break;
    if (!isObject(kv) || typeof kv.key !== 'string' || kv.key === '') continue;
    const value = anyValue(kv.value ?? {}, depth);
    if (value === undefined) continue;
    const key = truncate(kv.key);
    if (!Object.hasOwn(out, key)) n++;
    out[key] = value;
  }
  return out;
}

function parseSpan(s, service, scope) {
  if (!isObject(s)) throw new SpanError('span must be an object');
  const traceId = hexId(s.traceId, TRACE_ID, 'traceId');
  const spanId = hexId(s.spanId, SPAN_ID, 'spanId');
  const parentSpanId = hexId(s.parentSpanId, SPAN_ID, 'parentSpanId', { optional: true });
  const start = nanos(s.startTimeUnixNano, 'startTimeUnixNano');
  const end = nanos(s.endTimeUnixNano, 'endTimeUnixNano');
  if (end < start) throw new SpanError('endTimeUnixNano is before startTimeUnixNano');
  if (s.name !== undefined && typeof s.name !== 'string') throw new SpanError('name must be a string');
  const kind = enumValue(s.kind, KINDS, 'SPAN_KIND_');
  if (kind === undefined) throw new SpanError('kind must be 0…5 or a SPAN_KIND_* name');

  const status = isObject(s.status) ? s.status : {};
  const events = list(s.events, 'events').slice(0, LIMITS.maxEvents).flatMap((e) => {
    if (!isObject(e)) return [];
    let time;
    try {
      time = nanos(e.timeUnixNano, 'event time');
    } catch {
      return []; // an event without a time cannot be placed on the waterfall; drop it, keep the span
    }
    return [{
      name: typeof e.name === 'string' ? truncate(e.name) : '',
      timeUnixNano: String(time),
      attributes: attributes(list(e.attributes, 'event attributes')),
    }];
  });
  const links = list(s.links, 'links').slice(0, LIMITS.maxLinks).flatMap((l) => {
    if (!isObject(l) || !TRACE_ID.test(l.traceId ?? '') || !SPAN_ID.test(l.spanId ?? '')) return [];
    return [{ traceId: l.traceId.toLowerCase(), spanId: l.spanId.toLowerCase(), attributes: attributes(list(l.attributes, 'link attributes')) }];
  });

  return {
    traceId,
    spanId,
    parentSpanId,
    name: truncate(s.name ?? ''),
    kind,
    service,
    scope,
    startUnixNano: String(start),
    endUnixNano: String(end),
    durationMs: Number(end - start) / 1e6,
    attributes: attributes(list(s.attributes, 'attributes')),
    status: {
      code: enumValue(status.code, STATUS, 'STATUS_CODE_') ?? 'unset',
      message: typeof status.message === 'string' ? truncate(status.message) : '',
    },
    events,
    links,
  };
}

/**
 * Parses an ExportTraceServiceRequest that JSON.parse already produced.
 * @returns {{ spans: object[], rejected: number, errors: string[] }}  `errors` quotes the first few rejections
 * @throws {OtlpShapeError} when the request as a whole is not an ExportTraceServiceRequest
 */
export function parseExportRequest(request) {
  if (!isObject(request)) throw new OtlpShapeError('an ExportTraceServiceRequest must be a JSON object');
  if (request.resourceSpans !== undefined && !Array.isArray(request.resourceSpans)) {
    throw new OtlpShapeError('resourceSpans must be an array');
  }
  const spans = [];
  const errors = [];
  let rejected = 0;
  const reject = (where, err) => {
    rejected++;
    if (errors.length < LIMITS.maxErrors) errors.push(`${where}: ${err.message}`);
  };

  (request.resourceSpans ?? []).forEach((rs, i) => {
    const at = `resourceSpans[${i}]`;
    if (!isObject(rs)) return reject(at, new SpanError('must be an object'));
    const resourceAttrs = isObject(rs.resource) && Array.isArray(rs.resource.attributes) ? attributes(rs.resource.attributes) : {};
    const service = typeof resourceAttrs['service.name'] === 'string' && resourceAttrs['service.name'] !== '' ? resourceAttrs['service.name'] : UNKNOWN_SERVICE;
    let scopeSpans;
    try {
      scopeSpans = list(rs.scopeSpans, 'scopeSpans');
    } catch (err) {
      return reject(at, err);
    }
    scopeSpans.forEach((ss, j) => {
      const sat = `${at}.scopeSpans[${j}]`;
      if (!isObject(ss)) return reject(sat, new SpanError('must be an object'));
      const scope = isObject(ss.scope) && typeof ss.scope.name === 'string' ? truncate(ss.scope.name) : '';
      let items;
      try {
        items = list(ss.spans, 'spans');
      } catch (err) {
        return reject(sat, err);
      }
      items.forEach((s, k) => {
        try {
          spans.push(parseSpan(s, service, scope));
        } catch (err) {
          if (!(err instanceof SpanError)) throw err;
          reject(`${sat}.spans[${k}]`, err);
        }
      });
    });
  });
  return { spans, rejected, errors };
}

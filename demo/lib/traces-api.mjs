// The query API over the trace store:
//   GET /api/traces?service=&name=&start=&end=&minDurationMs=&limit=&cursor=   trace summaries, newest first
//   GET /api/traces/<32 hex>                                                  one trace's spans, sorted by start
// Empty parameters count as absent (a form that sends `service=` means "any service"). Unknown parameters are
// ignored (cache busters). Anything present but unusable is a 400 that names the parameter.

import { HttpError, sendJson } from './http-util.mjs';
import { QueryError } from './otlp-store.mjs';

const TRACE_ID = /^[0-9a-f]{32}$/i;
const MAX_TEXT = 256;
const MAX_CURSOR = 128;

function text(params, key, max) {
  const v = params.get(key);
  if (v === null || v === '') return undefined;
  if (v.length > max) throw new HttpError(400, `${key} is longer than ${max} characters`);
  return v;
}

function number(params, key, { integer = false, min = 0 } = {}) {
  const v = params.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new HttpError(400, `${key} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${v.slice(0, 40)}'`);
  }
  return n;
}

/** Reads /api/traces' query into TraceStore.query()'s arguments. */
export function parseTraceQuery(params) {
  const q = {
    service: text(params, 'service', MAX_TEXT),
    name: text(params, 'name', MAX_TEXT),
    start: number(params, 'start'),
    end: number(params, 'end'),
    minDurationMs: number(params, 'minDurationMs'),
    limit: number(params, 'limit', { integer: true, min: 1 }),
    cursor: text(params, 'cursor', MAX_CURSOR),
  };
  if (q.start !== undefined && q.end !== undefined && q.end < q.start) throw new HttpError(400, 'end is before start');
  for (const key of Object.keys(q)) if (q[key] === undefined) delete q[key];
  return q;
}

/** Answers GET /api/traces. */
export function listTraces(res, store, url) {
  try {
    return sendJson(res, 200, store.query(parseTraceQuery(url.searchParams)));
  } catch (err) {
    if (err instanceof QueryError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Answers GET /api/traces/<id>. */
export function getTrace(res, store, id) {
  if (!TRACE_ID.test(id)) throw new HttpError(400, 'a trace id is 32 hex digits');
  const trace = store.get(id.toLowerCase());
  if (!trace) throw new HttpError(404, `no trace ${id.toLowerCase()} in the store (never received, or evicted)`);
  return sendJson(res, 200, trace);
}

// AWS X-Ray's trace header (`X-Amzn-Trace-Id`) and X-Ray-valid ids.
//
// An X-Ray trace id is `1-<8 hex epoch seconds>-<24 hex random>`; without the dashes it is a valid 32-hex W3C
// trace id, so one id can travel in both headers. X-Ray refuses ids whose time part is far from now, which is why
// the server draws its own root trace ids the same way (XrayIdGenerator) instead of fully at random.

import crypto from 'node:crypto';

const ROOT = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;
const ZERO_SPAN = '0000000000000000';
const ZERO_TRACE = '0'.repeat(32);

/**
 * Parses `Root=1-…-…;Parent=…;Sampled=…` (other fields, e.g. Self or Lineage, are ignored). Returns
 * `{ traceId, parentSpanId, sampled }` (32 and 16 lowercase hex; sampled is true unless `Sampled=0`, since a
 * missing or `?` decision is ours to make and this demo samples everything), or null when there is no usable
 * Root and Parent: a header without a parent cannot be continued as a W3C span context.
 * @param {string | string[] | undefined} value
 */
export function parseXrayHeader(value) {
  if (typeof value !== 'string' || value.length > 1024) return null;
  const fields = new Map();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const root = ROOT.exec(fields.get('Root') ?? '');
  const parent = fields.get('Parent') ?? '';
  if (!root || !SPAN_ID.test(parent)) return null;
  const traceId = (root[1] + root[2]).toLowerCase();
  const parentSpanId = parent.toLowerCase();
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return null;
  return { traceId, parentSpanId, sampled: fields.get('Sampled') !== '0' };
}

/** Formats the header for a span: `Root=1-<8>-<24>;Parent=<span id>;Sampled=<0|1>`. */
export function formatXrayHeader(traceId, spanId, sampled) {
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled ? 1 : 0}`;
}

/** An OpenTelemetry IdGenerator whose trace ids start with the current epoch seconds (valid for X-Ray too). */
export class XrayIdGenerator {
  generateTraceId() {
    const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
    return seconds + crypto.randomBytes(12).toString('hex');
  }

  generateSpanId() {
    let id;
    do id = crypto.randomBytes(8).toString('hex');
    while (id === ZERO_SPAN);
    return id;
  }
}

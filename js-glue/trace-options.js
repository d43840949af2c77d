// The `trace` option: validated once, turned into what the core needs (flags, ratio, strings) and what the
// shell needs (the origin policy). A bad value throws a TypeError naming the option.
import { optionError } from './option-error.js';

const PROPAGATORS = new Set(['w3c', 'xray']);
// As wasm/abi.cpp reads them.
const FLAG_W3C = 1;
const FLAG_XRAY = 2;
const FLAG_OMIT_UNSAMPLED = 4;

function fail(name, expected, value) {
  throw optionError('', name ? `trace.${name}` : 'trace', expected, value);
}

function members(name, value) {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) fail(name, 'an object of string keys and values', value);
  const out = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${name}.${k}`, 'a string', v);
    if (k.includes('\0') || v.includes('\0')) fail(`${name}.${k}`, 'free of NUL characters', v);
    out.push(k, v);
  }
  return out;
}

/** An origin in the allow-list, normalised ('https://Example.com:443' → 'https://example.com'). */
function normaliseOrigin(text) {
  let url;
  try { url = new URL(text); } catch { fail('allowedOrigins', 'a list of origins such as "https://api.example.com"', text); }
  if (url.origin === 'null') fail('allowedOrigins', 'a list of http(s) origins', text);
  return url.origin;
}

/**
 * @returns {null | {flags, sampleRatio, parent, tracestate, baggage, debug, allows(url: URL): boolean}}
 * null when tracing is off.
 */
export function normalizeTraceOptions(trace) {
  if (trace === false) return null;
  if (trace === undefined || trace === null) trace = {};
  if (typeof trace !== 'object') fail('', 'an object or false', trace);

  const propagators = trace.propagators ?? ['w3c', 'xray'];
  if (!Array.isArray(propagators) || propagators.some((p) => !PROPAGATORS.has(p))) {
    fail('propagators', "an array of 'w3c' and/or 'xray'", propagators);
  }
  const sampleRatio = trace.sampleRatio ?? 1;
  if (typeof sampleRatio !== 'number' || !(sampleRatio >= 0 && sampleRatio <= 1)) {
    fail('sampleRatio', 'a number from 0 to 1', sampleRatio);
  }
  const unsampled = trace.unsampled ?? 'propagate';
  if (unsampled !== 'propagate' && unsampled !== 'omit') fail('unsampled', "'propagate' or 'omit'", unsampled);
  const parent = trace.parent ?? '';
  if (typeof parent !== 'string' || parent.includes('\0')) fail('parent', 'a traceparent or X-Amzn-Trace-Id string', parent);

  // Every option is read once, here: a getter is not consulted again on later attempts.
  const allowedOption = trace.allowedOrigins;
  const allowed = allowedOption ?? [];
  let allowsOther;
  if (typeof allowed === 'function') {
    allowsOther = (url) => {
      try { return allowed(url) === true; } catch { return false; }  // a throwing predicate never leaks ids
    };
  } else if (Array.isArray(allowed)) {
    const origins = new Set(allowed.map(normaliseOrigin));
    allowsOther = (url) => origins.has(url.origin);
  } else {
    fail('allowedOrigins', 'an array of origins or a function (url) => boolean', allowed);
  }
  // In a page or worker the default is its own origin only. Node has no page origin and no CORS: every origin
  // is allowed unless the app lists the ones it wants.
  const pageOrigin = globalThis.location?.origin;
  const allows = typeof pageOrigin === 'string'
    ? (url) => url.origin === pageOrigin || allowsOther(url)
    : (url) => (allowedOption === undefined ? true : allowsOther(url));

  const debug = trace.debug ?? false;
  if (typeof debug !== 'boolean') fail('debug', 'a boolean', debug);

  return {
    flags: (propagators.includes('w3c') ? FLAG_W3C : 0) | (propagators.includes('xray') ? FLAG_XRAY : 0)
      | (unsampled === 'omit' ? FLAG_OMIT_UNSAMPLED : 0),
    sampleRatio,
    parent,
    tracestate: members('tracestate', trace.tracestate),
    baggage: members('baggage', trace.baggage),
    debug,
    allows,
  };
}

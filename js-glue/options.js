import { normalizeTraceOptions } from './trace-options.js';

// Validates TracedEventSource's init dictionary at construction: a bad value throws a TypeError that names the
// option, so a typo fails where it is written instead of as a silent misbehaviour minutes later.

const DEFAULT_RETRY_MS = 3000;              // as Chromium's kDefaultReconnectDelay
const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;
const MAX_EVENT_BYTES_LIMIT = 1024 * 1024 * 1024;  // the Wasm heap must hold the event twice

function fail(name, expected, value) {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`TracedEventSource: option '${name}' must be ${expected} (got ${shown})`);
}

function integerOption(init, name, fallback, min, max) {
  const value = init[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function functionOption(init, name) {
  const value = init[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') fail(name, 'a function', value);
  return value;
}

function prefixed(read) {
  try {
    return read();
  } catch (error) {
    throw new TypeError(`TracedEventSource: ${error.message}`);
  }
}

export function normalizeOptions(init) {
  if (init === undefined || init === null) init = {};
  if (typeof init !== 'object') throw new TypeError('TracedEventSource: init must be an object');
  const headers = init.headers;
  if (headers !== undefined && headers !== null && typeof headers !== 'object' && typeof headers !== 'function') {
    fail('headers', 'an object or a function returning one', headers);
  }
  const fetchImpl = functionOption(init, 'fetch') ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new TypeError('TracedEventSource: no fetch() in this environment; pass one as the `fetch` option');
  }
  return {
    withCredentials: Boolean(init.withCredentials),
    headers: headers ?? undefined,
    retryMs: integerOption(init, 'retryMs', DEFAULT_RETRY_MS, 0, Number.MAX_SAFE_INTEGER),
    maxEventBytes: integerOption(init, 'maxEventBytes', DEFAULT_MAX_EVENT_BYTES, 1, MAX_EVENT_BYTES_LIMIT),
    diagnostics: functionOption(init, 'diagnostics'),
    fetchImpl,
    trace: prefixed(() => normalizeTraceOptions(init.trace)),
  };
}

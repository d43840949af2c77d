import { checkStaticHeaders, optionError } from './option-error.js';
import { exporterState } from './exporter.js';
import { normalizeTraceOptions } from './trace-options.js';

// Validates TracedEventSource's init dictionary at construction: a bad value throws a TypeError that names the
// option, so a typo fails where it is written instead of as a silent misbehaviour minutes later.

const DEFAULT_RETRY_MS = 3000;              // as Chromium's kDefaultReconnectDelay
const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;
const MAX_EVENT_BYTES_LIMIT = 1024 * 1024 * 1024;  // the Wasm heap must hold the event twice
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 600_000;
const DEFAULT_RETRY_STATUSES = Object.freeze([429, 502, 503, 504]);
const MAX_MS = Number.MAX_SAFE_INTEGER;

function fail(name, expected, value) {
  throw optionError('TracedEventSource: ', name, expected, value);
}

function integerOption(init, name, fallback, min, max) {
  const value = init[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function booleanOption(init, name) {
  const value = init[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(name, 'a boolean', value);
  return value;
}

function ratioOption(init, name) {
  const value = init[name];
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(name, 'a number from 0 to 1', value);
  return value;
}

function retryStatusesOption(init) {
  const value = init.retryStatuses;
  if (value === undefined) return DEFAULT_RETRY_STATUSES;
  // An index loop, not some(): some() skips the holes of a sparse array ([, 503]).
  let valid = Array.isArray(value);
  for (let i = 0; valid && i < value.length; i++) valid = Number.isInteger(value[i]) && value[i] >= 400 && value[i] <= 599;
  if (!valid) fail('retryStatuses', 'an array of HTTP statuses from 400 to 599', value);
  return [...new Set(value)];
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
  checkStaticHeaders('TracedEventSource: ', headers);
  const fetchImpl = functionOption(init, 'fetch') ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new TypeError('TracedEventSource: no fetch() in this environment; pass one as the `fetch` option');
  }
  return {
    withCredentials: Boolean(init.withCredentials),
    headers: headers ?? undefined,
    retryMs: integerOption(init, 'retryMs', DEFAULT_RETRY_MS, 0, Number.MAX_SAFE_INTEGER),
    maxEventBytes: integerOption(init, 'maxEventBytes', DEFAULT_MAX_EVENT_BYTES, 1, MAX_EVENT_BYTES_LIMIT),
    maxRetryDelayMs: integerOption(init, 'maxRetryDelayMs', DEFAULT_MAX_RETRY_DELAY_MS, 0, MAX_MS),
    maxRetries: init.maxRetries === Infinity ? Infinity : integerOption(init, 'maxRetries', Infinity, 0, 0xfffffffe),
    idleTimeoutMs: integerOption(init, 'idleTimeoutMs', 0, 0, MAX_MS),
    maxRetryAfterMs: integerOption(init, 'maxRetryAfterMs', DEFAULT_MAX_RETRY_AFTER_MS, 0, MAX_MS),
    retryStatuses: retryStatusesOption(init),
    strict: booleanOption(init, 'strict'),
    diagnostics: functionOption(init, 'diagnostics'),
    fetchImpl,
    trace: prefixed(() => normalizeTraceOptions(init.trace)),
    exporter: init.exporter === undefined ? null : prefixed(() => exporterState(init.exporter, 'exporter')),
    eventSpanRatio: ratioOption(init, 'eventSpanRatio'),
  };
}

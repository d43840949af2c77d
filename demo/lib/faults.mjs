// Fault injection for the dashboard's buttons (REQUIREMENTS E2): POST /api/faults/<kind> with an optional JSON
// body of parameters, each checked against its range (a bad one is a 400, never clamped silently).
//
//   drop   destroy every open feed socket now (the client sees a network error)
//   close  end every open feed response gracefully now (the client reconnects after `retry:`)
//   503    end open streams gracefully and answer the next `count` feed attempts with 503 + Retry-After
//   204    end open streams gracefully and answer the next feed attempt with 204 (the client stops for good)
//   stall  open streams send nothing (no events, no heartbeats) for `stallMs`, then the server ends them
//   huge   one `event: huge` whose JSON data is exactly `bytes` long, on every open stream
//   drip   for `durationMs`, open streams send one byte every ~20 ms, then write normally again
//
// 503 and 204 are *armed*: they wait for the next connection attempts (first armed, first served). stall and drip
// are *active* for a while, on the streams that were open when they were injected.

import { HttpError } from './http-util.mjs';

const MIB = 1024 * 1024;

/** Each kind's parameters: [min, max, default], integers. */
export const FAULT_KINDS = Object.freeze({
  drop: {},
  close: {},
  503: { count: [1, 20, 1], retryAfterSeconds: [0, 120, 3] },
  204: {},
  stall: { stallMs: [1, 120_000, 15_000] },
  huge: { bytes: [64, 4 * MIB, 262_144] },
  drip: { durationMs: [1, 60_000, 5_000] },
});

/** @throws {HttpError} 404 unless `kind` is one of FAULT_KINDS */
export function checkFaultKind(kind) {
  if (!Object.hasOwn(FAULT_KINDS, kind)) {
    throw new HttpError(404, `unknown fault '${String(kind).slice(0, 40)}'; kinds: ${Object.keys(FAULT_KINDS).join(', ')}`);
  }
}

/**
 * Checks a request body against the kind's parameters and fills in the defaults.
 * @throws {HttpError} 404 for an unknown kind, 400 for an unknown parameter or a value out of range
 */
export function parseFaultParams(kind, body) {
  checkFaultKind(kind);
  const spec = FAULT_KINDS[kind];
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(spec, key)) {
      const known = Object.keys(spec);
      throw new HttpError(400, `fault '${kind}' takes ${known.length ? known.join(', ') : 'no parameters'}, not '${key.slice(0, 40)}'`);
    }
  }
  const params = {};
  for (const [key, [min, max, fallback]] of Object.entries(spec)) {
    const value = body[key] ?? fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new HttpError(400, `${key} must be an integer ${min}…${max}, got ${JSON.stringify(value)?.slice(0, 40)}`);
    }
    params[key] = value;
  }
  return params;
}

/** The data of a `huge` event: a JSON object whose serialization is exactly `bytes` long. */
export function hugePayload(bytes) {
  const base = { kind: 'huge', bytes, pad: '' };
  const fill = bytes - JSON.stringify(base).length;
  return { ...base, pad: 'x'.repeat(Math.max(0, fill)) };
}

export class Faults {
  /**
   * @param {import('./sse-hub.mjs').SseHub} hub  what the faults act on
   * @param {{ now?: () => number }} [opts]
   */
  constructor(hub, { now = Date.now } = {}) {
    this.hub = hub;
    this.now = now;
    this.armed = []; // [{ kind, remaining, retryAfterSeconds? }], consumed front first
    this.active = new Map(); // kind → untilMs (epoch ms)
    this.injected = 0;
  }

  /** Applies a fault (params from parseFaultParams). Returns the API's answer: `{ kind, affected, armed, … }`. */
  inject(kind, params) {
    this.injected++;
    const hub = this.hub;
    switch (kind) {
      case 'drop':
        return { kind, affected: hub.dropAll(), armed: false };
      case 'close':
        return { kind, affected: hub.endAll(kind), armed: false };
      case '503':
        this.#arm({ kind, remaining: params.count, retryAfterSeconds: params.retryAfterSeconds });
        return { kind, affected: hub.endAll(kind), armed: true, ...params };
      case '204':
        this.#arm({ kind, remaining: 1 });
        return { kind, affected: hub.endAll(kind), armed: true };
      case 'stall':
        this.#activate(kind, params.stallMs);
        return { kind, affected: hub.stallAll(params.stallMs, 'stall'), armed: false, untilMs: this.active.get(kind) };
      case 'huge':
        return { kind, affected: hub.sendAll({ event: 'huge', data: hugePayload(params.bytes) }, 'huge'), armed: false, ...params };
      case 'drip':
        this.#activate(kind, params.durationMs);
        return { kind, affected: hub.dripAll(params.durationMs, 'drip'), armed: false, untilMs: this.active.get(kind) };
      default:
        return checkFaultKind(kind); // throws
    }
  }

  /**
   * Called for every feed connection attempt: the armed fault that answers it instead of a stream, or null.
   * @returns {{ fault: string, status: number, headers: Record<string, string> } | null}
   */
  takeArmed() {
    const next = this.armed[0];
    if (!next) return null;
    if (--next.remaining === 0) this.armed.shift();
    if (next.kind === '503') return { fault: '503', status: 503, headers: { 'Retry-After': String(next.retryAfterSeconds) } };
    return { fault: '204', status: 204, headers: {} };
  }

  /** GET /api/faults: `{ armed: [{kind, remaining}], active: [{kind, untilMs}] }`. */
  state() {
    const now = this.now();
    for (const [kind, until] of this.active) if (until <= now) this.active.delete(kind);
    return {
      armed: this.armed.map(({ kind, remaining, retryAfterSeconds }) => ({ kind, remaining, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) })),
      active: [...this.active].map(([kind, untilMs]) => ({ kind, untilMs })),
      injected: this.injected,
    };
  }

  /** Arming a kind again replaces its earlier arming (the newest parameters win). */
  #arm(entry) {
    this.armed = this.armed.filter((a) => a.kind !== entry.kind);
    this.armed.push(entry);
  }

  #activate(kind, ms) {
    this.active.set(kind, Math.max(this.active.get(kind) ?? 0, this.now() + ms));
  }
}

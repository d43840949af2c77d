// Forwarding to a real collector (REQUIREMENTS E3): every OTLP/HTTP JSON body the demo accepts, and the server's
// own spans, are POSTed on to the endpoint the standard OpenTelemetry environment variables name.
//
// The receiver must never wait for, or fail because of, the collector: enqueue() only appends to a bounded queue
// (full → the body is dropped and counted), a few requests run at once, each with a deadline, and failures are
// counted and logged at most once per interval so a dead collector cannot flood the console.

/** Marks forwarded requests, so a demo server configured to forward to itself (or to another demo server that
 * forwards back) does not bounce the same body around forever: a receiver does not forward what carries it. */
export const FORWARDED_HEADER = 'x-traced-eventsource-forwarded';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses `OTEL_EXPORTER_OTLP_HEADERS` syntax: `k=v,k2=v2`, keys and values percent-decoded, whitespace around
 * them trimmed. Unusable members are skipped and reported in `warnings`.
 */
export function parseOtlpHeaders(value) {
  const headers = {};
  const warnings = [];
  for (const member of (value ?? '').split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    let key;
    let val;
    try {
      key = decodeURIComponent(member.slice(0, eq).trim());
      val = decodeURIComponent(member.slice(eq + 1).trim());
    } catch {
      key = null;
    }
    if (eq <= 0 || !key || !HEADER_NAME.test(key) || /[\r\n\0]/.test(val)) {
      warnings.push(`ignored header member '${member.trim().slice(0, 40)}' (expected key=value, percent-encoded)`);
      continue;
    }
    headers[key.toLowerCase()] = val;
  }
  return { headers, warnings };
}

/**
 * The forwarding target from the environment, as the OpenTelemetry SDKs read it:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is used as is; else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
 * Headers: `OTEL_EXPORTER_OTLP_HEADERS`, overridden key by key by `OTEL_EXPORTER_OTLP_TRACES_HEADERS`.
 * @returns {{ endpoint: string | null, headers: Record<string, string>, warnings: string[] }}
 */
export function forwardTargetFromEnv(env) {
  const warnings = [];
  let endpoint = null;
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const candidate = signal || (base ? base.replace(/\/+$/, '') + '/v1/traces' : null);
  if (candidate) {
    let url = null;
    try {
      url = new URL(candidate);
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      warnings.push(`not forwarding: '${candidate.slice(0, 200)}' is not an http(s) URL`);
    } else if (url.username || url.password) {
      // fetch() refuses such URLs; credentials belong in OTEL_EXPORTER_OTLP_HEADERS (e.g. Authorization=Basic%20…).
      warnings.push('not forwarding: the endpoint URL carries credentials; put them in OTEL_EXPORTER_OTLP_HEADERS');
    } else {
      endpoint = url.href;
    }
  }
  const general = parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS);
  const traces = parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS);
  warnings.push(...general.warnings, ...traces.warnings);
  return { endpoint, headers: { ...general.headers, ...traces.headers }, warnings };
}

/** A URL as it may be printed: user info and query (where API keys sometimes live) removed. */
export function redactUrl(href) {
  const url = new URL(href);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export class OtlpForwarder {
  /**
   * @param {object} [opts]
   * @param {string | null} [opts.endpoint]   null: forwarding is off and enqueue() does nothing
   * @param {Record<string, string>} [opts.headers]
   * @param {number} [opts.maxQueue]         bodies waiting; past it new bodies are dropped
   * @param {number} [opts.concurrency]      requests in flight at once
   * @param {number} [opts.timeoutMs]        deadline of one request
   * @param {number} [opts.logIntervalMs]    at most one failure message per interval
   * @param {(msg: string) => void} [opts.log]
   * @param {typeof fetch} [opts.fetch]
   */
  constructor({ endpoint = null, headers = {}, maxQueue = 200, concurrency = 2, timeoutMs = 10_000, logIntervalMs = 60_000, log = (m) => console.warn(m), fetch = globalThis.fetch } = {}) {
    this.endpoint = endpoint;
    this.shownEndpoint = endpoint && redactUrl(endpoint); // for logs and /api/stats: no credentials, no query
    this.headers = { ...headers, 'content-type': 'application/json', [FORWARDED_HEADER]: '1' };
    this.maxQueue = maxQueue;
    this.concurrency = concurrency;
    this.timeoutMs = timeoutMs;
    this.logIntervalMs = logIntervalMs;
    this.log = log;
    this.fetch = fetch;
    this.queue = [];
    this.inFlight = 0;
    this.counters = { sent: 0, failed: 0, dropped: 0 };
    this.unlogged = 0; // failures since the last message
    this.lastLogAt = -Infinity;
    this.idleWaiters = [];
    this.closed = false;
    this.abort = new AbortController(); // close() cancels what is in flight
  }

  /** Queues one OTLP/HTTP JSON body. Never throws, never waits. Returns whether it was queued. */
  enqueue(body) {
    if (!this.endpoint) return false;
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counters.dropped++;
      return false;
    }
    this.queue.push(body);
    this.#pump();
    return true;
  }

  stats() {
    return { endpoint: this.shownEndpoint, ...this.counters, queued: this.queue.length, inFlight: this.inFlight };
  }

  /** Resolves once nothing is queued or in flight, or after `timeoutMs` (shutdown gives the last spans a chance). */
  drain(timeoutMs = 2000) {
    if (this.#idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Stops forwarding: queued bodies are dropped (counted), requests in flight are aborted. */
  close() {
    this.closed = true;
    this.counters.dropped += this.queue.length;
    this.queue.length = 0;
    this.abort.abort();
  }

  #idle() {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  #pump() {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const body = this.queue.shift();
      this.inFlight++;
      this.#send(body).finally(() => {
        this.inFlight--;
        this.#pump();
        if (this.#idle()) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  async #send(body) {
    try {
      const res = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      await res.body?.cancel().catch(() => {}); // the answer's content does not matter; free the connection
      if (res.ok) this.counters.sent++;
      else this.#failed(`HTTP ${res.status}`);
    } catch (err) {
      // fetch() wraps network errors as TypeError('fetch failed') with the system error as the cause.
      const cause = err?.cause?.code ?? err?.cause?.message;
      this.#failed(cause ? `${err.message} (${cause})` : `${err?.name}: ${err?.message}`);
    }
  }

  #failed(reason) {
    this.counters.failed++;
    this.unlogged++;
    const now = Date.now();
    if (this.closed || now - this.lastLogAt < this.logIntervalMs) return;
    this.lastLogAt = now;
    this.log(`traced-eventsource demo: forwarding to ${this.shownEndpoint} failed (${this.unlogged}× since the last report, ${this.counters.failed} in all): ${reason}`);
    this.unlogged = 0;
  }
}

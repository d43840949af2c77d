import { Buffer } from 'node:buffer';

// What the server must see from TracedEventSource, derived from what it saw from native EventSource on the same
// script, plus the script's intended differences (knownDifference in e2e/sse-scripts.mjs).
// The page is always on the main origin, so "cross-origin" here means: served by the 'second' server.

/**
 * The part of a recorded request that the differential compares. Timestamps and outcomes are left out (timing is
 * checked separately through reconnectDelays).
 * Cache headers are compared: native EventSource sends `Cache-Control: no-cache` and `Pragma: no-cache`, and
 * Chromium adds the same two to a fetch() with `cache: 'no-store'` (measured in Chromium 156).
 */
export function comparable(r) {
  const h = (name) => (r.headers[name] === undefined ? null : readable(r.headers[name]));
  const base = { kind: r.kind, server: r.server, method: r.method, path: r.path };
  if (r.kind === 'sse') {
    return {
      ...base, accept: h('accept'), lastEventId: h('last-event-id'), origin: h('origin'),
      cacheControl: h('cache-control'), pragma: h('pragma'), mode: h('sec-fetch-mode'),
    };
  }
  if (r.kind === 'preflight') {
    return { ...base, requestMethod: h('access-control-request-method'), requestHeaders: h('access-control-request-headers') };
  }
  return base; // probes and anything else: that it happened, where
}

/** Node hands header values over as latin1 (one char per byte): show UTF-8 as text, anything else as hex. */
function readable(latin1) {
  const raw = Buffer.from(latin1, 'latin1');
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : `hex:${raw.toString('hex')}`;
}

/** Did fetch() reject for this cross-origin SSE request (CORS refused it, or no response at all)? */
const fetchRejected = (r) => r.server === 'second' && (r.cors === 'reject' || r.outcome === 'reset');

/**
 * Every request list TracedEventSource may produce, given native's. Exactly one alternative when no difference
 * is optional; the no-cors probe is allowed ("may send") but then its place and shape are fixed.
 * @returns {Array<Array<object>>}
 */
export function expectedTracedRequests(nativeRequests, script) {
  const kd = script.knownDifference ?? {};
  let alternatives = [[]];
  const append = (...items) => (alternatives = alternatives.map((a) => [...a, ...items]));
  const appendOptional = (item) => (alternatives = alternatives.flatMap((a) => [[...a, item], a]));

  // TracedEventSource probes only while it has never read a response head from the server (a CORS policy
  // does not flip between attempts), and it probes the URL it requested, where a redirect chain starts.
  let hadResponse = false;
  let chainStart = null;
  for (const r of nativeRequests) {
    const c = comparable(r);
    if (r.kind === 'sse' && chainStart?.outcome !== 'redirect') chainStart = r;
    const probe = () => ({ kind: 'probe', server: chainStart.server, method: 'GET', path: chainStart.path });
    const mayProbe = kd.noCorsProbeAfterCrossOriginFailure && !hadResponse;
    if (r.kind === 'sse' && !fetchRejected(r) && r.outcome !== 'redirect') hadResponse = true;
    if (r.kind === 'sse' && r.server === 'second' && c.lastEventId !== null && kd.preflightForCrossOriginLastEventId) {
      append({ kind: 'preflight', server: r.server, method: 'OPTIONS', path: r.path, requestMethod: 'GET', requestHeaders: 'last-event-id' });
      if (r.cors === 'reject') {
        // The server refuses the preflight the same way it refused native's GET: fetch() never sends the GET.
        if (mayProbe) appendOptional(probe());
        continue;
      }
    }
    append(c);
    if (r.kind === 'sse' && fetchRejected(r) && mayProbe) appendOptional(probe());
  }
  return alternatives;
}

// Drives one EventSource-like source (TracedEventSource, native EventSource, the `eventsource` package) through a
// whole stream: a listener per event type feeds the checksum accumulator; the source is closed on the last
// expected event so that no contender reconnects after the server ends the response.
import { createAccumulator } from '../checksum.mjs';

/**
 * `create(url)` makes the source. Options: { url, types, count, mode, timeoutMs, progressEvery, onProgress }.
 * Resolves to { ms, count, checksum, reason? }: `ms` from just before construction to the last event's handler;
 * `reason` says why the run failed (error event, timeout) when it did.
 */
export function runSource(create, { url, types, count, mode, timeoutMs = 60_000, progressEvery = 0,
  onProgress = null }) {
  return new Promise((resolve) => {
    const acc = createAccumulator(mode);
    let source = null;
    let timer = null;
    let settled = false;
    const t0 = performance.now();
    const finish = (reason) => {
      const ms = performance.now() - t0;
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source?.close();
      resolve({ ms, count: acc.count, checksum: acc.value(), ...(reason ? { reason } : {}) });
    };
    const onMessage = (e) => {
      acc.add(e.type, e.data, e.lastEventId);
      if (acc.count === count) finish();
      else if (onProgress && acc.count % progressEvery === 0) onProgress(acc.count);
    };
    try {
      source = create(url);
    } catch (error) {
      finish(`constructor threw: ${error?.message ?? error}`);
      return;
    }
    for (const type of types) source.addEventListener(type, onMessage);
    source.addEventListener('error', () => {
      finish(`error event after ${acc.count} of ${count} events (readyState ${source.readyState})`);
    });
    timer = setTimeout(() => finish(`timed out after ${timeoutMs} ms with ${acc.count} of ${count} events`), timeoutMs);
  });
}

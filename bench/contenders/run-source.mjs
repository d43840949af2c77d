// Drives one EventSource-like source (TracedEventSource, native EventSource, the `eventsource` package) through a
// whole stream: a listener per event type feeds the checksum accumulator; the source is closed on the last
// expected event so that no contender reconnects after the server ends the response.
import { timedRun } from './timed-run.mjs';

/**
 * `create(url)` makes the source. Options: { url, types, count, mode, timeoutMs, progressEvery, onProgress }.
 * Resolves to { ms, count, checksum, reason? }: `ms` from just before construction to the last event's handler;
 * `reason` says why the run failed (error event, timeout) when it did.
 */
export function runSource(create, { url, types, count, ...options }) {
  let source = null;
  const run = timedRun({ count, ...options }, () => source?.close());
  try {
    source = create(url);
  } catch (error) {
    run.finish(`constructor threw: ${error?.message ?? error}`);
    return run.result;
  }
  const onMessage = (e) => run.add(e.type, e.data, e.lastEventId);
  for (const type of types) source.addEventListener(type, onMessage);
  source.addEventListener('error', () => {
    run.finish(`error event after ${run.count} of ${count} events (readyState ${source.readyState})`);
  });
  return run.result;
}

// One timed run of a contender, the part every contender shares: events go into the checksum accumulator, the run
// ends on the last expected event, a timeout or a failure, and resolves once with { ms, count, checksum, reason? }
// (`reason` says why it failed). `stop()` releases the contender's source or request when the run ends.
import { createAccumulator } from '../checksum.mjs';

export function timedRun({ count, mode, timeoutMs = 60_000, progressEvery = 0, onProgress = null }, stop) {
  const acc = createAccumulator(mode);
  let settled = false;
  let resolveRun;
  const result = new Promise((resolve) => { resolveRun = resolve; });
  const t0 = performance.now();
  const finish = (reason) => {
    const ms = performance.now() - t0;
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stop();
    resolveRun({ ms, count: acc.count, checksum: acc.value(), ...(reason ? { reason } : {}) });
  };
  const timer = setTimeout(() => finish(`timed out after ${timeoutMs} ms with ${acc.count} of ${count} events`),
    timeoutMs);
  return {
    result,
    finish,
    get settled() { return settled; },
    get count() { return acc.count; },
    /** One event: (type, data, lastEventId). */
    add(type, data, lastEventId) {
      if (settled) return;
      acc.add(type, data, lastEventId);
      if (acc.count === count) finish();
      else if (onProgress && acc.count % progressEvery === 0) onProgress(acc.count);
    },
  };
}

// @microsoft/fetch-event-source: fetch() + its own byte-level line splitter; pages only (it needs window/document).
// openWhenHidden keeps a headless (hidden-looking) page from aborting it. It reports each event's own id only, so
// the last event ID is tracked here (the corpora never send an empty id).
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { createAccumulator } from '../checksum.mjs';

export function runFetchEventSource({ url, count, mode, timeoutMs = 60_000, progressEvery = 0, onProgress = null }) {
  return new Promise((resolve) => {
    const acc = createAccumulator(mode);
    const controller = new AbortController();
    let lastEventId = '';
    let settled = false;
    const t0 = performance.now();
    const finish = (reason) => {
      const ms = performance.now() - t0;
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller.abort();
      resolve({ ms, count: acc.count, checksum: acc.value(), ...(reason ? { reason } : {}) });
    };
    const timer = setTimeout(() => finish(`timed out after ${timeoutMs} ms with ${acc.count} of ${count} events`),
      timeoutMs);
    fetchEventSource(url, {
      signal: controller.signal,
      openWhenHidden: true,
      onmessage(msg) {
        if (settled) return;
        if (msg.id) lastEventId = msg.id;
        acc.add(msg.event || 'message', msg.data, lastEventId);
        if (acc.count === count) finish();
        else if (onProgress && acc.count % progressEvery === 0) onProgress(acc.count);
      },
      onclose() { finish(`stream ended after ${acc.count} of ${count} events`); },
      onerror(error) {
        finish(`error: ${error?.message ?? error}`);
        throw error;  // no retry
      },
    }).catch(() => {});
  });
}

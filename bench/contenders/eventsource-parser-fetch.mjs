// eventsource-parser driven the way its README and the fastest fetch-based clients drive it: fetch() + the body
// piped through TextDecoderStream into createParser().feed(). Events are plain objects (no MessageEvent); the last
// event ID is tracked from onId as an EventSource would.
import { createParser } from 'eventsource-parser';
import { createAccumulator } from '../checksum.mjs';

export async function runEventsourceParserFetch({ url, count, mode, timeoutMs = 60_000, progressEvery = 0,
  onProgress = null }) {
  const acc = createAccumulator(mode);
  const controller = new AbortController();
  let lastEventId = '';
  let doneMs = -1;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const t0 = performance.now();
  const parser = createParser({
    onId(id) { lastEventId = id; },
    onEvent(e) {
      if (doneMs >= 0) return;
      acc.add(e.event ?? 'message', e.data, lastEventId);
      if (acc.count === count) {
        doneMs = performance.now() - t0;
        controller.abort();
      } else if (onProgress && acc.count % progressEvery === 0) {
        onProgress(acc.count);
      }
    },
  });
  let reason;
  try {
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store',
      signal: controller.signal });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
      if (doneMs >= 0) break;
    }
    if (doneMs < 0) reason = `stream ended after ${acc.count} of ${count} events`;
  } catch (error) {
    if (doneMs < 0) {
      reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms with ${acc.count} of ${count} events`
        : `fetch failed: ${error?.message ?? error}`;
    }
  }
  clearTimeout(timer);
  controller.abort();
  return { ms: doneMs >= 0 ? doneMs : performance.now() - t0, count: acc.count, checksum: acc.value(),
    ...(reason ? { reason } : {}) };
}

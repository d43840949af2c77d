// eventsource-parser driven the way its README and the fastest fetch-based clients drive it: fetch() + the body
// piped through TextDecoderStream into createParser().feed(). Events are plain objects (no MessageEvent); the last
// event ID is tracked from onId as an EventSource would.
import { createParser } from 'eventsource-parser';
import { timedRun } from './timed-run.mjs';

export async function runEventsourceParserFetch({ url, count, ...options }) {
  const controller = new AbortController();
  const run = timedRun({ count, ...options }, () => controller.abort());
  let lastEventId = '';
  const parser = createParser({
    onId(id) { lastEventId = id; },
    onEvent(e) { run.add(e.event ?? 'message', e.data, lastEventId); },
  });
  try {
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store',
      signal: controller.signal });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    while (!run.settled) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    run.finish(`stream ended after ${run.count} of ${count} events`);
  } catch (error) {
    run.finish(`fetch failed: ${error?.message ?? error}`);  // after a timeout or the last event: already settled
  }
  return run.result;
}

// @microsoft/fetch-event-source: fetch() + its own byte-level line splitter; pages only (it needs window/document).
// openWhenHidden keeps a headless (hidden-looking) page from aborting it. It reports each event's own id only, so
// the last event ID is tracked here (the corpora never send an empty id).
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { timedRun } from './timed-run.mjs';

export function runFetchEventSource({ url, count, ...options }) {
  const controller = new AbortController();
  const run = timedRun({ count, ...options }, () => controller.abort());
  let lastEventId = '';
  fetchEventSource(url, {
    signal: controller.signal,
    openWhenHidden: true,
    onmessage(msg) {
      if (msg.id) lastEventId = msg.id;
      run.add(msg.event || 'message', msg.data, lastEventId);
    },
    onclose() { run.finish(`stream ended after ${run.count} of ${count} events`); },
    onerror(error) {
      run.finish(`error: ${error?.message ?? error}`);
      throw error;  // no retry
    },
  }).catch(() => {});
  return run.result;
}

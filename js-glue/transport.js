// One connection attempt over fetch() + ReadableStream: the only place that touches the network for a source.
// It reports what happened and decides nothing; the core decides.
import { CloseType } from './core-bindings.js';

// fetch() rejects with the same TypeError for a refused connection and for a response CORS would not expose;
// browsers close an EventSource on the second and retry the first (A6). Two facts tell them apart:
// - a CORS policy does not flip between attempts: once this source has read a response head, a later
//   TypeError is the network's fault;
// - before that, a `no-cors` request to the same URL succeeds (with an opaque response) exactly when the
//   server answered, so the failure was CORS. It is sent for same-origin URLs too, because a redirect can
//   cross origins. The server sees that one extra request, only after a first connection failed.
// Outside a page (Node, no `location`) there is no CORS.
async function classifyFetchFailure(fetchImpl, url, credentials, signal, hadResponse) {
  if (hadResponse || typeof globalThis.location?.origin !== 'string') return CloseType.network;
  try {
    const probe = await fetchImpl(url, { mode: 'no-cors', credentials, cache: 'no-store', signal });
    probe.body?.cancel().catch(() => {});
    return CloseType.cors;
  } catch {
    return CloseType.network;
  }
}

/**
 * Runs one attempt. `sink.response(response)` is called with the response head, `sink.chunk(bytes)` per
 * body chunk, `sink.end(closeType)` once when the attempt ends on its own. After `signal` aborts, nothing is
 * reported: the caller aborted because it no longer cares. `hadResponse`: an earlier attempt of the same
 * source read a response head (see classifyFetchFailure).
 */
export async function runAttempt({ fetchImpl, url, headers, credentials, signal, hadResponse }, sink) {
  let response;
  try {
    response = await fetchImpl(url, {
      method: 'GET', headers, credentials, cache: 'no-store', mode: 'cors', redirect: 'follow', signal,
    });
  } catch {
    if (signal.aborted) return;
    const closeType = await classifyFetchFailure(fetchImpl, url, credentials, signal, hadResponse);
    if (!signal.aborted) sink.end(closeType);
    return;
  }
  if (signal.aborted) return;
  sink.response(response);
  if (signal.aborted) {
    response.body?.cancel().catch(() => {});
    return;
  }
  if (!response.body) {
    sink.end(CloseType.graceful);
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) return;
      if (done) {
        sink.end(CloseType.graceful);
        return;
      }
      sink.chunk(value);
      if (signal.aborted) {
        reader.cancel().catch(() => {});
        return;
      }
    }
  } catch {
    if (!signal.aborted) sink.end(CloseType.network);
  }
}

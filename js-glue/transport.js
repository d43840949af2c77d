// One connection attempt over fetch() + ReadableStream: the only place that touches the network for a source.
// It reports what happened and decides nothing; the core decides.
import { CloseType } from './core-bindings.js';
import { fetchGuarded } from './redirect-guard.js';

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
 * body chunk (it may return a promise: the next read waits for it), `sink.end(closeType)` once when the
 * attempt ends on its own. After `signal` aborts, nothing is reported: the caller aborted because it no longer
 * cares. `hadResponse`: an earlier attempt of the same
 * source read a response head (see classifyFetchFailure). When `headers` carry `traceHeaders`, redirects go
 * through the guard (`allows` is the origin policy) and `sink.redirected(url|null)` hears when they were withheld.
 */
export async function runAttempt({ fetchImpl, url, headers, traceHeaders, allows, credentials, signal, hadResponse }, sink) {
  let response;
  try {
    const init = { method: 'GET', headers, credentials, cache: 'no-store', mode: 'cors', redirect: 'follow', signal };
    response = Object.keys(traceHeaders ?? {}).length === 0
      ? await fetchImpl(url, init)
      : await fetchGuarded(fetchImpl, url, init, { traceHeaders, allows, onRedirect: (to) => sink.redirected?.(to) });
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
      // A promise when the sink spread the chunk over several tasks: read on when it is done.
      const pending = sink.chunk(value);
      if (pending) await pending;
      if (signal.aborted) {
        reader.cancel().catch(() => {});
        return;
      }
    }
  } catch {
    if (!signal.aborted) sink.end(CloseType.network);
  }
}

// A scripted fetch() for driving TracedEventSource in Node without a network: each call takes the next
// handler of the script; a handler returns a response description or throws (a network error).
// Every request is recorded with its headers and signal, so tests assert what the "server" saw.

const encoder = new TextEncoder();

/** A response whose body the test feeds chunk by chunk. */
export function streamResponse({ status = 200, contentType = 'text/event-stream', url, headers = {} } = {}) {
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  const response = {
    status, url, body,
    headers: new Headers({ 'content-type': contentType, ...headers }),
    // What a real fetch does to the body when its signal aborts.
    abortBody() { try { controller.error(new DOMException('aborted', 'AbortError')); } catch { /* closed */ } },
  };
  return {
    response,
    send(chunk) { controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk); },
    end() { controller.close(); },
    fail(error = new TypeError('network error')) { controller.error(error); },
  };
}

export function scriptedFetch(handlers) {
  const requests = [];
  let next = 0;
  async function fetch(url, init = {}) {
    const request = { url: String(url), init, headers: new Headers(init.headers), signal: init.signal };
    requests.push(request);
    const handler = handlers[next++];
    if (!handler) throw new TypeError(`scriptedFetch: no handler for request ${next}`);
    const result = await handler(request);
    request.response = result;
    init.signal?.addEventListener('abort', () => result.abortBody?.());
    return result;
  }
  return { fetch, requests };
}

/** Resolves when `predicate()` is true, polling on macrotasks; rejects after `ms`. */
export async function until(predicate, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`until: condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Records every event a source dispatches, with readyState at dispatch time. */
export function record(source, names = []) {
  const log = [];
  for (const type of ['open', 'message', 'error', ...names]) {
    source.addEventListener(type, (e) => log.push(e.type === 'open' || e.type === 'error'
      ? { type: e.type, readyState: source.readyState }
      : { type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin, readyState: source.readyState }));
  }
  return log;
}

/** A response whose body is pulled from `nextChunk()` on demand (null ends it): endless or huge bodies. */
export function pulledResponse(nextChunk, { url, contentType = 'text/event-stream' } = {}) {
  let aborted = false;
  const body = new ReadableStream({
    pull(controller) {
      if (aborted) return;
      const chunk = nextChunk();
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return {
    status: 200, url, body,
    headers: new Headers({ 'content-type': contentType }),
    abortBody() { aborted = true; body.cancel().catch(() => {}); },
  };
}

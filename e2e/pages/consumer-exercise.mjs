// What a consumer app does with the package, on a page's main thread, in a module worker, or in the Vite app
// of package-consumer.spec.mjs: a TracedEventSource through one graceful end and resume, then a tracedFetch.
// The package is passed in, so each caller imports it its own way (relative path or package name).
// Served by e2e/consumer-server.mjs: /sse/<name> and /api/<name>.

const RESUMED = 'resumed from 2';

/** @returns {Promise<{events: Array, diagnostics: string[], readyState: number, fetch: object}>} */
export async function exercise({ TracedEventSource, tracedFetch }, name, timeoutMs = 15_000) {
  const events = [];
  const diagnostics = [];
  const es = new TracedEventSource(`/sse/${name}`, { diagnostics: (d) => diagnostics.push(d.kind) });
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);  // the spec compares what did arrive
    es.onopen = () => events.push(['open']);
    es.onmessage = (e) => {
      events.push(['message', e.data, e.lastEventId]);
      if (e.data === RESUMED) { clearTimeout(timer); resolve(); }
    };
    es.addEventListener('score', (e) => events.push(['score', e.data, e.lastEventId]));
    es.onerror = () => events.push(['error', es.readyState]);
  });
  es.close();
  const response = await tracedFetch(`/api/${name}?q=1`, { method: 'POST', body: 'ping' });
  return {
    events,
    diagnostics,
    readyState: es.readyState,
    fetch: { status: response.status, body: await response.json(), traceresponse: response.headers.get('traceresponse') },
  };
}

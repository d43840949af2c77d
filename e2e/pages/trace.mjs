// Page side of e2e/trace-headers.spec.mjs. Imports the package and offers one helper that runs a
// TracedEventSource until it has received a number of messages (one per connection on the trace server's
// /sse/once), then closes it and returns what the page saw. Options that must be functions (an allowedOrigins
// predicate) are built by the spec inside page.evaluate, with `window.lib` at hand.

const DEFAULT_TIMEOUT_MS = 8000;
const SETTLE_MS = 50;

const plain = (v) => JSON.parse(JSON.stringify(v ?? null));

/**
 * @param {string} url
 * @param {object} init  TracedEventSourceInit without `diagnostics` (added here)
 * @param {{messages?: number, timeoutMs?: number}} until
 */
window.runSource = async (url, init = {}, { messages = 1, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) => {
  const { TracedEventSource } = window.lib;
  const result = { diagnostics: [], messages: [], errors: [], opens: 0, timedOut: false };
  let source;
  try {
    source = new TracedEventSource(url, { ...init, diagnostics: (d) => result.diagnostics.push(plain(d)) });
  } catch (e) {
    return { ...result, constructError: `${e.name}: ${e.message}` };
  }
  result.sessionUrl = source.url;
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      result.timedOut = true;
      resolve();
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    source.addEventListener('open', () => result.opens++);
    source.addEventListener('message', (e) => {
      result.messages.push({ data: e.data, lastEventId: e.lastEventId, origin: e.origin });
      if (result.messages.length >= messages) done();
    });
    source.addEventListener('error', () => {
      result.errors.push({ readyState: source.readyState });
      if (source.readyState === 2) done();
    });
  });
  result.readyStateAtEnd = source.readyState;
  source.close();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return result;
};

window.plain = plain;

try {
  window.lib = await import('/js-glue/index.js');
} catch (e) {
  window.libError = `${e.name}: ${e.message}`;
}
window.traceReady = true;

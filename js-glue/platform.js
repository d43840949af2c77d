// What the shell takes from its environment (page, worker or Node), in one place.

/** Wall-clock ms anchored once (performance.timeOrigin) and advanced by the monotonic clock: trace ids embed
 * its seconds, and timers never see it jump when the system clock is set. */
export const now = () => performance.timeOrigin + performance.now();

/** The base for relative URLs: the document's base URL in a page, the script's location in a worker. */
export function baseUrl() {
  if (typeof document === 'object' && document?.baseURI) return document.baseURI;
  return globalThis.location?.href;
}

/** A URL without query string and fragment, which often carry tokens (D8). */
export function redact(url) {
  const u = url instanceof URL ? url : new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** An AbortSignal that aborts after `ms`; AbortSignal.timeout() where it exists (Chrome 103, Safari 16). */
export function timeoutSignal(ms) {
  if (typeof AbortSignal.timeout === 'function') return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('signal timed out', 'TimeoutError')), ms);
  return controller.signal;
}

/** An app callback threw: report it like an uncaught error, never into the library's own control flow. */
export function report(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}

/**
 * Resolves in a new task, so the page can paint and handle input in between. scheduler.yield() where it exists
 * (it keeps the caller's priority); otherwise a MessageChannel message, which, unlike setTimeout, is not clamped
 * to 4 ms when tasks nest; setTimeout in Node (which does not clamp it, and where an open MessagePort would keep
 * the process alive) and where neither exists.
 */
export function yieldToPage() {
  if (typeof globalThis.scheduler?.yield === 'function') return globalThis.scheduler.yield();
  if (typeof MessageChannel === 'function' && typeof process !== 'object') {
    return new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

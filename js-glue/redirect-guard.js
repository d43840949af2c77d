// Trace headers must not follow a redirect to an origin the app did not allow (B5). fetch() has no hook
// between hops, so a request carrying them goes out with `redirect: 'manual'` and the redirect is handled here:
// - where the redirect is visible (Node: a 3xx with Location), it is followed hop by hop, the trace headers
//   kept only while each hop's origin is allowed;
// - where it is opaque (browsers answer `opaqueredirect` and hide Location), the same request is repeated
//   without trace headers and follows redirects natively. The allowed origin sees the request twice and the
//   redirected attempt carries no trace: the price of never leaking ids.

const MAX_REDIRECTS = 20;  // as fetch()
const REDIRECT = new Set([301, 302, 303, 307, 308]);
// Headers that describe a body, dropped when a redirect turns the request into a body-less GET (Fetch §4.4).
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * fetch(input, init) where `init.headers` holds `traceHeaders` (names → values). `allows(url)` is the origin
 * policy; `onRedirect(url|null)` is told when the trace headers were withheld from a hop (null: target
 * unknown). `init.redirect` is the caller's mode; only 'follow' needs guarding. A body in `init` must be
 * replayable (not a stream); a Request carrying its own body needs `spare`, a clone of it taken before the
 * first send, which is cancelled unless a redirect needs it.
 */
export async function fetchGuarded(fetchImpl, input, init, { traceHeaders, allows, onRedirect, spare = null }) {
  const mode = init.redirect ?? 'follow';
  if (mode !== 'follow') return fetchImpl(input, init);
  const withoutTrace = (headers) => {
    const h = new Headers(headers);
    for (const name of Object.keys(traceHeaders)) h.delete(name);
    return h;
  };
  try {
    let url = input;
    let current = init;
    for (let hop = 0; ; hop++) {
      const response = await fetchImpl(url, { ...current, redirect: 'manual' });
      if (response.type === 'opaqueredirect') {
        discard(response);
        onRedirect?.(null);
        const again = spare ?? input;
        spare = null;
        return await fetchImpl(again, { ...init, headers: withoutTrace(init.headers), redirect: 'follow' });
      }
      const location = REDIRECT.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      discard(response);
      if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed: too many redirects');
      const next = new URL(location, response.url || (url instanceof Request ? url.url : `${url}`));
      if (spare) {
        // Only where redirects are visible (Node): the Request's body is read once to be resent.
        current = { ...current, body: await spare.arrayBuffer() };
        spare = null;
      }
      current = rewriteForRedirect(current, response.status);
      url = next.href;
      if (!allows(next)) {
        onRedirect?.(next);
        return await fetchImpl(url, { ...current, headers: withoutTrace(current.headers), redirect: 'follow' });
      }
    }
  } finally {
    spare?.body?.cancel().catch(() => {});
  }
}

// 303 (except for HEAD), and 301/302 after POST, continue as a body-less GET; the others resend as they were.
function rewriteForRedirect(init, status) {
  const method = (init.method ?? 'GET').toUpperCase();
  if (!((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST'))) {
    return init;
  }
  const headers = new Headers(init.headers);
  for (const name of BODY_HEADERS) headers.delete(name);
  const { body, duplex, ...rest } = init;
  return { ...rest, method: 'GET', headers };
}

function discard(response) {
  response.body?.cancel().catch(() => {});
}

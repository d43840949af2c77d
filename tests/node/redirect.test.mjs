// Trace headers never follow a redirect to an origin the app did not allow (B5), for TracedEventSource and
// tracedFetch: visible redirects (Node's manual mode) are followed hop by hop, opaque ones (a browser's
// `opaqueredirect`) are repeated without trace headers. The browser side runs in e2e/trace-headers.spec.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TracedEventSource, createTracedFetch } from '../../js-glue/index.js';
import { scriptedFetch, streamResponse, until } from './fake-fetch.mjs';

const ALLOWED = 'https://api.example.test';
const SECOND = 'https://second.example.test';
const OTHER = 'https://other.example.test';
const trace = { allowedOrigins: [ALLOWED, SECOND] };

const redirect = (status, location) => () => ({ status, url: '', headers: new Headers({ location }), body: null });
const opaque = () => ({ type: 'opaqueredirect', status: 0, url: '', headers: new Headers(), body: null });
const traceOf = (r) => ({ traceparent: r.headers.get('traceparent'), xray: r.headers.get('x-amzn-trace-id') });
const noTrace = { traceparent: null, xray: null };

async function openThrough(handlers, url = `${ALLOWED}/stream`) {
  const final = streamResponse({ url: 'set by test' });
  const { fetch, requests } = scriptedFetch([...handlers, (request) => {
    final.response.url = request.url;
    return final.response;
  }]);
  const diagnostics = [];
  const es = new TracedEventSource(url, { fetch, trace, diagnostics: (d) => diagnostics.push(d) });
  const opened = new Promise((resolve) => es.addEventListener('open', resolve, { once: true }));
  await until(() => requests.length === handlers.length + 1);
  await opened;
  es.close();
  return { requests, diagnostics };
}

test('TracedEventSource: a redirect to a not-allowed origin reaches it without trace headers; the rest is kept', async () => {
  const { requests, diagnostics } = await openThrough([redirect(307, `${OTHER}/elsewhere?x=1`)]);
  assert.equal(requests[0].init.redirect, 'manual', 'the traced request does not let fetch() follow');
  assert.match(requests[0].headers.get('traceparent'), /^00-/);
  assert.equal(requests[1].url, `${OTHER}/elsewhere?x=1`);
  assert.deepEqual(traceOf(requests[1]), noTrace);
  assert.equal(requests[1].headers.get('accept'), 'text/event-stream', 'other headers travel on');
  assert.equal(requests[1].init.redirect, 'follow');
  const warning = diagnostics.find((d) => d.kind === 'warning');
  assert.match(warning.message, /redirected to https:\/\/other\.example\.test\/elsewhere, not an allowed origin/);
  assert.doesNotMatch(warning.message, /x=1/, 'the query string is redacted');
});

test('TracedEventSource: hops between allowed origins keep the same trace headers; a relative Location resolves', async () => {
  const { requests } = await openThrough([redirect(302, `${SECOND}/a`), redirect(308, '/b')]);
  assert.deepEqual(requests.map((r) => r.url), [`${ALLOWED}/stream`, `${SECOND}/a`, `${SECOND}/b`]);
  const first = traceOf(requests[0]);
  assert.match(first.traceparent, /^00-/);
  for (const r of requests) assert.deepEqual(traceOf(r), first);
});

test('TracedEventSource: an opaque redirect (browser) is repeated once without trace headers, following natively', async () => {
  const { requests, diagnostics } = await openThrough([opaque]);
  assert.equal(requests.length, 2);
  assert.equal(requests[1].url, `${ALLOWED}/stream`, 'the same URL again');
  assert.deepEqual(traceOf(requests[1]), noTrace);
  assert.equal(requests[1].init.redirect, 'follow');
  assert.ok(diagnostics.some((d) => d.kind === 'warning' && /fetch\(\) hides the target/.test(d.message)));
});

test('TracedEventSource: a redirect loop ends as a network error after 20 hops, then retries', async () => {
  const loop = Array.from({ length: 21 }, () => redirect(307, `${ALLOWED}/stream`));
  const { fetch, requests } = scriptedFetch([...loop, () => { throw new TypeError('stop'); }]);
  const diagnostics = [];
  const es = new TracedEventSource(`${ALLOWED}/stream`, { fetch, trace, retryMs: 1, diagnostics: (d) => diagnostics.push(d) });
  await until(() => diagnostics.some((d) => d.kind === 'reconnect' && d.closeType === 'network'));
  assert.equal(requests.length, 21);
  es.close();
});

test('TracedEventSource: without trace headers (origin not allowed) fetch() follows redirects itself', async () => {
  const { requests } = await openThrough([], `${OTHER}/stream`);
  assert.equal(requests[0].init.redirect, 'follow');
  assert.deepEqual(traceOf(requests[0]), noTrace);
});

test('tracedFetch: POST answered 303 continues as a body-less GET without trace headers at a not-allowed origin', async () => {
  const seen = [];
  const spans = [];
  const handlers = [redirect(303, `${OTHER}/done`), () => new Response('ok')];
  const fetch = async (input, init) => {
    seen.push({ url: String(input), init, headers: new Headers(init.headers) });
    return handlers[seen.length - 1]();
  };
  const traced = createTracedFetch({ fetch, ...trace, onSpan: (s) => spans.push(s) });
  const response = await traced(`${ALLOWED}/form`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain', 'x-app': '1' } });
  assert.equal(await response.text(), 'ok');
  assert.equal(seen[0].init.body, 'a=1');
  assert.match(seen[0].headers.get('traceparent'), /^00-/);
  assert.equal(seen[1].init.method, 'GET');
  assert.equal(seen[1].init.body, undefined);
  assert.equal(seen[1].headers.get('content-type'), null);
  assert.equal(seen[1].headers.get('x-app'), '1');
  assert.deepEqual(traceOf(seen[1]), noTrace);
  assert.equal(spans[0].redirectedWithoutTrace, `${OTHER}/done`);
});

test('tracedFetch: 307 to an allowed origin resends the same method, body and trace headers', async () => {
  const seen = [];
  const handlers = [redirect(307, `${SECOND}/put`), () => new Response('ok')];
  const fetch = async (input, init) => {
    seen.push({ url: String(input), init, headers: new Headers(init.headers) });
    return handlers[seen.length - 1]();
  };
  const traced = createTracedFetch({ fetch, ...trace });
  await traced(new Request(`${ALLOWED}/put`, { method: 'DELETE' }));
  assert.equal(seen[1].url, `${SECOND}/put`);
  assert.equal(seen[1].init.method, 'DELETE', "a Request's own method is kept across hops");
  assert.deepEqual(traceOf(seen[1]), traceOf(seen[0]));
  // a Request carrying its own body: the body reaches the second hop too
  handlers.push(redirect(308, `${OTHER}/put`), () => new Response('ok'));
  const sent = [];
  const bodyFetch = async (input, init) => {
    sent.push(input instanceof Request ? await input.text() : new TextDecoder().decode(init.body));
    seen.push({ url: String(input instanceof Request ? input.url : input), init, headers: new Headers(init.headers) });
    return handlers[seen.length - 1]();
  };
  await createTracedFetch({ fetch: bodyFetch, ...trace })(new Request(`${ALLOWED}/put`, { method: 'PUT', body: 'payload' }));
  assert.deepEqual(sent, ['payload', 'payload']);
  assert.equal(seen[3].init.method, 'PUT');
  assert.deepEqual(traceOf(seen[3]), noTrace, 'the not-allowed hop gets no trace headers');
});

test("tracedFetch: a caller's own redirect mode is respected; a stream body is sent untraced", async () => {
  const seen = [];
  const spans = [];
  const fetch = async (input, init) => {
    seen.push({ init, headers: new Headers(init.headers) });
    return new Response('ok');
  };
  const traced = createTracedFetch({ fetch, ...trace, onSpan: (s) => spans.push(s) });
  await traced(`${ALLOWED}/a`, { redirect: 'manual' });
  assert.equal(seen[0].init.redirect, 'manual');
  assert.match(seen[0].headers.get('traceparent'), /^00-/);
  await traced(`${ALLOWED}/b`, { method: 'POST', body: new ReadableStream(), duplex: 'half' });
  assert.deepEqual(traceOf(seen[1]), noTrace);
  assert.match(spans[1].notInjected, /stream/);
});

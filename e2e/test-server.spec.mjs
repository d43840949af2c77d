// Self-test of the differential harness: the test server serves what the scripts say, byte for byte, in
// separate reads where a script splits its writes, and records what clients send.

import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Buffer } from 'node:buffer';
import { test, expect } from '@playwright/test';
import { scriptsByName, ORIGINS } from './sse-scripts.mjs';

const session = (name) => `self-test.${name}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
const writesOf = (conn) => conn.steps.filter((s) => 'write' in s).map((s) => Buffer.from(s.write));

/** A raw HTTP GET: the path goes out exactly as given (no URL normalisation), the body comes back as bytes. */
function rawGet(origin, path, headers = {}) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

test('both origins answer /healthz', async () => {
  for (const origin of Object.values(ORIGINS)) expect((await rawGet(origin, '/healthz')).status).toBe(200);
});

test('static files carry the right MIME types; a .wasm streams into WebAssembly', async ({ page }) => {
  const types = {
    '/e2e/pages/differential.html': 'text/html; charset=utf-8',
    '/e2e/pages/differential.mjs': 'text/javascript; charset=utf-8',
    '/e2e/pages/empty.wasm': 'application/wasm',
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await rawGet(ORIGINS.main, path);
    expect([path, res.status, res.headers['content-type']]).toEqual([path, 200, type]);
  }
  await page.goto('/e2e/pages/differential.html');
  const exports = await page.evaluate(async () => {
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/e2e/pages/empty.wasm'));
    return Object.keys(instance.exports);
  });
  expect(exports).toEqual([]);
});

test('no file outside /js-glue/ and /e2e/pages/ is served', async () => {
  const paths = [
    '/package.json', '/e2e/test-server.mjs', '/js-glue/../package.json', '/e2e/pages/../../package.json',
    '/js-glue/%2e%2e/package.json', '/js-glue/..%2fpackage.json', '/e2e/pages/%2e%2e/test-server.mjs',
    '/js-glue/%00', '/js-glue/', '/e2e/pages/differential.html', // the last one: not on the second origin
  ];
  const statuses = [];
  for (const p of paths.slice(0, -1)) statuses.push([p, (await rawGet(ORIGINS.main, p)).status]);
  statuses.push(['second:' + paths.at(-1), (await rawGet(ORIGINS.second, paths.at(-1))).status]);
  expect(statuses).toEqual([...paths.slice(0, -1), 'second:' + paths.at(-1)].map((p) => [p, 404]));
});

test('bodies are byte-exact, connections follow the script, then the fallback', async () => {
  const script = scriptsByName.get('bom-split-and-per-connection');
  const id = session(script.name);
  for (const conn of script.connections) {
    const res = await rawGet(ORIGINS.main, `/sse/${script.name}?session=${id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.body.toString('hex')).toBe(Buffer.concat(writesOf(conn)).toString('hex'));
  }
  expect((await rawGet(ORIGINS.main, `/sse/${script.name}?session=${id}`)).status).toBe(204);
});

test('split writes reach fetch() as separate reads of the same sizes', async ({ page }) => {
  await page.goto('/e2e/pages/differential.html');
  await page.waitForFunction(() => window.differentialReady === true);
  // Offsets where one read (or write) ends and the next begins.
  const cuts = (sizes) => sizes.slice(0, -1).map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b));
  const names = ['crlf-split-across-chunks', 'utf8-split-2-byte', 'utf8-split-3-byte', 'utf8-split-4-byte', 'bom-split-and-per-connection'];
  for (const name of names) {
    const sizes = writesOf(scriptsByName.get(name).connections[0]).map((b) => b.length);
    const bytes = sizes.reduce((a, b) => a + b);
    // A renderer busy for longer than the write gap may read two writes at once, so: reads never cut inside a
    // write, always; and every write arrives as its own read in at least one of three attempts.
    const attempts = [];
    for (let i = 0; i < 3 && !isDeepStrictEqual(attempts.at(-1), sizes); i++) {
      attempts.push(await page.evaluate((a) => window.readChunks(a), { script: name, session: session(name), bytes }));
      expect(cuts(sizes), `${name}: reads cut only where writes do`).toEqual(expect.arrayContaining(cuts(attempts.at(-1))));
    }
    expect([name, attempts.at(-1)]).toEqual([name, sizes]);
  }
});

test('redirects keep the session; preflights and no-cors probes are recorded but take no connection', async ({ page }) => {
  const id = session('redirect');
  const redirect = await rawGet(ORIGINS.main, `/sse/redirect-cross-origin?session=${id}`);
  expect([redirect.status, redirect.headers.location]).toEqual([302, `${ORIGINS.second}/sse/redirect-cross-origin/after-redirect?session=${id}`]);

  await page.goto('/e2e/pages/differential.html');
  const probe = session('cors');
  const outcome = await page.evaluate(async ({ second, probe }) => {
    const url = `${second}/sse/cross-origin-cors-allow?session=${probe}`;
    const cors = await fetch(url, { headers: { 'Last-Event-ID': 'x' } }); // preflighted
    await cors.text();
    const opaque = await fetch(url, { mode: 'no-cors' });
    return [cors.status, opaque.type];
  }, { second: ORIGINS.second, probe });
  expect(outcome).toEqual([200, 'opaque']);

  const log = await (await page.request.get(`/__requests?session=${probe}`)).json();
  expect(log.map((r) => [r.server, r.method, r.kind, r.connection ?? null, r.headers['last-event-id'] ?? null])).toEqual([
    ['second', 'OPTIONS', 'preflight', null, null],
    ['second', 'GET', 'sse', 1, 'x'],
    ['second', 'GET', 'probe', null, null],
  ]);
  expect(log[0].headers['access-control-request-headers']).toBe('last-event-id');
  expect(typeof log[1].t).toBe('number');
});

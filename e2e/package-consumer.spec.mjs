// A real consumer (issue 7, REQUIREMENTS F1): the package as npm ships it, installed into a fresh Vite app,
// built for production with no bundler configuration at all, served, and run in Debian's Chromium.
//
//   flock /tmp/tes-playwright.lock npx playwright test e2e/package-consumer.spec.mjs
//
// beforeAll: `npm pack` the repository into a temp dir; write an app there (package.json, index.html, main.js
// importing 'traced-eventsource' by name); `npm install <tarball>` (the package has no dependencies: nothing
// is downloaded); `vite build` with the repository's Vite binary, run in the app's folder (no vite.config).
// The build's dist/ is then served by e2e/consumer-server.mjs, with the SSE and API endpoints the app uses, under
// the strict CSP of worker-csp.spec.mjs. The Wasm must be the asset Vite emitted from the package's
// `new URL('./generated/core.wasm', import.meta.url)`.
import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXPECTED_EVENTS, STRICT_CSP, TRACERESPONSE, startConsumerServer, traceIdsOf } from './consumer-server.mjs';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITE = path.join(ROOT, 'node_modules', '.bin', 'vite');
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json',
};

let tmp;
let app;
let dist;
let server;
const log = [];  // what each step printed, attached to the test

async function step(name, file, args, cwd) {
  const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } });
  log.push(`$ ${name}\n${stdout}${stderr}`);
  return stdout;
}

const APP_FILES = {
  'package.json': JSON.stringify({ name: 'vite-consumer', version: '0.0.0', private: true, type: 'module' }, null, 2),
  'index.html': `<!doctype html>
<html>
<head><meta charset="utf-8"><title>vite consumer</title></head>
<body>
<p>a Vite app using traced-eventsource</p>
<script type="module" src="/main.js"></script>
</body>
</html>
`,
  // csp-watch first: it listens for CSP violations before the package is evaluated. The bare polyfill import
  // must survive tree shaking: package.json "sideEffects" lists that file (with `sideEffects: false` Vite drops it).
  'main.js': `import { violations } from './csp-watch.mjs';
import 'traced-eventsource/polyfill';
import * as api from 'traced-eventsource';
import { TracedEventSource, tracedFetch } from 'traced-eventsource';
import { exercise } from './consumer-exercise.mjs';

const session = new URLSearchParams(location.search).get('session') ?? 'vite';
const state = (window.result = { violations, errors: [], done: false });
state.exports = Object.keys(api).sort();
state.sameClass = api.default === TracedEventSource && typeof tracedFetch === 'function';
state.polyfilled = globalThis.EventSource === TracedEventSource && /native code/.test(String(globalThis.NativeEventSource));
exercise({ TracedEventSource, tracedFetch }, session)
  .then((r) => { state.app = r; })
  .catch((e) => state.errors.push(String(e?.stack ?? e)))
  .finally(() => setTimeout(() => { state.done = true; }, 100));
`,
};

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tes-vite-consumer-'));
  app = path.join(tmp, 'app');
  dist = path.join(app, 'dist');
  await fs.mkdir(app);

  const [packed] = JSON.parse(await step('npm pack', 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT));
  const tarball = path.join(tmp, packed.filename);

  for (const [name, text] of Object.entries(APP_FILES)) await fs.writeFile(path.join(app, name), text);
  for (const name of ['consumer-exercise.mjs', 'csp-watch.mjs']) {
    await fs.copyFile(path.join(ROOT, 'e2e', 'pages', name), path.join(app, name));
  }
  await step('npm install <tarball>', 'npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], app);
  await step('vite build', VITE, ['build'], app);

  server = await startConsumerServer({
    serveFile: async (res, pathname, send) => {
      const file = path.resolve(dist, '.' + decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
      if (!file.startsWith(dist + path.sep)) return send(res, 404, {}, 'not found');
      try {
        send(res, 200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' }, await fs.readFile(file));
      } catch {
        send(res, 404, {}, 'not found');
      }
    },
    csp: () => true,
  });
});

test.afterAll(async () => {
  await server?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

test('a fresh Vite app with the packed package: production build, Wasm found with no bundler configuration', async ({ page }) => {
  await test.info().attach('steps', { body: log.join('\n'), contentType: 'text/plain' });

  // The installed package is the tarball's content, not a link to the repository.
  const installed = path.join(app, 'node_modules', 'traced-eventsource');
  expect((await fs.lstat(installed)).isSymbolicLink()).toBe(false);
  expect(await fs.readdir(path.join(installed, 'js-glue', 'generated'))).toEqual(['core.mjs', 'core.wasm']);

  // Vite emitted the package's core.wasm as a hashed asset of the build, byte for byte.
  const assets = await fs.readdir(path.join(dist, 'assets'));
  const wasmAssets = assets.filter((f) => f.endsWith('.wasm'));
  expect(wasmAssets, `assets: ${assets}`).toHaveLength(1);
  const [wasmAsset] = wasmAssets;
  expect(Buffer.compare(await fs.readFile(path.join(dist, 'assets', wasmAsset)),
    await fs.readFile(path.join(ROOT, 'js-glue', 'generated', 'core.wasm')))).toBe(0);

  const session = `vite-${Date.now().toString(36)}`;
  const wasmRequests = [];
  const pageErrors = [];
  const consoleMessages = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmRequests.push(r.url()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  const response = await page.goto(`${server.origin}/?session=${session}`);
  expect(response.headers()['content-security-policy']).toBe(STRICT_CSP);
  await page.waitForFunction(() => window.result?.done === true, null, { timeout: 30_000 });
  const state = await page.evaluate(() => window.result);

  expect(state.errors).toEqual([]);
  expect(pageErrors).toEqual([]);
  expect(state.violations, 'securitypolicyviolation events').toEqual([]);
  expect(consoleMessages.filter((m) => /Content Security Policy|Refused to|wasm/i.test(m))).toEqual([]);
  expect(state.exports).toEqual(['TracedEventSource', 'createExporter', 'createTracedFetch', 'default', 'tracedFetch']);
  expect(state.sameClass).toBe(true);
  expect(state.polyfilled, "import 'traced-eventsource/polyfill' replaced EventSource, keeping the native one").toBe(true);
  expect(wasmRequests).toEqual([`${server.origin}/assets/${wasmAsset}`]);

  // Events arrived, through a graceful end and a resume from Last-Event-ID.
  expect(state.app.events).toEqual(EXPECTED_EVENTS);
  expect(state.app.fetch).toEqual({ status: 200, body: { method: 'POST', body: 'ping' }, traceresponse: TRACERESPONSE });

  // traceparent and X-Amzn-Trace-Id reached the server, on both SSE connections and the traced fetch.
  const [first, second, ...more] = server.requestsTo(`/sse/${session}`);
  expect(more).toEqual([]);
  expect(traceIdsOf(first.headers), JSON.stringify(first.headers)).not.toBeNull();
  expect(traceIdsOf(second.headers), JSON.stringify(second.headers)).not.toBeNull();
  expect(second.headers['last-event-id']).toBe('2');
  const [api] = server.requestsTo(`/api/${session}`);
  expect(traceIdsOf(api.headers), JSON.stringify(api.headers)).not.toBeNull();
});

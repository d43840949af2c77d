// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3: to the browser, fd 4: from it;
// NUL-separated JSON). The bench uses only the Target, Page, Runtime and Performance domains: enabling the
// Network domain (as Playwright does) slows native EventSource several-fold and erratically.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

export async function chromiumVersion() {
  return new Promise((resolve) => {
    const p = spawn(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (b) => { out += b; });
    p.on('close', () => resolve(out.trim()));
    p.on('error', () => resolve('unknown'));
  });
}

/**
 * Launches headless Chromium with a fresh profile. `extraArgs` e.g. ['--js-flags=--expose-gc'].
 * Returns a Browser: { send(method, params, sessionId), on(method, fn), newPage(), close() }.
 */
export async function launch(extraArgs = []) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tes-bench-'));
  const args = ['--headless=new', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
    '--disable-default-apps', '--mute-audio', `--user-data-dir=${userDataDir}`, ...extraArgs, 'about:blank'];
  const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  // A driver that exits without close() (an exception) must not leave a browser or a profile behind. (Killed, the
  // driver closes the pipe, and Chromium exits by itself.)
  const killOnExit = () => {
    child.kill('SIGKILL');
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stderrTail = [];
  child.stderr.on('data', (b) => {
    stderrTail.push(String(b));
    if (stderrTail.length > 50) stderrTail.shift();
  });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();  // method -> Set(fn(params, sessionId))
  let buffer = '';
  let exited = false;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = true;
    process.off('exit', killOnExit);
    for (const { reject } of pending.values()) {
      reject(new Error(`Chromium exited (${code ?? signal}); stderr: ${stderrTail.join('').slice(-2000)}`));
    }
    pending.clear();
    resolve();
  }));
  fromBrowser.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) !== -1) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (!p) continue;
        if (message.error) p.reject(new Error(`${p.method}: ${message.error.message} ${message.error.data ?? ''}`));
        else p.resolve(message.result);
      } else {
        for (const fn of listeners.get(message.method) ?? []) fn(message.params, message.sessionId);
      }
    }
  });

  function send(method, params = {}, sessionId = undefined) {
    if (exited) return Promise.reject(new Error(`Chromium has exited; cannot send ${method}`));
    const id = nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, method });
      toBrowser.write(JSON.stringify(message) + '\0');
    });
  }

  function on(method, fn) {
    if (!listeners.has(method)) listeners.set(method, new Set());
    listeners.get(method).add(fn);
    return () => listeners.get(method).delete(fn);
  }

  const browser = {
    send,
    on,
    /** A new tab (in `browserContextId` when given), attached with a flat session, Page + Runtime enabled. */
    async newPage({ browserContextId, performance = true } = {}) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank',
        ...(browserContextId ? { browserContextId } : {}) });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const page = new Page(browser, targetId, sessionId);
      await page.send('Page.enable');
      await page.send('Runtime.enable');
      if (performance) await page.send('Performance.enable', { timeDomain: 'threadTicks' });
      return page;
    },
    async version() { return send('Browser.getVersion'); },
    async close() {
      if (!exited) {
        send('Browser.close').catch(() => {});
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  await send('Target.setDiscoverTargets', { discover: false }).catch(() => {});
  return browser;
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
    this.consoleTail = [];
    browser.on('Runtime.exceptionThrown', (p, s) => {
      const d = p.exceptionDetails;
      if (s === sessionId) this.#log(`exception: ${d?.exception?.description ?? d?.text}`);
    });
    browser.on('Runtime.consoleAPICalled', (p, s) => {
      if (s === sessionId) this.#log(`console.${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
    });
  }

  #log(line) {
    this.consoleTail.push(line);
    if (this.consoleTail.length > 20) this.consoleTail.shift();
  }

  send(method, params = {}) { return this.browser.send(method, params, this.sessionId); }

  /** Navigates and waits for the load event (the page's module scripts have run by then). */
  async goto(url, timeoutMs = 30_000) {
    let off;
    const loaded = new Promise((resolve) => {
      off = this.browser.on('Page.loadEventFired', (p, s) => { if (s === this.sessionId) resolve(); });
    });
    try {
      const result = await this.send('Page.navigate', { url });
      if (result.errorText) throw new Error(`navigation to ${url} failed: ${result.errorText}`);
      await withTimeout(loaded, timeoutMs, `load of ${url}`);
    } finally {
      off();
    }
  }

  /** Evaluates `expression` (awaiting a promise) and returns its value; a thrown exception rejects. */
  async evaluate(expression, timeoutMs = 120_000) {
    const evaluation = this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    const result = await withTimeout(evaluation, timeoutMs, `evaluate ${expression.slice(0, 80)}`);
    if (result.exceptionDetails) {
      const d = result.exceptionDetails;
      throw new Error(`page threw: ${d.exception?.description ?? d.text}`);
    }
    return result.result.value;
  }

  /** Performance.getMetrics as an object: TaskDuration, ScriptDuration (s, renderer main thread), JSHeapUsedSize … */
  async metrics() {
    const { metrics } = await this.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  }

  async close() {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId }).catch(() => {});
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

// Startup section, in a page served under a unique prefix (/p/<tag>/…) so that the first sample finds nothing of the
// contender in any cache (HTTP, memory, V8 code cache), and reloads of the same prefix find everything.
// Time zero is performance.now() just before the contender's import (none for native EventSource). "To request" is
// when the bench server saw the SSE request (its clock: performance.timeOrigin + now() in the server's thread, the
// same wall clock as this page's timeOrigin + now()); "to first event" is measured here.
const prefix = location.pathname.replace(/\/bench\/pages\/startup\.html$/, '');
const wall = () => performance.timeOrigin + performance.now();

async function serverSaw(tag) {
  const { t } = await (await fetch(`/seen?id=${tag}`, { cache: 'no-store' })).json();
  return t;
}

function firstEvent(source) {
  return new Promise((resolve, reject) => {
    source.addEventListener('message', () => { source.close(); resolve(); });
    source.addEventListener('error', () => {
      source.close();
      reject(new Error('error event before the first event'));
    });
  });
}

const CONTENDERS = {
  async 'traced'(url) {
    const { TracedEventSource } = await import(`${prefix}/js-glue/index.js`);
    const imported = performance.now();
    await firstEvent(new TracedEventSource(url));
    return imported;
  },
  async 'native'(url) {
    const imported = performance.now();
    await firstEvent(new EventSource(url));
    return imported;
  },
  async 'eventsource-parser'(url) {
    const { createParser } = await import('eventsource-parser');
    const imported = performance.now();
    const controller = new AbortController();
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store',
      signal: controller.signal });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let got = false;
    const parser = createParser({ onEvent() { got = true; } });
    while (!got) {
      const { done, value } = await reader.read();
      if (done) throw new Error('stream ended before the first event');
      parser.feed(value);
    }
    controller.abort();
    return imported;
  },
  async 'eventsource'(url) {
    const { EventSource } = await import('eventsource');
    const imported = performance.now();
    await firstEvent(new EventSource(url));
    return imported;
  },
  async 'fetch-event-source'(url) {
    const { fetchEventSource } = await import('@microsoft/fetch-event-source');
    const imported = performance.now();
    const controller = new AbortController();
    await new Promise((resolve, reject) => {
      fetchEventSource(url, { signal: controller.signal, openWhenHidden: true,
        onmessage() { controller.abort(); resolve(); },
        onerror(e) { reject(e); throw e; } }).catch(reject);
    });
    return imported;
  },
};

/** One sample: { importMs, toRequestMs, toFirstEventMs }. `streamKey` is a short registered stream. */
export async function sample(contender, streamKey, tag) {
  const url = `/stream/${streamKey}?id=${tag}`;
  const t0 = performance.now();
  const wall0 = performance.timeOrigin + t0;
  const imported = await CONTENDERS[contender](url);
  const t1 = performance.now();
  const seen = await serverSaw(tag);
  if (seen === null) throw new Error('the server never saw the request');
  return { importMs: imported - t0, toRequestMs: seen - wall0, toFirstEventMs: t1 - t0 };
}

/** How far apart the two clocks look: server arrival minus page send time of a plain fetch (≈ one-way latency). */
export async function clockCheck(streamKey, tag) {
  const sent = wall();
  const response = await fetch(`/stream/${streamKey}?id=${tag}`, { cache: 'no-store' });
  await response.arrayBuffer();
  return (await serverSaw(tag)) - sent;
}

/**
 * Wasm compile and instantiate times of the core, measured apart from the glue: the bytes get a random custom
 * section appended so that V8's in-process module cache cannot answer, then WebAssembly.compile() and
 * instantiate() with stub imports (only the core's start-up is timed, nothing runs). Also loadCore()'s full time
 * in this fresh prefix (fetch + streaming compile + instantiate + runtime init), through the bench's core adapter.
 */
export async function wasm() {
  const adapter = await import(`${prefix}/bench/contenders/core-parser.mjs`);
  const bytes = new Uint8Array(await (await fetch(adapter.wasmUrl(), { cache: 'no-store' })).arrayBuffer());
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  // Custom section: id 0, size, name length 5, "nonce", 16 bytes.
  const section = new Uint8Array([0, 1 + 5 + 16, 5, ...new TextEncoder().encode('nonce'), ...nonce]);
  const unique = new Uint8Array(bytes.length + section.length);
  unique.set(bytes);
  unique.set(section, bytes.length);
  const t0 = performance.now();
  const module = await WebAssembly.compile(unique);
  const t1 = performance.now();
  const imports = {};
  for (const { module: m, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`the core imports a ${kind}; the stub importer handles functions only`);
    (imports[m] ??= {})[name] = () => 0;
  }
  await WebAssembly.instantiate(module, imports);
  const t2 = performance.now();
  await adapter.coreReady();
  const t3 = performance.now();
  return { bytes: bytes.length, compileMs: t1 - t0, instantiateMs: t2 - t1, loadCoreMs: t3 - t2 };
}

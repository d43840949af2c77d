// Loads the Wasm core once per realm (page, worker, Node process) and shares it between all sources.
import createCore from './generated/core.mjs';

let corePromise = null;

function isNode() {
  return typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';
}

// Node's fetch() cannot read file: URLs, so hand Emscripten the bytes. The specifier is a variable so
// bundlers do not try to resolve a Node built-in for the browser.
async function readWasmFromDisk(url) {
  const fsModule = 'node:fs/promises';
  const { readFile } = await import(/* @vite-ignore */ fsModule);
  return readFile(url);
}

async function instantiate() {
  // `new URL(..., import.meta.url)` written here, in a plain literal form, is what bundlers (Vite, webpack,
  // esbuild) recognise and rewrite to the emitted asset: the Wasm is found without configuration.
  const wasmUrl = new URL('./generated/core.wasm', import.meta.url);
  const options = isNode()
    ? { wasmBinary: await readWasmFromDisk(wasmUrl) }
    : { locateFile: () => wasmUrl.href };
  return createCore(options);
}

/** The core module (resolves once; rejects if the Wasm cannot be fetched or compiled). */
export function loadCore() {
  corePromise ??= instantiate();
  return corePromise;
}

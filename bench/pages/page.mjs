// What the driver calls in the bench page (Runtime.evaluate): one end-to-end run, a round of parser runs, a memory
// run. All contenders are imported up front so that no run pays for loading code.
import { runTraced, settleExporters } from '../contenders/traced.mjs';
import { runNative } from '../contenders/native.mjs';
import { runEventsourceParserFetch } from '../contenders/eventsource-parser-fetch.mjs';
import { runFetchEventSource } from '../contenders/fetch-event-source.mjs';
import { runEventsourceNpm } from '../contenders/eventsource-npm.mjs';
import { chunked, runParser } from '../contenders/parsers.mjs';
import { createCoreParser, wasmMemoryProbe } from '../contenders/core-parser.mjs';

const E2E = {
  'traced-on': (o) => runTraced(o, { tracing: true, origin: location.origin }),
  'traced-off': (o) => runTraced(o, { tracing: false, origin: location.origin }),
  'native': runNative,
  'eventsource-parser': runEventsourceParserFetch,
  'fetch-event-source': runFetchEventSource,
  'eventsource': runEventsourceNpm,
};

// The Wasm core is loaded (and a parser made once) before any timed run: e2e times measure streaming, not start-up
// (the startup section measures that). A broken adapter fails the parser section only, not every e2e contender.
const warm = createCoreParser(() => {}).then((p) => p.end()).catch((error) => console.error(error));

/** One end-to-end run of `contender`: { ms, count, checksum, reason? }. */
export async function e2e(contender, options) {
  await warm;
  const run = E2E[contender];
  if (!run) throw new Error(`unknown contender ${contender}`);
  return run(options);
}

/** After a run and its metrics: lets the tracing-on contender's exporter send its spans. */
export function cleanup() {
  return settleExporters();
}

const corpora = new Map();  // key -> Uint8Array, fetched once per page

/** One round of the parser section: every parser × chunk size in `order`, returns [{ parser, size, ms, … }]. */
export async function parserRound(key, order, mode) {
  await warm;
  if (!corpora.has(key)) corpora.set(key, new Uint8Array(await (await fetch(`/corpus/${key}`)).arrayBuffer()));
  const bytes = corpora.get(key);
  const out = [];
  for (const { parser, size } of order) {
    const chunks = chunked(bytes, size);
    out.push({ parser, size, ...(await runParser(parser, chunks, mode, bytes)) });
  }
  return out;
}

/**
 * Streams `options.url` with `contender`, sampling the JS heap (after gc(), precise with
 * --enable-precise-memory-info) and the core's Wasm memory every `every` events. Needs --js-flags=--expose-gc.
 */
export async function memory(contender, options, every) {
  await warm;
  const wasmBytes = await wasmMemoryProbe();
  const samples = [];
  const sample = (count) => {
    globalThis.gc();
    samples.push({ count, heap: performance.memory.usedJSHeapSize, wasm: wasmBytes() });
  };
  sample(0);
  const result = await E2E[contender]({ ...options, progressEvery: every, onProgress: sample });
  await new Promise((resolve) => setTimeout(resolve, 500));  // let the aborted request's buffers go
  sample(result.count);
  return { ...result, samples };
}

// Benchmark corpora, generated deterministically (seeded PRNG): the wire bytes of N events plus what a conforming
// client must deliver (count, and the checksums of bench/checksum.mjs over type, data and lastEventId).
// Every corpus avoids shapes where conforming clients legitimately differ (blocks without data, empty ids), so one
// expected value holds for all contenders.
import { mulberry32 } from '../demo/lib/mulberry32.mjs';
import { createAccumulator } from './checksum.mjs';

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/';
const WORDS = ['stream', 'event', 'trace', 'span', 'latency', 'über', 'café', 'naïve', 'Zürich', 'señal',
  'доступ', 'данные', '数据', '東京', 'サーバー', '🚀', '✓', '→', 'ok', 'retry', 'queue', 'batch', 'price', 'delta'];
const NAMES = ['Zoë', 'José', 'Łukasz', 'Ærøskøbing', 'Ψ-team', '李雷', 'Ana', 'Bob'];

/** A pool of random ASCII text; events take slices at random offsets (fast for 64 MiB, still varied). */
function asciiPool(rng, size) {
  const out = new Array(size);
  for (let i = 0; i < size; i++) out[i] = ASCII[(rng() * 64) | 0];
  return out.join('');
}

function slice(pool, rng, length) {
  const at = (rng() * (pool.length - length)) | 0;
  return pool.slice(at, at + length);
}

function words(rng, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[(rng() * WORDS.length) | 0]);
  return out.join(' ');
}

// Each corpus: name, what it is, the event types a listener must subscribe to, and event(i, rng, pool) returning
// { wire, type, data, id } where id === undefined means "no id: line" (lastEventId stays as it was).
export const CORPORA = [
  {
    name: 'tiny',
    describe: '≈28 B: `data: <20 chars>` only',
    types: ['message'],
    event(i, rng, pool) {
      const data = slice(pool, rng, 20);
      return { wire: `data: ${data}\n\n`, type: 'message', data };
    },
  },
  {
    name: 'json',
    describe: '≈200 B JSON with `id:`, `event:` (3 types, one the default) and non-ASCII text',
    types: ['message', 'update', 'patch'],
    event(i, rng) {
      const type = ['message', 'update', 'patch'][(rng() * 3) | 0];
      const id = `${1000000 + i}`;
      const data = JSON.stringify({ seq: i, user: NAMES[(rng() * NAMES.length) | 0],
        text: words(rng, 8 + ((rng() * 6) | 0)), price: Math.round(rng() * 1e6) / 100, ok: rng() < 0.5,
        tags: [words(rng, 1), words(rng, 1)] });
      const eventLine = type === 'message' ? '' : `event: ${type}\n`;
      return { wire: `id: ${id}\n${eventLine}data: ${data}\n\n`, type, data, id };
    },
  },
  {
    name: '4k',
    describe: '4 KiB: one `data:` line of 4088 chars',
    types: ['message'],
    event(i, rng, pool) {
      const data = slice(pool, rng, 4088);
      return { wire: `data: ${data}\n\n`, type: 'message', data };
    },
  },
  {
    name: '64k',
    describe: '64 KiB: one `data:` line of 65528 chars',
    types: ['message'],
    event(i, rng, pool) {
      const data = slice(pool, rng, 65528);
      return { wire: `data: ${data}\n\n`, type: 'message', data };
    },
  },
  {
    name: 'multiline',
    describe: '10 `data:` lines of 24–40 chars per event (≈370 B)',
    types: ['message'],
    event(i, rng, pool) {
      const lines = [];
      for (let k = 0; k < 10; k++) lines.push(slice(pool, rng, 24 + ((rng() * 17) | 0)));
      return { wire: lines.map((l) => `data: ${l}\n`).join('') + '\n', type: 'message', data: lines.join('\n') };
    },
  },
  {
    name: 'crlf',
    describe: '≈110 B with CRLF line ends, `id:` and `event: tick`',
    types: ['tick'],
    event(i, rng, pool) {
      const id = `e${i}`;
      const data = `{"n":${i},"v":"${slice(pool, rng, 60 + ((rng() * 20) | 0))}"}`;
      return { wire: `event: tick\r\nid: ${id}\r\ndata: ${data}\r\n\r\n`, type: 'tick', data, id };
    },
  },
  {
    name: 'comments',
    describe: '≈160 B: three `: comment` lines (≈75 % of bytes) before a 32-char `data:` line',
    types: ['message'],
    event(i, rng, pool) {
      const data = slice(pool, rng, 32);
      let wire = '';
      for (let k = 0; k < 3; k++) wire += `: keep-alive ${slice(pool, rng, 24 + ((rng() * 10) | 0))}\n`;
      return { wire: `${wire}data: ${data}\n\n`, type: 'message', data };
    },
  },
];

export const corpusByName = new Map(CORPORA.map((c) => [c.name, c]));

/** Average wire bytes per event of a corpus (from a sample), to pick N for a byte budget. */
export function bytesPerEvent(corpus) {
  const sample = generate(corpus, 64);
  return sample.bytes.length / 64;
}

/** Events needed for about `targetBytes` of wire data (at least `min`). */
export function eventsFor(corpus, targetBytes, min = 16) {
  return Math.max(min, Math.round(targetBytes / bytesPerEvent(corpus)));
}

/**
 * The wire bytes of `count` events of `corpus` and the expected result: { bytes: Uint8Array, count, full, light }.
 * Deterministic: the same (corpus, count) always gives the same bytes.
 */
export function generate(corpus, count) {
  const rng = mulberry32(0x5eed ^ corpus.name.length * 7919 ^ count);
  const pool = asciiPool(rng, 1 << 17);
  const full = createAccumulator('full');
  const light = createAccumulator('light');
  const parts = [];
  let lastEventId = '';
  for (let i = 0; i < count; i++) {
    const e = corpus.event(i, rng, pool);
    if (e.id !== undefined) lastEventId = e.id;
    full.add(e.type, e.data, lastEventId);
    light.add(e.type, e.data, lastEventId);
    parts.push(e.wire);
  }
  const bytes = new TextEncoder().encode(parts.join(''));
  return { bytes, count, full: full.value(), light: light.value() };
}

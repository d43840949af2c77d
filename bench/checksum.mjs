// The checksum every contender computes over what its message handler received, and the generator computes over
// what it sent: a count plus an FNV-1a-style 32-bit hash of (type, lastEventId, data) for every event, in order.
// Shared by Node (generator, Node contenders) and the pages (served at /bench/checksum.mjs).
//
// Two modes, because hashing every char of a 64 KiB event costs about as much as parsing it:
// - 'full': every char code of type, lastEventId and data. Used in each contender's untimed verification run.
// - 'light': type and lastEventId in full (short), data's length and the char codes at its start, middle and end.
//   Used in timed runs. Reading .length and chars forces the string to exist; a skipped or shifted event changes
//   the count or the hash, and the full run has already proven the content.

const PRIME = 16777619;
const OFFSET = 2166136261 | 0;

function hashString(h, s) {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
  return Math.imul(h ^ s.length, PRIME);
}

function hashSampled(h, s) {
  const n = s.length;
  h = Math.imul(h ^ n, PRIME);
  if (n === 0) return h;
  h = Math.imul(h ^ s.charCodeAt(0), PRIME);
  h = Math.imul(h ^ s.charCodeAt(n >> 1), PRIME);
  return Math.imul(h ^ s.charCodeAt(n - 1), PRIME);
}

/** Accumulates events as a handler receives them. `mode` is 'full' or 'light'. */
export function createAccumulator(mode) {
  const hashData = mode === 'full' ? hashString : hashSampled;
  let h = OFFSET;
  let lastType = '';
  let lastTypeHash = 0;
  const acc = {
    count: 0,
    add(type, data, lastEventId) {
      // Types repeat: hash a type once and reuse it while it stays the same string value.
      if (type !== lastType) {
        lastType = type;
        lastTypeHash = hashString(OFFSET, type);
      }
      h = Math.imul(h ^ lastTypeHash, PRIME);
      h = hashString(h, lastEventId);
      h = hashData(h, data);
      acc.count++;
    },
    value() { return h >>> 0; },
  };
  return acc;
}

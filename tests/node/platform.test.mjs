// The shell's small platform helpers, and the browser floor the README states (Chrome/Edge 85, Firefox 90,
// Safari 15): what js-glue may use is checked here, so a newer API cannot slip in unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { timeoutSignal } from '../../js-glue/platform.js';

test('timeoutSignal aborts with a TimeoutError, also where AbortSignal.timeout is missing', async () => {
  const native = AbortSignal.timeout;
  const keepAlive = setTimeout(() => {}, 5000);  // Node's AbortSignal.timeout timer does not hold the loop open
  for (const withNative of [true, false]) {
    if (!withNative) AbortSignal.timeout = undefined;
    try {
      const signal = timeoutSignal(20);
      assert.equal(signal.aborted, false);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      assert.equal(signal.reason.name, 'TimeoutError', withNative ? 'AbortSignal.timeout' : 'fallback');
    } finally {
      AbortSignal.timeout = native;
    }
  }
  clearTimeout(keepAlive);
});

// Syntax and APIs past the floor, each with the first versions that have it (Chrome / Firefox / Safari), and the
// one file allowed to use it behind a feature check.
const PAST_THE_FLOOR = [
  [/^\s*static\s*\{/m, 'class static blocks (94 / 93 / 16.4)'],
  [/AbortSignal\.timeout\(/, 'AbortSignal.timeout without a fallback (103 / 100 / 16); use timeoutSignal()',
    'platform.js'],
  [/AbortSignal\.any\(/, 'AbortSignal.any (116 / 124 / 17.4)'],
  [/Object\.hasOwn\(/, 'Object.hasOwn (93 / 92 / 15.4)'],
  [/\.findLast(Index)?\(/, 'Array findLast (97 / 104 / 15.4)'],
  [/\.at\(-?\d/, 'Array/String at() (92 / 90 / 15.4)'],
  [/structuredClone\(/, 'structuredClone (98 / 94 / 15.4)'],
  [/Promise\.withResolvers/, 'Promise.withResolvers (119 / 121 / 17.4)'],
  [/\.to(Sorted|Reversed|Spliced)\(/, 'change-array-by-copy (110 / 115 / 16)'],
  [/#\w+ in /, 'ergonomic brand checks (91 / 90 / 15)'],
];

test('js-glue stays within the documented browser floor', () => {
  const dir = new URL('../../js-glue/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.length >= 10, 'the shell modules are found');
  const found = [];
  for (const file of files) {
    const code = readFileSync(new URL(file, dir), 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');  // not comments
    for (const [pattern, what, allowedIn] of PAST_THE_FLOOR) {
      if (file !== allowedIn && pattern.test(code)) found.push(`${file}: ${what}`);
    }
  }
  assert.deepEqual(found, []);
});

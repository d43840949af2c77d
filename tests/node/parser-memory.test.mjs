// Wasm memory, once grown, is never given back to the page: a long line must not make the parser reserve more
// than the cap allows (wasm/sse_parser.cpp, reserve_capped). Its own file, so the heap starts fresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CoreConnection } from '../../js-glue/core-bindings.js';
import { loadCore } from '../../js-glue/core-loader.js';
import { normalizeOptions } from '../../js-glue/options.js';

const MiB = 1024 * 1024;

test('a 9 MiB line under a 10 MiB cap grows the Wasm heap by the line, not by the next power of two', async () => {
  const core = await loadCore();
  const connection = new CoreConnection(core, normalizeOptions({ maxEventBytes: 10 * MiB }));
  connection.start(0);
  connection.response(0, 200, { contentType: 'text/event-stream', xray: '', traceresponse: '', serverTiming: '',
    retryAfter: '', resumeSupported: true });
  const piece = new TextEncoder().encode(': '.padEnd(64 * 1024, 'c'));  // one comment line, never ended
  const before = core.HEAPU8.length;
  for (let sent = 0; sent < 9 * MiB; sent += piece.length) connection.bytes(0, piece);
  const grown = core.HEAPU8.length - before;
  // The line buffer doubles 1, 2, 4, 8 MiB and ends at the 10 MiB cap; the freed smaller buffers cannot hold the
  // next one, so the heap holds their sum (25 MiB, measured). Doubling to 16 MiB made it 31 MiB.
  assert.ok(grown <= 27 * MiB, `the Wasm heap grew by ${(grown / MiB).toFixed(1)} MiB`);
  connection.free();
});

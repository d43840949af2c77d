// Thousands of instances (issue 9): batches of TracedEventSources, each holding a real loopback stream open,
// closed all at once. The server sees every stream end and no request after close(); once the connections are
// gone, a full GC collects every closed source (WeakRefs to all of them come back empty), the Wasm memory after
// the last batch equals that after the second, and the JS heap stays within a bound of it.
//
// Node 20's fetch (undici 6) answers each aborted streaming request by opening a fresh connection to the origin
// that sends nothing (plain fetch() + AbortController does the same) and would idle until its keep-alive timeout
// (about 4 s). Once a batch is closed, the test server drops connections that never carried a request, so
// "every socket closed" is reached quickly.
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { after, before, test } from 'node:test';

import { TracedEventSource } from '../../js-glue/index.js';
import { loadCore } from '../../js-glue/core-loader.js';

const BATCHES = 5;
const PER_BATCH = 400;  // open at once: up to 1,600 file descriptors (both ends, plus undici's idle reconnects)
const MEASURED = new Set([2, BATCHES]);
// JS heap growth allowed between the measurements after batch 2 and batch 5. Coarse on purpose: undici's
// connection pool state alone moves heapUsed by up to 2 MiB between otherwise identical rounds. The WeakRef
// check is the exact one; this bound still catches 1,200 closed sources keeping 3.5 KB each.
const HEAP_BOUND_BYTES = 4 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

// The server runs in a worker thread: its sockets and buffers live in another isolate, not in the heap measured
// here. It answers every request with a stream that stays open, and reports streams and sockets still open.
// While 'draining', connections that never carried a request are dropped.
const SERVER = `
  const http = require('node:http');
  const { parentPort } = require('node:worker_threads');
  const sockets = new Set();
  const streams = new Set();
  let requests = 0;
  let draining = false;
  const dropIfUnused = (socket) => { if (!socket.used) socket.destroy(); };
  const server = http.createServer((req, res) => {
    requests++;
    req.socket.used = true;
    streams.add(res);
    res.on('close', () => streams.delete(res));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write('data: held\\n\\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (draining) setImmediate(dropIfUnused, socket);  // after the parser had its chance to see a request
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (op) => {
    if (op === 'drain') for (const socket of sockets) dropIfUnused(socket);
    if (op === 'drain' || op === 'fill') draining = op === 'drain';
    parentPort.postMessage({ streams: streams.size, sockets: sockets.size, requests });
  });
`;

let worker;
let origin;
/** Asks the server for its counts; 'drain' also drops connections that never carried a request, 'fill' stops that. */
const serverCounts = (op = 'counts') => new Promise((resolve) => {
  worker.once('message', resolve);
  worker.postMessage(op);
});

before(async () => {
  worker = new Worker(SERVER, { eval: true });
  const { port } = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  origin = `http://127.0.0.1:${port}`;
});
after(() => worker?.terminate());

/** heapUsed after full collections, repeated until it settles (finalizers run between them). */
async function settledHeapUsed() {
  let previous = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - previous) < 64 * 1024) return used;
    previous = used;
  }
  return previous;
}

async function eventually(predicate, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Made and closed outside the test's async function: a suspended async frame keeps its last loop variable alive,
// which would look like a leaked source.
function openBatch(batch, seen, refs) {
  const sources = [];
  for (let i = 0; i < PER_BATCH; i++) {
    const es = new TracedEventSource(`${origin}/hold?batch=${batch}&i=${i}`);
    es.onopen = () => { seen.opened++; };
    es.onmessage = () => { seen.messages++; };
    sources.push(es);
    refs.push(new WeakRef(es));
  }
  return sources;
}

function closeAll(sources) {
  for (const es of sources) es.close();
  assert.ok(sources.every((es) => es.readyState === TracedEventSource.CLOSED));
  sources.length = 0;
}

test(`${BATCHES} batches of ${PER_BATCH} open sources closed at once: no socket left, no memory kept`, async (t) => {
  const core = await loadCore();
  const figures = [];
  const refs = [];  // a WeakRef to every source made
  for (let batch = 1; batch <= BATCHES; batch++) {
    await serverCounts('fill');
    const seen = { opened: 0, messages: 0 };
    const sources = openBatch(batch, seen, refs);
    await eventually(() => seen.opened === PER_BATCH && seen.messages === PER_BATCH, `batch ${batch}: all open`);
    assert.equal((await serverCounts()).streams, PER_BATCH, 'one stream per source');

    closeAll(sources);
    await eventually(async () => (await serverCounts()).streams === 0, `batch ${batch}: every stream ended`);
    if (!MEASURED.has(batch)) continue;
    await eventually(async () => (await serverCounts('drain')).sockets === 0, `batch ${batch}: every socket closed`);
    // undici's timer wheel turns once a second: until then it holds the aborted requests.
    await new Promise((r) => setTimeout(r, 1100));
    figures.push({ batch, heapUsed: await settledHeapUsed(), wasm: core.HEAPU8.buffer.byteLength });
  }
  const { requests } = await serverCounts();
  assert.equal(requests, BATCHES * PER_BATCH, 'one request per source: none reconnected after close()');
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  assert.equal(alive, 0, `${alive} of ${refs.length} closed sources are still reachable after GC`);
  const [second, last] = figures;
  const detail = JSON.stringify(figures);
  t.diagnostic(`after GC: ${detail}`);
  assert.equal(last.wasm, second.wasm, `Wasm memory after batch 2 and batch ${BATCHES}: ${detail}`);
  assert.ok(last.heapUsed - second.heapUsed <= HEAP_BOUND_BYTES,
    `JS heap grew ${last.heapUsed - second.heapUsed} B from batch 2 to ${BATCHES} (bound ${HEAP_BOUND_BYTES}): ` +
    detail);
});

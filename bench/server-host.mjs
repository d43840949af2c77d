// The driver's handle on the bench server running in a worker thread.
import { Worker } from 'node:worker_threads';

export async function startServerWorker() {
  const worker = new Worker(new URL('./server-worker.mjs', import.meta.url));
  const waiting = new Map();  // op key -> resolve
  let onListening;
  const listening = new Promise((resolve) => { onListening = resolve; });
  worker.on('message', (m) => {
    if (m.op === 'listening') onListening(m.port);
    else if (m.op === 'registered') waiting.get(`r:${m.key}`)?.();
    else if (m.op === 'closed') waiting.get('closed')?.();
  });
  worker.on('error', (error) => { console.error('bench server worker failed:', error); });
  const port = await listening;
  const registered = new Set();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    /** Makes `bytes` available at /stream/<key> and /corpus/<key> (copied into the worker once). */
    async register(key, bytes) {
      if (registered.has(key)) return;
      const done = new Promise((resolve) => waiting.set(`r:${key}`, resolve));
      worker.postMessage({ op: 'register', key, bytes });
      await done;
      registered.add(key);
    },
    async close() {
      const done = new Promise((resolve) => waiting.set('closed', resolve));
      worker.postMessage({ op: 'close' });
      await done;
      await worker.terminate();
    },
  };
}

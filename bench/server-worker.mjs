// Runs bench/server.mjs in a worker thread and takes commands from the driver: register a stream, stop.
import { parentPort } from 'node:worker_threads';
import { register, startServer } from './server.mjs';

const server = await startServer();
parentPort.on('message', async (m) => {
  if (m.op === 'register') {
    register(m.key, m.bytes);
    parentPort.postMessage({ op: 'registered', key: m.key });
  } else if (m.op === 'close') {
    await server.close();
    parentPort.postMessage({ op: 'closed' });
    parentPort.close();
  }
});
parentPort.postMessage({ op: 'listening', port: server.port });

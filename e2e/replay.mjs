// Replays one scripted connection (see e2e/sse-scripts.mjs) on a node:http response, byte-exactly.

import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';

// Pause after every write, so consecutive writes reach the browser as separate reads (the socket has Nagle off).
// 20 ms was not always enough on a loaded 2-core machine: a busy renderer then reads two writes at once.
export const WRITE_GAP_MS = 40;
// A 'hang' connection still ends eventually, in case a client never goes away.
const HANG_LIMIT_MS = 120_000;

const toBuffer = (b) => (Buffer.isBuffer(b) ? b : typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b));

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {object} conn  one connection of a script
 * @param {{cors: object, redirectLocation: (to: string) => string, onEnded: (outcome: string) => void}} how
 */
export function replayConnection(req, res, conn, { cors, redirectLocation, onEnded }) {
  let outcome = null;
  const finish = (o) => {
    if (outcome === null) onEnded((outcome = o));
  };
  // Closed before we ended it: the client went away (close(), abort, CORS failure, ...).
  res.on('close', () => finish(res.writableFinished ? 'ended' : 'client-gone'));

  if (conn.reset) {
    finish('reset');
    req.socket.destroy(); // no status line at all: fetch() rejects, EventSource sees a network error
    return;
  }
  const headers = { Connection: 'close', 'Cache-Control': 'no-store', ...cors, ...conn.headers };
  if (conn.redirect) {
    res.writeHead(conn.redirect.status, { ...headers, Location: redirectLocation(conn.redirect.to) });
    res.end();
    finish('redirect');
    return;
  }
  if (conn.contentType) headers['Content-Type'] = conn.contentType;
  res.writeHead(conn.status, headers);
  if (!conn.steps?.length && conn.end !== 'hang') {
    res.end();
    finish('ended');
    return;
  }
  res.flushHeaders(); // the head goes out now, even if the first write comes later

  (async () => {
    for (const step of conn.steps ?? []) {
      if (outcome !== null) return;
      if ('write' in step) {
        res.write(toBuffer(step.write));
        await sleep(WRITE_GAP_MS);
      } else {
        await sleep(step.delay);
      }
    }
    if (outcome !== null) return;
    if (conn.end === 'destroy') {
      finish('destroyed');
      res.socket.destroy(); // chunked body left incomplete: a network error mid-body
    } else if (conn.end === 'hang') {
      await sleep(HANG_LIMIT_MS);
      if (outcome === null) {
        finish('hang-limit');
        res.socket.destroy();
      }
    } else {
      finish('ended');
      res.end();
    }
  })();
}

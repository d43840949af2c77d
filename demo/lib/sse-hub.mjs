// The SSE side of the demo: one open response per connected client, all fed from the same Feed.
//
// What a connection gets, in order:
//   retry: 2000                     (so reconnect timing is the server's choice, not the browser default)
//   the replay                      (events after Last-Event-ID from the history, or a `gap` notice), then
//   live events as the feed ticks, and `: hb` comments every 15 s so idle proxies and clients see bytes.
// Everything is written synchronously between subscribing and returning, so no event can fall between the
// replay and the live stream.

const LAST_EVENT_ID = /^\d{1,15}$/; // our ids are sequence numbers; anything else cannot be resumed from

/** Formats one SSE event. `data` is JSON, which never contains a raw newline, so one `data:` line suffices. */
export function formatEvent({ id, event, data }) {
  let out = '';
  if (id !== undefined) out += `id: ${id}\n`;
  if (event !== undefined) out += `event: ${event}\n`;
  return out + `data: ${JSON.stringify(data)}\n\n`;
}

/** A connection as /api/stats shows it (everything but the response object). */
const view = ({ res, ...rest }) => rest;

const scoreEvent = (e) => formatEvent({ id: e.seq, event: 'score', data: e });

export class SseHub {
  /**
   * @param {import('./feed.mjs').Feed} feed
   * @param {object} [opts]
   * @param {number} [opts.retryMs]           sent as `retry:` on every connection
   * @param {number} [opts.heartbeatMs]       interval of `: hb` comments
   * @param {number} [opts.maxBufferedBytes]  a client that lets this much pile up unread is dropped (it will
   *                                          reconnect and resume); without it a stalled reader grows memory
   * @param {number} [opts.maxBackfill]       cap on `?backfill=n`
   * @param {number} [opts.recentConnections] how many finished connections /api/stats remembers
   */
  constructor(feed, { retryMs = 2000, heartbeatMs = 15000, maxBufferedBytes = 1 << 20, maxBackfill = 500, recentConnections = 20 } = {}) {
    this.feed = feed;
    this.retryMs = retryMs;
    this.maxBufferedBytes = maxBufferedBytes;
    this.maxBackfill = maxBackfill;
    this.recentLimit = recentConnections;
    this.clients = new Set(); // open connections
    this.recent = []; // newest first, bounded by recentLimit
    this.nextId = 1;
    this.connectionsTotal = 0;
    this.eventsSent = 0;
    this.heartbeat = setInterval(() => this.broadcast(': hb\n\n', false), heartbeatMs);
    this.heartbeat.unref();
    this.unsubscribe = feed.subscribe((e) => this.broadcast(scoreEvent(e), true));
  }

  /**
   * Serves one SSE request.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {URL} url
   * @param {{ resume: boolean }} mode  `resume: false` is /feed-noresume: always live, and says so in a header
   */
  handle(req, res, url, { resume }) {
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header !== '' ? header : null;
    const conn = {
      id: this.nextId++,
      path: url.pathname,
      startedAt: Date.now(),
      endedAt: null,
      lastEventId,
      resume: 'live', // live | replayed | gap | backfill | unsupported
      replayed: 0,
      sent: 0,
      end: null, // how it ended: client | dropped | overflow | server
      res,
    };
    this.connectionsTotal++;

    const headers = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no', // tell reverse proxies (nginx) not to buffer the stream
    };
    if (!resume) headers['X-SSE-Resume-Supported'] = 'false';
    res.writeHead(200, headers);

    let out = `retry: ${this.retryMs}\n\n`;
    let replay = [];
    if (!resume) {
      if (lastEventId !== null) conn.resume = 'unsupported';
    } else if (lastEventId !== null) {
      const after = LAST_EVENT_ID.test(lastEventId) ? this.feed.history.after(Number(lastEventId)) : null;
      if (after) {
        replay = after;
        conn.resume = 'replayed';
      } else {
        // Cannot resume: say so in-band, and move the client's id to "now" so its next reconnect can resume.
        conn.resume = 'gap';
        const { oldestSeq, headSeq } = this.feed.history;
        out += formatEvent({
          id: headSeq,
          event: 'gap',
          data: { requested: lastEventId, oldestAvailable: oldestSeq, resumedAfter: headSeq },
        });
      }
    } else {
      // A first connection may ask for recent history (the dashboard fills its sparklines this way).
      const n = Math.min(this.maxBackfill, Math.max(0, Number.parseInt(url.searchParams.get('backfill') ?? '0', 10) || 0));
      if (n > 0) {
        replay = this.feed.history.latest(n);
        conn.resume = 'backfill';
      }
    }
    for (const e of replay) out += scoreEvent(e);
    conn.replayed = replay.length;
    conn.sent = replay.length;
    this.eventsSent += replay.length;

    this.clients.add(conn);
    res.on('error', () => {}); // a reset socket is an ordinary way for a stream to end; 'close' cleans up
    res.on('close', () => this.#forget(conn, 'client'));
    this.#write(conn, out);
  }

  /** Abruptly destroys every open feed socket (no terminating chunk): clients see a network error. */
  dropAll() {
    const n = this.clients.size;
    for (const conn of [...this.clients]) this.#end(conn, 'dropped', true);
    return n;
  }

  /** Ends every stream gracefully (used on shutdown). */
  endAll() {
    for (const conn of [...this.clients]) this.#end(conn, 'server', false);
  }

  close() {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.endAll();
  }

  stats() {
    return {
      clients: this.clients.size,
      connectionsTotal: this.connectionsTotal,
      eventsSent: this.eventsSent,
      open: [...this.clients].map(view),
      recent: this.recent, // already views
    };
  }

  broadcast(chunk, isEvent) {
    for (const conn of this.clients) {
      if (isEvent) {
        conn.sent++;
        this.eventsSent++;
      }
      this.#write(conn, chunk);
    }
  }

  #write(conn, chunk) {
    conn.res.write(chunk);
    if (conn.res.writableLength > this.maxBufferedBytes) this.#end(conn, 'overflow', true);
  }

  #end(conn, why, abrupt) {
    this.#forget(conn, why);
    if (abrupt) conn.res.socket?.destroy();
    else conn.res.end();
  }

  #forget(conn, why) {
    if (!this.clients.delete(conn)) return; // already forgotten (close fires after #end too)
    conn.end = why;
    conn.endedAt = Date.now();
    this.recent.unshift(view(conn)); // a copy without `res`, so a finished response is not kept alive
    this.recent.length = Math.min(this.recent.length, this.recentLimit);
  }
}

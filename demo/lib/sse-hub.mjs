// The SSE side of the demo: one open response per connected client, all fed from the same Feed.
//
// What a connection gets, in order:
//   retry: 2000                     (so reconnect timing is the server's choice, not the browser default)
//   the replay                      (events after Last-Event-ID from the history, or a `gap` notice), then
//   live events as the feed ticks, and `: hb` comments every 15 s so idle proxies and clients see bytes.
// Everything is written synchronously between subscribing and returning, so no event can fall between the
// replay and the live stream.
//
// Faults (faults.mjs) act through this hub: an armed 503/204 answers a connection attempt instead of a stream
// (`admit`), and stall/drip/huge change how an open stream's bytes go out (stream-writer.mjs). When the request
// is traced, its SERVER span ends once the head and the replay are written, and a child `sse.stream` span lives
// as long as the connection.

import { StreamWriter } from './stream-writer.mjs';

const LAST_EVENT_ID = /^\d{1,15}$/; // our ids are sequence numbers; anything else cannot be resumed from

/** How a connection ended (`conn.end`, as /api/stats shows it) → the `sse.end` attribute of its stream span. */
const SPAN_END = { client: 'client-gone', dropped: 'dropped', overflow: 'dropped', server: 'graceful', stall: 'stall' };

/** Formats one SSE event. `data` is JSON, which never contains a raw newline, so one `data:` line suffices. */
export function formatEvent({ id, event, data }) {
  let out = '';
  if (id !== undefined) out += `id: ${id}\n`;
  if (event !== undefined) out += `event: ${event}\n`;
  return out + `data: ${JSON.stringify(data)}\n\n`;
}

/** A connection as /api/stats shows it: plain data, nothing that would keep a finished response alive. */
const view = (c) => ({
  id: c.id,
  path: c.path,
  startedAt: c.startedAt,
  endedAt: c.endedAt,
  lastEventId: c.lastEventId,
  resume: c.resume,
  replayed: c.replayed,
  sent: c.sent,
  bytes: c.writer?.bytes ?? 0,
  faults: [...c.faults],
  end: c.end,
});

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
   * @param {number} [opts.dripIntervalMs]    the `drip` fault's pace: one byte per interval
   * @param {number} [opts.maxDripBytes]      output allowed to wait for a drip before the client is dropped
   * @param {() => ({ fault: string, status: number, headers: object } | null)} [opts.admit]
   *   asked on every connection attempt; an answer replaces the stream (the armed 503 / 204 faults)
   */
  constructor(feed, { retryMs = 2000, heartbeatMs = 15000, maxBufferedBytes = 1 << 20, maxBackfill = 500, recentConnections = 20, dripIntervalMs = 20, maxDripBytes = 1 << 20, admit = () => null } = {}) {
    this.feed = feed;
    this.retryMs = retryMs;
    this.writerOptions = { maxBufferedBytes, dripIntervalMs, maxDripBytes };
    this.admit = admit;
    this.refused = 0;
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
   * @param {{ resume: boolean, span?: object | null }} mode  `resume: false` is /feed-noresume: always live, and
   *   says so in a header. `span`: the request's SERVER span (server-tracing.mjs), if traced
   */
  handle(req, res, url, { resume, span = null }) {
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header !== '' ? header.slice(0, 256) : null;
    const conn = {
      id: this.nextId++,
      path: url.pathname,
      startedAt: Date.now(),
      endedAt: null,
      lastEventId,
      resume: 'live', // live | replayed | gap | backfill | unsupported | refused
      replayed: 0,
      sent: 0,
      faults: new Set(), // faults that acted on this stream
      end: null, // how it ended: client | dropped | overflow | server | stall, or the refusing fault
      res,
      writer: null,
      stream: null, // the `sse.stream` span
      stallTimer: null,
    };
    this.connectionsTotal++;
    if (lastEventId !== null) span?.setAttributes({ 'sse.last_event_id': lastEventId });

    const refusal = this.admit();
    if (refusal) return this.#refuse(conn, res, refusal, span);

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

    conn.stream = span?.child('sse.stream', { 'sse.resume': conn.resume }) ?? null;
    conn.writer = new StreamWriter(res, { ...this.writerOptions, onOverflow: () => this.#end(conn, 'overflow', true) });
    this.clients.add(conn);
    res.on('error', () => {}); // a reset socket is an ordinary way for a stream to end; 'close' cleans up
    res.on('close', () => this.#forget(conn, 'client'));
    if (res.destroyed) return this.#forget(conn, 'client'); // gone before we got here: 'close' will not come again
    conn.writer.write(out);
    span?.setAttributes({ 'sse.replayed_events': conn.replayed, 'sse.resumed': conn.resume === 'replayed', 'sse.resume': conn.resume });
    span?.end(200);
  }

  /** Abruptly destroys every open feed socket (no terminating chunk): clients see a network error. */
  dropAll() {
    return this.#each('drop', (conn) => this.#end(conn, 'dropped', true));
  }

  /** Ends every stream gracefully: on shutdown, and for the faults that do (`fault` tags the streams). */
  endAll(fault = null) {
    return this.#each(fault, (conn) => this.#end(conn, 'server', false));
  }

  /** Open streams go silent for `ms` (events and heartbeats discarded), then are ended. */
  stallAll(ms, fault) {
    return this.#each(fault, (conn) => {
      conn.writer.stall();
      clearTimeout(conn.stallTimer);
      conn.stallTimer = setTimeout(() => this.#end(conn, 'stall', false), ms);
      conn.stallTimer.unref();
    });
  }

  /** Open streams send one byte per drip interval for `ms`. */
  dripAll(ms, fault) {
    return this.#each(fault, (conn) => conn.writer.drip(ms));
  }

  /** One event to every open stream, allowed past the buffer bound (the `huge` fault). */
  sendAll(event, fault) {
    const chunk = formatEvent(event);
    return this.#each(fault, (conn) => {
      conn.sent++;
      this.eventsSent++;
      conn.writer.write(chunk, { large: true });
    });
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
      refused: this.refused,
      eventsSent: this.eventsSent,
      open: [...this.clients].map(view),
      recent: this.recent, // already views
    };
  }

  broadcast(chunk, isEvent) {
    // A copy: a write can drop a client (overflow), which deletes it from the set being iterated.
    for (const conn of [...this.clients]) {
      if (isEvent && !conn.writer.stalled) {
        conn.sent++;
        this.eventsSent++;
      }
      conn.writer.write(chunk);
    }
  }

  /** Applies `fn` to every open stream, tagging it with the fault (if any); returns how many there were. */
  #each(fault, fn) {
    const conns = [...this.clients];
    for (const conn of conns) {
      if (fault) conn.faults.add(fault);
      fn(conn);
    }
    return conns.length;
  }

  /** An armed fault answers this attempt instead of a stream: 503 with Retry-After, or 204. */
  #refuse(conn, res, { fault, status, headers }, span) {
    this.refused++;
    conn.resume = 'refused';
    conn.faults.add(fault);
    conn.end = fault;
    conn.endedAt = Date.now();
    this.#remember(conn);
    span?.setAttributes({ 'sse.fault': fault, 'sse.replayed_events': 0, 'sse.resumed': false });
    if (status === 204) {
      res.writeHead(204, { 'Cache-Control': 'no-store', ...headers });
      res.end();
    } else {
      const body = `feed unavailable (injected fault ${fault})\n`;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    }
    span?.end(status);
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
    conn.writer.close();
    clearTimeout(conn.stallTimer);
    if (conn.stream) {
      const end = SPAN_END[why] ?? 'graceful';
      conn.stream.setAttributes({
        'sse.events_sent': conn.sent,
        'sse.bytes_sent': conn.writer.bytes,
        'sse.end': end,
        ...(why === 'overflow' && { 'sse.end_detail': 'overflow' }),
        ...(conn.faults.size > 0 && { 'sse.faults': [...conn.faults] }),
      });
      conn.stream.end(end === 'dropped' || end === 'stall' ? `stream ended: ${why}` : undefined);
    }
    this.#remember(conn);
  }

  #remember(conn) {
    this.recent.unshift(view(conn)); // a copy without `res`, so a finished response is not kept alive
    this.recent.length = Math.min(this.recent.length, this.recentLimit);
  }
}

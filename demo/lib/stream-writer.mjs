// How one SSE response's bytes reach the socket: directly, not at all (a stall), or one byte at a time (a drip).
//
// Every mode stays bounded. Direct writes: a client that lets more than `maxBufferedBytes` pile up unread is
// dropped (it reconnects and resumes) instead of growing memory; a deliberately large write (the `huge` fault)
// gets that much extra room until the socket has drained it. Drip: output waits in a queue that may hold at most
// `maxDripBytes`; past it the client is dropped too. Stall: output is discarded, so nothing piles up at all (the
// client reconnects and resumes from its Last-Event-ID anyway).

export class StreamWriter {
  /**
   * @param {import('node:http').ServerResponse} res
   * @param {object} opts
   * @param {() => void} opts.onOverflow       called once when a bound is passed; the owner drops the client
   * @param {number} [opts.maxBufferedBytes]   unread bytes allowed in the socket's buffer
   * @param {number} [opts.dripIntervalMs]     one byte per interval while dripping
   * @param {number} [opts.maxDripBytes]       bytes allowed to wait for the drip
   */
  constructor(res, { onOverflow, maxBufferedBytes = 1 << 20, dripIntervalMs = 20, maxDripBytes = 1 << 20 }) {
    this.res = res;
    this.onOverflow = onOverflow;
    this.maxBufferedBytes = maxBufferedBytes;
    this.dripIntervalMs = dripIntervalMs;
    this.maxDripBytes = maxDripBytes;
    this.bytes = 0; // handed to the socket
    this.discarded = 0; // bytes a stall swallowed
    this.slack = 0; // extra buffer room granted to a large write, until 'drain'
    this.awaitingDrain = false;
    this.stalled = false;
    this.pending = []; // drip queue: Buffers, the first one partly sent
    this.pendingOffset = 0;
    this.pendingBytes = 0;
    this.dripTimer = null;
    this.dripEndTimer = null;
    this.overflowed = false;
  }

  /**
   * Writes one chunk in whatever mode the stream is in.
   * @param {string} chunk
   * @param {{ large?: boolean }} [opts]  large: allow this chunk past maxBufferedBytes (it is written on purpose)
   */
  write(chunk, { large = false } = {}) {
    if (this.overflowed) return;
    const buf = Buffer.from(chunk, 'utf8');
    if (this.stalled) {
      this.discarded += buf.length;
      return;
    }
    if (this.dripTimer) {
      this.pending.push(buf);
      this.pendingBytes += buf.length;
      if (this.pendingBytes > this.maxDripBytes) this.#overflow();
      return;
    }
    if (large) this.#sendLarge(buf);
    else this.#send(buf);
  }

  /** From now on nothing is written; the owner ends the stream when the stall is over. */
  stall() {
    this.stalled = true;
    this.#stopDrip(false);
  }

  /** For `durationMs`, output leaves one byte per dripIntervalMs; afterwards the rest goes at once. */
  drip(durationMs) {
    if (this.stalled || this.overflowed) return;
    clearTimeout(this.dripEndTimer);
    this.dripEndTimer = setTimeout(() => this.#stopDrip(true), durationMs);
    this.dripEndTimer.unref();
    if (this.dripTimer) return;
    this.dripTimer = setInterval(() => this.#dripOne(), this.dripIntervalMs);
    this.dripTimer.unref();
  }

  /** Stops the timers (the stream ended). */
  close() {
    this.#stopDrip(false);
  }

  #send(buf) {
    this.bytes += buf.length;
    this.res.write(buf);
    if (this.res.writableLength > this.maxBufferedBytes + this.slack) this.#overflow();
  }

  /** Writes past the buffer bound on purpose: whatever is buffered now is allowed until the socket drains. */
  #sendLarge(buf) {
    this.bytes += buf.length;
    if (this.res.write(buf)) return;
    this.slack = Math.max(this.slack, this.res.writableLength);
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.res.once('drain', () => {
      this.awaitingDrain = false;
      this.slack = 0;
    });
  }

  #dripOne() {
    if (this.pendingBytes === 0) return;
    const head = this.pending[0];
    this.#send(head.subarray(this.pendingOffset, this.pendingOffset + 1));
    this.pendingBytes--;
    if (++this.pendingOffset === head.length) {
      this.pending.shift();
      this.pendingOffset = 0;
    }
  }

  #stopDrip(flush) {
    clearInterval(this.dripTimer);
    clearTimeout(this.dripEndTimer);
    this.dripTimer = null;
    this.dripEndTimer = null;
    if (flush && this.pendingBytes > 0 && !this.overflowed) {
      const rest = Buffer.concat(this.pending).subarray(this.pendingOffset);
      this.#send(rest);
    }
    this.pending = [];
    this.pendingOffset = 0;
    this.pendingBytes = 0;
  }

  #overflow() {
    if (this.overflowed) return;
    this.overflowed = true;
    this.#stopDrip(false);
    this.onOverflow();
  }
}

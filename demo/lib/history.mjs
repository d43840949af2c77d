// A bounded history of feed events, indexed by sequence number.
//
// Sequence numbers are consecutive (1, 2, 3, …), so the event with seq `s` sits at a fixed slot of a ring of
// `capacity` slots and lookups are O(1): no search, no growth. The ring is what makes `Last-Event-ID` resume
// possible; its capacity bounds how long a client may stay away and still resume without a gap.

export class History {
  /** @param {number} capacity how many of the most recent events to keep */
  constructor(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.slots = new Array(capacity);
    this.headSeq = 0; // seq of the newest event, 0 while empty
  }

  /** Seq of the oldest event still held (headSeq + 1 while empty, so that oldestSeq - 1 === headSeq). */
  get oldestSeq() {
    return Math.max(1, this.headSeq - this.capacity + 1);
  }

  get size() {
    return this.headSeq - this.oldestSeq + 1;
  }

  /** Appends the next event; it must carry seq === headSeq + 1. */
  push(event) {
    if (event.seq !== this.headSeq + 1) throw new Error(`history expects seq ${this.headSeq + 1}, got ${event.seq}`);
    this.slots[event.seq % this.capacity] = event;
    this.headSeq = event.seq;
  }

  /**
   * Everything after `seq`, oldest first — or null when that cannot be answered without a gap: `seq` fell out of
   * the ring (older than oldestSeq - 1) or is ahead of the newest event (a client from another server run).
   */
  after(seq) {
    if (seq < this.oldestSeq - 1 || seq > this.headSeq) return null;
    const out = [];
    for (let s = seq + 1; s <= this.headSeq; s++) out.push(this.slots[s % this.capacity]);
    return out;
  }

  /** The newest `n` events, oldest first. */
  latest(n) {
    return this.after(Math.max(this.oldestSeq - 1, this.headSeq - n));
  }
}

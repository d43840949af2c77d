// Checks that the sequence numbers a page receives run 1, 2, 3, … with nothing skipped and nothing repeated.
// This is the visible proof that Last-Event-ID resume works: a reconnect must neither lose nor replay twice.

export class SequenceTracker {
  constructor() {
    this.reset();
  }

  /** Forget the past: the next seq is accepted as a new start (a new connection the user asked for). */
  reset() {
    this.expected = null; // next seq we expect, null before the first
    this.missing = 0; // seqs skipped over
    this.duplicates = 0; // seqs at or below one already seen
  }

  /** Records one received seq; returns 'ok', 'gap' or 'duplicate'. */
  accept(seq) {
    if (this.expected === null || seq === this.expected) {
      this.expected = seq + 1;
      return 'ok';
    }
    if (seq > this.expected) {
      this.missing += seq - this.expected;
      this.expected = seq + 1;
      return 'gap';
    }
    this.duplicates++;
    return 'duplicate';
  }

  /** The server announced it could not resume and continues after `seq`: a known gap, not a loss we missed. */
  skipTo(seq) {
    this.expected = seq + 1;
  }

  get ok() {
    return this.missing === 0 && this.duplicates === 0;
  }
}

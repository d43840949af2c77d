// The simulated live feed: a sentiment score per topic, each a random walk in [-1, 1] that moves every
// 300–500 ms (about 15 events a second for 6 topics).
//
// One generator serves every client (a broadcast, as a real live feed would be): sequence numbers are global, so
// a client that reconnects with `Last-Event-ID: n` can be given exactly the events after n from the history.
//
// Determinism: each topic's next update is scheduled on a *virtual* clock (its due time, drawn from a seeded
// PRNG), and a single timer releases whatever is due in due-time order. Timer jitter therefore changes only
// when events leave, never which events exist or their order: with the same SEED, event n always has the same
// topic and score. Only the `ts` field follows the wall clock (it is the event's due time on that clock).
//
// Warm-up: start() first plays `warmupMs` of the past at once, so a dashboard opened a second after the server
// started already has a history to backfill from, as it would with a feed that has been running for a while.

import { History } from './history.mjs';
import { mulberry32 } from './mulberry32.mjs';

export const TOPICS = ['payments', 'search', 'checkout', 'auth', 'inventory', 'shipping'];

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const MAX_CATCH_UP_MS = 5000;
const round3 = (x) => Math.round(x * 1000) / 1000;

export class Feed {
  /**
   * @param {object} [opts]
   * @param {number} [opts.seed]            PRNG seed (same seed → same sequence of topics and scores)
   * @param {number} [opts.historySize]     events kept for resume
   * @param {number} [opts.minIntervalMs]   each topic's gap between updates is drawn uniformly from [min, max]
   * @param {number} [opts.maxIntervalMs]
   * @param {number} [opts.warmupMs]        history generated at start(), as if the feed had run that long
   * @param {string[]} [opts.topics]
   * @param {() => number} [opts.now]       wall clock, for `ts` and for releasing due updates
   */
  constructor({ seed = 42, historySize = 1000, minIntervalMs = 300, maxIntervalMs = 500, warmupMs = 0, topics = TOPICS, now = Date.now } = {}) {
    this.random = mulberry32(seed);
    this.history = new History(historySize);
    this.minIntervalMs = minIntervalMs;
    this.maxIntervalMs = maxIntervalMs;
    this.warmupMs = warmupMs;
    this.now = now;
    this.listeners = new Set();
    this.timer = null;
    // Per topic: current score (spread out, so the cards do not all start at 0) and virtual due time (ms after
    // start, staggered so topics do not move in lockstep).
    this.topics = topics.map((name) => ({ name, score: round3(this.random() * 1.4 - 0.7), due: this.#interval() }));
    this.virtualStart = null; // wall-clock time of virtual time 0, set by start()
  }

  get headSeq() {
    return this.history.headSeq;
  }

  /** Calls `fn(event)` for every new event; returns the unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Emits the next due update, whatever the clock says (the timer calls this; tests may too). */
  step() {
    // The earliest due topic; ties go to the first in list order, so the choice never depends on timing.
    const t = this.topics.reduce((a, b) => (b.due < a.due ? b : a));
    // A step of at most ±0.2, pulled a little towards 0, so the walk wanders across the range without sticking
    // to ±1 for long.
    t.score = round3(clamp(t.score * 0.98 + (this.random() - 0.5) * 0.4, -1, 1));
    const ts = this.virtualStart === null ? this.now() : Math.round(this.virtualStart + t.due);
    t.due += this.#interval();
    const event = { seq: this.history.headSeq + 1, topic: t.name, score: t.score, ts };
    this.history.push(event);
    for (const fn of this.listeners) fn(event);
    return event;
  }

  start() {
    if (this.timer) return;
    if (this.virtualStart === null) {
      this.virtualStart = this.now() - this.warmupMs;
      const nowVirtual = this.warmupMs;
      while (this.#nextDue() <= nowVirtual) this.step();
    }
    const run = () => {
      // Release everything that is due (after a stalled event loop that may be several), then sleep until the next.
      let elapsed = this.now() - this.virtualStart;
      // After a long stall (a suspended laptop), skip the missed time rather than emit a burst of stale events.
      const behind = elapsed - this.#nextDue();
      if (behind > MAX_CATCH_UP_MS) {
        this.virtualStart += behind;
        elapsed -= behind;
      }
      while (this.#nextDue() <= elapsed) this.step();
      this.timer = setTimeout(run, Math.max(1, this.#nextDue() - elapsed));
    };
    run();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  #nextDue() {
    return Math.min(...this.topics.map((t) => t.due));
  }

  #interval() {
    return this.minIntervalMs + this.random() * (this.maxIntervalMs - this.minIntervalMs);
  }
}

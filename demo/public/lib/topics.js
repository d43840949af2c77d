// One card per topic: latest score (coloured by sign), change since the previous update, sparkline, freshness.

import { Sparkline } from './sparkline.js';

const fmtScore = (v) => (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v).toFixed(2);
const sign = (v) => (v > 0 ? 'pos' : v < 0 ? 'neg' : 'zero');

export class TopicBoard {
  /**
   * @param {HTMLElement} container
   * @param {{ capacity?: number }} [opts] points kept per topic (the sparkline width)
   */
  constructor(container, { capacity = 60 } = {}) {
    this.container = container;
    this.capacity = capacity;
    this.topics = new Map(); // name → { values, updatedAt, count, els }
  }

  get isEmpty() {
    return this.topics.size === 0;
  }

  /** @param {{ topic: string, score: number, ts: number, seq: number }} event */
  update({ topic, score, ts }) {
    const t = this.topics.get(topic) ?? this.#create(topic);
    const prev = t.values.at(-1);
    t.values.push(score);
    if (t.values.length > this.capacity) t.values.splice(0, t.values.length - this.capacity);
    t.count++;
    t.updatedAt = ts;

    const { card, value, delta, count, spark } = t.els;
    card.dataset.sign = sign(score);
    card.dataset.updates = String(t.count);
    value.textContent = fmtScore(score);
    if (prev === undefined) {
      delta.textContent = '';
    } else {
      const d = score - prev;
      delta.dataset.dir = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
      delta.textContent = `${d > 0 ? '▲' : d < 0 ? '▼' : '•'} ${Math.abs(d).toFixed(2)}`;
    }
    count.textContent = `${t.count} update${t.count === 1 ? '' : 's'}`;
    spark.draw(t.values);
  }

  /** Refreshes the "n s ago" labels. */
  tick(now) {
    for (const t of this.topics.values()) {
      const s = Math.max(0, (now - t.updatedAt) / 1000);
      t.els.age.textContent = s < 60 ? `${s.toFixed(1)} s ago` : `${Math.floor(s / 60)} min ago`;
      t.els.card.dataset.stale = String(s > 10);
    }
  }

  #create(topic) {
    const card = document.createElement('article');
    card.className = 'topic';
    card.dataset.topic = topic;
    card.innerHTML = `
      <div class="topic-head"><h3></h3><span class="delta"></span></div>
      <div class="topic-value"></div>
      <div class="topic-spark"></div>
      <div class="topic-foot"><span class="count"></span><span class="age"></span></div>`;
    card.querySelector('h3').textContent = topic;
    const spark = new Sparkline(this.capacity);
    card.querySelector('.topic-spark').append(spark.element);
    const els = {
      card,
      spark,
      value: card.querySelector('.topic-value'),
      delta: card.querySelector('.delta'),
      count: card.querySelector('.count'),
      age: card.querySelector('.age'),
    };
    const t = { values: [], updatedAt: 0, count: 0, els };
    this.topics.set(topic, t);
    // Keep cards in name order, whatever order the topics first arrive in, so the layout never reshuffles.
    const after = [...this.container.children].find((c) => c.dataset.topic > topic);
    this.container.insertBefore(card, after ?? null);
    return t;
  }
}

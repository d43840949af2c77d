// The row of counters: what the feed delivered, how connections ended (source.stats()), what the exporter
// did with the page's spans (exporter.stats()), sequence continuity and uptime.

import { CLOSE_LABELS, CLOSE_TYPES } from './close-types.js';
import { bytes, count, h } from './format.js';

export class Counters {
  /** @param {(id: string) => HTMLElement} byId */
  constructor(byId) {
    this.el = Object.fromEntries(
      ['events-received', 'events-rate', 'bytes-received', 'huge-events', 'reconnects', 'closes', 'attempts',
        'spans-exported', 'spans-queued', 'spans-dropped', 'spans-inflight', 'continuity', 'last-event-id', 'uptime',
        'uptime-sub'].map((id) => [id, byId(id)]),
    );
    this.closesKey = '';
  }

  /**
   * @param {{ received: number, ratePerS: number, bytes: number, huge: { count: number, bytes: number },
   *   reconnects: number, attempts: number, closes: Record<string, number>,
   *   spans: import('/js-glue/index.js').ExporterStats | null,
   *   sequence: { ok: boolean, missing: number, duplicates: number }, lastEventId: string,
   *   uptime: string, uptimeSub: string }} m
   */
  render(m) {
    const set = (id, text) => {
      if (this.el[id].textContent !== text) this.el[id].textContent = text;
    };
    set('events-received', count(m.received));
    set('events-rate', `${m.ratePerS.toFixed(1)} / s now`);
    set('bytes-received', bytes(m.bytes));
    set('huge-events', m.huge.count ? `incl. ${m.huge.count} huge (${bytes(m.huge.bytes)})` : 'event data, UTF-8');
    this.el['huge-events'].dataset.count = String(m.huge.count);
    set('reconnects', count(m.reconnects));
    set('attempts', `${m.attempts} attempt${m.attempts === 1 ? '' : 's'}`);
    this.#renderCloses(m.closes);

    const s = m.spans;
    set('spans-exported', s ? count(s.exported) : '—');
    set('spans-queued', s ? count(s.queued) : '—');
    set('spans-inflight', s ? count(s.spansInFlight) : '—');
    const dropped = s ? Object.values(s.dropped).reduce((a, b) => a + b, 0) : 0;
    set('spans-dropped', s ? count(dropped) : '—');
    this.el['spans-dropped'].dataset.zero = String(dropped === 0);
    if (s) this.el['spans-dropped'].title = Object.entries(s.dropped).map(([k, v]) => `${k}: ${v}`).join(', ');

    const q = m.sequence;
    this.el.continuity.dataset.ok = String(q.ok);
    set('continuity', q.ok ? 'no gaps' : [q.missing && `${q.missing} missing`, q.duplicates && `${q.duplicates} dup`].filter(Boolean).join(' · '));
    set('last-event-id', m.lastEventId || '—');
    set('uptime', m.uptime);
    set('uptime-sub', m.uptimeSub);
  }

  /** One chip per close type seen, in a fixed order; rebuilt only when a count changes. */
  #renderCloses(closes) {
    const seen = CLOSE_TYPES.filter((t) => closes[t] > 0);
    const key = seen.map((t) => `${t}:${closes[t]}`).join(',');
    if (key === this.closesKey) return;
    this.closesKey = key;
    const chips = seen.map((t) => {
      const li = h('li', 'close-chip');
      li.dataset.closeType = t;
      li.title = `${closes[t]} attempt${closes[t] === 1 ? '' : 's'} ended: ${CLOSE_LABELS[t] ?? t}`;
      li.append(h('span', 'n', String(closes[t])), h('span', 't', t));
      return li;
    });
    this.el.closes.replaceChildren(...(chips.length ? chips : [h('li', 'none', 'no connection ended yet')]));
  }
}

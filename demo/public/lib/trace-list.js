// The traces the server stored, newest first (polled from GET /api/traces): when, what the root span was,
// which services took part, how many spans and errors, how long, and whether some span lost its parent.
// A filter keeps the page's own polling out of sight by default: SSE connections only. The store matches
// `name` against every span name of a trace, case-insensitively, as a substring.

import { clock, duration, h, shortId } from './format.js';
import { ServicePalette } from './service-palette.js';

export const FILTERS = {
  streams: { label: 'SSE connections', query: { name: 'sse connect' } },
  faults: { label: 'Fault injections', query: { name: '/api/faults/' } },
  all: { label: 'All', query: {} },
};

export class TraceList {
  /**
   * @param {HTMLElement} list     the <ol> of rows
   * @param {HTMLElement} filters  where the filter buttons go
   * @param {HTMLElement} meta     "n of total" line
   * @param {{ palette: ServicePalette, onSelect: (traceId: string) => void, onFilter: () => void,
   *           annotate?: (traceId: string) => { text: string, closeType?: string } | undefined }} opts
   *   annotate: what the page itself knows about a trace (its own attempts: number and how each ended)
   */
  constructor(list, filters, meta, { palette, onSelect, onFilter, annotate = () => undefined }) {
    Object.assign(this, { list, meta, palette, onSelect, annotate });
    this.filter = 'streams';
    this.traces = [];
    this.selectedId = '';
    this.currentId = '';
    this.filterButtons = Object.entries(FILTERS).map(([key, f]) => {
      const b = h('button', 'seg-button', f.label);
      b.type = 'button';
      b.dataset.filter = key;
      b.setAttribute('aria-pressed', String(key === this.filter));
      b.addEventListener('click', () => {
        this.filter = key;
        for (const x of this.filterButtons) x.setAttribute('aria-pressed', String(x.dataset.filter === key));
        onFilter();
      });
      return b;
    });
    filters.append(...this.filterButtons);
    this.list.append(h('li', 'trace-empty', 'Loading traces…'));
  }

  /** The query string for the current filter. */
  query(limit) {
    return new URLSearchParams({ ...FILTERS[this.filter].query, limit: String(limit) }).toString();
  }

  /** @param {{ traces: object[], total?: number }} page */
  update(page) {
    this.traces = page.traces;
    const total = page.total ?? this.traces.length;
    this.meta.textContent = `${this.traces.length} shown · ${total.toLocaleString('en-US')} stored`;
    this.render();
  }

  unavailable(text) {
    this.meta.textContent = '';
    this.list.replaceChildren(h('li', 'trace-empty', text));
  }

  /** Marks the selected trace and the current connection's trace. */
  mark({ selectedId = this.selectedId, currentId = this.currentId } = {}) {
    this.selectedId = selectedId;
    this.currentId = currentId;
    for (const li of this.list.querySelectorAll('.trace-row')) {
      li.setAttribute('aria-selected', String(li.dataset.traceId === selectedId));
      li.dataset.current = String(li.dataset.traceId === currentId);
    }
  }

  render() {
    if (!this.traces.length) {
      this.list.replaceChildren(h('li', 'trace-empty', 'No traces stored yet — spans are exported every second.'));
      return;
    }
    this.list.replaceChildren(...this.traces.map((t) => this.#row(t)));
    this.mark();
  }

  #row(t) {
    const li = h('li', 'trace-row');
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    Object.assign(li.dataset, {
      traceId: t.traceId,
      rootName: t.rootName ?? '',
      spanCount: String(t.spanCount),
      orphans: String(Boolean(t.hasOrphans)),
      errors: String(t.errorCount ?? 0),
    });
    const start = Number(BigInt(t.startUnixNano ?? '0') / 1_000_000n);
    const main = h('div', 'tr-main');
    main.append(h('span', 'tr-name', t.rootName || '(no root span)'), h('code', 'tr-id', shortId(t.traceId, 6, 4)));
    if (t.hasOrphans) main.append(h('span', 'wf-orphan', 'orphans'));
    if (t.errorCount) main.append(h('span', 'wf-error', `${t.errorCount} error${t.errorCount === 1 ? '' : 's'}`));
    main.append(h('span', 'tr-current', 'current'));
    const services = h('span', 'tr-services');
    for (const s of t.services ?? []) {
      const dot = h('span', 'svc-dot');
      dot.dataset.svc = this.palette.slot(s);
      dot.title = s;
      services.append(dot);
    }
    const sub = h('div', 'tr-sub');
    sub.append(h('time', 'tr-time', clock(start, { ms: false })));
    // What the page itself knows: which of its attempts this was and how it ended.
    const note = this.annotate(t.traceId);
    if (note) {
      const chip = h('span', 'tr-note', note.text);
      if (note.closeType) chip.dataset.closeType = note.closeType;
      sub.append(chip);
    }
    sub.append(services, h('span', 'tr-spans', `${t.spanCount} span${t.spanCount === 1 ? '' : 's'}`));
    li.append(main, h('span', 'tr-dur', duration(t.durationMs)), sub);
    li.title = `${t.traceId}\n${(t.services ?? []).map(ServicePalette.short).join(', ')}`;
    li.addEventListener('click', () => this.onSelect(t.traceId));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.onSelect(t.traceId);
      }
    });
    return li;
  }
}

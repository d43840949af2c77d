// The waterfall of one trace: a row per span, indented under its parent, with a bar on the trace's time axis
// coloured by service. Orphans (their parent is not in the trace) sit at the top level, hatched and badged.
// Clicking a row selects the span; its details are drawn by SpanDetails.

import { duration, h, shortId } from './format.js';
import { ServicePalette } from './service-palette.js';
import { layoutTrace, ticks } from './span-tree.js';

export class Waterfall {
  /**
   * @param {HTMLElement} root   holds the axis and the rows
   * @param {HTMLElement} head   title line: trace id, span count, services
   * @param {{ palette: ServicePalette, onSelectSpan: (span: object, layout: object) => void }} opts
   */
  constructor(root, head, { palette, onSelectSpan }) {
    Object.assign(this, { root, head, palette, onSelectSpan });
    this.traceId = '';
    this.selectedSpanId = '';
    this.signature = '';
    this.empty('Select a trace from the list, or open the current connection’s trace.');
  }

  /** A placeholder in place of the rows. */
  empty(text) {
    this.traceId = '';
    this.signature = '';
    this.root.dataset.traceId = '';
    this.root.dataset.state = 'empty';
    this.root.replaceChildren(h('p', 'wf-empty', text));
    this.head.replaceChildren(h('span', 'wf-title muted', 'No trace selected'));
  }

  /** Shows `traceId` while its spans are being fetched (or have not been exported yet). */
  pending(traceId, text) {
    if (this.traceId === traceId && this.root.dataset.state === 'ready') return; // keep what is on screen
    this.traceId = traceId;
    this.signature = '';
    this.root.dataset.traceId = traceId;
    this.root.dataset.state = 'pending';
    this.root.replaceChildren(h('p', 'wf-empty', text));
    this.#head(traceId, []);
  }

  /** @param {{ traceId: string, spans: object[] }} trace */
  show(trace) {
    // Redraw only when the trace changed (the view is refreshed while spans keep arriving).
    const signature = `${trace.traceId}|${trace.spans.map((s) => `${s.spanId}:${s.endUnixNano}:${s.orphan ? 1 : 0}`).sort().join(',')}`;
    if (signature === this.signature) return;
    if (trace.traceId !== this.traceId) this.selectedSpanId = '';
    this.signature = signature;
    this.traceId = trace.traceId;
    this.root.dataset.traceId = trace.traceId;
    this.root.dataset.state = 'ready';
    const layout = layoutTrace(trace.spans);
    this.layout = layout;
    this.#head(trace.traceId, trace.spans, layout);

    const total = layout.totalMs || 1;
    const pct = (ms) => `${(ms / total) * 100}%`;
    const axis = h('div', 'wf-axis');
    axis.append(h('div', 'wf-axis-label', 'span'));
    const scale = h('div', 'wf-scale');
    for (const t of ticks(layout.totalMs)) {
      const tick = h('span', 'wf-tick', t === 0 ? '0' : duration(t).replace(/\.00 s$/, ' s'));
      tick.style.left = pct(t);
      scale.append(tick);
    }
    axis.append(scale);

    const list = h('ol', 'wf-rows');
    list.setAttribute('data-testid', 'waterfall-rows');
    for (const row of layout.rows) list.append(this.#row(row, pct));
    this.root.replaceChildren(axis, list);
    const selected = layout.rows.find((r) => r.span.spanId === this.selectedSpanId) ?? layout.rows[0];
    if (selected) this.select(selected.span.spanId);
  }

  select(spanId) {
    this.selectedSpanId = spanId;
    for (const li of this.root.querySelectorAll('.span-row')) li.setAttribute('aria-selected', String(li.dataset.spanId === spanId));
    const row = this.layout?.rows.find((r) => r.span.spanId === spanId);
    if (row) this.onSelectSpan(row, this.layout);
  }

  #row(row, pct) {
    const { span } = row;
    const li = h('li', 'span-row');
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    Object.assign(li.dataset, {
      spanId: span.spanId,
      parentId: span.parentSpanId || '',
      traceId: span.traceId,
      name: span.name,
      kind: span.kind ?? '',
      service: span.service ?? '',
      svc: this.palette.slot(span.service ?? ''),
      orphan: String(row.orphan),
      status: span.status?.code ?? 'unset',
      depth: String(row.depth),
    });
    const label = h('div', 'wf-label');
    label.style.setProperty('--depth', String(row.depth));
    label.append(h('span', 'svc-dot'), h('span', 'wf-name', span.name));
    if (span.kind && span.kind !== 'internal') label.append(h('span', 'wf-kind', span.kind));
    if (row.orphan) {
      const badge = h('span', 'wf-orphan', 'orphan');
      badge.title = `parent ${span.parentSpanId} is not in this trace`;
      label.append(badge);
    }
    if (span.status?.code === 'error') label.append(h('span', 'wf-error', 'error'));
    const lane = h('div', 'wf-lane');
    const bar = h('div', 'wf-bar');
    bar.style.left = pct(row.offsetMs);
    bar.style.width = pct(row.durationMs);
    const dur = h('span', 'wf-dur', duration(row.durationMs));
    // Labels of bars ending in the right third go to the bar's left, so they stay inside the lane.
    const end = (row.offsetMs + row.durationMs) / (this.layout.totalMs || 1);
    dur.dataset.side = end > 0.7 ? 'left' : 'right';
    bar.append(dur);
    lane.append(bar);
    // Span events as ticks on the lane, at their own time.
    for (const e of span.events ?? []) {
      let at;
      try {
        at = Number(BigInt(e.timeUnixNano) - this.layout.startNs) / 1e6;
      } catch {
        continue;
      }
      const tick = h('span', 'wf-event');
      tick.style.left = pct(at);
      tick.title = `${e.name} at +${duration(at)}`;
      lane.append(tick);
    }
    li.title = `${span.name} · ${span.service} · ${duration(row.durationMs)} · span ${shortId(span.spanId)}`;
    li.append(label, lane);
    li.addEventListener('click', () => this.select(span.spanId));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.select(span.spanId);
      }
    });
    return li;
  }

  #head(traceId, spans, layout) {
    const services = [...new Set(spans.map((s) => s.service))];
    const title = h('span', 'wf-title');
    title.append(h('span', 'muted', 'trace '), h('code', 'wf-trace-id', traceId));
    const parts = [title];
    if (layout) {
      parts.push(h('span', 'wf-meta', `${spans.length} span${spans.length === 1 ? '' : 's'} · ${duration(layout.totalMs)}`));
      if (layout.orphans) parts.push(h('span', 'wf-orphan', `${layout.orphans} orphan${layout.orphans === 1 ? '' : 's'}`));
    }
    const legend = h('span', 'svc-legend');
    for (const s of services) {
      const item = h('span', 'svc');
      item.dataset.svc = this.palette.slot(s);
      item.append(h('span', 'svc-dot'), document.createTextNode(ServicePalette.short(s)));
      legend.append(item);
    }
    parts.push(legend);
    this.head.replaceChildren(...parts);
  }
}

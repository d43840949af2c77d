// The selected span: name, service, timing, ids, status, then every attribute, event and link. A link to
// another trace (the previous connection attempt) opens that trace.

import { duration, h } from './format.js';

export class SpanDetails {
  /**
   * @param {HTMLElement} root
   * @param {{ palette: import('./service-palette.js').ServicePalette, onOpenTrace: (traceId: string) => void }} opts
   */
  constructor(root, { palette, onOpenTrace }) {
    this.root = root;
    this.palette = palette;
    this.onOpenTrace = onOpenTrace;
    this.clear();
  }

  clear() {
    this.root.dataset.spanId = '';
    this.root.replaceChildren(h('p', 'details-empty', 'Click a span to see its attributes.'));
  }

  /** @param {{ span: object, offsetMs: number, durationMs: number, orphan: boolean }} row */
  show({ span, offsetMs, durationMs, orphan }) {
    this.root.dataset.spanId = span.spanId;
    const title = h('div', 'details-title');
    title.dataset.svc = this.palette.slot(span.service ?? '');
    const status = span.status?.code ?? 'unset';
    const statusChip = h('span', 'details-status', status + (span.status?.message ? ` — ${span.status.message}` : ''));
    statusChip.dataset.status = status;
    title.append(h('span', 'svc-dot'), h('h3', '', span.name), h('span', 'details-service', span.service), statusChip);

    const facts = h('dl', 'facts');
    const fact = (k, v, cls) => facts.append(h('dt', '', k), h('dd', cls ?? '', v));
    fact('kind', span.kind);
    fact('start', `+${duration(offsetMs)}`);
    fact('duration', duration(durationMs));
    fact('span id', span.spanId, 'mono');
    fact('parent', span.parentSpanId || '— root', 'mono');
    if (orphan) fact('orphan', 'its parent is not in this trace', 'warn');
    const parts = [title, facts];

    const attrs = Object.entries(span.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
    parts.push(h('h4', '', `Attributes · ${attrs.length}`));
    parts.push(attrs.length ? pairs(attrs.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) : h('p', 'muted', 'none'));

    if (span.events?.length) {
      parts.push(h('h4', '', `Events · ${span.events.length}`));
      parts.push(pairs(span.events.map((e) => [e.name || 'event', JSON.stringify(e.attributes ?? {})])));
    }
    if (span.links?.length) {
      parts.push(h('h4', '', `Links · ${span.links.length}`));
      const ul = h('ul', 'links');
      for (const link of span.links) {
        const b = h('button', 'link-trace secondary', `→ trace ${link.traceId} · span ${link.spanId}`);
        b.type = 'button';
        b.title = 'Open the linked trace (the previous attempt)';
        b.addEventListener('click', () => this.onOpenTrace(link.traceId));
        const li = h('li');
        li.append(b);
        ul.append(li);
      }
      parts.push(ul);
    }
    this.root.replaceChildren(...parts);
  }
}

/** Key/value pairs in columns that flow with the width. */
function pairs(rows) {
  const box = h('div', 'pairs');
  for (const [k, v] of rows) {
    const item = h('div', 'pair');
    item.append(h('span', 'k', k), h('span', 'v', v ?? '—'));
    box.append(item);
  }
  return box;
}

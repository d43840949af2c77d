// Every `diagnostics` record (plus the page's own notes: server `gap` notices, huge events, injected faults),
// newest first, bounded. Each entry carries its fields as data-* attributes for tests and styling.

import { clock, h } from './format.js';

export class DiagnosticsLog {
  /** @param {HTMLOListElement} list  @param {{ limit?: number }} [opts] */
  constructor(list, { limit = 150 } = {}) {
    this.list = list;
    this.limit = limit;
  }

  /**
   * @param {{ at: number, kind: string, attempt?: number, closeType?: string, status?: number,
   *           delayMs?: number, reason?: string, message: string }} entry
   */
  add({ at, kind, attempt, closeType, status, delayMs, reason, message }) {
    const li = h('li', 'entry');
    li.dataset.kind = kind;
    if (closeType) li.dataset.closeType = closeType;
    if (status !== undefined) li.dataset.status = String(status);
    if (delayMs !== undefined) li.dataset.delayMs = String(Math.round(delayMs));
    if (reason) li.dataset.reason = reason;
    const chips = [
      ['time', clock(at)],
      ['kind', kind],
      attempt !== undefined && attempt > 0 && ['attempt', `#${attempt}`],
      closeType && ['close-type', closeType],
      status !== undefined && ['status', `HTTP ${status}`],
      delayMs !== undefined && ['delay', `wait ${(delayMs / 1000).toFixed(2)} s`],
      reason && kind === 'reconnect' && ['reason', reason],
    ].filter(Boolean);
    for (const [cls, text] of chips) li.append(h(cls === 'time' ? 'time' : 'span', cls, text));
    li.append(h('p', 'message', message));
    this.list.prepend(li);
    while (this.list.children.length > this.limit) this.list.lastElementChild.remove();
  }
}

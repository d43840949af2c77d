// Connection state over time: a strip of coloured segments (the last few minutes) and a log of every
// `diagnostics` record, newest first.

const NS = 'http://www.w3.org/2000/svg';
const STATES = ['CONNECTING', 'OPEN', 'CLOSED'];

/**
 * A horizontal strip: one segment per state, positioned by time, with a tick per diagnostic. The span grows
 * with the session through a few fixed zoom levels (30 s … 10 min), so a fresh page is not a thin sliver at the
 * right edge and an old one still fits.
 */
export class StateStrip {
  /** @param {HTMLElement} container  @param {{ spansMs?: number[] }} [opts] zoom levels, smallest first */
  constructor(container, { spansMs = [30_000, 60_000, 120_000, 300_000, 600_000] } = {}) {
    this.spansMs = spansMs;
    this.changes = []; // { state, at } in time order
    this.marks = []; // { kind, at }
    this.firstAt = null;
    this.svg = document.createElementNS(NS, 'svg');
    this.svg.setAttribute('viewBox', '0 0 1000 28');
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.classList.add('strip-svg');
    this.axis = document.createElement('div');
    this.axis.className = 'strip-axis';
    container.append(this.svg, this.axis);
  }

  /** Records the state at `at` (repeated states are ignored). */
  note(state, at) {
    this.firstAt ??= at;
    if (this.changes.at(-1)?.state === state) return;
    this.changes.push({ state, at });
  }

  mark(kind, at) {
    this.marks.push({ kind, at });
  }

  draw(now) {
    const age = now - (this.firstAt ?? now);
    const span = this.spansMs.find((s) => s >= age) ?? this.spansMs.at(-1);
    const start = now - span;
    // Keep the last change before the window (it colours the left edge) and nothing older: bounded memory.
    while (this.changes.length > 1 && this.changes[1].at <= start) this.changes.shift();
    while (this.marks.length && this.marks[0].at < start) this.marks.shift();

    const x = (t) => (Math.max(0, t - start) / span) * 1000;
    const parts = [];
    this.changes.forEach((c, i) => {
      const x1 = x(c.at);
      const x2 = x(this.changes[i + 1]?.at ?? now);
      if (x2 > x1) parts.push(`<rect class="seg ${STATES[c.state].toLowerCase()}" x="${x1.toFixed(1)}" y="4" width="${(x2 - x1).toFixed(1)}" height="20"/>`);
    });
    for (const m of this.marks) {
      parts.push(`<rect class="mark ${m.kind}" x="${(x(m.at) - 1.5).toFixed(1)}" y="0" width="3" height="28"/>`);
    }
    this.svg.innerHTML = parts.join('');
    if (this.span !== span) {
      this.span = span;
      const label = (ms) => (ms >= 60_000 ? `−${ms / 60_000} min` : `−${ms / 1000} s`);
      this.axis.innerHTML = `<span>${label(span)}</span><span>${label(span / 2)}</span><span>now</span>`;
    }
  }
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const clock = (t) => {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
};

/** The list of diagnostics records (plus server notices such as `gap`), newest first, bounded. */
export class DiagnosticsLog {
  /** @param {HTMLOListElement} list  @param {{ limit?: number }} [opts] */
  constructor(list, { limit = 100 } = {}) {
    this.list = list;
    this.limit = limit;
  }

  /**
   * @param {{ at: number, kind: string, attempt?: number, closeType?: string, status?: number,
   *           delayMs?: number, message: string }} entry
   */
  add({ at, kind, attempt, closeType, status, delayMs, message }) {
    const li = document.createElement('li');
    li.className = 'entry';
    li.dataset.kind = kind;
    if (closeType) li.dataset.closeType = closeType;
    const chips = [
      ['time', clock(at)],
      ['kind', kind],
      attempt !== undefined && ['attempt', `attempt ${attempt}`],
      closeType && ['close-type', closeType],
      status !== undefined && ['status', `HTTP ${status}`],
      delayMs !== undefined && ['delay', `wait ${(delayMs / 1000).toFixed(2)} s`],
    ].filter(Boolean);
    for (const [cls, text] of chips) {
      const span = document.createElement(cls === 'time' ? 'time' : 'span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    const p = document.createElement('p');
    p.className = 'message';
    p.textContent = message;
    li.append(p);
    this.list.prepend(li);
    while (this.list.children.length > this.limit) this.list.lastElementChild.remove();
  }
}

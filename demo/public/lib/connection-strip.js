// Connection state over time, from the `diagnostics` callback: a strip with one segment per phase — connecting,
// open, waiting to reconnect (coloured by how the attempt ended, labelled with the wait), paused, closed — plus
// flags where the page injected a fault or the server sent a notice, and the latest connection ends as chips.
//
// HTML boxes placed in percent rather than SVG: labels stay crisp and unstretched at any width.

import { CLOSE_LABELS, closeLabel } from './close-types.js';
import { clock, h } from './format.js';

/** Phase each diagnostic kind starts; kinds not listed only leave a flag. */
const PHASE_OF = { connect: 'connecting', resumed: 'connecting', open: 'open', reconnect: 'waiting', paused: 'paused', closed: 'closed' };

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export class ConnectionStrip {
  /**
   * @param {HTMLElement} track  the strip itself
   * @param {HTMLElement} axis   time labels under it
   * @param {HTMLElement} ends   the list of recent connection ends
   * @param {{ spansMs?: number[], endsShown?: number }} [opts] zoom levels, smallest first
   */
  constructor(track, axis, ends, { spansMs = [30_000, 60_000, 120_000, 300_000, 600_000], endsShown = 6 } = {}) {
    Object.assign(this, { track, axis, ends, spansMs, endsShown });
    this.phases = []; // { phase, at, closeType?, status?, delayMs? } in time order
    this.flags = []; // { kind, at, label }
    this.endings = []; // { at, closeType, status?, delayMs?, final } newest last
    this.firstAt = null;
  }

  /** Records one diagnostic (or a page-level notice such as `gap`, `huge`, `fault`). */
  record(kind, at, { closeType, status, delayMs, label } = {}) {
    this.firstAt ??= at;
    const phase = PHASE_OF[kind];
    if (phase) this.phases.push({ phase, at, closeType, status, delayMs });
    else this.flags.push({ kind, at, label: label ?? kind });
    if ((kind === 'reconnect' || kind === 'closed') && closeType) {
      this.endings.push({ at, closeType, status, delayMs, final: kind === 'closed' });
      if (this.endings.length > this.endsShown) this.endings.shift();
      this.#drawEnds();
    }
  }

  draw(now) {
    this.firstAt ??= now;
    const age = now - this.firstAt;
    const span = this.spansMs.find((s) => s >= age) ?? this.spansMs.at(-1);
    const start = now - span;
    // Keep the last phase before the window (it colours the left edge) and nothing older: bounded memory.
    while (this.phases.length > 1 && this.phases[1].at <= start) this.phases.shift();
    while (this.flags.length && this.flags[0].at < start) this.flags.shift();

    const width = this.track.clientWidth || 1000;
    const pct = (t) => (Math.max(0, t - start) / span) * 100;
    const nodes = [];
    this.phases.forEach((p, i) => {
      const x1 = pct(p.at);
      const x2 = pct(this.phases[i + 1]?.at ?? now);
      if (x2 <= x1) return;
      const seg = h('div', 'seg');
      seg.dataset.phase = p.phase;
      if (p.closeType) seg.dataset.closeType = p.closeType;
      seg.style.left = `${x1}%`;
      seg.style.width = `${x2 - x1}%`;
      const text = this.#label(p);
      seg.title = text;
      // Room for a label: ~7 px per character.
      if (((x2 - x1) / 100) * width > text.length * 7 + 12) seg.append(h('span', 'seg-label', text));
      nodes.push(seg);
    });
    for (const f of this.flags) {
      const flag = h('div', 'flag');
      flag.dataset.kind = f.kind;
      flag.style.left = `${pct(f.at)}%`;
      flag.title = `${clock(f.at)} ${f.label}`;
      flag.append(h('span', 'flag-label', f.label));
      nodes.push(flag);
    }
    this.track.replaceChildren(...nodes);
    if (this.span !== span) {
      this.span = span;
      const label = (ms) => (ms >= 60_000 ? `−${ms / 60_000} min` : `−${ms / 1000} s`);
      this.axis.replaceChildren(h('span', '', label(span)), h('span', '', label(span / 2)), h('span', '', 'now'));
    }
  }

  #label(p) {
    switch (p.phase) {
      case 'open': return 'open';
      case 'connecting': return 'connecting';
      case 'paused': return 'offline';
      case 'waiting': return `${closeLabel(p)} · wait ${seconds(p.delayMs ?? 0)}`;
      default: return p.closeType ? `closed · ${closeLabel(p)}` : 'closed';
    }
  }

  #drawEnds() {
    const chips = this.endings.toReversed().map((e) => {
      const li = h('li', 'end');
      li.dataset.closeType = e.closeType;
      li.dataset.final = String(e.final);
      li.title = CLOSE_LABELS[e.closeType] ?? e.closeType;
      // 'http-status' on the first line, its status with the outcome on the second.
      const status = e.closeType === 'http-status' && e.status ? `${e.status} · ` : '';
      li.append(
        h('span', 'end-type', e.closeType),
        h('span', 'end-wait', `${status}${e.final ? 'closed' : `wait ${seconds(e.delayMs ?? 0)}`}`),
        h('time', 'end-time', clock(e.at, { ms: false })),
      );
      return li;
    });
    this.ends.replaceChildren(...chips);
  }
}

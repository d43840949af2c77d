// A small inline-SVG sparkline of values in [-1, 1], with a zero line and an area filled towards zero; the
// part above zero is drawn in the positive colour and the part below in the negative one (a gradient with a
// hard stop at the zero line).
// SVG rather than canvas: crisp at any device pixel ratio and in screenshots, and styled from CSS. The SVG
// stretches to its box (preserveAspectRatio none), which would squash a circle, so the "latest value" dot is
// an HTML element placed in percent over it.

const NS = 'http://www.w3.org/2000/svg';
const W = 200; // viewBox units; the element itself stretches to its box
const H = 56;
const PAD = 3;

let instances = 0; // gradient ids must be unique in the document

const el = (name, attrs = {}) => {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};

export class Sparkline {
  /** @param {number} capacity how many points the line spans, left to right */
  constructor(capacity) {
    this.capacity = capacity;
    this.element = document.createElement('div');
    this.element.className = 'spark';
    this.element.setAttribute('aria-hidden', 'true');
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' });
    const id = `spark-sign-${++instances}`;
    const gradient = el('linearGradient', { id, gradientUnits: 'userSpaceOnUse', x1: 0, x2: 0, y1: 0, y2: H });
    gradient.append(
      el('stop', { offset: '50%', class: 'spark-pos' }),
      el('stop', { offset: '50%', class: 'spark-neg' }),
    );
    const defs = el('defs');
    defs.append(gradient);
    svg.style.setProperty('--sign-paint', `url(#${id})`);
    svg.append(
      defs,
      el('line', { x1: 0, x2: W, y1: H / 2, y2: H / 2, class: 'spark-zero' }),
      (this.area = el('path', { class: 'spark-area' })),
      (this.line = el('polyline', { class: 'spark-line' })),
    );
    this.dot = document.createElement('span');
    this.dot.className = 'spark-dot';
    this.element.append(svg, this.dot);
  }

  /** Redraws from `values` (oldest first); only the last `capacity` are shown. */
  draw(values) {
    const vs = values.slice(-this.capacity);
    if (vs.length === 0) return;
    const step = (W - 2 * PAD) / Math.max(1, this.capacity - 1);
    // Right-align, so the newest point is always at the right edge and the line grows in from the left.
    const x0 = W - PAD - (vs.length - 1) * step;
    const y = (v) => (H / 2 - v * (H / 2 - PAD)).toFixed(1);
    const pts = vs.map((v, i) => `${(x0 + i * step).toFixed(1)},${y(v)}`);
    this.line.setAttribute('points', pts.join(' '));
    const last = pts[pts.length - 1].split(',');
    this.area.setAttribute('d', `M${x0.toFixed(1)},${H / 2} L${pts.join(' L')} L${last[0]},${H / 2} Z`);
    this.dot.style.left = `${(last[0] / W) * 100}%`;
    this.dot.style.top = `${(last[1] / H) * 100}%`;
  }
}

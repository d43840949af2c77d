// Lays out one trace for the waterfall: spans in tree order (each parent followed by its children, siblings by
// start time), each with its depth, offset and length on one time axis. No DOM here.
//
// Times arrive as decimal strings of Unix nanoseconds (past 2^53: a Number would lose the microseconds), so
// they are subtracted as BigInt and only the offsets become Numbers.

/**
 * @typedef {{ spanId: string, parentSpanId: string, startUnixNano: string, endUnixNano: string,
 *             durationMs?: number, orphan?: boolean, name: string }} Span
 * @typedef {{ span: Span, depth: number, offsetMs: number, durationMs: number, orphan: boolean,
 *             childCount: number }} Row
 */

const toBig = (s) => {
  try {
    return BigInt(s);
  } catch {
    return null;
  }
};

/**
 * @param {Span[]} spans
 * @returns {{ rows: Row[], startNs: bigint, totalMs: number, orphans: number }}
 */
export function layoutTrace(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const starts = new Map(spans.map((s) => [s, toBig(s.startUnixNano)]));
  const startNs = spans.reduce((min, s) => {
    const t = starts.get(s);
    return t !== null && (min === null || t < min) ? t : min;
  }, null) ?? 0n;
  const msFrom = (ns) => Number(ns - startNs) / 1e6;

  // A span is an orphan when its parent is named but not in the trace (the store may say so itself).
  const isOrphan = (s) => Boolean(s.orphan) || (Boolean(s.parentSpanId) && !byId.has(s.parentSpanId));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (!s.parentSpanId || isOrphan(s) || s.parentSpanId === s.spanId) roots.push(s);
    else children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  }
  const byStart = (a, b) => {
    const x = starts.get(a) ?? 0n;
    const y = starts.get(b) ?? 0n;
    return x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
  };

  /** @type {Row[]} */
  const rows = [];
  const seen = new Set();
  const visit = (s, depth) => {
    if (seen.has(s)) return; // a parent cycle in bad data: each span is drawn once
    seen.add(s);
    const start = starts.get(s);
    const end = toBig(s.endUnixNano);
    const offsetMs = start === null ? 0 : msFrom(start);
    const durationMs = start !== null && end !== null && end >= start ? Number(end - start) / 1e6 : Math.max(0, s.durationMs ?? 0);
    const kids = (children.get(s.spanId) ?? []).sort(byStart);
    rows.push({ span: s, depth, offsetMs, durationMs, orphan: isOrphan(s), childCount: kids.length });
    for (const k of kids) visit(k, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  // Spans only reachable through a cycle have no root; show them at the top level rather than not at all.
  for (const s of [...spans].sort(byStart)) visit(s, 0);

  const totalMs = rows.reduce((max, r) => Math.max(max, r.offsetMs + r.durationMs), 0);
  return { rows, startNs, totalMs, orphans: rows.filter((r) => r.orphan).length };
}

/** Tick positions for an axis of `totalMs`: a 1-2-5 step giving about `target` ticks. */
export function ticks(totalMs, target = 6) {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  const out = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

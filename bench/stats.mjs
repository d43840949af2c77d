// Small statistics for the report: medians with min–max, paired ratios, geometric means.

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, n: v.length };
}

export function geomean(values) {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return NaN;
  return Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length);
}

/**
 * Paired ratios: for every round where both a and b succeeded, a/b of the per-round values; summarised.
 * `rounds` is an array of Map/objects name -> value (undefined when that run failed).
 */
export function pairedRatio(rounds, a, b) {
  const ratios = [];
  for (const r of rounds) {
    const x = r[a];
    const y = r[b];
    if (Number.isFinite(x) && Number.isFinite(y) && y > 0) ratios.push(x / y);
  }
  return summary(ratios);
}

/** Rotates `list` left by `k` (round k's contender order). */
export function rotate(list, k) {
  const n = list.length;
  const s = ((k % n) + n) % n;
  return [...list.slice(s), ...list.slice(0, s)];
}

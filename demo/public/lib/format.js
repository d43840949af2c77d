// Formatting shared by the panels: wall-clock times, durations, byte counts, ids.

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** 14:03:07.123 */
export function clock(t, { ms = true } = {}) {
  const d = new Date(t);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return ms ? `${hms}.${pad(d.getMilliseconds(), 3)}` : hms;
}

/** A duration in ms, to a precision that suits its size: 0.42 ms, 12 ms, 1.93 s, 2 min 05 s. */
export function duration(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** Whole seconds, for "connected for". */
export function uptime(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** 1,234,567 */
export const count = (n) => n.toLocaleString('en-US');

/** Bytes in binary units: 930 B, 12.4 KiB, 1.00 MiB. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** UTF-8 length of a string without encoding it (events can be megabytes). */
export function utf8Length(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n += 2; i++; } // a pair: 4 bytes for 2 units
    else n += 2;
  }
  return n;
}

/** A W3C trace id in X-Ray form: 1-{first 8 hex: epoch seconds}-{other 24}. */
export const xrayTraceId = (traceId) => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;

/** The first and last characters of a long id, for places with no room: 6b01d64e…0f34b1c */
export const shortId = (id, head = 8, tail = 4) => (id.length > head + tail + 1 ? `${id.slice(0, head)}…${id.slice(-tail)}` : id);

/** Creates an element with a class and optional text. */
export function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

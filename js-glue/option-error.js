// One wording for every rejected option, whichever API validates it: "<owner>option '<name>' must be <expected>
// (got <value>)". Showing the value makes a typo obvious where it was written.

/** The TypeError for option `name` of `owner` ('TracedEventSource: ', 'createExporter: ', or '' when nested). */
export function optionError(owner, name, expected, value) {
  let shown;
  try { shown = typeof value === 'string' ? JSON.stringify(value) : String(value); } catch { shown = typeof value; }
  return new TypeError(`${owner}option '${name}' must be ${expected} (got ${shown})`);
}

/**
 * Static headers (not a callback) are checked once at construction, as fetch() would check them: an invalid name
 * or value would otherwise fail every attempt, or silently drop every header of an export.
 */
export function checkStaticHeaders(owner, headers) {
  if (headers === undefined || headers === null || typeof headers === 'function') return;
  try {
    new Headers(headers);
  } catch (error) {
    throw optionError(owner, 'headers', `valid HTTP headers (${error?.message ?? error})`, headers);
  }
}

// One wording for every rejected option, whichever API validates it: "<owner>option '<name>' must be <expected>
// (got <value>)". Showing the value makes a typo obvious where it was written.

/** The TypeError for option `name` of `owner` ('TracedEventSource: ', 'createExporter: ', or '' when nested). */
export function optionError(owner, name, expected, value) {
  let shown;
  try { shown = typeof value === 'string' ? JSON.stringify(value) : String(value); } catch { shown = typeof value; }
  return new TypeError(`${owner}option '${name}' must be ${expected} (got ${shown})`);
}

// The platform's EventSource (Chromium's, parsed and dispatched by Blink).
import { runSource } from './run-source.mjs';

export function runNative(options) {
  return runSource((url) => new globalThis.EventSource(url), options);
}

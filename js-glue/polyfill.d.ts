// Importing this module replaces globalThis.EventSource with TracedEventSource (the native class is kept as
// globalThis.NativeEventSource when there was one).
import type { TracedEventSource } from './index.js';

declare global {
  // eslint-disable-next-line no-var
  var NativeEventSource: typeof EventSource | undefined;
}

export {};
export type { TracedEventSource };

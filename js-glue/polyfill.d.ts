// `import 'traced-eventsource/polyfill'` replaces globalThis.EventSource with TracedEventSource (the native
// class is kept as globalThis.NativeEventSource when there was one). The module exports nothing at run time.
import type { TracedEventSource, TracedEventSourceInit } from './index.js';

declare global {
  /** The platform's own EventSource, kept by the polyfill; undefined where there was none (Node 20). */
  // eslint-disable-next-line no-var
  var NativeEventSource: (typeof globalThis extends { EventSource: infer C } ? C : never) | undefined;

  /**
   * With the polyfill, `new EventSource(url, init)` constructs a TracedEventSource, so the init dictionary
   * takes its options too (headers, trace, diagnostics, retry policy, exporter…).
   */
  interface EventSourceInit extends TracedEventSourceInit {}
}

export {};
export type { TracedEventSource };

// Opt-in: `import 'traced-eventsource/polyfill'` makes every `new EventSource(...)` on this page (or worker) a
// TracedEventSource. The native class stays reachable as `globalThis.NativeEventSource`.
import { TracedEventSource } from './traced-event-source.js';

if (globalThis.EventSource !== TracedEventSource) {
  if (typeof globalThis.EventSource === 'function' && !globalThis.NativeEventSource) {
    globalThis.NativeEventSource = globalThis.EventSource;
  }
  globalThis.EventSource = TracedEventSource;
}

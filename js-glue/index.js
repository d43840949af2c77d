// traced-eventsource: a drop-in EventSource built on fetch(), with a C++/Wasm core.
export { TracedEventSource, TracedEventSource as default } from './traced-event-source.js';
export { createTracedFetch, tracedFetch } from './traced-fetch.js';
export { createExporter } from './exporter.js';

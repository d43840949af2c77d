// The `eventsource` package (5.x): a WHATWG EventSource on fetch() + eventsource-parser, in pages and Node.
import { EventSource } from 'eventsource';
import { runSource } from './run-source.mjs';

export function runEventsourceNpm(options) {
  return runSource((url) => new EventSource(url), options);
}

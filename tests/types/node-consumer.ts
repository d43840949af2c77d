// A Node 20 app's view of the package, type-checked without the DOM lib (only @types/node's web globals):
// the declarations must not lean on DOM-only names. Run: npx tsc -p tests/types/tsconfig.node.json --strict --noEmit
import { TracedEventSource, createExporter, createTracedFetch, tracedFetch } from 'traced-eventsource';
import type { Diagnostic, TracedMessageEvent } from 'traced-eventsource';
import 'traced-eventsource/polyfill';

const exporter = createExporter({ endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'worker' });
const diagnostics: Diagnostic[] = [];
const source = new TracedEventSource('http://127.0.0.1:8080/feed', {
  headers: () => ({ Authorization: 'Bearer t' }),
  diagnostics: (d) => { diagnostics.push(d); if (d.kind === 'reconnect') console.log(d.delayMs); },
  trace: { allowedOrigins: ['http://127.0.0.1:8080'], baggage: { tenant: 'acme' } },
  exporter,
  fetch,
});
source.onmessage = (ev) => { const data: string = ev.data; console.log(data, ev.lastEventId); };
source.addEventListener('score', (ev: TracedMessageEvent) => console.log(JSON.parse(ev.data)));
source.onerror = () => { if (source.readyState === TracedEventSource.CLOSED) source.close(); };
const closes: number = source.stats().closes.network;

const apiFetch = createTracedFetch({ onSpan: (span) => console.log(span.method, span.status, span.traceId) });
async function main(): Promise<void> {
  const res = await apiFetch('http://127.0.0.1:8080/api', { method: 'POST', body: '{}' });
  const res2 = await tracedFetch(new URL('http://127.0.0.1:8080/api'));
  console.log(res.status, res2.status);
  await exporter.shutdown();
}

// @ts-expect-error: trace is an object or false
new TracedEventSource('http://127.0.0.1:8080/feed', { trace: true });
// @ts-expect-error: message data is a string
source.onmessage = (ev) => ev.data.toFixed();

export { closes, main };

// TracedEventSource, the product, through its public API only. Tracing on: the default trace context (W3C + X-Ray
// headers on the page's origin) plus an exporter recording the connection's spans to the bench's collector, as an
// app using the tracing would run it. Tracing off: `trace: false`, no exporter.
import { TracedEventSource, createExporter } from '../../js-glue/index.js';
import { runSource } from './run-source.mjs';

const exporters = [];

export function runTraced(options, { tracing, origin }) {
  const exporter = tracing ? createExporter({ endpoint: `${origin}/v1/traces` }) : null;
  if (exporter) exporters.push(exporter);
  const init = tracing ? { exporter } : { trace: false };
  return runSource((url) => new TracedEventSource(url, init), options);
}

/** Flushes and stops the exporters of past runs (outside the measured window: after the CPU metrics are read). */
export async function settleExporters() {
  const pending = exporters.splice(0);
  await Promise.all(pending.map((e) => e.shutdown().catch(() => {})));
  return pending.length;
}

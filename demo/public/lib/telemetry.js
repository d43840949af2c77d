// Where the page's browser spans go, and how it talks to its own API: one OTLP exporter for the
// TracedEventSource and for a traced fetch, so every fault injection is a CLIENT span joined to the server's
// span; the polling reads are plain fetches.

import { createExporter, createTracedFetch } from '/js-glue/index.js';

export const exporter = createExporter({
  endpoint: '/v1/traces',
  serviceName: 'traced-eventsource-demo-dashboard',
  scheduledDelayMs: 1000,
});

export const apiFetch = createTracedFetch({ exporter });

export class HttpError extends Error {
  constructor(status, path) {
    super(`${path}: HTTP ${status}`);
    this.status = status;
  }
}

async function json(res, path) {
  if (!res.ok) throw new HttpError(res.status, path);
  return res.json();
}

/**
 * GET a JSON resource of the demo API: a plain fetch. The page polls stats and traces every second or two; a
 * trace per poll would bury the SSE connections' traces (the server traces a GET only when the caller does).
 */
export async function getJson(path) {
  return json(await fetch(path, { cache: 'no-store' }), path);
}

/** POST a JSON body to the demo API, answered with JSON. */
export async function postJson(path, body = {}) {
  return json(await apiFetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }), path);
}

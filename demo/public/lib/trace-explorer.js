// Which trace is on screen and keeping it fresh: polls the trace list, loads the selected trace into the
// waterfall, and reloads it while its spans are still arriving (the page and the server export in batches,
// so a trace fills in over a second or two, and a connection's stream spans only once it ends).

import { HttpError } from './telemetry.js';

const FRESH_MS = 20_000; // a newly selected trace is reloaded on every poll this long

export class TraceExplorer {
  /**
   * @param {{ list: import('./trace-list.js').TraceList, waterfall: import('./waterfall.js').Waterfall,
   *           details: import('./span-details.js').SpanDetails, getJson: (path: string) => Promise<any>,
   *           limit?: number }} parts
   */
  constructor({ list, waterfall, details, getJson, limit = 30 }) {
    Object.assign(this, { list, waterfall, details, getJson, limit });
    this.selected = { traceId: '', since: 0, spans: -1 };
    this.loading = false;
    this.loadAgain = false; // a selection made while a load was in flight
    this.polling = false;
  }

  select(traceId) {
    if (this.selected.traceId !== traceId) this.details.clear();
    this.selected = { traceId, since: Date.now(), spans: -1 };
    this.list.mark({ selectedId: traceId });
    this.waterfall.pending(traceId, 'Loading spans…');
    this.#load();
  }

  /** One round: the list, then the selected trace if it may have changed. */
  async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      const page = await this.getJson(`/api/traces?${this.list.query(this.limit)}`);
      this.list.update(page);
      const { traceId, since, spans } = this.selected;
      const summary = page.traces.find((t) => t.traceId === traceId);
      if (traceId && ((summary && summary.spanCount !== spans) || Date.now() - since < FRESH_MS)) this.#load();
    } catch (error) {
      this.list.unavailable(`Trace store unavailable: ${error.message}`);
    } finally {
      this.polling = false;
    }
  }

  async #load() {
    const { traceId } = this.selected;
    if (!traceId) return;
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    this.loading = true;
    try {
      const trace = await this.getJson(`/api/traces/${traceId}`);
      if (traceId !== this.selected.traceId) return;
      this.selected.spans = trace.spans.length;
      this.waterfall.show(trace);
    } catch (error) {
      if (traceId !== this.selected.traceId) return;
      this.waterfall.pending(traceId, error instanceof HttpError && error.status === 404
        ? 'No spans of this trace are stored yet — the page exports every second; waiting…'
        : `Could not load the trace: ${error.message}`);
    } finally {
      this.loading = false;
      if (this.loadAgain) {
        this.loadAgain = false;
        this.#load();
      }
    }
  }
}

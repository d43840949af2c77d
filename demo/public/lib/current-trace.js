// The trace of the connection attempt in progress: its W3C id (from the 'connect' diagnostic), the same id in
// X-Ray form, the attempt's span id, whether the server echoed the trace back ('open' diagnostic), and a
// button that opens it in the waterfall.

import { xrayTraceId } from './format.js';

export class CurrentTrace {
  /**
   * @param {{ traceId: HTMLElement, xray: HTMLElement, spanId: HTMLElement, echo: HTMLElement,
   *           previous: HTMLElement, session: HTMLElement, sampled: HTMLElement, open: HTMLButtonElement }} els
   * @param {(traceId: string) => void} onOpen
   */
  constructor(els, onOpen) {
    this.els = els;
    this.traceId = '';
    els.open.addEventListener('click', () => this.traceId && onOpen(this.traceId));
    this.#render(null);
  }

  /** @param {import('/js-glue/index.js').Diagnostic} d */
  update(d) {
    if (d.kind === 'connect' && d.trace) {
      this.traceId = d.trace.traceId;
      this.#render(d.trace);
    } else if (d.kind === 'open' && d.response) {
      const echoed = d.response.xrayTraceId === xrayTraceId(this.traceId);
      this.els.echo.textContent = d.response.available
        ? echoed ? 'server echoed this trace in X-Amzn-Trace-Id' : 'server answered with another trace id'
        : 'server sent no trace headers back';
      this.els.echo.dataset.ok = String(echoed);
    }
  }

  #render(trace) {
    const { els } = this;
    els.traceId.textContent = trace ? trace.traceId : 'no attempt yet';
    els.traceId.dataset.traceId = trace?.traceId ?? '';
    els.xray.textContent = trace ? xrayTraceId(trace.traceId) : '—';
    els.spanId.textContent = trace ? trace.spanId : '—';
    els.previous.textContent = trace?.previousTraceId ?? '— (first attempt)';
    els.session.textContent = trace?.sessionId ?? '—';
    els.sampled.textContent = trace ? (trace.sampled ? 'yes — spans exported' : 'no') : '—';
    els.echo.textContent = trace ? 'waiting for the response…' : '';
    delete els.echo.dataset.ok;
    els.open.disabled = !trace;
  }
}

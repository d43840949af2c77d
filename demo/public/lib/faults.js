// The fault buttons: each POSTs /api/faults/<kind> (through the traced fetch, so the injection is a trace of
// its own) and the panel shows what the server armed or is doing, polled from GET /api/faults.

import { h } from './format.js';

/** What each button asks the server for, and what the page should then show. */
export const FAULTS = [
  { kind: 'drop', title: 'Drop', detail: 'socket destroyed → network' },
  { kind: 'close', title: 'Graceful close', detail: 'body ends → graceful' },
  { kind: '503', title: '503 + Retry-After', detail: 'next attempt 503, retry in 3 s', body: { count: 1, retryAfterSeconds: 3 } },
  { kind: '204', title: '204 No Content', detail: 'server says stop → closed' },
  { kind: 'stall', title: 'Stall', detail: 'silence 15 s → idle-timeout', body: { stallMs: 15_000 } },
  { kind: 'huge', title: 'Huge event', detail: 'one 1 MiB event', body: { bytes: 1 << 20 } },
  { kind: 'drip', title: 'Slow drip', detail: 'bytes trickle for 8 s', body: { durationMs: 8_000 } },
];

export class FaultPanel {
  /**
   * @param {HTMLElement} container  where the buttons go
   * @param {HTMLElement} status     one line: the last injection's outcome
   * @param {{ post: (path: string, body: object) => Promise<any>,
   *           onInjected?: (fault: object, result: object, text: string) => void }} opts
   */
  constructor(container, status, { post, onInjected }) {
    this.status = status;
    this.buttons = new Map();
    for (const f of FAULTS) {
      const b = h('button', 'fault');
      b.type = 'button';
      b.dataset.fault = f.kind;
      b.setAttribute('data-testid', `fault-${f.kind}`);
      const state = h('span', 'fault-state');
      b.append(h('strong', '', f.title), h('small', '', f.detail), state);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          const result = await post(`/api/faults/${f.kind}`, f.body ?? {});
          const text = `${f.title}: ${describe(result)}`;
          this.#say(text, 'ok');
          onInjected?.(f, result, text);
        } catch (error) {
          this.#say(`${f.title} failed: ${error.message}`, 'error');
        } finally {
          b.disabled = false;
        }
      });
      this.buttons.set(f.kind, { button: b, state });
      container.append(b);
    }
  }

  /** @param {{ armed?: {kind: string, remaining: number}[], active?: {kind: string, untilMs: number}[] }} faults */
  show(faults, now = Date.now()) {
    for (const [kind, { button, state }] of this.buttons) {
      const armed = faults?.armed?.find((a) => a.kind === kind);
      const active = faults?.active?.find((a) => a.kind === kind);
      const text = active ? `active ${Math.max(0, Math.ceil((active.untilMs - now) / 1000))} s` : armed ? `armed ×${armed.remaining}` : '';
      state.textContent = text;
      button.dataset.armed = String(Boolean(armed || active));
    }
  }

  #say(text, tone) {
    this.status.textContent = text;
    this.status.dataset.tone = tone;
  }
}

/** The server's answer `{kind, affected, armed, count?, untilMs?}` as a sentence. */
function describe({ affected, armed, count, untilMs }) {
  const parts = [];
  if (affected !== undefined) parts.push(`${affected} open stream${affected === 1 ? '' : 's'} affected`);
  if (armed) parts.push(`armed for the next ${count > 1 ? `${count} attempts` : 'attempt'}`);
  if (untilMs) parts.push(`active for ${Math.max(0, Math.round((untilMs - Date.now()) / 1000))} s`);
  return parts.join(', ') || 'done';
}

// The parser section's two contenders, fed the same chunks of a corpus's wire bytes (no network):
// - core: raw bytes into the product's core (through contenders/core-parser.mjs), JS strings out;
// - eventsource-parser: TextDecoder (stream: true) then createParser().feed(), i.e. what it needs to get strings.
// Both hand every event to the same checksum accumulator.
import { createParser } from 'eventsource-parser';
import { createAccumulator } from '../checksum.mjs';
import { createCoreParser, SseMessageEvent } from './core-parser.mjs';

export const PARSERS = ['core', 'eventsource-parser'];

/**
 * A reference, not a contender: the cost of dispatching real MessageEvents alone. The corpus is parsed untimed
 * (eventsource-parser), then each event is dispatched on an EventTarget whose listener feeds the accumulator —
 * the floor under any EventSource that dispatches events. `subclass`: made as TracedEventSource makes them
 * (its MessageEvent subclass) instead of `new MessageEvent(type, { data, origin, lastEventId })`.
 */
export function runDispatchOnly(bytes, mode, origin, subclass = false) {
  const events = [];
  let lastEventId = '';
  const parser = createParser({
    onId(id) { lastEventId = id; },
    onEvent(e) { events.push({ type: e.event ?? 'message', data: e.data, lastEventId }); },
  });
  parser.feed(new TextDecoder().decode(bytes));
  const acc = createAccumulator(mode);
  const target = new EventTarget();
  const listener = (e) => acc.add(e.type, e.data, e.lastEventId);
  for (const type of new Set(events.map((e) => e.type))) target.addEventListener(type, listener);
  const t0 = performance.now();
  // Two loops rather than one calling a chosen factory: the timed loop makes the event inline, as the product does.
  if (subclass) {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      target.dispatchEvent(new SseMessageEvent(e.type, e.data, origin, e.lastEventId));
    }
  } else {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      target.dispatchEvent(new MessageEvent(e.type, { data: e.data, origin, lastEventId: e.lastEventId }));
    }
  }
  const ms = performance.now() - t0;
  return { ms, count: acc.count, checksum: acc.value() };
}

/** Views of `bytes` in chunks of `size` (untimed preparation); size 0: one chunk. */
export function chunked(bytes, size) {
  if (size <= 0) return [bytes];
  const out = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, Math.min(at + size, bytes.length)));
  return out;
}

/** Parses all chunks with `name`; resolves to { ms, count, checksum }. (The dispatch references take no chunks.) */
export async function runParser(name, chunks, mode, bytes = null) {
  if (name === 'dispatch') return runDispatchOnly(bytes, mode, 'http://127.0.0.1');
  if (name === 'dispatch-subclass') return runDispatchOnly(bytes, mode, 'http://127.0.0.1', true);
  const acc = createAccumulator(mode);
  if (name === 'core') {
    const parser = await createCoreParser((type, data, id) => acc.add(type, data, id));
    const t0 = performance.now();
    for (let i = 0; i < chunks.length; i++) parser.feed(chunks[i]);
    const ms = performance.now() - t0;
    parser.end();
    return { ms, count: acc.count, checksum: acc.value() };
  }
  if (name === 'eventsource-parser') {
    let lastEventId = '';
    const parser = createParser({
      onId(id) { lastEventId = id; },
      onEvent(e) { acc.add(e.event ?? 'message', e.data, lastEventId); },
    });
    const t0 = performance.now();
    const decoder = new TextDecoder();
    for (let i = 0; i < chunks.length; i++) parser.feed(decoder.decode(chunks[i], { stream: true }));
    const tail = decoder.decode();
    if (tail) parser.feed(tail);
    const ms = performance.now() - t0;
    return { ms, count: acc.count, checksum: acc.value() };
  }
  throw new Error(`unknown parser ${name}`);
}

// The product's core as a bare parser: bytes in, JS strings out. THE ONLY bench file that knows js-glue internals
// (CoreConnection's call order and command shapes, loadCore, the Wasm heap): when those change, change this file.
// Used by the parser section (pages and Node) and by the memory section (Wasm memory size).
import {
  Command, CoreConnection, commandAt, commandWords, messageData, messageType,
} from '../../js-glue/core-bindings.js';
import { loadCore } from '../../js-glue/core-loader.js';
import { normalizeOptions } from '../../js-glue/options.js';
// The MessageEvent subclass TracedEventSource dispatches (for the parser section's dispatch reference).
export { SseMessageEvent } from '../../js-glue/sse-message-event.js';

const RESPONSE_HEAD = { contentType: 'text/event-stream', xray: '', traceresponse: '', serverTiming: '', retryAfter: '',
  resumeSupported: true };

/**
 * A connection of the core, opened (start + a 200 text/event-stream response head), whose events go to
 * `onEvent(type, data, lastEventId)`. Returns { feed(Uint8Array), end() }. Tracing is off: only parsing and
 * decoding are measured.
 */
export async function createCoreParser(onEvent) {
  const core = await loadCore();
  const connection = new CoreConnection(core, normalizeOptions({ trace: false, fetch: () => {} }));
  let t = 0;  // the core only needs a clock that never goes back; a constant step keeps it out of the timing
  connection.start(t);
  connection.response(t, 200, RESPONSE_HEAD);
  let lastEventId = '';
  return {
    // As TracedEventSource walks them: messages straight from the command words, anything else decoded.
    feed(chunk) {
      const commands = connection.bytes(++t, chunk);
      const { words } = commands;
      for (let i = 0; i < words.length; i += commandWords(words[i])) {
        if (words[i] === Command.MESSAGE) {
          onEvent(messageType(commands, i) || 'message', messageData(commands, i), lastEventId);
        } else if (words[i] === Command.LAST_EVENT_ID) {
          lastEventId = commandAt(commands, i).id;
        }
      }
    },
    end() {
      connection.close(++t);
      connection.free();
    },
  };
}

/** A function returning the core's current Wasm memory size in bytes (the memory the sources share). */
export async function wasmMemoryProbe() {
  const core = await loadCore();
  return () => core.HEAPU8.buffer.byteLength;
}

/** The core module, loaded (for timing loadCore() in a fresh page). */
export function coreReady() {
  return loadCore();
}

/** Where the core's Wasm binary is served (its path inside the package). */
export function wasmUrl() {
  return new URL('../../js-glue/generated/core.wasm', import.meta.url).href;
}

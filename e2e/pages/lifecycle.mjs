// Page side of e2e/lifecycle.spec.mjs: the package, a recorder of what a source dispatches, the Wasm memory size,
// and (with ?early=<url>) a source closed before the Wasm core is ready. Static imports: this module runs in
// the same task as the package's own evaluation, which only starts loading the core.
import * as lib from '/js-glue/index.js';
import { loadCore } from '/js-glue/core-loader.js';

let coreReady = false;
loadCore().then(() => { coreReady = true; }, () => {});

/** Every open, message and error `source` dispatches, with readyState at dispatch time. */
function track(source) {
  const log = [];
  for (const type of ['open', 'message', 'error']) {
    source.addEventListener(type, (e) => log.push({ type, data: e.data, readyState: source.readyState }));
  }
  return log;
}

window.lib = lib;
window.track = track;
window.wasmBytes = async () => (await loadCore()).HEAPU8.buffer.byteLength;

const early = new URLSearchParams(location.search).get('early');
if (early) {
  const source = new lib.TracedEventSource(early);
  window.early = { log: track(source), source, coreReadyAtClose: coreReady };
  source.close();
  window.early.readyStateAfterClose = source.readyState;
}
window.lifecycleReady = true;

// The dedicated module worker of e2e/worker-csp.spec.mjs: the package in a worker's realm (its own Wasm
// instance, `location` of the worker script, no document). Runs the exercise, or the CSP probe, and posts the
// result with the worker's CSP violations.
import { violations } from './csp-watch.mjs';
import * as api from '../../js-glue/index.js';
import { exercise } from './consumer-exercise.mjs';

self.onmessage = async ({ data }) => {
  let result;
  try {
    if (data.run === 'probe') {
      try { new Function('return 1')(); result = { blocked: null }; } catch (e) { result = { blocked: e.name }; }
    } else {
      result = await exercise(api, data.name);
      result.realm = typeof document === 'undefined' && typeof WorkerGlobalScope === 'function' ? 'worker' : 'not a worker';
    }
  } catch (e) {
    result = { error: String(e?.stack ?? e) };
  }
  await new Promise((r) => setTimeout(r, 100));  // pending violation events arrive first
  self.postMessage({ type: 'result', result, violations });
};

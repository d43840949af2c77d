// The consumer page of e2e/worker-csp.spec.mjs. ?run=page|worker|both runs the exercise on the main thread, in a
// dedicated module worker, or both; ?run=probe instead breaks the CSP on purpose (eval on the page, new Function
// in the worker) to prove the violation listeners work. Everything lands in `window.consumer`.
import { violations } from './csp-watch.mjs';
import * as api from '../../js-glue/index.js';
import { exercise } from './consumer-exercise.mjs';

const params = new URLSearchParams(location.search);
const run = params.get('run') ?? 'both';
const session = params.get('session') ?? 'default';
const state = { run, page: null, worker: null, pageViolations: violations, workerViolations: [], errors: [], done: false };
window.consumer = state;

function runWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./consumer-worker.mjs', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => {
      if (e.data.type === 'result') resolve(e.data);
    };
    worker.onerror = (e) => { state.errors.push(`worker: ${e.message}`); resolve(null); };
    worker.postMessage({ run: run === 'probe' ? 'probe' : 'exercise', name: `${session}-worker` });
  });
}

async function main() {
  const tasks = [];
  if (run === 'probe') {
    try { (0, eval)('1'); state.errors.push('page: eval ran'); } catch (e) { state.page = { blocked: e.name }; }
    tasks.push(runWorker().then((r) => { state.worker = r?.result ?? null; state.workerViolations = r?.violations ?? []; }));
  }
  if (run === 'page' || run === 'both') tasks.push(exercise(api, `${session}-page`).then((r) => { state.page = r; }));
  if (run === 'worker' || run === 'both') {
    tasks.push(runWorker().then((r) => { state.worker = r?.result ?? null; state.workerViolations = r?.violations ?? []; }));
  }
  await Promise.all(tasks);
  // Violation events are queued tasks: let any pending one arrive before declaring the page done.
  await new Promise((r) => setTimeout(r, 100));
}

main().catch((e) => state.errors.push(`page: ${e?.stack ?? e}`)).finally(() => { state.done = true; });

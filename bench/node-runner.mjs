// The Node section's client process (spawned by bench/sections/node.mjs, one per corpus): runs the rounds of one
// task against the bench server and prints the raw results as JSON on its last stdout line. A separate process
// keeps the client off the driver's event loop and the server's thread, and gives every corpus a fresh heap.
//   node --expose-gc bench/node-runner.mjs '{"task":"e2e"|"parser", "origin", "key", "types", "n", "rounds", …}'
import { runTraced, settleExporters } from './contenders/traced.mjs';
import { runEventsourceParserFetch } from './contenders/eventsource-parser-fetch.mjs';
import { runEventsourceNpm } from './contenders/eventsource-npm.mjs';
import { chunked, runParser } from './contenders/parsers.mjs';
import { rotate } from './stats.mjs';
import { NODE_E2E_CONTENDERS } from './sections/node.mjs';

const task = JSON.parse(process.argv[2]);
const collect = () => globalThis.gc?.();

async function e2e() {
  const runs = {
    'traced-on': (o) => runTraced(o, { tracing: true, origin: task.origin }),
    'traced-off': (o) => runTraced(o, { tracing: false, origin: task.origin }),
    'eventsource-parser': runEventsourceParserFetch,
    'eventsource': runEventsourceNpm,
  };
  const out = [];
  for (let round = 0; round <= task.rounds; round++) {
    const mode = round === 0 ? 'full' : 'light';
    for (const contender of rotate(NODE_E2E_CONTENDERS, round)) {
      collect();
      const options = { url: `${task.origin}/stream/${task.key}`, types: task.types, count: task.n, mode,
        timeoutMs: task.timeoutMs };
      const cpu0 = process.cpuUsage();
      const r = await runs[contender](options);
      const cpu = process.cpuUsage(cpu0);
      await settleExporters();
      out.push({ contender, round, mode, ...r, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  }
  return out;
}

async function parser() {
  const bytes = new Uint8Array(await (await fetch(`${task.origin}/corpus/${task.key}`)).arrayBuffer());
  const out = [];
  for (let round = 0; round <= task.rounds; round++) {
    const mode = round === 0 ? 'full' : 'light';
    for (const { parser: name, size } of rotate(task.pairs, round)) {
      collect();
      out.push({ parser: name, size, round, mode, ...(await runParser(name, chunked(bytes, size), mode, bytes)) });
    }
  }
  return out;
}

const result = task.task === 'e2e' ? await e2e() : await parser();
process.stdout.write(`\n${JSON.stringify(result)}\n`);
process.exit(0);

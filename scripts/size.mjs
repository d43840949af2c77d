// Prints the bytes a page downloads for TracedEventSource (every module the entry point imports, plus the
// Wasm), raw, gzip -9 and brotli. With --check, fails when the gzip total passes the budget in
// size-budget.json, so growth is a decision, not an accident.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'js-glue/index.js');

// Follows static `import … from './x.js'` edges from the entry: exactly the JS a page fetches.
function moduleGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/gm)) {
    moduleGraph(join(dirname(file), spec), seen);
  }
  return seen;
}

const files = [...moduleGraph(entry), join(root, 'js-glue/generated/core.wasm')];
const rows = files.map((file) => {
  const bytes = readFileSync(file);
  return {
    file: relative(root, file),
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

const pad = (v, n) => String(v).padStart(n);
console.log(`${'file'.padEnd(36)} ${pad('raw', 8)} ${pad('gzip', 8)} ${pad('brotli', 8)}`);
for (const r of [...rows, { file: 'total', ...total }]) {
  console.log(`${r.file.padEnd(36)} ${pad(r.raw, 8)} ${pad(r.gzip, 8)} ${pad(r.brotli, 8)}`);
}

if (process.argv.includes('--check')) {
  const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
  if (total.gzip > budget.gzipTotalBytes) {
    console.error(`size: gzip total ${total.gzip} B is over the budget of ${budget.gzipTotalBytes} B (size-budget.json)`);
    process.exit(1);
  }
  console.log(`size: gzip total ${total.gzip} B is within the budget of ${budget.gzipTotalBytes} B`);
}

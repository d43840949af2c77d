// Prints the bytes a page downloads for TracedEventSource, raw, gzip -9 and brotli, two ways:
//   as shipped     every module the entry point imports, unminified, plus the Wasm (a page importing the
//                  package's files directly, e.g. from a CDN);
//   as bundled     a production Vite build of a page that imports the whole public API (minified JS chunk +
//                  the Wasm asset): what a page built with a bundler downloads.
// With --check, fails when either gzip total passes its budget in size-budget.json, so growth is a decision,
// not an accident.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

function measure(name, bytes) {
  return {
    file: name,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const sum = (rows) => rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

const pad = (v, n) => String(v).padStart(n);
function print(title, rows) {
  const total = sum(rows);
  console.log(`${title.padEnd(36)} ${pad('raw', 8)} ${pad('gzip', 8)} ${pad('brotli', 8)}`);
  for (const r of [...rows, { file: 'total', ...total }]) {
    console.log(`${r.file.padEnd(36)} ${pad(r.raw, 8)} ${pad(r.gzip, 8)} ${pad(r.brotli, 8)}`);
  }
  return total;
}

// The production build of a one-line app: `import * as all from 'traced-eventsource'` kept alive.
async function bundled() {
  const { build } = await import('vite');
  const dir = mkdtempSync(join(tmpdir(), 'tes-size-'));
  try {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
    writeFileSync(join(dir, 'main.js'), `import * as all from ${JSON.stringify(entry)};\nglobalThis.tracedEventSource = all;\n`);
    await build({ root: dir, configFile: false, logLevel: 'silent', build: { outDir: join(dir, 'dist'), emptyOutDir: true } });
    const assets = join(dir, 'dist', 'assets');
    // Vite names chunks by content hash; the name without it reads better.
    return readdirSync(assets).sort().map((f) => measure(`assets/${f.replace(/-[\w-]{8}(?=\.)/, '')}`, readFileSync(join(assets, f))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const shippedFiles = [...moduleGraph(entry), join(root, 'js-glue/generated/core.wasm')];
const shipped = print('as shipped (unminified ES modules)', shippedFiles.map((f) => measure(relative(root, f), readFileSync(f))));
console.log('');
const bundle = print('as bundled (vite build, minified)', await bundled());

if (process.argv.includes('--check')) {
  const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
  let over = false;
  for (const [what, total, limit] of [['as shipped', shipped.gzip, budget.gzipTotalBytes], ['as bundled', bundle.gzip, budget.bundleGzipBytes]]) {
    if (total > limit) {
      console.error(`size: ${what}: gzip total ${total} B is over the budget of ${limit} B (size-budget.json)`);
      over = true;
    } else {
      console.log(`size: ${what}: gzip total ${total} B is within the budget of ${limit} B`);
    }
  }
  if (over) process.exit(1);
}

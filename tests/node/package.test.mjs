// What `npm pack` ships (REQUIREMENTS F1, F2): exactly the files users need, a package.json whose entry points
// are all in the tarball, declarations for every runtime export, and no eval / new Function anywhere in the
// shipped JavaScript (a strict CSP without 'unsafe-eval' must work).
//
// "What users need" is derived, not listed: the import graph of the entry points in package.json "exports"
// (every `from './x.js'`, every `new URL('./x', import.meta.url)` asset), the .d.ts graph of the "types"
// conditions, package.json, README and LICENSE. A file outside that set is something the tarball must not hold.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');

let packed;
/** The file list of `npm pack --dry-run --json`, once. */
async function packedFiles() {
  packed ??= promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 << 20 })
    .then(({ stdout }) => {
      const [info] = JSON.parse(stdout);
      return { info, files: info.files.map((f) => f.path).sort() };
    });
  return packed;
}

/** Relative specifiers a module reaches: static/dynamic imports, re-exports and `new URL('./…', import.meta.url)`. */
function relativeReferences(text) {
  const refs = [];
  const patterns = [
    /\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /new\s+URL\(\s*['"](\.{0,2}\/?[^'":]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) refs.push(m[1]);
  return refs;
}

/** Every file reachable from `entries` (absolute paths); `.js` imports of a .d.ts map to the sibling .d.ts. */
function closure(entries, { declarations = false } = {}) {
  const seen = new Set();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    assert.ok(fs.existsSync(file), `${rel(file)} is referenced but does not exist (is the Wasm built?)`);
    seen.add(file);
    if (!/\.(m?js|d\.ts)$/.test(file)) continue;
    for (const ref of relativeReferences(fs.readFileSync(file, 'utf8'))) {
      let target = path.resolve(path.dirname(file), ref);
      if (declarations && target.endsWith('.js')) target = target.replace(/\.js$/, '.d.ts');
      queue.push(target);
    }
  }
  return seen;
}

/** The "default"/"import" and "types" targets of package.json "exports", per entry point. */
function exportTargets() {
  const out = {};
  for (const [entry, conditions] of Object.entries(pkg.exports)) {
    assert.equal(typeof conditions, 'object', `exports["${entry}"] has conditions`);
    out[entry] = { runtime: conditions.import ?? conditions.default, types: conditions.types };
  }
  return out;
}

test('package.json: ESM entry points with types, engines, side effects only in the polyfill', () => {
  assert.equal(pkg.type, 'module');
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './polyfill']);
  for (const [entry, { runtime, types }] of Object.entries(exportTargets())) {
    assert.ok(runtime && fs.existsSync(path.join(ROOT, runtime)), `exports["${entry}"] runtime target ${runtime}`);
    assert.ok(types && fs.existsSync(path.join(ROOT, types)), `exports["${entry}"] types target ${types}`);
    // TypeScript needs "types" first among the conditions to pick it.
    assert.equal(Object.keys(pkg.exports[entry])[0], 'types', `exports["${entry}"]: "types" is the first condition`);
  }
  assert.equal(pkg.main, pkg.exports['.'].default);
  assert.equal(pkg.types, pkg.exports['.'].types);
  assert.match(pkg.engines.node, /^>=\s*20/);
  // Importing the main entry has no side effect a bundler must keep; the polyfill entry exists for its side
  // effect (it replaces globalThis.EventSource), so it is the one file listed.
  assert.deepEqual(pkg.sideEffects, ['./js-glue/polyfill.js']);
  assert.equal(pkg.dependencies, undefined, 'the package has no runtime dependencies');
});

test('npm pack holds exactly what users need', async () => {
  const { info, files } = await packedFiles();
  const targets = Object.values(exportTargets());
  const runtime = closure(targets.map((t) => path.join(ROOT, t.runtime)));
  const types = closure(targets.map((t) => path.join(ROOT, t.types)), { declarations: true });
  const docs = ['README.md', 'package.json', ...fs.readdirSync(ROOT).filter((f) => /^(LICEN[CS]E|NOTICE)(\.|$)/i.test(f))];
  const needed = [...new Set([...[...runtime, ...types].map(rel), ...docs])].sort();

  // The Wasm binary and its loader are found by the import graph, so they are in `needed`.
  assert.ok(needed.includes('js-glue/generated/core.wasm') && needed.includes('js-glue/generated/core.mjs'));
  assert.deepEqual(files, needed, 'tarball contents (left) vs what the entry points reach (right)');
  for (const f of files) {
    assert.doesNotMatch(f, /^(tests|e2e|demo|wasm|scripts|build[^/]*|node_modules|test-results)\//, `${f} must not ship`);
    assert.doesNotMatch(f, /\.(cpp|h|hpp|cmake|spec\.mjs|test\.mjs|map|tgz)$|CMakeLists/, `${f} must not ship`);
  }
  assert.equal(info.name, 'traced-eventsource');
  assert.ok(info.size < 200_000, `tarball ${info.size} B`);
});

test('the shipped JavaScript contains no eval, new Function or Function(): it runs under a strict CSP', async () => {
  const { files } = await packedFiles();
  const scripts = files.filter((f) => /\.m?js$/.test(f));
  assert.ok(scripts.includes('js-glue/generated/core.mjs'), 'the Emscripten runtime is checked too');
  const forbidden = [/\beval\s*\(/, /\bnew\s+Function\b/, /\bFunction\s*\(/, /\bset(?:Timeout|Interval)\s*\(\s*['"`]/];
  for (const f of scripts) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    for (const re of forbidden) {
      const m = re.exec(text);
      assert.equal(m, null, `${f} contains ${m?.[0]} at offset ${m?.index}: ${text.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 60)}`);
    }
  }
});

test('every runtime export is declared, and every declared value exists at run time', async () => {
  const declaredValues = (dts) => {
    const names = new Set();
    for (const m of dts.matchAll(/^export\s+declare\s+(?:class|function|const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
    if (/^export\s+default\s+/m.test(dts)) names.add('default');
    return [...names].sort();
  };
  for (const { runtime, types } of Object.values(exportTargets())) {
    const module = await import(pathToFileURL(path.join(ROOT, runtime)).href);
    const dts = fs.readFileSync(path.join(ROOT, types), 'utf8');
    assert.deepEqual(declaredValues(dts), Object.keys(module).sort(), `${types} vs ${runtime}`);
  }
});

test('every option in the declarations documents its default', () => {
  const dts = fs.readFileSync(path.join(ROOT, 'js-glue/index.d.ts'), 'utf8');
  const optionInterfaces = ['TraceOptions', 'TracedEventSourceInit', 'ExporterOptions', 'TracedFetchOptions'];
  for (const name of optionInterfaces) {
    const body = new RegExp(`export interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1];
    assert.ok(body, `interface ${name} found`);
    // Each member with the doc comment right above it.
    const members = [...body.matchAll(/(\/\*\*[\s\S]*?\*\/)\s*\n\s*([A-Za-z]\w*)\??:/g)];
    const declared = [...body.matchAll(/^\s*([A-Za-z]\w*)\??:/gm)].map((m) => m[1]);
    assert.deepEqual(members.map((m) => m[2]), declared, `${name}: every option has a doc comment`);
    for (const [, doc, option] of members) {
      assert.match(doc, /@default |\(required\)/, `${name}.${option} documents its default`);
    }
  }
});

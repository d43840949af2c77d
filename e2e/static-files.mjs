// The repository files the e2e servers serve (the package under /js-glue/, test pages under /e2e/pages/),
// with the content types browsers insist on (.wasm as application/wasm) and no way out of those folders.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATIC_DIRS = ['js-glue', 'e2e/pages'].map((d) => path.join(ROOT, d));
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Serves `pathname` from the allowed folders through the caller's `send(res, status, headers, body)`. */
export async function serveStatic(res, pathname, send) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, {}, 'bad path');
  }
  const file = path.resolve(ROOT, '.' + decoded);
  const allowed = !decoded.includes('\0') && STATIC_DIRS.some((dir) => file.startsWith(dir + path.sep));
  if (!allowed) return send(res, 404, {}, 'not found');
  try {
    const body = await fs.readFile(file);
    send(res, 200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' }, body);
  } catch {
    send(res, 404, {}, 'not found');
  }
}

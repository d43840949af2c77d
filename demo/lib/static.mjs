// Static files from a fixed set of mount points, with no way out of them.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { sendText } from './http-util.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm', // required for WebAssembly.instantiateStreaming
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8', // the .d.ts files, readable in a browser tab
};

/**
 * The dashboard runs under the strict policy the package promises to work with (REQUIREMENTS F2): no inline
 * script, no eval, only 'wasm-unsafe-eval' for compiling the core. A regression there shows up in the demo.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Resolves a URL path under `root`, or returns null if it would leave it. The path is percent-decoded first, so
 * `%2e%2e/` is caught like `../`; a NUL byte or a backslash (a separator on Windows) is refused outright.
 */
export function resolveUnder(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

/**
 * Serves `urlPath` from `root`. Directory requests get `index.html`.
 * Returns false if there is no such file, so the caller can answer 404.
 */
export async function serveFile(req, res, root, urlPath) {
  let file = resolveUnder(root, urlPath);
  if (!file) return false;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return false;

  const ext = path.extname(file);
  res.writeHead(200, {
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // The package is rebuilt while the demo runs; always revalidate instead of serving a stale core.wasm.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...(ext === '.html' ? { 'Content-Security-Policy': PAGE_CSP } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return true;
}

export const notFound = (res) => sendText(res, 404, 'not found\n');

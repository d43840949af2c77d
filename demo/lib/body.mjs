// Request bodies, read with a hard size limit: a client can never make the server buffer more than `limit`
// bytes, whether it announces a Content-Length or streams a chunked body.

import { HttpError } from './http-util.mjs';

/**
 * Reads the whole body into one Buffer.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit  bytes; past it the read stops and an HttpError 413 is thrown
 * @returns {Promise<Buffer>}
 */
export function readBody(req, limit) {
  // `Connection: close` on the 413: the unread rest of the body is discarded with the connection, not read into
  // a keep-alive socket that would then parse it as the next request.
  const tooLarge = () => new HttpError(413, `request body larger than ${limit} bytes`, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());

  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err) => {
      cleanup();
      reject(err);
    };
    // Not a server fault: answered (to nobody, most likely) as a 400 rather than logged as an internal error.
    const onAborted = () => onError(new HttpError(400, 'the client aborted the request body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * Reads an optional small JSON object body (fault parameters). An empty body is `{}`; anything that is not a JSON
 * object is a 400.
 */
export async function readJsonObject(req, limit = 16 * 1024) {
  const raw = (await readBody(req, limit)).toString('utf8').trim();
  if (raw === '') return {};
  let value;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON: ${err.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value;
}

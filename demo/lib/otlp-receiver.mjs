// OTLP/HTTP JSON receiver: POST /v1/traces, as a collector answers it.
//
//   200 {}                                         every span stored
//   200 {"partialSuccess":{"rejectedSpans":N,…}}   malformed spans skipped, the rest stored
//   400 invalid JSON / not an ExportTraceServiceRequest, 413 body over the limit (read with that limit, never
//   buffered beyond it), 415 not application/json (protobuf is not supported here) or a compressed body
// Error bodies are OTLP's Status message ({ code, message }, code 3 = INVALID_ARGUMENT).
//
// ingest() is the one path into the store: the HTTP handler uses it, and so does the server's own span exporter,
// so browser and server spans are parsed, stored and forwarded alike.

import { readBody } from './body.mjs';
import { FORWARDED_HEADER } from './forwarder.mjs';
import { HttpError, sendJson } from './http-util.mjs';
import { OtlpShapeError, parseExportRequest } from './otlp-parse.mjs';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
const INVALID_ARGUMENT = 3;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class OtlpReceiver {
  /**
   * @param {object} deps
   * @param {import('./otlp-store.mjs').TraceStore} deps.store
   * @param {import('./forwarder.mjs').OtlpForwarder} [deps.forwarder]
   * @param {number} [deps.maxBodyBytes]
   */
  constructor({ store, forwarder = null, maxBodyBytes = MAX_BODY_BYTES }) {
    this.store = store;
    this.forwarder = forwarder;
    this.maxBodyBytes = maxBodyBytes;
  }

  /**
   * Parses, stores and (unless `forward` is false) forwards one ExportTraceServiceRequest body.
   * @param {Uint8Array} bytes
   * @returns {{ stored: number, rejected: number, errors: string[] }}
   * @throws {HttpError} 400 when the body is not UTF-8 JSON shaped as an ExportTraceServiceRequest
   */
  ingest(bytes, { forward = true } = {}) {
    let request;
    try {
      request = JSON.parse(utf8.decode(bytes));
    } catch (err) {
      throw new HttpError(400, `body is not valid UTF-8 JSON: ${err.message}`);
    }
    let parsed;
    try {
      parsed = parseExportRequest(request);
    } catch (err) {
      if (err instanceof OtlpShapeError) throw new HttpError(400, err.message);
      throw err;
    }
    this.store.countRejected(parsed.rejected);
    const refused = this.store.add(parsed.spans);
    // Forward the body as received: the collector applies its own rules to what we skipped.
    if (forward && this.forwarder) this.forwarder.enqueue(bytes);
    return {
      stored: parsed.spans.length - refused.rejected,
      rejected: parsed.rejected + refused.rejected,
      errors: [...parsed.errors, ...refused.errors],
    };
  }

  /** Answers POST /v1/traces. */
  async handle(req, res) {
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        throw new HttpError(415, `Content-Type must be application/json (OTLP/HTTP JSON), got '${type.slice(0, 60) || 'none'}'`);
      }
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity') throw new HttpError(415, `Content-Encoding '${encoding.slice(0, 20)}' is not supported; send the JSON uncompressed`);
      const body = await readBody(req, this.maxBodyBytes);
      const result = this.ingest(body, { forward: !req.headers[FORWARDED_HEADER] });
      if (result.rejected === 0) return sendJson(res, 200, {});
      return sendJson(res, 200, {
        partialSuccess: { rejectedSpans: result.rejected, errorMessage: result.errors.join('; ') },
      });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      return sendJson(res, err.status, { code: INVALID_ARGUMENT, message: err.message });
    }
  }
}

// The server's spans leave the OpenTelemetry SDK as OTLP/HTTP JSON and go through the receiver's own ingest():
// one parser, one store, one forwarding path for browser and server spans alike.

import { ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';

export class IngestSpanExporter {
  /** @param {(body: Uint8Array) => void} ingest  takes one ExportTraceServiceRequest body; may throw */
  constructor(ingest) {
    this.ingest = ingest;
  }

  export(spans, resultCallback) {
    try {
      this.ingest(JsonTraceSerializer.serializeRequest(spans));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error });
    }
  }

  forceFlush() {
    return Promise.resolve();
  }

  shutdown() {
    return Promise.resolve();
  }
}

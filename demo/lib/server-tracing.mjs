// The demo server's own spans, with the OpenTelemetry SDK: a SERVER span per traced request that continues the
// browser's trace, and the response headers that tell the browser which span answered.
//
// Parent: W3C `traceparent`/`tracestate` when valid; otherwise `X-Amzn-Trace-Id` (Root=1-<8>-<24>;Parent=<16>),
// whose Root without dashes is the W3C trace id. The browser sends both with the same ids, so either joins the
// same trace. No parent: a new trace, its id drawn X-Ray-valid (epoch seconds first).
//
// The provider is private to the server instance, never registered globally: several servers (tests) can run in
// one process, and context is passed explicitly, so no context manager is needed.
//
// Response headers of every traced request (the same ids three ways, for whatever the client reads):
//   X-Amzn-Trace-Id: Root=1-<8>-<24>;Parent=<server span id>;Sampled=<0|1>
//   traceresponse:   00-<trace id>-<server span id>-<flags>
//   Server-Timing:   trace;desc="00-<trace id>-<server span id>-<flags>"

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { IngestSpanExporter } from './span-exporter.mjs';
import { XrayIdGenerator, formatXrayHeader, parseXrayHeader } from './xray.mjs';

export const SERVICE_NAME = 'traced-eventsource-demo-server';

/** One traced request's SERVER span, with what the routes need and nothing of the SDK's surface. */
class RequestSpan {
  constructor(tracer, span, context) {
    this.tracer = tracer;
    this.span = span;
    this.context = context;
    this.ended = false;
  }

  get traceId() {
    return this.span.spanContext().traceId;
  }

  get spanId() {
    return this.span.spanContext().spanId;
  }

  setAttributes(attributes) {
    this.span.setAttributes(attributes);
    return this;
  }

  /** Ends the span with the response status (5xx marks it as an error, as the HTTP semantic conventions say). */
  end(statusCode) {
    if (this.ended) return;
    this.ended = true;
    if (statusCode !== undefined) {
      this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (statusCode >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }

  /** An INTERNAL child span. Its `end(error?)` marks it as an error when given a message. */
  child(name, attributes = {}) {
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, this.context);
    let ended = false;
    return {
      setAttributes: (a) => span.setAttributes(a),
      end: (error) => {
        if (ended) return;
        ended = true;
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
        span.end();
      },
    };
  }
}

export class ServerTracing {
  /**
   * @param {object} opts
   * @param {(body: Uint8Array) => void} opts.ingest  where finished spans go, as OTLP/HTTP JSON bodies
   * @param {number} [opts.scheduledDelayMs]          how long a span may wait for its batch
   * @param {string} [opts.serviceName]
   */
  constructor({ ingest, scheduledDelayMs = 500, serviceName = SERVICE_NAME }) {
    this.propagator = new W3CTraceContextPropagator();
    // Explicit settings throughout, so OTEL_TRACES_SAMPLER / OTEL_BSP_* in the environment cannot change the demo.
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      idGenerator: new XrayIdGenerator(),
      spanProcessors: [
        new BatchSpanProcessor(new IngestSpanExporter(ingest), {
          scheduledDelayMillis: scheduledDelayMs,
          maxQueueSize: 2048,
          maxExportBatchSize: 512,
          exportTimeoutMillis: 5000,
        }),
      ],
    });
    this.tracer = this.provider.getTracer('traced-eventsource-demo');
  }

  /**
   * Starts the SERVER span of a request and sets the response's trace headers (before anything is written).
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} route  the low-cardinality route (`/feed`, `/api/traces/{traceId}`), named as `METHOD route`
   * @param {string} path   the URL path, without query
   */
  startRequest(req, res, route, path) {
    const { context: parent, source } = this.#parentOf(req.headers);
    const span = this.tracer.startSpan(
      `${req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          [ATTR_URL_PATH]: path,
          [ATTR_URL_SCHEME]: 'http',
          [ATTR_HTTP_ROUTE]: route,
          'trace.parent.source': source,
        },
      },
      parent,
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    const sampled = (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    const w3c = `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
    res.setHeader('X-Amzn-Trace-Id', formatXrayHeader(traceId, spanId, sampled));
    res.setHeader('traceresponse', w3c);
    res.setHeader('Server-Timing', `trace;desc="${w3c}"`);
    return new RequestSpan(this.tracer, span, trace.setSpan(parent, span));
  }

  /** A SERVER span for an ordinary request: it ends with the response (or when the client goes away first). */
  traceRequest(req, res, route, path) {
    const span = this.startRequest(req, res, route, path);
    res.once('close', () => {
      if (!res.writableFinished) span.setAttributes({ 'error.type': 'client-gone' });
      span.end(res.statusCode);
    });
    return span;
  }

  /** Exports every ended span now (tests; shutdown). */
  flush() {
    return this.provider.forceFlush();
  }

  shutdown() {
    return this.provider.shutdown();
  }

  #parentOf(headers) {
    const w3c = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    if (trace.getSpanContext(w3c)) return { context: w3c, source: 'traceparent' };
    const xray = parseXrayHeader(headers['x-amzn-trace-id']);
    if (xray) {
      const spanContext = {
        traceId: xray.traceId,
        spanId: xray.parentSpanId,
        traceFlags: xray.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      };
      return { context: trace.setSpanContext(ROOT_CONTEXT, spanContext), source: 'x-amzn-trace-id' };
    }
    return { context: ROOT_CONTEXT, source: 'none' };
  }
}

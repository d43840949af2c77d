#include "http_client_span.h"

#include <string>

namespace tes {

std::optional<Span> make_http_client_span(const HttpClientCall& call, const SpanLimits& limits) {
  TraceId trace_id;
  SpanId span_id;
  if (TraceId::parse(call.trace_id_hex, trace_id) != HexStatus::kOk ||
      SpanId::parse(call.span_id_hex, span_id) != HexStatus::kOk || trace_id.is_zero() || span_id.is_zero()) {
    return std::nullopt;
  }
  Span span(call.method.empty() ? std::string_view("HTTP") : call.method, SpanKind::kClient, trace_id, span_id,
            unix_nano_of_ms(call.start_ms), limits);
  span.set_string("http.request.method", call.method);
  span.set_string("url.full", call.url);
  if (!call.host.empty()) span.set_string("server.address", call.host);
  if (call.status != 0) span.set_int("http.response.status_code", call.status);
  if (!call.error_type.empty()) {
    span.set_string("error.type", call.error_type);
    span.set_status(StatusCode::kError, call.error_type);
  } else if (call.status >= 400) {
    span.set_string("error.type", std::to_string(call.status));
    span.set_status(StatusCode::kError);
  }
  if (!call.response.xray_trace_id.empty()) span.set_string("sse.response.xray_trace_id", call.response.xray_trace_id);
  if (!call.response.traceresponse.empty()) span.set_string("sse.response.traceresponse", call.response.traceresponse);
  if (!call.response.server_timing.empty()) {
    span.set_string("sse.response.server_timing_trace", call.response.server_timing);
  }
  span.end(unix_nano_of_ms(call.end_ms));
  return span;
}

}  // namespace tes

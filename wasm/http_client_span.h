// The span of one traced fetch() (REQUIREMENTS D2, `http.client`): the shell measured the call; this turns it into
// a CLIENT span named by the method, with OpenTelemetry's HTTP semantic-convention attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "span.h"
#include "tracer.h"

namespace tes {

struct HttpClientCall {
  std::string_view trace_id_hex;  // the ids the request's trace headers carried
  std::string_view span_id_hex;
  std::string_view method;
  std::string_view url;           // without query and fragment
  std::string_view host;
  int status = 0;                 // 0: the fetch rejected
  std::string_view error_type;    // the rejection's name, when it rejected
  ResponseTrace response;         // what the server said about its side
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

// Nothing when the ids are not valid (nothing to record).
std::optional<Span> make_http_client_span(const HttpClientCall& call, const SpanLimits& limits);

}  // namespace tes

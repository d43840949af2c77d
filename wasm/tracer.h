// Tracer: the trace context of each connection attempt and each traced fetch (REQUIREMENTS B1–B9).
//
// It decides the ids and the sampling and formats the headers; the shell decides only whether the request's
// origin may receive them (an allow-list or an app predicate is JavaScript) and sets them.
//
// - Every attempt is its own trace with fresh ids (B8); the tracer remembers the previous attempt's trace id so
//   the next one can link to it, and a session id that is stable for the tracer's life.
// - With an app-supplied parent (a `traceparent` or `X-Amzn-Trace-Id` value, parsed strictly, B6) the first
//   attempt continues the parent's trace as its child; later attempts are new traces that keep the parent's
//   sampling decision (parent-based, B7). Without one, a ratio sampler decides from the trace id's random bits.
// - One decision, three headers: traceparent and X-Amzn-Trace-Id carry the same trace id, parent id and sampled
//   bit (B3). Our trace ids start with 4 bytes of Unix seconds, so they are valid X-Ray ids as they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "random_source.h"
#include "trace_context.h"

namespace tes {

struct TracerConfig {
  bool w3c = true;              // traceparent, tracestate, baggage
  bool xray = true;             // X-Amzn-Trace-Id
  bool omit_unsampled = false;  // unsampled attempts send no trace headers at all
  double sample_ratio = 1.0;
};

// What the app asked for, as given: parsed and validated by Tracer::configure().
struct TracerInput {
  std::string_view parent;  // a traceparent or X-Amzn-Trace-Id value, or empty
  // Members as alternating key/value strings (JS objects keep insertion order; the first member goes left).
  std::vector<std::string_view> tracestate;
  std::vector<std::string_view> baggage;
};

struct AttemptTrace {
  TraceId trace_id;
  SpanId span_id;  // the client span: the parent id the server sees
  bool sampled = false;
  bool has_previous = false;
  TraceId previous_trace_id;
  // Header values to set; an empty string means "do not send this header".
  std::string traceparent;
  std::string tracestate;
  std::string baggage;
  std::string xray;
};

class Tracer {
 public:
  Tracer(RandomSource& random, const TracerConfig& config);

  // Applies the app's parent, tracestate and baggage. Returns one sentence per thing that was rejected
  // (an invalid parent is ignored and a new root trace is used; invalid members are dropped).
  std::vector<std::string> configure(const TracerInput& input);

  // The context for the next attempt; `unix_ms` is the wall clock (ids embed its seconds).
  AttemptTrace next(int64_t unix_ms);

  const std::string& session_id() const { return session_id_; }

 private:
  RandomSource& random_;
  TracerConfig config_;
  std::string session_id_;  // 32 lower-case hex digits
  std::string tracestate_;  // formatted once: it does not change between attempts
  std::string baggage_;
  bool has_parent_ = false;
  bool parent_used_ = false;  // the parent's trace is continued by the first attempt only
  TraceId parent_trace_id_;
  bool parent_random_ = false;
  enum class ParentSampling : uint8_t { kNone, kSampled, kNotSampled } parent_sampling_ = ParentSampling::kNone;
  bool has_previous_ = false;
  TraceId previous_trace_id_;
};

// Trace context a server sent back (B9); each empty when absent or malformed.
struct ResponseTrace {
  std::string xray_trace_id;      // Root of X-Amzn-Trace-Id: "1-{8 hex}-{24 hex}"
  std::string traceresponse;      // a valid `traceresponse` (traceparent format, with the server's span id)
  std::string server_timing;      // the traceparent of a `server-timing: trace;desc="…"` entry
  bool any() const { return !xray_trace_id.empty() || !traceresponse.empty() || !server_timing.empty(); }
};

[[nodiscard]] ResponseTrace read_response_trace(std::string_view xray, std::string_view traceresponse,
                                                std::string_view server_timing);

}  // namespace tes

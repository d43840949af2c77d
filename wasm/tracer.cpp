#include "tracer.h"

namespace tes {
namespace {

const char* traceparent_problem(TraceparentStatus status) {
  switch (status) {
    case TraceparentStatus::kOk: return "ok";
    case TraceparentStatus::kEmpty: return "empty";
    case TraceparentStatus::kBadShape: return "wrong length or shape";
    case TraceparentStatus::kUpperCaseHex: return "upper-case hex";
    case TraceparentStatus::kNonHex: return "a character that is not hex";
    case TraceparentStatus::kVersionFF: return "version ff";
    case TraceparentStatus::kVersion00ExtraFields: return "extra fields after version 00";
    case TraceparentStatus::kZeroTraceId: return "an all-zero trace id";
    case TraceparentStatus::kZeroParentId: return "an all-zero parent id";
  }
  return "invalid";
}

bool looks_like_xray(std::string_view s) { return s.find("Root=") != std::string_view::npos; }

// server-timing: `trace;desc="00-…-…-01"` (quoted or not) among other comma-separated metrics.
std::string_view server_timing_trace_desc(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view metric = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!metric.empty() && (metric.front() == ' ' || metric.front() == '\t')) metric.remove_prefix(1);
    if (metric.substr(0, 5) != "trace" || (metric.size() > 5 && metric[5] != ';' && metric[5] != ' ')) continue;
    const size_t desc = metric.find("desc=");
    if (desc == std::string_view::npos) continue;
    std::string_view value = metric.substr(desc + 5);
    const size_t semi = value.find(';');
    value = value.substr(0, semi);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

}  // namespace

Tracer::Tracer(RandomSource& random, const TracerConfig& config) : random_(random), config_(config) {
  TraceId session;
  random_.fill(session.bytes.data(), session.bytes.size());
  session_id_ = session.hex();
}

std::vector<std::string> Tracer::configure(const TracerInput& input) {
  std::vector<std::string> problems;
  if (!input.parent.empty()) {
    const TraceparentResult tp = parse_traceparent(input.parent);
    if (tp.ok()) {
      has_parent_ = true;
      parent_trace_id_ = tp.value.trace_id;
      parent_random_ = tp.value.random();
      parent_sampling_ = tp.value.sampled() ? ParentSampling::kSampled : ParentSampling::kNotSampled;
    } else if (looks_like_xray(input.parent)) {
      const XRayResult xr = parse_xray(input.parent);
      if (xr.ok()) {
        has_parent_ = true;
        parent_trace_id_ = xr.value.trace_id;
        parent_random_ = true;  // X-Ray roots end in 12 random bytes
        parent_sampling_ = xr.value.sampled == XRaySampled::kSampled      ? ParentSampling::kSampled
                           : xr.value.sampled == XRaySampled::kNotSampled ? ParentSampling::kNotSampled
                                                                          : ParentSampling::kNone;
      } else {
        problems.push_back("parent ignored: not a valid X-Amzn-Trace-Id; a new root trace is used");
      }
    } else {
      problems.push_back(std::string("parent ignored: not a valid traceparent (") +
                         traceparent_problem(tp.status) + "); a new root trace is used");
    }
  }

  Tracestate state;
  for (size_t i = input.tracestate.size(); i >= 2; i -= 2) {  // set() puts a key left: go from the last one
    if (state.set(input.tracestate[i - 2], input.tracestate[i - 1]) != TracestateStatus::kOk) {
      problems.push_back("tracestate member dropped: '" + std::string(input.tracestate[i - 2]) +
                         "' is not a valid key=value per W3C Trace Context");
    }
  }
  tracestate_ = state.format();

  Baggage baggage;
  for (size_t i = 0; i + 1 < input.baggage.size(); i += 2) {
    const BaggageStatus status = baggage.set(input.baggage[i], input.baggage[i + 1]);
    if (status == BaggageStatus::kTooManyMembers || status == BaggageStatus::kTooManyBytes) {
      problems.push_back("baggage member dropped: '" + std::string(input.baggage[i]) +
                         "' would pass 64 members or 8192 bytes");
    } else if (status != BaggageStatus::kOk) {
      problems.push_back("baggage member dropped: '" + std::string(input.baggage[i]) + "' is not a valid key");
    }
  }
  baggage_ = baggage.format();
  return problems;
}

AttemptTrace Tracer::next(int64_t unix_ms) {
  AttemptTrace t;
  bool random_flag = true;
  if (has_parent_ && !parent_used_) {
    t.trace_id = parent_trace_id_;
    random_flag = parent_random_;
    parent_used_ = true;
  } else {
    t.trace_id = new_trace_id(random_, static_cast<uint32_t>(unix_ms / 1000));
  }
  t.span_id = new_span_id(random_);
  switch (parent_sampling_) {
    case ParentSampling::kSampled: t.sampled = true; break;
    case ParentSampling::kNotSampled: t.sampled = false; break;
    case ParentSampling::kNone: t.sampled = sample_by_ratio(t.trace_id, config_.sample_ratio); break;
  }
  t.has_previous = has_previous_;
  t.previous_trace_id = previous_trace_id_;
  has_previous_ = true;
  previous_trace_id_ = t.trace_id;

  if (t.sampled || !config_.omit_unsampled) {
    if (config_.w3c) {
      const uint8_t flags = static_cast<uint8_t>((t.sampled ? kTraceFlagSampled : 0) |
                                                 (random_flag ? kTraceFlagRandom : 0));
      t.traceparent = format_traceparent(t.trace_id, t.span_id, flags);
      t.tracestate = tracestate_;
      t.baggage = baggage_;
    }
    if (config_.xray) t.xray = format_xray(t.trace_id, t.span_id, t.sampled);
  }
  return t;
}

// Values are returned as the server sent them once validated (trimmed): the server's span id in a
// traceresponse is what makes correlation useful, the trace id alone is usually the one we sent.
ResponseTrace read_response_trace(std::string_view xray, std::string_view traceresponse,
                                  std::string_view server_timing) {
  ResponseTrace r;
  if (!xray.empty()) {
    const XRayResult x = parse_xray(xray);
    if (x.ok()) {
      const std::string hex = x.value.trace_id.hex();
      r.xray_trace_id = "1-" + hex.substr(0, 8) + "-" + hex.substr(8);
    }
  }
  if (!traceresponse.empty()) {
    const TraceparentResult t = parse_traceparent(traceresponse);
    if (t.ok()) r.traceresponse = format_traceparent(t.value.trace_id, t.value.parent_id, t.value.flags);
  }
  const std::string_view desc = server_timing_trace_desc(server_timing);
  if (!desc.empty()) {
    const TraceparentResult t = parse_traceparent(desc);
    if (t.ok()) r.server_timing = format_traceparent(t.value.trace_id, t.value.parent_id, t.value.flags);
  }
  return r;
}

}  // namespace tes

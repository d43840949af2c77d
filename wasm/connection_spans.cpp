#include "connection_spans.h"

namespace tes {
namespace {

const char* close_type_name(CloseType t) {
  static const char* const kNames[] = {"graceful", "network", "http-status", "content-type",
                                       "cors",     "stream-cap", "app-close", "idle-timeout"};
  return kNames[static_cast<uint8_t>(t)];
}

const char* reason_name(DecisionReason r) {
  static const char* const kNames[] = {"retry", "backoff", "retry-after", "fatal", "max-retries", "app"};
  return kNames[static_cast<uint8_t>(r)];
}

}  // namespace

ConnectionSpans::~ConnectionSpans() {
  if (telemetry_) telemetry_->detach(this);
}

void ConnectionSpans::attach(Telemetry* telemetry, std::string_view session_id, double event_span_ratio) {
  if (telemetry_) telemetry_->detach(this);
  telemetry_ = telemetry;
  event_span_threshold_ = event_span_ratio <= 0 ? 0
                          : event_span_ratio >= 1 ? UINT64_MAX
                                                  : static_cast<uint64_t>(event_span_ratio * 18446744073709551616.0);
  session_id_.assign(session_id.data(), session_id.size());
  if (telemetry_) telemetry_->attach(this);
}

void ConnectionSpans::telemetry_gone() {
  telemetry_ = nullptr;
  connect_.reset();
  stream_.reset();
  wait_.reset();
}

void ConnectionSpans::set_url(std::string_view url, std::string_view host) {
  url_.assign(url.data(), url.size());
  host_.assign(host.data(), host.size());
}

bool ConnectionSpans::finish(std::optional<Span>& span, int64_t now_ms, SpanPriority priority) {
  if (!span || !telemetry_) return false;
  span->end(unix_nano_of_ms(now_ms));
  const bool tick = telemetry_->record(std::move(*span), now_ms, priority);
  span.reset();
  return tick;
}

bool ConnectionSpans::on_connect(int64_t now_ms, const AttemptTrace& trace, uint32_t attempt,
                                 bool last_event_id_sent) {
  if (!telemetry_) return false;
  bool tick = false;
  if (wait_) {
    wait_->set_int("sse.reconnect.waited_ms", now_ms - wait_started_ms_);
    tick = finish(wait_, now_ms, SpanPriority::kNormal);
  }
  if (!trace.sampled) {
    has_previous_ = false;
    return tick;
  }
  const SpanLimits& limits = telemetry_->limits();
  connect_.emplace("sse connect", SpanKind::kClient, trace.trace_id, trace.span_id, unix_nano_of_ms(now_ms), limits);
  Span& s = *connect_;
  s.set_string("http.request.method", "GET");
  if (!url_.empty()) s.set_string("url.full", url_);
  if (!host_.empty()) s.set_string("server.address", host_);
  s.set_int("sse.attempt", attempt);
  s.set_bool("sse.last_event_id.sent", last_event_id_sent);
  s.set_string("sse.session.id", session_id_);
  if (trace.has_previous) s.set_string("sse.previous_trace_id", trace.previous_trace_id.hex());
  if (has_previous_) {
    s.add_link(previous_trace_id_, previous_connect_id_, {{"sse.link", AttrValue::of_string("previous_attempt")}});
  }
  if (!trace.tracestate.empty()) s.set_trace_state(trace.tracestate);
  trace_id_ = trace.trace_id;
  connect_id_ = trace.span_id;
  has_previous_ = true;
  previous_trace_id_ = trace.trace_id;
  previous_connect_id_ = trace.span_id;
  events_ = bytes_ = 0;
  largest_gap_ms_ = 0;
  stream_snapshotted_ = false;
  return tick;
}

bool ConnectionSpans::on_response(int64_t now_ms, int status, bool accepted, bool resume_supported,
                                  const ResponseTrace& ids) {
  if (!connect_) return false;
  Span& s = *connect_;
  s.set_int("http.response.status_code", status);
  s.set_bool("sse.resume_supported", resume_supported);
  if (!ids.xray_trace_id.empty()) s.set_string("sse.response.xray_trace_id", ids.xray_trace_id);
  if (!ids.traceresponse.empty()) s.set_string("sse.response.traceresponse", ids.traceresponse);
  if (!ids.server_timing.empty()) s.set_string("sse.response.server_timing_trace", ids.server_timing);
  if (!accepted) return false;  // on_end closes it with the failure
  const bool tick = finish(connect_, now_ms, SpanPriority::kNormal);
  stream_id_ = new_span_id(random_);
  stream_.emplace("sse stream", SpanKind::kInternal, trace_id_, stream_id_, unix_nano_of_ms(now_ms), telemetry_->limits());
  stream_->set_parent(connect_id_);
  return tick;
}

bool ConnectionSpans::on_event(int64_t now_ms, std::string_view type, size_t data_bytes) {
  if (!stream_) return false;
  const int64_t since = events_ == 0 ? now_ms - static_cast<int64_t>(stream_->start_unix_nano() / 1000000u)
                                     : now_ms - last_event_ms_;
  if (since > largest_gap_ms_) largest_gap_ms_ = since;
  last_event_ms_ = now_ms;
  ++events_;
  if (event_span_threshold_ == 0) return false;
  if (event_span_threshold_ != UINT64_MAX && random_u64(random_) >= event_span_threshold_) return false;
  Span span("sse event", SpanKind::kConsumer, trace_id_, new_span_id(random_), unix_nano_of_ms(now_ms), telemetry_->limits());
  span.set_parent(stream_id_);
  span.set_string("sse.event.type", type.empty() ? std::string_view("message") : type);
  span.set_int("sse.event.data_bytes", static_cast<int64_t>(data_bytes));
  span.set_int("sse.event.index", static_cast<int64_t>(events_));
  if (!last_event_id_.empty()) span.set_string("sse.event.id", last_event_id_);
  span.end(unix_nano_of_ms(now_ms));
  return telemetry_->record(std::move(span), now_ms, SpanPriority::kLow);
}

bool ConnectionSpans::on_end(int64_t now_ms, CloseType type, int status, const ReconnectDecision* decision) {
  if (!telemetry_) return false;
  const bool failed = type != CloseType::kGraceful && type != CloseType::kAppClose;
  bool tick = false;
  if (connect_) {  // ended before a stream opened
    if (status) connect_->set_int("http.response.status_code", status);
    connect_->set_string("sse.close_type", close_type_name(type));
    if (failed) {
      connect_->set_string("error.type", close_type_name(type));
      connect_->set_status(StatusCode::kError, close_type_name(type));
    }
    tick |= finish(connect_, now_ms, failed ? SpanPriority::kHigh : SpanPriority::kNormal);
  }
  if (stream_) {
    Span& s = *stream_;
    s.set_int("sse.events", static_cast<int64_t>(events_));
    s.set_int("sse.bytes", static_cast<int64_t>(bytes_));
    s.set_int("sse.largest_gap_ms", largest_gap_ms_);
    s.set_string("sse.close_type", close_type_name(type));
    if (!last_event_id_.empty()) s.set_string("sse.last_event_id", last_event_id_);
    if (failed) {
      s.set_string("error.type", close_type_name(type));
      s.set_status(StatusCode::kError, close_type_name(type));
    }
    if (stream_snapshotted_) {
      stream_.reset();  // already exported as an in-progress snapshot at page hide (D7)
    } else {
      tick |= finish(stream_, now_ms, SpanPriority::kHigh);
    }
  }
  if (type == CloseType::kAppClose && wait_) {
    wait_->set_bool("sse.reconnect.cancelled", true);
    tick |= finish(wait_, now_ms, SpanPriority::kNormal);
  }
  if (decision && decision->reconnect && has_previous_) {
    wait_.emplace("sse reconnect.wait", SpanKind::kInternal, previous_trace_id_, new_span_id(random_), unix_nano_of_ms(now_ms),
                  telemetry_->limits());
    wait_->set_parent(previous_connect_id_);
    wait_->set_int("sse.reconnect.delay_ms", static_cast<int64_t>(decision->delay_ms));
    wait_->set_string("sse.reconnect.reason", reason_name(decision->reason));
    wait_->set_string("sse.close_type", close_type_name(type));
    wait_started_ms_ = now_ms;
  }
  return tick;
}

void ConnectionSpans::take_snapshots(uint64_t now_unix_nano, std::vector<Span>& out) {
  if (stream_ && !stream_snapshotted_) {
    // Set on the open span (a snapshot is ended, hence read-only); it is never exported again after this.
    stream_->set_int("sse.events", static_cast<int64_t>(events_));
    stream_->set_int("sse.bytes", static_cast<int64_t>(bytes_));
    stream_->set_bool("sse.in_progress", true);
    out.push_back(stream_->snapshot(now_unix_nano));
    stream_snapshotted_ = true;
  }
}

}  // namespace tes

// The spans of one connection (REQUIREMENTS D2): per attempt a `connect` span (request start → response head or
// failure) and a `stream` span (open → end), and between attempts a `reconnect.wait` span. Kept apart from the
// state machine, which only reports what happened.
//
// Structure: the connect span is the HTTP client span; its id is the parent id the attempt's traceparent and
// X-Amzn-Trace-Id carry, so the server's span is its child. The stream span is a child of the connect span,
// the wait span a child of the connect span of the attempt that ended. Each attempt is a new trace whose connect
// span links to the previous attempt's connect span. Unsampled attempts record nothing.
//
// Attribute names follow OpenTelemetry's semantic conventions where one exists (http.request.method, url.full,
// server.address, http.response.status_code, error.type); the rest are namespaced `sse.*`. Header values are never
// recorded except trace ids (D8): `sse.last_event_id.sent` says whether Last-Event-ID went out, not its value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "close_type.h"
#include "reconnect_policy.h"
#include "telemetry.h"
#include "tracer.h"

namespace tes {

class ConnectionSpans final : public OpenSpanSource {
 public:
  explicit ConnectionSpans(RandomSource& random) : random_(random) {}
  ~ConnectionSpans() override;
  ConnectionSpans(const ConnectionSpans&) = delete;
  ConnectionSpans& operator=(const ConnectionSpans&) = delete;

  // `event_span_ratio`: the share of dispatched events that also get an `sse event` span (0: none, the default —
  // a busy stream would flood the queue).
  void attach(Telemetry* telemetry, std::string_view session_id, double event_span_ratio = 0);
  bool attached() const { return telemetry_ != nullptr; }
  // The request URL without query and fragment (the shell redacts it), and its host.
  void set_url(std::string_view url, std::string_view host);

  // Each returns true when a span was handed to the telemetry and it wants a tick.
  bool on_connect(int64_t now_ms, const AttemptTrace& trace, uint32_t attempt, bool last_event_id_sent);
  bool on_response(int64_t now_ms, int status, bool accepted, bool resume_supported, const ResponseTrace& ids);
  // True when an event span was recorded and the telemetry wants a tick.
  bool on_event(int64_t now_ms, std::string_view type, size_t data_bytes);
  void on_bytes(size_t n) { bytes_ += n; }
  void on_last_event_id(std::string_view id) { last_event_id_.assign(id.data(), id.size()); }
  bool on_end(int64_t now_ms, CloseType type, int status, const ReconnectDecision* decision);

  void take_snapshots(uint64_t now_unix_nano, std::vector<Span>& out) override;
  void telemetry_gone() override;

 private:
  bool finish(std::optional<Span>& span, int64_t now_ms, SpanPriority priority);

  RandomSource& random_;
  Telemetry* telemetry_ = nullptr;
  std::string session_id_;
  uint64_t event_span_threshold_ = 0;  // an event gets a span when 64 random bits fall below it
  std::string url_;
  std::string host_;
  std::optional<Span> connect_;
  std::optional<Span> stream_;
  std::optional<Span> wait_;
  bool stream_snapshotted_ = false;  // exported at page hide: not again when it ends
  TraceId trace_id_;                // the current attempt's
  SpanId connect_id_;
  SpanId stream_id_;
  bool has_previous_ = false;
  TraceId previous_trace_id_;
  SpanId previous_connect_id_;
  int64_t wait_started_ms_ = 0;
  uint64_t events_ = 0;
  uint64_t bytes_ = 0;
  int64_t last_event_ms_ = 0;
  int64_t largest_gap_ms_ = 0;
  std::string last_event_id_;
};

}  // namespace tes

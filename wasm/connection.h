// The connection state machine: everything an EventSource decides, with none of its I/O (DESIGN.md).
//
// The shell tells it what happened, with the current time; it answers with commands (commands.h). It owns
// readyState, the last event ID, the reconnection time, the attempt count and the reconnect timer.
//
// Inputs (each clears the previous commands, then appends its own; drain them before the next input):
//   configure_trace(input)             optional, before start: the app's parent, tracestate, baggage
//   configure_reconnect(options, idle) optional, before start: the reconnect policy's options
//   start(now)                         once, when the shell is ready: the first attempt
//   response(now, head)                the response head of the attempt in flight arrived
//   bytes(now, data, len)              a chunk of the body of the open stream
//   end(now, close_type)               the attempt in flight ended (body done, fetch/read rejected, CORS)
//   timer(now)                         the timer set by kSetTimer fired (early calls re-arm for the rest)
//   network(now, online)               the platform went offline / came back online (C6)
//   close(now)                         the app called close()
// `now` is wall-clock milliseconds (the shell anchors it once: performance.timeOrigin + performance.now(), so it
// is also monotonic); trace ids embed its seconds. Every kConnect is preceded by the kTrace of its attempt.
// An input that does not fit the current state (a late response after close(), a chunk while waiting) is
// answered with kIgnored and no commands: the shell may race with itself, the core never acts on it.
//
// States and transitions (readyState in brackets):
//   kIdle [CONNECTING]       --start-->                 kConnecting
//   kConnecting [CONNECTING] --response ok-->           kOpen
//   kConnecting              --response bad-->          kClosed     (policy: fail)
//   kConnecting | kOpen      --end / cap / idle-->      kWaiting    (policy: reconnect) or kClosed (fail),
//                                                       or kPaused when offline (no retry spent)
//   kWaiting [CONNECTING]    --timer at deadline-->     kConnecting
//   kWaiting                 --offline-->               kPaused
//   kPaused [CONNECTING]     --online-->                kConnecting (at once)
//   any but kClosed          --close-->                 kClosed
// One timer serves two purposes: the reconnect wait (kWaiting) and, with idle_timeout_ms, the idle deadline of
// the attempt in flight (kConnecting/kOpen). The idle deadline moves with every byte without re-arming: a
// timer that fires early re-arms for the rest, so a busy stream costs no timer calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "close_type.h"
#include "commands.h"
#include "connection_spans.h"
#include "reconnect_policy.h"
#include "sse_parser.h"
#include "tracer.h"

namespace tes {

using Millis = int64_t;

struct ConnectionOptions {
  uint64_t retry_ms = 3000;  // reconnection time until the server sends retry: (Chromium's default)
  size_t max_event_bytes = SseParser::kDefaultMaxEventBytes;
  uint64_t idle_timeout_ms = 0;  // 0: off. Otherwise an attempt with no byte for this long ends (kIdleTimeout)
  ReconnectOptions reconnect;
  TracerConfig trace;
};

// What the shell read from a response head.
struct ResponseHead {
  int status = 0;
  std::string_view content_type;
  std::string_view xray;           // X-Amzn-Trace-Id, empty if absent or not exposed
  std::string_view traceresponse;
  std::string_view server_timing;
  std::string_view retry_after;    // Retry-After, empty if absent or not exposed
  bool resume_supported = true;    // false: the response said X-SSE-Resume-Supported: false
};

enum class ReadyState : uint8_t { kConnecting = 0, kOpen = 1, kClosed = 2 };

enum class InputResult : uint8_t {
  kOk = 0,
  kIgnored = 1,  // the input does not apply in the current state; no commands
};

class Connection final : private SseSink {
 public:
  Connection(const ConnectionOptions& options, RandomSource& random);

  InputResult configure_trace(const TracerInput& input);
  // Optional, before start: replaces the reconnect options and the idle timeout given at construction.
  InputResult configure_reconnect(const ReconnectOptions& options, uint64_t idle_timeout_ms);
  // Optional, before start: record spans into `telemetry` (which must outlive this connection, or be detached by
  // destroying the connection first).
  InputResult attach_telemetry(Telemetry* telemetry, double event_span_ratio = 0);
  // The request URL without query and fragment, and its host, for spans; again whenever a redirect moves it.
  void set_url(std::string_view url, std::string_view host) { spans_.set_url(url, host); }
  InputResult start(Millis now);
  InputResult response(Millis now, const ResponseHead& head);
  InputResult bytes(Millis now, const uint8_t* data, size_t len);
  InputResult end(Millis now, CloseType type);
  InputResult timer(Millis now);
  InputResult network(Millis now, bool online);
  InputResult close(Millis now);

  const CommandBuffer& commands() const { return commands_; }

  ReadyState ready_state() const;
  uint32_t attempt() const { return attempt_; }
  uint64_t retry_ms() const { return retry_ms_; }
  const std::string& last_event_id() const { return parser_.last_event_id(); }
  const std::string& session_id() const { return tracer_.session_id(); }
  // Counts of attempts that ended, by close type (index = CloseType).
  uint32_t closes(CloseType type) const { return closes_[static_cast<uint8_t>(type)]; }
  // The last response said the server cannot resume from Last-Event-ID.
  bool resume_supported() const { return resume_supported_; }

 private:
  enum class State : uint8_t { kIdle, kConnecting, kOpen, kWaiting, kPaused, kClosed };

  // SseSink
  void on_event(std::string_view type, std::string_view data) override;
  void on_last_event_id(std::string_view id) override;
  void on_retry(uint64_t ms) override;
  void on_retry_default() override;

  void connect(Millis now);
  // The attempt in flight ended: count it, ask the policy, and reconnect, pause or fail.
  void finish_attempt(Millis now, CloseType type, int status, std::string_view retry_after = {});
  void pause();
  void set_ready_state(ReadyState state);
  void set_timer(uint64_t delay_ms);
  void diagnostic(DiagnosticKind kind, uint32_t close_type = kNoCloseType, int status = 0, uint32_t reason = kNoReason,
                  uint32_t flags = 0, uint64_t delay_ms = 0);

  void tick_telemetry_if(bool wanted) {
    if (wanted) commands_.push(CommandTag::kTelemetryTick);
  }

  RandomSource& random_;
  ConnectionSpans spans_;
  Millis now_ = 0;  // of the input being handled, for parser callbacks
  ReconnectPolicy policy_;
  SseParser parser_;
  Tracer tracer_;
  CommandBuffer commands_;
  State state_ = State::kIdle;
  uint64_t retry_ms_;
  const uint64_t default_retry_ms_;
  Millis deadline_ = 0;  // when kWaiting: when the next attempt starts
  uint64_t idle_timeout_ms_;
  Millis last_activity_ = 0;  // when kConnecting/kOpen: the attempt's start, response head or last chunk
  bool online_ = true;
  bool strict_;
  bool resume_supported_ = true;
  int status_ = 0;  // the open attempt's HTTP status
  uint32_t attempt_ = 0;
  uint32_t closes_[kCloseTypeCount] = {};
};

}  // namespace tes

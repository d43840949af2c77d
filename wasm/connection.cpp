#include "connection.h"

#include "response_check.h"

namespace tes {

Connection::Connection(const ConnectionOptions& options, RandomSource& random)
    : parser_(options.max_event_bytes),
      tracer_(random, options.trace),
      retry_ms_(options.retry_ms),
      default_retry_ms_(options.retry_ms) {}

InputResult Connection::configure_trace(const TracerInput& input) {
  commands_.clear();
  if (state_ != State::kIdle) return InputResult::kIgnored;
  for (const std::string& problem : tracer_.configure(input)) commands_.push_warning(problem);
  return InputResult::kOk;
}

ReadyState Connection::ready_state() const {
  switch (state_) {
    case State::kOpen:
      return ReadyState::kOpen;
    case State::kClosed:
      return ReadyState::kClosed;
    default:
      return ReadyState::kConnecting;
  }
}

InputResult Connection::start(Millis now) {
  commands_.clear();
  if (state_ != State::kIdle) return InputResult::kIgnored;
  connect(now);
  return InputResult::kOk;
}

InputResult Connection::response(Millis now, const ResponseHead& head) {
  commands_.clear();
  if (state_ != State::kConnecting) return InputResult::kIgnored;
  const int status = head.status;
  commands_.push_response_trace(read_response_trace(head.xray, head.traceresponse, head.server_timing));
  switch (check_response(status, head.content_type)) {
    case ResponseVerdict::kAccept:
      state_ = State::kOpen;
      parser_.reset_stream();
      set_ready_state(ReadyState::kOpen);
      diagnostic(DiagnosticKind::kOpen, kNoCloseType, status, 0);
      commands_.push(CommandTag::kOpen);
      return InputResult::kOk;
    case ResponseVerdict::kBadStatus:
      commands_.push(CommandTag::kAbort);
      finish_attempt(now, CloseType::kHttpStatus, status);
      return InputResult::kOk;
    case ResponseVerdict::kBadContentType:
      commands_.push(CommandTag::kAbort);
      finish_attempt(now, CloseType::kContentType, status);
      return InputResult::kOk;
  }
  return InputResult::kOk;
}

InputResult Connection::bytes(Millis now, const uint8_t* data, size_t len) {
  commands_.clear();
  if (state_ != State::kOpen) return InputResult::kIgnored;
  if (parser_.feed(data, len, *this) == ParseStatus::kEventTooLarge) {
    // Events completed before the cap was hit stay queued ahead of the error, in stream order.
    commands_.push(CommandTag::kAbort);
    finish_attempt(now, CloseType::kStreamCap, 200);
  }
  return InputResult::kOk;
}

InputResult Connection::end(Millis now, CloseType type) {
  commands_.clear();
  if (state_ != State::kConnecting && state_ != State::kOpen) return InputResult::kIgnored;
  if (type == CloseType::kAppClose) return close(now);
  // The body ended: an event still being assembled is discarded (WHATWG: incomplete events are not
  // dispatched), which the next reset_stream() does.
  finish_attempt(now, type, 0);
  return InputResult::kOk;
}

InputResult Connection::timer(Millis now) {
  commands_.clear();
  if (state_ != State::kWaiting) return InputResult::kIgnored;
  if (now < deadline_) {
    // Early wake-up (a shell timer can only sleep ~24.8 days at a time): sleep for the rest.
    commands_.push(CommandTag::kSetTimer);
    commands_.push_u64(static_cast<uint64_t>(deadline_ - now));
    return InputResult::kOk;
  }
  connect(now);
  return InputResult::kOk;
}

InputResult Connection::close(Millis /*now*/) {
  commands_.clear();
  if (state_ == State::kClosed) return InputResult::kIgnored;
  if (state_ == State::kConnecting || state_ == State::kOpen) {
    ++closes_[static_cast<uint8_t>(CloseType::kAppClose)];
    commands_.push(CommandTag::kAbort);
  } else if (state_ == State::kWaiting) {
    commands_.push(CommandTag::kCancelTimer);
  }
  state_ = State::kClosed;
  set_ready_state(ReadyState::kClosed);
  diagnostic(DiagnosticKind::kClosed, static_cast<uint32_t>(CloseType::kAppClose), 0, 0);
  return InputResult::kOk;
}

void Connection::connect(Millis now) {
  state_ = State::kConnecting;
  ++attempt_;
  commands_.push_trace(tracer_.next(now), tracer_.session_id());
  commands_.push(CommandTag::kConnect, {attempt_});
  commands_.push_string(parser_.last_event_id());
}

void Connection::finish_attempt(Millis now, CloseType type, int status) {
  ++closes_[static_cast<uint8_t>(type)];
  const ReconnectDecision decision = policy_.decide({type, status, retry_ms_});
  if (decision.reconnect) {
    // Order as in browsers: readyState first, then `error`, observed with CONNECTING.
    state_ = State::kWaiting;
    deadline_ = now + static_cast<Millis>(decision.delay_ms);
    set_ready_state(ReadyState::kConnecting);
    diagnostic(DiagnosticKind::kReconnect, static_cast<uint32_t>(type), status, decision.delay_ms);
    commands_.push(CommandTag::kSetTimer);
    commands_.push_u64(decision.delay_ms);
  } else {
    state_ = State::kClosed;
    set_ready_state(ReadyState::kClosed);
    diagnostic(DiagnosticKind::kClosed, static_cast<uint32_t>(type), status, 0);
  }
  commands_.push(CommandTag::kError);
}

void Connection::set_ready_state(ReadyState state) {
  commands_.push(CommandTag::kReadyState, {static_cast<uint32_t>(state)});
}

void Connection::diagnostic(DiagnosticKind kind, uint32_t close_type, int status, uint64_t delay_ms) {
  commands_.push(CommandTag::kDiagnostic,
                 {static_cast<uint32_t>(kind), close_type, static_cast<uint32_t>(status), attempt_});
  commands_.push_u64(delay_ms);
}

void Connection::on_event(std::string_view type, std::string_view data) {
  commands_.push(CommandTag::kMessage);
  commands_.push_string(type);
  commands_.push_string(data);
}

void Connection::on_last_event_id(std::string_view id) {
  commands_.push(CommandTag::kLastEventId);
  commands_.push_string(id);
}

void Connection::on_retry(uint64_t ms) { retry_ms_ = ms; }

void Connection::on_retry_default() { retry_ms_ = default_retry_ms_; }

}  // namespace tes

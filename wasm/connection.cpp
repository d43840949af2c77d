#include "connection.h"

#include "response_check.h"

namespace tes {

Connection::Connection(const ConnectionOptions& options, RandomSource& random)
    : random_(random),
      spans_(random),
      policy_(options.reconnect),
      parser_(options.max_event_bytes),
      tracer_(random, options.trace),
      retry_ms_(options.retry_ms),
      default_retry_ms_(options.retry_ms),
      idle_timeout_ms_(options.idle_timeout_ms),
      strict_(options.reconnect.strict) {}

InputResult Connection::configure_trace(const TracerInput& input) {
  commands_.clear();
  if (state_ != State::kIdle) return InputResult::kIgnored;
  for (const std::string& problem : tracer_.configure(input)) commands_.push_warning(problem);
  return InputResult::kOk;
}

InputResult Connection::configure_reconnect(const ReconnectOptions& options, uint64_t idle_timeout_ms) {
  commands_.clear();
  if (state_ != State::kIdle) return InputResult::kIgnored;
  policy_ = ReconnectPolicy(options);
  strict_ = options.strict;
  idle_timeout_ms_ = idle_timeout_ms;
  return InputResult::kOk;
}

InputResult Connection::attach_telemetry(Telemetry* telemetry, double event_span_ratio) {
  commands_.clear();
  if (state_ != State::kIdle) return InputResult::kIgnored;
  spans_.attach(telemetry, tracer_.session_id(), event_span_ratio);
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
  if (!online_ && !strict_) {
    pause();  // offline before the first attempt: nothing failed, so no `error`
    return InputResult::kOk;
  }
  connect(now);
  return InputResult::kOk;
}

InputResult Connection::response(Millis now, const ResponseHead& head) {
  commands_.clear();
  if (state_ != State::kConnecting) return InputResult::kIgnored;
  const int status = head.status;
  last_activity_ = now;
  const ResponseTrace ids = read_response_trace(head.xray, head.traceresponse, head.server_timing);
  commands_.push_response_trace(ids);
  const ResponseVerdict verdict = check_response(status, head.content_type);
  tick_telemetry_if(spans_.on_response(now, status, verdict == ResponseVerdict::kAccept, head.resume_supported, ids));
  switch (verdict) {
    case ResponseVerdict::kAccept:
      state_ = State::kOpen;
      status_ = status;
      resume_supported_ = head.resume_supported;
      parser_.reset_stream();
      set_ready_state(ReadyState::kOpen);
      diagnostic(DiagnosticKind::kOpen, kNoCloseType, status, kNoReason, resume_supported_ ? 0 : kFlagResumeUnsupported);
      commands_.push(CommandTag::kOpen);
      return InputResult::kOk;
    case ResponseVerdict::kBadStatus:
      commands_.push(CommandTag::kAbort);
      finish_attempt(now, CloseType::kHttpStatus, status, head.retry_after);
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
  last_activity_ = now;
  now_ = now;
  spans_.on_bytes(len);
  if (parser_.feed(data, len, *this) == ParseStatus::kEventTooLarge) {
    // Events completed before the cap was hit stay queued ahead of the error, in stream order.
    commands_.push(CommandTag::kAbort);
    finish_attempt(now, CloseType::kStreamCap, status_);
  }
  return InputResult::kOk;
}

InputResult Connection::end(Millis now, CloseType type) {
  commands_.clear();
  if (state_ != State::kConnecting && state_ != State::kOpen) return InputResult::kIgnored;
  if (type == CloseType::kAppClose) return close(now);
  // The body ended: an event still being assembled is discarded (WHATWG: incomplete events are not
  // dispatched), which the next reset_stream() does.
  finish_attempt(now, type, state_ == State::kOpen ? status_ : 0);
  return InputResult::kOk;
}

InputResult Connection::timer(Millis now) {
  commands_.clear();
  if (state_ == State::kWaiting) {
    if (now < deadline_) {
      // Early wake-up (a shell timer can only sleep ~24.8 days at a time): sleep for the rest.
      set_timer(static_cast<uint64_t>(deadline_ - now));
      return InputResult::kOk;
    }
    connect(now);
    return InputResult::kOk;
  }
  if ((state_ == State::kConnecting || state_ == State::kOpen) && idle_timeout_ms_ > 0) {
    const Millis idle_deadline = last_activity_ + static_cast<Millis>(idle_timeout_ms_);
    if (now < idle_deadline) {
      set_timer(static_cast<uint64_t>(idle_deadline - now));
      return InputResult::kOk;
    }
    commands_.push(CommandTag::kAbort);
    finish_attempt(now, CloseType::kIdleTimeout, state_ == State::kOpen ? status_ : 0);
    return InputResult::kOk;
  }
  return InputResult::kIgnored;
}

InputResult Connection::network(Millis now, bool online) {
  commands_.clear();
  const bool was_online = online_;
  online_ = online;
  // Strict mode is WHATWG's EventSource, which does not watch the network.
  if (strict_ || online == was_online) return InputResult::kIgnored;
  if (!online) {
    if (state_ != State::kWaiting) return InputResult::kOk;  // an attempt in flight succeeds or fails on its own
    commands_.push(CommandTag::kCancelTimer);
    pause();
    return InputResult::kOk;
  }
  if (state_ != State::kPaused && state_ != State::kWaiting) return InputResult::kOk;
  if (state_ == State::kWaiting) commands_.push(CommandTag::kCancelTimer);
  diagnostic(DiagnosticKind::kResumed);
  connect(now);
  return InputResult::kOk;
}

InputResult Connection::close(Millis now) {
  commands_.clear();
  if (state_ == State::kClosed) return InputResult::kIgnored;
  tick_telemetry_if(spans_.on_end(now, CloseType::kAppClose, state_ == State::kOpen ? status_ : 0, nullptr));
  if (state_ == State::kConnecting || state_ == State::kOpen) {
    ++closes_[static_cast<uint8_t>(CloseType::kAppClose)];
    commands_.push(CommandTag::kAbort);
    if (idle_timeout_ms_ > 0) commands_.push(CommandTag::kCancelTimer);
  } else if (state_ == State::kWaiting) {
    commands_.push(CommandTag::kCancelTimer);
  }
  state_ = State::kClosed;
  set_ready_state(ReadyState::kClosed);
  diagnostic(DiagnosticKind::kClosed, static_cast<uint32_t>(CloseType::kAppClose), 0,
             static_cast<uint32_t>(DecisionReason::kApp));
  return InputResult::kOk;
}

void Connection::connect(Millis now) {
  state_ = State::kConnecting;
  ++attempt_;
  last_activity_ = now;
  const AttemptTrace trace = tracer_.next(now);
  commands_.push_trace(trace, tracer_.session_id());
  tick_telemetry_if(spans_.on_connect(now, trace, attempt_, !parser_.last_event_id().empty()));
  commands_.push(CommandTag::kConnect, {attempt_});
  commands_.push_string(parser_.last_event_id());
  if (idle_timeout_ms_ > 0) set_timer(idle_timeout_ms_);
}

void Connection::pause() {
  state_ = State::kPaused;
  set_ready_state(ReadyState::kConnecting);
  diagnostic(DiagnosticKind::kPaused);
}

void Connection::finish_attempt(Millis now, CloseType type, int status, std::string_view retry_after) {
  ++closes_[static_cast<uint8_t>(type)];
  const bool idle_timer_armed = idle_timeout_ms_ > 0;
  const bool would_retry = type == CloseType::kGraceful || type == CloseType::kNetwork ||
                           type == CloseType::kIdleTimeout || type == CloseType::kStreamCap;
  if (!online_ && !strict_ && would_retry) {
    // Offline: the attempt failed for want of a network. Wait for `online` without spending a retry.
    if (idle_timer_armed) commands_.push(CommandTag::kCancelTimer);
    tick_telemetry_if(spans_.on_end(now, type, status, nullptr));
    pause();
    commands_.push(CommandTag::kError);
    return;
  }
  CloseFacts facts{type, status, retry_ms_, {RetryAfterStatus::kAbsent, 0}};
  if (!retry_after.empty()) facts.retry_after = parse_retry_after(retry_after, now);
  const ReconnectDecision decision = policy_.decide(facts, random_);
  tick_telemetry_if(spans_.on_end(now, type, status, &decision));
  const auto reason = static_cast<uint32_t>(decision.reason);
  if (decision.reconnect) {
    // Order as in browsers: readyState first, then `error`, observed with CONNECTING.
    state_ = State::kWaiting;
    // A server's `retry:` may be any 64-bit value: a deadline past the end of the clock saturates (that wait never
    // ends, as it should not) instead of overflowing or wrapping into the past.
    const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(now);
    deadline_ = decision.delay_ms > room ? INT64_MAX : static_cast<Millis>(static_cast<uint64_t>(now) + decision.delay_ms);
    set_ready_state(ReadyState::kConnecting);
    diagnostic(DiagnosticKind::kReconnect, static_cast<uint32_t>(type), status, reason, 0, decision.delay_ms);
    set_timer(decision.delay_ms);
  } else {
    state_ = State::kClosed;
    if (idle_timer_armed) commands_.push(CommandTag::kCancelTimer);
    set_ready_state(ReadyState::kClosed);
    diagnostic(DiagnosticKind::kClosed, static_cast<uint32_t>(type), status, reason);
  }
  commands_.push(CommandTag::kError);
}

void Connection::set_ready_state(ReadyState state) {
  commands_.push(CommandTag::kReadyState, {static_cast<uint32_t>(state)});
}

void Connection::set_timer(uint64_t delay_ms) {
  commands_.push(CommandTag::kSetTimer);
  commands_.push_u64(delay_ms);
}

void Connection::diagnostic(DiagnosticKind kind, uint32_t close_type, int status, uint32_t reason, uint32_t flags,
                            uint64_t delay_ms) {
  commands_.push(CommandTag::kDiagnostic, {static_cast<uint32_t>(kind), close_type, static_cast<uint32_t>(status),
                                           attempt_, reason, flags});
  commands_.push_u64(delay_ms);
}

void Connection::on_event(std::string_view type, std::string_view data) {
  policy_.delivered();
  tick_telemetry_if(spans_.on_event(now_, type, data.size()));
  commands_.push(CommandTag::kMessage);
  commands_.push_string(type);
  commands_.push_string(data);
}

void Connection::on_last_event_id(std::string_view id) {
  spans_.on_last_event_id(id);
  commands_.push(CommandTag::kLastEventId);
  commands_.push_string(id);
}

void Connection::on_retry(uint64_t ms) { retry_ms_ = ms; }

void Connection::on_retry_default() { retry_ms_ = default_retry_ms_; }

}  // namespace tes

// Reconnect policy (REQUIREMENTS C2–C5): given how an attempt ended, reconnect after how long, or give up.
//
//   close type                      default policy                               strict (WHATWG, as Chromium)
//   graceful end                    retry + jitter in [0, 10 %]                  retry
//   network, idle timeout, cap      backoff                                      retry
//   status in retry_statuses        Retry-After + jitter in [0, 10 %], bounded   close
//                                   by max_retry_after_ms; without it, backoff
//   204, other statuses, content    close                                        close
//   type, CORS, app close
//
// Backoff: the n-th consecutive failure waits a nominal min(retry · 2^(n−1), max_retry_delay_ms), drawn in
// [80 %, 100 %] of it: a fleet that lost its server together spreads out, while one client's waits still grow
// and never pass the cap. n and the retry count restart only once a connection delivers an event — a server
// that accepts and drops at once must not reset them. `retry` is the stream's reconnection time (the server's
// `retry:`, else the configured default). After max_retries consecutive reconnects without an event, give up.
#pragma once

#include <cstdint>

#include "close_type.h"
#include "random_source.h"
#include "status_set.h"
#include "retry_after.h"

namespace tes {

enum class DecisionReason : uint8_t {
  kRetry = 0,       // reconnect after the reconnection time (graceful end; every reconnect in strict mode)
  kBackoff = 1,     // reconnect after an exponential backoff wait
  kRetryAfter = 2,  // reconnect when the server's Retry-After says
  kFatal = 3,       // close: the response or the close type does not allow a retry
  kMaxRetries = 4,  // close: max_retries consecutive reconnects without an event
  kApp = 5,         // close: the app called close()
};

struct ReconnectDecision {
  bool reconnect = false;
  uint64_t delay_ms = 0;
  DecisionReason reason = DecisionReason::kFatal;
};

struct CloseFacts {
  CloseType type = CloseType::kGraceful;
  int status = 0;              // HTTP status when there was a response, else 0
  uint64_t retry_ms = 0;       // the stream's reconnection time (server `retry:` or the default)
  RetryAfter retry_after{RetryAfterStatus::kAbsent, 0};
};

struct ReconnectOptions {
  uint64_t max_retry_delay_ms = 30000;
  uint32_t max_retries = UINT32_MAX;  // UINT32_MAX: no limit
  uint64_t max_retry_after_ms = 600000;
  bool strict = false;
  StatusSet retry_statuses = StatusSet::transient();  // retried; default 429, 502, 503, 504

  void set_retry_status(int status, bool retry) { retry_statuses.set(status, retry); }
  bool retries_status(int status) const { return retry_statuses.contains(status); }
};

class ReconnectPolicy {
 public:
  explicit ReconnectPolicy(const ReconnectOptions& options) : options_(options) {}

  // Decides, and counts the attempt: every call is one ended attempt.
  [[nodiscard]] ReconnectDecision decide(const CloseFacts& facts, RandomSource& random);
  // The current connection delivered an event: backoff and retry count start over.
  void delivered() {
    failures_ = 0;
    retries_ = 0;
  }
  uint32_t consecutive_failures() const { return failures_; }

 private:
  uint64_t backoff_wait(uint64_t retry_ms, RandomSource& random);

  ReconnectOptions options_;
  uint32_t failures_ = 0;  // consecutive failures since the last delivered event: the backoff exponent
  uint32_t retries_ = 0;   // consecutive reconnects since the last delivered event
};

}  // namespace tes

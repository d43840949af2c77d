// Reconnect policy: given how an attempt ended, reconnect (after how long) or give up.
//
// Today this is exactly what WHATWG prescribes and Chromium does: a network error or the end of the body
// "reestablishes the connection" after the reconnection time; anything wrong with the response "fails the
// connection" for good. The close-type-aware policy (backoff, Retry-After, 204, idle timeout) replaces
// decide() without touching the state machine: the machine only asks and obeys.
#pragma once

#include <cstdint>

#include "close_type.h"

namespace tes {

struct ReconnectDecision {
  bool reconnect = false;
  uint64_t delay_ms = 0;
};

struct CloseFacts {
  CloseType type = CloseType::kGraceful;
  int status = 0;              // HTTP status when there was a response, else 0
  uint64_t retry_ms = 0;       // the stream's reconnection time (server `retry:` or the default)
};

class ReconnectPolicy {
 public:
  [[nodiscard]] ReconnectDecision decide(const CloseFacts& facts) const;
};

}  // namespace tes

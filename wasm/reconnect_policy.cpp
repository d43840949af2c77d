#include "reconnect_policy.h"

namespace tes {

ReconnectDecision ReconnectPolicy::decide(const CloseFacts& facts) const {
  switch (facts.type) {
    case CloseType::kGraceful:
    case CloseType::kNetwork:
    case CloseType::kStreamCap:  // a hostile or broken stream is treated like a dropped connection
      return {true, facts.retry_ms};
    case CloseType::kHttpStatus:
    case CloseType::kContentType:
    case CloseType::kCors:
    case CloseType::kAppClose:
      return {false, 0};
  }
  return {false, 0};
}

}  // namespace tes

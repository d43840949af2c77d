// How one connection attempt ended (REQUIREMENTS C1). Shared by the state machine, the reconnect policy,
// the ABI and (by number) the JS shell: keep the numbering stable.
#pragma once

#include <cstdint>

namespace tes {

enum class CloseType : uint8_t {
  kGraceful = 0,     // the response body ended
  kNetwork = 1,      // fetch() or a body read rejected
  kHttpStatus = 2,   // the response status was not 200
  kContentType = 3,  // 200, but not an event stream
  kCors = 4,         // a cross-origin response the browser refused to expose
  kStreamCap = 5,    // a line or event passed max_event_bytes
  kAppClose = 6,     // the app called close()
  kIdleTimeout = 7,  // no byte (nor response head) for idle_timeout_ms
};

constexpr uint8_t kCloseTypeCount = 8;

}  // namespace tes

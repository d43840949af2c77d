// Commands out of the core: what the shell must do after an input, in order.
//
// Wire format (read by js-glue/core-bindings.js): a sequence of little-endian uint32 words. Each command is a
// tag word followed by a fixed number of argument words (listed below). Strings are (offset, length) pairs
// of UTF-8 bytes relative to the start of the string area. Both areas belong to the connection and stay
// valid until its next input call (they are cleared at the start of every input), nghttp2 `mem_send` style.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tes {

enum class CommandTag : uint32_t {
  kConnect = 1,      // [attempt, last_event_id.off, last_event_id.len]  start a request now
  kAbort = 2,        // []                                              abort the request in flight
  kReadyState = 3,   // [state]                                         0 CONNECTING, 1 OPEN, 2 CLOSED
  kOpen = 4,         // []                                              dispatch `open`
  kMessage = 5,      // [type.off, type.len, data.off, data.len]        dispatch a MessageEvent (empty type = "message")
  kLastEventId = 6,  // [id.off, id.len]                                the last event ID string changed
  kError = 7,        // []                                              dispatch `error`
  kSetTimer = 8,     // [delay_ms.lo, delay_ms.hi]                      call timer() after this delay (replaces any timer)
  kCancelTimer = 9,  // []
  kDiagnostic = 10,  // [kind, close_type, status, attempt, delay_ms.lo, delay_ms.hi]
};

enum class DiagnosticKind : uint32_t { kOpen = 0, kReconnect = 1, kClosed = 2 };

// Value used in a kDiagnostic's close_type slot when there is none (an `open`).
constexpr uint32_t kNoCloseType = 0xFFFFFFFFu;

class CommandBuffer {
 public:
  void clear() {
    words_.clear();
    strings_.clear();
  }
  void push(CommandTag tag) { words_.push_back(static_cast<uint32_t>(tag)); }
  void push(CommandTag tag, std::initializer_list<uint32_t> args) {
    push(tag);
    words_.insert(words_.end(), args);
  }
  // Appends the bytes to the string area and pushes their (offset, length).
  void push_string(std::string_view s) {
    words_.push_back(static_cast<uint32_t>(strings_.size()));
    words_.push_back(static_cast<uint32_t>(s.size()));
    strings_.append(s);
  }
  void push_word(uint32_t w) { words_.push_back(w); }
  void push_u64(uint64_t v) {
    words_.push_back(static_cast<uint32_t>(v));
    words_.push_back(static_cast<uint32_t>(v >> 32));
  }

  const std::vector<uint32_t>& words() const { return words_; }
  const std::string& strings() const { return strings_; }

 private:
  std::vector<uint32_t> words_;
  std::string strings_;
};

}  // namespace tes

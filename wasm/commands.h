// Commands out of the core: what the shell must do after an input, in order.
//
// Wire format (read by js-glue/core-bindings.js): a sequence of little-endian uint32 words. Each command is a
// tag word followed by a fixed number of argument words (listed below). Strings are (offset, length) pairs in
// UTF-16 code units of the text area, which always holds valid UTF-8 (utf8_text.h): the shell decodes the whole
// area with one TextDecoder call and slices it. Payloads that are sent as bytes (kExport) are (offset, length)
// pairs in bytes of a separate byte area. All areas belong to the connection and stay valid until its next
// input call (they are cleared at the start of every input), nghttp2 `mem_send` style.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracer.h"
#include "utf8_text.h"

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
  kDiagnostic = 10,  // [kind, close_type, status, attempt, reason, flags, delay_ms.lo, delay_ms.hi]
                     // reason: DecisionReason or kNoReason; flags: kFlagResumeUnsupported
  kTrace = 11,       // [sampled, has_previous, trace_id, span_id, session_id, previous_trace_id,
                     //  traceparent, tracestate, baggage, xray]  (8 strings; an empty header = do not send)
                     // the context of the attempt that the next kConnect starts, or of one traced fetch
  kWarning = 12,     // [message]                                       rejected configuration, for diagnostics
  kResponseTrace = 13,  // [xray_trace_id, traceresponse_trace_id, server_timing_trace_id]  (32 hex or empty)
  kExport = 14,         // [job, payload (bytes), keepalive]   (telemetry) POST the OTLP/HTTP JSON payload
  kExportFailed = 15,   // [spans, status, will_retry, give_up_reason]   (telemetry) an export attempt failed
  kTelemetryTick = 16,  // []   (connection) a span was recorded: call the telemetry's tick() now
};

enum class DiagnosticKind : uint32_t { kOpen = 0, kReconnect = 1, kClosed = 2, kPaused = 3, kResumed = 4 };

// Values used in a kDiagnostic's close_type and reason slots when there is none (an `open`).
constexpr uint32_t kNoCloseType = 0xFFFFFFFFu;
constexpr uint32_t kNoReason = 0xFFFFFFFFu;
// kDiagnostic flags.
constexpr uint32_t kFlagResumeUnsupported = 1;  // the response said X-SSE-Resume-Supported: false

class CommandBuffer {
 public:
  void clear() {
    words_.clear();
    strings_.clear();
    string_units_ = 0;
    bytes_.clear();
  }
  void push(CommandTag tag) { words_.push_back(static_cast<uint32_t>(tag)); }
  void push(CommandTag tag, std::initializer_list<uint32_t> args) {
    push(tag);
    words_.insert(words_.end(), args);
  }
  // Appends the text (invalid UTF-8 replaced as a decoder would) and pushes its (offset, length) in UTF-16 units.
  void push_string(std::string_view s) {
    words_.push_back(string_units_);
    const uint32_t units = static_cast<uint32_t>(append_valid_utf8(strings_, s));
    words_.push_back(units);
    string_units_ += units;
  }
  // Appends bytes that the shell passes on undecoded and pushes their (offset, length) in bytes.
  void push_bytes(std::string_view b) {
    words_.push_back(static_cast<uint32_t>(bytes_.size()));
    words_.push_back(static_cast<uint32_t>(b.size()));
    bytes_.append(b);
  }
  void push_word(uint32_t w) { words_.push_back(w); }
  void push_u64(uint64_t v) {
    words_.push_back(static_cast<uint32_t>(v));
    words_.push_back(static_cast<uint32_t>(v >> 32));
  }

  void push_trace(const AttemptTrace& t, std::string_view session_id) {
    push(CommandTag::kTrace, {t.sampled ? 1u : 0u, t.has_previous ? 1u : 0u});
    push_string(t.trace_id.hex());
    push_string(t.span_id.hex());
    push_string(session_id);
    push_string(t.has_previous ? t.previous_trace_id.hex() : std::string());
    push_string(t.traceparent);
    push_string(t.tracestate);
    push_string(t.baggage);
    push_string(t.xray);
  }
  void push_warning(std::string_view message) {
    push(CommandTag::kWarning);
    push_string(message);
  }
  void push_response_trace(const ResponseTrace& r) {
    push(CommandTag::kResponseTrace);
    push_string(r.xray_trace_id);
    push_string(r.traceresponse);
    push_string(r.server_timing);
  }

  const std::vector<uint32_t>& words() const { return words_; }
  const std::string& strings() const { return strings_; }
  const std::string& bytes() const { return bytes_; }
  // The string whose (offset, length) pair is at words()[i], as UTF-8 (for native readers: tests, tools).
  std::string string_at(size_t i) const { return std::string(utf8_slice_by_utf16(strings_, words_[i], words_[i + 1])); }
  std::string bytes_at(size_t i) const { return bytes_.substr(words_[i], words_[i + 1]); }

 private:
  std::vector<uint32_t> words_;
  std::string strings_;      // valid UTF-8
  uint32_t string_units_ = 0;  // UTF-16 length of strings_
  std::string bytes_;
};

}  // namespace tes

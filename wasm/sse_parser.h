// SSE parser: bytes in, events out, per WHATWG HTML §9.2.6 "Interpreting an event stream".
//
// It works on bytes, not decoded text. Every delimiter the format uses (CR, LF, ':', ' ') is ASCII and never
// occurs inside a UTF-8 multi-byte sequence, so splitting the raw bytes and UTF-8-decoding each value (with
// U+FFFD for invalid bytes) gives the same strings as decoding the whole stream first. Decoding is the
// caller's job; this keeps the hot loop a byte scan and lets the JS shell decode with one TextDecoder call.
//
// Memory: the parser holds only the unfinished line and the event being assembled. Both are bounded by
// `max_event_bytes`; exceeding it is a sticky error (A8), so a hostile stream cannot grow memory without limit.
// Time: every byte is looked at a constant number of times (no re-scanning of carried-over lines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tes {

// Receives what the parser finds. Views are valid only during the call.
class SseSink {
 public:
  virtual ~SseSink() = default;
  // A blank line dispatched an event with non-empty data. `type` is empty for the default "message".
  virtual void on_event(std::string_view type, std::string_view data) = 0;
  // The last event ID string changed (set at dispatch time, even when the data buffer was empty).
  virtual void on_last_event_id(std::string_view id) = 0;
  // A `retry:` field with only ASCII digits that fits in 64 bits (milliseconds).
  virtual void on_retry(uint64_t ms) = 0;
  // A `retry` field with an empty value: back to the default reconnection time. WHATWG does not say what an
  // empty value means; Chromium resets to its default, and it is the reference we are compared against.
  virtual void on_retry_default() = 0;
};

enum class ParseStatus : uint8_t {
  kOk = 0,
  kEventTooLarge,  // a line or the event being assembled passed max_event_bytes; sticky until reset()
};

class SseParser {
 public:
  static constexpr size_t kDefaultMaxEventBytes = size_t{16} << 20;  // 16 MiB, see REQUIREMENTS A8

  explicit SseParser(size_t max_event_bytes = kDefaultMaxEventBytes) : max_event_bytes_(max_event_bytes) {}

  // Starts a new stream (a new response body). Per WHATWG, the data and event type buffers start empty and a
  // leading BOM is looked for again; the last event ID survives, as in browsers (a new parser "takes over the
  // event ID"), so `Last-Event-ID` resumes correctly after an attempt that delivered no id.
  void reset_stream();

  // Parses `len` bytes. Events and fields are reported to `sink` in stream order. After kEventTooLarge every
  // call returns kEventTooLarge and reports nothing until reset_stream().
  [[nodiscard]] ParseStatus feed(const uint8_t* data, size_t len, SseSink& sink);

  const std::string& last_event_id() const { return last_event_id_; }
  // Sets the last event ID string (e.g. an app-provided resume point). Must not contain U+0000.
  void set_last_event_id(std::string_view id) { last_event_id_ = id; id_buffer_ = id; }
  // Bytes held between calls (unfinished line + event being assembled): what the cap bounds.
  size_t buffered_bytes() const { return line_.size() + data_.size() + event_type_.size(); }
  bool failed() const { return failed_; }
  // Memory reserved by the buffers (>= buffered_bytes()); reset_stream() gives back what an oversized event took.
  size_t capacity_bytes() const { return line_.capacity() + data_.capacity() + event_type_.capacity(); }

 private:
  // Processes one complete line (without its line end).
  void process_line(const uint8_t* line, size_t len, SseSink& sink);
  void dispatch(SseSink& sink);
  // A single line longer than the cap is refused before it is buffered; the data buffer is checked as it grows.
  // Together they bound what is held to about twice the cap.
  bool line_over_cap(size_t line_bytes) const { return line_bytes > max_event_bytes_; }

  size_t max_event_bytes_;
  std::string line_;           // bytes of a line whose end has not arrived yet
  std::string data_;           // data buffer: data lines, each followed by LF
  std::string event_type_;     // event type buffer
  std::string id_buffer_;      // last event ID buffer (the `id:` field most recently seen)
  std::string last_event_id_;  // last event ID string (id_buffer_ committed at dispatch)
  uint8_t bom_matched_ = 0;    // how many bytes of a leading EF BB BF have been seen
  bool bom_done_ = false;      // past the point where a BOM may appear
  bool after_cr_ = false;      // the previous byte was a CR: an LF now is part of the same line end
  bool failed_ = false;
};

}  // namespace tes

// A reference event-stream interpreter for the fuzzer, written straight from the specs and nothing else:
//
//   WHATWG Encoding §4.1 "UTF-8 decode" (BOM sniff, then the UTF-8 decoder of §9.1.1 with error mode
//   "replacement": each maximal subpart of an ill-formed sequence becomes one U+FFFD)
//   WHATWG HTML §9.2.6 "Interpreting an event stream" (lines, fields, dispatch)
//
// It is deliberately naive: the whole body at once, decoded to code points first, then split into lines, then
// each line handled by the spec's steps in the spec's order. No chunking, no byte tricks, no speed. The fuzzer
// compares wasm/sse_parser.cpp (bytes, chunked, decoding left to the caller) against it.
//
// Two things are not in the spec; both are the project's documented behaviour (README "Behaviour"), modelled
// here explicitly so they are compared too:
// - `retry` with an empty value restores the default reconnection time (Chromium; WHATWG is silent). It is
//   reported as its own record.
// - max_event_bytes (REQUIREMENTS A8, close type `stream-cap`): the stream fails for good when a line is longer
//   than the cap, or a `data` line would make the data buffer (values + one LF each) longer than it. Both are
//   measured in bytes of the body as received (a U+FFFD counts the bytes it replaced). The cap is checked on a line
//   before the line is interpreted; an unterminated last line is checked too (it had to be buffered). SIZE_MAX =
//   no cap (pure WHATWG).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ref {

// One decoded code point and how many input bytes it came from (1 for ASCII, 2–4 for a scalar value, 1–3 for a
// U+FFFD standing for a maximal subpart).
struct CodePoint {
  char32_t value;
  uint32_t bytes;
};

// WHATWG "UTF-8 decode" (strip_bom = true) or "UTF-8 decode without BOM" (false).
std::vector<CodePoint> utf8_decode(std::string_view input, bool strip_bom);
std::string utf8_encode(const std::u32string& s);
// What a TextDecoder('utf-8', {ignoreBOM: true}) makes of these bytes, as UTF-8: how the shell turns the
// parser's byte strings into DOM strings. The identity on valid UTF-8.
std::string decode_value(std::string_view bytes);

struct Record {
  enum class Kind : uint8_t {
    kLastEventId,   // the last event ID string of the source changed (at dispatch): `text`
    kEvent,         // a MessageEvent: type (never empty: "message" by default), data, lastEventId
    kRetry,         // a valid `retry` field: `text` holds the ASCII digits as written (leading zeros kept)
    kRetryDefault,  // `retry` with an empty value
    kCapExceeded,   // max_event_bytes passed: nothing more is interpreted
    kReset,         // (used by the fuzzer between two streams; never produced here)
  };
  Kind kind;
  std::string type;  // kEvent
  std::string data;  // kEvent
  std::string text;  // kLastEventId: the id; kEvent: the event's lastEventId; kRetry: the digits

  friend bool operator==(const Record& a, const Record& b) {
    return a.kind == b.kind && a.type == b.type && a.data == b.data && a.text == b.text;
  }
};

struct Result {
  std::vector<Record> records;
  std::string last_event_id;  // at the end of the stream
  bool cap_exceeded = false;
};

// Interprets one response body. `last_event_id`: the source's last event ID string when the body starts (a new
// connection keeps it). Strings in the records are UTF-8.
Result interpret_event_stream(std::string_view body, std::string_view last_event_id = {},
                              size_t max_event_bytes = SIZE_MAX);

std::string describe(const Record& r);

}  // namespace ref

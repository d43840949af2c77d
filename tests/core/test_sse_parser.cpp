// Vectors for the byte-level SSE parser (wasm/sse_parser.{h,cpp}): WHATWG HTML §9.2.6 as REQUIREMENTS A7/A8 ask.
//
// Every vector is run three ways: fed whole, split into two chunks at every byte position, and fed byte by byte.
// All must give the same sink calls, final status and last event ID, because chunk boundaries on the wire are
// arbitrary (the same idea as h11's `tr()` and eventsource-parser's CR-at-boundary tests).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "../escape_bytes.h"
#include "sse_parser.h"

namespace {

using namespace std::string_literals;
using tes::ParseStatus;
using tes::SseParser;
using tes::SseSink;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * kKiB;
constexpr size_t kSmallCap = 16;

// Sink calls are recorded as readable strings, so a failing vector prints exactly what differs.
std::string escape(std::string_view bytes) { return tes_test::escape_bytes(bytes); }

const char* status_name(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk:
      return "kOk";
    case ParseStatus::kEventTooLarge:
      return "kEventTooLarge";
  }
  return "(unknown ParseStatus)";
}

// The expected sink calls, spelled the way RecordingSink records them.
std::string ev(std::string_view type, std::string_view data) {
  return "event(\"" + escape(type) + "\", \"" + escape(data) + "\")";
}
std::string id(std::string_view value) { return "last_event_id(\"" + escape(value) + "\")"; }
std::string retry(uint64_t ms) { return "retry(" + std::to_string(ms) + ")"; }
const std::string kRetryDefault = "retry_default()";
// Marks where a multi-stream vector called reset_stream(), and the status the previous stream ended with.
std::string reset_after(ParseStatus status) { return "reset_stream() after "s + status_name(status); }

class RecordingSink final : public SseSink {
 public:
  void on_event(std::string_view type, std::string_view data) override { calls.push_back(ev(type, data)); }
  void on_last_event_id(std::string_view value) override { calls.push_back(id(value)); }
  void on_retry(uint64_t ms) override { calls.push_back(retry(ms)); }
  void on_retry_default() override { calls.push_back(kRetryDefault); }

  std::vector<std::string> calls;
};

// For the big streams: counts instead of recording.
class CountingSink final : public SseSink {
 public:
  void on_event(std::string_view type, std::string_view data) override {
    ++events;
    data_bytes += data.size();
    last_type.assign(type);
    last_data.assign(data);
  }
  void on_last_event_id(std::string_view value) override {
    ++id_changes;
    last_id.assign(value);
  }
  void on_retry(uint64_t) override { ++retries; }
  void on_retry_default() override { ++retries; }

  size_t events = 0;
  size_t id_changes = 0;
  size_t retries = 0;
  size_t data_bytes = 0;
  std::string last_type;
  std::string last_data;
  std::string last_id;
};

ParseStatus feed(SseParser& parser, SseSink& sink, std::string_view bytes) {
  return parser.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), sink);
}

struct Outcome {
  std::vector<std::string> calls;
  ParseStatus status;
  std::string last_event_id;
};

bool operator==(const Outcome& a, const Outcome& b) {
  return a.calls == b.calls && a.status == b.status && a.last_event_id == b.last_event_id;
}
bool operator!=(const Outcome& a, const Outcome& b) { return !(a == b); }

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{ calls: [";
  for (size_t i = 0; i < o.calls.size(); ++i) os << (i ? ", " : "") << o.calls[i];
  return os << "], status: " << status_name(o.status) << ", last_event_id: \"" << escape(o.last_event_id)
            << "\" }";
}

struct Vector {
  std::string name;
  std::vector<std::string> streams;  // reset_stream() is called between consecutive streams
  std::vector<std::string> calls;    // every sink call, in order, plus reset_after() markers
  std::string last_event_id{};       // parser.last_event_id() at the end
  ParseStatus status = ParseStatus::kOk;  // what the last feed() returned
  size_t max_event_bytes = SseParser::kDefaultMaxEventBytes;
};

using Chunker = std::function<std::vector<std::string_view>(std::string_view)>;

std::vector<std::string_view> whole(std::string_view stream) { return {stream}; }

std::vector<std::string_view> byte_by_byte(std::string_view stream) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < stream.size(); ++i) chunks.push_back(stream.substr(i, 1));
  return chunks;
}

// Two chunks, the first `k` bytes long (clamped); k = 0 and k = size give an empty chunk, which must be harmless.
Chunker split_at(size_t k) {
  return [k](std::string_view stream) {
    const size_t cut = std::min(k, stream.size());
    return std::vector<std::string_view>{stream.substr(0, cut), stream.substr(cut)};
  };
}

Outcome run(const Vector& v, const Chunker& chunker) {
  SseParser parser(v.max_event_bytes);
  RecordingSink sink;
  ParseStatus status = ParseStatus::kOk;
  for (size_t i = 0; i < v.streams.size(); ++i) {
    if (i > 0) {
      sink.calls.push_back(reset_after(status));
      parser.reset_stream();
      status = ParseStatus::kOk;
    }
    for (const std::string_view chunk : chunker(v.streams[i])) {
      const bool had_failed = status == ParseStatus::kEventTooLarge;
      const size_t calls_before = sink.calls.size();
      status = feed(parser, sink, chunk);
      // The error is sticky: after kEventTooLarge every feed fails again and reports nothing. Violations are
      // recorded as calls so that they show up in the comparison with the expected outcome.
      if (had_failed && (status != ParseStatus::kEventTooLarge || sink.calls.size() != calls_before)) {
        sink.calls.push_back("VIOLATION: a feed after kEventTooLarge returned "s + status_name(status) +
                             " or reported calls");
      }
      if (parser.failed() != (status == ParseStatus::kEventTooLarge)) {
        sink.calls.push_back("VIOLATION: failed() disagrees with the returned status");
      }
    }
  }
  return {sink.calls, status, parser.last_event_id()};
}

void check_vector(const Vector& v) {
  const Outcome expected{v.calls, v.status, v.last_event_id};
  {
    INFO("fed whole");
    CHECK(run(v, whole) == expected);
  }
  size_t longest = 0;
  for (const std::string& stream : v.streams) longest = std::max(longest, stream.size());
  for (size_t k = 0; k <= longest; ++k) {
    const Outcome got = run(v, split_at(k));
    INFO("split into two chunks after byte " << k << " of each stream");
    CHECK(got == expected);
    if (got != expected) break;  // the first failing split point is enough to read
  }
  {
    INFO("fed byte by byte");
    CHECK(run(v, byte_by_byte) == expected);
  }
}

void check_vectors(const std::vector<Vector>& vectors) {
  for (const Vector& v : vectors) {
    DYNAMIC_SECTION(v.name) { check_vector(v); }
  }
}

}  // namespace

TEST_CASE("SSE vectors: LF, CR and CRLF each end a line, in any mix", "[sse_parser]") {
  check_vectors({
      {"LF ends a line", {"data: a\n\n"}, {ev("", "a")}},
      {"CR ends a line", {"data: a\r\r"}, {ev("", "a")}},
      {"CRLF ends a line", {"data: a\r\n\r\n"}, {ev("", "a")}},
      {"LF, CR and CRLF mixed in one event and stream",
       {"data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r\n"},
       {ev("", "a\nb\nc"), ev("", "d")}},
      // The split runs put a chunk boundary between every CR and LF: the LF must not become a blank line there.
      {"CR then LF is one line end even across a chunk boundary",
       {"data: a\r\ndata: b\r\n\r\n"},
       {ev("", "a\nb")}},
      {"LF then CR is two line ends", {"data: a\n\rdata: b\n\n"}, {ev("", "a"), ev("", "b")}},
      {"CR then CR is two line ends", {"data: a\r\rdata: b\r\r"}, {ev("", "a"), ev("", "b")}},
      {"CRLF then LF is two line ends", {"data: a\r\n\ndata: b\r\n\n"}, {ev("", "a"), ev("", "b")}},
      {"CR CRLF is two line ends", {"data: a\r\r\ndata: b\r\r\n"}, {ev("", "a"), ev("", "b")}},
      {"blank lines at the start of the stream dispatch nothing", {"\n\r\n\rdata: a\n\n"}, {ev("", "a")}},
      // Only CR and LF end lines: NEL, LS, VT and FF are ordinary bytes.
      {"NEL, LINE SEPARATOR, VT and FF are not line ends",
       {"data: a\xC2\x85" "b\xE2\x80\xA8" "c\x0B\x0C" "d\n\n"},
       {ev("", "a\xC2\x85" "b\xE2\x80\xA8" "c\x0B\x0C" "d")}},
  });
}

TEST_CASE("SSE vectors: lines starting with a colon are comments", "[sse_parser]") {
  check_vectors({
      {"a comment before an event is ignored", {": hello\ndata: a\n\n"}, {ev("", "a")}},
      {"a comment between data lines does not end the event",
       {"data: a\n: note\ndata: b\n\n"},
       {ev("", "a\nb")}},
      {"comment-only blocks dispatch nothing", {":\n\n: x\r\n\r\n:x\r\r"}, {}},
      {"field syntax inside a comment is ignored", {":data: x\n\n: id: 5\n\n:retry: 7\n\n"}, {}},
      {"a space before the colon makes it a field line, not a comment", {" : data\ndata: a\n\n"}, {ev("", "a")}},
  });
}

TEST_CASE("SSE vectors: the field name ends at the first colon and one leading space is removed from the value",
          "[sse_parser]") {
  check_vectors({
      {"later colons stay in the value", {"data: a:b: c\n\n"}, {ev("", "a:b: c")}},
      {"no space after the colon: the value is taken as is", {"data:a\n\n"}, {ev("", "a")}},
      {"exactly one leading space is removed (two spaces keep one)", {"data:  a\n\n"}, {ev("", " a")}},
      {"a lone space after the colon gives an empty value", {"data: \n\n"}, {ev("", "")}},
      {"trailing spaces are kept", {"data: a  \n\n"}, {ev("", "a  ")}},
      {"a tab after the colon is not removed", {"data:\ta\n\n"}, {ev("", "\ta")}},
      {"a colon right after the separator stays in the value", {"data::a\n\n"}, {ev("", ":a")}},
      {"the field name is not trimmed", {" data: a\n\ndata : b\n\ndata\t: c\n\n"}, {}},
      {"field names are case-sensitive",
       {"Data: a\nDATA: b\nEvent: e\nID: 1\nRetry: 5\n\n"},
       {}},
      {"unknown fields are ignored and do not disturb the event",
       {"foo: bar\ndata: a\nfoo\nx:\ndatas: b\n\n"},
       {ev("", "a")}},
      {"an unknown field alone dispatches nothing", {"foo: bar\n\n"}, {}},
      {"a space instead of a colon does not separate name and value", {"data x\n\nid 1\n\n"}, {}},
      {"field without colon: data appends an empty data line", {"data\n\n"}, {ev("", "")}},
      {"field without colon: event sets an empty event type",
       {"event: foo\nevent\ndata: a\n\n"},
       {ev("", "a")}},
      {"field without colon: id resets the last event ID",
       {"id: 1\n\nid\n\n"},
       {id("1"), id("")}},
      {"field without colon: retry restores the default (as Chromium)", {"retry\n\n"}, {kRetryDefault}},
  });
}

TEST_CASE("SSE vectors: data lines are joined with LF", "[sse_parser]") {
  check_vectors({
      {"three data lines", {"data: a\ndata: b\ndata: c\n\n"}, {ev("", "a\nb\nc")}},
      {"an empty data line in the middle is kept", {"data: a\ndata\ndata: b\n\n"}, {ev("", "a\n\nb")}},
      {"an empty last data line leaves a trailing LF", {"data: a\ndata:\n\n"}, {ev("", "a\n")}},
      // WHATWG example: only the one LF after the last line is removed.
      {"two empty data lines give a single LF", {"data\ndata\n\n"}, {ev("", "\n")}},
      {"WHATWG example: data with and without the space",
       {"data:test\n\ndata: test\n\n"},
       {ev("", "test"), ev("", "test")}},
      {"WHATWG example: stock ticker lines", {"data: YHOO\ndata: +2\ndata: 10\n\n"}, {ev("", "YHOO\n+2\n10")}},
      {"consecutive events are separate", {"data: 1\n\ndata: 2\n\n"}, {ev("", "1"), ev("", "2")}},
  });
}

TEST_CASE("SSE vectors: the event field sets the type until the next dispatch", "[sse_parser]") {
  check_vectors({
      {"event sets the type", {"event: add\ndata: x\n\n"}, {ev("add", "x")}},
      {"the type resets after a dispatch", {"event: add\ndata: x\n\ndata: y\n\n"}, {ev("add", "x"), ev("", "y")}},
      {"the type resets even when the block had no data", {"event: add\n\ndata: y\n\n"}, {ev("", "y")}},
      {"the last event field in a block wins", {"event: a\nevent: b\ndata: x\n\n"}, {ev("b", "x")}},
      {"an event field after the data still applies", {"data: x\nevent: late\n\n"}, {ev("late", "x")}},
      {"an empty event value means the default type", {"event:\ndata: x\n\n"}, {ev("", "x")}},
      // Mapping "" to "message" is the JS shell's job; the parser passes the name through.
      {"the literal name message is passed through", {"event: message\ndata: x\n\n"}, {ev("message", "x")}},
      {"WHATWG example: add and remove events",
       {"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"},
       {ev("add", "73857293"), ev("remove", "2153"), ev("add", "113411")}},
      {"an event field alone dispatches nothing", {"event: x\n\n"}, {}},
  });
}

TEST_CASE("SSE vectors: the id field sets the last event ID at dispatch", "[sse_parser]") {
  check_vectors({
      {"the id is committed at dispatch and reported before the event",
       {"id: 1\ndata: x\n\n"},
       {id("1"), ev("", "x")},
       "1"},
      {"an id without a following blank line is not committed", {"id: 1\ndata: x\n"}, {}, ""},
      {"an id with no data still updates and is reported once", {"id: 7\n\n"}, {id("7")}, "7"},
      {"an unchanged id is not reported again",
       {"id: 1\ndata: a\n\nid: 1\ndata: b\n\n"},
       {id("1"), ev("", "a"), ev("", "b")},
       "1"},
      {"the id carries over to later events",
       {"id: 1\ndata: a\n\ndata: b\n\n"},
       {id("1"), ev("", "a"), ev("", "b")},
       "1"},
      {"an empty id resets the last event ID",
       {"id: 1\ndata: a\n\nid:\ndata: b\n\n"},
       {id("1"), ev("", "a"), id(""), ev("", "b")},
       ""},
      {"an id of a single space is empty", {"id: 1\n\nid: \n\n"}, {id("1"), id("")}, ""},
      {"an id containing NUL is ignored",
       {"id: 1\n\nid: a\0b\ndata: x\n\n"s},
       {id("1"), ev("", "x")},
       "1"},
      {"an id of only NUL is ignored", {"id: \0\n\n"s}, {}, ""},
      {"an id with NUL does not undo an earlier id in the same block",
       {"id: 2\nid: \0\n\n"s},
       {id("2")},
       "2"},
      {"the last id field in a block wins", {"id: 1\nid: 2\n\n"}, {id("2")}, "2"},
      {"an id after the data applies to that dispatch", {"data: x\nid: 3\n\n"}, {id("3"), ev("", "x")}, "3"},
      {"spaces and colons in the id are kept", {"id:  a:b \n\n"}, {id(" a:b ")}, " a:b "},
      {"an id changed and changed back within a block is not reported",
       {"id: 1\n\nid: 2\nid: 1\n\n"},
       {id("1")},
       "1"},
      {"WHATWG example: id set, then reset by a bare id, third event unterminated",
       {": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n"},
       {id("1"), ev("", "first event"), id(""), ev("", "second event")},
       ""},
  });
}

TEST_CASE("SSE vectors: retry is reported only when it is all ASCII digits and fits in 64 bits", "[sse_parser]") {
  check_vectors({
      // retry takes effect when the line is parsed, not at dispatch.
      {"retry is reported without a blank line", {"retry: 1000\n"}, {retry(1000)}},
      {"retry: 0 is accepted", {"retry: 0\n"}, {retry(0)}},
      {"retry: UINT64_MAX is accepted", {"retry: 18446744073709551615\n"}, {retry(UINT64_MAX)}},
      {"retry: UINT64_MAX + 1 is ignored", {"retry: 18446744073709551616\n"}, {}},
      {"retry: a 20-digit value above UINT64_MAX is ignored", {"retry: 99999999999999999999\n"}, {}},
      {"leading zeros are accepted, even past 20 digits", {"retry: 0000000000000000000000042\n"}, {retry(42)}},
      {"retry without a space after the colon", {"retry:5\n"}, {retry(5)}},
      {"retry: 12a is ignored", {"retry: 12a\n"}, {}},
      {"retry: -1 is ignored", {"retry: -1\n"}, {}},
      {"retry: 1.5 is ignored", {"retry: 1.5\n"}, {}},
      {"retry: +5 is ignored", {"retry: +5\n"}, {}},
      {"retry: 1e3 is ignored", {"retry: 1e3\n"}, {}},
      {"retry with a trailing space is ignored", {"retry: 5 \n"}, {}},
      {"retry with two leading spaces is ignored", {"retry:  5\n"}, {}},
      {"retry: with an empty value restores the default (as Chromium)", {"retry:\n"}, {kRetryDefault}},
      {"retry: with a lone space restores the default (the space is the separator)", {"retry: \n"}, {kRetryDefault}},
      {"non-ASCII digits are ignored", {"retry: \xD9\xA1\xEF\xBC\x92\n"}, {}},
      {"retry with NUL is ignored", {"retry: 1\0\n"s}, {}},
      {"retry in an unterminated line is not reported", {"retry: 5"}, {}},
      {"every retry line is reported, in stream order with the other calls",
       {"retry: 5\ndata: a\nretry: 5\n\nretry: 7\n"},
       {retry(5), retry(5), ev("", "a"), retry(7)}},
      {"retry does not dispatch or touch the data", {"retry: 5\n\n"}, {retry(5)}},
  });
}

TEST_CASE("SSE vectors: a blank line dispatches — an unterminated event is discarded", "[sse_parser]") {
  check_vectors({
      {"empty input", {""}, {}},
      {"blank lines alone dispatch nothing", {"\n\n\r\n\r"}, {}},
      {"an event with no blank line after it is not dispatched", {"data: a\n"}, {}},
      {"an unterminated last line is not dispatched", {"data: a"}, {}},
      {"only the terminated events are dispatched", {"data: a\n\ndata: b\n"}, {ev("", "a")}},
      {"WHATWG example: empty data events and an unterminated data line",
       {"data\n\ndata\ndata\n\ndata:"},
       {ev("", ""), ev("", "\n")}},
  });
}

TEST_CASE("SSE vectors: one leading BOM is stripped, at the start of each stream only", "[sse_parser]") {
  check_vectors({
      {"a leading BOM is stripped", {"\xEF\xBB\xBF" "data: x\n\n"}, {ev("", "x")}},
      {"a BOM followed by a line end is a blank line", {"\xEF\xBB\xBF\ndata: x\n\n"}, {ev("", "x")}},
      {"a comment right after the BOM is still a comment", {"\xEF\xBB\xBF: hi\ndata: x\n\n"}, {ev("", "x")}},
      // The second BOM becomes part of the field name, so the line is an unknown field.
      {"a second BOM is kept as line content", {"\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n"}, {}},
      {"a BOM at the start of a later line is kept", {"data: x\n\n\xEF\xBB\xBF" "data: y\n\n"}, {ev("", "x")}},
      {"a BOM inside a value is kept", {"data: \xEF\xBB\xBF" "x\n\n"}, {ev("", "\xEF\xBB\xBF" "x")}},
      {"one byte of a BOM then other bytes is line content", {"\xEF" "data: x\n\n"}, {}},
      {"two bytes of a BOM then other bytes is line content", {"\xEF\xBB" "data: x\n\n"}, {}},
      {"a partial BOM kept as content is not lost when a line end follows",
       {"\xEF\xBB\ndata: x\n\n"},
       {ev("", "x")}},
      {"a partial BOM then a full BOM: neither is stripped", {"\xEF\xBB\xEF\xBB\xBF" "data: x\n\n"}, {}},
      {"a BOM alone", {"\xEF\xBB\xBF"}, {}},
      {"reset_stream() re-arms BOM detection",
       {"\xEF\xBB\xBF" "data: a\n\n", "\xEF\xBB\xBF" "data: b\n\n"},
       {ev("", "a"), reset_after(ParseStatus::kOk), ev("", "b")}},
      {"a BOM is stripped from a new stream even if the first stream had none",
       {"data: a\n\n", "\xEF\xBB\xBF" "data: b\n\n"},
       {ev("", "a"), reset_after(ParseStatus::kOk), ev("", "b")}},
      {"a new stream without a BOM is parsed normally",
       {"\xEF\xBB\xBF" "data: a\n\n", "data: b\n\n"},
       {ev("", "a"), reset_after(ParseStatus::kOk), ev("", "b")}},
      {"a second BOM in a new stream is kept as content",
       {"data: a\n\n", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: b\n\n"},
       {ev("", "a"), reset_after(ParseStatus::kOk)}},
      {"a partial BOM at the end of a stream does not leak into the next",
       {"\xEF\xBB", "data: b\n\n"},
       {reset_after(ParseStatus::kOk), ev("", "b")}},
      {"a BOM split by reset_stream() is not a BOM",
       {"\xEF", "\xBB\xBF" "data: b\n\n"},
       {reset_after(ParseStatus::kOk)}},
  });
}

TEST_CASE("SSE vectors: bytes are passed through untouched (decoding is the JS shell's job)", "[sse_parser]") {
  check_vectors({
      {"invalid UTF-8 in data", {"data: \xFF\xFE\x80\xC0\n\n"}, {ev("", "\xFF\xFE\x80\xC0")}},
      {"a truncated UTF-8 sequence at the end of a value", {"data: \xE6\x97\n\n"}, {ev("", "\xE6\x97")}},
      {"invalid UTF-8 in the event type", {"event: \xFF\ndata: x\n\n"}, {ev("\xFF", "x")}},
      {"invalid UTF-8 in the id", {"id: \xC3\n\n"}, {id("\xC3")}, "\xC3"},
      {"NUL in data", {"data: a\0b\n\n"s}, {ev("", "a\0b"s)}},
      {"NUL in the event type", {"event: a\0\ndata: x\n\n"s}, {ev("a\0"s, "x")}},
      {"NUL in a field name makes it an unknown field", {"data\0: x\n\n"s}, {}},
      // Split runs cut these multi-byte sequences in every possible place.
      {"multi-byte UTF-8 in type and data",
       {"event: café\ndata: 日本語 🎉\n\n"},
       {ev("café", "日本語 🎉")}},
      {"multi-byte UTF-8 in the id", {"id: ключ\n\n"}, {id("ключ")}, "ключ"},
      {"multi-byte UTF-8 field names are unknown fields", {"dätä: x\nデータ: y\ndata: z\n\n"}, {ev("", "z")}},
  });
}

TEST_CASE("SSE vectors: reset_stream() clears the line, data and type but keeps the last event ID",
          "[sse_parser]") {
  check_vectors({
      {"reset discards the unfinished line",
       {"data: a\ndata: b", "data: c\n\n"},
       {reset_after(ParseStatus::kOk), ev("", "c")}},
      {"reset discards the data buffer", {"data: a\n", "\n"}, {reset_after(ParseStatus::kOk)}},
      {"reset discards the event type",
       {"event: foo\n", "data: x\n\n"},
       {reset_after(ParseStatus::kOk), ev("", "x")}},
      {"reset keeps the last event ID and does not report it again",
       {"id: 1\n\n", "data: x\n\n"},
       {id("1"), reset_after(ParseStatus::kOk), ev("", "x")},
       "1"},
      // Chromium hands the committed last event ID to the new stream's parser: an id field that was never
      // dispatched is dropped with the rest of the unfinished event.
      {"reset drops an id that was not yet dispatched",
       {"id: 1\n\nid: 2\n", "data: x\n\n"},
       {id("1"), reset_after(ParseStatus::kOk), ev("", "x")},
       "1"},
      {"an empty id after reset still resets the last event ID",
       {"id: 1\n\n", "id\n\n"},
       {id("1"), reset_after(ParseStatus::kOk), id("")},
       ""},
      {"a new id after reset is reported",
       {"id: 1\n\n", "id: 2\ndata: x\n\n"},
       {id("1"), reset_after(ParseStatus::kOk), id("2"), ev("", "x")},
       "2"},
  });
}

TEST_CASE("SSE vectors: a line or event over max_event_bytes fails with kEventTooLarge", "[sse_parser]") {
  constexpr ParseStatus kTooLarge = ParseStatus::kEventTooLarge;
  constexpr ParseStatus kOk = ParseStatus::kOk;
  check_vectors({
      {"a line exactly at the cap is fine", {"data: 0123456789\n\n"}, {ev("", "0123456789")}, "", kOk, kSmallCap},
      {"a line one byte over the cap fails", {"data: 0123456789a\n\n"}, {}, "", kTooLarge, kSmallCap},
      {"a line far over the cap fails", {"data: 0123456789abcdefghij\n\n"}, {}, "", kTooLarge, kSmallCap},
      {"an unterminated line over the cap fails without waiting for its end",
       {"data: 0123456789abcdef"},
       {},
       "",
       kTooLarge,
       kSmallCap},
      {"a comment line over the cap fails too", {": 0123456789abcdefgh\n"}, {}, "", kTooLarge, kSmallCap},
      {"an unknown field line over the cap fails too", {"x: 0123456789abcdefgh\n"}, {}, "", kTooLarge, kSmallCap},
      {"events before the long line are delivered, nothing after it",
       {"id: 1\ndata: a\n\ndata: 0123456789abcdef\n\ndata: b\n\n"},
       {id("1"), ev("", "a")},
       "1",
       kTooLarge,
       kSmallCap},
      // The data buffer holds each data line plus its LF: 8 + 8 = 16 bytes is at the cap.
      {"a data buffer exactly at the cap is fine",
       {"data: 0123456\ndata: 0123456\n\n"},
       {ev("", "0123456\n0123456")},
       "",
       kOk,
       kSmallCap},
      {"two data lines whose joined size passes the cap fail",
       {"data: 01234567\ndata: 01234567\n\n"},
       {},
       "",
       kTooLarge,
       kSmallCap},
      {"many short data lines whose joined size passes the cap fail",
       {"data: ab\ndata: ab\ndata: ab\ndata: ab\ndata: ab\ndata: ab\n\n"},
       {},
       "",
       kTooLarge,
       kSmallCap},
      {"the cap is per event: many small events are fine",
       {"data: 0123456789\n\ndata: 0123456789\n\ndata: 0123456789\n\n"},
       {ev("", "0123456789"), ev("", "0123456789"), ev("", "0123456789")},
       "",
       kOk,
       kSmallCap},
      {"the error is sticky: later complete events in the same stream are not reported",
       {"data: 0123456789abcdef\ndata: x\n\n"},
       {},
       "",
       kTooLarge,
       kSmallCap},
      {"reset_stream() clears the error and keeps the last event ID",
       {"id: 1\n\nid: 2\ndata: 0123456789abcdef\n", "data: y\n\n"},
       {id("1"), reset_after(kTooLarge), ev("", "y")},
       "1",
       kOk,
       kSmallCap},
  });
}

TEST_CASE("A CR ending one chunk and an LF starting the next are one line end, even with empty chunks between",
          "[sse_parser]") {
  SseParser parser;
  RecordingSink sink;
  for (const char* chunk : {"data: a\r", "", "", "\ndata: b\r", "\n", "\r", "", "\n", "data: c\n\n"}) {
    REQUIRE(feed(parser, sink, chunk) == ParseStatus::kOk);
  }
  CHECK(sink.calls == std::vector<std::string>{ev("", "a\nb"), ev("", "c")});
  CHECK(parser.buffered_bytes() == 0);
}

TEST_CASE("set_last_event_id() seeds the last event ID and the id buffer", "[sse_parser]") {
  SseParser parser;
  RecordingSink sink;
  parser.set_last_event_id("42");
  REQUIRE(feed(parser, sink, "data: x\n\n") == ParseStatus::kOk);
  // A dispatch without an id field keeps the seeded value and does not report a change.
  CHECK(sink.calls == std::vector<std::string>{ev("", "x")});
  CHECK(parser.last_event_id() == "42");
  parser.reset_stream();
  CHECK(parser.last_event_id() == "42");
  REQUIRE(feed(parser, sink, "id\n\n") == ParseStatus::kOk);
  CHECK(sink.calls == std::vector<std::string>{ev("", "x"), id("")});
  CHECK(parser.last_event_id().empty());
}

TEST_CASE("kEventTooLarge is sticky until reset_stream()", "[sse_parser]") {
  SseParser parser(kSmallCap);
  RecordingSink sink;
  CHECK(feed(parser, sink, "data: a\n\ndata: 0123456789abcdef\n") == ParseStatus::kEventTooLarge);
  CHECK(sink.calls == std::vector<std::string>{ev("", "a")});
  CHECK(parser.failed());
  sink.calls.clear();
  // Later feeds fail without looking at their bytes, whatever they hold.
  CHECK(feed(parser, sink, "data: b\n\n") == ParseStatus::kEventTooLarge);
  CHECK(feed(parser, sink, "") == ParseStatus::kEventTooLarge);
  CHECK(feed(parser, sink, "\n\nretry: 5\nid: 9\n\n") == ParseStatus::kEventTooLarge);
  CHECK(sink.calls.empty());
  CHECK(parser.buffered_bytes() <= kSmallCap);
  parser.reset_stream();
  CHECK_FALSE(parser.failed());
  CHECK(parser.buffered_bytes() == 0);
  CHECK(feed(parser, sink, "data: c\n\n") == ParseStatus::kOk);
  CHECK(sink.calls == std::vector<std::string>{ev("", "c")});
}

TEST_CASE("A line over the cap arriving in pieces fails in the piece that passes the cap", "[sse_parser]") {
  SseParser parser(kSmallCap);
  RecordingSink sink;
  CHECK(feed(parser, sink, "data: 01234") == ParseStatus::kOk);
  CHECK(feed(parser, sink, "56789") == ParseStatus::kOk);
  CHECK(parser.buffered_bytes() == kSmallCap);  // exactly at the cap is still fine
  CHECK(feed(parser, sink, "a") == ParseStatus::kEventTooLarge);
  CHECK(parser.buffered_bytes() <= kSmallCap);
  CHECK(sink.calls.empty());
}

TEST_CASE("Heartbeat comment lines under the cap can repeat forever without buffering", "[sse_parser]") {
  SECTION("small cap, heartbeats whole and cut in two") {
    SseParser parser(kSmallCap);
    RecordingSink sink;
    const std::string beat = ": keep-alive\n";  // a 12-byte line, under the 16-byte cap
    bool all_ok = true;
    size_t max_buffered = 0;
    for (int i = 0; i < 100000; ++i) {
      all_ok &= feed(parser, sink, beat) == ParseStatus::kOk;
      max_buffered = std::max(max_buffered, parser.buffered_bytes());
      all_ok &= feed(parser, sink, std::string_view(beat).substr(0, 5)) == ParseStatus::kOk;
      max_buffered = std::max(max_buffered, parser.buffered_bytes());
      all_ok &= feed(parser, sink, std::string_view(beat).substr(5)) == ParseStatus::kOk;
      max_buffered = std::max(max_buffered, parser.buffered_bytes());
    }
    CHECK(all_ok);
    CHECK(sink.calls.empty());
    CHECK(max_buffered <= 5);  // at most the unfinished piece of one heartbeat
    CHECK(parser.buffered_bytes() == 0);
    CHECK(feed(parser, sink, "data: x\n\n") == ParseStatus::kOk);
    CHECK(sink.calls == std::vector<std::string>{ev("", "x")});
  }
  SECTION("default cap, 32 MiB of heartbeats in 64 KiB chunks that cut lines anywhere") {
    SseParser parser;
    CountingSink sink;
    const std::string beat = ": ping\n";  // 7 bytes: 64 KiB chunks end at every offset of a heartbeat
    std::string chunk;
    size_t offset = 0;
    bool all_ok = true;
    size_t max_buffered = 0;
    for (size_t fed = 0; fed < 32 * kMiB; fed += chunk.size()) {
      chunk.clear();
      while (chunk.size() < 64 * kKiB) chunk += beat[offset++ % beat.size()];
      all_ok &= feed(parser, sink, chunk) == ParseStatus::kOk;
      max_buffered = std::max(max_buffered, parser.buffered_bytes());
    }
    CHECK(all_ok);
    CHECK(sink.events == 0);
    CHECK(max_buffered < beat.size());
  }
}

TEST_CASE("A 100 MiB stream without a line end fails once it passes the default cap and never holds more",
          "[sse_parser]") {
  constexpr size_t kCap = SseParser::kDefaultMaxEventBytes;
  constexpr size_t kChunk = 64 * kKiB;
  SseParser parser;
  RecordingSink sink;
  const std::string first = "data: " + std::string(kChunk - 6, 'x');
  const std::string chunk(kChunk, 'x');
  size_t fed = 0;
  size_t fed_at_failure = 0;  // bytes fed including the chunk that first failed
  bool failures_sticky = true;
  size_t max_buffered = 0;
  for (size_t i = 0; fed < 100 * kMiB; ++i) {
    const ParseStatus status = feed(parser, sink, i == 0 ? first : chunk);
    fed += kChunk;
    max_buffered = std::max(max_buffered, parser.buffered_bytes());
    if (fed_at_failure != 0) {
      failures_sticky &= status == ParseStatus::kEventTooLarge;
    } else if (status == ParseStatus::kEventTooLarge) {
      fed_at_failure = fed;
    }
  }
  CHECK(fed_at_failure > kCap);            // not before the line passes the cap...
  CHECK(fed_at_failure - kChunk <= kCap);  // ...but in the chunk that passes it
  CHECK(failures_sticky);
  CHECK(max_buffered <= kCap);
  CHECK(sink.calls.empty());
  parser.reset_stream();
  CHECK(parser.buffered_bytes() == 0);
}

TEST_CASE("A 100 MiB event of data lines without a blank line fails at the default cap", "[sse_parser]") {
  constexpr size_t kCap = SseParser::kDefaultMaxEventBytes;
  const std::string line = "data: " + std::string(993, 'x') + "\n";  // 1000 bytes: chunk ends drift over lines
  SseParser parser;
  CountingSink sink;
  std::string chunk;
  size_t offset = 0;
  size_t fed = 0;
  size_t fed_at_failure = 0;
  bool failures_sticky = true;
  size_t max_buffered = 0;
  while (fed < 100 * kMiB) {
    chunk.clear();
    while (chunk.size() < 64 * kKiB) chunk += line[offset++ % line.size()];
    const ParseStatus status = feed(parser, sink, chunk);
    fed += chunk.size();
    max_buffered = std::max(max_buffered, parser.buffered_bytes());
    if (fed_at_failure != 0) {
      failures_sticky &= status == ParseStatus::kEventTooLarge;
    } else if (status == ParseStatus::kEventTooLarge) {
      fed_at_failure = fed;
    }
  }
  // Each line adds 994 bytes (value + LF) to the data buffer; the line that would take it past the cap fails.
  // It fails in the chunk holding that line's LF.
  const size_t failing_line_end = (kCap / 994 + 1) * line.size();
  CHECK(fed_at_failure >= failing_line_end);
  CHECK(fed_at_failure < failing_line_end + 64 * kKiB);
  CHECK(failures_sticky);
  CHECK(max_buffered <= kCap + line.size());  // the data buffer stays within the cap, plus one unfinished line
  CHECK(sink.events == 0);
}

TEST_CASE("Parsing is linear: an 8 MiB data line, in one chunk and in 1 KiB chunks", "[sse_parser]") {
  // No timing assertions: a quadratic parser would make this test visibly slow.
  const std::string stream = "data: " + std::string(8 * kMiB, 'y') + "\n\n";
  SECTION("one chunk") {
    SseParser parser;
    CountingSink sink;
    CHECK(feed(parser, sink, stream) == ParseStatus::kOk);
    CHECK(sink.events == 1);
    CHECK(sink.last_data == std::string(8 * kMiB, 'y'));
  }
  SECTION("1 KiB chunks") {
    SseParser parser;
    CountingSink sink;
    bool all_ok = true;
    for (size_t pos = 0; pos < stream.size(); pos += kKiB) {
      all_ok &= feed(parser, sink, std::string_view(stream).substr(pos, kKiB)) == ParseStatus::kOk;
    }
    CHECK(all_ok);
    CHECK(sink.events == 1);
    CHECK(sink.last_data == std::string(8 * kMiB, 'y'));
    CHECK(parser.buffered_bytes() == 0);
  }
}

TEST_CASE("Parsing is linear: one event of a million short data lines", "[sse_parser]") {
  std::string stream;
  for (int i = 0; i < 1000000; ++i) stream += "data: z\n";
  stream += "\n";
  SseParser parser;
  CountingSink sink;
  bool all_ok = true;
  for (size_t pos = 0; pos < stream.size(); pos += 1000) {  // 1000 is not a multiple of the 8-byte line
    all_ok &= feed(parser, sink, std::string_view(stream).substr(pos, 1000)) == ParseStatus::kOk;
  }
  CHECK(all_ok);
  CHECK(sink.events == 1);
  CHECK(sink.data_bytes == 2 * 1000000 - 1);
}

TEST_CASE("Parsing is linear: a stream of 1,000,000 tiny events", "[sse_parser]") {
  std::string stream;
  for (int i = 0; i < 1000000; ++i) stream += "data: 1\n\n";
  stream += "id: last\n\n";
  SECTION("one chunk") {
    SseParser parser;
    CountingSink sink;
    CHECK(feed(parser, sink, stream) == ParseStatus::kOk);
    CHECK(sink.events == 1000000);
    CHECK(sink.data_bytes == 1000000);
    CHECK(parser.last_event_id() == "last");
  }
  SECTION("7-byte chunks, so chunk ends fall everywhere in the events") {
    SseParser parser;
    CountingSink sink;
    bool all_ok = true;
    for (size_t pos = 0; pos < stream.size(); pos += 7) {
      all_ok &= feed(parser, sink, std::string_view(stream).substr(pos, 7)) == ParseStatus::kOk;
    }
    CHECK(all_ok);
    CHECK(sink.events == 1000000);
    CHECK(sink.data_bytes == 1000000);
    CHECK(sink.id_changes == 1);
    CHECK(parser.last_event_id() == "last");
  }
}

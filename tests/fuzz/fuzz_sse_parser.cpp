// fuzz_sse_parser: tes::SseParser against the spec-written reference (reference_sse.h), under arbitrary bytes and
// arbitrary chunking.
//
// Input layout (every input is valid; missing bytes read as 0):
//   [0] flags: bits 0-1 the cap: 0, 1 = the default (16 MiB, never reached here), 2 = 1 + [1] % 32, 3 = 1 + 4·[1]
//              bit 2: two streams: reset_stream() at [2]/255 of the body (the last event ID must carry over)
//   [1] cap parameter   [2] where the second stream starts   [3] n = [3] % 32 chunk lengths follow
//   [4 .. 4+n) chunk lengths, used cyclically (0 = an empty feed() call); all zero or none = the body in one call
//   rest: the body bytes
//
// The parser runs three times: with that chunking, with each stream in one call, and one byte per call. Each run's
// reports (events, last-event-ID changes, retry, the cap error), with the byte strings decoded as the shell decodes
// them (utf8_text.h, then TextDecoder: U+FFFD for invalid bytes), must equal what the reference gives for the whole body. Any
// difference traps with both lists printed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "reference_sse.h"
#include "sse_parser.h"
#include "utf8_text.h"

namespace {

using ref::Record;
using Kind = ref::Record::Kind;

// The shell's decoding (utf8_text.h: the core makes each string valid UTF-8 and counts its UTF-16 units, then the
// shell decodes them) must be the reference's WHATWG decode of the same bytes, unit count included.
std::string shell_decode(std::string_view bytes) {
  std::string text;
  const size_t units = tes::append_valid_utf8(text, bytes);
  const std::string expected = ref::decode_value(bytes);
  FUZZ_CHECK(text == expected, "append_valid_utf8(" << fuzz::escape(bytes) << ") = " << fuzz::escape(text)
                                                    << ", WHATWG decode " << fuzz::escape(expected));
  size_t expected_units = 0;
  for (const ref::CodePoint& cp : ref::utf8_decode(bytes, /*strip_bom=*/false)) expected_units += cp.value > 0xFFFF ? 2 : 1;
  FUZZ_CHECK(units == expected_units, "append_valid_utf8(" << fuzz::escape(bytes) << ") counted " << units
                                                           << " UTF-16 units, WHATWG decode has " << expected_units);
  return text;
}

// What the parser reported, in the reference's terms.
class Recorder final : public tes::SseSink {
 public:
  std::vector<Record> records;
  std::string last_id;  // raw bytes, as last reported

  void on_event(std::string_view type, std::string_view data) override {
    records.push_back({Kind::kEvent, type.empty() ? std::string("message") : shell_decode(type), shell_decode(data),
                       shell_decode(last_id)});
  }
  void on_last_event_id(std::string_view id) override {
    FUZZ_CHECK(id.find('\0') == std::string_view::npos, "a last event ID with U+0000: " << fuzz::escape(id));
    FUZZ_CHECK(id != last_id, "on_last_event_id() without a change: " << fuzz::escape(id));
    last_id.assign(id.data(), id.size());
    // Two different byte strings can decode to the same DOM string ("1\x8E" and "1\x97" are both "1\uFFFD"): the
    // shell then sets the same value again, which nobody can observe. Only a change of the decoded string counts.
    std::string decoded = shell_decode(id);
    if (decoded == last_decoded_id_) return;
    last_decoded_id_ = decoded;
    records.push_back({Kind::kLastEventId, {}, {}, std::move(decoded)});
  }
  void on_retry(uint64_t ms) override { records.push_back({Kind::kRetry, {}, {}, std::to_string(ms)}); }
  void on_retry_default() override { records.push_back({Kind::kRetryDefault, {}, {}, {}}); }

 private:
  std::string last_decoded_id_;
};

// The parser takes retry values that fit in 64 bits (sse_parser.cpp: "A value that overflows 64 bits is ignored");
// the reference keeps the digits as written. Leading zeros go, and a value above 2^64 - 1 is not reported.
void apply_retry_limit(std::vector<Record>& records) {
  std::vector<Record> out;
  for (Record& r : records) {
    if (r.kind == Kind::kRetry) {
      const size_t first = r.text.find_first_not_of('0');
      r.text = first == std::string::npos ? "0" : r.text.substr(first);
      if (r.text.size() > 20 || (r.text.size() == 20 && r.text > "18446744073709551615")) continue;
    }
    out.push_back(std::move(r));
  }
  records.swap(out);
}

std::string describe_all(const std::vector<Record>& records, size_t highlight) {
  std::string s;
  for (size_t i = 0; i < records.size(); ++i) {
    s += (i == highlight ? "  >> " : "     ") + fuzz::escape(ref::describe(records[i])) + "\n";
  }
  return s;
}

struct Case {
  size_t cap = tes::SseParser::kDefaultMaxEventBytes;
  std::vector<std::string_view> streams;
  std::vector<uint8_t> chunks;  // chunk lengths, cyclic
};

// Feeds every stream with the given chunking; checks what must hold after every call; returns the reports.
std::vector<Record> run_parser(const Case& c, const std::vector<uint8_t>& chunks, const char* chunking,
                               std::string* final_id) {
  tes::SseParser parser(c.cap);
  Recorder rec;
  bool chunks_make_progress = false;
  for (uint8_t len : chunks) chunks_make_progress |= len != 0;

  for (size_t s = 0; s < c.streams.size(); ++s) {
    const std::string_view body = c.streams[s];
    if (s > 0) {
      parser.reset_stream();
      FUZZ_CHECK(parser.buffered_bytes() == 0 && !parser.failed(), "reset_stream() left state behind");
      // "reset_stream() gives back what an oversized event took": each buffer keeps at most 64 KiB.
      FUZZ_CHECK(parser.capacity_bytes() <= 3 * 64 * 1024 + 3 * 64,
                 "reset_stream() kept " << parser.capacity_bytes() << " bytes reserved");
      rec.records.push_back({Kind::kReset, {}, {}, {}});
    }
    bool failed = false;
    size_t pos = 0, next_chunk = 0;
    while (pos < body.size()) {
      size_t len = body.size() - pos;
      if (chunks_make_progress) {
        len = chunks[next_chunk++ % chunks.size()];
        if (len > body.size() - pos) len = body.size() - pos;
      }
      const size_t before = rec.records.size();
      const tes::ParseStatus status =
          parser.feed(reinterpret_cast<const uint8_t*>(body.data()) + pos, len, rec);
      pos += len;
      if (failed) {
        FUZZ_CHECK(status == tes::ParseStatus::kEventTooLarge && rec.records.size() == before,
                   chunking << ": the cap error is not sticky");
      } else if (status == tes::ParseStatus::kEventTooLarge) {
        failed = true;
        rec.records.push_back({Kind::kCapExceeded, {}, {}, {}});
      }
      FUZZ_CHECK(parser.failed() == failed, chunking << ": failed() disagrees with feed()'s status");
      // Memory: the unfinished line, the data buffer and the event type are each bounded by the cap (a partial BOM
      // adds at most 2 bytes); nothing is held that was not fed.
      FUZZ_CHECK(parser.buffered_bytes() <= pos, chunking << ": holds more bytes than it was fed");
      FUZZ_CHECK(parser.buffered_bytes() <= 3 * c.cap + 2,
                 chunking << ": holds " << parser.buffered_bytes() << " bytes with a cap of " << c.cap);
    }
  }
  FUZZ_CHECK(rec.last_id == parser.last_event_id(), chunking << ": last_event_id() " << fuzz::escape(parser.last_event_id())
                                                             << " but the last report was " << fuzz::escape(rec.last_id));
  *final_id = ref::decode_value(parser.last_event_id());
  return std::move(rec.records);
}

void compare(const std::vector<Record>& expected, const std::vector<Record>& actual, const std::string& expected_id,
             const std::string& actual_id, const char* chunking, const Case& c) {
  if (expected == actual && expected_id == actual_id) return;
  size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  std::string streams;
  for (std::string_view s : c.streams) streams += "  " + fuzz::escape(s, 2000) + "\n";
  FUZZ_CHECK(false, "SseParser (" << chunking << ", cap " << c.cap << ") differs from the reference at report " << i
                                  << "\nstreams:\n" << streams << "reference:\n" << describe_all(expected, i)
                                  << "parser:\n" << describe_all(actual, i) << "final last event ID: reference "
                                  << fuzz::escape(expected_id) << ", parser " << fuzz::escape(actual_id));
}

// The decoder is the oracle's foundation: pin it to known answers (Unicode / WHATWG "maximal subpart" practice)
// and the interpreter to the spec's own examples before fuzzing anything.
void self_test() {
  const auto decoded = [](std::string_view in, bool bom) {
    std::u32string s;
    for (const ref::CodePoint& cp : ref::utf8_decode(in, bom)) s += cp.value;
    return s;
  };
  struct Vector {
    const char* in;
    size_t len;
    std::u32string out;
  };
  const Vector vectors[] = {
      {"\xF0\x9F\x98\x80", 4, U"\U0001F600"},
      {"\xE2\x82" "A", 3, U"\uFFFDA"},
      {"\xF0\x80\x80", 3, U"\uFFFD\uFFFD\uFFFD"},
      {"\xED\xA0\x80", 3, U"\uFFFD\uFFFD\uFFFD"},
      {"\xC0\xAF", 2, U"\uFFFD\uFFFD"},
      {"\xF4\x90\x80\x80", 4, U"\uFFFD\uFFFD\uFFFD\uFFFD"},
      {"\xE0\xA0", 2, U"\uFFFD"},
      {"\xF1\x80\x80\xE1\x80\xC2" "b", 7, U"\uFFFD\uFFFD\uFFFD" "b"},
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", 13, U"a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd"},
      {"\xEF\xBB\xBF" "x", 4, U"\uFEFFx"},
  };
  for (const Vector& v : vectors) {
    FUZZ_CHECK(decoded(std::string_view(v.in, v.len), false) == v.out, "decoder self-test: " << fuzz::escape({v.in, v.len}));
  }
  FUZZ_CHECK(decoded("\xEF\xBB\xBF" "x", true) == U"x", "decoder self-test: BOM");
  FUZZ_CHECK(decoded("\xEF\xBB\xBF\xEF\xBB\xBF", true) == U"\uFEFF", "decoder self-test: one BOM only");

  // HTML §9.2.6's examples.
  const auto events = [](std::string_view body) {
    std::vector<std::string> out;
    for (const Record& r : ref::interpret_event_stream(body).records) {
      if (r.kind == Kind::kEvent) out.push_back(r.type + "|" + r.data + "|" + r.text);
    }
    return out;
  };
  using V = std::vector<std::string>;
  FUZZ_CHECK(events("data: YHOO\ndata: +2\ndata: 10\n\n") == V{"message|YHOO\n+2\n10|"}, "self-test: stock ticker");
  FUZZ_CHECK(events(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n") ==
                 (V{"message|first event|1", "message|second event|"}),
             "self-test: ids");
  FUZZ_CHECK(events("data\n\ndata\ndata\n\ndata:") == (V{"message||", "message|\n|"}), "self-test: empty data");
  FUZZ_CHECK(events("data:test\n\ndata: test\n\n") == (V{"message|test|", "message|test|"}), "self-test: space");
  FUZZ_CHECK(events("event: add\rdata: 1\r\n\r\nevent:\ndata: 2\r\r") == (V{"add|1|", "message|2|"}),
             "self-test: line ends and type reset");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  self_test();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  Case c;
  const uint8_t flags = in.u8();
  const uint8_t cap_param = in.u8();
  const uint8_t split_param = in.u8();
  const size_t n_chunks = in.u8() % 32;
  for (size_t i = 0; i < n_chunks; ++i) c.chunks.push_back(in.u8());
  const std::string_view body = in.rest();

  if ((flags & 3) == 2) c.cap = 1 + cap_param % 32;
  if ((flags & 3) == 3) c.cap = 1 + size_t{4} * cap_param;
  if (flags & 4) {
    const size_t split = body.size() * split_param / 255;
    c.streams = {body.substr(0, split), body.substr(split)};
  } else {
    c.streams = {body};
  }

  // The reference: each stream whole; the second starts from the first one's last event ID.
  std::vector<Record> expected;
  std::string expected_id;
  for (size_t s = 0; s < c.streams.size(); ++s) {
    if (s > 0) expected.push_back({Kind::kReset, {}, {}, {}});
    ref::Result r = ref::interpret_event_stream(c.streams[s], expected_id, c.cap);
    expected.insert(expected.end(), r.records.begin(), r.records.end());
    expected_id = r.last_event_id;
  }
  apply_retry_limit(expected);

  std::string id;
  std::vector<Record> actual = run_parser(c, c.chunks, "fuzzed chunks", &id);
  compare(expected, actual, expected_id, id, "fuzzed chunks", c);
  actual = run_parser(c, {}, "one chunk", &id);
  compare(expected, actual, expected_id, id, "one chunk", c);
  actual = run_parser(c, {1}, "byte by byte", &id);
  compare(expected, actual, expected_id, id, "byte by byte", c);
  return 0;
}

// Spans (wasm/span.{h,cpp}), REQUIREMENTS D1: limits and the counts of what they dropped, replacing a key, string
// truncation on UTF-8 boundaries (a table of vectors, then every cut of mixed-width text), ending twice, an end
// before the start, status rules, snapshots of open spans, and the read-only ended span.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "random_source.h"
#include "span.h"
#include "trace_context.h"

namespace {

using tes::AttrValue;
using tes::KeyValue;
using tes::Span;
using tes::SpanKind;
using tes::SpanLimits;
using tes::StatusCode;
using tes::ValueType;

constexpr uint64_t kStart = 1767225600000000000ULL;  // 2026-01-01T00:00:00Z in ns

struct Ids {
  tes::TraceId trace;
  tes::SpanId span;
};

Ids ids(uint64_t seed = 1) {
  tes::SplitMix64Random random(seed);
  return Ids{tes::new_trace_id(random, 1767225600), tes::new_span_id(random)};
}

Span make_span(const SpanLimits& limits = SpanLimits(), std::string_view name = "connect") {
  const Ids i = ids();
  return Span(name, SpanKind::kClient, i.trace, i.span, kStart, limits);
}

std::string key(size_t n) { return "k" + std::to_string(n); }

// Is `s` well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF)?
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("a new span holds its name, kind, ids and start, and is open with no parent, status or end") {
  const Ids i = ids();
  const Span s("stream", SpanKind::kConsumer, i.trace, i.span, kStart);
  CHECK(s.name() == "stream");
  CHECK(s.kind() == SpanKind::kConsumer);
  CHECK(s.trace_id() == i.trace);
  CHECK(s.span_id() == i.span);
  CHECK(s.start_unix_nano() == kStart);
  CHECK(s.end_unix_nano() == 0);
  CHECK_FALSE(s.ended());
  CHECK_FALSE(s.has_parent());
  CHECK(s.parent_span_id().is_zero());
  CHECK(s.trace_state().empty());
  CHECK(s.status().code == StatusCode::kUnset);
  CHECK(s.attributes().empty());
  CHECK(s.events().empty());
  CHECK(s.links().empty());
  CHECK(s.attributes().dropped() == 0);
  CHECK(s.dropped_events() == 0);
  CHECK(s.dropped_links() == 0);
}

TEST_CASE("the default limits are OpenTelemetry's: 128 attributes, events, links, per-event/link attributes — 2048 chars") {
  const SpanLimits l;
  CHECK(l.max_attributes == 128);
  CHECK(l.max_events == 128);
  CHECK(l.max_links == 128);
  CHECK(l.max_attributes_per_event == 128);
  CHECK(l.max_attributes_per_link == 128);
  CHECK(l.max_string_chars == 2048);
}

TEST_CASE("SpanKind and StatusCode carry OTLP's numbers") {
  CHECK(static_cast<int>(SpanKind::kUnspecified) == 0);
  CHECK(static_cast<int>(SpanKind::kInternal) == 1);
  CHECK(static_cast<int>(SpanKind::kServer) == 2);
  CHECK(static_cast<int>(SpanKind::kClient) == 3);
  CHECK(static_cast<int>(SpanKind::kProducer) == 4);
  CHECK(static_cast<int>(SpanKind::kConsumer) == 5);
  CHECK(static_cast<int>(StatusCode::kUnset) == 0);
  CHECK(static_cast<int>(StatusCode::kOk) == 1);
  CHECK(static_cast<int>(StatusCode::kError) == 2);
}

TEST_CASE("each AttrValue factory sets its type and only its own member") {
  CHECK(AttrValue::of_string("x").type == ValueType::kString);
  CHECK(AttrValue::of_string("x").s == "x");
  CHECK(AttrValue::of_bool(true).type == ValueType::kBool);
  CHECK(AttrValue::of_bool(true).bool_value());
  CHECK_FALSE(AttrValue::of_bool(false).bool_value());
  CHECK(AttrValue::of_int(-7).type == ValueType::kInt);
  CHECK(AttrValue::of_int(-7).i == -7);
  CHECK(AttrValue::of_double(2.5).type == ValueType::kDouble);
  CHECK(AttrValue::of_double(2.5).d == 2.5);
  for (const AttrValue& scalar : {AttrValue::of_string("x"), AttrValue::of_bool(true), AttrValue::of_int(1),
                                  AttrValue::of_double(1)}) {
    CHECK_FALSE(scalar.is_array);
    CHECK(scalar.array_size() == 0);
  }

  const AttrValue strings = AttrValue::of_strings({"a", "b", "c"});
  CHECK((strings.is_array && strings.type == ValueType::kString && strings.array_size() == 3));
  const AttrValue bools = AttrValue::of_bools({true, false});
  CHECK((bools.is_array && bools.type == ValueType::kBool && bools.ints == std::vector<int64_t>{1, 0}));
  const AttrValue ints = AttrValue::of_ints({1, -2});
  CHECK((ints.is_array && ints.type == ValueType::kInt && ints.array_size() == 2));
  const AttrValue doubles = AttrValue::of_doubles({0.5});
  CHECK((doubles.is_array && doubles.type == ValueType::kDouble && doubles.array_size() == 1));
  CHECK(AttrValue::of_ints({}).array_size() == 0);
}

TEST_CASE("setting an existing attribute key replaces its value in place: no duplicate key, nothing dropped") {
  Span s = make_span();
  CHECK(s.set_string("url.full", "https://a/"));
  CHECK(s.set_int("http.response.status_code", 200));
  CHECK(s.set_int("url.full", 3));  // another type replaces too
  REQUIRE(s.attributes().size() == 2);
  CHECK(s.attributes().items()[0].key == "url.full");  // keeps its first position
  CHECK(s.attributes().items()[0].value.type == ValueType::kInt);
  CHECK(s.attributes().items()[0].value.i == 3);
  CHECK(s.attributes().dropped() == 0);
  REQUIRE(s.attributes().find("http.response.status_code") != nullptr);
  CHECK(s.attributes().find("http.response.status_code")->i == 200);
  CHECK(s.attributes().find("nope") == nullptr);
}

TEST_CASE("attributes past the limit are dropped and counted — keys already there can still be replaced") {
  Span s = make_span();
  for (size_t n = 0; n < 128; ++n) REQUIRE(s.set_int(key(n), static_cast<int64_t>(n)));
  CHECK_FALSE(s.set_int("k128", 128));
  CHECK_FALSE(s.set_bool("another", true));
  CHECK(s.attributes().size() == 128);
  CHECK(s.attributes().dropped() == 2);
  CHECK(s.attributes().find("k128") == nullptr);
  CHECK(s.set_int("k5", 500));  // replacing is not adding
  CHECK(s.attributes().find("k5")->i == 500);
  CHECK(s.attributes().dropped() == 2);
}

TEST_CASE("an empty attribute key is invalid: dropped and counted") {
  Span s = make_span();
  CHECK_FALSE(s.set_string("", "v"));
  CHECK(s.attributes().empty());
  CHECK(s.attributes().dropped() == 1);
}

TEST_CASE("events past the limit are dropped and counted — each event's attributes have their own limit") {
  Span s = make_span();
  std::vector<KeyValue> many;
  for (size_t n = 0; n < 130; ++n) many.push_back(KeyValue{key(n), AttrValue::of_int(static_cast<int64_t>(n))});
  CHECK(s.add_event("first", kStart + 1, many));
  for (size_t n = 1; n < 128; ++n) REQUIRE(s.add_event("e", kStart + n));
  CHECK_FALSE(s.add_event("129th", kStart + 200));
  CHECK_FALSE(s.add_event("130th", kStart + 201));
  CHECK(s.events().size() == 128);
  CHECK(s.dropped_events() == 2);
  CHECK(s.events().back().name == "e");  // the first 128 stay
  const tes::SpanEvent& first = s.events().front();
  CHECK(first.name == "first");
  CHECK(first.time_unix_nano == kStart + 1);
  CHECK(first.attributes.size() == 128);
  CHECK(first.attributes.dropped() == 2);
  CHECK(s.attributes().dropped() == 0);  // the span's own count is separate
}

TEST_CASE("an event's attributes: a repeated key keeps the later value, strings are truncated") {
  SpanLimits limits;
  limits.max_string_chars = 3;
  Span s = make_span(limits);
  CHECK(s.add_event("e", kStart, {{"a", AttrValue::of_int(1)}, {"a", AttrValue::of_int(2)},
                                  {"b", AttrValue::of_string("abcdef")}}));
  const tes::Attributes& a = s.events()[0].attributes;
  REQUIRE(a.size() == 2);
  CHECK(a.find("a")->i == 2);
  CHECK(a.find("b")->s == "abc");
  CHECK(a.dropped() == 0);
}

TEST_CASE("links past the limit are dropped and counted — each link keeps its ids, trace state and own limit") {
  SpanLimits limits;
  limits.max_links = 2;
  limits.max_attributes_per_link = 1;
  Span s = make_span(limits);
  const Ids a = ids(2);
  const Ids b = ids(3);
  CHECK(s.add_link(a.trace, a.span, {{"x", AttrValue::of_bool(true)}, {"y", AttrValue::of_bool(false)}}, "v=1"));
  CHECK(s.add_link(b.trace, b.span));
  CHECK_FALSE(s.add_link(a.trace, b.span));
  REQUIRE(s.links().size() == 2);
  CHECK(s.dropped_links() == 1);
  CHECK(s.links()[0].trace_id == a.trace);
  CHECK(s.links()[0].span_id == a.span);
  CHECK(s.links()[0].trace_state == "v=1");
  CHECK(s.links()[0].attributes.size() == 1);
  CHECK(s.links()[0].attributes.dropped() == 1);
  CHECK(s.links()[1].trace_state.empty());
  CHECK(s.links()[1].attributes.empty());
}

TEST_CASE("every limit is configurable, zero included") {
  SpanLimits limits;
  limits.max_attributes = 1;
  limits.max_events = 0;
  limits.max_links = 0;
  Span s = make_span(limits);
  CHECK(s.set_int("a", 1));
  CHECK_FALSE(s.set_int("b", 2));
  CHECK_FALSE(s.add_event("e", kStart));
  const Ids i = ids(2);
  CHECK_FALSE(s.add_link(i.trace, i.span));
  CHECK(s.attributes().dropped() == 1);
  CHECK(s.dropped_events() == 1);
  CHECK(s.dropped_links() == 1);
}

TEST_CASE("utf8_prefix_bytes counts characters and never splits a code point") {
  struct Vector {
    const char* name;
    std::string text;
    size_t max_chars;
    size_t bytes;
  };
  const std::string e_acute = "\xC3\xA9";          // é, 2 bytes
  const std::string euro = "\xE2\x82\xAC";         // €, 3 bytes
  const std::string emoji = "\xF0\x9F\x98\x80";    // 😀, 4 bytes
  const std::vector<Vector> vectors = {
      {"ascii, shorter", "abc", 5, 3},
      {"ascii, exact", "abc", 3, 3},
      {"ascii, cut", "abcdef", 4, 4},
      {"zero chars", "abc", 0, 0},
      {"empty", "", 3, 0},
      {"2-byte at the cut", "ab" + e_acute + "c", 3, 4},
      {"2-byte after the cut", "abc" + e_acute, 3, 3},
      {"3-byte at the cut", "a" + euro + "b", 2, 4},
      {"3-byte after the cut", "a" + euro, 1, 1},
      {"4-byte at the cut", emoji + emoji, 1, 4},
      {"4-byte, all", emoji + emoji, 2, 8},
      {"stray continuation bytes count one each", "\x80\x80\x80", 2, 2},
      {"lead bytes that start nothing count one each", "\xC0\xC1\xF5\xFF", 3, 3},
      {"a truncated sequence counts as one", "\xE2\x82" "a", 1, 2},
      {"a sequence cut short by a new lead", "\xE2\xE2\x82\xAC", 1, 1},
  };
  for (const Vector& v : vectors) {
    CAPTURE(v.name);
    CHECK(tes::utf8_prefix_bytes(v.text, v.max_chars) == v.bytes);
  }
}

TEST_CASE("truncating mixed-width text at every length keeps whole code points and at most N of them") {
  // 1-, 2-, 3- and 4-byte characters in turn, 40 characters.
  std::string text;
  for (int n = 0; n < 10; ++n) text += "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const size_t widths[] = {1, 2, 3, 4};
  for (size_t max_chars = 0; max_chars <= 41; ++max_chars) {
    std::string s = text;
    const bool cut = tes::truncate_utf8(s, max_chars);
    CAPTURE(max_chars);
    CHECK(cut == (max_chars < 40));
    CHECK(valid_utf8(s));
    size_t expected = 0;
    for (size_t c = 0; c < max_chars && c < 40; ++c) expected += widths[c % 4];
    CHECK(s.size() == expected);
    CHECK(text.compare(0, s.size(), s) == 0);
  }
}

TEST_CASE("string attribute values are truncated at 2048 characters, each array element on its own") {
  Span s = make_span();
  const std::string long_ascii(3000, 'x');
  std::string long_euro;
  for (int n = 0; n < 2100; ++n) long_euro += "\xE2\x82\xAC";
  s.set_string("ascii", long_ascii);
  s.set_string("euro", long_euro);
  s.set_attribute("list", AttrValue::of_strings({long_ascii, "short", long_euro}));
  s.set_string("exact", std::string(2048, 'y'));
  CHECK(s.attributes().find("ascii")->s == std::string(2048, 'x'));
  CHECK(s.attributes().find("euro")->s.size() == 2048 * 3);
  CHECK(valid_utf8(s.attributes().find("euro")->s));
  const std::vector<std::string>& list = s.attributes().find("list")->strings;
  CHECK(list[0].size() == 2048);
  CHECK(list[1] == "short");
  CHECK(list[2].size() == 2048 * 3);
  CHECK(s.attributes().find("exact")->s.size() == 2048);
  CHECK(s.attributes().dropped() == 0);  // truncation is not dropping
}

TEST_CASE("any bytes truncate to at most 4 bytes per character: invalid UTF-8 cannot defeat the limit") {
  SpanLimits limits;
  limits.max_string_chars = 10;
  Span s = make_span(limits);
  s.set_string("cont", std::string(1000, '\x80'));
  s.set_string("leads", std::string(1000, '\xF0'));
  CHECK(s.attributes().find("cont")->s.size() == 10);
  CHECK(s.attributes().find("leads")->s.size() == 10);
}

TEST_CASE("the span name, event names and the status message are truncated like attribute values") {
  SpanLimits limits;
  limits.max_string_chars = 4;
  Span s = make_span(limits, "connection attempt");
  s.add_event("reconnecting", kStart);
  s.set_status(StatusCode::kError, "network error");
  CHECK(s.name() == "conn");
  CHECK(s.events()[0].name == "reco");
  CHECK(s.status().message == "netw");
}

TEST_CASE("non-string values are never changed by the string limit") {
  SpanLimits limits;
  limits.max_string_chars = 1;
  Span s = make_span(limits);
  s.set_int("i", -1234567890123);
  s.set_double("d", 3.25);
  s.set_attribute("ints", AttrValue::of_ints({100, 200}));
  CHECK(s.attributes().find("i")->i == -1234567890123);
  CHECK(s.attributes().find("d")->d == 3.25);
  CHECK(s.attributes().find("ints")->ints == std::vector<int64_t>{100, 200});
}

TEST_CASE("ending twice is a no-op: the first end wins") {
  Span s = make_span();
  CHECK(s.end(kStart + 500));
  CHECK_FALSE(s.end(kStart + 900));
  CHECK(s.ended());
  CHECK(s.end_unix_nano() == kStart + 500);
}

TEST_CASE("an end before the start is clamped to the start") {
  Span s = make_span();
  CHECK(s.end(kStart - 1));
  CHECK(s.end_unix_nano() == kStart);
  Span zero = make_span();
  CHECK(zero.end(0));
  CHECK(zero.end_unix_nano() == kStart);
}

TEST_CASE("an ended span is read-only: attributes, events, links, status, parent and trace state stay as they were") {
  Span s = make_span();
  s.set_int("a", 1);
  s.end(kStart + 10);
  CHECK_FALSE(s.set_int("a", 2));
  CHECK_FALSE(s.set_int("b", 2));
  CHECK_FALSE(s.add_event("e", kStart + 11));
  const Ids i = ids(2);
  CHECK_FALSE(s.add_link(i.trace, i.span));
  CHECK_FALSE(s.set_status(StatusCode::kError, "late"));
  s.set_parent(i.span);
  s.set_trace_state("k=v");
  CHECK(s.attributes().find("a")->i == 1);
  CHECK(s.attributes().size() == 1);
  CHECK(s.events().empty());
  CHECK(s.links().empty());
  CHECK(s.status().code == StatusCode::kUnset);
  CHECK_FALSE(s.has_parent());
  CHECK(s.trace_state().empty());
  CHECK(s.attributes().dropped() == 0);  // not recording is not dropping
  CHECK(s.dropped_events() == 0);
}

TEST_CASE("status: unset is ignored, ok is final and has no message, error keeps the latest message") {
  SECTION("error, then error again: the later message") {
    Span s = make_span();
    CHECK_FALSE(s.set_status(StatusCode::kUnset, "ignored"));
    CHECK(s.status().code == StatusCode::kUnset);
    CHECK(s.set_status(StatusCode::kError, "first"));
    CHECK(s.set_status(StatusCode::kError, "second"));
    CHECK(s.status().code == StatusCode::kError);
    CHECK(s.status().message == "second");
    CHECK_FALSE(s.set_status(StatusCode::kUnset));
    CHECK(s.status().code == StatusCode::kError);
  }
  SECTION("error, then ok: ok wins and clears the message") {
    Span s = make_span();
    s.set_status(StatusCode::kError, "boom");
    CHECK(s.set_status(StatusCode::kOk, "ignored"));
    CHECK(s.status().code == StatusCode::kOk);
    CHECK(s.status().message.empty());
  }
  SECTION("ok, then error: ok is final") {
    Span s = make_span();
    s.set_status(StatusCode::kOk);
    CHECK_FALSE(s.set_status(StatusCode::kError, "late"));
    CHECK(s.status().code == StatusCode::kOk);
    CHECK(s.status().message.empty());
  }
}

TEST_CASE("parent and trace state are optional and settable while the span is open") {
  Span s = make_span();
  const Ids p = ids(9);
  s.set_parent(p.span);
  s.set_trace_state("vendor=abc");
  CHECK(s.has_parent());
  CHECK(s.parent_span_id() == p.span);
  CHECK(s.trace_state() == "vendor=abc");
}

TEST_CASE("a snapshot of an open span is an ended copy — the span itself stays open and recording") {
  Span s = make_span();
  s.set_int("events", 3);
  const Span snap = s.snapshot(kStart + 1000);
  CHECK(snap.ended());
  CHECK(snap.end_unix_nano() == kStart + 1000);
  CHECK(snap.attributes().find("events")->i == 3);
  CHECK_FALSE(s.ended());
  CHECK(s.set_int("events", 4));
  CHECK(snap.attributes().find("events")->i == 3);
  CHECK(s.snapshot(kStart - 5).end_unix_nano() == kStart);  // clamped too

  s.end(kStart + 2000);
  CHECK(s.snapshot(kStart + 9999).end_unix_nano() == kStart + 2000);  // an ended span snapshots as it is
}

TEST_CASE("dropping all events, links or attributes counts every one of them") {
  Span s = make_span();
  s.set_int("a", 1);
  s.set_int("b", 2);
  s.add_event("e1", kStart);
  s.add_event("e2", kStart);
  s.add_event("e3", kStart);
  const Ids i = ids(2);
  s.add_link(i.trace, i.span);
  s.drop_all_events();
  s.drop_all_links();
  s.drop_all_attributes();
  CHECK(s.events().empty());
  CHECK(s.links().empty());
  CHECK(s.attributes().empty());
  CHECK(s.dropped_events() == 3);
  CHECK(s.dropped_links() == 1);
  CHECK(s.attributes().dropped() == 2);
}

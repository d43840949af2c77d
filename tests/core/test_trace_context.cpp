// Vectors for trace context (wasm/trace_context.{h,cpp}): ids, traceparent, tracestate, baggage, X-Amzn-Trace-Id
// and ratio sampling, as REQUIREMENTS B1–B7 ask.
//
// Each header has one table of named vectors. The same table drives parsing and formatting: every vector that
// parses is formatted back and compared with its canonical form (the input itself unless the vector says
// otherwise), then the formatted text is parsed again and must give the same value. Every rejection reason of
// every parser is named by at least one vector, and a test checks that no reason is left uncovered. Ids come from
// a seeded deterministic source (and a broken all-zero one); sampling is checked at its edges and statistically;
// last, seeded arbitrary input checks that the parsers never crash and that whatever parses round-trips.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "random_source.h"
#include "trace_context.h"

namespace {

using tes::Baggage;
using tes::BaggageStatus;
using tes::SpanId;
using tes::TraceId;
using tes::TraceparentStatus;
using tes::Tracestate;
using tes::TracestateMember;
using tes::TracestateStatus;
using tes::XRaySampled;
using tes::XRayStatus;

const char* name_of(TraceparentStatus s) {
  static const char* const kNames[] = {
      "kOk",          "kEmpty",       "kBadShape", "kUpperCaseHex", "kNonHex", "kVersionFF", "kVersion00ExtraFields",
      "kZeroTraceId", "kZeroParentId"};
  return static_cast<size_t>(s) < tes::kTraceparentStatusCount ? kNames[static_cast<size_t>(s)] : "?";
}
const char* name_of(TracestateStatus s) {
  static const char* const kNames[] = {"kOk",       "kMissingEquals", "kBadKey",
                                       "kBadValue", "kDuplicateKey",  "kTooManyMembers"};
  return static_cast<size_t>(s) < tes::kTracestateStatusCount ? kNames[static_cast<size_t>(s)] : "?";
}
const char* name_of(BaggageStatus s) {
  static const char* const kNames[] = {
      "kOk",          "kMissingEquals",  "kBadKey",      "kBadValue", "kBadPercentEncoding",
      "kBadProperty", "kTooManyMembers", "kTooManyBytes"};
  return static_cast<size_t>(s) < tes::kBaggageStatusCount ? kNames[static_cast<size_t>(s)] : "?";
}
const char* name_of(XRayStatus s) {
  static const char* const kNames[] = {
      "kOk",         "kEmpty",       "kMissingRoot", "kDuplicateField", "kBadRootVersion", "kBadRootLength",
      "kBadRootHex", "kZeroTraceId", "kBadParent",   "kZeroParentId"};
  return static_cast<size_t>(s) < tes::kXRayStatusCount ? kNames[static_cast<size_t>(s)] : "?";
}
const char* name_of(XRaySampled s) {
  switch (s) {
    case XRaySampled::kDeferred:
      return "kDeferred";
    case XRaySampled::kNotSampled:
      return "kNotSampled";
    case XRaySampled::kSampled:
      return "kSampled";
  }
  return "?";
}

std::string repeat(char c, size_t n) { return std::string(n, c); }

// A tracestate member exactly `chars` characters long ("key=vvv…").
TracestateMember sized_member(const std::string& key, size_t chars) {
  return TracestateMember{key, repeat('v', chars - key.size() - 1)};
}

// A tracestate holding `members` left to right (set() puts each new key at the front, so add right to left).
Tracestate tracestate_of(const std::vector<TracestateMember>& members) {
  Tracestate ts;
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    REQUIRE(ts.set(it->key, it->value) == TracestateStatus::kOk);
  }
  return ts;
}

std::string join_members(size_t count, const char* prefix, const char* separator) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    out += prefix + std::to_string(i) + separator + std::to_string(i);
  }
  return out;
}

// Always returns zeros: a broken source that id generation must survive.
class ZeroRandom final : public tes::RandomSource {
 public:
  void fill(uint8_t* out, size_t len) override {
    ++calls;
    for (size_t i = 0; i < len; ++i) out[i] = 0;
  }
  int calls = 0;
};

// Returns zeros for the first `zero_calls` fills, then 0xAB bytes.
class ZerosThenBytes final : public tes::RandomSource {
 public:
  explicit ZerosThenBytes(int zero_calls) : zero_calls_(zero_calls) {}
  void fill(uint8_t* out, size_t len) override {
    const uint8_t b = calls++ < zero_calls_ ? 0 : 0xAB;
    for (size_t i = 0; i < len; ++i) out[i] = b;
  }
  int calls = 0;

 private:
  int zero_calls_;
};

TraceId trace_id_from_hex(const std::string& hex) {
  TraceId id;
  REQUIRE(TraceId::parse(hex, id) == tes::HexStatus::kOk);
  return id;
}
SpanId span_id_from_hex(const std::string& hex) {
  SpanId id;
  REQUIRE(SpanId::parse(hex, id) == tes::HexStatus::kOk);
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// traceparent

constexpr const char* kTid = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kPid = "00f067aa0ba902b7";
const std::string kTp = std::string(kTid) + "-" + kPid;  // the middle of a traceparent

struct TraceparentVector {
  const char* name;
  std::string input;
  TraceparentStatus status;
  uint8_t version = 0;
  uint8_t flags = 0;
  std::string formatted = {};  // what formatting the parsed value gives; empty = the input itself
  const char* trace_id = kTid;
  const char* parent_id = kPid;
};

const std::vector<TraceparentVector>& traceparent_vectors() {
  using S = TraceparentStatus;
  static const std::vector<TraceparentVector> kVectors = {
      // Valid, version 00.
      {"sampled", "00-" + kTp + "-01", S::kOk, 0, 0x01},
      {"not sampled", "00-" + kTp + "-00", S::kOk, 0, 0x00},
      {"sampled with the Level 2 random bit", "00-" + kTp + "-03", S::kOk, 0, 0x03},
      {"random bit only", "00-" + kTp + "-02", S::kOk, 0, 0x02},
      {"digits-only ids",
       "00-12345678901234567890123456789012-1234567890123456-01",
       S::kOk,
       0,
       0x01,
       {},
       "12345678901234567890123456789012",
       "1234567890123456"},
      {"unknown flag bits are kept but sampled is read bit-wise (09 = sampled)", "00-" + kTp + "-09", S::kOk, 0, 0x09,
       "00-" + kTp + "-01"},
      {"unknown flag bits without the sampled bit (08 = not sampled)", "00-" + kTp + "-08", S::kOk, 0, 0x08,
       "00-" + kTp + "-00"},
      {"all flag bits: sampled and random known, the rest never sent", "00-" + kTp + "-ff", S::kOk, 0, 0xff,
       "00-" + kTp + "-03"},
      {"OWS around the value is trimmed", " \t00-" + kTp + "-01\t ", S::kOk, 0, 0x01, "00-" + kTp + "-01"},
      // Valid, future versions: the version-00 fields are read, the rest ignored, version 00 is sent.
      {"future version cc, 55 characters", "cc-" + kTp + "-01", S::kOk, 0xcc, 0x01, "00-" + kTp + "-01"},
      {"future version with more fields after a dash", "cc-" + kTp + "-01-what-the-future-will-be-like", S::kOk, 0xcc,
       0x01, "00-" + kTp + "-01"},
      {"future version 01 with a bare trailing dash", "01-" + kTp + "-00-", S::kOk, 0x01, 0x00, "00-" + kTp + "-00"},
      {"future version fe, flags read bit-wise", "fe-" + kTp + "-0b", S::kOk, 0xfe, 0x0b, "00-" + kTp + "-03"},

      {"empty", "", S::kEmpty},
      {"whitespace only", " \t ", S::kEmpty},

      {"version too short", "0-" + kTp + "-01", S::kBadShape},
      {"version too long", "000-" + kTp + "-01", S::kBadShape},
      {"no dash after the version", "00_" + kTp + "-01", S::kBadShape},
      {"trace id too short", "00-4bf92f3577b34da6a3ce929d0e0e473-" + std::string(kPid) + "-01", S::kBadShape},
      {"trace id too long", "00-4bf92f3577b34da6a3ce929d0e0e47361-" + std::string(kPid) + "-01", S::kBadShape},
      {"parent id too short", "00-" + std::string(kTid) + "-00f067aa0ba902b-01", S::kBadShape},
      {"parent id too long", "00-" + std::string(kTid) + "-00f067aa0ba902b71-01", S::kBadShape},
      {"flags too short", "00-" + kTp + "-1", S::kBadShape},
      {"flags too long", "00-" + kTp + "-001", S::kBadShape},
      {"version 00 with a trailing character", "00-" + kTp + "-01.", S::kBadShape},
      {"fields missing", "00-" + std::string(kTid), S::kBadShape},
      {"two traceparent fields joined by HTTP", "00-" + kTp + "-01, 00-" + kTp + "-01", S::kBadShape},
      {"dashes replaced", "00-" + std::string(kTid) + "_" + kPid + "_01", S::kBadShape},
      {"future version shorter than 55 characters", "cc-" + kTp + "-1", S::kBadShape},
      {"future version with something other than a dash after the flags", "cc-" + kTp + "-01.what-the-future",
       S::kBadShape},

      {"upper-case trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + std::string(kPid) + "-01", S::kUpperCaseHex},
      {"upper-case parent id", "00-" + std::string(kTid) + "-00F067AA0BA902B7-01", S::kUpperCaseHex},
      {"upper-case flags", "00-" + kTp + "-0A", S::kUpperCaseHex},
      {"upper-case version", "CC-" + kTp + "-01", S::kUpperCaseHex},

      {"non-hex in the version", ".0-" + kTp + "-01", S::kNonHex},
      {"non-hex in the trace id", "00-.bf92f3577b34da6a3ce929d0e0e4736-" + std::string(kPid) + "-01", S::kNonHex},
      {"non-hex at the end of the trace id", "00-4bf92f3577b34da6a3ce929d0e0e473g-" + std::string(kPid) + "-01",
       S::kNonHex},
      {"non-hex in the parent id", "00-" + std::string(kTid) + "-00f067aa0ba902bz-01", S::kNonHex},
      {"non-hex in the flags", "00-" + kTp + "-.0", S::kNonHex},
      {"sign in the flags", "00-" + kTp + "-+1", S::kNonHex},

      {"version ff", "ff-" + kTp + "-01", S::kVersionFF},
      {"version ff with more fields", "ff-" + kTp + "-01-future", S::kVersionFF},

      {"version 00 with more fields", "00-" + kTp + "-01-what-the-future-will-be-like", S::kVersion00ExtraFields},
      {"version 00 with a bare trailing dash", "00-" + kTp + "-01-", S::kVersion00ExtraFields},

      {"all-zero trace id", "00-00000000000000000000000000000000-" + std::string(kPid) + "-01", S::kZeroTraceId},
      {"all-zero trace id in a future version", "cc-00000000000000000000000000000000-" + std::string(kPid) + "-01",
       S::kZeroTraceId},
      {"all-zero parent id", "00-" + std::string(kTid) + "-0000000000000000-01", S::kZeroParentId},
  };
  return kVectors;
}

}  // namespace

TEST_CASE("traceparent vectors: parse, then format back and parse again", "[trace_context][traceparent]") {
  for (const TraceparentVector& v : traceparent_vectors()) {
    INFO("vector: " << v.name << "\ninput: \"" << v.input << "\"");
    const tes::TraceparentResult r = tes::parse_traceparent(v.input);
    CHECK(name_of(r.status) == std::string(name_of(v.status)));
    if (!r.ok() || v.status != TraceparentStatus::kOk) continue;
    CHECK(int(r.value.version) == int(v.version));
    CHECK(r.value.trace_id.hex() == v.trace_id);
    CHECK(r.value.parent_id.hex() == v.parent_id);
    CHECK(int(r.value.flags) == int(v.flags));
    CHECK(r.value.sampled() == ((v.flags & 0x01) != 0));
    CHECK(r.value.random() == ((v.flags & 0x02) != 0));

    const std::string formatted = tes::format_traceparent(r.value.trace_id, r.value.parent_id, r.value.flags);
    CHECK(formatted == (v.formatted.empty() ? v.input : v.formatted));
    const tes::TraceparentResult again = tes::parse_traceparent(formatted);
    REQUIRE(again.ok());
    CHECK(again.value.trace_id == r.value.trace_id);
    CHECK(again.value.parent_id == r.value.parent_id);
    CHECK(int(again.value.flags) == int(r.value.flags & tes::kTraceFlagsKnown));
  }
}

TEST_CASE("traceparent: every rejection reason is named by a vector", "[trace_context][traceparent]") {
  std::set<size_t> seen;
  for (const TraceparentVector& v : traceparent_vectors()) seen.insert(static_cast<size_t>(v.status));
  for (size_t s = 0; s < tes::kTraceparentStatusCount; ++s) {
    INFO("status " << name_of(static_cast<TraceparentStatus>(s)));
    CHECK(seen.count(s) == 1);
  }
}

TEST_CASE("traceparent: a rejected header leaves no half-parsed value", "[trace_context][traceparent]") {
  const tes::TraceparentResult r = tes::parse_traceparent("00-" + std::string(kTid) + "-0000000000000000-01");
  CHECK(r.status == TraceparentStatus::kZeroParentId);
  CHECK(r.value.trace_id.is_zero());
  CHECK(int(r.value.flags) == 0);
}

// ---------------------------------------------------------------------------------------------------------------
// tracestate

namespace {

struct TracestateVector {
  const char* name;
  std::string input;
  TracestateStatus status;
  std::vector<TracestateMember> members = {};  // expected, left to right, when kOk
  std::string formatted = {};                  // canonical form; empty = the input itself
};

std::string all_value_chars() {
  std::string v;
  for (char c = 0x20; c <= 0x7E; ++c) {
    if (c != ',' && c != '=') v += c;
  }
  return v;
}

const std::vector<TracestateVector>& tracestate_vectors() {
  using S = TracestateStatus;
  static const std::string k256 = repeat('k', 256);
  static const std::string v256 = repeat('v', 256);
  static const std::string all32 = join_members(32, "m", "=");
  static std::vector<TracestateMember> all32_members = [] {
    std::vector<TracestateMember> m;
    for (int i = 0; i < 32; ++i) m.push_back({"m" + std::to_string(i), std::to_string(i)});
    return m;
  }();
  static const std::vector<TracestateVector> kVectors = {
      {"single member", "rojo=00f067aa0ba902b7", S::kOk, {{"rojo", "00f067aa0ba902b7"}}},
      {"two members, order kept",
       "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
       S::kOk,
       {{"rojo", "00f067aa0ba902b7"}, {"congo", "t61rcWkgMzE"}}},
      {"empty header is an empty list", "", S::kOk, {}},
      {"commas and whitespace only", " , ,\t, ", S::kOk, {}, ""},
      {"empty members between and around", ",foo=1,,bar=2,", S::kOk, {{"foo", "1"}, {"bar", "2"}}, "foo=1,bar=2"},
      {"OWS around members",
       "foo=1 \t , \t bar=2, \t baz=3",
       S::kOk,
       {{"foo", "1"}, {"bar", "2"}, {"baz", "3"}},
       "foo=1,bar=2,baz=3"},
      {"OWS before the first and after the last member", "\t foo=1 \t", S::kOk, {{"foo", "1"}}, "foo=1"},
      {"leading spaces of a value are part of it", "foo=  1", S::kOk, {{"foo", "  1"}}},
      {"spaces inside a value", "foo=a b", S::kOk, {{"foo", "a b"}}},
      {"multi-tenant key tenant@system",
       "fw529a3039@dt=FIzAIq8.lUDfVjqG",
       S::kOk,
       {{"fw529a3039@dt", "FIzAIq8.lUDfVjqG"}}},
      {"key starting with a digit (Level 2)", "3vendor=1", S::kOk, {{"3vendor", "1"}}},
      {"every key character", "a0_-*/@z=1", S::kOk, {{"a0_-*/@z", "1"}}},
      {"several @ in a key (Level 2 allows, Level 1 did not)", "foo@@bar=1", S::kOk, {{"foo@@bar", "1"}}},
      {"every value character", "all=" + all_value_chars(), S::kOk, {{"all", all_value_chars()}}},
      {"256-character key", k256 + "=1", S::kOk, {{k256, "1"}}},
      {"256-character value", "foo=" + v256, S::kOk, {{"foo", v256}}},
      {"32 members", all32, S::kOk, all32_members},

      {"member without '='", "foo", S::kMissingEquals},
      {"second member without '='", "foo=1,bar", S::kMissingEquals},

      {"upper-case key", "FOO=1", S::kBadKey},
      {"dot in a key", "foo.bar=1", S::kBadKey},
      {"space before '='", "foo =1", S::kBadKey},
      {"empty key", "=1", S::kBadKey},
      {"key starting with '_'", "_foo=1", S::kBadKey},
      {"key starting with '@'", "@foo=1,bar=2", S::kBadKey},
      {"257-character key", repeat('k', 257) + "=1", S::kBadKey},
      {"bad key after a good member discards the whole header", "rojo=1,BAD=2", S::kBadKey},

      {"empty value", "foo=", S::kBadValue},
      {"empty value before a good member", "foo=,bar=3", S::kBadValue},
      {"'=' in a value", "foo=bar=baz", S::kBadValue},
      {"257-character value", "foo=" + repeat('v', 257), S::kBadValue},
      {"control character in a value", "foo=a\x01z", S::kBadValue},
      {"tab inside a value", "foo=a\tz", S::kBadValue},
      {"non-ASCII in a value", "foo=caf\xC3\xA9", S::kBadValue},
      {"value of spaces only", "foo=   ", S::kBadValue},

      {"duplicate key, same value", "foo=1,foo=1", S::kDuplicateKey},
      {"duplicate key, different value", "foo=1,bar=2,foo=3", S::kDuplicateKey},

      {"33 members", join_members(33, "m", "="), S::kTooManyMembers},
  };
  return kVectors;
}

std::string render(const std::vector<TracestateMember>& members) {
  std::string out;
  for (const auto& m : members) out += "[" + m.key + "]=[" + m.value + "] ";
  return out;
}

}  // namespace

TEST_CASE("tracestate vectors: parse, then format back and parse again", "[trace_context][tracestate]") {
  for (const TracestateVector& v : tracestate_vectors()) {
    INFO("vector: " << v.name << "\ninput: \"" << v.input << "\"");
    const tes::TracestateResult r = tes::parse_tracestate(v.input);
    CHECK(name_of(r.status) == std::string(name_of(v.status)));
    if (!r.ok()) {
      CHECK(r.value.empty());  // the whole header is discarded
      continue;
    }
    if (v.status != TracestateStatus::kOk) continue;
    CHECK(render(r.value.members()) == render(v.members));
    const std::string formatted = r.value.format();
    CHECK(formatted == (v.formatted.empty() && !v.members.empty() ? v.input : v.formatted));
    const tes::TracestateResult again = tes::parse_tracestate(formatted);
    REQUIRE(again.ok());
    CHECK(render(again.value.members()) == render(v.members));
  }
}

TEST_CASE("tracestate: every rejection reason is named by a vector", "[trace_context][tracestate]") {
  std::set<size_t> seen;
  for (const TracestateVector& v : tracestate_vectors()) seen.insert(static_cast<size_t>(v.status));
  for (size_t s = 0; s < tes::kTracestateStatusCount; ++s) {
    INFO("status " << name_of(static_cast<TracestateStatus>(s)));
    CHECK(seen.count(s) == 1);
  }
}

TEST_CASE("tracestate: set puts a new or updated key at the left", "[trace_context][tracestate]") {
  tes::TracestateResult r = tes::parse_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  REQUIRE(r.ok());
  Tracestate ts = r.value;

  CHECK(ts.set("tes", "abc") == TracestateStatus::kOk);
  CHECK(ts.format() == "tes=abc,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");

  CHECK(ts.set("congo", "ucfJifl5GOE") == TracestateStatus::kOk);
  CHECK(ts.format() == "congo=ucfJifl5GOE,tes=abc,rojo=00f067aa0ba902b7");
  REQUIRE(ts.find("congo") != nullptr);
  CHECK(*ts.find("congo") == "ucfJifl5GOE");
  CHECK(ts.find("nobody") == nullptr);

  SECTION("an invalid key or value changes nothing") {
    CHECK(ts.set("Upper", "1") == TracestateStatus::kBadKey);
    CHECK(ts.set("ok", "a,b") == TracestateStatus::kBadValue);
    CHECK(ts.set("ok", "") == TracestateStatus::kBadValue);
    CHECK(ts.set("ok", "trailing ") == TracestateStatus::kBadValue);
    CHECK(ts.format() == "congo=ucfJifl5GOE,tes=abc,rojo=00f067aa0ba902b7");
  }
  SECTION("erase") {
    CHECK(ts.erase("tes"));
    CHECK_FALSE(ts.erase("tes"));
    CHECK(ts.format() == "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  }
  SECTION("a 33rd member pushes the right-most one out") {
    Tracestate full = tes::parse_tracestate(join_members(32, "m", "=")).value;
    REQUIRE(full.members().size() == 32);
    CHECK(full.set("new", "1") == TracestateStatus::kOk);
    CHECK(full.members().size() == 32);
    CHECK(full.members().front().key == "new");
    CHECK(full.members().back().key == "m30");
    CHECK(full.find("m31") == nullptr);
    // Updating an existing key at 32 members drops nobody.
    CHECK(full.set("m0", "updated") == TracestateStatus::kOk);
    CHECK(full.members().size() == 32);
    CHECK(full.members().front().key == "m0");
    CHECK(full.find("m30") != nullptr);
  }
}

namespace {

struct TruncationVector {
  const char* name;
  std::vector<TracestateMember> members;  // left to right
  std::vector<std::string> kept;          // keys that survive, in order
};

}  // namespace

TEST_CASE("tracestate: formatting keeps to 512 characters, dropping whole members in the spec's order",
          "[trace_context][tracestate]") {
  const std::vector<TruncationVector> vectors = {
      {"exactly 512 characters: nothing dropped",
       {sized_member("a", 200), sized_member("b", 200), sized_member("c", 110)},
       {"a", "b", "c"}},
      {"no large members: dropped from the right",
       {sized_member("a", 100), sized_member("b", 100), sized_member("c", 100), sized_member("d", 100),
        sized_member("e", 110)},
       {"a", "b", "c", "d"}},
      {"a large member goes first, even from the middle",
       {sized_member("a", 100), sized_member("big", 200), sized_member("c", 100), sized_member("d", 100),
        sized_member("e", 20)},
       {"a", "c", "d", "e"}},
      {"large members go right-most first, only as many as needed",
       {sized_member("big1", 200), sized_member("a", 100), sized_member("big2", 200), sized_member("b", 20)},
       {"big1", "a", "b"}},
      {"all large members gone and still too long: then from the right",
       {sized_member("big1", 200), sized_member("big2", 200), sized_member("a", 110), sized_member("b", 110),
        sized_member("c", 110), sized_member("d", 110), sized_member("e", 110)},
       {"a", "b", "c", "d"}},
      {"a 128-character member is not large",
       {sized_member("x", 128), sized_member("a", 100), sized_member("b", 100), sized_member("c", 100),
        sized_member("d", 100)},
       {"x", "a", "b", "c"}},
      {"a 129-character member is large",
       {sized_member("x", 129), sized_member("a", 100), sized_member("b", 100), sized_member("c", 100),
        sized_member("d", 100)},
       {"a", "b", "c", "d"}},
      {"a lone 513-character member cannot be sent", {TracestateMember{repeat('k', 256), repeat('v', 256)}}, {}},
  };
  for (const TruncationVector& v : vectors) {
    INFO("vector: " << v.name);
    const Tracestate ts = tracestate_of(v.members);
    const std::string formatted = ts.format();
    CHECK(formatted.size() <= Tracestate::kMaxHeaderChars);
    const tes::TracestateResult back = tes::parse_tracestate(formatted);
    REQUIRE(back.ok());
    std::vector<std::string> kept;
    for (const auto& m : back.value.members()) {
      kept.push_back(m.key);
      REQUIRE(ts.find(m.key) != nullptr);
      CHECK(*ts.find(m.key) == m.value);  // whole members only, never cut
    }
    CHECK(kept == v.kept);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// baggage

namespace {

struct BaggageExpect {
  std::string key;
  std::string value;
  std::string properties = {};
};

struct BaggageVector {
  const char* name;
  std::string input;
  std::vector<BaggageExpect> members;
  std::vector<std::pair<BaggageStatus, uint32_t>> dropped = {};
  std::string formatted = {};  // canonical form; empty = the input itself
};

const std::vector<BaggageVector>& baggage_vectors() {
  using S = BaggageStatus;
  static const std::string x5000 = repeat('x', 5000);
  static const std::string x3187 = repeat('x', 3187);  // "a=" + 5000 + "," + "b=" + 3187 = 8192
  static std::vector<BaggageExpect> m64 = [] {
    std::vector<BaggageExpect> m;
    for (int i = 0; i < 64; ++i) m.push_back({"m" + std::to_string(i), std::to_string(i)});
    return m;
  }();
  static const std::vector<BaggageVector> kVectors = {
      {"single member", "userId=alice", {{"userId", "alice"}}},
      {"spec example with an encoded space",
       "userId=alice,serverNode=DF%2028,isProduction=false",
       {{"userId", "alice"}, {"serverNode", "DF 28"}, {"isProduction", "false"}}},
      {"OWS around keys, values and members",
       "userId =   alice , serverNode = DF%2028\t",
       {{"userId", "alice"}, {"serverNode", "DF 28"}},
       {},
       "userId=alice,serverNode=DF%2028"},
      {"properties, with OWS",
       "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
       {{"key1", "value1", "property1;property2"}, {"key2", "value2"}, {"key3", "value3", "propertyKey=propertyValue"}},
       {},
       "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue"},
      {"'=' inside a value", "k=a=b==", {{"k", "a=b=="}}},
      {"empty value", "k=", {{"k", ""}}},
      {"'+' is a literal plus, sent encoded", "k=a+b", {{"k", "a+b"}}, {}, "k=a%2Bb"},
      {"percent-encoded UTF-8", "k=%C3%A9t%C3%A9", {{"k", "\xC3\xA9t\xC3\xA9"}}},
      {"lower-case escapes are decoded, sent upper-case", "k=%c3%a9", {{"k", "\xC3\xA9"}}, {}, "k=%C3%A9"},
      {"an escaped percent", "k=100%25", {{"k", "100%"}}},
      {"invalid UTF-8 byte becomes U+FFFD",
       "k=a%FFb",
       {{"k",
         "a\xEF\xBF\xBD"
         "b"}},
       {},
       "k=a%EF%BF%BDb"},
      {"truncated UTF-8 sequence becomes one U+FFFD", "k=%E2%82", {{"k", "\xEF\xBF\xBD"}}, {}, "k=%EF%BF%BD"},
      {"encoded surrogate becomes U+FFFD per byte",
       "k=%ED%A0%80",
       {{"k", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}},
       {},
       "k=%EF%BF%BD%EF%BF%BD%EF%BF%BD"},
      {"overlong encoding becomes U+FFFD per byte",
       "k=%C0%AF",
       {{"k", "\xEF\xBF\xBD\xEF\xBF\xBD"}},
       {},
       "k=%EF%BF%BD%EF%BF%BD"},
      {"4-byte UTF-8 kept", "k=%F0%9F%98%80", {{"k", "\xF0\x9F\x98\x80"}}},
      {"duplicate keys are kept in order", "k=1,k=2", {{"k", "1"}, {"k", "2"}}},
      {"empty members are skipped, not counted", ",a=1,, ,b=2,", {{"a", "1"}, {"b", "2"}}, {}, "a=1,b=2"},
      {"every token character in a key", "!#$%&'*+-.^_`|~Az09=1", {{"!#$%&'*+-.^_`|~Az09", "1"}}},
      {"empty header", "", {}},

      {"member without '='", "a=1,novalue,b=2", {{"a", "1"}, {"b", "2"}}, {{S::kMissingEquals, 1}}, "a=1,b=2"},
      {"'=' only in a property", "k;p=1", {}, {{S::kMissingEquals, 1}}, ""},
      {"space inside a key", "a b=1,c=2", {{"c", "2"}}, {{S::kBadKey, 1}}, "c=2"},
      {"empty key", "=1", {}, {{S::kBadKey, 1}}, ""},
      {"separator characters in keys", "k\"=1,k(=2,k/=3,k@=4", {}, {{S::kBadKey, 4}}, ""},
      {"space inside a value", "k=a b", {}, {{S::kBadValue, 1}}, ""},
      {"quote and backslash in values", "a=\"x\",b=a\\b,c=ok", {{"c", "ok"}}, {{S::kBadValue, 2}}, "c=ok"},
      {"non-ASCII raw in a value", "k=caf\xC3\xA9", {}, {{S::kBadValue, 1}}, ""},
      {"lone percent", "k=%", {}, {{S::kBadPercentEncoding, 1}}, ""},
      {"percent with one digit", "k=%4", {}, {{S::kBadPercentEncoding, 1}}, ""},
      {"percent with non-hex", "k=%zz,ok=1", {{"ok", "1"}}, {{S::kBadPercentEncoding, 1}}, "ok=1"},
      {"trailing ';' without a property", "k=v;", {}, {{S::kBadProperty, 1}}, ""},
      {"empty property between", "k=v;;p", {}, {{S::kBadProperty, 1}}, ""},
      {"property value with a space", "k=v;p=a b", {}, {{S::kBadProperty, 1}}, ""},
      {"property without a key", "k=v;=x", {}, {{S::kBadProperty, 1}}, ""},
      {"several reasons counted separately",
       "a,=1,k=a b,k=%,k=v;,ok=1",
       {{"ok", "1"}},
       {{S::kMissingEquals, 1}, {S::kBadKey, 1}, {S::kBadValue, 1}, {S::kBadPercentEncoding, 1}, {S::kBadProperty, 1}},
       "ok=1"},

      {"64 members kept, the 65th dropped",
       join_members(65, "m", "="),
       m64,
       {{S::kTooManyMembers, 1}},
       join_members(64, "m", "=")},
      {"exactly 8192 bytes kept", "a=" + x5000 + ",b=" + x3187, {{"a", x5000}, {"b", x3187}}},
      {"a member past 8192 bytes is dropped whole, a later small one still fits",
       "a=" + x5000 + ",b=" + x5000 + ",c=1",
       {{"a", x5000}, {"c", "1"}},
       {{S::kTooManyBytes, 1}},
       "a=" + x5000 + ",c=1"},
      {"one byte over 8192", "a=" + x5000 + ",b=" + x3187 + "x", {{"a", x5000}}, {{S::kTooManyBytes, 1}}, "a=" + x5000},
  };
  return kVectors;
}

std::string render(const std::vector<tes::BaggageMember>& members) {
  std::string out;
  for (const auto& m : members) out += "[" + m.key + "]=[" + m.value + "];[" + m.properties + "] ";
  return out;
}
std::string render(const std::vector<BaggageExpect>& members) {
  std::string out;
  for (const auto& m : members) out += "[" + m.key + "]=[" + m.value + "];[" + m.properties + "] ";
  return out;
}

}  // namespace

TEST_CASE("baggage vectors: parse, then format back and parse again", "[trace_context][baggage]") {
  for (const BaggageVector& v : baggage_vectors()) {
    INFO("vector: " << v.name << "\ninput: \"" << v.input.substr(0, 200) << "\"");
    const tes::BaggageResult r = tes::parse_baggage(v.input);
    CHECK(render(r.value.members()) == render(v.members));
    std::array<uint32_t, tes::kBaggageStatusCount> expected_dropped{};
    for (const auto& d : v.dropped) expected_dropped[static_cast<size_t>(d.first)] = d.second;
    for (size_t s = 0; s < tes::kBaggageStatusCount; ++s) {
      INFO("dropped as " << name_of(static_cast<BaggageStatus>(s)));
      CHECK(r.dropped[s] == expected_dropped[s]);
    }

    const std::string formatted = r.value.format();
    CHECK(formatted.size() <= Baggage::kMaxBytes);
    CHECK(formatted == (v.formatted.empty() && v.dropped.empty() ? v.input : v.formatted));
    const tes::BaggageResult again = tes::parse_baggage(formatted);
    CHECK(again.dropped_total() == 0);
    CHECK(render(again.value.members()) == render(v.members));
  }
}

TEST_CASE("baggage: every drop reason is named by a vector", "[trace_context][baggage]") {
  std::set<size_t> seen = {static_cast<size_t>(BaggageStatus::kOk)};
  for (const BaggageVector& v : baggage_vectors()) {
    for (const auto& d : v.dropped) seen.insert(static_cast<size_t>(d.first));
  }
  for (size_t s = 0; s < tes::kBaggageStatusCount; ++s) {
    INFO("status " << name_of(static_cast<BaggageStatus>(s)));
    CHECK(seen.count(s) == 1);
  }
}

TEST_CASE("baggage: values are percent-encoded exactly where needed and decode back", "[trace_context][baggage]") {
  Baggage b;
  const std::string value = "a b,c;d\"e\\f%g+h=i/j\x01\x7F \xC3\xA9 \xE2\x82\xAC!~";
  REQUIRE(b.set("k", value) == BaggageStatus::kOk);
  CHECK(b.format() == "k=a%20b%2Cc%3Bd%22e%5Cf%25g%2Bh=i/j%01%7F%20%C3%A9%20%E2%82%AC!~");
  const tes::BaggageResult back = tes::parse_baggage(b.format());
  REQUIRE(back.value.members().size() == 1);
  CHECK(back.value.members()[0].value == value);
}

TEST_CASE("baggage: set updates in place, appends new keys, and refuses what breaks a limit",
          "[trace_context][baggage]") {
  Baggage b = tes::parse_baggage("a=1,k=old;p,b=2,k=dup").value;
  REQUIRE(b.members().size() == 4);

  CHECK(b.set("k", "new value", " ttl=30 ; internal ") == BaggageStatus::kOk);
  CHECK(b.format() == "a=1,k=new%20value;ttl=30 ; internal,b=2");
  CHECK(b.set("c", "3") == BaggageStatus::kOk);
  CHECK(b.format() == "a=1,k=new%20value;ttl=30 ; internal,b=2,c=3");
  REQUIRE(b.find("k") != nullptr);
  CHECK(b.find("k")->value == "new value");

  CHECK(b.set("bad key", "1") == BaggageStatus::kBadKey);
  CHECK(b.set("", "1") == BaggageStatus::kBadKey);
  CHECK(b.set("k", "1", "p=a b") == BaggageStatus::kBadProperty);
  CHECK(b.set("k", "1", ";") == BaggageStatus::kBadProperty);
  CHECK(b.format() == "a=1,k=new%20value;ttl=30 ; internal,b=2,c=3");

  CHECK(b.erase("k"));
  CHECK_FALSE(b.erase("k"));
  CHECK(b.format() == "a=1,b=2,c=3");

  SECTION("65th member") {
    Baggage full = tes::parse_baggage(join_members(64, "m", "=")).value;
    REQUIRE(full.members().size() == 64);
    CHECK(full.set("extra", "1") == BaggageStatus::kTooManyMembers);
    CHECK(full.set("m5", "updated") == BaggageStatus::kOk);  // an update adds no member
    CHECK(full.members().size() == 64);
  }
  SECTION("8192 bytes, measured encoded") {
    Baggage big;
    REQUIRE(big.set("a", repeat('x', 5000)) == BaggageStatus::kOk);
    CHECK(big.set("b", repeat(' ', 1064)) == BaggageStatus::kTooManyBytes);  // 2 + 3·1064 + 1 + 5002 > 8192
    CHECK(big.set("b", repeat('x', 3187)) == BaggageStatus::kOk);            // exactly 8192
    CHECK(big.format().size() == 8192);
    CHECK(big.set("c", "") == BaggageStatus::kTooManyBytes);
    CHECK(big.set("a", "short") == BaggageStatus::kOk);  // replacing frees room
    CHECK(big.set("c", "") == BaggageStatus::kOk);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// X-Amzn-Trace-Id

namespace {

constexpr const char* kRoot = "1-5759e988-bd862e3fe1be46a994272793";
constexpr const char* kXTid = "5759e988bd862e3fe1be46a994272793";
constexpr const char* kXPid = "53995c3f42cd8ad8";
const std::string kCanonical = std::string("Root=") + kRoot + ";Parent=" + kXPid + ";Sampled=1";

struct XRayVector {
  const char* name;
  std::string input;
  XRayStatus status;
  const char* parent_id = kXPid;  // nullptr: no Parent field
  XRaySampled sampled = XRaySampled::kSampled;
  std::string formatted = {};  // canonical form (needs a parent and a decision); empty = the input itself
  const char* trace_id = kXTid;
};

const std::vector<XRayVector>& xray_vectors() {
  using S = XRayStatus;
  const std::string root = std::string("Root=") + kRoot;
  const std::string parent = std::string("Parent=") + kXPid;
  static const std::vector<XRayVector> kVectors = {
      {"canonical, sampled", kCanonical, S::kOk},
      {"canonical, not sampled", root + ";" + parent + ";Sampled=0", S::kOk, kXPid, XRaySampled::kNotSampled},
      {"any field order", "Sampled=1;" + parent + ";" + root, S::kOk, kXPid, XRaySampled::kSampled, kCanonical},
      {"whitespace around fields, names and values",
       " Root = " + std::string(kRoot) + " ;\t" + parent + " ; Sampled=1 ", S::kOk, kXPid, XRaySampled::kSampled,
       kCanonical},
      {"Self field from a load balancer is ignored",
       "Self=1-67891233-abcdef012345678912345678;" + root + ";" + parent + ";Sampled=1", S::kOk, kXPid,
       XRaySampled::kSampled, kCanonical},
      {"Lineage field is ignored", root + ";" + parent + ";Sampled=1;Lineage=a87bd80c:0", S::kOk, kXPid,
       XRaySampled::kSampled, kCanonical},
      {"unknown fields, with and without '=', are ignored", root + ";Foo=bar;" + parent + ";Sampled=1;flag", S::kOk,
       kXPid, XRaySampled::kSampled, kCanonical},
      {"empty fields and a trailing ';'", ";" + root + ";;" + parent + ";Sampled=1;", S::kOk, kXPid,
       XRaySampled::kSampled, kCanonical},
      {"upper-case hex is read, sent lower-case",
       "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1", S::kOk, kXPid,
       XRaySampled::kSampled, kCanonical},
      {"Sampled=? defers the decision", root + ";" + parent + ";Sampled=?", S::kOk, kXPid, XRaySampled::kDeferred},
      {"an unknown Sampled value defers the decision", root + ";" + parent + ";Sampled=yes", S::kOk, kXPid,
       XRaySampled::kDeferred},
      {"no Sampled field", root + ";" + parent, S::kOk, kXPid, XRaySampled::kDeferred},
      {"no Parent field", root + ";Sampled=1", S::kOk, nullptr, XRaySampled::kSampled},
      {"Root only", root, S::kOk, nullptr, XRaySampled::kDeferred},

      {"empty", "", S::kEmpty},
      {"whitespace only", " \t", S::kEmpty},

      {"no Root", parent + ";Sampled=1", S::kMissingRoot},
      {"field names are case-sensitive", std::string("root=") + kRoot + ";" + parent, S::kMissingRoot},
      {"Root without '='", "Root;" + parent, S::kMissingRoot},

      {"Root twice", root + ";" + root, S::kDuplicateField},
      {"Sampled twice", root + ";Sampled=1;Sampled=0", S::kDuplicateField},

      {"Root version 2", "Root=2-5759e988-bd862e3fe1be46a994272793", S::kBadRootVersion},
      {"Root version 01", "Root=01-5759e988-bd862e3fe1be46a994272793", S::kBadRootVersion},
      {"Root without a version", "Root=5759e988bd862e3fe1be46a994272793", S::kBadRootVersion},
      {"empty Root", "Root=;" + parent, S::kBadRootVersion},

      {"Root epoch of 7 digits", "Root=1-5759e98-bd862e3fe1be46a994272793", S::kBadRootLength},
      {"Root random part of 23 digits", "Root=1-5759e988-bd862e3fe1be46a99427279", S::kBadRootLength},
      {"Root random part of 25 digits", "Root=1-5759e988-bd862e3fe1be46a9942727930", S::kBadRootLength},
      {"Root without the second dash", "Root=1-5759e988bd862e3fe1be46a994272793", S::kBadRootLength},
      {"Root of the version only", "Root=1", S::kBadRootLength},
      {"Root in W3C layout", std::string("Root=1-") + kXTid, S::kBadRootLength},

      {"non-hex in the Root epoch", "Root=1-5759e98g-bd862e3fe1be46a994272793", S::kBadRootHex},
      {"non-hex in the Root random part", "Root=1-5759e988-bd862e3fe1be46a99427279z", S::kBadRootHex},
      {"a dash as the last Root character", "Root=1-5759e988-bd862e3fe1be46a99427279-", S::kBadRootHex},

      {"all-zero Root", "Root=1-00000000-000000000000000000000000;" + parent, S::kZeroTraceId},

      {"Parent of 15 digits", root + ";Parent=53995c3f42cd8ad;Sampled=1", S::kBadParent},
      {"Parent with non-hex", root + ";Parent=53995c3f42cd8adz;Sampled=1", S::kBadParent},
      {"empty Parent", root + ";Parent=;Sampled=1", S::kBadParent},

      {"all-zero Parent", root + ";Parent=0000000000000000;Sampled=1", S::kZeroParentId},
  };
  return kVectors;
}

}  // namespace

TEST_CASE("X-Ray vectors: parse, then format back and parse again", "[trace_context][xray]") {
  for (const XRayVector& v : xray_vectors()) {
    INFO("vector: " << v.name << "\ninput: \"" << v.input << "\"");
    const tes::XRayResult r = tes::parse_xray(v.input);
    CHECK(name_of(r.status) == std::string(name_of(v.status)));
    if (!r.ok() || v.status != XRayStatus::kOk) continue;
    CHECK(r.value.trace_id.hex() == v.trace_id);
    CHECK(r.value.has_parent == (v.parent_id != nullptr));
    CHECK(r.value.parent_id.hex() == (v.parent_id != nullptr ? v.parent_id : "0000000000000000"));
    CHECK(name_of(r.value.sampled) == std::string(name_of(v.sampled)));
    if (!r.value.has_parent || r.value.sampled == XRaySampled::kDeferred) continue;  // not a full header

    const std::string formatted =
        tes::format_xray(r.value.trace_id, r.value.parent_id, r.value.sampled == XRaySampled::kSampled);
    CHECK(formatted == (v.formatted.empty() ? v.input : v.formatted));
    const tes::XRayResult again = tes::parse_xray(formatted);
    REQUIRE(again.ok());
    CHECK(again.value.trace_id == r.value.trace_id);
    CHECK(again.value.parent_id == r.value.parent_id);
    CHECK(again.value.sampled == r.value.sampled);
  }
}

TEST_CASE("X-Ray: every rejection reason is named by a vector", "[trace_context][xray]") {
  std::set<size_t> seen;
  for (const XRayVector& v : xray_vectors()) seen.insert(static_cast<size_t>(v.status));
  for (size_t s = 0; s < tes::kXRayStatusCount; ++s) {
    INFO("status " << name_of(static_cast<XRayStatus>(s)));
    CHECK(seen.count(s) == 1);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ids

TEST_CASE("ids: hex formatting is lower-case and parsing is strict", "[trace_context][ids]") {
  const TraceId t = trace_id_from_hex(kTid);
  CHECK(t.hex() == kTid);
  CHECK(int(t.bytes[0]) == 0x4b);
  CHECK(int(t.bytes[15]) == 0x36);
  const SpanId s = span_id_from_hex(kPid);
  CHECK(s.hex() == kPid);
  CHECK_FALSE(s.is_zero());
  CHECK(SpanId().is_zero());
  CHECK(TraceId().hex() == "00000000000000000000000000000000");

  SpanId out;
  CHECK(SpanId::parse("00f067aa0ba902b", out) == tes::HexStatus::kWrongLength);
  CHECK(SpanId::parse("00f067aa0ba902b77", out) == tes::HexStatus::kWrongLength);
  CHECK(SpanId::parse("00F067AA0BA902B7", out) == tes::HexStatus::kUpperCase);
  CHECK(SpanId::parse("00f067aa0ba902bx", out) == tes::HexStatus::kNonHex);
  CHECK(SpanId::parse("0000000000000000", out) == tes::HexStatus::kOk);  // all-zero is the callers' concern
  CHECK(t != TraceId());
  CHECK(t == trace_id_from_hex(kTid));
}

TEST_CASE("ids: a trace id is 4 bytes of Unix seconds then 12 random bytes", "[trace_context][ids]") {
  tes::SplitMix64Random random(42);
  const uint32_t now = 0x5759e988;  // 2016-06-09, the X-Ray documentation's example
  const TraceId a = tes::new_trace_id(random, now);
  const TraceId b = tes::new_trace_id(random, now);
  CHECK(a.hex().substr(0, 8) == "5759e988");
  CHECK(tes::trace_id_epoch_seconds(a) == now);
  CHECK(a != b);  // same second, different random part
  CHECK(a.hex().substr(8) != "000000000000000000000000");

  // Deterministic from the seed.
  tes::SplitMix64Random again(42);
  CHECK(tes::new_trace_id(again, now) == a);
  CHECK(tes::new_trace_id(again, now) == b);

  // The same id is valid in both headers, and both carry the same ids.
  const SpanId span = tes::new_span_id(random);
  const auto tp =
      tes::parse_traceparent(tes::format_traceparent(a, span, tes::kTraceFlagSampled | tes::kTraceFlagRandom));
  const auto xr = tes::parse_xray(tes::format_xray(a, span, true));
  REQUIRE(tp.ok());
  REQUIRE(xr.ok());
  CHECK(tp.value.trace_id == xr.value.trace_id);
  CHECK(tp.value.parent_id == xr.value.parent_id);
  CHECK(tp.value.sampled());
  CHECK(xr.value.sampled == XRaySampled::kSampled);
  CHECK(tes::format_xray(a, span, true).substr(0, 16) == "Root=1-5759e988-");
}

TEST_CASE("ids: never all zero, even from a source that returns zeros", "[trace_context][ids]") {
  SECTION("span id from a broken source: redrawn a few times, then a fixed non-zero byte") {
    ZeroRandom zero;
    const SpanId s = tes::new_span_id(zero);
    CHECK_FALSE(s.is_zero());
    CHECK(zero.calls > 1);
    CHECK(zero.calls <= 4);
    CHECK(tes::parse_traceparent(tes::format_traceparent(tes::new_trace_id(zero, 1), s, 1)).ok());
  }
  SECTION("trace id at Unix second 0 from a broken source") {
    ZeroRandom zero;
    const TraceId t = tes::new_trace_id(zero, 0);
    CHECK_FALSE(t.is_zero());
    CHECK(tes::trace_id_epoch_seconds(t) == 0);
  }
  SECTION("a non-zero epoch already makes the trace id non-zero: one draw") {
    ZeroRandom zero;
    const TraceId t = tes::new_trace_id(zero, 1700000000);
    CHECK_FALSE(t.is_zero());
    CHECK(zero.calls == 1);
    CHECK(tes::trace_id_epoch_seconds(t) == 1700000000u);
  }
  SECTION("an all-zero draw is redrawn, not patched") {
    ZerosThenBytes source(1);
    const SpanId s = tes::new_span_id(source);
    CHECK(s.hex() == "abababababababab");
    CHECK(source.calls == 2);
  }
}

TEST_CASE("ids: the deterministic test source is stable across runs", "[trace_context][ids]") {
  tes::SplitMix64Random random(0);
  // SplitMix64's published first output for seed 0, little-endian into the id.
  CHECK(random.next() == 0xE220A8397B1DCDAFULL);
  uint8_t bytes[3];
  random.fill(bytes, 3);  // uses the low bytes of one output
  tes::SplitMix64Random check(0);
  check.next();
  const uint64_t second = check.next();
  CHECK(int(bytes[0]) == int(second & 0xFF));
  CHECK(int(bytes[2]) == int((second >> 16) & 0xFF));
}

// ---------------------------------------------------------------------------------------------------------------
// Sampling

namespace {

// A trace id whose last 7 bytes are the 56-bit `r`, with arbitrary leading bytes.
TraceId id_with_randomness(uint64_t r, uint8_t leading = 0x5a) {
  TraceId id;
  for (size_t i = 0; i < 9; ++i) id.bytes[i] = leading;
  for (size_t i = 0; i < 7; ++i) id.bytes[15 - i] = static_cast<uint8_t>(r >> (8 * i));
  return id;
}

}  // namespace

TEST_CASE("sampling: ratio edge cases", "[trace_context][sampling]") {
  const uint64_t kMax = (uint64_t{1} << 56) - 1;
  for (uint64_t r : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 55, kMax}) {
    INFO("R = " << r);
    CHECK_FALSE(tes::sample_by_ratio(id_with_randomness(r), 0.0));
    CHECK_FALSE(tes::sample_by_ratio(id_with_randomness(r), -1.0));
    CHECK_FALSE(tes::sample_by_ratio(id_with_randomness(r), std::numeric_limits<double>::quiet_NaN()));
    CHECK(tes::sample_by_ratio(id_with_randomness(r), 1.0));
    CHECK(tes::sample_by_ratio(id_with_randomness(r), 2.0));
    CHECK(tes::sample_by_ratio(id_with_randomness(r), std::numeric_limits<double>::infinity()));
  }
  // ratio 1/2: the threshold is 2^55 (sampled iff R >= T, T = 2^56 - ratio·2^56).
  CHECK(tes::sample_by_ratio(id_with_randomness(uint64_t{1} << 55), 0.5));
  CHECK_FALSE(tes::sample_by_ratio(id_with_randomness((uint64_t{1} << 55) - 1), 0.5));
  // The smallest positive ratio still samples the largest R; a ratio below 2^-56 samples nothing.
  CHECK(tes::sample_by_ratio(id_with_randomness(kMax), std::ldexp(1.0, -56)));
  CHECK_FALSE(tes::sample_by_ratio(id_with_randomness(kMax - 1), std::ldexp(1.0, -56)));
  CHECK_FALSE(tes::sample_by_ratio(id_with_randomness(kMax), std::ldexp(1.0, -60)));
  // The first 9 bytes (epoch and non-random part) never matter.
  for (uint8_t leading : {uint8_t{0x00}, uint8_t{0xff}}) {
    CHECK(tes::sample_by_ratio(id_with_randomness(uint64_t{1} << 55, leading), 0.5));
    CHECK_FALSE(tes::sample_by_ratio(id_with_randomness((uint64_t{1} << 55) - 1, leading), 0.5));
  }
}

TEST_CASE("sampling: consistent across ratios and close to the ratio over many ids", "[trace_context][sampling]") {
  tes::SplitMix64Random random(20240601);
  constexpr int kIds = 10000;
  int at_10 = 0, at_25 = 0, at_50 = 0, nested_violations = 0;
  for (int i = 0; i < kIds; ++i) {
    const TraceId id = tes::new_trace_id(random, 1700000000u + static_cast<uint32_t>(i));
    const bool s10 = tes::sample_by_ratio(id, 0.10);
    const bool s25 = tes::sample_by_ratio(id, 0.25);
    const bool s50 = tes::sample_by_ratio(id, 0.50);
    at_10 += s10;
    at_25 += s25;
    at_50 += s50;
    if ((s10 && !s25) || (s25 && !s50)) ++nested_violations;
    CHECK(tes::sample_by_ratio(id, 0.25) == s25);  // deterministic
  }
  CHECK(nested_violations == 0);  // sampled at a ratio ⇒ sampled at any higher ratio
  CHECK(at_25 >= 2200);
  CHECK(at_25 <= 2800);
  CHECK(at_10 >= 800);
  CHECK(at_10 <= 1200);
  CHECK(at_50 >= 4700);
  CHECK(at_50 <= 5300);
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitrary input

namespace {

// Strings from an alphabet dense in the characters the grammars care about, so random inputs often come close to
// valid headers. Whatever parses must survive a format/parse round trip unchanged; nothing may crash (ASan/UBSan).
std::string random_header(tes::SplitMix64Random& random) {
  static const std::string kAlphabet =
      "0123456789abcdefABCDEF-=,;%@_*/ \t\"\\+.?:RootParentSampled\x01\x7f\x80\xc3\xa9\xff";
  const size_t length = static_cast<size_t>(random.next() % 90);
  std::string s;
  for (size_t i = 0; i < length; ++i) s += kAlphabet[static_cast<size_t>(random.next() % kAlphabet.size())];
  return s;
}

}  // namespace

TEST_CASE("arbitrary input: parsers never crash, and what parses round-trips", "[trace_context][fuzz]") {
  tes::SplitMix64Random random(7);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string input = random_header(random);
    // Every fourth input is a near-miss of a valid header, to reach the deeper checks.
    switch (i % 8) {
      case 1:
        input = "00-" + kTp + "-" + input.substr(0, 2);
        break;
      case 3:
        input = "rojo=1," + input;
        break;
      case 5:
        input = std::string("Root=") + kRoot + ";" + input;
        break;
      case 7:
        input = "k=" + input.substr(0, 10) + ",b=" + input.substr(std::min<size_t>(10, input.size()));
        break;
      default:
        break;
    }
    INFO("input: \"" << input << "\"");

    const tes::TraceparentResult tp = tes::parse_traceparent(input);
    if (tp.ok()) {
      ++parsed;
      const auto again =
          tes::parse_traceparent(tes::format_traceparent(tp.value.trace_id, tp.value.parent_id, tp.value.flags));
      REQUIRE(again.ok());
      CHECK(again.value.trace_id == tp.value.trace_id);
      CHECK(again.value.sampled() == tp.value.sampled());
    }

    const tes::TracestateResult ts = tes::parse_tracestate(input);
    if (ts.ok()) {
      ++parsed;
      CHECK(ts.value.members().size() <= Tracestate::kMaxMembers);
      const auto again = tes::parse_tracestate(ts.value.format(std::numeric_limits<size_t>::max()));
      REQUIRE(again.ok());
      CHECK(render(again.value.members()) == render(ts.value.members()));
    } else {
      CHECK(ts.value.empty());
    }

    const tes::BaggageResult bg = tes::parse_baggage(input);
    parsed += !bg.value.empty();
    const auto bg_again = tes::parse_baggage(bg.value.format());
    CHECK(bg_again.dropped_total() == 0);
    CHECK(render(bg_again.value.members()) == render(bg.value.members()));

    const tes::XRayResult xr = tes::parse_xray(input);
    if (xr.ok()) {
      ++parsed;
      const SpanId parent = xr.value.has_parent ? xr.value.parent_id : span_id_from_hex(kXPid);
      const auto again = tes::parse_xray(tes::format_xray(xr.value.trace_id, parent, true));
      REQUIRE(again.ok());
      CHECK(again.value.trace_id == xr.value.trace_id);
      CHECK(again.value.parent_id == parent);
    }
  }
  CHECK(parsed > 1000);  // the generator does reach the valid paths
}

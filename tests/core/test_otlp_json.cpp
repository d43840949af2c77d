// The OTLP/HTTP JSON encoder (wasm/otlp_json.{h,cpp}), REQUIREMENTS D4: the exact bytes of a small request
// (golden string), of every attribute value type, of events, links, status and dropped counts, what is omitted,
// the resource and scope, non-finite doubles, escaping and invalid UTF-8, and the envelope arithmetic the page-hide
// flush relies on. Every body is also parsed back (here only: the core never parses) and checked against the
// mapping's rules by check_request() below.
//
// The fixtures in tests/fixtures/otlp/*.json are bodies this encoder produced, for the Node test that validates
// them against the OTLP protobuf schema. The last test compares them byte for byte with what the encoder writes
// now; run the tests with TES_UPDATE_FIXTURES=1 to rewrite them after an intended change.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "otlp_json.h"
#include "span.h"
#include "span_queue.h"

// As in otlp_json.cpp: every translation unit that includes nlohmann must configure it the same way.
#ifndef JSON_NOEXCEPTION
#define JSON_NOEXCEPTION 1
#endif
#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;
using tes::AttrValue;
using tes::InstrumentationScope;
using tes::KeyValue;
using tes::Resource;
using tes::Span;
using tes::SpanKind;
using tes::SpanLimits;
using tes::StatusCode;

constexpr uint64_t kT0 = 1544712660000000000ULL;  // 2018-12-13T14:51:00Z in ns

tes::TraceId trace_id(const char* hex) {
  tes::TraceId id;
  REQUIRE(tes::TraceId::parse(hex, id) == tes::HexStatus::kOk);
  return id;
}

tes::SpanId span_id(const char* hex) {
  tes::SpanId id;
  REQUIRE(tes::SpanId::parse(hex, id) == tes::HexStatus::kOk);
  return id;
}

const char* const kTrace = "5b8efff798038103d269b633813fc60c";
const char* const kSpan = "eee19b7ec3c1b174";
const char* const kParent = "eee19b7ec3c1b173";

Span bare_span(std::string_view name = "s", const SpanLimits& limits = SpanLimits()) {
  return Span(name, SpanKind::kUnspecified, trace_id(kTrace), span_id(kSpan), 0, limits);
}

// The JSON of bare_span() with `attributes_json` as its attributes array's contents.
std::string bare_with_attributes(const std::string& attributes_json) {
  return std::string(R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s",)") +
         R"("attributes":[)" + attributes_json + "]}";
}

Resource small_resource() {
  Resource r;
  r.service_name = "demo";
  r.telemetry_sdk_version = "0.1.0";
  return r;
}

InstrumentationScope small_scope() {
  InstrumentationScope s;
  s.version = "0.1.0";
  return s;
}

Span small_span() {
  Span s("connect", SpanKind::kClient, trace_id(kTrace), span_id(kSpan), kT0);
  s.set_int("http.response.status_code", 200);
  s.end(kT0 + 1000000000);
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// The mapping's rules, checked on parsed output.

bool is_lower_hex(const Json& v, size_t size) {
  if (!v.is_string()) return false;
  const std::string s = v.get<std::string>();
  if (s.size() != size) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_decimal_string(const Json& v, bool allow_minus) {
  if (!v.is_string()) return false;
  std::string s = v.get<std::string>();
  if (allow_minus && !s.empty() && s[0] == '-') s = s.substr(1);
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void check_only_keys(const Json& o, const std::set<std::string>& allowed) {
  REQUIRE(o.is_object());
  for (auto it = o.begin(); it != o.end(); ++it) {
    CAPTURE(it.key());
    CHECK(allowed.count(it.key()) == 1);
  }
}

void check_count(const Json& o, const char* key) {
  if (!o.contains(key)) return;
  CHECK(o[key].is_number_unsigned());
  CHECK(o[key].get<uint64_t>() > 0);  // zero is omitted
}

void check_any_value(const Json& v) {
  REQUIRE(v.is_object());
  REQUIRE(v.size() == 1);
  const std::string kind = v.begin().key();
  const Json& x = v.begin().value();
  CAPTURE(kind, x.dump());
  if (kind == "stringValue") {
    CHECK(x.is_string());
  } else if (kind == "boolValue") {
    CHECK(x.is_boolean());
  } else if (kind == "intValue") {
    CHECK(is_decimal_string(x, true));
  } else if (kind == "doubleValue") {
    CHECK((x.is_number_float() || x == "NaN" || x == "Infinity" || x == "-Infinity"));
  } else if (kind == "arrayValue") {
    check_only_keys(x, {"values"});
    if (x.contains("values")) {
      REQUIRE(x["values"].is_array());
      CHECK_FALSE(x["values"].empty());
      for (const Json& e : x["values"]) {
        check_any_value(e);
        CHECK(e.begin().key() == x["values"][0].begin().key());  // homogeneous
        CHECK(e.begin().key() != "arrayValue");
      }
    }
  } else {
    FAIL("unknown AnyValue member " << kind);
  }
}

void check_attributes(const Json& o) {
  if (o.contains("attributes")) {
    REQUIRE(o["attributes"].is_array());
    CHECK_FALSE(o["attributes"].empty());
    std::set<std::string> keys;
    for (const Json& kv : o["attributes"]) {
      check_only_keys(kv, {"key", "value"});
      REQUIRE(kv["key"].is_string());
      CHECK(keys.insert(kv["key"].get<std::string>()).second);  // unique
      check_any_value(kv["value"]);
    }
  }
  check_count(o, "droppedAttributesCount");
}

void check_span(const Json& s) {
  check_only_keys(s, {"traceId", "spanId", "traceState", "parentSpanId", "name", "kind", "startTimeUnixNano",
                      "endTimeUnixNano", "attributes", "droppedAttributesCount", "events", "droppedEventsCount",
                      "links", "droppedLinksCount", "status"});
  CHECK(is_lower_hex(s["traceId"], 32));
  CHECK(is_lower_hex(s["spanId"], 16));
  if (s.contains("parentSpanId")) CHECK(is_lower_hex(s["parentSpanId"], 16));
  if (s.contains("traceState")) CHECK((s["traceState"].is_string() && !s["traceState"].empty()));
  CHECK(s["name"].is_string());
  if (s.contains("kind")) CHECK((s["kind"].is_number_integer() && s["kind"] >= 1 && s["kind"] <= 5));
  if (s.contains("startTimeUnixNano")) CHECK(is_decimal_string(s["startTimeUnixNano"], false));
  if (s.contains("endTimeUnixNano")) CHECK(is_decimal_string(s["endTimeUnixNano"], false));
  check_attributes(s);
  if (s.contains("events")) {
    REQUIRE(s["events"].is_array());
    CHECK_FALSE(s["events"].empty());
    for (const Json& e : s["events"]) {
      check_only_keys(e, {"timeUnixNano", "name", "attributes", "droppedAttributesCount"});
      if (e.contains("timeUnixNano")) CHECK(is_decimal_string(e["timeUnixNano"], false));
      CHECK(e["name"].is_string());
      check_attributes(e);
    }
  }
  check_count(s, "droppedEventsCount");
  if (s.contains("links")) {
    REQUIRE(s["links"].is_array());
    CHECK_FALSE(s["links"].empty());
    for (const Json& l : s["links"]) {
      check_only_keys(l, {"traceId", "spanId", "traceState", "attributes", "droppedAttributesCount"});
      CHECK(is_lower_hex(l["traceId"], 32));
      CHECK(is_lower_hex(l["spanId"], 16));
      check_attributes(l);
    }
  }
  check_count(s, "droppedLinksCount");
  if (s.contains("status")) {
    const Json& st = s["status"];
    check_only_keys(st, {"message", "code"});
    CHECK_FALSE(st.empty());
    if (st.contains("code")) CHECK((st["code"] == 1 || st["code"] == 2));
    if (st.contains("message")) CHECK((st["message"].is_string() && !st["message"].empty()));
  }
}

// Parses `body` and checks it is an ExportTraceServiceRequest as the mapping writes it. Returns the parsed value.
Json check_request(const std::string& body) {
  const Json r = Json::parse(body, nullptr, false);
  REQUIRE_FALSE(r.is_discarded());
  check_only_keys(r, {"resourceSpans"});
  REQUIRE(r["resourceSpans"].is_array());
  for (const Json& rs : r["resourceSpans"]) {
    check_only_keys(rs, {"resource", "scopeSpans"});
    if (rs.contains("resource")) {
      check_only_keys(rs["resource"], {"attributes", "droppedAttributesCount"});
      check_attributes(rs["resource"]);
    }
    REQUIRE(rs["scopeSpans"].is_array());
    for (const Json& ss : rs["scopeSpans"]) {
      check_only_keys(ss, {"scope", "spans"});
      if (ss.contains("scope")) {
        check_only_keys(ss["scope"], {"name", "version"});
        CHECK_FALSE(ss["scope"].empty());
      }
      REQUIRE(ss["spans"].is_array());
      for (const Json& s : ss["spans"]) check_span(s);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixture bodies (see the top).

Resource full_resource() {
  Resource r;
  r.service_name = "live-feed";
  r.service_version = "2.3.1";
  r.telemetry_sdk_version = "0.1.0";
  r.session_id = "8f14e45fceea167a5a36dedd4bea2543";
  r.user_agent_original =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
  r.attributes.push_back(KeyValue{"deployment.environment.name", AttrValue::of_string("test")});
  return r;
}

std::string fixture_value_types() {
  Span s("value types", SpanKind::kInternal, trace_id(kTrace), span_id(kSpan), kT0);
  s.set_string("string", "hello");
  s.set_string("string.empty", "");
  s.set_string("string.unicode", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  s.set_string("string.escapes", "quote\" backslash\\ newline\n tab\t control\x01");
  s.set_string("string.invalid_utf8", "a\xFF" "b\xC3");
  s.set_bool("bool.true", true);
  s.set_bool("bool.false", false);
  s.set_int("int.zero", 0);
  s.set_int("int.negative", -42);
  s.set_int("int.max", std::numeric_limits<int64_t>::max());
  s.set_int("int.min", std::numeric_limits<int64_t>::min());
  s.set_double("double", 1.5);
  s.set_double("double.integral", 100.0);
  s.set_double("double.tiny", 5e-324);
  s.set_double("double.huge", 1e300);
  s.set_double("double.negative_zero", -0.0);
  s.set_attribute("array.string", AttrValue::of_strings({"a", "", "\xC3\xA9"}));
  s.set_attribute("array.bool", AttrValue::of_bools({true, false}));
  s.set_attribute("array.int", AttrValue::of_ints({1, -1, std::numeric_limits<int64_t>::max()}));
  s.set_attribute("array.double", AttrValue::of_doubles({0.5, -2.0, 1e-7}));
  s.set_attribute("array.empty", AttrValue::of_strings({}));
  s.add_event("typed event", kT0 + 1, {{"e.int", AttrValue::of_int(7)}, {"e.double", AttrValue::of_double(0.25)},
                                       {"e.bools", AttrValue::of_bools({false})}});
  s.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203331"),
             {{"l.strings", AttrValue::of_strings({"x", "y"})}, {"l.bool", AttrValue::of_bool(true)}});
  s.end(kT0 + 2);
  return tes::encode_export_request(small_resource(), small_scope(), {s});
}

std::string fixture_non_finite() {
  Span s("non-finite doubles", SpanKind::kInternal, trace_id(kTrace), span_id(kSpan), kT0);
  s.set_double("nan", std::nan(""));
  s.set_double("positive_infinity", std::numeric_limits<double>::infinity());
  s.set_double("negative_infinity", -std::numeric_limits<double>::infinity());
  s.set_attribute("array", AttrValue::of_doubles({std::nan(""), std::numeric_limits<double>::infinity(),
                                                   -std::numeric_limits<double>::infinity(), 1.0}));
  s.end(kT0 + 1);
  return tes::encode_export_request(small_resource(), small_scope(), {s});
}

std::string fixture_events_links_status() {
  Span failed("stream", SpanKind::kClient, trace_id(kTrace), span_id(kSpan), kT0);
  failed.set_parent(span_id(kParent));
  failed.set_trace_state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  failed.set_string("sse.last_event_id", "42");
  failed.add_event("open", kT0 + 5000000);
  failed.add_event("reconnect", kT0 + 9000000,
                   {{"sse.close_type", AttrValue::of_string("network")}, {"sse.attempt", AttrValue::of_int(2)}});
  failed.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203331"),
                  {{"link.reason", AttrValue::of_string("previous attempt")}}, "rojo=00f067aa0ba902b7");
  failed.add_link(trace_id("4bf92f3577b34da6a3ce929d0e0e4736"), span_id("00f067aa0ba902b7"));
  failed.set_status(StatusCode::kError, "stream closed: network error");
  failed.end(kT0 + 10000000);

  Span ok("connect", SpanKind::kClient, trace_id(kTrace), span_id("1000000000000001"), kT0);
  ok.set_parent(span_id(kParent));
  ok.set_status(StatusCode::kOk);
  ok.end(kT0 + 4000000);

  Span error_without_message("http.client", SpanKind::kClient, trace_id(kTrace), span_id("1000000000000002"), kT0);
  error_without_message.set_status(StatusCode::kError);
  error_without_message.end(kT0 + 3000000);
  return tes::encode_export_request(full_resource(), small_scope(), {failed, ok, error_without_message});
}

std::string fixture_dropped_counts() {
  SpanLimits limits;
  limits.max_attributes = 2;
  limits.max_events = 1;
  limits.max_links = 1;
  limits.max_attributes_per_event = 1;
  limits.max_attributes_per_link = 1;
  limits.max_string_chars = 8;
  Span s("over every limit", SpanKind::kClient, trace_id(kTrace), span_id(kSpan), kT0, limits);
  s.set_string("a", "truncated to eight characters");
  s.set_string("b", "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
                    "\xE2\x82\xAC");
  s.set_string("c", "dropped");
  s.set_string("d", "dropped");
  s.add_event("kept", kT0 + 1, {{"x", AttrValue::of_int(1)}, {"y", AttrValue::of_int(2)}, {"z", AttrValue::of_int(3)}});
  s.add_event("dropped", kT0 + 2);
  s.add_event("dropped", kT0 + 3);
  s.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203331"),
             {{"x", AttrValue::of_int(1)}, {"y", AttrValue::of_int(2)}});
  s.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203332"));
  s.set_status(StatusCode::kError, "message longer than eight");
  s.end(kT0 + 4);
  Resource r = small_resource();
  r.dropped_attributes_count = 3;
  return tes::encode_export_request(r, small_scope(), {s});
}

// Kinds 1..5. SPAN_KIND_UNSPECIFIED (0, "do not use") is left out: the Node validator's producer rules reject it,
// as our spans always know their kind; its encoding (the field omitted) is pinned by a test above.
std::string fixture_span_kinds() {
  const SpanKind kinds[] = {SpanKind::kInternal, SpanKind::kServer, SpanKind::kClient, SpanKind::kProducer,
                            SpanKind::kConsumer};
  const char* const names[] = {"internal", "server", "client", "producer", "consumer"};
  std::vector<Span> spans;
  for (int k = 0; k < 5; ++k) {
    char id[17] = "200000000000000x";
    id[15] = static_cast<char>('1' + k);
    Span s(names[k], kinds[k], trace_id(kTrace), span_id(id), kT0 + static_cast<uint64_t>(k));
    if (k % 2 == 0) s.set_parent(span_id(kParent));  // parent on every other span
    s.end(kT0 + 1000 + static_cast<uint64_t>(k));
    spans.push_back(std::move(s));
  }
  return tes::encode_export_request(full_resource(), small_scope(), spans);
}

// A page-hide flush of 6 spans into 2 bodies of at most 1800 bytes: the error first, then the ended stream, then
// the rest; the large span lost its events to fit.
std::vector<std::string> fixture_page_hide() {
  tes::SpanQueue queue;
  int64_t now = 1000;
  for (int n = 0; n < 6; ++n) {
    char id[17] = "300000000000000x";
    id[15] = static_cast<char>('0' + n);
    Span s(n == 4 ? "stream" : "connect", SpanKind::kClient, trace_id(kTrace), span_id(id), kT0 + 10 * n);
    s.set_int("sse.attempt", n + 1);
    if (n == 2) s.set_status(StatusCode::kError, "HTTP 503");
    if (n == 5) {
      for (int e = 0; e < 20; ++e) s.add_event("message", kT0 + 100 + static_cast<uint64_t>(e), {{"bytes", AttrValue::of_int(e)}});
    }
    s.end(kT0 + 10 * n + 5);
    queue.push(std::move(s), now++, n == 4 ? tes::SpanPriority::kHigh : tes::SpanPriority::kNormal);
  }
  tes::FlushBudget budget;
  budget.max_payload_bytes = 1800;
  budget.max_total_bytes = 65536;
  const tes::FlushResult r = queue.flush(small_resource(), small_scope(), budget);
  REQUIRE(r.spans == 6);
  REQUIRE(r.shrunk == 1);
  return r.payloads;
}

std::string fixtures_dir() {
  std::string here = __FILE__;  // …/tests/core/test_otlp_json.cpp
  const size_t slash = here.find_last_of("/\\");
  return here.substr(0, slash) + "/../fixtures/otlp/";
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("golden: a small client span in a full ExportTraceServiceRequest, byte for byte") {
  const std::string body = tes::encode_export_request(small_resource(), small_scope(), {small_span()});
  CHECK(body ==
        R"({"resourceSpans":[{"resource":{"attributes":[)"
        R"({"key":"service.name","value":{"stringValue":"demo"}},)"
        R"({"key":"telemetry.sdk.name","value":{"stringValue":"traced-eventsource"}},)"
        R"({"key":"telemetry.sdk.language","value":{"stringValue":"webjs"}},)"
        R"({"key":"telemetry.sdk.version","value":{"stringValue":"0.1.0"}}]},)"
        R"("scopeSpans":[{"scope":{"name":"traced-eventsource","version":"0.1.0"},"spans":[)"
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"connect","kind":3,)"
        R"("startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",)"
        R"("attributes":[{"key":"http.response.status_code","value":{"intValue":"200"}}]}]}]}]})");
  check_request(body);
}

TEST_CASE("golden: a span with parent, trace state, events, links, error status and dropped counts") {
  SpanLimits limits;
  limits.max_attributes = 1;
  limits.max_events = 2;
  limits.max_links = 1;
  limits.max_attributes_per_event = 1;
  limits.max_attributes_per_link = 0;
  Span s("stream", SpanKind::kConsumer, trace_id(kTrace), span_id(kSpan), kT0, limits);
  s.set_parent(span_id(kParent));
  s.set_trace_state("k=v");
  s.set_bool("ok", false);
  s.set_bool("dropped", true);
  s.add_event("open", kT0 + 1);
  s.add_event("message", kT0 + 2, {{"n", AttrValue::of_int(1)}, {"m", AttrValue::of_int(2)}});
  s.add_event("dropped", kT0 + 3);
  s.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203331"),
             {{"dropped", AttrValue::of_int(1)}}, "a=b");
  s.add_link(trace_id("0af7651916cd43dd8448eb211c80319c"), span_id("b7ad6b7169203332"));
  s.set_status(StatusCode::kError, "boom");
  s.end(kT0 + 9);
  CHECK(tes::encode_span(s) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","traceState":"k=v",)"
        R"("parentSpanId":"eee19b7ec3c1b173","name":"stream","kind":5,)"
        R"("startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712660000000009",)"
        R"("attributes":[{"key":"ok","value":{"boolValue":false}}],"droppedAttributesCount":1,)"
        R"("events":[{"timeUnixNano":"1544712660000000001","name":"open"},)"
        R"({"timeUnixNano":"1544712660000000002","name":"message",)"
        R"("attributes":[{"key":"n","value":{"intValue":"1"}}],"droppedAttributesCount":1}],"droppedEventsCount":1,)"
        R"("links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","traceState":"a=b",)"
        R"("droppedAttributesCount":1}],"droppedLinksCount":1,)"
        R"("status":{"message":"boom","code":2}})");
}

TEST_CASE("defaults are omitted: no parent, trace state, kind, times, attributes, events, links, counts or status") {
  CHECK(tes::encode_span(bare_span()) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s"})");
  CHECK(tes::encode_span(bare_span("")) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":""})");
}

TEST_CASE("status: ok is {code:1} without a message — an error without a message is {code:2}") {
  Span ok = bare_span();
  ok.set_status(StatusCode::kOk);
  CHECK(tes::encode_span(ok) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","status":{"code":1}})");
  Span error = bare_span();
  error.set_status(StatusCode::kError);
  CHECK(tes::encode_span(error) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","status":{"code":2}})");
}

TEST_CASE("every span kind is written as its OTLP integer, and unspecified (0) is omitted") {
  const std::pair<SpanKind, const char*> kinds[] = {
      {SpanKind::kUnspecified, ""},          {SpanKind::kInternal, R"(,"kind":1)"}, {SpanKind::kServer, R"(,"kind":2)"},
      {SpanKind::kClient, R"(,"kind":3)"},   {SpanKind::kProducer, R"(,"kind":4)"},
      {SpanKind::kConsumer, R"(,"kind":5)"}};
  for (const auto& k : kinds) {
    const Span s("s", k.first, trace_id(kTrace), span_id(kSpan), 0);
    CHECK(tes::encode_span(s) ==
          std::string(R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s")") +
              k.second + "}");
  }
}

TEST_CASE("ids are the lower-case hex of their bytes, not base64 — times are decimal strings up to 2^64-1") {
  tes::TraceId t;
  tes::SpanId s;
  for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<uint8_t>(0xF0 + i);
  for (size_t i = 0; i < s.bytes.size(); ++i) s.bytes[i] = static_cast<uint8_t>(0xA0 + i);
  Span span("s", SpanKind::kUnspecified, t, s, 1);
  span.end(std::numeric_limits<uint64_t>::max());
  CHECK(tes::encode_span(span) ==
        R"({"traceId":"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff","spanId":"a0a1a2a3a4a5a6a7","name":"s",)"
        R"("startTimeUnixNano":"1","endTimeUnixNano":"18446744073709551615"})");
}

TEST_CASE("decimal text of integers: zero, limits, negatives") {
  CHECK(tes::decimal_u64(0) == "0");
  CHECK(tes::decimal_u64(7) == "7");
  CHECK(tes::decimal_u64(1000000) == "1000000");
  CHECK(tes::decimal_u64(std::numeric_limits<uint64_t>::max()) == "18446744073709551615");
  CHECK(tes::decimal_i64(0) == "0");
  CHECK(tes::decimal_i64(-1) == "-1");
  CHECK(tes::decimal_i64(std::numeric_limits<int64_t>::max()) == "9223372036854775807");
  CHECK(tes::decimal_i64(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
}

TEST_CASE("every attribute value type is written as its AnyValue member") {
  struct Vector {
    const char* name;
    AttrValue value;
    const char* json;  // the "value" member
  };
  const std::vector<Vector> vectors = {
      {"string", AttrValue::of_string("hello"), R"({"stringValue":"hello"})"},
      {"empty string (a oneof member is always written)", AttrValue::of_string(""), R"({"stringValue":""})"},
      {"bool true", AttrValue::of_bool(true), R"({"boolValue":true})"},
      {"bool false", AttrValue::of_bool(false), R"({"boolValue":false})"},
      {"int zero", AttrValue::of_int(0), R"({"intValue":"0"})"},
      {"int negative", AttrValue::of_int(-42), R"({"intValue":"-42"})"},
      {"int max", AttrValue::of_int(std::numeric_limits<int64_t>::max()), R"({"intValue":"9223372036854775807"})"},
      {"int min", AttrValue::of_int(std::numeric_limits<int64_t>::min()), R"({"intValue":"-9223372036854775808"})"},
      {"double", AttrValue::of_double(1.5), R"({"doubleValue":1.5})"},
      {"double 0.1 (shortest round trip)", AttrValue::of_double(0.1), R"({"doubleValue":0.1})"},
      {"double integral", AttrValue::of_double(100.0), R"({"doubleValue":100.0})"},
      {"double zero", AttrValue::of_double(0.0), R"({"doubleValue":0.0})"},
      {"double negative zero", AttrValue::of_double(-0.0), R"({"doubleValue":-0.0})"},
      {"double huge", AttrValue::of_double(1e300), R"({"doubleValue":1e+300})"},
      {"double denormal", AttrValue::of_double(5e-324), R"({"doubleValue":5e-324})"},
      {"double small", AttrValue::of_double(1e-7), R"({"doubleValue":1e-07})"},
      {"string array", AttrValue::of_strings({"a", ""}),
       R"({"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":""}]}})"},
      {"bool array", AttrValue::of_bools({true, false}),
       R"({"arrayValue":{"values":[{"boolValue":true},{"boolValue":false}]}})"},
      {"int array", AttrValue::of_ints({1, -1}), R"({"arrayValue":{"values":[{"intValue":"1"},{"intValue":"-1"}]}})"},
      {"double array", AttrValue::of_doubles({0.5, 2}),
       R"({"arrayValue":{"values":[{"doubleValue":0.5},{"doubleValue":2.0}]}})"},
      {"empty string array", AttrValue::of_strings({}), R"({"arrayValue":{}})"},
      {"empty bool array", AttrValue::of_bools({}), R"({"arrayValue":{}})"},
      {"empty int array", AttrValue::of_ints({}), R"({"arrayValue":{}})"},
      {"empty double array", AttrValue::of_doubles({}), R"({"arrayValue":{}})"},
  };
  for (const Vector& v : vectors) {
    CAPTURE(v.name);
    Span s = bare_span();
    s.set_attribute("k", v.value);
    const std::string body = tes::encode_span(s);
    CHECK(body == bare_with_attributes(std::string(R"({"key":"k","value":)") + v.json + "}"));
  }
}

TEST_CASE("non-finite doubles are proto3 JSON's strings NaN, Infinity and -Infinity, alone and in arrays") {
  Span s = bare_span();
  s.set_double("nan", std::nan(""));
  s.set_double("inf", std::numeric_limits<double>::infinity());
  s.set_double("-inf", -std::numeric_limits<double>::infinity());
  s.set_attribute("array", AttrValue::of_doubles({std::nan(""), -std::numeric_limits<double>::infinity(), 1.0}));
  CHECK(tes::encode_span(s) ==
        bare_with_attributes(R"({"key":"nan","value":{"doubleValue":"NaN"}},)"
                             R"({"key":"inf","value":{"doubleValue":"Infinity"}},)"
                             R"({"key":"-inf","value":{"doubleValue":"-Infinity"}},)"
                             R"({"key":"array","value":{"arrayValue":{"values":[{"doubleValue":"NaN"},)"
                             R"({"doubleValue":"-Infinity"},{"doubleValue":1.0}]}}})"));
}

TEST_CASE("strings: JSON escapes for quote, backslash and controls — non-ASCII raw — invalid UTF-8 becomes U+FFFD") {
  struct Vector {
    const char* name;
    std::string in;
    std::string out;  // inside the quotes
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<Vector> vectors = {
      {"quote and backslash", "a\"b\\c", R"(a\"b\\c)"},
      {"short escapes", "\b\f\n\r\t", R"(\b\f\n\r\t)"},
      {"other controls", std::string("\x01\x1f\x00", 3), R"(\u0001\u001f\u0000)"},
      {"DEL and slash are not escaped", "\x7f/", "\x7f/"},
      {"2-, 3-, 4-byte UTF-8 raw", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
      {"U+2028 raw (valid JSON)", "\xE2\x80\xA8", "\xE2\x80\xA8"},
      {"invalid byte", "a\xFF" "b", "a" + fffd + "b"},
      {"truncated sequence at the end", "b\xC3", "b" + fffd},
      {"stray continuation", "\x80x", fffd + "x"},
      {"surrogate encoded in UTF-8", "\xED\xA0\x80", fffd + fffd + fffd},
  };
  for (const Vector& v : vectors) {
    CAPTURE(v.name);
    Span s = bare_span();
    s.set_string("k", v.in);
    CHECK(tes::encode_span(s) == bare_with_attributes(R"({"key":"k","value":{"stringValue":")" + v.out + R"("}})"));
  }
  // Invalid UTF-8 anywhere (name, key, event, status): the body still parses.
  Span s(std::string("n\xFF"), SpanKind::kInternal, trace_id(kTrace), span_id(kSpan), 1);
  s.set_string(std::string("k\xC3"), "v");
  s.add_event(std::string("e\xE2\x82"), 2);
  s.set_status(StatusCode::kError, std::string("\xF0\x9F"));
  const Json parsed = check_request(tes::encode_export_request(small_resource(), small_scope(), {s}));
  CHECK(parsed["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] == "n\xEF\xBF\xBD");
}

TEST_CASE("the resource: D3 attributes in a fixed order, empty ones left out, then the caller's, then the drop count") {
  Resource r;
  r.service_name = "feed";
  r.service_version = "1.0";
  r.telemetry_sdk_version = "0.1.0";
  r.session_id = "abc";
  r.user_agent_original = "UA";
  r.attributes.push_back(KeyValue{"extra", AttrValue::of_int(1)});
  r.dropped_attributes_count = 2;
  InstrumentationScope scope;
  const tes::OtlpEnvelope e = tes::encode_envelope(r, scope);
  CHECK(e.prefix ==
        R"({"resourceSpans":[{"resource":{"attributes":[)"
        R"({"key":"service.name","value":{"stringValue":"feed"}},)"
        R"({"key":"service.version","value":{"stringValue":"1.0"}},)"
        R"({"key":"telemetry.sdk.name","value":{"stringValue":"traced-eventsource"}},)"
        R"({"key":"telemetry.sdk.language","value":{"stringValue":"webjs"}},)"
        R"({"key":"telemetry.sdk.version","value":{"stringValue":"0.1.0"}},)"
        R"({"key":"session.id","value":{"stringValue":"abc"}},)"
        R"({"key":"user_agent.original","value":{"stringValue":"UA"}},)"
        R"({"key":"extra","value":{"intValue":"1"}}],"droppedAttributesCount":2},)"
        R"("scopeSpans":[{"scope":{"name":"traced-eventsource"},"spans":[)");
  CHECK(e.suffix == "]}]}]}");
}

TEST_CASE("an empty resource and an empty scope are left out entirely") {
  Resource r;
  r.telemetry_sdk_name.clear();
  r.telemetry_sdk_language.clear();
  InstrumentationScope scope;
  scope.name.clear();
  CHECK(tes::encode_envelope(r, scope).prefix == R"({"resourceSpans":[{"scopeSpans":[{"spans":[)");
  CHECK(tes::encode_export_request(r, scope, {}) == R"({"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]})");
}

TEST_CASE("a body is the envelope's prefix, the spans joined by commas and the suffix — body_size adds up") {
  std::vector<Span> spans;
  size_t span_bytes = 0;
  std::string joined;
  for (int n = 0; n < 3; ++n) {
    Span s = small_span();
    s.set_int("n", n);
    const std::string one = tes::encode_span(s);
    span_bytes += one.size();
    joined += (n ? "," : "") + one;
    spans.push_back(std::move(s));
  }
  const tes::OtlpEnvelope e = tes::encode_envelope(small_resource(), small_scope());
  const std::string body = tes::encode_export_request(small_resource(), small_scope(), spans);
  CHECK(body == e.prefix + joined + e.suffix);
  CHECK(body.size() == e.body_size(span_bytes, 3));
  CHECK(e.body_size(0, 0) == e.prefix.size() + e.suffix.size());
  const Json parsed = check_request(body);
  CHECK(parsed["resourceSpans"][0]["scopeSpans"][0]["spans"].size() == 3);
}

TEST_CASE("an open span is written without an end time") {
  Span s("open", SpanKind::kClient, trace_id(kTrace), span_id(kSpan), kT0);
  CHECK(tes::encode_span(s) ==
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"open","kind":3,)"
        R"("startTimeUnixNano":"1544712660000000000"})");
}

TEST_CASE("fixtures: every file in tests/fixtures/otlp is exactly what the encoder writes (TES_UPDATE_FIXTURES=1 rewrites them)") {
  std::vector<std::pair<std::string, std::string>> fixtures = {
      {"small-span.json", tes::encode_export_request(small_resource(), small_scope(), {small_span()})},
      {"value-types.json", fixture_value_types()},
      {"non-finite-doubles.json", fixture_non_finite()},
      {"events-links-status.json", fixture_events_links_status()},
      {"dropped-counts.json", fixture_dropped_counts()},
      {"span-kinds.json", fixture_span_kinds()},
  };
  const std::vector<std::string> page_hide = fixture_page_hide();
  REQUIRE(page_hide.size() == 2);
  fixtures.emplace_back("page-hide-1.json", page_hide[0]);
  fixtures.emplace_back("page-hide-2.json", page_hide[1]);

  const char* update = std::getenv("TES_UPDATE_FIXTURES");
  const bool rewrite = update != nullptr && std::string(update) == "1";
  for (const auto& f : fixtures) {
    CAPTURE(f.first);
    check_request(f.second);
    const std::string path = fixtures_dir() + f.first;
    if (rewrite) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << f.second;
      REQUIRE(out.good());
    }
    std::string on_disk;
    INFO("missing or different: run the tests with TES_UPDATE_FIXTURES=1 to rewrite " << path);
    REQUIRE(read_file(path, on_disk));
    CHECK(on_disk == f.second);
  }
}

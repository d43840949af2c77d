// Defined here, before the only include of nlohmann in the core: without exceptions a JSON error aborts instead of
// throwing, and the library's exception messages are not compiled in. (Any other translation unit that includes
// nlohmann must define it the same way: the library's inline functions must be the same everywhere.)
#ifndef JSON_NOEXCEPTION
#define JSON_NOEXCEPTION 1
#endif
#include "otlp_json.h"

#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

namespace tes {
namespace {

using Json = nlohmann::ordered_json;

template <size_t N>
std::string hex_of(const ByteId<N>& id) {
  return id.hex();
}

// Json(value_t) rather than Json::object()/array() and no initializer lists anywhere: those go through the
// initializer-list constructor, which costs 2.3 KB of Wasm (0.9 KB gzip).
Json object() { return Json(Json::value_t::object); }
Json array() { return Json(Json::value_t::array); }

Json one(const char* key, Json value) {
  Json o = object();
  o[key] = std::move(value);
  return o;
}

Json double_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

Json any_value(const AttrValue& v) {
  if (!v.is_array) {
    switch (v.type) {
      case ValueType::kString:
        return one("stringValue", v.s);
      case ValueType::kBool:
        return one("boolValue", v.i != 0);
      case ValueType::kInt:
        return one("intValue", decimal_i64(v.i));
      case ValueType::kDouble:
        return one("doubleValue", double_json(v.d));
    }
  }
  Json values = array();
  switch (v.type) {
    case ValueType::kString:
      for (const std::string& s : v.strings) values.push_back(one("stringValue", s));
      break;
    case ValueType::kBool:
      for (int64_t i : v.ints) values.push_back(one("boolValue", i != 0));
      break;
    case ValueType::kInt:
      for (int64_t i : v.ints) values.push_back(one("intValue", decimal_i64(i)));
      break;
    case ValueType::kDouble:
      for (double d : v.doubles) values.push_back(one("doubleValue", double_json(d)));
      break;
  }
  Json array_value = object();
  if (!values.empty()) array_value["values"] = std::move(values);
  return one("arrayValue", std::move(array_value));
}

Json key_values(const std::vector<KeyValue>& items) {
  Json out = array();
  for (const KeyValue& kv : items) {
    Json o = one("key", kv.key);
    o["value"] = any_value(kv.value);
    out.push_back(std::move(o));
  }
  return out;
}

// "attributes" and "droppedAttributesCount", each only when not empty/zero.
void put_attributes(Json& into, const std::vector<KeyValue>& items, uint32_t dropped) {
  if (!items.empty()) into["attributes"] = key_values(items);
  if (dropped != 0) into["droppedAttributesCount"] = dropped;
}

void put_string_attribute(std::vector<KeyValue>& into, const char* key, const std::string& value) {
  if (!value.empty()) into.push_back(KeyValue{key, AttrValue::of_string(value)});
}

Json span_json(const Span& span) {
  Json s = one("traceId", hex_of(span.trace_id()));
  s["spanId"] = hex_of(span.span_id());
  if (!span.trace_state().empty()) s["traceState"] = span.trace_state();
  if (span.has_parent()) s["parentSpanId"] = hex_of(span.parent_span_id());
  s["name"] = span.name();  // semantically required: written even when empty
  if (span.kind() != SpanKind::kUnspecified) s["kind"] = static_cast<int>(span.kind());
  if (span.start_unix_nano() != 0) s["startTimeUnixNano"] = decimal_u64(span.start_unix_nano());
  if (span.end_unix_nano() != 0) s["endTimeUnixNano"] = decimal_u64(span.end_unix_nano());
  put_attributes(s, span.attributes().items(), span.attributes().dropped());

  if (!span.events().empty()) {
    Json events = array();
    for (const SpanEvent& e : span.events()) {
      Json o = object();
      if (e.time_unix_nano != 0) o["timeUnixNano"] = decimal_u64(e.time_unix_nano);
      o["name"] = e.name;
      put_attributes(o, e.attributes.items(), e.attributes.dropped());
      events.push_back(std::move(o));
    }
    s["events"] = std::move(events);
  }
  if (span.dropped_events() != 0) s["droppedEventsCount"] = span.dropped_events();

  if (!span.links().empty()) {
    Json links = array();
    for (const SpanLink& l : span.links()) {
      Json o = one("traceId", hex_of(l.trace_id));
      o["spanId"] = hex_of(l.span_id);
      if (!l.trace_state.empty()) o["traceState"] = l.trace_state;
      put_attributes(o, l.attributes.items(), l.attributes.dropped());
      links.push_back(std::move(o));
    }
    s["links"] = std::move(links);
  }
  if (span.dropped_links() != 0) s["droppedLinksCount"] = span.dropped_links();

  const SpanStatus& status = span.status();
  if (status.code != StatusCode::kUnset || !status.message.empty()) {
    Json o = object();
    if (!status.message.empty()) o["message"] = status.message;
    if (status.code != StatusCode::kUnset) o["code"] = static_cast<int>(status.code);
    s["status"] = std::move(o);
  }
  return s;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

constexpr char kSuffix[] = "]}]}]}";  // closes spans, the scopeSpans item and array, the resourceSpans item and array

}  // namespace

std::string decimal_u64(uint64_t v) {
  char buf[20];
  size_t n = sizeof buf;
  do {
    buf[--n] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return std::string(buf + n, sizeof buf - n);
}

std::string decimal_i64(int64_t v) {
  if (v >= 0) return decimal_u64(static_cast<uint64_t>(v));
  return "-" + decimal_u64(uint64_t{0} - static_cast<uint64_t>(v));
}

OtlpEnvelope encode_envelope(const Resource& resource, const InstrumentationScope& scope) {
  std::vector<KeyValue> attributes;
  put_string_attribute(attributes, "service.name", resource.service_name);
  put_string_attribute(attributes, "service.version", resource.service_version);
  put_string_attribute(attributes, "telemetry.sdk.name", resource.telemetry_sdk_name);
  put_string_attribute(attributes, "telemetry.sdk.language", resource.telemetry_sdk_language);
  put_string_attribute(attributes, "telemetry.sdk.version", resource.telemetry_sdk_version);
  put_string_attribute(attributes, "session.id", resource.session_id);
  put_string_attribute(attributes, "user_agent.original", resource.user_agent_original);
  attributes.insert(attributes.end(), resource.attributes.begin(), resource.attributes.end());

  Json resource_spans = object();
  Json r = object();
  put_attributes(r, attributes, resource.dropped_attributes_count);
  if (!r.empty()) resource_spans["resource"] = std::move(r);

  Json scope_spans = object();
  Json sc = object();
  if (!scope.name.empty()) sc["name"] = scope.name;
  if (!scope.version.empty()) sc["version"] = scope.version;
  if (!sc.empty()) scope_spans["scope"] = std::move(sc);
  scope_spans["spans"] = array();  // last: the spans go where its "[]" is split
  Json scope_spans_list = array();
  scope_spans_list.push_back(std::move(scope_spans));
  resource_spans["scopeSpans"] = std::move(scope_spans_list);
  Json resource_spans_list = array();
  resource_spans_list.push_back(std::move(resource_spans));

  const std::string whole = dump(one("resourceSpans", std::move(resource_spans_list)));
  // whole = prefix + "]" + "}]}]}", with prefix ending in "\"spans\":[".
  const size_t suffix_size = sizeof kSuffix - 1;
  return OtlpEnvelope{whole.substr(0, whole.size() - suffix_size), std::string(kSuffix, suffix_size)};
}

std::string encode_span(const Span& span) { return dump(span_json(span)); }

std::string encode_export_request(const Resource& resource, const InstrumentationScope& scope,
                                  const std::vector<Span>& spans) {
  const OtlpEnvelope envelope = encode_envelope(resource, scope);
  std::string body = envelope.prefix;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i != 0) body += ',';
    body += encode_span(spans[i]);
  }
  body += envelope.suffix;
  return body;
}

}  // namespace tes

// OTLP/HTTP JSON encoder (REQUIREMENTS D4): spans → an ExportTraceServiceRequest body.
//
//   {"resourceSpans":[{"resource":{"attributes":[…],"droppedAttributesCount":n},
//                      "scopeSpans":[{"scope":{"name":…,"version":…},"spans":[…]}]}]}
//
// Built with nlohmann_json (ordered_json, so fields come out in .proto field order) and dump()ed; nothing here
// ever parses JSON (parsing would double the library's share of the Wasm binary). The OTLP JSON mapping, exactly:
// - field names are lowerCamelCase; traceId/spanId/parentSpanId are lower-case hex (not base64);
// - fixed64/int64 (startTimeUnixNano, endTimeUnixNano, timeUnixNano, intValue) are decimal strings;
// - enums (kind, status.code) are integers; dropped*Count are numbers;
// - AnyValue is {"stringValue"|"boolValue"|"intValue"|"doubleValue"|"arrayValue":{"values":[AnyValue…]}};
//   an empty array is {"arrayValue":{}}; KeyValue is {"key","value"};
// - default values are omitted, as proto3 JSON allows: kind 0, a zero time, an empty traceState, no parent,
//   empty attributes/events/links, zero dropped counts, status when unset (and status.code when 0, status.message
//   when empty), an empty resource or scope field. AnyValue's oneof member is always written (false, "0", "").
// Decisions:
// - Non-finite doubles use proto3 JSON's strings: {"doubleValue":"NaN"|"Infinity"|"-Infinity"} (JSON has no
//   NaN/Infinity; nlohmann would write null, which reads back as 0). Finite doubles are shortest round-trip.
// - Strings are dumped with error_handler_t::replace: each invalid UTF-8 sequence becomes U+FFFD, so the output
//   is always valid UTF-8 JSON whatever bytes the caller gave. Non-ASCII is written raw (not \u-escaped).
// - The body is the envelope's prefix, the spans' JSON joined with ',', and the envelope's suffix, so a byte
//   budget (the page-hide flush) can be met by adding up span sizes without re-encoding the batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "span.h"

namespace tes {

// The resource (D3): the caller fills what it knows; empty strings are left out. Encoded in this order:
// service.name, service.version, telemetry.sdk.name, telemetry.sdk.language, telemetry.sdk.version, session.id,
// user_agent.original, then `attributes` as given (the caller keeps their keys unique and distinct from these).
struct Resource {
  std::string service_name;
  std::string service_version;
  std::string telemetry_sdk_name = "traced-eventsource";
  std::string telemetry_sdk_language = "webjs";
  std::string telemetry_sdk_version;
  std::string session_id;
  std::string user_agent_original;
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
};

// InstrumentationScope: who recorded the spans. Empty fields are left out.
struct InstrumentationScope {
  std::string name = "traced-eventsource";
  std::string version;
};

// What surrounds the spans of one request: body = prefix + span_1 + "," + … + span_n + suffix.
struct OtlpEnvelope {
  std::string prefix;  // ends with "\"spans\":["
  std::string suffix;  // "]}]}]}"
  // The size of a body holding `n` spans whose encodings add up to `spans_bytes`.
  size_t body_size(size_t spans_bytes, size_t n) const {
    return prefix.size() + spans_bytes + (n > 0 ? n - 1 : 0) + suffix.size();
  }
};

OtlpEnvelope encode_envelope(const Resource& resource, const InstrumentationScope& scope);
// One span as it appears in "spans":[…].
std::string encode_span(const Span& span);
// A whole ExportTraceServiceRequest body. With no spans, an empty "spans":[] (valid, though nobody sends it).
std::string encode_export_request(const Resource& resource, const InstrumentationScope& scope,
                                  const std::vector<Span>& spans);

// Decimal text of an integer (OTLP's int64/fixed64 JSON form), without printf.
std::string decimal_u64(uint64_t v);
std::string decimal_i64(int64_t v);

}  // namespace tes

// Spans (REQUIREMENTS D1): the record of one operation, with the limits that keep it bounded.
//
// A Span is plain data with a few rules; it never reads a clock: every time is an argument, in Unix nanoseconds
// (the shell anchors the wall clock once and advances it with the monotonic clock, so times never go backwards).
// Attribute values are a tagged struct (AttrValue), not std::variant: the Wasm build has no RTTI or exceptions
// and pays for every template instance.
//
// Rules (each pinned by a test in tests/core/test_span.cpp):
// - Limits (SpanLimits, defaults as OpenTelemetry's): 128 attributes, 128 events, 128 links, 128 attributes per
//   event and per link. What does not fit is dropped and counted (dropped_*_count in OTLP): the first N win, a
//   later new key/event/link is dropped. Setting a key that is already there replaces its value in place (no
//   duplicate keys, no drop). An empty key is invalid: dropped and counted.
// - Strings: every attribute string value (scalars and each array element separately) is truncated to
//   max_string_chars characters. A character is one UTF-8 sequence: a lead byte and the continuation bytes it
//   announces (at most 3), so a valid code point is never split; a byte that cannot start a sequence counts as
//   one character on its own, so a truncated value is at most 4·max_string_chars bytes whatever the input.
//   Invalid UTF-8 is kept as is here and replaced with U+FFFD by the encoder. Beyond OpenTelemetry, the span
//   name, event names and the status message are truncated the same way, so that every span has a bounded size
//   (the page-hide flush packs spans into a byte budget).
// - end(t) ends the span once: later calls are no-ops that return false (the first end wins). An end before the
//   start is clamped to the start. An ended span is read-only: set_attribute/add_event/add_link/set_status return
//   false and change nothing (as OpenTelemetry's "not recording"). snapshot(t) gives an ended copy of a span
//   that is still open (D7: in-progress spans exported at page hide), leaving the original open.
// - Status: set_status(kUnset) is ignored; kOk is final (a later kError is ignored) and carries no message;
//   kError keeps the message (truncated), a later kError replaces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trace_context.h"

namespace tes {

// The shell's wall-clock milliseconds as span time (Unix nanoseconds); times before 1970 become 0.
inline uint64_t unix_nano_of_ms(int64_t ms) { return ms > 0 ? static_cast<uint64_t>(ms) * 1000000u : 0; }

// OTLP's Span.SpanKind numbers (they go into the JSON as integers).
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// OTLP's Status.StatusCode numbers.
enum class StatusCode : uint8_t {
  kUnset = 0,
  kOk = 1,
  kError = 2,
};

enum class ValueType : uint8_t {
  kString = 0,
  kBool = 1,
  kInt = 2,
  kDouble = 3,
};

// One attribute value: a scalar of `type`, or (is_array) a homogeneous array of `type`. Only the members of the
// active kind are meaningful; the factories below set exactly those.
struct AttrValue {
  ValueType type = ValueType::kString;
  bool is_array = false;
  int64_t i = 0;                     // kInt; kBool as 0/1
  double d = 0;                      // kDouble
  std::string s;                     // kString
  std::vector<int64_t> ints;         // kInt or kBool arrays (kBool as 0/1)
  std::vector<double> doubles;       // kDouble arrays
  std::vector<std::string> strings;  // kString arrays

  // Distinct names on purpose: an overloaded of("text") would pick the bool overload.
  static AttrValue of_string(std::string_view v);
  static AttrValue of_bool(bool v);
  static AttrValue of_int(int64_t v);
  static AttrValue of_double(double v);
  static AttrValue of_strings(std::vector<std::string> v);
  static AttrValue of_bools(const std::vector<bool>& v);
  static AttrValue of_ints(std::vector<int64_t> v);
  static AttrValue of_doubles(std::vector<double> v);

  bool bool_value() const { return i != 0; }
  // Number of elements of an array (0 for a scalar).
  size_t array_size() const;
};

struct KeyValue {
  std::string key;
  AttrValue value;
};

// Attributes with unique keys, in the order they were first set, and the count of those that did not fit.
class Attributes {
 public:
  // Sets `key` (replacing its value when present) with string values truncated to `max_chars`. False, and the
  // drop counted, when the key is empty or new while `max_count` keys are already there.
  bool set(std::string_view key, AttrValue value, uint32_t max_count, uint32_t max_chars);
  const AttrValue* find(std::string_view key) const;
  const std::vector<KeyValue>& items() const { return items_; }
  uint32_t dropped() const { return dropped_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  // Drops every attribute (counting each one).
  void drop_all();

 private:
  std::vector<KeyValue> items_;
  uint32_t dropped_ = 0;
};

struct SpanLimits {
  uint32_t max_attributes = 128;
  uint32_t max_events = 128;
  uint32_t max_links = 128;
  uint32_t max_attributes_per_event = 128;
  uint32_t max_attributes_per_link = 128;
  uint32_t max_string_chars = 2048;
};

struct SpanEvent {
  std::string name;
  uint64_t time_unix_nano = 0;
  Attributes attributes;
};

struct SpanLink {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;  // a tracestate header value, "" for none
  Attributes attributes;
};

struct SpanStatus {
  StatusCode code = StatusCode::kUnset;
  std::string message;  // only with kError
};

class Span {
 public:
  Span(std::string_view name, SpanKind kind, const TraceId& trace_id, const SpanId& span_id,
       uint64_t start_unix_nano, const SpanLimits& limits = SpanLimits());

  // Identity and context (settable until the span ends).
  void set_parent(const SpanId& parent_span_id);
  void set_trace_state(std::string_view trace_state);

  bool set_attribute(std::string_view key, AttrValue value);
  bool set_string(std::string_view key, std::string_view v) { return set_attribute(key, AttrValue::of_string(v)); }
  bool set_bool(std::string_view key, bool v) { return set_attribute(key, AttrValue::of_bool(v)); }
  bool set_int(std::string_view key, int64_t v) { return set_attribute(key, AttrValue::of_int(v)); }
  bool set_double(std::string_view key, double v) { return set_attribute(key, AttrValue::of_double(v)); }

  // `attributes` go through the per-event limit in order (a repeated key: the later value wins).
  bool add_event(std::string_view name, uint64_t time_unix_nano, const std::vector<KeyValue>& attributes = {});
  bool add_link(const TraceId& trace_id, const SpanId& span_id, const std::vector<KeyValue>& attributes = {},
                std::string_view trace_state = {});
  bool set_status(StatusCode code, std::string_view message = {});

  // Ends the span at `end_unix_nano` (clamped to the start). False, and nothing changes, if it had ended already.
  bool end(uint64_t end_unix_nano);
  // An ended copy: this span's data with end time `now_unix_nano` (clamped), or an exact copy if already ended.
  Span snapshot(uint64_t now_unix_nano) const;

  // Shrinking, for a span too large for a byte budget: each drops everything of its kind and counts it.
  void drop_all_events();
  void drop_all_links();
  void drop_all_attributes() { attributes_.drop_all(); }

  const std::string& name() const { return name_; }
  SpanKind kind() const { return kind_; }
  const TraceId& trace_id() const { return trace_id_; }
  const SpanId& span_id() const { return span_id_; }
  bool has_parent() const { return has_parent_; }
  const SpanId& parent_span_id() const { return parent_span_id_; }  // zero unless has_parent()
  const std::string& trace_state() const { return trace_state_; }
  uint64_t start_unix_nano() const { return start_; }
  uint64_t end_unix_nano() const { return end_; }  // 0 until ended
  bool ended() const { return ended_; }
  const Attributes& attributes() const { return attributes_; }
  const std::vector<SpanEvent>& events() const { return events_; }
  uint32_t dropped_events() const { return dropped_events_; }
  const std::vector<SpanLink>& links() const { return links_; }
  uint32_t dropped_links() const { return dropped_links_; }
  const SpanStatus& status() const { return status_; }
  const SpanLimits& limits() const { return limits_; }

 private:
  std::string name_;
  SpanKind kind_;
  bool has_parent_ = false;
  bool ended_ = false;
  TraceId trace_id_;
  SpanId span_id_;
  SpanId parent_span_id_;
  std::string trace_state_;
  uint64_t start_;
  uint64_t end_ = 0;
  Attributes attributes_;
  std::vector<SpanEvent> events_;
  std::vector<SpanLink> links_;
  uint32_t dropped_events_ = 0;
  uint32_t dropped_links_ = 0;
  SpanStatus status_;
  SpanLimits limits_;
};

// The length in bytes of the longest prefix of `s` holding at most `max_chars` characters (see the top).
size_t utf8_prefix_bytes(std::string_view s, size_t max_chars);
// Truncates `s` in place to at most `max_chars` characters. True if it was cut.
bool truncate_utf8(std::string& s, size_t max_chars);

}  // namespace tes

#include "span.h"

#include <utility>

namespace tes {

size_t utf8_prefix_bytes(std::string_view s, size_t max_chars) {
  size_t i = 0;
  for (size_t chars = 0; i < s.size() && chars < max_chars; ++chars) {
    const uint8_t lead = static_cast<uint8_t>(s[i]);
    // How many bytes `lead` announces: C2..DF 2, E0..EF 3, F0..F4 4. ASCII, a stray continuation byte (80..BF)
    // and bytes no valid sequence starts with (C0, C1, F5..FF) are one character each.
    const size_t len = lead < 0xC2 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 1;
    size_t j = i + 1;
    while (j < i + len && j < s.size() && (static_cast<uint8_t>(s[j]) & 0xC0) == 0x80) ++j;
    i = j;
  }
  return i;
}

bool truncate_utf8(std::string& s, size_t max_chars) {
  // Fast path: a string of at most max_chars bytes has at most max_chars characters.
  if (s.size() <= max_chars) return false;
  const size_t keep = utf8_prefix_bytes(s, max_chars);
  if (keep == s.size()) return false;
  s.resize(keep);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// AttrValue

AttrValue AttrValue::of_string(std::string_view v) {
  AttrValue a;
  a.s.assign(v.data(), v.size());
  return a;
}

AttrValue AttrValue::of_bool(bool v) {
  AttrValue a;
  a.type = ValueType::kBool;
  a.i = v ? 1 : 0;
  return a;
}

AttrValue AttrValue::of_int(int64_t v) {
  AttrValue a;
  a.type = ValueType::kInt;
  a.i = v;
  return a;
}

AttrValue AttrValue::of_double(double v) {
  AttrValue a;
  a.type = ValueType::kDouble;
  a.d = v;
  return a;
}

AttrValue AttrValue::of_strings(std::vector<std::string> v) {
  AttrValue a;
  a.is_array = true;
  a.strings = std::move(v);
  return a;
}

AttrValue AttrValue::of_bools(const std::vector<bool>& v) {
  AttrValue a;
  a.type = ValueType::kBool;
  a.is_array = true;
  a.ints.reserve(v.size());
  for (bool b : v) a.ints.push_back(b ? 1 : 0);
  return a;
}

AttrValue AttrValue::of_ints(std::vector<int64_t> v) {
  AttrValue a;
  a.type = ValueType::kInt;
  a.is_array = true;
  a.ints = std::move(v);
  return a;
}

AttrValue AttrValue::of_doubles(std::vector<double> v) {
  AttrValue a;
  a.type = ValueType::kDouble;
  a.is_array = true;
  a.doubles = std::move(v);
  return a;
}

size_t AttrValue::array_size() const {
  if (!is_array) return 0;
  switch (type) {
    case ValueType::kString:
      return strings.size();
    case ValueType::kDouble:
      return doubles.size();
    case ValueType::kBool:
    case ValueType::kInt:
      break;
  }
  return ints.size();
}

// ---------------------------------------------------------------------------------------------------------------
// Attributes

bool Attributes::set(std::string_view key, AttrValue value, uint32_t max_count, uint32_t max_chars) {
  if (key.empty()) {
    ++dropped_;
    return false;
  }
  if (value.type == ValueType::kString) {
    truncate_utf8(value.s, max_chars);
    for (std::string& s : value.strings) truncate_utf8(s, max_chars);
  }
  for (KeyValue& kv : items_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return true;
    }
  }
  if (items_.size() >= max_count) {
    ++dropped_;
    return false;
  }
  items_.push_back(KeyValue{std::string(key), std::move(value)});
  return true;
}

const AttrValue* Attributes::find(std::string_view key) const {
  for (const KeyValue& kv : items_) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

void Attributes::drop_all() {
  dropped_ += static_cast<uint32_t>(items_.size());
  items_.clear();
}

// ---------------------------------------------------------------------------------------------------------------
// Span

namespace {

std::string truncated(std::string_view s, uint32_t max_chars) {
  return std::string(s.substr(0, utf8_prefix_bytes(s, max_chars)));
}

void set_all(Attributes& into, const std::vector<KeyValue>& from, uint32_t max_count, uint32_t max_chars) {
  for (const KeyValue& kv : from) into.set(kv.key, kv.value, max_count, max_chars);
}

}  // namespace

Span::Span(std::string_view name, SpanKind kind, const TraceId& trace_id, const SpanId& span_id,
           uint64_t start_unix_nano, const SpanLimits& limits)
    : name_(truncated(name, limits.max_string_chars)),
      kind_(kind),
      trace_id_(trace_id),
      span_id_(span_id),
      start_(start_unix_nano),
      limits_(limits) {}

void Span::set_parent(const SpanId& parent_span_id) {
  if (ended_) return;
  parent_span_id_ = parent_span_id;
  has_parent_ = true;
}

void Span::set_trace_state(std::string_view trace_state) {
  if (ended_) return;
  trace_state_.assign(trace_state.data(), trace_state.size());
}

bool Span::set_attribute(std::string_view key, AttrValue value) {
  if (ended_) return false;
  return attributes_.set(key, std::move(value), limits_.max_attributes, limits_.max_string_chars);
}

bool Span::add_event(std::string_view name, uint64_t time_unix_nano, const std::vector<KeyValue>& attributes) {
  if (ended_) return false;
  if (events_.size() >= limits_.max_events) {
    ++dropped_events_;
    return false;
  }
  SpanEvent event;
  event.name = truncated(name, limits_.max_string_chars);
  event.time_unix_nano = time_unix_nano;
  set_all(event.attributes, attributes, limits_.max_attributes_per_event, limits_.max_string_chars);
  events_.push_back(std::move(event));
  return true;
}

bool Span::add_link(const TraceId& trace_id, const SpanId& span_id, const std::vector<KeyValue>& attributes,
                    std::string_view trace_state) {
  if (ended_) return false;
  if (links_.size() >= limits_.max_links) {
    ++dropped_links_;
    return false;
  }
  SpanLink link;
  link.trace_id = trace_id;
  link.span_id = span_id;
  link.trace_state.assign(trace_state.data(), trace_state.size());
  set_all(link.attributes, attributes, limits_.max_attributes_per_link, limits_.max_string_chars);
  links_.push_back(std::move(link));
  return true;
}

bool Span::set_status(StatusCode code, std::string_view message) {
  if (ended_ || code == StatusCode::kUnset || status_.code == StatusCode::kOk) return false;
  status_.code = code;
  if (code == StatusCode::kOk) {
    status_.message.clear();
  } else {
    status_.message = truncated(message, limits_.max_string_chars);
  }
  return true;
}

bool Span::end(uint64_t end_unix_nano) {
  if (ended_) return false;
  ended_ = true;
  end_ = end_unix_nano < start_ ? start_ : end_unix_nano;
  return true;
}

Span Span::snapshot(uint64_t now_unix_nano) const {
  Span copy = *this;
  copy.end(now_unix_nano);
  return copy;
}

void Span::drop_all_events() {
  dropped_events_ += static_cast<uint32_t>(events_.size());
  events_.clear();
}

void Span::drop_all_links() {
  dropped_links_ += static_cast<uint32_t>(links_.size());
  links_.clear();
}

}  // namespace tes

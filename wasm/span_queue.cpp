#include "span_queue.h"

#include <utility>

namespace tes {
namespace {

// Flush order: errors first, then by priority (6 classes, oldest first within each).
unsigned flush_class(const Span& span, SpanPriority priority) {
  const unsigned base = span.status().code == StatusCode::kError ? 0 : 3;
  return base + static_cast<unsigned>(priority);
}
constexpr unsigned kFlushClasses = 6;

int64_t saturating_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  return a + b;
}

// Encodes `span`, shedding all its events, then all its links, then all its attributes until one body of it
// fits `max_body`. False if it never fits. `shrunk` tells whether anything was shed.
bool encode_to_fit(Span& span, const OtlpEnvelope& envelope, size_t max_body, std::string& out, bool& shrunk) {
  const auto fits = [&] {
    out = encode_span(span);
    return envelope.body_size(out.size(), 1) <= max_body;
  };
  shrunk = false;
  if (fits()) return true;
  if (!span.events().empty()) {
    span.drop_all_events();
    shrunk = true;
    if (fits()) return true;
  }
  if (!span.links().empty()) {
    span.drop_all_links();
    shrunk = true;
    if (fits()) return true;
  }
  if (!span.attributes().empty()) {
    span.drop_all_attributes();
    shrunk = true;
    if (fits()) return true;
  }
  return false;
}

}  // namespace

bool SpanQueue::push(Span span, int64_t now_ms, SpanPriority priority) {
  if (entries_.size() >= options_.max_queue_size) {
    ++dropped_queue_full_;
    return false;
  }
  entries_.push_back(Entry{std::move(span), now_ms, priority});
  return true;
}

int64_t SpanQueue::wake_at() const {
  if (entries_.empty()) return kNever;
  const int64_t by_delay = saturating_add(entries_.front().enqueued_ms, options_.schedule_delay_ms);
  if (entries_.size() < batch_size()) return by_delay;
  // A full batch is due since the span that completed it arrived.
  const int64_t by_size = entries_[batch_size() - 1].enqueued_ms;
  return by_size < by_delay ? by_size : by_delay;
}

std::vector<Span> SpanQueue::next_batch(int64_t now_ms) {
  if (entries_.empty() || now_ms < wake_at()) return {};
  return take_front(batch_size());
}

std::vector<Span> SpanQueue::take_batch() { return take_front(batch_size()); }

std::vector<Span> SpanQueue::take_front(size_t n) {
  if (n > entries_.size()) n = entries_.size();
  std::vector<Span> batch;
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) batch.push_back(std::move(entries_[i].span));
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n));
  return batch;
}

FlushResult SpanQueue::flush(const Resource& resource, const InstrumentationScope& scope, const FlushBudget& budget) {
  FlushResult result;
  if (entries_.empty()) return result;
  const OtlpEnvelope envelope = encode_envelope(resource, scope);

  std::vector<size_t> order;
  order.reserve(entries_.size());
  for (unsigned c = 0; c < kFlushClasses; ++c) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (flush_class(entries_[i].span, entries_[i].priority) == c) order.push_back(i);
    }
  }

  std::vector<bool> gone(entries_.size(), false);  // sent or dropped
  std::string body;                                // the open payload without its suffix; empty when none
  size_t closed_bytes = 0;                         // the payloads already closed
  std::string encoded;
  for (size_t i : order) {
    Span span = entries_[i].span;  // a copy: a span that stays queued stays whole
    bool shrunk = false;
    if (!encode_to_fit(span, envelope, budget.max_payload_bytes, encoded, shrunk)) {
      gone[i] = true;
      ++result.too_large;
      ++dropped_too_large_;
      continue;
    }
    // Close the open payload if this span does not fit in it.
    if (!body.empty() && body.size() + 1 + encoded.size() + envelope.suffix.size() > budget.max_payload_bytes) {
      body += envelope.suffix;
      closed_bytes += body.size();
      result.payloads.push_back(std::move(body));
      body.clear();
    }
    const size_t open_after =
        body.empty() ? envelope.body_size(encoded.size(), 1) : body.size() + 1 + encoded.size() + envelope.suffix.size();
    if (closed_bytes + open_after > budget.max_total_bytes) break;  // the rest stay queued, in order
    if (body.empty()) {
      body = envelope.prefix;
    } else {
      body += ',';
    }
    body += encoded;
    gone[i] = true;
    ++result.spans;
    if (shrunk) ++result.shrunk;
  }
  if (!body.empty()) {
    body += envelope.suffix;
    result.payloads.push_back(std::move(body));
  }

  size_t kept = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (gone[i]) continue;
    if (kept != i) entries_[kept] = std::move(entries_[i]);
    ++kept;
  }
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(kept), entries_.end());
  result.left_queued = static_cast<uint32_t>(kept);
  flushed_ += result.spans;
  return result;
}

uint64_t SpanQueue::dropped(DropReason reason) const {
  switch (reason) {
    case DropReason::kQueueFull:
      return dropped_queue_full_;
    case DropReason::kTooLarge:
      return dropped_too_large_;
    case DropReason::kExportRejected:
    case DropReason::kExportFailed:
      break;
  }
  return 0;
}

void SpanQueue::add_stats(SpanStats& stats) const {
  stats.queued += entries_.size();
  stats.flushed += flushed_;
  stats.dropped[static_cast<size_t>(DropReason::kQueueFull)] += dropped_queue_full_;
  stats.dropped[static_cast<size_t>(DropReason::kTooLarge)] += dropped_too_large_;
}

}  // namespace tes

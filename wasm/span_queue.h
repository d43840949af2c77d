// Span queue (REQUIREMENTS D5, D7): ended spans wait here for export, in batches, within fixed bounds.
//
// - Bounded: at most max_queue_size spans (default 2048). A span pushed into a full queue is dropped and counted
//   (kQueueFull); the spans already queued are kept (they are older and already paid for).
// - Batches (FIFO): a batch is due when max_batch_size spans (default 512) are queued, or when the oldest queued
//   span has waited schedule_delay_ms (default 5000). wake_at() says when the next batch is due: the caller sets
//   its timer to it after every push and every batch, and calls next_batch(now) when the timer fires (and when it
//   may start an export: ExportPolicy::can_start()). A batch takes up to max_batch_size of the oldest spans; what
//   is left becomes due by the same two rules (so a backlog drains batch after batch without waiting).
// - take_batch() ignores timing (the app closed the source: send what is there).
// - Page hide (flush): every queued span, most valuable first, packed into OTLP bodies for keepalive fetch or
//   sendBeacon. Order: spans with error status, then by SpanPriority (kHigh: the caller's choice, e.g. streams
//   that ended; kNormal; kLow: in-progress snapshots of open streams), oldest first within a class. Bodies are
//   filled in that order, each at most budget.max_payload_bytes, all together at most budget.max_total_bytes
//   (the fetch spec's 64 KiB applies to the sum of keepalive bodies in flight). A span that does not fit a body of
//   its own loses, in turn, all its events, all its links, all its attributes (each counted in its dropped_*
//   count, so the receiver sees what is missing) until it fits; if even that does not fit, it is dropped and
//   counted (kTooLarge). When the total budget is spent, the rest stay queued in their order: if the page
//   survives (visibilitychange is not always the end) they go out with the next batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "export_policy.h"
#include "otlp_json.h"
#include "span.h"

namespace tes {

enum class SpanPriority : uint8_t {
  kHigh = 0,    // e.g. a stream span that ended
  kNormal = 1,  // e.g. connect and http.client spans
  kLow = 2,     // e.g. an in-progress snapshot
};

struct SpanQueueOptions {
  uint32_t max_queue_size = 2048;
  uint32_t max_batch_size = 512;  // at least 1 is used
  int64_t schedule_delay_ms = 5000;
};

struct FlushBudget {
  size_t max_payload_bytes = 65536;
  size_t max_total_bytes = 65536;
};

struct FlushResult {
  std::vector<std::string> payloads;  // OTLP/HTTP JSON bodies, most valuable first
  uint32_t spans = 0;                 // spans in the payloads
  uint32_t shrunk = 0;                // of those, spans that lost events/links/attributes to fit
  uint32_t too_large = 0;             // spans dropped (counted as kTooLarge)
  uint32_t left_queued = 0;           // spans beyond max_total_bytes, still queued
};

class SpanQueue {
 public:
  static constexpr int64_t kNever = INT64_MAX;

  explicit SpanQueue(const SpanQueueOptions& options = SpanQueueOptions()) : options_(options) {}

  // Queues an ended span (an open one is queued as it is, and encoded without an end time). False when the queue
  // is full: the span is dropped and counted.
  bool push(Span span, int64_t now_ms, SpanPriority priority = SpanPriority::kNormal);

  // When next_batch() will return spans: kNever when empty; a time at or before `now` when a batch is due now.
  int64_t wake_at() const;
  // The next batch (oldest first) if one is due at `now_ms`, else nothing.
  std::vector<Span> next_batch(int64_t now_ms);
  // Up to max_batch_size of the oldest spans, due or not.
  std::vector<Span> take_batch();
  // Page hide: see the top. Queued spans leave the queue unless they stay for lack of total budget.
  FlushResult flush(const Resource& resource, const InstrumentationScope& scope,
                    const FlushBudget& budget = FlushBudget());

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  uint64_t dropped(DropReason reason) const;
  uint64_t flushed() const { return flushed_; }
  // Adds queued, flushed and the queue's drops (kQueueFull, kTooLarge) to `stats`.
  void add_stats(SpanStats& stats) const;
  const SpanQueueOptions& options() const { return options_; }

 private:
  struct Entry {
    Span span;
    int64_t enqueued_ms;
    SpanPriority priority;
  };
  size_t batch_size() const { return options_.max_batch_size == 0 ? 1 : options_.max_batch_size; }
  std::vector<Span> take_front(size_t n);

  SpanQueueOptions options_;
  std::vector<Entry> entries_;  // oldest first
  uint64_t dropped_queue_full_ = 0;
  uint64_t dropped_too_large_ = 0;
  uint64_t flushed_ = 0;
};

// D9: the queue's and the policy's counters together.
inline SpanStats span_stats(const SpanQueue& queue, const ExportPolicy& policy) {
  SpanStats stats;
  queue.add_stats(stats);
  policy.add_stats(stats);
  return stats;
}

}  // namespace tes

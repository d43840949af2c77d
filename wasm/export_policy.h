// Export policy (REQUIREMENTS D6): after each attempt to POST a batch, succeed, retry after a delay, or give up.
// Plus the span counters of D9 (SpanStats). Sans-I/O: the caller sends, and reports what happened with `now`.
//
//   outcome                                   decision
//   HTTP 2xx                                  done: the batch's spans count as exported
//   network failure (fetch rejected)          retry after a full-jitter backoff
//   status in retry_statuses (429,502-504)    retry at its Retry-After (seconds or HTTP-date) plus up to 10 %
//                                             jitter; without a valid one, full-jitter backoff
//   any other status (400, 401, 413, 500, …)  give up at once (kRejected): resending the same bytes cannot help
//   a retry that could not start before the   give up (kDeadline)
//   batch's deadline
//
// - Full jitter (the n-th retry of a batch, n from 0): delay uniform in [0, min(max_delay_ms, base_delay_ms·2^n)],
//   and never past the batch's deadline (the draw is capped at the time left). Several clients failing together
//   spread out; the expected wait still grows.
// - Retry-After is honoured, never shortened: when the server's date or delay is later than the deadline, give up
//   rather than come back early. The deadline (default 30 s after begin()) bounds every batch, Retry-After included.
// - Concurrency: a batch holds one of max_in_flight slots from begin() until the decision that ends it (done or
//   give up); a batch waiting to retry keeps its slot, so a failing endpoint cannot make batches pile up. Ask
//   can_start() before taking a batch from the queue.
// - Counters: exported spans; dropped spans by reason (kExportRejected when the status said no, kExportFailed when
//   retries ran out); failed attempts by kind; retries scheduled.
// - Partial success (a 2xx body with rejectedSpans) is not read: the body is never parsed.
// - Times are the caller's wall-clock milliseconds (as the connection's `now`): monotonic, and Retry-After dates
//   are compared with them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "random_source.h"
#include "status_set.h"

namespace tes {

// Why spans were dropped (D5, D6, D9); numbering shared with the stats snapshot the shell reads: keep it stable.
enum class DropReason : uint8_t {
  kQueueFull = 0,       // the queue was full when the span ended
  kTooLarge = 1,        // larger than a page-hide payload even without its events, links and attributes
  kExportRejected = 2,  // the collector answered with a status that is not retried (400, 401, 413, …)
  kExportFailed = 3,    // retryable failures until the deadline
};
constexpr size_t kDropReasonCount = 4;

// What a failed attempt looked like; numbering stable as above.
enum class ExportFailureKind : uint8_t {
  kNetwork = 0,          // no response: fetch rejected (offline, DNS, CORS, timeout, abort)
  kRetryableStatus = 1,  // a status in retry_statuses
  kRejectedStatus = 2,   // any other non-2xx status
};
constexpr size_t kExportFailureKindCount = 3;

// D9: one snapshot of every span counter. Filled by SpanQueue::add_stats and ExportPolicy::add_stats.
struct SpanStats {
  uint64_t queued = 0;             // spans waiting in the queue now
  uint64_t exports_in_flight = 0;  // batches holding a slot (sending or waiting to retry)
  uint64_t spans_in_flight = 0;    // spans in those batches
  uint64_t exported = 0;           // spans in batches that got a 2xx
  uint64_t flushed = 0;            // spans handed over in page-hide payloads (their fate is not reported back)
  uint64_t retries = 0;            // retries scheduled
  std::array<uint64_t, kDropReasonCount> dropped{};
  std::array<uint64_t, kExportFailureKindCount> export_failures{};  // failed attempts, by kind

  uint64_t dropped_total() const {
    uint64_t n = 0;
    for (uint64_t d : dropped) n += d;
    return n;
  }
};

struct ExportPolicyOptions {
  uint32_t max_in_flight = 2;
  int64_t base_delay_ms = 1000;
  int64_t max_delay_ms = 30000;
  int64_t deadline_ms = 30000;  // per batch, from begin()
  StatusSet retry_statuses = StatusSet::transient();  // retried; default 429, 502, 503, 504

  void set_retry_status(int status, bool retry) { retry_statuses.set(status, retry); }
  bool retries_status(int status) const { return retry_statuses.contains(status); }
};

// The result of one attempt, as the shell saw it.
struct ExportOutcome {
  bool network_error = false;    // no response at all
  int status = 0;                // the HTTP status otherwise
  std::string_view retry_after;  // the Retry-After field value ("" when absent)

  static ExportOutcome network_failure() { return ExportOutcome{true, 0, {}}; }
  static ExportOutcome http(int status, std::string_view retry_after = {}) {
    return ExportOutcome{false, status, retry_after};
  }
};

enum class ExportAction : uint8_t {
  kDone = 0,    // delivered: release the payload
  kRetry = 1,   // send the same payload again after delay_ms
  kGiveUp = 2,  // drop the payload (its spans are counted as dropped by `reason`)
};

enum class GiveUpReason : uint8_t {
  kNone = 0,      // not giving up (or the job was not in flight: nothing happened)
  kRejected = 1,  // a status that is not retried
  kDeadline = 2,  // the next try could not start before the batch's deadline
};

struct ExportDecision {
  ExportAction action = ExportAction::kGiveUp;
  int64_t delay_ms = 0;  // for kRetry
  GiveUpReason reason = GiveUpReason::kNone;
};

// One batch on its way; the caller keeps it next to the payload and hands it back with each outcome.
struct ExportJob {
  uint32_t spans = 0;
  uint32_t attempts = 0;  // outcomes reported so far
  int64_t started_ms = 0;
  int64_t deadline_ms = 0;  // the caller may use deadline_ms − now as the request's timeout
  bool in_flight = false;
};

class ExportPolicy {
 public:
  explicit ExportPolicy(const ExportPolicyOptions& options = ExportPolicyOptions()) : options_(options) {}

  bool can_start() const { return in_flight_ < options_.max_in_flight; }
  // Takes a slot for a batch of `spans` and starts its deadline. False (job untouched) when no slot is free or
  // `job` is still in flight.
  bool begin(ExportJob& job, uint32_t spans, int64_t now_ms);
  // Decides after one attempt of `job`. kDone and kGiveUp release the slot and count the spans. A job that is not
  // in flight is left alone: {kGiveUp, 0, kNone}.
  [[nodiscard]] ExportDecision on_outcome(ExportJob& job, const ExportOutcome& outcome, int64_t now_ms,
                                          RandomSource& random);
  // The caller is going away with `job` unsent (e.g. the exporter was shut down): releases the slot and counts
  // its spans as kExportFailed.
  void abandon(ExportJob& job);

  uint32_t in_flight() const { return in_flight_; }
  // Adds this policy's counters (in flight, exported, retries, export drops, failures) to `stats`.
  void add_stats(SpanStats& stats) const;
  const ExportPolicyOptions& options() const { return options_; }

 private:
  ExportDecision finish(ExportJob& job, ExportAction action, GiveUpReason reason);
  int64_t backoff(const ExportJob& job, int64_t left_ms, RandomSource& random) const;

  ExportPolicyOptions options_;
  uint32_t in_flight_ = 0;
  uint64_t spans_in_flight_ = 0;
  uint64_t exported_ = 0;
  uint64_t retries_ = 0;
  uint64_t dropped_rejected_ = 0;
  uint64_t dropped_failed_ = 0;
  std::array<uint64_t, kExportFailureKindCount> failures_{};
};

}  // namespace tes

#include "export_policy.h"

#include "retry_after.h"

namespace tes {

static_assert(static_cast<size_t>(DropReason::kExportFailed) + 1 == kDropReasonCount);
static_assert(static_cast<size_t>(ExportFailureKind::kRejectedStatus) + 1 == kExportFailureKindCount);

bool ExportPolicy::begin(ExportJob& job, uint32_t spans, int64_t now_ms) {
  if (!can_start() || job.in_flight) return false;  // a job in flight is not started twice
  ++in_flight_;
  spans_in_flight_ += spans;
  const int64_t deadline = options_.deadline_ms < 0 ? 0 : options_.deadline_ms;
  job = ExportJob{spans, 0, now_ms, now_ms > INT64_MAX - deadline ? INT64_MAX : now_ms + deadline, true};
  return true;
}

ExportDecision ExportPolicy::finish(ExportJob& job, ExportAction action, GiveUpReason reason) {
  job.in_flight = false;
  --in_flight_;
  spans_in_flight_ -= job.spans;
  if (action == ExportAction::kDone) {
    exported_ += job.spans;
  } else if (reason == GiveUpReason::kRejected) {
    dropped_rejected_ += job.spans;
  } else {
    dropped_failed_ += job.spans;
  }
  return ExportDecision{action, 0, reason};
}

void ExportPolicy::abandon(ExportJob& job) {
  if (job.in_flight) finish(job, ExportAction::kGiveUp, GiveUpReason::kDeadline);
}

int64_t ExportPolicy::backoff(const ExportJob& job, int64_t left_ms, RandomSource& random) const {
  // attempts >= 1 here: the n-th retry (n from 0) follows the (n+1)-th failed attempt.
  const uint64_t max_delay = options_.max_delay_ms < 0 ? 0 : static_cast<uint64_t>(options_.max_delay_ms);
  uint64_t cap = options_.base_delay_ms < 0 ? 0 : static_cast<uint64_t>(options_.base_delay_ms);
  for (uint32_t n = 1; n < job.attempts && cap < max_delay; ++n) cap *= 2;
  if (cap > max_delay) cap = max_delay;
  // Start before the deadline: at most left − 1 ms from now.
  if (cap > static_cast<uint64_t>(left_ms - 1)) cap = static_cast<uint64_t>(left_ms - 1);
  return static_cast<int64_t>(random_up_to(random, cap));
}

ExportDecision ExportPolicy::on_outcome(ExportJob& job, const ExportOutcome& outcome, int64_t now_ms,
                                        RandomSource& random) {
  if (!job.in_flight) return ExportDecision{};
  ++job.attempts;
  if (!outcome.network_error && outcome.status >= 200 && outcome.status <= 299) {
    return finish(job, ExportAction::kDone, GiveUpReason::kNone);
  }
  const bool retryable_status = !outcome.network_error && options_.retries_status(outcome.status);
  if (!outcome.network_error && !retryable_status) {
    ++failures_[static_cast<size_t>(ExportFailureKind::kRejectedStatus)];
    return finish(job, ExportAction::kGiveUp, GiveUpReason::kRejected);
  }
  ++failures_[static_cast<size_t>(outcome.network_error ? ExportFailureKind::kNetwork
                                                        : ExportFailureKind::kRetryableStatus)];

  if (now_ms >= job.deadline_ms) return finish(job, ExportAction::kGiveUp, GiveUpReason::kDeadline);
  const int64_t left = job.deadline_ms - now_ms;  // > 0

  int64_t delay = 0;
  const RetryAfter ra = retryable_status ? parse_retry_after(outcome.retry_after, now_ms) : RetryAfter{};
  if (ra.status == RetryAfterStatus::kSeconds || ra.status == RetryAfterStatus::kDate) {
    // Never earlier than the server asked: if that is at or past the deadline, give up now.
    if (ra.delay_ms >= static_cast<uint64_t>(left)) return finish(job, ExportAction::kGiveUp, GiveUpReason::kDeadline);
    const uint64_t jittered = ra.delay_ms + random_up_to(random, ra.delay_ms / 10);
    delay = jittered < static_cast<uint64_t>(left) ? static_cast<int64_t>(jittered) : left - 1;
  } else {
    delay = backoff(job, left, random);
  }
  ++retries_;
  return ExportDecision{ExportAction::kRetry, delay, GiveUpReason::kNone};
}

void ExportPolicy::add_stats(SpanStats& stats) const {
  stats.exports_in_flight += in_flight_;
  stats.spans_in_flight += spans_in_flight_;
  stats.exported += exported_;
  stats.retries += retries_;
  stats.dropped[static_cast<size_t>(DropReason::kExportRejected)] += dropped_rejected_;
  stats.dropped[static_cast<size_t>(DropReason::kExportFailed)] += dropped_failed_;
  for (size_t i = 0; i < kExportFailureKindCount; ++i) stats.export_failures[i] += failures_[i];
}

}  // namespace tes

#include "reconnect_policy.h"

namespace tes {
namespace {

constexpr uint64_t kMinBackoffMs = 100;

// `ms` plus up to 10 % more: spreads clients that all heard the same value. Saturates: a server's `retry:` may be
// close to 2^64, and a wrapped sum would turn the longest wait into a short one.
uint64_t with_small_jitter(uint64_t ms, RandomSource& random) {
  const uint64_t jitter = random_up_to(random, ms / 10);
  return jitter > UINT64_MAX - ms ? UINT64_MAX : ms + jitter;
}

}  // namespace

uint64_t ReconnectPolicy::backoff_wait(uint64_t retry_ms, RandomSource& random) {
  // A server's `retry: 0` must not turn failures into a hot loop: backoff starts at 100 ms at least.
  uint64_t nominal = retry_ms < kMinBackoffMs ? kMinBackoffMs : retry_ms;
  for (uint32_t i = 1; i < failures_ && nominal < options_.max_retry_delay_ms; ++i) nominal *= 2;
  if (nominal > options_.max_retry_delay_ms) nominal = options_.max_retry_delay_ms;
  return nominal - random_up_to(random, nominal / 5);
}

ReconnectDecision ReconnectPolicy::decide(const CloseFacts& facts, RandomSource& random) {
  const CloseType type = facts.type;
  if (type == CloseType::kAppClose) return {false, 0, DecisionReason::kApp};

  const bool retryable_status = facts.type == CloseType::kHttpStatus && facts.status != 204 &&
                                !options_.strict && options_.retries_status(facts.status);
  const bool reconnects = type == CloseType::kGraceful || type == CloseType::kNetwork ||
                          type == CloseType::kIdleTimeout || type == CloseType::kStreamCap || retryable_status;
  if (!reconnects) return {false, 0, DecisionReason::kFatal};
  if (retries_ >= options_.max_retries) return {false, 0, DecisionReason::kMaxRetries};
  ++retries_;

  if (options_.strict) return {true, facts.retry_ms, DecisionReason::kRetry};
  if (type == CloseType::kGraceful) return {true, with_small_jitter(facts.retry_ms, random), DecisionReason::kRetry};
  ++failures_;
  const RetryAfterStatus ra = facts.retry_after.status;
  if (retryable_status && (ra == RetryAfterStatus::kSeconds || ra == RetryAfterStatus::kDate)) {
    const uint64_t wait = facts.retry_after.delay_ms < options_.max_retry_after_ms ? facts.retry_after.delay_ms
                                                                                    : options_.max_retry_after_ms;
    return {true, with_small_jitter(wait, random), DecisionReason::kRetryAfter};
  }
  return {true, backoff_wait(facts.retry_ms, random), DecisionReason::kBackoff};
}

}  // namespace tes

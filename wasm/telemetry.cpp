#include "telemetry.h"

#include <algorithm>

namespace tes {

Telemetry::Telemetry(const TelemetryOptions& options, RandomSource& random)
    : options_(options), random_(random), queue_(options.queue), policy_(options.export_policy) {}

Telemetry::~Telemetry() {
  for (OpenSpanSource* source : sources_) source->telemetry_gone();
}

bool Telemetry::record(Span span, int64_t now_ms, SpanPriority priority) {
  if (!queue_.push(std::move(span), now_ms, priority)) return false;
  return queue_.wake_at() < timer_at_;
}

void Telemetry::tick(int64_t now_ms) {
  commands_.clear();
  timer_at_ = SpanQueue::kNever;
  start_due(now_ms);
  arm_timer(now_ms);
}

void Telemetry::start_due(int64_t now_ms) {
  for (Job& job : jobs_) {
    if (job.waiting && job.retry_at <= now_ms) {
      job.waiting = false;
      push_export(job.id, job.payload, false);
    }
  }
  while (policy_.can_start() && queue_.wake_at() <= now_ms) {
    std::vector<Span> batch = queue_.next_batch(now_ms);
    if (batch.empty()) break;
    Job job;
    job.id = next_job_++;
    if (!policy_.begin(job.state, static_cast<uint32_t>(batch.size()), now_ms)) break;
    job.payload = encode_export_request(resource_, scope_, batch);
    push_export(job.id, job.payload, false);
    jobs_.push_back(std::move(job));
  }
}

const std::string* Telemetry::payload(uint32_t job_id) const {
  for (const Job& job : jobs_) {
    if (job.id == job_id && !job.waiting) return &job.payload;
  }
  return nullptr;
}

void Telemetry::push_export(uint32_t job, const std::string& payload, bool keepalive) {
  commands_.push(CommandTag::kExport, {job});
  commands_.push_bytes(payload);
  commands_.push_word(keepalive ? 1u : 0u);
}

void Telemetry::arm_timer(int64_t now_ms) {
  int64_t at = policy_.can_start() ? queue_.wake_at() : SpanQueue::kNever;
  for (const Job& job : jobs_) {
    if (job.waiting) at = std::min(at, job.retry_at);
  }
  if (at == SpanQueue::kNever) return;
  timer_at_ = at;
  commands_.push(CommandTag::kSetTimer);
  commands_.push_u64(static_cast<uint64_t>(at > now_ms ? at - now_ms : 0));
}

void Telemetry::result(int64_t now_ms, uint32_t job_id, const ExportOutcome& outcome) {
  commands_.clear();
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.id == job_id && !j.waiting; });
  if (it == jobs_.end()) return;  // not ours, or already settled
  const uint32_t spans = it->state.spans;
  const ExportDecision decision = policy_.on_outcome(it->state, outcome, now_ms, random_);
  if (decision.action != ExportAction::kDone) {
    commands_.push(CommandTag::kExportFailed,
                   {spans, outcome.network_error ? 0u : static_cast<uint32_t>(outcome.status),
                    decision.action == ExportAction::kRetry ? 1u : 0u, static_cast<uint32_t>(decision.reason)});
  }
  if (decision.action == ExportAction::kRetry) {
    it->waiting = true;
    it->retry_at = now_ms + decision.delay_ms;
  } else {
    jobs_.erase(it);
  }
  timer_at_ = SpanQueue::kNever;
  start_due(now_ms);
  arm_timer(now_ms);
}

void Telemetry::flush(int64_t now_ms) {
  commands_.clear();
  std::vector<Span> snapshots;
  for (OpenSpanSource* source : sources_) source->take_snapshots(unix_nano_of_ms(now_ms), snapshots);
  for (Span& s : snapshots) queue_.push(std::move(s), now_ms, SpanPriority::kLow);
  FlushResult flushed = queue_.flush(resource_, scope_, options_.flush);
  for (const std::string& payload : flushed.payloads) push_export(0, payload, true);
  timer_at_ = SpanQueue::kNever;
  arm_timer(now_ms);  // what did not fit stays queued, in case the page lives on
}

void Telemetry::attach(OpenSpanSource* source) { sources_.push_back(source); }

void Telemetry::detach(OpenSpanSource* source) {
  sources_.erase(std::remove(sources_.begin(), sources_.end(), source), sources_.end());
}

SpanStats Telemetry::stats() const {
  SpanStats s;
  queue_.add_stats(s);
  policy_.add_stats(s);
  return s;
}

}  // namespace tes

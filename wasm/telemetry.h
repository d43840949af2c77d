// Telemetry: where ended spans go (REQUIREMENTS D5–D7, D9). One per exporter configuration, shared by every
// connection and traced fetch the app points at it; it owns the queue, the export policy, the resource and the
// jobs in flight, and like the connection it does no I/O: it answers inputs with commands (commands.h).
//
// Inputs:
//   record(span, now, priority)  a span ended (connections and traced fetches call it)
//   tick(now)                    the shell's timer fired, or a connection said kTelemetryTick: start what is due
//   result(now, job, outcome)    an export the shell sent finished (network failure, or a status)
//   flush(now)                   the page is being hidden: everything queued plus in-progress snapshots of open
//                                spans go out now, packed under the keepalive budget; no results come back
// Commands (cleared by each input):
//   kExport [job, payload, keepalive]   POST payload; report result(job) unless keepalive
//   kExportFailed [spans, status, will_retry, give_up_reason]   an export attempt failed (status 0: network)
//   kSetTimer [delay]                   call tick() after this delay (replaces the previous timer)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "commands.h"
#include "export_policy.h"
#include "otlp_json.h"
#include "random_source.h"
#include "span.h"
#include "span_queue.h"

namespace tes {

struct TelemetryOptions {
  SpanQueueOptions queue;
  ExportPolicyOptions export_policy;
  FlushBudget flush;
  SpanLimits limits;
};

// Something holding spans that are still open (a connection's stream): at page hide it hands over ended copies,
// and must not export them again when they end later (D7).
class OpenSpanSource {
 public:
  virtual ~OpenSpanSource() = default;
  virtual void take_snapshots(uint64_t now_unix_nano, std::vector<Span>& out) = 0;
  // The telemetry is being destroyed: stop recording into it.
  virtual void telemetry_gone() = 0;
};

class Telemetry {
 public:
  Telemetry(const TelemetryOptions& options, RandomSource& random);
  ~Telemetry();  // detaches every source still attached, whichever is destroyed first
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  Resource& resource() { return resource_; }
  InstrumentationScope& scope() { return scope_; }
  const SpanLimits& limits() const { return options_.limits; }

  // Queues an ended span. True when the queue's next batch became due sooner: the caller should tick().
  bool record(Span span, int64_t now_ms, SpanPriority priority = SpanPriority::kNormal);
  void tick(int64_t now_ms);
  void result(int64_t now_ms, uint32_t job_id, const ExportOutcome& outcome);
  void flush(int64_t now_ms);

  void attach(OpenSpanSource* source);
  void detach(OpenSpanSource* source);

  const CommandBuffer& commands() const { return commands_; }
  SpanStats stats() const;
  // The bytes of a job in flight (what its last kExport carried), for a sender that lives in the core
  // (wasm/fetch_export.h); null when `job_id` is not in flight.
  const std::string* payload(uint32_t job_id) const;

 private:
  struct Job {
    uint32_t id = 0;
    ExportJob state;
    std::string payload;
    bool waiting = false;  // for a retry at retry_at
    int64_t retry_at = 0;
  };

  void start_due(int64_t now_ms);
  void arm_timer(int64_t now_ms);
  // Job 0 with keepalive: a page-hide payload, whose result never comes back.
  void push_export(uint32_t job, const std::string& payload, bool keepalive);

  TelemetryOptions options_;
  RandomSource& random_;
  SpanQueue queue_;
  ExportPolicy policy_;
  Resource resource_;
  InstrumentationScope scope_;
  std::vector<Job> jobs_;
  std::vector<OpenSpanSource*> sources_;
  CommandBuffer commands_;
  uint32_t next_job_ = 1;
  int64_t timer_at_ = SpanQueue::kNever;  // when the armed timer fires
};

}  // namespace tes

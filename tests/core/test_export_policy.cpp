// The export policy (wasm/export_policy.{h,cpp}), REQUIREMENTS D6 and D9, on a fake clock with seeded
// randomness: the retry/no-retry table, the configurable status set, full-jitter bounds and spread over many seeds,
// the cap, Retry-After in seconds and as a date (never shortened, bounded by the deadline), the per-batch
// deadline, bounded concurrency, and the counters of the stats snapshot.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "export_policy.h"
#include "random_source.h"
#include "span_queue.h"

namespace {

using tes::ExportAction;
using tes::ExportDecision;
using tes::ExportJob;
using tes::ExportOutcome;
using tes::ExportPolicy;
using tes::ExportPolicyOptions;
using tes::GiveUpReason;

constexpr int64_t k2026 = 1767225600000;  // Thu, 01 Jan 2026 00:00:00 GMT, in ms

const char* name_of(ExportAction a) {
  switch (a) {
    case ExportAction::kDone:
      return "kDone";
    case ExportAction::kRetry:
      return "kRetry";
    case ExportAction::kGiveUp:
      return "kGiveUp";
  }
  return "?";
}

// A policy whose deadline never matters, for looking at delays alone.
ExportPolicyOptions no_deadline() {
  ExportPolicyOptions o;
  o.deadline_ms = INT64_MAX / 2;
  return o;
}

ExportDecision one_outcome(const ExportOutcome& outcome, uint64_t seed = 1,
                           const ExportPolicyOptions& options = ExportPolicyOptions()) {
  ExportPolicy p(options);
  ExportJob job;
  REQUIRE(p.begin(job, 10, k2026));
  tes::SplitMix64Random random(seed);
  return p.on_outcome(job, outcome, k2026, random);
}

}  // namespace

TEST_CASE("the defaults: 2 in flight, 1 s base, 30 s cap, 30 s deadline, retry 429/502/503/504 and nothing else") {
  const ExportPolicyOptions o;
  CHECK(o.max_in_flight == 2);
  CHECK(o.base_delay_ms == 1000);
  CHECK(o.max_delay_ms == 30000);
  CHECK(o.deadline_ms == 30000);
  std::vector<int> retried;
  for (int status = 0; status <= 700; ++status) {
    if (o.retries_status(status)) retried.push_back(status);
  }
  CHECK(retried == std::vector<int>{429, 502, 503, 504});
}

TEST_CASE("every 2xx is success: the batch counts as exported and frees its slot") {
  for (int status : {200, 201, 202, 204, 299}) {
    CAPTURE(status);
    ExportPolicy p;
    ExportJob job;
    REQUIRE(p.begin(job, 7, k2026));
    CHECK(p.in_flight() == 1);
    tes::SplitMix64Random random(1);
    const ExportDecision d = p.on_outcome(job, ExportOutcome::http(status), k2026 + 50, random);
    CHECK(d.action == ExportAction::kDone);
    CHECK(d.reason == GiveUpReason::kNone);
    CHECK_FALSE(job.in_flight);
    CHECK(p.in_flight() == 0);
    tes::SpanStats s;
    p.add_stats(s);
    CHECK(s.exported == 7);
    CHECK(s.dropped_total() == 0);
  }
}

TEST_CASE("retry table: network failures and 429/502/503/504 are retried — 400 and every other status is not") {
  struct Row {
    const char* name;
    ExportOutcome outcome;
    ExportAction action;
  };
  const Row rows[] = {
      {"network failure", ExportOutcome::network_failure(), ExportAction::kRetry},
      {"429", ExportOutcome::http(429), ExportAction::kRetry},
      {"502", ExportOutcome::http(502), ExportAction::kRetry},
      {"503", ExportOutcome::http(503), ExportAction::kRetry},
      {"504", ExportOutcome::http(504), ExportAction::kRetry},
      {"400", ExportOutcome::http(400), ExportAction::kGiveUp},
      {"400 with Retry-After", ExportOutcome::http(400, "1"), ExportAction::kGiveUp},
      {"401", ExportOutcome::http(401), ExportAction::kGiveUp},
      {"403", ExportOutcome::http(403), ExportAction::kGiveUp},
      {"404", ExportOutcome::http(404), ExportAction::kGiveUp},
      {"408", ExportOutcome::http(408), ExportAction::kGiveUp},
      {"413", ExportOutcome::http(413), ExportAction::kGiveUp},
      {"500", ExportOutcome::http(500), ExportAction::kGiveUp},
      {"501", ExportOutcome::http(501), ExportAction::kGiveUp},
      {"505", ExportOutcome::http(505), ExportAction::kGiveUp},
      {"599", ExportOutcome::http(599), ExportAction::kGiveUp},
      {"100", ExportOutcome::http(100), ExportAction::kGiveUp},
      {"301 (a redirect fetch did not follow)", ExportOutcome::http(301), ExportAction::kGiveUp},
      {"0 without a network error (opaque)", ExportOutcome::http(0), ExportAction::kGiveUp},
      {"600", ExportOutcome::http(600), ExportAction::kGiveUp},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const ExportDecision d = one_outcome(row.outcome);
    CHECK(name_of(d.action) == std::string(name_of(row.action)));
    CHECK(d.reason == (row.action == ExportAction::kGiveUp ? GiveUpReason::kRejected : GiveUpReason::kNone));
  }
}

TEST_CASE("the retried status set is configurable within 400..599") {
  ExportPolicyOptions o;
  o.set_retry_status(500, true);
  o.set_retry_status(429, false);
  o.set_retry_status(302, true);  // outside 400..599: ignored
  o.set_retry_status(600, true);
  CHECK(one_outcome(ExportOutcome::http(500), 1, o).action == ExportAction::kRetry);
  CHECK(one_outcome(ExportOutcome::http(429), 1, o).action == ExportAction::kGiveUp);
  CHECK(one_outcome(ExportOutcome::http(302), 1, o).action == ExportAction::kGiveUp);
  CHECK(one_outcome(ExportOutcome::http(600), 1, o).action == ExportAction::kGiveUp);
  CHECK(one_outcome(ExportOutcome::http(503), 1, o).action == ExportAction::kRetry);
}

TEST_CASE("full jitter: the n-th retry waits uniform in [0, min(cap, base x 2^n)], over 2000 seeds") {
  const ExportPolicyOptions o = no_deadline();  // base 1000, cap 30000
  const int kRetries = 7;
  std::vector<int64_t> lo(kRetries, INT64_MAX), hi(kRetries, -1);
  std::vector<double> sum(kRetries, 0);
  const int kSeeds = 2000;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    ExportPolicy p(o);
    ExportJob job;
    REQUIRE(p.begin(job, 1, 0));
    tes::SplitMix64Random random(seed);
    int64_t now = 0;
    for (int n = 0; n < kRetries; ++n) {
      const ExportDecision d = p.on_outcome(job, ExportOutcome::network_failure(), now, random);
      REQUIRE(d.action == ExportAction::kRetry);
      lo[n] = std::min(lo[n], d.delay_ms);
      hi[n] = std::max(hi[n], d.delay_ms);
      sum[n] += static_cast<double>(d.delay_ms);
      now += d.delay_ms + 100;
    }
  }
  for (int n = 0; n < kRetries; ++n) {
    const int64_t bound = std::min<int64_t>(30000, int64_t{1000} << n);
    CAPTURE(n, bound, lo[n], hi[n]);
    CHECK(lo[n] >= 0);
    CHECK(hi[n] <= bound);
    CHECK(lo[n] <= bound / 50);      // the whole range is used: near 0 …
    CHECK(hi[n] >= bound * 49 / 50);  // … and near the bound
    const double mean = sum[n] / kSeeds;
    CHECK(mean > bound * 0.45);
    CHECK(mean < bound * 0.55);
  }
}

TEST_CASE("the backoff bound stops growing at max_delay_ms and does not overflow after many failures") {
  ExportPolicyOptions o = no_deadline();
  o.base_delay_ms = 100;
  o.max_delay_ms = 1500;
  int64_t hi = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    ExportPolicy p(o);
    ExportJob job;
    REQUIRE(p.begin(job, 1, 0));
    tes::SplitMix64Random random(seed);
    for (int n = 0; n < 80; ++n) {
      const ExportDecision d = p.on_outcome(job, ExportOutcome::network_failure(), 0, random);
      REQUIRE(d.action == ExportAction::kRetry);
      REQUIRE(d.delay_ms <= 1500);
      if (n >= 4) hi = std::max(hi, d.delay_ms);
    }
  }
  CHECK(hi > 1400);
}

TEST_CASE("Retry-After in seconds is honoured: never earlier, at most 10 % later") {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    for (int status : {429, 503}) {
      CAPTURE(seed, status);
      const ExportDecision d = one_outcome(ExportOutcome::http(status, "3"), seed);
      CHECK(d.action == ExportAction::kRetry);
      CHECK(d.delay_ms >= 3000);
      CHECK(d.delay_ms <= 3300);
    }
  }
  CHECK(one_outcome(ExportOutcome::http(429, "0")).delay_ms == 0);
  CHECK(one_outcome(ExportOutcome::http(429, " 2 ")).delay_ms >= 2000);  // OWS trimmed (parse_retry_after)
}

TEST_CASE("Retry-After as an HTTP-date is measured from now: never earlier, at most 10 % later") {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    const ExportDecision imf = one_outcome(ExportOutcome::http(503, "Thu, 01 Jan 2026 00:00:05 GMT"), seed);
    CHECK(imf.action == ExportAction::kRetry);
    CHECK(imf.delay_ms >= 5000);
    CHECK(imf.delay_ms <= 5500);
    const ExportDecision asctime = one_outcome(ExportOutcome::http(502, "Thu Jan  1 00:00:10 2026"), seed);
    CHECK(asctime.delay_ms >= 10000);
    CHECK(asctime.delay_ms <= 11000);
  }
  // A date in the past: retry now.
  CHECK(one_outcome(ExportOutcome::http(503, "Wed, 31 Dec 2025 23:00:00 GMT")).delay_ms == 0);
}

TEST_CASE("an invalid Retry-After falls back to the backoff — a network failure has no Retry-After") {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    for (const char* value : {"soon", "-1", "1.5", "Thu, 01 Jan 2026 00:00:05 UTC", ""}) {
      CAPTURE(seed, value);
      const ExportDecision d = one_outcome(ExportOutcome::http(429, value), seed);
      CHECK(d.action == ExportAction::kRetry);
      CHECK(d.delay_ms <= 1000);  // the first backoff bound
    }
    ExportOutcome network = ExportOutcome::network_failure();
    network.retry_after = "20";  // cannot happen, and is ignored
    CHECK(one_outcome(network, seed).delay_ms <= 1000);
  }
}

TEST_CASE("a Retry-After at or past the deadline gives up at once rather than come back early") {
  for (const char* value : {"30", "60", "Thu, 01 Jan 2026 00:01:00 GMT", "99999999999999999999"}) {
    CAPTURE(value);
    ExportPolicy p;
    ExportJob job;
    REQUIRE(p.begin(job, 4, k2026));
    tes::SplitMix64Random random(1);
    const ExportDecision d = p.on_outcome(job, ExportOutcome::http(503, value), k2026, random);
    CHECK(d.action == ExportAction::kGiveUp);
    CHECK(d.reason == GiveUpReason::kDeadline);
    tes::SpanStats s;
    p.add_stats(s);
    CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kExportFailed)] == 4);
    CHECK(s.export_failures[static_cast<size_t>(tes::ExportFailureKind::kRetryableStatus)] == 1);
  }
  // Just inside: 29 s with 29.9 s left is honoured; its jitter is cut at the deadline.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    ExportPolicy p;
    ExportJob job;
    REQUIRE(p.begin(job, 1, k2026));
    tes::SplitMix64Random random(seed);
    const ExportDecision d = p.on_outcome(job, ExportOutcome::http(429, "29"), k2026 + 100, random);
    CHECK(d.action == ExportAction::kRetry);
    CHECK(d.delay_ms >= 29000);
    CHECK(k2026 + 100 + d.delay_ms < job.deadline_ms);
  }
}

TEST_CASE("the deadline bounds a batch: no retry starts after it, and the first outcome at or after it gives up") {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    ExportPolicy p;  // 30 s deadline
    ExportJob job;
    const int64_t start = k2026;
    REQUIRE(p.begin(job, 3, start));
    CHECK(job.deadline_ms == start + 30000);
    tes::SplitMix64Random random(seed);
    int64_t now = start + 250;  // each attempt takes 250 ms
    int retries = 0;
    for (;;) {
      const ExportDecision d = p.on_outcome(job, ExportOutcome::http(503), now, random);
      if (d.action == ExportAction::kGiveUp) {
        CHECK(d.reason == GiveUpReason::kDeadline);
        CHECK(now >= job.deadline_ms);
        break;
      }
      REQUIRE(d.action == ExportAction::kRetry);
      ++retries;
      REQUIRE(retries < 1000);
      CHECK(now + d.delay_ms < job.deadline_ms);  // the retry starts before the deadline
      now += d.delay_ms + 250;
    }
    CHECK(p.in_flight() == 0);
    tes::SpanStats s;
    p.add_stats(s);
    CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kExportFailed)] == 3);
    CHECK(s.retries == static_cast<uint64_t>(retries));
    CHECK(s.export_failures[static_cast<size_t>(tes::ExportFailureKind::kRetryableStatus)] ==
          static_cast<uint64_t>(retries) + 1);
  }
}

TEST_CASE("the deadline is configurable, and a success just before it still counts") {
  ExportPolicyOptions o;
  o.deadline_ms = 1000;
  ExportPolicy p(o);
  ExportJob job;
  REQUIRE(p.begin(job, 2, 0));
  tes::SplitMix64Random random(4);
  const ExportDecision first = p.on_outcome(job, ExportOutcome::network_failure(), 10, random);
  REQUIRE(first.action == ExportAction::kRetry);
  CHECK(first.delay_ms <= 989);
  CHECK(p.on_outcome(job, ExportOutcome::http(200), 999, random).action == ExportAction::kDone);
  tes::SpanStats s;
  p.add_stats(s);
  CHECK(s.exported == 2);
}

TEST_CASE("concurrency: at most max_in_flight batches — one waiting to retry keeps its slot — an end frees it") {
  ExportPolicy p;
  tes::SplitMix64Random random(1);
  ExportJob a, b, c;
  CHECK(p.can_start());
  CHECK(p.begin(a, 1, 0));
  CHECK_FALSE(p.begin(a, 1, 0));  // a job in flight is not started twice
  CHECK(p.in_flight() == 1);
  CHECK(p.begin(b, 1, 0));
  CHECK_FALSE(p.can_start());
  CHECK_FALSE(p.begin(c, 1, 0));
  CHECK_FALSE(c.in_flight);

  CHECK(p.on_outcome(a, ExportOutcome::network_failure(), 10, random).action == ExportAction::kRetry);
  CHECK_FALSE(p.can_start());  // a waits to retry: still in flight
  CHECK(p.on_outcome(b, ExportOutcome::http(400), 10, random).action == ExportAction::kGiveUp);
  CHECK(p.can_start());
  CHECK(p.begin(c, 1, 20));
  CHECK_FALSE(p.can_start());
  CHECK(p.on_outcome(a, ExportOutcome::http(200), 30, random).action == ExportAction::kDone);
  CHECK(p.in_flight() == 1);

  ExportPolicyOptions one;
  one.max_in_flight = 1;
  ExportPolicy single(one);
  ExportJob x, y;
  CHECK(single.begin(x, 1, 0));
  CHECK_FALSE(single.begin(y, 1, 0));
}

TEST_CASE("an outcome for a job that is not in flight changes nothing") {
  ExportPolicy p;
  tes::SplitMix64Random random(1);
  ExportJob never_started;
  const ExportDecision d = p.on_outcome(never_started, ExportOutcome::http(200), 0, random);
  CHECK(d.action == ExportAction::kGiveUp);
  CHECK(d.reason == GiveUpReason::kNone);
  ExportJob job;
  REQUIRE(p.begin(job, 5, 0));
  REQUIRE(p.on_outcome(job, ExportOutcome::http(200), 1, random).action == ExportAction::kDone);
  CHECK(p.on_outcome(job, ExportOutcome::http(200), 2, random).reason == GiveUpReason::kNone);  // reported twice
  tes::SpanStats s;
  p.add_stats(s);
  CHECK(s.exported == 5);
  CHECK(s.exports_in_flight == 0);
}

TEST_CASE("abandoning a batch frees its slot and counts its spans as export_failed") {
  ExportPolicy p;
  ExportJob job;
  REQUIRE(p.begin(job, 6, 0));
  p.abandon(job);
  p.abandon(job);  // once only
  CHECK(p.in_flight() == 0);
  tes::SpanStats s;
  p.add_stats(s);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kExportFailed)] == 6);
}

TEST_CASE("stats snapshot: queue and policy counters together, failures by kind, drops by reason") {
  tes::SpanQueueOptions qo;
  qo.max_queue_size = 1;
  tes::SpanQueue queue(qo);
  tes::SplitMix64Random ids(1);
  tes::Span span("s", tes::SpanKind::kClient, tes::new_trace_id(ids, 1767225600), tes::new_span_id(ids), 1);
  span.end(2);
  queue.push(span, 0);
  queue.push(span, 0);  // queue_full

  ExportPolicy p;
  tes::SplitMix64Random random(2);
  ExportJob ok, rejected, waiting;
  REQUIRE(p.begin(ok, 10, 0));
  REQUIRE(p.begin(rejected, 20, 0));
  REQUIRE(p.on_outcome(ok, ExportOutcome::network_failure(), 1, random).action == ExportAction::kRetry);
  REQUIRE(p.on_outcome(ok, ExportOutcome::http(429), 2, random).action == ExportAction::kRetry);
  REQUIRE(p.on_outcome(ok, ExportOutcome::http(200), 3, random).action == ExportAction::kDone);
  REQUIRE(p.on_outcome(rejected, ExportOutcome::http(400), 3, random).action == ExportAction::kGiveUp);
  REQUIRE(p.begin(waiting, 30, 4));
  REQUIRE(p.on_outcome(waiting, ExportOutcome::http(502), 5, random).action == ExportAction::kRetry);

  const tes::SpanStats s = tes::span_stats(queue, p);
  CHECK(s.queued == 1);
  CHECK(s.exported == 10);
  CHECK(s.exports_in_flight == 1);
  CHECK(s.spans_in_flight == 30);
  CHECK(s.retries == 3);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kQueueFull)] == 1);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kExportRejected)] == 20);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kExportFailed)] == 0);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kTooLarge)] == 0);
  CHECK(s.dropped_total() == 21);
  CHECK(s.export_failures[static_cast<size_t>(tes::ExportFailureKind::kNetwork)] == 1);
  CHECK(s.export_failures[static_cast<size_t>(tes::ExportFailureKind::kRetryableStatus)] == 2);
  CHECK(s.export_failures[static_cast<size_t>(tes::ExportFailureKind::kRejectedStatus)] == 1);
}

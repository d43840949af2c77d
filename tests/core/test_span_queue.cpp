// The span queue (wasm/span_queue.{h,cpp}), REQUIREMENTS D5 and D7, on a fake clock: the bound and the count of
// what it dropped, batches by size and by delay with the wake-up deadline, a backlog draining, the page-hide flush
// order (errors, then ended streams, then the rest, snapshots last) and its byte budgets (per body and in total),
// shrinking a span that is too large and dropping one that cannot fit, and the stats snapshot.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "export_policy.h"
#include "otlp_json.h"
#include "random_source.h"
#include "span.h"
#include "span_queue.h"

#ifndef JSON_NOEXCEPTION
#define JSON_NOEXCEPTION 1
#endif
#include <nlohmann/json.hpp>

namespace {

using tes::DropReason;
using tes::FlushBudget;
using tes::FlushResult;
using tes::Span;
using tes::SpanKind;
using tes::SpanPriority;
using tes::SpanQueue;
using tes::SpanQueueOptions;
using tes::StatusCode;

constexpr uint64_t kT0 = 1767225600000000000ULL;

// A span named `name` whose "n" attribute is `n`, ended, with ids drawn from seed n.
Span numbered(int64_t n, std::string_view name = "connect") {
  tes::SplitMix64Random random(static_cast<uint64_t>(n) + 1);
  Span s(name, SpanKind::kClient, tes::new_trace_id(random, 1767225600), tes::new_span_id(random), kT0);
  s.set_int("n", n);
  s.end(kT0 + 1000);
  return s;
}

int64_t n_of(const Span& s) {
  const tes::AttrValue* v = s.attributes().find("n");
  return v ? v->i : -1;
}

std::vector<int64_t> ns(const std::vector<Span>& spans) {
  std::vector<int64_t> out;
  for (const Span& s : spans) out.push_back(n_of(s));
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {  // [from, to)
  std::vector<int64_t> out;
  for (int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

tes::Resource resource() {
  tes::Resource r;
  r.service_name = "queue-test";
  return r;
}

// The "n" attributes of the spans in a flush's payloads, in order; every payload parsed and within `max_payload`.
std::vector<int64_t> flushed_ns(const FlushResult& r, size_t max_payload) {
  std::vector<int64_t> out;
  for (const std::string& body : r.payloads) {
    CHECK(body.size() <= max_payload);
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    for (const nlohmann::json& s : j["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
      int64_t n = -1;
      if (s.contains("attributes")) {
        for (const nlohmann::json& kv : s["attributes"]) {
          if (kv["key"] == "n") n = std::stoll(kv["value"]["intValue"].get<std::string>());
        }
      }
      out.push_back(n);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("an empty queue never needs a wake-up and gives no batch") {
  SpanQueue q;
  CHECK(q.empty());
  CHECK(q.wake_at() == SpanQueue::kNever);
  CHECK(q.next_batch(INT64_MAX).empty());
  CHECK(q.take_batch().empty());
}

TEST_CASE("the default bounds: 2048 spans, batches of 512, 5000 ms delay") {
  const SpanQueueOptions o;
  CHECK(o.max_queue_size == 2048);
  CHECK(o.max_batch_size == 512);
  CHECK(o.schedule_delay_ms == 5000);
  const FlushBudget b;
  CHECK(b.max_payload_bytes == 65536);
  CHECK(b.max_total_bytes == 65536);
}

TEST_CASE("a full queue drops the new span and counts it as queue_full — the queued spans stay") {
  SpanQueue q;
  for (int64_t n = 0; n < 2048; ++n) REQUIRE(q.push(numbered(n), 0));
  CHECK_FALSE(q.push(numbered(2048), 1));
  CHECK_FALSE(q.push(numbered(2049), 2));
  CHECK(q.size() == 2048);
  CHECK(q.dropped(DropReason::kQueueFull) == 2);
  std::vector<int64_t> all;
  for (int i = 0; i < 4; ++i) {
    const std::vector<int64_t> b = ns(q.take_batch());
    all.insert(all.end(), b.begin(), b.end());
  }
  CHECK(all == range(0, 2048));  // the first 2048 were kept, in order
  CHECK(q.push(numbered(5000), 3));  // room again
  CHECK(q.dropped(DropReason::kQueueFull) == 2);
}

TEST_CASE("the queue bound is configurable") {
  SpanQueueOptions o;
  o.max_queue_size = 3;
  SpanQueue q(o);
  CHECK(q.push(numbered(0), 0));
  CHECK(q.push(numbered(1), 0));
  CHECK(q.push(numbered(2), 0));
  CHECK_FALSE(q.push(numbered(3), 0));
  CHECK(q.dropped(DropReason::kQueueFull) == 1);
  CHECK(q.dropped(DropReason::kTooLarge) == 0);
}

TEST_CASE("by delay: a partial batch is due schedule_delay_ms after its oldest span arrived") {
  SpanQueue q;
  q.push(numbered(0), 1000);
  q.push(numbered(1), 3000);
  CHECK(q.wake_at() == 6000);
  CHECK(q.next_batch(5999).empty());
  CHECK(q.size() == 2);
  CHECK(ns(q.next_batch(6000)) == std::vector<int64_t>{0, 1});  // everything queued goes, not just the oldest
  CHECK(q.empty());
  CHECK(q.wake_at() == SpanQueue::kNever);

  q.push(numbered(2), 7000);
  CHECK(q.wake_at() == 12000);  // the delay starts again with the next span
}

TEST_CASE("by size: a full batch is due at once, oldest first, at most max_batch_size") {
  SpanQueueOptions o;
  o.max_batch_size = 4;
  SpanQueue q(o);
  for (int64_t n = 0; n < 3; ++n) q.push(numbered(n), 100 + n);
  CHECK(q.wake_at() == 5100);
  q.push(numbered(3), 200);
  CHECK(q.wake_at() == 200);  // due since the span that completed the batch arrived
  q.push(numbered(4), 201);
  CHECK(ns(q.next_batch(200)) == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(q.size() == 1);
  CHECK(q.wake_at() == 5201);  // what is left waits for its own delay
  CHECK(q.next_batch(5200).empty());
  CHECK(ns(q.next_batch(5201)) == std::vector<int64_t>{4});
}

TEST_CASE("with the defaults, 512 spans make a batch without waiting") {
  SpanQueue q;
  for (int64_t n = 0; n < 511; ++n) q.push(numbered(n), 0);
  CHECK(q.next_batch(10).empty());
  q.push(numbered(511), 10);
  CHECK(q.wake_at() <= 10);
  CHECK(ns(q.next_batch(10)) == range(0, 512));
}

TEST_CASE("a backlog drains batch after batch while full batches remain — the partial rest waits for its delay") {
  SpanQueue q;
  for (int64_t n = 0; n < 1100; ++n) q.push(numbered(n), 0);
  CHECK(ns(q.next_batch(0)) == range(0, 512));
  CHECK(q.wake_at() <= 0);
  CHECK(ns(q.next_batch(0)) == range(512, 1024));
  CHECK(q.wake_at() == 5000);
  CHECK(q.next_batch(4999).empty());
  CHECK(ns(q.next_batch(5000)) == range(1024, 1100));
}

TEST_CASE("spans that waited past the delay are due at once after a batch took the ones before them") {
  SpanQueueOptions o;
  o.max_batch_size = 2;
  SpanQueue q(o);
  q.push(numbered(0), 0);
  q.push(numbered(1), 1);
  q.push(numbered(2), 2);
  CHECK(ns(q.next_batch(9000)) == std::vector<int64_t>{0, 1});  // late wake-up (e.g. no export slot was free)
  CHECK(q.wake_at() == 5002);
  CHECK(ns(q.next_batch(9000)) == std::vector<int64_t>{2});
}

TEST_CASE("take_batch ignores timing: up to max_batch_size of the oldest spans") {
  SpanQueueOptions o;
  o.max_batch_size = 2;
  SpanQueue q(o);
  q.push(numbered(0), 0);
  q.push(numbered(1), 0);
  q.push(numbered(2), 0);
  CHECK(ns(q.take_batch()) == std::vector<int64_t>{0, 1});
  CHECK(ns(q.take_batch()) == std::vector<int64_t>{2});
  CHECK(q.take_batch().empty());
}

TEST_CASE("a batch size of 0 is read as 1 — a huge delay never overflows the deadline") {
  SpanQueueOptions o;
  o.max_batch_size = 0;
  o.schedule_delay_ms = INT64_MAX;
  SpanQueue q(o);
  q.push(numbered(0), 10);
  CHECK(q.wake_at() == 10);  // a batch of one is full
  CHECK(ns(q.next_batch(10)) == std::vector<int64_t>{0});

  SpanQueueOptions slow;
  slow.schedule_delay_ms = INT64_MAX;
  SpanQueue q2(slow);
  q2.push(numbered(0), 10);
  CHECK(q2.wake_at() == INT64_MAX);
  CHECK(q2.next_batch(INT64_MAX - 1).empty());
}

TEST_CASE("flush order: errors first, then kHigh (ended streams), kNormal, kLow (snapshots) — oldest first in each") {
  SpanQueue q;
  struct In {
    int64_t n;
    SpanPriority priority;
    bool error;
  };
  const In ins[] = {
      {0, SpanPriority::kNormal, false}, {1, SpanPriority::kLow, false},   {2, SpanPriority::kHigh, false},
      {3, SpanPriority::kNormal, true},  {4, SpanPriority::kLow, true},    {5, SpanPriority::kHigh, false},
      {6, SpanPriority::kNormal, false}, {7, SpanPriority::kHigh, true},   {8, SpanPriority::kLow, false},
  };
  for (const In& in : ins) {
    Span s = numbered(in.n);
    if (in.error) {
      // ended spans are read-only: rebuild it with the status before ending
      tes::SplitMix64Random random(static_cast<uint64_t>(in.n) + 1);
      Span e("connect", SpanKind::kClient, tes::new_trace_id(random, 1767225600), tes::new_span_id(random), kT0);
      e.set_int("n", in.n);
      e.set_status(StatusCode::kError, "failed");
      e.end(kT0 + 1000);
      s = e;
    }
    q.push(std::move(s), in.n, in.priority);
  }
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope());
  CHECK(r.payloads.size() == 1);
  CHECK(r.spans == 9);
  CHECK(r.left_queued == 0);
  CHECK(q.empty());
  CHECK(q.flushed() == 9);
  // errors (7 high, 3 normal, 4 low), then high 2 5, normal 0 6, low 1 8
  CHECK(flushed_ns(r, 65536) == std::vector<int64_t>{7, 3, 4, 2, 5, 0, 6, 1, 8});
}

TEST_CASE("flush splits into bodies no larger than max_payload_bytes, filled in order") {
  SpanQueue q;
  for (int64_t n = 0; n < 40; ++n) q.push(numbered(n), n);
  const size_t span_size = tes::encode_span(numbered(10)).size();
  const tes::OtlpEnvelope env = tes::encode_envelope(resource(), tes::InstrumentationScope());
  FlushBudget b;
  b.max_payload_bytes = env.body_size(span_size * 6, 6) + 10;  // about six spans per body
  b.max_total_bytes = 1 << 20;
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
  CHECK(r.spans == 40);
  CHECK(r.payloads.size() == 7);
  CHECK(flushed_ns(r, b.max_payload_bytes) == range(0, 40));
  for (size_t i = 0; i + 1 < r.payloads.size(); ++i) {
    // a body closes only when the next span would not fit
    CHECK(r.payloads[i].size() + span_size + 1 > b.max_payload_bytes - 10);
  }
}

TEST_CASE("a body may be exactly max_payload_bytes long") {
  SpanQueue q;
  q.push(numbered(0), 0);
  q.push(numbered(1), 0);
  const tes::OtlpEnvelope env = tes::encode_envelope(resource(), tes::InstrumentationScope());
  FlushBudget b;
  b.max_payload_bytes = env.body_size(tes::encode_span(numbered(0)).size() + tes::encode_span(numbered(1)).size(), 2);
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
  REQUIRE(r.payloads.size() == 1);
  CHECK(r.payloads[0].size() == b.max_payload_bytes);
}

TEST_CASE("flush stops at max_total_bytes: the rest stay queued in their order and go out with the next batch") {
  SpanQueue q;
  for (int64_t n = 0; n < 10; ++n) q.push(numbered(n), n, n == 7 ? SpanPriority::kHigh : SpanPriority::kNormal);
  const tes::OtlpEnvelope env = tes::encode_envelope(resource(), tes::InstrumentationScope());
  const size_t span_size = tes::encode_span(numbered(0)).size();
  FlushBudget b;
  b.max_payload_bytes = env.body_size(span_size * 2, 2);
  b.max_total_bytes = 2 * b.max_payload_bytes;  // two bodies of two spans
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
  CHECK(r.payloads.size() == 2);
  CHECK(r.spans == 4);
  CHECK(r.left_queued == 6);
  size_t total = 0;
  for (const std::string& p : r.payloads) total += p.size();
  CHECK(total <= b.max_total_bytes);
  CHECK(flushed_ns(r, b.max_payload_bytes) == std::vector<int64_t>{7, 0, 1, 2});
  CHECK(q.size() == 6);
  CHECK(q.dropped(DropReason::kTooLarge) == 0);
  CHECK(ns(q.take_batch()) == std::vector<int64_t>{3, 4, 5, 6, 8, 9});
}

TEST_CASE("a span too large for a body sheds events, then links, then attributes, each counted, until it fits") {
  tes::SplitMix64Random random(7);
  const tes::TraceId t = tes::new_trace_id(random, 1767225600);
  Span big("stream", SpanKind::kClient, t, tes::new_span_id(random), kT0);
  big.set_string("big.attribute", std::string(300, 'a'));
  for (int e = 0; e < 10; ++e) big.add_event("message", kT0 + static_cast<uint64_t>(e), {{"x", tes::AttrValue::of_string(std::string(100, 'e'))}});
  big.add_link(t, tes::new_span_id(random), {{"y", tes::AttrValue::of_string(std::string(300, 'l'))}});
  big.end(kT0 + 100);
  const tes::OtlpEnvelope env = tes::encode_envelope(resource(), tes::InstrumentationScope());

  struct Case {
    const char* name;
    size_t max_body;  // computed from a shrunk copy
    bool events, links, attributes;
  };
  Span no_events = big;
  no_events.drop_all_events();
  Span no_links = no_events;
  no_links.drop_all_links();
  Span bare = no_links;
  bare.drop_all_attributes();
  const Case cases[] = {
      {"events dropped", env.body_size(tes::encode_span(no_events).size(), 1), false, true, true},
      {"events and links dropped", env.body_size(tes::encode_span(no_links).size(), 1), false, false, true},
      {"everything dropped", env.body_size(tes::encode_span(bare).size(), 1), false, false, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    SpanQueue q;
    q.push(big, 0);
    FlushBudget b;
    b.max_payload_bytes = c.max_body;
    const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
    REQUIRE(r.payloads.size() == 1);
    CHECK(r.spans == 1);
    CHECK(r.shrunk == 1);
    CHECK(r.too_large == 0);
    CHECK(r.payloads[0].size() <= c.max_body);
    const nlohmann::json s = nlohmann::json::parse(r.payloads[0], nullptr, false)["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    CHECK(s.contains("events") == c.events);
    CHECK(s.contains("links") == c.links);
    CHECK(s.contains("attributes") == c.attributes);
    CHECK(s["droppedEventsCount"] == 10);
    CHECK(s.value("droppedLinksCount", 0) == (c.links ? 0 : 1));
    CHECK(s.value("droppedAttributesCount", 0) == (c.attributes ? 0 : 1));
    CHECK(s["name"] == "stream");
  }
}

TEST_CASE("a span that cannot fit even bare is dropped and counted as too_large — the others still go") {
  SpanQueue q;
  q.push(numbered(0), 0);
  q.push(numbered(1, std::string(3000, 'n')), 0);  // its name alone is larger than the body
  q.push(numbered(2), 0);
  FlushBudget b;
  b.max_payload_bytes = 2000;
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
  CHECK(r.too_large == 1);
  CHECK(r.spans == 2);
  CHECK(q.dropped(DropReason::kTooLarge) == 1);
  CHECK(q.empty());
  CHECK(flushed_ns(r, 2000) == std::vector<int64_t>{0, 2});
}

TEST_CASE("the queued span is untouched when shrinking happened for a flush that left it queued") {
  SpanQueue q;
  q.push(numbered(1), 0, SpanPriority::kHigh);
  tes::SplitMix64Random random(3);
  Span withevents("stream", SpanKind::kClient, tes::new_trace_id(random, 1767225600), tes::new_span_id(random), kT0);
  withevents.set_int("n", 0);
  for (int e = 0; e < 20; ++e) withevents.add_event("message", kT0);
  withevents.end(kT0 + 1);
  q.push(withevents, 0);
  const tes::OtlpEnvelope env = tes::encode_envelope(resource(), tes::InstrumentationScope());
  FlushBudget b;
  b.max_payload_bytes = 1000;
  b.max_total_bytes = env.body_size(tes::encode_span(numbered(1)).size(), 1);  // room for span 1 only
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope(), b);
  CHECK(r.spans == 1);
  CHECK(r.left_queued == 1);
  const std::vector<Span> rest = q.take_batch();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].events().size() == 20);
  CHECK(rest[0].dropped_events() == 0);
}

TEST_CASE("flushing an empty queue gives no payload") {
  SpanQueue q;
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope());
  CHECK(r.payloads.empty());
  CHECK(r.spans == 0);
}

TEST_CASE("an in-progress snapshot goes out at page hide while its span stays open") {
  SpanQueue q;
  tes::SplitMix64Random random(5);
  Span open("stream", SpanKind::kClient, tes::new_trace_id(random, 1767225600), tes::new_span_id(random), kT0);
  open.set_int("n", 9);
  q.push(numbered(1), 0, SpanPriority::kNormal);
  q.push(open.snapshot(kT0 + 500), 0, SpanPriority::kLow);
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope());
  CHECK(flushed_ns(r, 65536) == std::vector<int64_t>{1, 9});
  const nlohmann::json j = nlohmann::json::parse(r.payloads[0], nullptr, false);
  CHECK(j["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["endTimeUnixNano"] == std::to_string(kT0 + 500));
  CHECK_FALSE(open.ended());
}

TEST_CASE("stats: queued, flushed and the queue's drops by reason") {
  SpanQueueOptions o;
  o.max_queue_size = 3;
  SpanQueue q(o);
  for (int64_t n = 0; n < 5; ++n) q.push(numbered(n), 0);
  tes::SpanStats s;
  q.add_stats(s);
  CHECK(s.queued == 3);
  CHECK(s.dropped[static_cast<size_t>(DropReason::kQueueFull)] == 2);
  CHECK(s.dropped_total() == 2);

  q.push(numbered(9, std::string(70000, 'x')), 0);  // queue full: dropped
  q.take_batch();
  q.push(numbered(9, std::string(70000, 'x')), 0);
  const FlushResult r = q.flush(resource(), tes::InstrumentationScope());
  CHECK(r.too_large == 0);  // the name is truncated to 2048 characters: it fits
  tes::SpanStats after;
  q.add_stats(after);
  CHECK(after.queued == 0);
  CHECK(after.flushed == 1);
  CHECK(after.dropped[static_cast<size_t>(DropReason::kQueueFull)] == 3);
}

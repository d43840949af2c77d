// Spans of a connection through the telemetry (REQUIREMENTS D2, D5–D7): a scenario on a fake clock, then the
// exported OTLP/HTTP JSON is parsed and its structure checked: names, kinds, parent/child, links between
// attempts, the ids the request headers carried, attributes, and export results, retries and page-hide flushes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "connection_world.h"
#include "telemetry.h"

using namespace world;  // NOLINT: the test vocabulary
using nlohmann::json;

namespace {

constexpr tes::Millis kT0 = 1795000000000;

struct Export {
  uint32_t job;
  std::string payload;
  bool keepalive;
};
struct Failure {
  uint32_t spans, status, will_retry, reason;
};

struct TelemetryOut {
  std::vector<Export> exports;
  std::vector<Failure> failures;
  long long timer = -1;
};

TelemetryOut read(const tes::Telemetry& t) {
  TelemetryOut out;
  const tes::CommandBuffer& c = t.commands();
  const auto& w = c.words();
  for (size_t i = 0; i < w.size();) {
    switch (static_cast<CommandTag>(w[i])) {
      case CommandTag::kExport: out.exports.push_back({w[i + 1], c.bytes_at(i + 2), w[i + 4] != 0}); i += 5; break;
      case CommandTag::kExportFailed: out.failures.push_back({w[i + 1], w[i + 2], w[i + 3], w[i + 4]}); i += 5; break;
      case CommandTag::kSetTimer: out.timer = static_cast<long long>(u64_at(c, i + 1)); i += 3; break;
      default: FAIL("unexpected telemetry command " << w[i]); return out;
    }
  }
  return out;
}

std::vector<json> spans_of(const std::string& payload) {
  std::vector<json> out;
  const json doc = json::parse(payload);
  for (const json& rs : doc["resourceSpans"]) {
    for (const json& ss : rs["scopeSpans"]) {
      for (const json& s : ss["spans"]) out.push_back(s);
    }
  }
  return out;
}

const json* attr(const json& span, const std::string& key) {
  if (!span.contains("attributes")) return nullptr;
  for (const json& kv : span["attributes"]) {
    if (kv["key"] == key) return &kv["value"];
  }
  return nullptr;
}

tes::TelemetryOptions immediate() {
  tes::TelemetryOptions o;
  o.queue.schedule_delay_ms = 0;
  return o;
}

}  // namespace

TEST_CASE("a connection's spans: connect, stream, reconnect wait, and the next attempt linked to the previous") {
  World w(ConnectionOptions{}, 11);
  tes::Telemetry tel(immediate(), w.random);
  w.conn.attach_telemetry(&tel);
  w.conn.set_url("https://api.example.test/feed", "api.example.test");
  w.now = kT0;
  w.start();
  w.now = kT0 + 20;
  w.ok();
  w.now = kT0 + 30;
  w.feed("id: 7\ndata: a\n\n");
  w.now = kT0 + 90;
  w.feed("data: b\n\n");
  w.now = kT0 + 100;
  const Trace ended = w.end(CloseType::kNetwork);
  CHECK(std::find(ended.begin(), ended.end(), "telemetry-tick") != ended.end());
  w.at(kT0 + 100 + 5000);  // past any backoff: the second attempt starts
  w.close();
  REQUIRE(w.traces.size() == 2);

  tel.tick(kT0 + 6000);
  const TelemetryOut out = read(tel);
  REQUIRE(out.exports.size() == 1);
  CHECK_FALSE(out.exports[0].keepalive);
  const std::vector<json> spans = spans_of(out.exports[0].payload);
  REQUIRE(spans.size() == 4);  // connect 1, stream 1, the wait, connect 2 (closed while connecting)
  const json& connect1 = spans[0];
  CHECK(connect1["name"] == "sse connect");
  CHECK(connect1["kind"] == 3);
  CHECK(connect1["traceId"] == w.traces[0].trace_id);
  CHECK(connect1["spanId"] == w.traces[0].span_id);  // the parent id the server saw in traceparent
  CHECK_FALSE(connect1.contains("parentSpanId"));
  CHECK((*attr(connect1, "http.response.status_code"))["intValue"] == "200");
  CHECK((*attr(connect1, "url.full"))["stringValue"] == "https://api.example.test/feed");
  CHECK((*attr(connect1, "sse.last_event_id.sent"))["boolValue"] == false);
  CHECK(connect1["startTimeUnixNano"] == std::to_string(kT0) + "000000");
  CHECK(connect1["endTimeUnixNano"] == std::to_string(kT0 + 20) + "000000");

  const json& stream = spans[1];
  CHECK(stream["name"] == "sse stream");
  CHECK(stream["parentSpanId"] == w.traces[0].span_id);
  CHECK(stream["traceId"] == w.traces[0].trace_id);
  CHECK((*attr(stream, "sse.events"))["intValue"] == "2");
  CHECK((*attr(stream, "sse.largest_gap_ms"))["intValue"] == "60");
  CHECK((*attr(stream, "sse.close_type"))["stringValue"] == "network");
  CHECK((*attr(stream, "sse.last_event_id"))["stringValue"] == "7");
  CHECK(stream["status"]["code"] == 2);

  const json& wait = spans[2];
  CHECK(wait["name"] == "sse reconnect.wait");
  CHECK(wait["parentSpanId"] == w.traces[0].span_id);
  CHECK((*attr(wait, "sse.reconnect.reason"))["stringValue"] == "backoff");

  const json& connect2 = spans[3];
  CHECK(connect2["traceId"] == w.traces[1].trace_id);
  CHECK(connect2["links"][0]["traceId"] == w.traces[0].trace_id);
  CHECK(connect2["links"][0]["spanId"] == w.traces[0].span_id);
  CHECK((*attr(connect2, "sse.previous_trace_id"))["stringValue"] == w.traces[0].trace_id);
  CHECK((*attr(connect2, "sse.last_event_id.sent"))["boolValue"] == true);
  CHECK((*attr(connect2, "sse.close_type"))["stringValue"] == "app-close");
  CHECK_FALSE(connect2.contains("status"));  // closing is not an error
}

TEST_CASE("unsampled attempts and connections without telemetry record nothing") {
  World w(ConnectionOptions{}, 3);
  tes::TelemetryOptions o = immediate();
  tes::Telemetry tel(o, w.random);
  ConnectionOptions unsampled;
  unsampled.trace.sample_ratio = 0;
  World u(unsampled, 3);
  u.conn.attach_telemetry(&tel);
  u.start();
  u.ok();
  u.feed("data: x\n\n");
  u.close();
  tel.tick(kT0);
  CHECK(read(tel).exports.empty());
  CHECK(tel.stats().queued == 0);
}

TEST_CASE("export results: 2xx done, 503 retried after Retry-After, 400 dropped and reported") {
  tes::SplitMix64Random random(5);
  tes::Telemetry tel(immediate(), random);
  auto span = [&](const char* name) {
    return tes::Span(name, tes::SpanKind::kInternal, tes::new_trace_id(random, 1795000000),
                     tes::new_span_id(random), 1, tel.limits());
  };
  CHECK(tel.record(span("a"), kT0));
  tel.tick(kT0);
  TelemetryOut out = read(tel);
  REQUIRE(out.exports.size() == 1);
  const uint32_t job = out.exports[0].job;
  tel.result(kT0 + 50, job, tes::ExportOutcome::http(503, "2"));
  out = read(tel);
  REQUIRE(out.failures.size() == 1);
  CHECK(out.failures[0].status == 503);
  CHECK(out.failures[0].will_retry == 1);
  CHECK(out.timer >= 2000);
  CHECK(out.timer <= 2200);
  tel.tick(kT0 + 50 + out.timer);
  out = read(tel);
  REQUIRE(out.exports.size() == 1);
  CHECK(out.exports[0].job == job);  // the same batch, the same bytes
  tel.result(kT0 + 3000, job, tes::ExportOutcome::http(200));
  CHECK(read(tel).failures.empty());
  CHECK(tel.stats().exported == 1);

  tel.record(span("b"), kT0 + 4000);
  tel.tick(kT0 + 4000);
  const uint32_t job2 = read(tel).exports.at(0).job;
  tel.result(kT0 + 4100, job2, tes::ExportOutcome::http(400));
  out = read(tel);
  REQUIRE(out.failures.size() == 1);
  CHECK(out.failures[0].will_retry == 0);
  CHECK(tel.stats().dropped[static_cast<size_t>(tes::DropReason::kExportRejected)] == 1);
  tel.result(kT0 + 4200, job2, tes::ExportOutcome::http(200));  // late or repeated: ignored
  CHECK(read(tel).failures.empty());
  CHECK(tel.stats().exported == 1);
}

TEST_CASE("page hide: queued spans and an in-progress stream go out as keepalive payloads, the stream only once") {
  World w(ConnectionOptions{}, 21);
  tes::TelemetryOptions o;  // default 5 s batching delay: nothing is due yet
  tes::Telemetry tel(o, w.random);
  w.conn.attach_telemetry(&tel);
  w.now = kT0;
  w.start();
  w.ok();
  w.feed("data: a\n\n");
  tel.flush(kT0 + 100);
  TelemetryOut out = read(tel);
  REQUIRE(out.exports.size() == 1);
  CHECK(out.exports[0].keepalive);
  CHECK(out.exports[0].job == 0);
  const std::vector<json> spans = spans_of(out.exports[0].payload);
  REQUIRE(spans.size() == 2);
  bool saw_in_progress = false;
  for (const json& s : spans) {
    if (s["name"] == "sse stream") {
      saw_in_progress = true;
      CHECK((*attr(s, "sse.in_progress"))["boolValue"] == true);
      CHECK(s["endTimeUnixNano"] == std::to_string(kT0 + 100) + "000000");
    }
  }
  CHECK(saw_in_progress);
  // The stream ends later: it was exported as a snapshot and is not queued again.
  w.now = kT0 + 200;
  w.end(CloseType::kGraceful);
  tel.flush(kT0 + 300);
  out = read(tel);
  CHECK(out.exports.empty());
  w.close();
}

TEST_CASE("a full queue drops new spans and counts them") {
  tes::SplitMix64Random random(9);
  tes::TelemetryOptions o;
  o.queue.max_queue_size = 2;
  tes::Telemetry tel(o, random);
  for (int i = 0; i < 5; ++i) {
    tel.record(tes::Span("s", tes::SpanKind::kInternal, tes::new_trace_id(random, 1), tes::new_span_id(random), 1,
                         tel.limits()),
               kT0);
  }
  const tes::SpanStats s = tel.stats();
  CHECK(s.queued == 2);
  CHECK(s.dropped[static_cast<size_t>(tes::DropReason::kQueueFull)] == 3);
}

TEST_CASE("a telemetry destroyed before its connections detaches them — they go on without recording") {
  World w(ConnectionOptions{}, 4);
  {
    tes::Telemetry tel(immediate(), w.random);
    w.conn.attach_telemetry(&tel);
    w.start();
    w.ok();
  }
  CHECK(w.feed("data: x\n\n") == Trace{"message message x"});
  CHECK(w.close() == Trace{"abort", "ready 2", "diag closed 6 0 1 0 app"});
}

TEST_CASE("per-event spans: off by default, every event at ratio 1, about the ratio in between") {
  auto count_event_spans = [](double ratio, int events) {
    World w(ConnectionOptions{}, 8);
    tes::Telemetry tel(immediate(), w.random);
    w.conn.attach_telemetry(&tel, ratio);
    w.start();
    w.ok();
    for (int i = 0; i < events; ++i) w.feed("event: tick\ndata: 12345\n\n");
    w.close();
    tel.tick(kT0);
    int n = 0;
    for (const Export& e : read(tel).exports) {
      for (const json& s : spans_of(e.payload)) {
        if (s["name"] != "sse event") continue;
        ++n;
        CHECK(s["kind"] == 5);
        CHECK((*attr(s, "sse.event.type"))["stringValue"] == "tick");
        CHECK((*attr(s, "sse.event.data_bytes"))["intValue"] == "5");
      }
    }
    return n;
  };
  CHECK(count_event_spans(0, 20) == 0);
  CHECK(count_event_spans(1, 20) == 20);
  const int some = count_event_spans(0.25, 400);
  CHECK(some > 60);
  CHECK(some < 140);
}

TEST_CASE("payload(job): the bytes of a job in flight, for a sender inside the core; none while it waits or after") {
  tes::SplitMix64Random random(9);
  tes::Telemetry tel(immediate(), random);
  tel.record(tes::Span("a", tes::SpanKind::kInternal, tes::new_trace_id(random, 1795000000), tes::new_span_id(random),
                       1, tel.limits()),
             kT0);
  tel.tick(kT0);
  const Export sent = read(tel).exports.at(0);
  REQUIRE(tel.payload(sent.job) != nullptr);
  CHECK(*tel.payload(sent.job) == sent.payload);
  CHECK(tel.payload(sent.job + 1) == nullptr);
  CHECK(tel.payload(0) == nullptr);  // page-hide payloads are never held

  tel.result(kT0 + 10, sent.job, tes::ExportOutcome::http(503, "1"));
  (void)read(tel);
  CHECK(tel.payload(sent.job) == nullptr);  // waiting for its retry: not sendable now
  tel.tick(kT0 + 2000);
  const Export resent = read(tel).exports.at(0);
  CHECK(resent.job == sent.job);
  REQUIRE(tel.payload(sent.job) != nullptr);
  CHECK(*tel.payload(sent.job) == sent.payload);  // the same bytes again
  tel.result(kT0 + 2010, sent.job, tes::ExportOutcome::http(200));
  CHECK(tel.payload(sent.job) == nullptr);
}

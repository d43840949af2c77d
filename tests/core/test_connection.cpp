// The connection state machine in a simulated world: inputs with a fake clock, assertions on the commands out
// (never on private fields). Commands are rendered as short strings so a scenario reads like a trace.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "connection.h"
#include "random_source.h"
#include "response_check.h"

#include "connection_world.h"

using namespace world;  // NOLINT: the test vocabulary

TEST_CASE("first attempt: connect, open, events with their ids, in stream order") {
  World w;
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
  CHECK(w.start() == Trace{"connect 1 id="});
  CHECK(w.ok() == Trace{"ready 1", "diag open - 200 1 0", "open"});
  CHECK(w.feed("id: 7\ndata: a\n\nevent: tick\ndata: b\n\n") ==
        Trace{"last-id 7", "message message a", "message tick b"});
  CHECK(w.conn.last_event_id() == "7");
}

TEST_CASE("strict: graceful end reconnects after the retry time with Last-Event-ID, readyState CONNECTING then error") {
  World w(strict());
  w.start();
  w.ok();
  w.feed("retry: 250\nid: 42\ndata: x\n\ndata: unterminated");
  w.now = 1000;
  CHECK(w.end(CloseType::kGraceful) ==
        Trace{"ready 0", "diag reconnect 0 200 1 250 retry", "timer 250", "error"});
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
  CHECK(w.at(1249) == Trace{"timer 1"});  // early wake-up: sleep for the rest
  CHECK(w.at(1250) == Trace{"connect 2 id=42"});
  // The unterminated event of the first stream is gone; the new stream starts clean.
  w.ok();
  CHECK(w.feed("data: y\n\n") == Trace{"message message y"});
  CHECK(w.conn.closes(CloseType::kGraceful) == 1);
}

TEST_CASE("strict: a network error reconnects after the default retry time") {
  World w(strict(3000, 1024));
  w.start();
  w.now = 5;
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 0", "diag reconnect 1 0 1 3000 retry", "timer 3000", "error"});
  CHECK(w.at(3004).size() == 1);  // still waiting
  CHECK(w.at(3005) == Trace{"connect 2 id="});
}

TEST_CASE("response checks fail the connection for good: status, content type, charset") {
  struct Case { int status; const char* type; uint32_t close_type; bool strict_only; };
  const Case cases[] = {
      {204, "text/event-stream", 2, false}, {500, "text/event-stream", 2, false},
      {301, "text/event-stream", 2, false}, {503, "text/event-stream", 2, true},
      {429, "text/plain", 2, true},         {200, "text/plain", 3, false},
      {200, "", 3, false},                  {200, "text/event-stream; charset=latin1", 3, false},
  };
  for (const Case& c : cases) for (bool is_strict : {true, false}) {
    if (c.strict_only && !is_strict) continue;
    CAPTURE(c.status, c.type, is_strict);
    World w(is_strict ? strict() : ConnectionOptions{});
    w.start();
    CHECK(w.respond(c.status, c.type) ==
          Trace{"abort", "ready 2", "diag closed " + std::to_string(c.close_type) + " " + std::to_string(c.status) +
                                         " 1 0 fatal",
                "error"});
    CHECK(w.conn.ready_state() == ReadyState::kClosed);
    CHECK(w.at(100000).empty());  // nothing ever again
    CHECK(w.feed("data: x\n\n").empty());
  }
}

TEST_CASE("content type check follows MIME parsing: case, whitespace, parameters, quoted charset") {
  using tes::is_event_stream_type;
  CHECK(is_event_stream_type("text/event-stream"));
  CHECK(is_event_stream_type("Text/Event-Stream"));
  CHECK(is_event_stream_type("  text/event-stream  "));
  CHECK(is_event_stream_type("text/event-stream;charset=utf-8"));
  CHECK(is_event_stream_type("text/event-stream; charset=UTF-8"));
  CHECK(is_event_stream_type("text/event-stream; charset=\"utf-8\""));
  CHECK(is_event_stream_type("text/event-stream; foo=bar"));
  CHECK(is_event_stream_type("text/event-stream; charset=utf-8; charset=latin1"));  // first charset wins
  CHECK_FALSE(is_event_stream_type("text/event-stream; charset=utf8"));
  CHECK_FALSE(is_event_stream_type("text/event-stream; charset=iso-8859-1"));
  CHECK_FALSE(is_event_stream_type("text/event-streams"));
  CHECK_FALSE(is_event_stream_type("text/plain"));
  CHECK_FALSE(is_event_stream_type("event-stream"));
  CHECK_FALSE(is_event_stream_type(""));
}

TEST_CASE("a CORS rejection closes like a failed response — the app close type is never a reconnect") {
  World w;
  w.start();
  CHECK(w.end(CloseType::kCors) == Trace{"ready 2", "diag closed 4 0 1 0 fatal", "error"});
  World v;
  v.start();
  v.ok();
  CHECK(v.end(CloseType::kAppClose) == Trace{"abort", "ready 2", "diag closed 6 0 1 0 app"});
}

TEST_CASE("close() aborts the request or cancels the timer, is idempotent, and dispatches nothing") {
  SECTION("while connecting") {
    World w;
    w.start();
    CHECK(w.close() == Trace{"abort", "ready 2", "diag closed 6 0 1 0 app"});
    CHECK(w.close().empty());
    CHECK(w.conn.close(0) == InputResult::kIgnored);
  }
  SECTION("while open") {
    World w;
    w.start();
    w.ok();
    CHECK(w.close() == Trace{"abort", "ready 2", "diag closed 6 0 1 0 app"});
    CHECK(w.feed("data: late\n\n").empty());
    CHECK(w.end(CloseType::kGraceful).empty());
  }
  SECTION("while waiting to reconnect") {
    World w;
    w.start();
    w.end(CloseType::kNetwork);
    CHECK(w.close() == Trace{"cancel-timer", "ready 2", "diag closed 6 0 1 0 app"});
    CHECK(w.at(1'000'000).empty());
  }
  SECTION("before start") {
    World w;
    CHECK(w.close() == Trace{"ready 2", "diag closed 6 0 0 0 app"});
    CHECK(w.start().empty());
  }
}

TEST_CASE("inputs that do not fit the state are ignored without commands") {
  World w;
  tes::ResponseHead ok_head;
  ok_head.status = 200;
  ok_head.content_type = "text/event-stream";
  CHECK(w.conn.response(0, ok_head) == InputResult::kIgnored);
  CHECK(w.conn.commands().words().empty());
  CHECK(w.conn.timer(0) == InputResult::kIgnored);
  w.start();
  CHECK(w.conn.start(0) == InputResult::kIgnored);
  CHECK(w.feed("data: before open\n\n").empty());  // bytes before the response head
  w.ok();
  CHECK(w.conn.response(0, ok_head) == InputResult::kIgnored);
  CHECK(w.conn.timer(0) == InputResult::kIgnored);
}

TEST_CASE("the stream cap turns a hostile stream into a reconnect, after the events that fit") {
  World w(strict(100, 16));
  w.start();
  w.ok();
  CHECK(w.feed("data: ok\n\ndata: 0123456789abcdefXYZ") ==
        Trace{"message message ok", "abort", "ready 0", "diag reconnect 5 200 1 100 retry", "timer 100", "error"});
  CHECK(w.conn.closes(CloseType::kStreamCap) == 1);
  CHECK(w.at(100) == Trace{"connect 2 id="});
  w.ok();
  CHECK(w.feed("data: fine\n\n") == Trace{"message message fine"});  // the cap is per stream, not sticky
}

TEST_CASE("the last event id survives reconnects and an id-only block still moves it") {
  World w(strict(10, 1024));
  w.start();
  w.ok();
  CHECK(w.feed("id: 1\ndata: a\n\nid: 2\n\n") == Trace{"last-id 1", "message message a", "last-id 2"});
  w.end(CloseType::kGraceful);
  CHECK(w.at(10) == Trace{"connect 2 id=2"});
  w.ok();
  // No id on the new stream: events keep the old one, and so does the next Last-Event-ID.
  CHECK(w.feed("data: b\n\n") == Trace{"message message b"});
  w.end(CloseType::kNetwork);
  CHECK(w.at(20) == Trace{"connect 3 id=2"});
  w.ok();
  CHECK(w.feed("id\ndata: c\n\n") == Trace{"last-id ", "message message c"});  // empty id resets
  w.end(CloseType::kGraceful);
  CHECK(w.at(30) == Trace{"connect 4 id="});
}

TEST_CASE("retry: changes the reconnection time for later reconnects — bogus values are ignored") {
  World w(strict(3000, 1024));
  w.start();
  w.ok();
  w.feed("retry: 12a\nretry: 75\nretry: -1\n");
  CHECK(w.conn.retry_ms() == 75);
  w.feed("retry:\n");
  CHECK(w.conn.retry_ms() == 3000);  // an empty value restores the configured default, as Chromium does
  w.feed("retry: 75\n");
  CHECK(w.end(CloseType::kGraceful)[3] == "error");
  CHECK(w.at(74) == Trace{"timer 1"});
  CHECK(w.at(75) == Trace{"connect 2 id="});
}

TEST_CASE("huge retry values wait in pieces and never overflow the deadline") {
  World w(strict(0, 1024));
  w.start();
  w.ok();
  w.feed("retry: 100000000000\n");  // ~3 years
  w.end(CloseType::kGraceful);
  CHECK(w.at(0x7fffffff) == Trace{"timer " + std::to_string(100000000000ull - 0x7fffffffull)});
  CHECK(w.at(100000000000) == Trace{"connect 2 id="});
}

TEST_CASE("attempts and close types are counted") {
  World w(strict(0, 1024));
  w.start();
  w.end(CloseType::kNetwork);
  w.at(0);
  w.ok();
  w.end(CloseType::kGraceful);
  w.at(0);
  w.respond(503, "text/plain");
  CHECK(w.conn.attempt() == 3);
  CHECK(w.conn.closes(CloseType::kNetwork) == 1);
  CHECK(w.conn.closes(CloseType::kGraceful) == 1);
  CHECK(w.conn.closes(CloseType::kHttpStatus) == 1);
  CHECK(w.conn.ready_state() == ReadyState::kClosed);
}

TEST_CASE("a stream that ran into the cap gives its buffers back on the next stream") {
  tes::SseParser parser(1 << 20);
  world::DiscardSink sink;
  const std::string big((1 << 20) - 1, 'a');
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(big.data()), big.size(), sink) == tes::ParseStatus::kOk);
  CHECK(parser.buffered_bytes() == big.size());
  parser.reset_stream();
  CHECK(parser.buffered_bytes() == 0);
  CHECK(parser.capacity_bytes() <= 64 * 1024);
}

// ---- trace context per attempt (REQUIREMENTS B1–B8) ----

namespace {
constexpr tes::Millis kNov2026 = 1'795'000'000'000;  // a wall clock in 2026, in ms

std::string hex8_of_seconds(tes::Millis unix_ms) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(unix_ms / 1000));
  return buf;
}
}  // namespace

TEST_CASE("every attempt is a new trace: epoch-prefixed id, one id in both headers, linked to the previous") {
  World w(strict(10, 1024));
  w.now = kNov2026;
  w.start();
  w.ok();
  w.feed("id: 5\ndata: a\n\n");
  w.end(CloseType::kGraceful);
  CHECK(w.at(kNov2026 + 10) == Trace{"connect 2 id=5"});
  REQUIRE(w.traces.size() == 2);
  for (const TraceRecord& t : w.traces) {
    CAPTURE(t.traceparent, t.xray);
    CHECK(t.sampled);
    CHECK(t.trace_id.substr(0, 8) == hex8_of_seconds(w.now));  // 4 bytes of Unix seconds
    CHECK(t.traceparent == "00-" + t.trace_id + "-" + t.span_id + "-03");  // sampled + random
    CHECK(t.xray == "Root=1-" + t.trace_id.substr(0, 8) + "-" + t.trace_id.substr(8) + ";Parent=" + t.span_id +
                        ";Sampled=1");
    CHECK(t.tracestate.empty());
    CHECK(t.baggage.empty());
    CHECK(t.session_id == w.conn.session_id());
    CHECK(t.session_id.size() == 32);
  }
  CHECK_FALSE(w.traces[0].has_previous);
  CHECK(w.traces[1].has_previous);
  CHECK(w.traces[1].previous == w.traces[0].trace_id);
  CHECK(w.traces[1].trace_id != w.traces[0].trace_id);
  CHECK(w.traces[1].span_id != w.traces[0].span_id);
}

TEST_CASE("two connections never share a trace or a session") {
  tes::SplitMix64Random random(7);
  Connection a(ConnectionOptions{}, random);
  Connection b(ConnectionOptions{}, random);
  std::vector<TraceRecord> ta, tb;
  a.start(kNov2026);
  render(a.commands(), &ta);
  b.start(kNov2026);
  render(b.commands(), &tb);
  REQUIRE(ta.size() == 1);
  REQUIRE(tb.size() == 1);
  CHECK(ta[0].trace_id != tb[0].trace_id);
  CHECK(ta[0].session_id != tb[0].session_id);
}

TEST_CASE("propagators and the unsampled mode choose which headers are formatted") {
  SECTION("w3c only") {
    ConnectionOptions o;
    o.trace.xray = false;
    World w(o);
    w.start();
    CHECK_FALSE(w.traces.at(0).traceparent.empty());
    CHECK(w.traces.at(0).xray.empty());
  }
  SECTION("xray only") {
    ConnectionOptions o;
    o.trace.w3c = false;
    World w(o);
    w.start();
    CHECK(w.traces.at(0).traceparent.empty());
    CHECK_FALSE(w.traces.at(0).xray.empty());
  }
  SECTION("ratio 0 propagates the decision: flags 02, Sampled=0") {
    ConnectionOptions o;
    o.trace.sample_ratio = 0;
    World w(o);
    w.start();
    const TraceRecord& t = w.traces.at(0);
    CHECK_FALSE(t.sampled);
    CHECK(t.traceparent.substr(53) == "02");
    CHECK(t.xray.substr(t.xray.size() - 9) == "Sampled=0");
  }
  SECTION("ratio 0 with omit sends nothing, but the attempt still has ids") {
    ConnectionOptions o;
    o.trace.sample_ratio = 0;
    o.trace.omit_unsampled = true;
    World w(o);
    w.start();
    const TraceRecord& t = w.traces.at(0);
    CHECK(t.traceparent.empty());
    CHECK(t.xray.empty());
    CHECK(t.trace_id.size() == 32);
  }
}

TEST_CASE("an app parent: the first attempt continues it, later ones are new traces with its sampling") {
  World w(strict(0, 1024));
  w.now = kNov2026;
  const std::string parent_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  tes::TracerInput input;
  const std::string parent = "00-" + parent_trace + "-00f067aa0ba902b7-00";
  input.parent = parent;
  w.conn.configure_trace(input);
  CHECK(w.out().empty());  // no warnings
  w.start();
  w.end(CloseType::kNetwork);
  w.at(kNov2026);
  REQUIRE(w.traces.size() == 2);
  CHECK(w.traces[0].trace_id == parent_trace);
  CHECK(w.traces[0].traceparent == "00-" + parent_trace + "-" + w.traces[0].span_id + "-00");
  CHECK_FALSE(w.traces[0].sampled);
  CHECK(w.traces[1].trace_id != parent_trace);
  CHECK_FALSE(w.traces[1].sampled);  // parent-based
  CHECK(w.traces[1].previous == parent_trace);
}

TEST_CASE("an X-Ray parent is accepted — an invalid parent is ignored with a warning and a new root") {
  SECTION("X-Ray") {
    World w;
    tes::TracerInput input;
    input.parent = "Self=1-abc;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Lineage=x:1";
    w.conn.configure_trace(input);
    CHECK(w.out().empty());
    w.start();
    CHECK(w.traces.at(0).trace_id == "5759e988bd862e3fe1be46a994272793");
    CHECK(w.traces.at(0).sampled);
  }
  SECTION("upper-case traceparent") {
    World w;
    tes::TracerInput input;
    input.parent = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01";
    w.conn.configure_trace(input);
    CHECK(w.out() == Trace{"warning parent ignored: not a valid traceparent (upper-case hex); a new root trace is used"});
    w.start();
    CHECK(w.traces.at(0).trace_id != "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(w.traces.at(0).sampled);
  }
}

TEST_CASE("tracestate and baggage from the app: validated, first member leftmost, values percent-encoded") {
  World w;
  tes::TracerInput input;
  input.tracestate = {"vendor", "x", "other@sys", "y", "Bad Key", "z"};
  input.baggage = {"user", "a b", "region", "eu,west"};
  w.conn.configure_trace(input);
  CHECK(w.out() == Trace{"warning tracestate member dropped: 'Bad Key' is not a valid key=value per W3C Trace Context"});
  w.start();
  CHECK(w.traces.at(0).tracestate == "vendor=x,other@sys=y");
  CHECK(w.traces.at(0).baggage == "user=a%20b,region=eu%2Cwest");
}

TEST_CASE("response trace ids are read from X-Amzn-Trace-Id, traceresponse and server-timing") {
  World w;
  w.start();
  tes::ResponseHead head;
  head.status = 200;
  head.content_type = "text/event-stream";
  head.xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  head.traceresponse = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  head.server_timing = "cache;dur=2, trace;desc=\"00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"";
  w.conn.response(0, head);
  w.out();
  REQUIRE(w.responses.size() == 1);
  CHECK(w.responses[0].xray == "1-5759e988-bd862e3fe1be46a994272793");
  CHECK(w.responses[0].traceresponse == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  CHECK(w.responses[0].server_timing == "00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  CHECK(tes::read_response_trace("garbage", "00-XYZ", "trace;desc=nope").any() == false);
}

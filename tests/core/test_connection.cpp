// The connection state machine in a simulated world: inputs with a fake clock, assertions on the commands out
// (never on private fields). Commands are rendered as short strings so a scenario reads like a trace.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "connection.h"
#include "response_check.h"

namespace {

using tes::CloseType;
using tes::CommandTag;
using tes::Connection;
using tes::ConnectionOptions;
using tes::InputResult;
using tes::ReadyState;

std::string str_at(const tes::CommandBuffer& c, size_t i) {
  return c.strings().substr(c.words()[i], c.words()[i + 1]);
}

uint64_t u64_at(const tes::CommandBuffer& c, size_t i) {
  return c.words()[i] | (static_cast<uint64_t>(c.words()[i + 1]) << 32);
}

// Renders every command; diagnostics as "diag <kind> <close type> <status> <attempt> <delay>".
std::vector<std::string> render(const tes::CommandBuffer& c) {
  static const char* kKinds[] = {"open", "reconnect", "closed"};
  std::vector<std::string> out;
  const auto& w = c.words();
  for (size_t i = 0; i < w.size();) {
    switch (static_cast<CommandTag>(w[i])) {
      case CommandTag::kConnect:
        out.push_back("connect " + std::to_string(w[i + 1]) + " id=" + str_at(c, i + 2));
        i += 4;
        break;
      case CommandTag::kAbort: out.push_back("abort"); i += 1; break;
      case CommandTag::kReadyState: out.push_back("ready " + std::to_string(w[i + 1])); i += 2; break;
      case CommandTag::kOpen: out.push_back("open"); i += 1; break;
      case CommandTag::kMessage: {
        std::string type = str_at(c, i + 1);
        out.push_back("message " + (type.empty() ? std::string("message") : type) + " " + str_at(c, i + 3));
        i += 5;
        break;
      }
      case CommandTag::kLastEventId: out.push_back("last-id " + str_at(c, i + 1)); i += 3; break;
      case CommandTag::kError: out.push_back("error"); i += 1; break;
      case CommandTag::kSetTimer: out.push_back("timer " + std::to_string(u64_at(c, i + 1))); i += 3; break;
      case CommandTag::kCancelTimer: out.push_back("cancel-timer"); i += 1; break;
      case CommandTag::kDiagnostic: {
        std::string close_type = w[i + 2] == tes::kNoCloseType ? "-" : std::to_string(w[i + 2]);
        out.push_back(std::string("diag ") + kKinds[w[i + 1]] + " " + close_type + " " + std::to_string(w[i + 3]) +
                      " " + std::to_string(w[i + 4]) + " " + std::to_string(u64_at(c, i + 5)));
        i += 7;
        break;
      }
      default:
        FAIL("unknown command tag " << w[i]);
        return out;
    }
  }
  return out;
}

using Trace = std::vector<std::string>;

struct World {
  explicit World(ConnectionOptions options = {}) : conn(options) {}
  Connection conn;
  tes::Millis now = 0;

  Trace feed(const std::string& s) {
    conn.bytes(now, reinterpret_cast<const uint8_t*>(s.data()), s.size());
    return render(conn.commands());
  }
  Trace start() { conn.start(now); return render(conn.commands()); }
  Trace ok() { conn.response(now, 200, "text/event-stream"); return render(conn.commands()); }
  Trace respond(int status, const char* type) { conn.response(now, status, type); return render(conn.commands()); }
  Trace end(CloseType t) { conn.end(now, t); return render(conn.commands()); }
  Trace at(tes::Millis t) { now = t; conn.timer(now); return render(conn.commands()); }
  Trace close() { conn.close(now); return render(conn.commands()); }
};

}  // namespace

TEST_CASE("first attempt: connect, open, events with their ids, in stream order") {
  World w;
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
  CHECK(w.start() == Trace{"connect 1 id="});
  CHECK(w.ok() == Trace{"ready 1", "diag open - 200 1 0", "open"});
  CHECK(w.feed("id: 7\ndata: a\n\nevent: tick\ndata: b\n\n") ==
        Trace{"last-id 7", "message message a", "message tick b"});
  CHECK(w.conn.last_event_id() == "7");
}

TEST_CASE("graceful end reconnects after the retry time with Last-Event-ID, readyState CONNECTING then error") {
  World w;
  w.start();
  w.ok();
  w.feed("retry: 250\nid: 42\ndata: x\n\ndata: unterminated");
  w.now = 1000;
  CHECK(w.end(CloseType::kGraceful) ==
        Trace{"ready 0", "diag reconnect 0 0 1 250", "timer 250", "error"});
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
  CHECK(w.at(1249) == Trace{"timer 1"});  // early wake-up: sleep for the rest
  CHECK(w.at(1250) == Trace{"connect 2 id=42"});
  // The unterminated event of the first stream is gone; the new stream starts clean.
  w.ok();
  CHECK(w.feed("data: y\n\n") == Trace{"message message y"});
  CHECK(w.conn.closes(CloseType::kGraceful) == 1);
}

TEST_CASE("a network error reconnects after the default retry time") {
  World w(ConnectionOptions{3000, 1024});
  w.start();
  w.now = 5;
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 0", "diag reconnect 1 0 1 3000", "timer 3000", "error"});
  CHECK(w.at(3004).size() == 1);  // still waiting
  CHECK(w.at(3005) == Trace{"connect 2 id="});
}

TEST_CASE("response checks fail the connection for good: status, content type, charset") {
  struct Case { int status; const char* type; uint32_t close_type; };
  const Case cases[] = {
      {204, "text/event-stream", 2}, {500, "text/event-stream", 2}, {301, "text/event-stream", 2},
      {200, "text/plain", 3},        {200, "", 3},                   {200, "text/event-stream; charset=latin1", 3},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status, c.type);
    World w;
    w.start();
    CHECK(w.respond(c.status, c.type) ==
          Trace{"abort", "ready 2", "diag closed " + std::to_string(c.close_type) + " " + std::to_string(c.status) +
                                         " 1 0",
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

TEST_CASE("a CORS rejection closes like a failed response; the app close type is never a reconnect") {
  World w;
  w.start();
  CHECK(w.end(CloseType::kCors) == Trace{"ready 2", "diag closed 4 0 1 0", "error"});
  World v;
  v.start();
  v.ok();
  CHECK(v.end(CloseType::kAppClose) == Trace{"abort", "ready 2", "diag closed 6 0 1 0"});
}

TEST_CASE("close() aborts the request or cancels the timer, is idempotent, and dispatches nothing") {
  SECTION("while connecting") {
    World w;
    w.start();
    CHECK(w.close() == Trace{"abort", "ready 2", "diag closed 6 0 1 0"});
    CHECK(w.close().empty());
    CHECK(w.conn.close(0) == InputResult::kIgnored);
  }
  SECTION("while open") {
    World w;
    w.start();
    w.ok();
    CHECK(w.close() == Trace{"abort", "ready 2", "diag closed 6 0 1 0"});
    CHECK(w.feed("data: late\n\n").empty());
    CHECK(w.end(CloseType::kGraceful).empty());
  }
  SECTION("while waiting to reconnect") {
    World w;
    w.start();
    w.end(CloseType::kNetwork);
    CHECK(w.close() == Trace{"cancel-timer", "ready 2", "diag closed 6 0 1 0"});
    CHECK(w.at(1'000'000).empty());
  }
  SECTION("before start") {
    World w;
    CHECK(w.close() == Trace{"ready 2", "diag closed 6 0 0 0"});
    CHECK(w.start().empty());
  }
}

TEST_CASE("inputs that do not fit the state are ignored without commands") {
  World w;
  CHECK(w.conn.response(0, 200, "text/event-stream") == InputResult::kIgnored);
  CHECK(w.conn.commands().words().empty());
  CHECK(w.conn.timer(0) == InputResult::kIgnored);
  w.start();
  CHECK(w.conn.start(0) == InputResult::kIgnored);
  CHECK(w.feed("data: before open\n\n").empty());  // bytes before the response head
  w.ok();
  CHECK(w.conn.response(0, 200, "text/event-stream") == InputResult::kIgnored);
  CHECK(w.conn.timer(0) == InputResult::kIgnored);
}

TEST_CASE("the stream cap turns a hostile stream into a reconnect, after the events that fit") {
  World w(ConnectionOptions{100, 16});
  w.start();
  w.ok();
  CHECK(w.feed("data: ok\n\ndata: 0123456789abcdefXYZ") ==
        Trace{"message message ok", "abort", "ready 0", "diag reconnect 5 200 1 100", "timer 100", "error"});
  CHECK(w.conn.closes(CloseType::kStreamCap) == 1);
  CHECK(w.at(100) == Trace{"connect 2 id="});
  w.ok();
  CHECK(w.feed("data: fine\n\n") == Trace{"message message fine"});  // the cap is per stream, not sticky
}

TEST_CASE("the last event id survives reconnects and an id-only block still moves it") {
  World w(ConnectionOptions{10, 1024});
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

TEST_CASE("retry: changes the reconnection time for later reconnects; bogus values are ignored") {
  World w(ConnectionOptions{3000, 1024});
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
  World w(ConnectionOptions{0, 1024});
  w.start();
  w.ok();
  w.feed("retry: 100000000000\n");  // ~3 years
  w.end(CloseType::kGraceful);
  CHECK(w.at(0x7fffffff) == Trace{"timer " + std::to_string(100000000000ull - 0x7fffffffull)});
  CHECK(w.at(100000000000) == Trace{"connect 2 id="});
}

TEST_CASE("attempts and close types are counted") {
  World w(ConnectionOptions{0, 1024});
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
  struct Null : tes::SseSink {
    void on_event(std::string_view, std::string_view) override {}
    void on_last_event_id(std::string_view) override {}
    void on_retry(uint64_t) override {}
    void on_retry_default() override {}
  } sink;
  const std::string big((1 << 20) - 1, 'a');
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(big.data()), big.size(), sink) == tes::ParseStatus::kOk);
  CHECK(parser.buffered_bytes() == big.size());
  parser.reset_stream();
  CHECK(parser.buffered_bytes() == 0);
  CHECK(parser.capacity_bytes() <= 64 * 1024);
}

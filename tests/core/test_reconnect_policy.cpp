// The reconnect policy by close type (REQUIREMENTS C1–C7), through the state machine on a fake clock with
// seeded randomness: jitter bounds over many seeds, the backoff cap and its reset rule, Retry-After in both
// forms, 204 and the status list, max retries, the idle timeout, offline/online, and strict mode.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "connection_world.h"
#include "reconnect_policy.h"

using namespace world;  // NOLINT: the test vocabulary

namespace {

// The delay of the "diag reconnect …" line of a trace (its 6th word), or -1.
long long delay_of(const Trace& t) {
  for (const std::string& line : t) {
    if (line.rfind("diag reconnect", 0) != 0) continue;
    size_t pos = 0;
    for (int word = 0; word < 5; ++word) pos = line.find(' ', pos) + 1;
    return std::atoll(line.c_str() + pos);
  }
  return -1;
}

bool contains(const Trace& t, const std::string& line) {
  for (const std::string& l : t) if (l == line) return true;
  return false;
}

bool has_prefix(const Trace& t, const std::string& prefix) {
  for (const std::string& l : t) if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

ConnectionOptions options(uint64_t retry_ms = 1000) {
  ConnectionOptions o;
  o.retry_ms = retry_ms;
  return o;
}

// Fails the attempt in flight with a network error and moves the clock to the end of the wait.
long long fail_and_wait(World& w, CloseType type = CloseType::kNetwork) {
  const Trace t = w.end(type);
  const long long delay = delay_of(t);
  w.at(w.now + delay);
  return delay;
}

}  // namespace

TEST_CASE("graceful end: the reconnection time plus at most 10 % jitter, never less") {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    World w(options(1000), seed);
    w.start();
    w.ok();
    w.feed("retry: 250\ndata: x\n\n");
    const Trace t = w.end(CloseType::kGraceful);
    CAPTURE(seed, t);
    const long long d = delay_of(t);
    CHECK(d >= 250);
    CHECK(d <= 275);
    CHECK(has_prefix(t, "diag reconnect 0 200 1 "));
    CHECK(t.back() == "error");
    CHECK(t.front() == "ready 0");
  }
}

TEST_CASE("network error: each wait in [80 %, 100 %] of a nominal that doubles up to the cap") {
  bool saw_spread = false;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    ConnectionOptions o = options(1000);
    o.reconnect.max_retry_delay_ms = 30000;
    World w(o, seed);
    w.start();
    long long previous = 0;
    uint64_t nominal = 1000;
    for (int failure = 1; failure <= 10; ++failure) {
      const long long d = fail_and_wait(w);
      CAPTURE(seed, failure, nominal, d);
      CHECK(d >= static_cast<long long>(nominal * 4 / 5));
      CHECK(d <= static_cast<long long>(nominal));
      CHECK(d <= 30000);  // never past the cap
      if (nominal < 30000) CHECK(d > previous);  // one client's waits grow until the cap
      if (d != static_cast<long long>(nominal)) saw_spread = true;
      previous = d;
      nominal = nominal * 2 > 30000 ? 30000 : nominal * 2;
    }
  }
  CHECK(saw_spread);  // the jitter is real
}

TEST_CASE("idle timeout and the stream cap back off like a network error") {
  ConnectionOptions o = options(1000);
  o.idle_timeout_ms = 500;
  o.max_event_bytes = 8;
  World w(o, 3);
  w.start();
  w.ok();
  const Trace cap = w.feed("data: 0123456789\n");
  CHECK(has_prefix(cap, "diag reconnect 5 200 1 "));
  CHECK(delay_of(cap) >= 800);
  CHECK(contains(cap, "abort"));
  w.at(w.now + delay_of(cap));
  const Trace idle = w.at(w.now + 500);
  CHECK(has_prefix(idle, "diag reconnect 7 0 2 "));
  CHECK(delay_of(idle) >= 1600);  // second consecutive failure: nominal 2000
  CHECK(delay_of(idle) <= 2000);
}

TEST_CASE("backoff resets only after a connection delivered an event") {
  World w(options(1000), 5);
  w.start();
  fail_and_wait(w);
  fail_and_wait(w);  // nominal 2000
  // Opens but delivers nothing (a server that accepts and drops): no reset.
  w.ok();
  w.feed(": heartbeat\nid: 3\n\n");  // a comment and an id-only block are not events
  CHECK(delay_of(w.end(CloseType::kNetwork)) >= 3200);  // nominal 4000
  w.at(w.now + 4000);
  w.ok();
  w.feed("data: real\n\n");
  const long long after_event = delay_of(w.end(CloseType::kNetwork));
  CHECK(after_event >= 800);
  CHECK(after_event <= 1000);
}

TEST_CASE("a server's retry: 0 never makes failures a hot loop") {
  World w(options(0), 9);
  w.start();
  w.ok();
  w.feed("retry: 0\ndata: x\n\n");
  CHECK(delay_of(w.end(CloseType::kGraceful)) == 0);  // a graceful end honours it, as browsers do
  w.at(w.now);
  const long long d = delay_of(w.end(CloseType::kNetwork));
  CHECK(d >= 80);
  CHECK(d <= 100);
}

TEST_CASE("Retry-After on a retryable status: seconds or an HTTP date, plus at most 10 %, bounded") {
  struct Case { int status; const char* retry_after; long long min, max; const char* reason; };
  const Case cases[] = {
      {503, "1", 1000, 1100, "retry-after"},
      {429, "  120 ", 120000, 132000, "retry-after"},
      {503, "0", 0, 0, "retry-after"},
      {502, "Wed, 18 Nov 2026 00:00:30 GMT", 30000 - 1000, 33000, "retry-after"},  // now is …:20 + ms
      {504, "Wednesday, 18-Nov-26 00:00:30 GMT", 30000 - 1000, 33000, "retry-after"},
      {503, "Wed Nov 18 00:00:30 2026", 30000 - 1000, 33000, "retry-after"},
      {503, "Tue, 17 Nov 2026 00:00:00 GMT", 0, 0, "retry-after"},  // in the past: at once
      {503, "999999999", 600000, 660000, "retry-after"},  // bounded by max_retry_after_ms (default 10 min)
      {503, "soon", 800, 1000, "backoff"},                 // invalid: backoff
      {503, "", 800, 1000, "backoff"},                     // absent: backoff
  };
  // 2026-11-18 00:00:00 UTC is 1794960000 s; "now" is one second later.
  const tes::Millis now = 1794960000000 + 1000;
  for (const Case& c : cases) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      CAPTURE(c.status, c.retry_after, seed);
      World w(options(1000), seed);
      w.now = now;
      w.start();
      const Trace t = w.respond(c.status, "text/plain", c.retry_after);
      CHECK(t.front() == "abort");
      const long long d = delay_of(t);
      CHECK(d >= c.min);
      CHECK(d <= c.max);
      CHECK(has_prefix(t, "diag reconnect 2 " + std::to_string(c.status) + " 1 "));
      CHECK(t[2].substr(t[2].rfind(' ') + 1) == c.reason);
      CHECK(t.back() == "error");
    }
  }
}

TEST_CASE("204 and statuses outside the list close for good — the list is configurable") {
  World w(options(1000), 1);
  w.start();
  CHECK(w.respond(204, "text/event-stream") == Trace{"abort", "ready 2", "diag closed 2 204 1 0 fatal", "error"});
  World x(options(1000), 1);
  x.start();
  CHECK(has_prefix(x.respond(500, "text/plain"), "ready 2"));

  ConnectionOptions o = options(1000);
  o.reconnect.set_retry_status(500, true);
  o.reconnect.set_retry_status(503, false);
  o.reconnect.set_retry_status(204, true);  // outside 400..599: ignored, 204 always closes
  World y(o, 1);
  y.start();
  CHECK(has_prefix(y.respond(500, "text/plain"), "abort"));
  CHECK(y.conn.ready_state() == ReadyState::kConnecting);
  y.at(y.now + 1000);
  CHECK(y.respond(503, "text/plain", "1") == Trace{"abort", "ready 2", "diag closed 2 503 2 0 fatal", "error"});
  World z(o, 1);
  z.start();
  CHECK(has_prefix(z.respond(204, "text/plain"), "abort"));
  CHECK(z.conn.ready_state() == ReadyState::kClosed);
}

TEST_CASE("max_retries: gives up after that many reconnects without an event — an event restores them") {
  ConnectionOptions o = options(100);
  o.reconnect.max_retries = 2;
  World w(o, 1);
  w.start();
  fail_and_wait(w);
  fail_and_wait(w);
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 2", "diag closed 1 0 3 0 max-retries", "error"});
  CHECK(w.conn.attempt() == 3);

  World v(o, 1);
  v.start();
  fail_and_wait(v);
  v.ok();
  v.feed("data: x\n\n");
  fail_and_wait(v);
  fail_and_wait(v);
  CHECK(has_prefix(v.end(CloseType::kNetwork), "ready 2"));
  CHECK(v.conn.attempt() == 4);

  ConnectionOptions none = options(100);
  none.reconnect.max_retries = 0;
  World n(none, 1);
  n.start();
  n.ok();
  CHECK(n.end(CloseType::kGraceful) == Trace{"ready 2", "diag closed 0 200 1 0 max-retries", "error"});
}

TEST_CASE("idle timeout: covers the wait for the response head and moves with every byte without re-arming") {
  ConnectionOptions o = options(1000);
  o.idle_timeout_ms = 500;
  World w(o, 1);
  w.now = 1000;
  CHECK(w.start() == Trace{"connect 1 id=", "timer 500"});
  w.now = 1200;
  CHECK(w.ok() == Trace{"ready 1", "diag open - 200 1 0", "open"});  // no timer command per input
  w.now = 1600;
  CHECK(w.feed(": heartbeat\n").empty());  // a comment counts as activity
  CHECK(w.at(1500) == Trace{"timer 600"});  // fired early: sleep until 1600 + 500
  const Trace fired = w.at(2100);
  CHECK(fired[0] == "abort");
  CHECK(has_prefix(fired, "diag reconnect 7 200 1 "));
  CHECK(w.conn.closes(CloseType::kIdleTimeout) == 1);

  World head(o, 1);
  head.start();
  const Trace no_head = head.at(500);
  CHECK(no_head[0] == "abort");
  CHECK(has_prefix(no_head, "diag reconnect 7 0 1 "));

  World closing(o, 1);
  closing.start();
  CHECK(closing.close() == Trace{"abort", "cancel-timer", "ready 2", "diag closed 6 0 1 0 app"});
  World fatal(o, 1);
  fatal.start();
  CHECK(fatal.respond(404, "text/plain") == Trace{"abort", "cancel-timer", "ready 2", "diag closed 2 404 1 0 fatal", "error"});
}

TEST_CASE("offline pauses without spending retries — online reconnects at once") {
  ConnectionOptions o = options(1000);
  o.reconnect.max_retries = 1;
  World w(o, 1);
  w.start();
  CHECK(has_prefix(w.end(CloseType::kNetwork), "ready 0"));  // retry 1 of 1 spent
  w.now = 100;
  CHECK(w.network(false) == Trace{"cancel-timer", "ready 0", "diag paused - 0 1 0"});
  CHECK(w.at(5000).empty());  // the old timer is gone
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
  w.now = 6000;
  CHECK(w.network(true) == Trace{"diag resumed - 0 1 0", "connect 2 id="});
  // Offline while connecting: the request fails on its own, and the failure pauses instead of retrying.
  w.network(false);
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 0", "diag paused - 0 2 0", "error"});
  CHECK(w.network(true) == Trace{"diag resumed - 0 2 0", "connect 3 id="});
  // The two offline failures spent nothing: max_retries (1) is still what the first failure left.
  CHECK(has_prefix(w.end(CloseType::kNetwork), "ready 2"));

  World before(options(1000), 1);
  CHECK(before.network(false).empty());
  CHECK(before.start() == Trace{"ready 0", "diag paused - 0 0 0"});  // nothing failed: no error
  CHECK(before.network(false).empty());  // repeated: nothing
  CHECK(before.network(true) == Trace{"diag resumed - 0 0 0", "connect 1 id="});
}

TEST_CASE("offline while open: the stream is left alone — a fatal response still closes") {
  World w(options(1000), 1);
  w.start();
  w.ok();
  CHECK(w.network(false).empty());
  CHECK(w.feed("data: still here\n\n") == Trace{"message message still here"});
  World v(options(1000), 1);
  v.start();
  v.network(false);
  CHECK(has_prefix(v.respond(404, "text/plain"), "abort"));
  CHECK(v.conn.ready_state() == ReadyState::kClosed);
}

TEST_CASE("strict: exact WHATWG waits, every response failure closes, the network is not watched") {
  World w(strict(400), 1);
  w.start();
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 0", "diag reconnect 1 0 1 400 retry", "timer 400", "error"});
  w.at(400);
  CHECK(w.end(CloseType::kNetwork) == Trace{"ready 0", "diag reconnect 1 0 2 400 retry", "timer 400", "error"});
  CHECK(w.network(false).empty());
  w.at(800);
  CHECK(w.respond(503, "text/plain", "1") == Trace{"abort", "ready 2", "diag closed 2 503 3 0 fatal", "error"});
}

TEST_CASE("X-SSE-Resume-Supported: false is reported on the open diagnostic") {
  World w(options(1000), 1);
  w.start();
  tes::ResponseHead h;
  h.status = 200;
  h.content_type = "text/event-stream";
  h.resume_supported = false;
  CHECK(w.head(h) == Trace{"ready 1", "diag open - 200 1 0 resume-unsupported", "open"});
  CHECK_FALSE(w.conn.resume_supported());
}

TEST_CASE("deterministic: the same seed and inputs give the same waits (C7)") {
  auto run = [](uint64_t seed) {
    World w(options(1000), seed);
    w.start();
    std::string waits;
    for (int i = 0; i < 6; ++i) waits += std::to_string(fail_and_wait(w)) + " ";
    return waits;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));
}

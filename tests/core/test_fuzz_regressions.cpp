// Regressions for bugs the fuzzers (tests/fuzz/) found in the core. Each test is the smallest scenario that
// reproduces its bug; the comment says which fuzz target found it and which invariant it broke.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "connection_world.h"
#include "reconnect_policy.h"
#include "sse_parser.h"

using namespace world;  // NOLINT: the test vocabulary

// fuzz_connection, "paused from idle": start() paused a strict source that had been told it was offline, and since
// strict mode ignores network() (WHATWG's EventSource does not watch the network), `online` never resumed it: the
// source stayed CONNECTING for ever without a single request.
TEST_CASE("strict: start() connects even after an offline network input") {
  World w(strict());
  CHECK(w.network(false).empty());
  CHECK(w.start() == Trace{"connect 1 id="});
  CHECK(w.conn.ready_state() == ReadyState::kConnecting);
}

// fuzz_connection, UBSan "signed integer overflow" in Connection::finish_attempt: the reconnect deadline was
// now + retry with a server-chosen retry near 2^63.
TEST_CASE("a retry of 2^63 - 1 ms waits without overflowing the reconnect deadline") {
  World w(strict(0, 1024));
  w.now = 1000;
  w.start();
  w.ok();
  w.feed("retry: 9223372036854775807\n");
  CHECK(w.end(CloseType::kGraceful) ==
        Trace{"ready 0", "diag reconnect 0 200 1 9223372036854775807 retry", "timer 9223372036854775807", "error"});
  // Timers that wake early (a shell sleeps at most ~24.8 days at a time) only sleep again.
  CHECK(w.at(tes::Millis{1000} + 0x7fffffff) == Trace{"timer " + std::to_string(INT64_MAX - (1000 + 0x7fffffffLL))});
  CHECK(w.at(INT64_MAX - 1) == Trace{"timer 1"});
}

// fuzz_connection, "reconnected early": a retry above 2^63 was cast to a negative wait, so the deadline lay in the
// past and the first early wake-up reconnected at once instead of waiting.
TEST_CASE("a retry above 2^63 ms never turns into a wait in the past") {
  World w(strict(0, 1024));
  w.now = 1000;
  w.start();
  w.ok();
  w.feed("retry: 18446744073709551615\n");
  w.end(CloseType::kGraceful);
  CHECK(w.at(tes::Millis{1000} + 0x7fffffff) == Trace{"timer " + std::to_string(INT64_MAX - (1000 + 0x7fffffffLL))});
  CHECK(w.conn.attempt() == 1);
}

// fuzz_connection, "retry wait 449608989590302917 for reconnection time 18446744073709551615": the 0-10 % jitter
// was added with wrap-around, so the longest possible wait became a short one (a hot loop for a hostile server).
TEST_CASE("default policy: the jitter on a retry near 2^64 saturates instead of wrapping") {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    tes::SplitMix64Random random(seed);
    tes::ReconnectPolicy policy{tes::ReconnectOptions{}};
    tes::CloseFacts facts;
    facts.type = CloseType::kGraceful;
    facts.status = 200;
    facts.retry_ms = UINT64_MAX - 5;
    const tes::ReconnectDecision d = policy.decide(facts, random);
    REQUIRE(d.reconnect);
    CHECK(d.delay_ms >= UINT64_MAX - 5);
  }
  World w;
  w.start();
  w.ok();
  w.feed("retry: 18446744073709551615\n");
  CHECK(w.end(CloseType::kGraceful)[1] == "diag reconnect 0 200 1 18446744073709551615 retry");
}

// Found while writing fuzz_sse_parser's memory check (by reading the code, not by a fuzz run: it needs an event
// type line over 64 KiB): reset_stream() shrank the line and data buffers but only cleared the event type's, so
// a stream that sent a huge `event:` line and then hit the cap kept up to maxEventBytes (16 MiB by default)
// reserved for the rest of the connection's life, contrary to sse_parser.h.
TEST_CASE("reset_stream() gives back the memory of an oversized event type") {
  tes::SseParser parser(1 << 20);
  world::DiscardSink sink;
  const std::string stream = "event: " + std::string((1 << 20) - 100, 'a') + "\ndata: " + std::string(200, 'b') +
                             "\ndata: " + std::string((1 << 20) - 10, 'c') + "\n";
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(stream.data()), stream.size(), sink) ==
        tes::ParseStatus::kEventTooLarge);
  parser.reset_stream();
  CHECK(parser.buffered_bytes() == 0);
  CHECK(parser.capacity_bytes() <= 3 * 64 * 1024);
}

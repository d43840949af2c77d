// A simulated world for the connection state machine: a fake clock, deterministic randomness, and commands
// rendered as short strings so a scenario reads like a trace. Shared by the connection and policy tests; tests
// assert on commands out, never on private fields.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "connection.h"
#include "random_source.h"
#include "sse_parser.h"

namespace world {

using tes::CloseType;
using tes::CommandTag;
using tes::Connection;
using tes::ConnectionOptions;
using tes::InputResult;
using tes::ReadyState;

inline std::string str_at(const tes::CommandBuffer& c, size_t i) { return c.string_at(i); }

inline uint64_t u64_at(const tes::CommandBuffer& c, size_t i) {
  return c.words()[i] | (static_cast<uint64_t>(c.words()[i + 1]) << 32);
}

// One kTrace record, decoded.
struct TraceRecord {
  bool sampled = false;
  bool has_previous = false;
  std::string trace_id, span_id, session_id, previous, traceparent, tracestate, baggage, xray;
};
struct ResponseRecord {
  std::string xray, traceresponse, server_timing;
};

// Renders every command; diagnostics as "diag <kind> <close type> <status> <attempt> <delay>[ <reason>]
// [ resume-unsupported]". Trace and
// response-trace records go to the side lists (when given), so scenarios about connections stay readable.
inline std::vector<std::string> render(const tes::CommandBuffer& c, std::vector<TraceRecord>* traces = nullptr,
                                std::vector<ResponseRecord>* responses = nullptr) {
  static const char* kKinds[] = {"open", "reconnect", "closed", "paused", "resumed"};
  static const char* kReasons[] = {"retry", "backoff", "retry-after", "fatal", "max-retries", "app"};
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
        std::string line = std::string("diag ") + kKinds[w[i + 1]] + " " + close_type + " " + std::to_string(w[i + 3]) +
                           " " + std::to_string(w[i + 4]) + " " + std::to_string(u64_at(c, i + 7));
        if (w[i + 5] != tes::kNoReason) line += std::string(" ") + kReasons[w[i + 5]];
        if (w[i + 6] & tes::kFlagResumeUnsupported) line += " resume-unsupported";
        out.push_back(line);
        i += 9;
        break;
      }
      case CommandTag::kTrace: {
        TraceRecord t{w[i + 1] != 0, w[i + 2] != 0, str_at(c, i + 3), str_at(c, i + 5), str_at(c, i + 7),
                      str_at(c, i + 9), str_at(c, i + 11), str_at(c, i + 13), str_at(c, i + 15), str_at(c, i + 17)};
        if (traces) traces->push_back(t);
        i += 19;
        break;
      }
      case CommandTag::kWarning: out.push_back("warning " + str_at(c, i + 1)); i += 3; break;
      case CommandTag::kTelemetryTick: out.push_back("telemetry-tick"); i += 1; break;
      case CommandTag::kResponseTrace:
        if (responses) responses->push_back({str_at(c, i + 1), str_at(c, i + 3), str_at(c, i + 5)});
        i += 7;
        break;
      default:
        FAIL("unknown command tag " << w[i]);
        return out;
    }
  }
  return out;
}

using Trace = std::vector<std::string>;

// Exact WHATWG behaviour (strict): every reconnect waits exactly the reconnection time.
inline ConnectionOptions strict(uint64_t retry_ms = 3000, size_t max_event_bytes = tes::SseParser::kDefaultMaxEventBytes) {
  ConnectionOptions o;
  o.retry_ms = retry_ms;
  o.max_event_bytes = max_event_bytes;
  o.reconnect.strict = true;
  return o;
}

struct World {
  explicit World(ConnectionOptions options = {}, uint64_t seed = 1) : random(seed), conn(options, random) {}
  tes::SplitMix64Random random;
  Connection conn;
  tes::Millis now = 0;
  std::vector<TraceRecord> traces;        // every attempt's trace context, in order
  std::vector<ResponseRecord> responses;  // every response head's trace ids, in order

  Trace out() { return render(conn.commands(), &traces, &responses); }
  Trace feed(const std::string& s) {
    conn.bytes(now, reinterpret_cast<const uint8_t*>(s.data()), s.size());
    return out();
  }
  Trace start() { conn.start(now); return out(); }
  Trace ok() { return respond(200, "text/event-stream"); }
  Trace respond(int status, const char* type, const char* retry_after = "") {
    tes::ResponseHead head;
    head.status = status;
    head.content_type = type;
    head.retry_after = retry_after;
    conn.response(now, head);
    return out();
  }
  Trace network(bool online) { conn.network(now, online); return out(); }
  Trace head(const tes::ResponseHead& h) { conn.response(now, h); return out(); }
  Trace end(CloseType t) { conn.end(now, t); return out(); }
  Trace at(tes::Millis t) { now = t; conn.timer(now); return out(); }
  Trace close() { conn.close(now); return out(); }
};

// A parser sink that keeps nothing, for tests that look only at the parser's own memory.
struct DiscardSink : tes::SseSink {
  void on_event(std::string_view, std::string_view) override {}
  void on_last_event_id(std::string_view) override {}
  void on_retry(uint64_t) override {}
  void on_retry_default() override {}
};

}  // namespace world

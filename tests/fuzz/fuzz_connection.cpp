// fuzz_connection: tes::Connection (the sans-I/O state machine) driven by a random program of inputs, as a shell
// that races with itself might send them: start, response heads, body chunks, ends of every close type, timers
// that fire on time / early / spuriously, network changes and close(), with a fake clock that only moves forward.
//
// Input layout: a few configuration bytes (options, clock start), then opcodes with their arguments until the
// input ends (see run()). Reads past the end give zeros, so every input is a valid program.
//
// A shadow model, built only from the commands the connection emits, is checked after every input:
// - every command is well-formed: a known tag, its argument words present, strings inside the string area and
//   tiling it in order; enums (readyState, diagnostic kind, close type, reason) in range;
// - readyState as the shell sees it (the last kReadyState) equals ready_state(), is 0/1/2, and matches the state;
//   kOpen follows readyState OPEN; kError follows a readyState change in the same batch;
// - CLOSED is final: after it every input is answered with no commands at all;
// - events (kMessage, kLastEventId) only while OPEN; kAbort only with an attempt in flight;
// - attempts count up by one per kConnect, each preceded by its kTrace with well-formed headers, and carry the
//   last event ID the shell was told;
// - timers: at most one kSetTimer per batch, and a timer is armed exactly when the state needs one (a reconnect
//   wait, or an attempt in flight with an idle timeout); a reconnect never starts before the announced delay has
//   passed and always starts when the timer fires after it; the idle timeout fires exactly when due;
// - reconnect delays within the documented bounds of their reason (README "Behaviour"), maxRetries honoured;
// - memory: the heap the connection holds stays within a small multiple of maxEventBytes (or of the bytes fed,
//   when smaller), however many attempts the program makes.
#include <sanitizer/allocator_interface.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connection.h"
#include "fuzz_util.h"
#include "random_source.h"
#include "telemetry.h"

namespace {

using tes::CloseType;
using tes::CommandTag;
using tes::DiagnosticKind;
using tes::Millis;

constexpr uint64_t kMaxJsMs = (uint64_t{1} << 53) - 1;  // what the ABI can pass (doubles)
constexpr uint64_t kShellMaxSleepMs = 0x7fffffff;        // a shell timer sleeps at most ~24.8 days at a time

// ----- command decoding

struct Command {
  CommandTag tag;
  std::vector<uint32_t> args;
  std::vector<std::string> strings;
};

// Argument words after the tag, and which of them start (offset, length) string pairs.
bool layout(uint32_t tag, size_t* words, std::vector<size_t>* string_at) {
  switch (static_cast<CommandTag>(tag)) {
    case CommandTag::kConnect: *words = 3; *string_at = {1}; return true;
    case CommandTag::kAbort: case CommandTag::kOpen: case CommandTag::kError: case CommandTag::kCancelTimer:
    case CommandTag::kTelemetryTick:
      *words = 0; *string_at = {}; return true;
    case CommandTag::kReadyState: *words = 1; *string_at = {}; return true;
    case CommandTag::kMessage: *words = 4; *string_at = {0, 2}; return true;
    case CommandTag::kLastEventId: *words = 2; *string_at = {0}; return true;
    case CommandTag::kSetTimer: *words = 2; *string_at = {}; return true;
    case CommandTag::kDiagnostic: *words = 8; *string_at = {}; return true;
    case CommandTag::kTrace: *words = 18; *string_at = {2, 4, 6, 8, 10, 12, 14, 16}; return true;
    case CommandTag::kWarning: *words = 2; *string_at = {0}; return true;
    case CommandTag::kResponseTrace: *words = 6; *string_at = {0, 2, 4}; return true;
    case CommandTag::kExport: *words = 4; *string_at = {}; return true;  // its payload is in the byte area
    case CommandTag::kExportFailed: *words = 4; *string_at = {}; return true;
  }
  return false;
}

// The text area must be valid UTF-8 (the shell decodes it in one go) and its strings must tile it in command order,
// with (offset, length) in UTF-16 units.
using tes::utf16_length;

std::vector<Command> decode(const tes::CommandBuffer& buffer) {
  std::vector<Command> out;
  const std::vector<uint32_t>& w = buffer.words();
  const std::string& strings = buffer.strings();
  std::string revalidated;
  tes::append_valid_utf8(revalidated, strings);
  FUZZ_CHECK(revalidated == strings, "the text area is not valid UTF-8");
  const uint64_t total_units = utf16_length(strings);
  uint64_t next_string = 0;  // strings are appended in command order: each starts where the previous ended
  for (size_t i = 0; i < w.size();) {
    size_t words = 0;
    std::vector<size_t> string_at;
    FUZZ_CHECK(layout(w[i], &words, &string_at), "unknown command tag " << w[i] << " at word " << i);
    FUZZ_CHECK(i + 1 + words <= w.size(), "command " << w[i] << " cut short: needs " << words << " words");
    Command c{static_cast<CommandTag>(w[i]), std::vector<uint32_t>(w.begin() + i + 1, w.begin() + i + 1 + words), {}};
    for (size_t at : string_at) {
      const uint64_t off = c.args[at], len = c.args[at + 1];
      FUZZ_CHECK(off == next_string && off + len <= total_units,
                 "string (" << off << ", " << len << ") of command " << w[i] << " outside the text area ("
                            << total_units << " UTF-16 units, next at " << next_string << ")");
      c.strings.push_back(buffer.string_at(i + 1 + at));
      next_string = off + len;
    }
    if (c.tag == CommandTag::kExport) {  // strings[0]: the payload, from the byte area
      FUZZ_CHECK(uint64_t{c.args[1]} + c.args[2] <= buffer.bytes().size(), "kExport payload outside the byte area");
      c.strings.push_back(buffer.bytes_at(i + 2));
    }
    i += 1 + words;
    out.push_back(std::move(c));
  }
  FUZZ_CHECK(next_string == total_units, "text area has " << total_units - next_string << " stray UTF-16 units");
  return out;
}

uint64_t u64_of(const Command& c, size_t at) { return c.args[at] | (static_cast<uint64_t>(c.args[at + 1]) << 32); }

// FUZZ_VERBOSE=1 ./fuzz_connection crash-file: every input and its commands, to read a failing program.
bool verbose() {
  static const bool on = std::getenv("FUZZ_VERBOSE") != nullptr;
  return on;
}

void print(const char* input, const std::vector<Command>& cmds) {
  static const char* const kNames[] = {"?",     "connect", "abort",         "ready",  "open",     "message",
                                       "last-id", "error",  "set-timer",     "cancel-timer", "diag", "trace",
                                       "warning", "response-trace", "export", "export-failed", "telemetry-tick"};
  std::string line = std::string(input) + " ->";
  for (const Command& c : cmds) {
    line += std::string(" ") + kNames[static_cast<uint32_t>(c.tag)];
    if (c.tag == CommandTag::kTrace || c.tag == CommandTag::kResponseTrace) continue;
    for (size_t i = 0; i < c.args.size(); ++i) line += (i ? "," : "(") + std::to_string(c.args[i]);
    if (!c.args.empty()) line += ")";
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

// ----- tables the program picks from (a random pick would rarely hit a valid header)

const int kStatuses[] = {200, 200, 200, 200, 204, 301, 400, 404, 429, 500, 502, 503, 504};
const char* const kContentTypes[] = {
    "text/event-stream", "text/event-stream; charset=utf-8", "TEXT/Event-Stream;charset=\"UTF-8\"",
    "text/event-stream;charset=latin1", "text/plain", "", "text/event-stream; charset=utf-8; charset=x"};
const char* const kRetryAfters[] = {"", "0", "5", "120", "99999999999999999999", "Sun, 06 Nov 1994 08:49:37 GMT",
                                    "Wed, 21 Oct 2099 07:28:00 GMT", "soon"};
const char* const kTraceHeaders[] = {
    "", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "trace;desc=\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\", db;dur=53", "00-zz"};
const char* const kChunks[] = {
    "data: x\n\n", "id: 7\n", "id\n\n", "retry: 0\n", "retry: 250\r\n", "retry:\n", "event: e\n", "\n", "\r\n",
    ":comment\n", "data: a\r\ndata: b\r\n\r\n", ("\xEF\xBB\xBF" "data: bom\n\n"), "retry: 18446744073709551615\n",
    "retry: 9223372036854775807\n", "retry: 9007199254740991\n", "data: 0123456789abcdef0123456789abcdef\n",
    "id: \xC3\n\n", "data"};
const uint64_t kDurations[] = {0, 1, 10, 100, 1000, 3000, 30000, 600000, 86'400'000, kMaxJsMs};

template <typename T, size_t N>
const T& pick(const T (&table)[N], uint8_t b) {
  return table[b % N];
}

uint64_t duration(fuzz::Reader& in) {
  const uint16_t v = in.u16();
  return (v & 1) ? pick(kDurations, static_cast<uint8_t>(v >> 1)) : v >> 1;
}

// ----- the shadow model

enum class State { kIdle, kConnecting, kOpen, kWaiting, kPaused, kClosed };

const char* name(State s) {
  static const char* const kNames[] = {"idle", "connecting", "open", "waiting", "paused", "closed"};
  return kNames[static_cast<int>(s)];
}

struct Config {
  tes::ConnectionOptions options;
  bool telemetry = false;
};

class Harness {
 public:
  Harness(const Config& config, Millis start, uint64_t seed)
      : config_(config), random_(seed), conn_(config.options, random_), now_(start) {
    if (config.telemetry) {
      tes::TelemetryOptions t;
      t.queue.max_queue_size = 16;
      t.queue.max_batch_size = 4;
      t.queue.schedule_delay_ms = 1000;
      telemetry_.emplace(t, random_);
    }
  }

  void configure(const tes::TracerInput& trace, bool reconfigure) {
    result_ = conn_.configure_trace(trace);
    after("configure_trace");
    if (reconfigure) {
      result_ = conn_.configure_reconnect(config_.options.reconnect, config_.options.idle_timeout_ms);
      after("configure_reconnect");
    }
    if (telemetry_) {
      result_ = conn_.attach_telemetry(&*telemetry_, 0.5);
      after("attach_telemetry");
    }
    conn_.set_url("https://example.test/events", "example.test");
  }

  void run(fuzz::Reader& in) {
    while (!in.empty()) {
      const uint8_t op = in.u8();
      switch (op % 13) {
        case 0:
          result_ = conn_.start(now_);
          after("start");
          break;
        case 1: {
          const int status = (in.u8() & 0x80) ? 100 + in.u16() % 500 : pick(kStatuses, in.u8());
          const std::string content_type = pick(kContentTypes, in.u8());
          const uint8_t headers = in.u8();
          const std::string retry_after = (headers & 0x80) ? std::string(in.short_string()) : pick(kRetryAfters, headers);
          tes::ResponseHead head;
          head.status = status;
          head.content_type = content_type;
          head.retry_after = retry_after;
          head.xray = pick(kTraceHeaders, in.u8());
          head.traceresponse = pick(kTraceHeaders, in.u8());
          head.server_timing = pick(kTraceHeaders, in.u8());
          head.resume_supported = (headers & 0x40) == 0;
          const bool expected = state_ == State::kConnecting;
          result_ = conn_.response(now_, head);
          if (expected) last_activity_ = now_;
          after("response");
          break;
        }
        case 2:
        case 3: {
          const std::string_view chunk = op % 13 == 2 ? in.take(in.u8()) : std::string_view(pick(kChunks, in.u8()));
          feed(chunk);
          break;
        }
        case 4: {
          // A run of identical canned chunks: long streams and big events cost few input bytes.
          const std::string_view unit = pick(kChunks, in.u8());
          std::string chunk;
          for (int i = in.u8() % 64; i >= 0; --i) chunk += unit;
          feed(chunk);
          break;
        }
        case 5: {
          const auto type = static_cast<CloseType>(in.u8() % tes::kCloseTypeCount);
          result_ = conn_.end(now_, type);
          after("end");
          break;
        }
        case 6:
          // The armed timer fires when it is due (a shell timer sleeps at most ~24.8 days, then fires early).
          if (timer_armed_) {
            if (timer_fire_at_ > now_) now_ = timer_fire_at_;
            fire_timer();
          }
          break;
        case 7:
          // A spurious or early timer() call: the core must re-arm or ignore it.
          now_ += in.u16();
          fire_timer();
          break;
        case 8:
          result_ = conn_.network(now_, in.bit());
          after("network");
          break;
        case 9:
          result_ = conn_.close(now_);
          closed_by_app_ = true;
          after("close");
          break;
        case 10:
          now_ += (in.u8() & 1) ? static_cast<Millis>(in.u32()) : static_cast<Millis>(in.u8());
          break;
        case 11:
          telemetry_input(in);
          break;
        case 12:
          // A reconnect cycle in one opcode: the server ends the body, the wait passes, the next attempt opens.
          result_ = conn_.end(now_, CloseType::kGraceful);
          after("end");
          if (timer_armed_ && state_ == State::kWaiting) {
            now_ = timer_fire_at_ > now_ ? timer_fire_at_ : now_;
            fire_timer();
          }
          if (state_ == State::kConnecting) {
            tes::ResponseHead head;
            head.status = 200;
            head.content_type = "text/event-stream";
            result_ = conn_.response(now_, head);
            last_activity_ = now_;
            after("response");
          }
          break;
      }
      check_memory();  // between inputs, when only the connection and the model hold memory
    }
  }

 private:
  void feed(std::string_view chunk) {
    const bool expected = state_ == State::kOpen;
    result_ = conn_.bytes(now_, reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
    if (expected) {
      last_activity_ = now_;
      fed_ += chunk.size();
      if (chunk.size() > max_chunk_) max_chunk_ = chunk.size();
    }
    after("bytes");
  }

  void fire_timer() {
    timer_armed_ = false;  // a fired timer is spent
    const State before = state_;
    const bool due_wait = before == State::kWaiting && static_cast<__int128>(now_) >= wait_deadline_;
    const bool idle = (before == State::kConnecting || before == State::kOpen) && config_.options.idle_timeout_ms > 0;
    const __int128 idle_deadline = static_cast<__int128>(last_activity_) + config_.options.idle_timeout_ms;
    result_ = conn_.timer(now_);
    if (verbose()) std::fprintf(stderr, "[now %lld] ", static_cast<long long>(now_));
    const std::vector<Command> cmds = after("timer");
    bool connected = false, aborted = false;
    std::optional<uint64_t> rearm;
    for (const Command& c : cmds) {
      connected |= c.tag == CommandTag::kConnect;
      aborted |= c.tag == CommandTag::kAbort;
      if (c.tag == CommandTag::kSetTimer && !rearm) rearm = u64_of(c, 0);
    }
    if (before == State::kWaiting) {
      // The reconnect starts when, and only when, the announced delay has passed.
      FUZZ_CHECK(connected == due_wait, "timer at " << now_ << " in the reconnect wait (deadline "
                                                    << static_cast<long long>(wait_deadline_) << "): "
                                                    << (connected ? "reconnected early" : "did not reconnect"));
      if (!due_wait) {
        const __int128 rest = wait_deadline_ - now_;
        FUZZ_CHECK(rearm && static_cast<__int128>(*rearm) == rest,
                   "early timer in the wait did not re-arm for the rest (" << (rearm ? *rearm : 0) << ")");
      }
    } else if (idle) {
      const bool due = static_cast<__int128>(now_) >= idle_deadline;
      FUZZ_CHECK(aborted == due, "idle timeout at " << now_ << " (last activity " << last_activity_ << ", timeout "
                                                    << config_.options.idle_timeout_ms << "): "
                                                    << (aborted ? "aborted early" : "did not abort"));
      if (!due) {
        FUZZ_CHECK(rearm && static_cast<__int128>(*rearm) == idle_deadline - now_,
                   "early idle timer did not re-arm for the rest");
      }
    } else {
      FUZZ_CHECK(cmds.empty(), "a timer in state " << name(before) << " produced commands");
    }
  }

  void telemetry_input(fuzz::Reader& in) {
    const uint8_t what = in.u8();
    if (!telemetry_) return;
    switch (what % 4) {
      case 0:
        telemetry_->tick(now_);
        break;
      case 1:
        telemetry_->flush(now_);
        break;
      default: {
        if (pending_jobs_.empty()) return;
        const size_t i = in.u8() % pending_jobs_.size();
        const uint32_t job = pending_jobs_[i];
        pending_jobs_.erase(pending_jobs_.begin() + static_cast<std::ptrdiff_t>(i));
        const uint8_t outcome = in.u8();
        telemetry_->result(now_, job, outcome & 1 ? tes::ExportOutcome::network_failure()
                                                  : tes::ExportOutcome::http(pick(kStatuses, outcome >> 1),
                                                                             pick(kRetryAfters, outcome >> 4)));
        break;
      }
    }
    telemetry_commands();
  }

  void telemetry_commands() {
    for (const Command& c : decode(telemetry_->commands())) {
      switch (c.tag) {
        case CommandTag::kExport: {
          const auto json = nlohmann::json::parse(c.strings[0].begin(), c.strings[0].end(), nullptr, false);
          FUZZ_CHECK(!json.is_discarded() && json.is_object(), "an export payload is not a JSON object: "
                                                                   << fuzz::escape(c.strings[0]));
          if (c.args[3] == 0) pending_jobs_.push_back(c.args[0]);
          break;
        }
        case CommandTag::kExportFailed:
        case CommandTag::kSetTimer:
        case CommandTag::kCancelTimer:
          break;
        default:
          FUZZ_CHECK(false, "telemetry emitted command " << static_cast<uint32_t>(c.tag));
      }
    }
  }

  // Checks one input's commands against the model and advances the model. Returns the commands.
  std::vector<Command> after(const char* input) {
    const std::vector<Command> cmds = decode(conn_.commands());
    if (verbose()) print(input, cmds);
    // "An input that does not fit the current state ... is answered with kIgnored and no commands."
    FUZZ_CHECK(result_ == tes::InputResult::kOk || result_ == tes::InputResult::kIgnored, "input result");
    FUZZ_CHECK(result_ == tes::InputResult::kOk || cmds.empty(), input << " was ignored but produced commands");
    const State before = state_;
    if (before == State::kClosed) {
      FUZZ_CHECK(cmds.empty(), input << " after CLOSED produced " << cmds.size() << " commands");
    }
    bool ready_changed = false, traced = false, tick = false;
    int timers_set = 0;
    const uint64_t retry_ms = conn_.retry_ms();
    const tes::ReconnectOptions& ro = config_.options.reconnect;
    for (const Command& c : cmds) {
      switch (c.tag) {
        case CommandTag::kTrace: {
          FUZZ_CHECK(state_ == State::kIdle || state_ == State::kWaiting || state_ == State::kPaused,
                     "kTrace in state " << name(state_));
          FUZZ_CHECK(c.args[0] <= 1 && c.args[1] <= 1, "kTrace flags");
          FUZZ_CHECK(c.strings[0].size() == 32 && fuzz::is_lower_hex(c.strings[0]) && c.strings[1].size() == 16 &&
                         fuzz::is_lower_hex(c.strings[1]) && c.strings[2] == conn_.session_id() &&
                         c.strings[2].size() == 32 && (c.args[1] ? c.strings[3].size() == 32 : c.strings[3].empty()),
                     "kTrace ids malformed");
          FUZZ_CHECK(c.strings[4].empty() || fuzz::is_sent_traceparent(c.strings[4]),
                     "kTrace traceparent " << fuzz::escape(c.strings[4]));
          FUZZ_CHECK(c.strings[7].empty() || fuzz::is_sent_xray(c.strings[7]), "kTrace X-Ray " << fuzz::escape(c.strings[7]));
          FUZZ_CHECK(c.args[1] == (attempt_ > 0 ? 1u : 0u), "has_previous on attempt " << attempt_ + 1);
          if (attempt_ > 0) FUZZ_CHECK(c.strings[3] == previous_trace_id_, "previous trace id not the last attempt's");
          previous_trace_id_ = std::string(c.strings[0]);
          traced = true;
          break;
        }
        case CommandTag::kConnect:
          FUZZ_CHECK(traced, "kConnect without its kTrace");
          traced = false;
          FUZZ_CHECK(state_ == State::kIdle || state_ == State::kWaiting || state_ == State::kPaused,
                     "kConnect in state " << name(state_));
          FUZZ_CHECK(c.args[0] == attempt_ + 1, "attempt " << c.args[0] << " after " << attempt_);
          FUZZ_CHECK(c.strings[0] == shell_last_id_, "kConnect sends Last-Event-ID " << fuzz::escape(c.strings[0])
                                                                                     << ", the shell was told "
                                                                                     << fuzz::escape(shell_last_id_));
          attempt_ = c.args[0];
          state_ = State::kConnecting;
          last_activity_ = now_;
          break;
        case CommandTag::kAbort:
          FUZZ_CHECK(state_ == State::kConnecting || state_ == State::kOpen, "kAbort in state " << name(state_));
          break;
        case CommandTag::kReadyState:
          FUZZ_CHECK(c.args[0] <= 2, "readyState " << c.args[0]);
          shell_ready_ = c.args[0];
          ready_changed = true;
          break;
        case CommandTag::kOpen:
          FUZZ_CHECK(state_ == State::kConnecting && shell_ready_ == 1, "kOpen in state " << name(state_));
          state_ = State::kOpen;
          break;
        case CommandTag::kMessage:
          FUZZ_CHECK(state_ == State::kOpen && shell_ready_ == 1, "an event dispatched in state " << name(state_));
          // Compared in UTF-16 units: a replaced invalid byte takes three bytes of text but stays one unit.
          FUZZ_CHECK(utf16_length(c.strings[1]) < config_.options.max_event_bytes &&
                         utf16_length(c.strings[0]) < config_.options.max_event_bytes,
                     "an event larger than maxEventBytes");
          retries_since_event_ = 0;
          break;
        case CommandTag::kLastEventId:
          FUZZ_CHECK(state_ == State::kOpen, "kLastEventId in state " << name(state_));
          FUZZ_CHECK(c.strings[0].find('\0') == std::string_view::npos, "a last event ID with NUL");
          // Two different raw ids can decode alike (each invalid byte becomes U+FFFD); otherwise a change is visible.
          FUZZ_CHECK(c.strings[0] != shell_last_id_ || c.strings[0].find("\xEF\xBF\xBD") != std::string::npos,
                     "kLastEventId without a change");
          shell_last_id_ = std::string(c.strings[0]);
          break;
        case CommandTag::kError:
          FUZZ_CHECK(ready_changed && shell_ready_ != 1, "kError without a readyState change to CONNECTING/CLOSED");
          break;
        case CommandTag::kSetTimer:
          ++timers_set;
          timer_armed_ = true;
          timer_fire_at_ = now_ + static_cast<Millis>(u64_of(c, 0) < kShellMaxSleepMs ? u64_of(c, 0) : kShellMaxSleepMs);
          break;
        case CommandTag::kCancelTimer:
          timer_armed_ = false;
          break;
        case CommandTag::kDiagnostic:
          diagnostic(c, retry_ms, ro);
          break;
        case CommandTag::kWarning:
          FUZZ_CHECK(before == State::kIdle, "a warning outside configuration");
          break;
        case CommandTag::kResponseTrace: {
          FUZZ_CHECK(state_ == State::kConnecting, "kResponseTrace in state " << name(state_));
          const std::string_view x = c.strings[0];
          FUZZ_CHECK(x.empty() || (x.size() == 35 && x.substr(0, 2) == "1-" && x[10] == '-' &&
                                   fuzz::is_lower_hex(x.substr(2, 8)) && fuzz::is_lower_hex(x.substr(11))),
                     "response X-Ray trace id " << fuzz::escape(x));
          FUZZ_CHECK((c.strings[1].empty() || fuzz::is_sent_traceparent(c.strings[1])) &&
                         (c.strings[2].empty() || fuzz::is_sent_traceparent(c.strings[2])),
                     "response traceparents " << fuzz::escape(c.strings[1]) << " " << fuzz::escape(c.strings[2]));
          break;
        }
        case CommandTag::kTelemetryTick:
          FUZZ_CHECK(telemetry_, "kTelemetryTick without telemetry");
          tick = true;
          break;
        default:
          FUZZ_CHECK(false, "the connection emitted command " << static_cast<uint32_t>(c.tag));
      }
    }
    FUZZ_CHECK(!traced, "kTrace without its kConnect");
    FUZZ_CHECK(timers_set <= 1, timers_set << " kSetTimer in one batch");

    // readyState: the shell's view, the connection's and the model's agree.
    const auto ready = static_cast<uint32_t>(conn_.ready_state());
    FUZZ_CHECK(ready <= 2 && ready == shell_ready_, "ready_state() " << ready << ", the shell saw " << shell_ready_);
    const uint32_t model_ready = state_ == State::kOpen ? 1 : state_ == State::kClosed ? 2 : 0;
    FUZZ_CHECK(ready == model_ready, "ready_state() " << ready << " in model state " << name(state_));
    FUZZ_CHECK(conn_.attempt() == attempt_, "attempt() " << conn_.attempt() << ", " << attempt_ << " kConnect seen");
    std::string decoded_id;
    tes::append_valid_utf8(decoded_id, conn_.last_event_id());
    FUZZ_CHECK(decoded_id == shell_last_id_, "last_event_id() differs from what the shell was told");
    if (closed_by_app_) FUZZ_CHECK(state_ == State::kClosed, "close() did not close");

    // Exactly the timers the state needs.
    const bool needs_timer = state_ == State::kWaiting ||
                             ((state_ == State::kConnecting || state_ == State::kOpen) &&
                              config_.options.idle_timeout_ms > 0);
    FUZZ_CHECK(timer_armed_ == needs_timer, "after " << input << " in state " << name(state_) << " a timer is "
                                                     << (timer_armed_ ? "armed" : "not armed"));

    if (tick) {
      telemetry_->tick(now_);
      telemetry_commands();
    }
    return cmds;
  }

  void diagnostic(const Command& c, uint64_t retry_ms, const tes::ReconnectOptions& ro) {
    const uint32_t kind = c.args[0], close_type = c.args[1], reason = c.args[4];
    const uint64_t delay = u64_of(c, 6);
    FUZZ_CHECK(kind <= 4, "diagnostic kind " << kind);
    FUZZ_CHECK(close_type < tes::kCloseTypeCount || close_type == tes::kNoCloseType, "close type " << close_type);
    FUZZ_CHECK(reason <= 5 || reason == tes::kNoReason, "reason " << reason);
    FUZZ_CHECK(c.args[3] == attempt_, "diagnostic for attempt " << c.args[3] << " during attempt " << attempt_);
    FUZZ_CHECK((c.args[5] & ~tes::kFlagResumeUnsupported) == 0, "diagnostic flags " << c.args[5]);
    const bool strict = ro.strict;
    const auto type = static_cast<CloseType>(close_type);
    const bool retryable_type = type == CloseType::kGraceful || type == CloseType::kNetwork ||
                                type == CloseType::kIdleTimeout || type == CloseType::kStreamCap;
    switch (static_cast<DiagnosticKind>(kind)) {
      case DiagnosticKind::kOpen:
        FUZZ_CHECK(state_ == State::kConnecting && close_type == tes::kNoCloseType, "open diagnostic");
        break;
      case DiagnosticKind::kReconnect: {
        FUZZ_CHECK(state_ == State::kConnecting || state_ == State::kOpen, "reconnect from " << name(state_));
        FUZZ_CHECK(close_type != tes::kNoCloseType && (retryable_type || type == CloseType::kHttpStatus),
                   "reconnect after close type " << close_type);
        FUZZ_CHECK(retries_since_event_ < ro.max_retries, "reconnect number " << retries_since_event_ + 1
                                                                              << " with maxRetries " << ro.max_retries);
        ++retries_since_event_;
        const unsigned __int128 d = delay, r = retry_ms;
        switch (reason) {
          case 0:  // retry: the reconnection time (+ up to 10 % unless strict)
            FUZZ_CHECK(strict ? d == r : (type == CloseType::kGraceful && d >= r && d <= r + r / 10),
                       "retry wait " << delay << " for reconnection time " << retry_ms << (strict ? " (strict)" : ""));
            break;
          case 1: {  // backoff: at most maxRetryDelayMs, at least 80 % of the first step
            const uint64_t first = std::min(std::max<uint64_t>(retry_ms, 100), ro.max_retry_delay_ms);
            FUZZ_CHECK(!strict && delay <= ro.max_retry_delay_ms && delay >= first - first / 5,
                       "backoff wait " << delay << " (retry " << retry_ms << ", max " << ro.max_retry_delay_ms << ")");
            break;
          }
          case 2:  // Retry-After: at most maxRetryAfterMs + 10 %
            FUZZ_CHECK(!strict && type == CloseType::kHttpStatus && ro.retries_status(static_cast<int>(c.args[2])) &&
                           delay <= ro.max_retry_after_ms + ro.max_retry_after_ms / 10,
                       "Retry-After wait " << delay << " (max " << ro.max_retry_after_ms << ")");
            break;
          default:
            FUZZ_CHECK(false, "reconnect with reason " << reason);
        }
        if (type == CloseType::kHttpStatus) {
          FUZZ_CHECK(!strict && c.args[2] != 204 && ro.retries_status(static_cast<int>(c.args[2])),
                     "reconnect after status " << c.args[2]);
        }
        state_ = State::kWaiting;
        // A wait that ends past the end of the clock (a huge `retry:`) never ends.
        wait_deadline_ = static_cast<__int128>(now_) + delay;
        if (wait_deadline_ > INT64_MAX) wait_deadline_ = INT64_MAX;
        break;
      }
      case DiagnosticKind::kClosed:
        FUZZ_CHECK(state_ != State::kClosed, "closed twice");
        if (reason == 5) {
          FUZZ_CHECK(type == CloseType::kAppClose, "app close reason with close type " << close_type);
        } else if (reason == 4) {
          FUZZ_CHECK(retries_since_event_ >= ro.max_retries, "max-retries after " << retries_since_event_ << " retries");
        } else {
          FUZZ_CHECK(reason == 3 && !retryable_type, "closed after close type " << close_type << " reason "
                                                                                             << reason);
        }
        state_ = State::kClosed;
        break;
      case DiagnosticKind::kPaused:
        FUZZ_CHECK(!strict && state_ != State::kClosed && state_ != State::kPaused, "paused from " << name(state_));
        state_ = State::kPaused;
        break;
      case DiagnosticKind::kResumed:
        FUZZ_CHECK(!strict && (state_ == State::kPaused || state_ == State::kWaiting), "resumed from " << name(state_));
        break;
    }
  }

  // The heap the connection (and this harness's small model) holds, against what the input could justify: the
  // parser's buffers (line, data, event type, id buffer, last id) are each bounded by maxEventBytes and by the
  // bytes fed; a batch of commands holds copies of what one chunk produced.
  void check_memory() {
    if (telemetry_) return;  // the span queue has its own bounds (span_queue.h)
    const size_t live = __sanitizer_get_current_allocated_bytes();
    const size_t held = live > baseline_ ? live - baseline_ : 0;
    const size_t cap = config_.options.max_event_bytes;
    const size_t bound = 8 * (fed_ < cap ? fed_ : cap) + 16 * max_chunk_ + 256 * 1024;
    FUZZ_CHECK(held <= bound, "the connection holds " << held << " bytes: more than " << bound << " (maxEventBytes "
                                                      << cap << ", " << fed_ << " bytes fed, " << attempt_
                                                      << " attempts)");
  }

 public:
  void set_baseline(size_t b) { baseline_ = b; }

 private:
  Config config_;
  tes::SplitMix64Random random_;
  std::optional<tes::Telemetry> telemetry_;
  tes::Connection conn_;
  Millis now_;
  size_t baseline_ = 0;

  State state_ = State::kIdle;
  uint32_t shell_ready_ = 0;
  uint32_t attempt_ = 0;
  std::string shell_last_id_;
  std::string previous_trace_id_;
  bool closed_by_app_ = false;
  bool timer_armed_ = false;
  Millis timer_fire_at_ = 0;
  __int128 wait_deadline_ = 0;
  Millis last_activity_ = 0;
  uint32_t retries_since_event_ = 0;
  size_t fed_ = 0, max_chunk_ = 0;
  tes::InputResult result_ = tes::InputResult::kOk;  // of the last input
  std::vector<uint32_t> pending_jobs_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const size_t baseline = __sanitizer_get_current_allocated_bytes();

  // Configuration, within what the ABI accepts (js-glue/options.js: durations up to 2^53 - 1 ms).
  Config config;
  const uint8_t flags = in.u8();
  tes::ConnectionOptions& o = config.options;
  o.retry_ms = duration(in);
  switch (flags >> 6) {
    case 0: break;  // the default, 16 MiB
    case 1: o.max_event_bytes = 1 + in.u8(); break;
    case 2: o.max_event_bytes = 16 + in.u16() % 4096; break;
    case 3: o.max_event_bytes = 1 + in.u8() % 8; break;
  }
  o.idle_timeout_ms = (flags & 2) ? 1 + duration(in) : 0;
  if (o.idle_timeout_ms > kMaxJsMs) o.idle_timeout_ms = kMaxJsMs;
  o.reconnect.strict = (flags & 1) != 0;
  o.reconnect.max_retry_delay_ms = duration(in);
  const uint8_t retries = in.u8();
  o.reconnect.max_retries = retries >= 128 ? UINT32_MAX : retries % 8;
  o.reconnect.max_retry_after_ms = duration(in);
  if (flags & 8) {
    o.reconnect.retry_statuses.clear();
    for (int i = in.u8() % 4; i > 0; --i) o.reconnect.set_retry_status(400 + in.u8() % 200, true);
  }
  const uint8_t trace_bits = in.u8();
  o.trace.w3c = (trace_bits & 1) == 0;
  o.trace.xray = (trace_bits & 2) == 0;
  o.trace.omit_unsampled = (trace_bits & 4) != 0;
  o.trace.sample_ratio = (trace_bits >> 3) / 31.0;
  config.telemetry = (flags & 4) != 0;
  const Millis start = static_cast<Millis>(in.u32()) * 1000 + in.u16();

  {
    Harness h(config, start, in.u8());
    h.set_baseline(baseline);
    tes::TracerInput trace;
    std::string parent, ts_key, ts_value;
    if (flags & 16) {
      parent = std::string(in.short_string());
      trace.parent = parent;
      ts_key = std::string(in.short_string());
      ts_value = std::string(in.short_string());
      trace.tracestate = {ts_key, ts_value};
      trace.baggage = {ts_key, ts_value};
    }
    // Either the options given at construction or the same ones again through configure_reconnect().
    h.configure(trace, (flags & 32) != 0);
    h.run(in);
  }
  return 0;
}

// fuzz_trace_headers: the traceparent, tracestate, baggage and X-Amzn-Trace-Id parsers (wasm/trace_context.h) on
// arbitrary text, then the tracer that formats them from app input, and the response-side reader.
//
// Input: the whole input is given to each of the four parsers. Split at '\n' it is also an app configuration for
// tes::Tracer (line 0 the parent, the other lines alternating key/value for both tracestate and baggage) and
// the three response headers of read_response_trace (lines 0, 1, 2).
//
// Checks: no crash or UB; every value that parses formats to text that satisfies the grammar we send, and that
// text parses back to the same value (round trip); traceparent's and tracestate's accept/reject decision agrees
// with an independent reading of the grammar written here; baggage accounts for every member (kept or dropped by
// reason) and never passes its limits; the tracer's headers are well-formed whatever the app passed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "random_source.h"
#include "reference_sse.h"
#include "trace_context.h"
#include "tracer.h"

namespace {

using fuzz::escape;
using fuzz::is_lower_hex;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// ----- traceparent

// W3C Trace Context Level 2 §3.2, as trace_context.h documents its choices: OWS trimmed, lower-case hex only,
// version ff invalid, version 00 exactly 55 characters, a later version at least 55 with '-' after the flags.
bool grammar_accepts_traceparent(std::string_view s) {
  s = trim_ows(s);
  if (s.size() < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-') return false;
  if (!is_lower_hex(s.substr(0, 2)) || !is_lower_hex(s.substr(3, 32)) || !is_lower_hex(s.substr(36, 16)) ||
      !is_lower_hex(s.substr(53, 2))) {
    return false;
  }
  const std::string_view version = s.substr(0, 2);
  if (version == "ff") return false;
  if (version == "00" ? s.size() != 55 : (s.size() > 55 && s[55] != '-')) return false;
  return s.substr(3, 32) != std::string(32, '0') && s.substr(36, 16) != std::string(16, '0');
}

void check_traceparent(std::string_view input) {
  const tes::TraceparentResult r = tes::parse_traceparent(input);
  FUZZ_CHECK(static_cast<size_t>(r.status) < tes::kTraceparentStatusCount, "status out of range");
  FUZZ_CHECK(r.ok() == grammar_accepts_traceparent(input),
             "traceparent " << escape(input) << ": parser says " << (r.ok() ? "valid" : "invalid") << " (status "
                            << int(r.status) << "), the grammar the opposite");
  if (!r.ok()) return;
  const tes::Traceparent& v = r.value;
  FUZZ_CHECK(v.version != 0xff && !v.trace_id.is_zero() && !v.parent_id.is_zero(), "an invalid value parsed");
  const std::string f = tes::format_traceparent(v.trace_id, v.parent_id, v.flags);
  FUZZ_CHECK(fuzz::is_sent_traceparent(f), "formatted traceparent " << escape(f) << " breaks the grammar");
  // Parsing is exact: what we format is the input (lower-case only) with version 00 and the unknown flags cleared.
  const std::string_view t = trim_ows(input);
  FUZZ_CHECK(f.substr(2, 51) == t.substr(2, 51), "formatted " << f << " differs from the parsed " << escape(t));
  if ((v.flags & ~tes::kTraceFlagsKnown) == 0) {
    FUZZ_CHECK(f.substr(53) == t.substr(53, 2), "formatted flags of " << f << " differ from " << escape(t));
  }
  const tes::TraceparentResult again = tes::parse_traceparent(f);
  FUZZ_CHECK(again.ok() && again.value.version == 0 && again.value.trace_id == v.trace_id &&
                 again.value.parent_id == v.parent_id && again.value.flags == (v.flags & tes::kTraceFlagsKnown),
             "traceparent round trip failed for " << escape(f));
}

// ----- tracestate

bool grammar_key(std::string_view k) {
  if (k.empty() || k.size() > 256) return false;
  const auto lc_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lc_digit(k[0])) return false;
  for (char c : k.substr(1)) {
    if (!lc_digit(c) && c != '_' && c != '-' && c != '*' && c != '/' && c != '@') return false;
  }
  return true;
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
bool grammar_value(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  for (char c : v) {
    if (c < 0x20 || c > 0x7E || c == ',' || c == '=') return false;
  }
  return true;
}

bool grammar_accepts_tracestate(std::string_view s) {
  std::vector<std::string_view> keys;
  for (std::string_view member : split(s, ',')) {
    member = trim_ows(member);
    if (member.empty()) continue;
    const size_t eq = member.find('=');
    if (eq == std::string_view::npos || !grammar_key(member.substr(0, eq)) || !grammar_value(member.substr(eq + 1))) {
      return false;
    }
    for (std::string_view k : keys) {
      if (k == member.substr(0, eq)) return false;
    }
    keys.push_back(member.substr(0, eq));
  }
  return keys.size() <= 32;
}

void check_tracestate_value(const tes::Tracestate& ts, const char* what) {
  FUZZ_CHECK(ts.members().size() <= tes::Tracestate::kMaxMembers, what << ": too many members");
  for (size_t i = 0; i < ts.members().size(); ++i) {
    const tes::TracestateMember& m = ts.members()[i];
    FUZZ_CHECK(grammar_key(m.key) && grammar_value(m.value), what << ": invalid member " << escape(m.key) << "="
                                                                   << escape(m.value));
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(ts.members()[j].key != m.key, what << ": duplicate key " << m.key);
  }
}

void check_tracestate(std::string_view input) {
  const tes::TracestateResult r = tes::parse_tracestate(input);
  FUZZ_CHECK(static_cast<size_t>(r.status) < tes::kTracestateStatusCount, "status out of range");
  FUZZ_CHECK(r.ok() == grammar_accepts_tracestate(input),
             "tracestate " << escape(input) << ": parser says " << (r.ok() ? "valid" : "invalid") << " (status "
                           << int(r.status) << "), the grammar the opposite");
  if (!r.ok()) {
    FUZZ_CHECK(r.value.empty(), "a rejected tracestate kept members");
    return;
  }
  check_tracestate_value(r.value, "parsed tracestate");
  // Untruncated: the same members back.
  const std::string full = r.value.format(SIZE_MAX);
  const tes::TracestateResult again = tes::parse_tracestate(full);
  FUZZ_CHECK(again.ok() && again.value.members().size() == r.value.members().size(),
             "tracestate round trip failed for " << escape(full));
  for (size_t i = 0; i < again.value.members().size(); ++i) {
    FUZZ_CHECK(again.value.members()[i].key == r.value.members()[i].key &&
                   again.value.members()[i].value == r.value.members()[i].value,
               "tracestate round trip changed member " << i << " of " << escape(full));
  }
  // Truncated to what we propagate: within 512 characters, whole members only, in order.
  const std::string sent = r.value.format();
  FUZZ_CHECK(sent.size() <= tes::Tracestate::kMaxHeaderChars, "formatted tracestate longer than 512: " << sent.size());
  const tes::TracestateResult kept = tes::parse_tracestate(sent);
  FUZZ_CHECK(kept.ok(), "truncated tracestate does not parse: " << escape(sent));
  size_t j = 0;
  for (const tes::TracestateMember& m : kept.value.members()) {
    while (j < r.value.members().size() && r.value.members()[j].key != m.key) ++j;
    FUZZ_CHECK(j < r.value.members().size() && r.value.members()[j].value == m.value,
               "truncation changed or reordered member " << escape(m.key));
  }

  // set() of the last member's key moves it to the front with a new value, and keeps the limits.
  if (!r.value.empty()) {
    tes::Tracestate ts = r.value;
    const std::string key = ts.members().back().key;
    FUZZ_CHECK(ts.set(key, "x") == tes::TracestateStatus::kOk, "set() of a parsed key failed");
    FUZZ_CHECK(ts.members().front().key == key && *ts.find(key) == "x" &&
                   ts.members().size() == r.value.members().size(),
               "set() did not move the member to the front");
    check_tracestate_value(ts, "tracestate after set()");
    FUZZ_CHECK(ts.erase(key) && ts.find(key) == nullptr, "erase() failed");
  }
}

// ----- baggage

bool is_valid_utf8(std::string_view s) { return ref::decode_value(s) == s; }

void check_baggage_value(const tes::Baggage& b, const char* what) {
  FUZZ_CHECK(b.members().size() <= tes::Baggage::kMaxMembers, what << ": more than 64 members");
  const std::string f = b.format();
  FUZZ_CHECK(f.size() <= tes::Baggage::kMaxBytes, what << ": formatted baggage is " << f.size() << " bytes");
  for (char c : f) {
    // Printable ASCII, and SP / HTAB only as the OWS that properties keep ("k=v;a ; b").
    FUZZ_CHECK((c == ' ' || c == '\t' || (c > ' ' && c <= '~')) && c != '"' && c != '\\',
               what << ": formatted baggage has byte " << int(c));
  }
  const tes::BaggageResult again = tes::parse_baggage(f);
  FUZZ_CHECK(again.dropped_total() == 0 && again.value.members().size() == b.members().size(),
             what << ": baggage round trip dropped members of " << escape(f));
  for (size_t i = 0; i < b.members().size(); ++i) {
    const tes::BaggageMember& m = b.members()[i];
    const tes::BaggageMember& n = again.value.members()[i];
    FUZZ_CHECK(m.key == n.key && m.value == n.value && m.properties == n.properties,
               what << ": baggage round trip changed member " << i << ": " << escape(m.key) << "=" << escape(m.value)
                    << ";" << escape(m.properties) << " became " << escape(n.key) << "=" << escape(n.value) << ";"
                    << escape(n.properties));
  }
}

void check_baggage(std::string_view input) {
  const tes::BaggageResult r = tes::parse_baggage(input);
  FUZZ_CHECK(r.dropped[0] == 0, "dropped[kOk] counts something");
  // Every non-empty member is either kept or dropped with a reason.
  size_t members = 0;
  for (std::string_view m : split(input, ',')) members += trim_ows(m).empty() ? 0 : 1;
  FUZZ_CHECK(r.value.members().size() + r.dropped_total() == members,
             "baggage " << escape(input) << ": " << members << " members, " << r.value.members().size() << " kept and "
                        << r.dropped_total() << " dropped");
  for (const tes::BaggageMember& m : r.value.members()) {
    FUZZ_CHECK(is_valid_utf8(m.value), "a decoded baggage value is not UTF-8: " << escape(m.value));
  }
  check_baggage_value(r.value, "parsed baggage");
}

// ----- X-Ray

void check_xray(std::string_view input) {
  const tes::XRayResult r = tes::parse_xray(input);
  FUZZ_CHECK(static_cast<size_t>(r.status) < tes::kXRayStatusCount, "status out of range");
  if (!r.ok()) return;
  const tes::XRayContext& v = r.value;
  FUZZ_CHECK(!v.trace_id.is_zero(), "an all-zero X-Ray root parsed");
  FUZZ_CHECK(v.has_parent != v.parent_id.is_zero(), "has_parent disagrees with the parent id");
  FUZZ_CHECK(input.find("Root") != std::string_view::npos, "an X-Ray header without Root parsed");
  if (!v.has_parent) return;  // format_xray always writes a Parent
  const bool sampled = v.sampled == tes::XRaySampled::kSampled;
  const std::string f = tes::format_xray(v.trace_id, v.parent_id, sampled);
  FUZZ_CHECK(fuzz::is_sent_xray(f), "formatted X-Ray header breaks the grammar: " << escape(f));
  const tes::XRayResult again = tes::parse_xray(f);
  FUZZ_CHECK(again.ok() && again.value.trace_id == v.trace_id && again.value.parent_id == v.parent_id &&
                 again.value.has_parent &&
                 again.value.sampled == (sampled ? tes::XRaySampled::kSampled : tes::XRaySampled::kNotSampled),
             "X-Ray round trip failed for " << escape(f));
}

// ----- the tracer and the response side

void check_tracer(std::string_view input, uint8_t config_bits) {
  const std::vector<std::string_view> lines = split(input, '\n');
  tes::TracerInput app;
  app.parent = lines[0];
  // Baggage values reach the core as UTF-8 (the shell encodes JS strings with TextEncoder, which never yields
  // invalid UTF-8); Baggage::set() with invalid UTF-8 formats bytes that parse back as U+FFFD, so it is not fed.
  std::vector<std::string> utf8_lines;
  for (size_t i = 1; i < lines.size(); ++i) utf8_lines.push_back(ref::decode_value(lines[i]));
  for (size_t i = 1; i < lines.size(); ++i) {
    app.tracestate.push_back(lines[i]);
    app.baggage.push_back(utf8_lines[i - 1]);
  }
  tes::TracerConfig config;
  config.w3c = (config_bits & 1) == 0;
  config.xray = (config_bits & 2) == 0;
  config.omit_unsampled = (config_bits & 4) != 0;
  config.sample_ratio = (config_bits >> 3) / 31.0;
  tes::SplitMix64Random random(config_bits);
  tes::Tracer tracer(random, config);
  (void)tracer.configure(app);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const tes::AttemptTrace t = tracer.next(int64_t{1'795'000'000'000} + attempt);
    FUZZ_CHECK(!t.trace_id.is_zero() && !t.span_id.is_zero(), "a zero id");
    FUZZ_CHECK(t.traceparent.empty() || fuzz::is_sent_traceparent(t.traceparent),
               "tracer traceparent " << escape(t.traceparent));
    FUZZ_CHECK(t.xray.empty() || fuzz::is_sent_xray(t.xray), "tracer X-Ray header " << escape(t.xray));
    FUZZ_CHECK(t.tracestate.size() <= tes::Tracestate::kMaxHeaderChars && tes::parse_tracestate(t.tracestate).ok(),
               "tracer tracestate " << escape(t.tracestate));
    const tes::BaggageResult b = tes::parse_baggage(t.baggage);
    FUZZ_CHECK(t.baggage.size() <= tes::Baggage::kMaxBytes && b.dropped_total() == 0,
               "tracer baggage " << escape(t.baggage));
    if (!t.traceparent.empty()) {
      const tes::TraceparentResult tp = tes::parse_traceparent(t.traceparent);
      FUZZ_CHECK(tp.ok() && tp.value.trace_id == t.trace_id && tp.value.parent_id == t.span_id &&
                     tp.value.sampled() == t.sampled,
                 "tracer traceparent does not carry the attempt's ids");
    }
  }

  const tes::ResponseTrace rt = tes::read_response_trace(lines[0], lines.size() > 1 ? lines[1] : std::string_view(),
                                                         lines.size() > 2 ? lines[2] : std::string_view());
  FUZZ_CHECK(rt.xray_trace_id.empty() ||
                 (rt.xray_trace_id.size() == 35 && rt.xray_trace_id.substr(0, 2) == "1-" && rt.xray_trace_id[10] == '-' &&
                  is_lower_hex(rt.xray_trace_id.substr(2, 8)) && is_lower_hex(rt.xray_trace_id.substr(11))),
             "response X-Ray trace id " << escape(rt.xray_trace_id));
  FUZZ_CHECK(rt.traceresponse.empty() || fuzz::is_sent_traceparent(rt.traceresponse),
             "response traceresponse " << escape(rt.traceresponse));
  FUZZ_CHECK(rt.server_timing.empty() || fuzz::is_sent_traceparent(rt.server_timing),
             "response server-timing " << escape(rt.server_timing));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_traceparent(input);
  check_tracestate(input);
  check_baggage(input);
  check_xray(input);
  check_tracer(input, size > 0 ? data[size - 1] : 0);
  return 0;
}

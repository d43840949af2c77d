// Trace context: ids, and the four propagation headers (REQUIREMENTS B1–B7), formatted and strictly parsed.
//
//   traceparent       W3C Trace Context Level 2 (version 00; future versions read as the spec says)
//   tracestate        W3C Trace Context Level 2
//   baggage           W3C Baggage
//   X-Amzn-Trace-Id   AWS X-Ray tracing header
//
// Every parser takes the header value as received (one string; the shell joins repeated fields with ", " as
// HTTP does) and returns a value or a reason from a closed enum. Nothing throws, nothing does I/O, nothing reads
// a clock or draws randomness: the current Unix time and a RandomSource are arguments. Header text on the wire
// is ASCII: a byte outside ASCII is simply an invalid character (baggage values carry UTF-8 percent-encoded).
//
// Decisions where the specs leave room (each one is also pinned by a test vector):
// - traceparent: SP/HTAB around the whole value is trimmed first (HTTP strips it; the W3C test suite sends it).
//   Two traceparent fields joined with ", " are therefore invalid (wrong shape), as the W3C test suite expects.
//   Hex must be lower-case in every field and every version. A future version (01..fe) is read as "Versioning of
//   traceparent" says: at least 55 characters, the version-00 layout, and either the end or a '-' after the
//   flags; the rest is never interpreted. We always *send* version 00 with only the flags we know (sampled, random);
//   unknown flag bits are kept in the parsed value but masked out when formatting ("vendors MUST set those to zero").
// - tracestate: Level 2 key grammar, `(lcalpha / DIGIT) 0*255(lcalpha / DIGIT / _ - * / @)`: the Level 1
//   multi-tenant form `tenant@system` is a subset of it. One invalid member, a duplicate key or more than 32
//   non-empty members discards the whole header (processing model: "If the tracestate header cannot be parsed
//   the vendor MAY discard the entire header"; the W3C test suite at its strict level expects exactly this):
//   forwarding a list we half-understood would put somebody else's entries on the wire altered. Empty and
//   whitespace-only members are skipped and not counted.
// - baggage: invalid members are dropped one by one (the spec: "MAY remove that entry") and counted by reason;
//   duplicates are kept, in order (the spec does not forbid them). The 64-member and 8192-byte limits are
//   enforced when members enter a Baggage (parse or set), measured on the formatted header, so format() never
//   has to cut anything and no member is ever truncated. A member that does not fit is skipped, a later
//   smaller one may still fit. '%' and '+' are always percent-encoded when formatting ('+' is legal raw but
//   form-decoders read it as a space).
// - X-Ray: field names are case-sensitive (as AWS writes them); hex is accepted in either case; an all-zero
//   Root or Parent is rejected because the same ids must be valid in traceparent. A Sampled value other than
//   0/1 (including '?' and absence) means "not decided". A malformed Parent rejects the header; a missing one
//   does not. Self=, Lineage= and unknown fields are ignored (not forwarded). A repeated Root/Parent/Sampled
//   field rejects the header.
// - Sampling follows OpenTelemetry's consistent probability sampling: R = the last 7 bytes of the trace id,
//   sampled iff R >= T with T = 2^56 - ratio·2^56, so a downstream sampler using the same scheme (`ot=th:`)
//   at the same or a lower ratio keeps a subset of what this one kept.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "random_source.h"

namespace tes {

// ---------------------------------------------------------------------------------------------------------------
// Ids

enum class HexStatus : uint8_t {
  kOk = 0,
  kWrongLength,  // not exactly 2 characters per byte
  kUpperCase,    // A-F: W3C ids are lower-case only
  kNonHex,
};

// Writes 2*n lower-case hex characters (no terminator).
void write_hex(const uint8_t* bytes, size_t n, char* out);
// Reads exactly 2*n lower-case hex characters into n bytes. `out` is unspecified unless kOk.
[[nodiscard]] HexStatus parse_hex(std::string_view hex, uint8_t* out, size_t n);

// A fixed-size binary id. TraceId and SpanId are distinct types (different N), so they cannot be mixed up.
template <size_t N>
struct ByteId {
  static constexpr size_t kSize = N;
  static constexpr size_t kHexSize = 2 * N;

  std::array<uint8_t, N> bytes{};

  bool is_zero() const {
    uint8_t any = 0;
    for (uint8_t b : bytes) any = static_cast<uint8_t>(any | b);
    return any == 0;
  }
  void write_hex(char* out) const { tes::write_hex(bytes.data(), N, out); }
  std::string hex() const {
    std::string s(kHexSize, '0');
    write_hex(&s[0]);
    return s;
  }
  // Strict: exactly kHexSize lower-case hex characters. An all-zero id parses (callers decide what it means).
  [[nodiscard]] static HexStatus parse(std::string_view hex, ByteId& out) {
    return parse_hex(hex, out.bytes.data(), N);
  }

  friend bool operator==(const ByteId& a, const ByteId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const ByteId& a, const ByteId& b) { return !(a == b); }
};

using TraceId = ByteId<16>;
using SpanId = ByteId<8>;

// 4 bytes of `unix_seconds` (big-endian) then 12 random bytes: valid as a W3C trace id with the random flag (the
// right-most 7 bytes are random) and as an X-Ray trace id (8 hex of epoch seconds, 24 hex random). Never all
// zero: an all-zero draw is redrawn, and a source that keeps returning zeros gets a fixed non-zero last byte.
TraceId new_trace_id(RandomSource& random, uint32_t unix_seconds);
// 8 random bytes, never all zero (same redraw rule).
SpanId new_span_id(RandomSource& random);
// The first 4 bytes, big-endian: the Unix seconds of an id made by new_trace_id or received from X-Ray.
uint32_t trace_id_epoch_seconds(const TraceId& id);

// ---------------------------------------------------------------------------------------------------------------
// traceparent

constexpr uint8_t kTraceFlagSampled = 0x01;
constexpr uint8_t kTraceFlagRandom = 0x02;  // Level 2: the right-most 7 bytes of the trace id are random
constexpr uint8_t kTraceFlagsKnown = kTraceFlagSampled | kTraceFlagRandom;
constexpr size_t kTraceparentSize = 55;  // "00-" 32 "-" 16 "-" 2

struct Traceparent {
  uint8_t version = 0;
  TraceId trace_id;
  SpanId parent_id;
  uint8_t flags = 0;  // as received, unknown bits included; read it bit-wise
  bool sampled() const { return (flags & kTraceFlagSampled) != 0; }
  bool random() const { return (flags & kTraceFlagRandom) != 0; }
};

enum class TraceparentStatus : uint8_t {
  kOk = 0,
  kEmpty,                 // nothing but whitespace: no parent, not an error in itself
  kBadShape,              // wrong length, a '-' missing or misplaced, a future version not followed by '-'
  kUpperCaseHex,          // a field has A-F
  kNonHex,                // a field has a character that is not hex
  kVersionFF,             // version ff is forbidden
  kVersion00ExtraFields,  // version 00 is exactly 55 characters; "-…" after the flags is invalid
  kZeroTraceId,
  kZeroParentId,
};
constexpr size_t kTraceparentStatusCount = 9;

struct TraceparentResult {
  TraceparentStatus status = TraceparentStatus::kEmpty;
  Traceparent value;  // meaningful only when ok()
  bool ok() const { return status == TraceparentStatus::kOk; }
};

[[nodiscard]] TraceparentResult parse_traceparent(std::string_view header);
// "00-{trace}-{parent}-{flags & kTraceFlagsKnown}", 55 characters.
std::string format_traceparent(const TraceId& trace_id, const SpanId& parent_id, uint8_t flags);

// ---------------------------------------------------------------------------------------------------------------
// tracestate

enum class TracestateStatus : uint8_t {
  kOk = 0,
  kMissingEquals,  // a non-empty member without '='
  kBadKey,         // key grammar (see top), 1..256 characters
  kBadValue,       // 1..256 of 0x20-0x7E except ',' and '=', not ending in a space
  kDuplicateKey,
  kTooManyMembers,  // more than 32
};
constexpr size_t kTracestateStatusCount = 6;

struct TracestateMember {
  std::string key;
  std::string value;
};

bool is_tracestate_key(std::string_view key);
bool is_tracestate_value(std::string_view value);

struct TracestateResult;
[[nodiscard]] TracestateResult parse_tracestate(std::string_view header);

class Tracestate {
 public:
  static constexpr size_t kMaxMembers = 32;
  static constexpr size_t kMaxHeaderChars = 512;    // what we propagate (the spec's "at least 512")
  static constexpr size_t kLargeMemberChars = 128;  // members longer than this go first when truncating

  const std::vector<TracestateMember>& members() const { return members_; }
  bool empty() const { return members_.empty(); }
  // The value for `key`, or nullptr.
  const std::string* find(std::string_view key) const;
  // Adds `key` or updates it, and moves it to the front (left), as the spec requires of a modified entry. An invalid
  // key or value changes nothing and returns the reason. A 33rd member pushes the right-most one out.
  TracestateStatus set(std::string_view key, std::string_view value);
  bool erase(std::string_view key);
  // The header value: members joined with ',' in order. If that is longer than `max_chars`, whole members are
  // removed ("tracestate Limits"): first members longer than 128 characters, right-most first, then any member from the
  // right, each time only until the rest fits. Empty when no member fits.
  std::string format(size_t max_chars = kMaxHeaderChars) const;

 private:
  friend TracestateResult parse_tracestate(std::string_view header);
  std::vector<TracestateMember> members_;  // never more than kMaxMembers, keys unique, all valid
};

struct TracestateResult {
  TracestateStatus status = TracestateStatus::kOk;
  Tracestate value;  // empty unless ok(): the whole header is discarded on any error
  bool ok() const { return status == TracestateStatus::kOk; }
};

// ---------------------------------------------------------------------------------------------------------------
// baggage

enum class BaggageStatus : uint8_t {
  kOk = 0,
  kMissingEquals,       // no '=' between key and value
  kBadKey,              // not an RFC 9110 token
  kBadValue,            // a character outside baggage-octet (CTL, space, '"', ',', ';', '\')
  kBadPercentEncoding,  // '%' not followed by two hex digits
  kBadProperty,         // a property that is not `token` or `token = value`
  kTooManyMembers,      // would be the 65th
  kTooManyBytes,        // would make the formatted header longer than 8192 bytes
};
constexpr size_t kBaggageStatusCount = 8;

struct BaggageMember {
  std::string key;
  std::string value;       // percent-decoded; invalid UTF-8 from the wire is replaced with U+FFFD
  std::string properties;  // opaque, as received without the leading ';' and surrounding OWS ("" if none)
};

struct BaggageResult;
// Never fails as a whole: each invalid member is dropped and counted. Empty members are skipped silently.
[[nodiscard]] BaggageResult parse_baggage(std::string_view header);

class Baggage {
 public:
  static constexpr size_t kMaxMembers = 64;
  static constexpr size_t kMaxBytes = 8192;

  const std::vector<BaggageMember>& members() const { return members_; }
  bool empty() const { return members_.empty(); }
  // The first member with `key`, or nullptr.
  const BaggageMember* find(std::string_view key) const;
  // Sets `key` to `value` (raw bytes, normally UTF-8; encoded when formatting) with optional `properties`
  // (e.g. "ttl=30;internal"). An existing key is updated in place and its later duplicates removed; a new key
  // is appended. Nothing changes when the key or properties are invalid or the result would break a limit.
  BaggageStatus set(std::string_view key, std::string_view value, std::string_view properties = {});
  bool erase(std::string_view key);  // removes every member with `key`
  // "k=v;props,k2=v2": no OWS, values percent-encoded. Always within the limits (they are enforced on entry).
  std::string format() const;

 private:
  friend BaggageResult parse_baggage(std::string_view header);
  std::vector<BaggageMember> members_;
};

struct BaggageResult {
  Baggage value;                                        // the members that were valid and fit
  std::array<uint32_t, kBaggageStatusCount> dropped{};  // members dropped, by reason ([kOk] stays 0)
  uint32_t dropped_total() const {
    uint32_t n = 0;
    for (uint32_t d : dropped) n += d;
    return n;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// X-Amzn-Trace-Id

enum class XRaySampled : uint8_t {
  kDeferred = 0,  // no Sampled field, "Sampled=?" or an unknown value: the receiver decides
  kNotSampled,
  kSampled,
};

enum class XRayStatus : uint8_t {
  kOk = 0,
  kEmpty,
  kMissingRoot,
  kDuplicateField,  // Root, Parent or Sampled given twice
  kBadRootVersion,  // Root not "1-…"
  kBadRootLength,   // not 1-{8}-{24}
  kBadRootHex,
  kZeroTraceId,
  kBadParent,  // not 16 hex
  kZeroParentId,
};
constexpr size_t kXRayStatusCount = 10;

struct XRayContext {
  TraceId trace_id;  // epoch (4 bytes) then the 12 random bytes, as new_trace_id lays them out
  SpanId parent_id;  // zero when !has_parent
  bool has_parent = false;
  XRaySampled sampled = XRaySampled::kDeferred;
};

struct XRayResult {
  XRayStatus status = XRayStatus::kEmpty;
  XRayContext value;  // meaningful only when ok()
  bool ok() const { return status == XRayStatus::kOk; }
};

[[nodiscard]] XRayResult parse_xray(std::string_view header);
// "Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled={0|1}", 74 characters, lower-case hex.
std::string format_xray(const TraceId& trace_id, const SpanId& parent_id, bool sampled);

// ---------------------------------------------------------------------------------------------------------------
// Sampling

// Deterministic in the trace id (see top): ratio <= 0 (or NaN) never samples, ratio >= 1 always does.
bool sample_by_ratio(const TraceId& trace_id, double ratio);

}  // namespace tes

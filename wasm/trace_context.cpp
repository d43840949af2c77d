#include "trace_context.h"

#include <utility>

namespace tes {

static_assert(static_cast<size_t>(TraceparentStatus::kZeroParentId) + 1 == kTraceparentStatusCount);
static_assert(static_cast<size_t>(TracestateStatus::kTooManyMembers) + 1 == kTracestateStatusCount);
static_assert(static_cast<size_t>(BaggageStatus::kTooManyBytes) + 1 == kBaggageStatusCount);
static_assert(static_cast<size_t>(XRayStatus::kZeroParentId) + 1 == kXRayStatusCount);

namespace {

using namespace std::string_view_literals;  // "…"sv: no strlen at run time

constexpr char kLowerHex[] = "0123456789abcdef";
constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr size_t npos = std::string_view::npos;

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Appends one character. (std::string::push_back is a separate, larger function in libc++; every append here
// goes through append(const char*, size_t), so only that one is linked.)
void put(std::string& out, char c) { out.append(&c, 1); }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// The `sep`-separated pieces of a string, each OWS-trimmed, empty ones included ("" is one empty piece, "a,"
// is "a" then "").
class Pieces {
 public:
  Pieces(std::string_view s, char sep) : rest_(s), sep_(sep) {}
  bool next(std::string_view& piece) {
    if (done_) return false;
    const size_t end = rest_.find(sep_);
    done_ = end == npos;
    piece = trim_ows(rest_.substr(0, end));
    if (!done_) rest_.remove_prefix(end + 1);
    return true;
  }

 private:
  std::string_view rest_;
  char sep_;
  bool done_ = false;
};

HexStatus decode_hex(std::string_view hex, uint8_t* out, size_t n, bool allow_upper) {
  if (hex.size() != 2 * n) return HexStatus::kWrongLength;
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      if (!allow_upper) return HexStatus::kUpperCase;
      v = c - 'A' + 10;
    } else {
      return HexStatus::kNonHex;
    }
    uint8_t& byte = out[i / 2];
    byte = (i % 2 == 0) ? static_cast<uint8_t>(v << 4) : static_cast<uint8_t>(byte | v);
  }
  return HexStatus::kOk;
}

// Draws bytes [from, n) of `id` until the whole id is non-zero. A source that returns zeros four times in a row
// is broken (a CSPRNG does that with probability 2^-256 for a span id); rather than loop forever, the id gets a
// fixed non-zero last byte.
void fill_non_zero(RandomSource& random, uint8_t* id, size_t n, size_t from) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    random.fill(id + from, n - from);
    for (size_t i = 0; i < n; ++i) {
      if (id[i] != 0) return;
    }
  }
  id[n - 1] = 1;
}

// ----- traceparent

TraceparentStatus from_hex_status(HexStatus status) {
  switch (status) {
    case HexStatus::kOk:
      return TraceparentStatus::kOk;
    case HexStatus::kUpperCase:
      return TraceparentStatus::kUpperCaseHex;
    case HexStatus::kNonHex:
      return TraceparentStatus::kNonHex;
    case HexStatus::kWrongLength:
      break;
  }
  return TraceparentStatus::kBadShape;
}

TraceparentStatus read_traceparent(std::string_view s, Traceparent& tp) {
  if (s.empty()) return TraceparentStatus::kEmpty;
  // "the version prefix cannot be parsed (it's not 2 hex characters followed by a dash)"
  if (s.size() < 3 || s[2] != '-') return TraceparentStatus::kBadShape;
  TraceparentStatus status = from_hex_status(decode_hex(s.substr(0, 2), &tp.version, 1, false));
  if (status != TraceparentStatus::kOk) return status;
  if (tp.version == 0xff) return TraceparentStatus::kVersionFF;
  const bool more = s.size() > kTraceparentSize;
  if (tp.version == 0) {
    if (more && s[kTraceparentSize] == '-') return TraceparentStatus::kVersion00ExtraFields;
    if (s.size() != kTraceparentSize) return TraceparentStatus::kBadShape;
  } else if (s.size() < kTraceparentSize || (more && s[kTraceparentSize] != '-')) {
    return TraceparentStatus::kBadShape;
  }
  if (s[35] != '-' || s[52] != '-') return TraceparentStatus::kBadShape;

  status = from_hex_status(decode_hex(s.substr(3, 32), tp.trace_id.bytes.data(), 16, false));
  if (status == TraceparentStatus::kOk) {
    status = from_hex_status(decode_hex(s.substr(36, 16), tp.parent_id.bytes.data(), 8, false));
  }
  if (status == TraceparentStatus::kOk) {
    status = from_hex_status(decode_hex(s.substr(53, 2), &tp.flags, 1, false));
  }
  if (status != TraceparentStatus::kOk) return status;
  if (tp.trace_id.is_zero()) return TraceparentStatus::kZeroTraceId;
  if (tp.parent_id.is_zero()) return TraceparentStatus::kZeroParentId;
  return TraceparentStatus::kOk;
}

// ----- tracestate

size_t member_chars(const TracestateMember& m) { return m.key.size() + 1 + m.value.size(); }

TracestateStatus read_tracestate(std::string_view header, std::vector<TracestateMember>& out) {
  Pieces pieces(header, ',');
  for (std::string_view piece; pieces.next(piece);) {
    if (piece.empty()) continue;  // empty and whitespace-only members are allowed
    if (out.size() == Tracestate::kMaxMembers) return TracestateStatus::kTooManyMembers;
    const size_t eq = piece.find('=');
    if (eq == npos) return TracestateStatus::kMissingEquals;
    const std::string_view key = piece.substr(0, eq);
    const std::string_view value = piece.substr(eq + 1);
    if (!is_tracestate_key(key)) return TracestateStatus::kBadKey;
    if (!is_tracestate_value(value)) return TracestateStatus::kBadValue;
    for (const TracestateMember& m : out) {
      if (m.key == key) return TracestateStatus::kDuplicateKey;
    }
    out.push_back(TracestateMember{std::string(key), std::string(value)});
  }
  return TracestateStatus::kOk;
}

// ----- baggage

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return "!#$%&'*+-.^_`|~"sv.find(c) != npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// baggage-octet: printable ASCII except '"', ',', ';' and '\'.
bool is_baggage_octet(char c) { return c > ' ' && c <= '~' && c != '"' && c != ',' && c != ';' && c != '\\'; }

bool is_baggage_value(std::string_view s) {
  for (char c : s) {
    if (!is_baggage_octet(c)) return false;
  }
  return true;
}

// Kept raw when formatting; everything else is written as %XX. '%' must be escaped; '+' is escaped because
// form-decoders turn it into a space.
bool is_plain_value_char(char c) { return is_baggage_octet(c) && c != '%' && c != '+'; }

// `properties` = property *( OWS ";" OWS property ), property = key [OWS "=" OWS value]. Empty is invalid.
bool is_baggage_properties(std::string_view properties) {
  Pieces pieces(properties, ';');
  for (std::string_view p; pieces.next(p);) {
    const size_t eq = p.find('=');
    if (!is_token(trim_ows(p.substr(0, eq)))) return false;
    if (eq != npos && !is_baggage_value(trim_ows(p.substr(eq + 1)))) return false;
  }
  return true;
}

// Replaces each maximal ill-formed subsequence with U+FFFD (the WHATWG / Unicode "best practice").
std::string sanitize_utf8(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    const auto b = static_cast<uint8_t>(in[i]);
    size_t need = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
      put(out, in[i++]);
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    }
    size_t j = 1;
    for (; need > 0 && j <= need && i + j < in.size(); ++j) {
      const auto c = static_cast<uint8_t>(in[i + j]);
      if (c < lo || c > hi) break;
      lo = 0x80;
      hi = 0xBF;
    }
    if (need > 0 && j == need + 1) {
      out.append(in.substr(i, j));
    } else {
      out.append("\xEF\xBF\xBD", 3);
    }
    i += j;
  }
  return out;
}

// Percent-decodes `in` (all baggage-octets) into UTF-8. False on a '%' without two hex digits after it.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  bool non_ascii = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      uint8_t byte = 0;
      if (decode_hex(in.substr(i + 1, 2), &byte, 1, true) != HexStatus::kOk) return false;
      c = static_cast<char>(byte);
      non_ascii |= byte >= 0x80;
      i += 2;
    }
    put(out, c);
  }
  if (non_ascii) out = sanitize_utf8(out);
  return true;
}

size_t encoded_size(std::string_view value) {
  size_t n = 0;
  for (char c : value) n += is_plain_value_char(c) ? 1 : 3;
  return n;
}

size_t member_bytes(const BaggageMember& m) {
  return m.key.size() + 1 + encoded_size(m.value) + (m.properties.empty() ? 0 : 1 + m.properties.size());
}

BaggageStatus parse_baggage_member(std::string_view piece, BaggageMember& m) {
  const size_t semi = piece.find(';');
  const std::string_view kv = piece.substr(0, semi);
  const size_t eq = kv.find('=');
  if (eq == npos) return BaggageStatus::kMissingEquals;
  const std::string_view key = trim_ows(kv.substr(0, eq));
  if (!is_token(key)) return BaggageStatus::kBadKey;
  const std::string_view raw = trim_ows(kv.substr(eq + 1));
  if (!is_baggage_value(raw)) return BaggageStatus::kBadValue;
  if (!percent_decode(raw, m.value)) return BaggageStatus::kBadPercentEncoding;
  if (semi != npos) {
    const std::string_view properties = trim_ows(piece.substr(semi + 1));
    if (!is_baggage_properties(properties)) return BaggageStatus::kBadProperty;
    m.properties = properties;
  }
  m.key = key;
  return BaggageStatus::kOk;
}

// ----- X-Ray

XRayStatus read_xray(std::string_view s, XRayContext& ctx) {
  if (s.empty()) return XRayStatus::kEmpty;
  std::string_view fields[3];  // Root, Parent, Sampled
  bool seen[3] = {false, false, false};
  Pieces pieces(s, ';');
  for (std::string_view f; pieces.next(f);) {
    const size_t eq = f.find('=');
    if (eq == npos) continue;  // empty or unknown: ignored
    const std::string_view name = trim_ows(f.substr(0, eq));
    const int i = name == "Root"sv ? 0 : name == "Parent"sv ? 1 : name == "Sampled"sv ? 2 : -1;
    if (i < 0) continue;  // Self, Lineage, anything else: ignored
    if (seen[i]) return XRayStatus::kDuplicateField;
    seen[i] = true;
    fields[i] = trim_ows(f.substr(eq + 1));
  }
  if (!seen[0]) return XRayStatus::kMissingRoot;

  // Root = "1-" 8HEX "-" 24HEX
  const std::string_view root = fields[0];
  const size_t dash = root.find('-');
  if (root.substr(0, dash) != "1"sv) return XRayStatus::kBadRootVersion;
  const std::string_view rest = dash == npos ? std::string_view() : root.substr(dash + 1);
  if (rest.size() != 33 || rest[8] != '-') return XRayStatus::kBadRootLength;
  uint8_t* id = ctx.trace_id.bytes.data();
  if (decode_hex(rest.substr(0, 8), id, 4, true) != HexStatus::kOk ||
      decode_hex(rest.substr(9), id + 4, 12, true) != HexStatus::kOk) {
    return XRayStatus::kBadRootHex;
  }
  if (ctx.trace_id.is_zero()) return XRayStatus::kZeroTraceId;

  if (seen[1]) {
    if (decode_hex(fields[1], ctx.parent_id.bytes.data(), 8, true) != HexStatus::kOk) return XRayStatus::kBadParent;
    if (ctx.parent_id.is_zero()) return XRayStatus::kZeroParentId;
    ctx.has_parent = true;
  }
  ctx.sampled = fields[2] == "1"sv   ? XRaySampled::kSampled
                : fields[2] == "0"sv ? XRaySampled::kNotSampled
                                     : XRaySampled::kDeferred;
  return XRayStatus::kOk;
}

}  // namespace

// ----- ids

void write_hex(const uint8_t* bytes, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    *out++ = kLowerHex[bytes[i] >> 4];
    *out++ = kLowerHex[bytes[i] & 0xF];
  }
}

HexStatus parse_hex(std::string_view hex, uint8_t* out, size_t n) { return decode_hex(hex, out, n, false); }

TraceId new_trace_id(RandomSource& random, uint32_t unix_seconds) {
  TraceId id;
  for (size_t i = 0; i < 4; ++i) id.bytes[i] = static_cast<uint8_t>(unix_seconds >> (24 - 8 * i));
  fill_non_zero(random, id.bytes.data(), TraceId::kSize, 4);
  return id;
}

SpanId new_span_id(RandomSource& random) {
  SpanId id;
  fill_non_zero(random, id.bytes.data(), SpanId::kSize, 0);
  return id;
}

uint32_t trace_id_epoch_seconds(const TraceId& id) {
  uint32_t seconds = 0;
  for (size_t i = 0; i < 4; ++i) seconds = (seconds << 8) | id.bytes[i];
  return seconds;
}

// ----- traceparent

TraceparentResult parse_traceparent(std::string_view header) {
  TraceparentResult result;
  result.status = read_traceparent(trim_ows(header), result.value);
  if (!result.ok()) result.value = Traceparent();
  return result;
}

std::string format_traceparent(const TraceId& trace_id, const SpanId& parent_id, uint8_t flags) {
  std::string out(kTraceparentSize, '-');
  out[0] = '0';
  out[1] = '0';
  trace_id.write_hex(&out[3]);
  parent_id.write_hex(&out[36]);
  const uint8_t known = flags & kTraceFlagsKnown;
  write_hex(&known, 1, &out[53]);
  return out;
}

// ----- tracestate

bool is_tracestate_key(std::string_view key) {
  if (key.empty() || key.size() > 256) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '*' && c != '/' && c != '@'))) return false;
  }
  return true;
}

bool is_tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    if (c < ' ' || c > '~' || c == ',' || c == '=') return false;
  }
  return true;
}

const std::string* Tracestate::find(std::string_view key) const {
  for (const TracestateMember& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

TracestateStatus Tracestate::set(std::string_view key, std::string_view value) {
  if (!is_tracestate_key(key)) return TracestateStatus::kBadKey;
  if (!is_tracestate_value(value)) return TracestateStatus::kBadValue;
  std::vector<TracestateMember> members;
  members.push_back(TracestateMember{std::string(key), std::string(value)});
  for (TracestateMember& m : members_) {
    if (members.size() == kMaxMembers) break;  // a 33rd member: the right-most one goes
    if (m.key != key) members.push_back(std::move(m));
  }
  members_.swap(members);
  return TracestateStatus::kOk;
}

bool Tracestate::erase(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->key == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

std::string Tracestate::format(size_t max_chars) const {
  const size_t n = members_.size();
  bool keep[kMaxMembers];
  size_t chars = 0;  // of the kept members, without commas
  size_t kept = n;
  for (size_t i = 0; i < n; ++i) {
    keep[i] = true;
    chars += member_chars(members_[i]);
  }
  const auto total = [&] { return kept == 0 ? 0 : chars + kept - 1; };
  // Pass 0 removes only members over kLargeMemberChars, pass 1 any member; both right to left, only until it fits.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = n; i-- > 0 && total() > max_chars;) {
      const size_t size = member_chars(members_[i]);
      if (keep[i] && (pass == 1 || size > kLargeMemberChars)) {
        keep[i] = false;
        chars -= size;
        --kept;
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (!keep[i]) continue;
    if (!out.empty()) put(out, ',');
    out.append(members_[i].key);
    put(out, '=');
    out.append(members_[i].value);
  }
  return out;
}

TracestateResult parse_tracestate(std::string_view header) {
  TracestateResult result;
  result.status = read_tracestate(header, result.value.members_);
  if (!result.ok()) result.value.members_.clear();
  return result;
}

// ----- baggage

const BaggageMember* Baggage::find(std::string_view key) const {
  for (const BaggageMember& m : members_) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

BaggageStatus Baggage::set(std::string_view key, std::string_view value, std::string_view properties) {
  if (!is_token(key)) return BaggageStatus::kBadKey;
  properties = trim_ows(properties);
  if (!properties.empty() && !is_baggage_properties(properties)) return BaggageStatus::kBadProperty;
  BaggageMember member{std::string(key), std::string(value), std::string(properties)};

  // The header as it would be: every other member, plus this one once.
  size_t bytes = member_bytes(member);
  size_t count = 1;
  for (const BaggageMember& m : members_) {
    if (m.key != key) {
      bytes += 1 + member_bytes(m);
      ++count;
    }
  }
  if (count > kMaxMembers) return BaggageStatus::kTooManyMembers;
  if (bytes > kMaxBytes) return BaggageStatus::kTooManyBytes;

  bool placed = false;
  size_t w = 0;
  for (size_t r = 0; r < members_.size(); ++r) {
    if (members_[r].key == key) {
      if (placed) continue;
      members_[r] = std::move(member);
      placed = true;
    }
    if (w != r) members_[w] = std::move(members_[r]);
    ++w;
  }
  while (members_.size() > w) members_.pop_back();
  if (!placed) members_.push_back(std::move(member));
  return BaggageStatus::kOk;
}

bool Baggage::erase(std::string_view key) {
  const size_t before = members_.size();
  size_t w = 0;
  for (size_t r = 0; r < before; ++r) {
    if (members_[r].key == key) continue;
    if (w != r) members_[w] = std::move(members_[r]);
    ++w;
  }
  while (members_.size() > w) members_.pop_back();
  return w != before;
}

std::string Baggage::format() const {
  std::string out;
  for (const BaggageMember& m : members_) {
    if (!out.empty()) put(out, ',');
    out.append(m.key);
    put(out, '=');
    for (char c : m.value) {
      const auto b = static_cast<uint8_t>(c);
      const char escape[3] = {'%', kUpperHex[b >> 4], kUpperHex[b & 0xF]};
      if (is_plain_value_char(c)) {
        put(out, c);
      } else {
        out.append(escape, 3);
      }
    }
    if (!m.properties.empty()) {
      put(out, ';');
      out.append(m.properties);
    }
  }
  return out;
}

BaggageResult parse_baggage(std::string_view header) {
  BaggageResult result;
  std::vector<BaggageMember>& out = result.value.members_;
  size_t bytes = 0;
  Pieces pieces(header, ',');
  for (std::string_view piece; pieces.next(piece);) {
    if (piece.empty()) continue;
    BaggageMember m;
    BaggageStatus status = parse_baggage_member(piece, m);
    if (status == BaggageStatus::kOk) {
      const size_t size = member_bytes(m) + (out.empty() ? 0 : 1);
      if (out.size() == Baggage::kMaxMembers) {
        status = BaggageStatus::kTooManyMembers;
      } else if (bytes + size > Baggage::kMaxBytes) {
        status = BaggageStatus::kTooManyBytes;  // skipped whole; a later, smaller member may still fit
      } else {
        bytes += size;
        out.push_back(std::move(m));
      }
    }
    if (status != BaggageStatus::kOk) ++result.dropped[static_cast<size_t>(status)];
  }
  return result;
}

// ----- X-Ray

XRayResult parse_xray(std::string_view header) {
  XRayResult result;
  result.status = read_xray(trim_ows(header), result.value);
  if (!result.ok()) result.value = XRayContext();
  return result;
}

std::string format_xray(const TraceId& trace_id, const SpanId& parent_id, bool sampled) {
  std::string out = "Root=1-########-########################;Parent=################;Sampled=0";
  write_hex(trace_id.bytes.data(), 4, &out[7]);
  write_hex(trace_id.bytes.data() + 4, 12, &out[16]);
  parent_id.write_hex(&out[48]);
  if (sampled) out.back() = '1';
  return out;
}

// ----- sampling

bool sample_by_ratio(const TraceId& trace_id, double ratio) {
  if (!(ratio > 0.0)) return false;  // also NaN
  if (ratio >= 1.0) return true;
  constexpr uint64_t kRange = uint64_t{1} << 56;
  const auto kept = static_cast<uint64_t>(ratio * static_cast<double>(kRange));  // exact: ratio·2^56, floored
  uint64_t r = 0;
  for (size_t i = TraceId::kSize - 7; i < TraceId::kSize; ++i) r = (r << 8) | trace_id.bytes[i];
  return r >= kRange - kept;
}

}  // namespace tes

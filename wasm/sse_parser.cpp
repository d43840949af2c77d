#include "sse_parser.h"

#include <cstring>

namespace tes {
namespace {

constexpr uint8_t kLF = '\n';
constexpr uint8_t kCR = '\r';
constexpr uint8_t kColon = ':';
constexpr uint8_t kSpace = ' ';
constexpr uint8_t kBom[3] = {0xEF, 0xBB, 0xBF};

// Index of the first CR or LF in [p, p + n), or n: the hot loop. Eight bytes at a time (SWAR): a byte of
// `word ^ 0x0A..` is zero where the byte is LF, and (x - 0x01..) & ~x & 0x80.. flags zero bytes, exactly for the
// lowest one, which is all that is needed. One pass for both bytes: two memchr calls would rescan a long
// LF-only stream for a CR that never comes.
inline size_t find_line_end(const uint8_t* p, size_t n) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    const uint64_t lf = word ^ (kOnes * kLF);
    const uint64_t cr = word ^ (kOnes * kCR);
    const uint64_t found = ((lf - kOnes) & ~lf & kHigh) | ((cr - kOnes) & ~cr & kHigh);
    if (found) return i + static_cast<size_t>(__builtin_ctzll(found) >> 3);
  }
  for (; i < n; ++i) {
    const uint8_t c = p[i];
    if (c == kLF || c == kCR) return i;
  }
  return n;
}

inline bool name_is(const uint8_t* name, size_t len, const char* literal, size_t literal_len) {
  return len == literal_len && std::memcmp(name, literal, len) == 0;
}

// WHATWG: "If the field value consists of only ASCII digits, then interpret the field value as an integer in
// base ten". A value that overflows 64 bits is ignored, as browsers ignore values they cannot parse.
bool parse_retry(const uint8_t* v, size_t len, uint64_t* out) {
  if (len == 0) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < len; ++i) {
    const uint8_t c = v[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = c - '0';
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

// Empties a buffer; one that grew past what normal streams need gives its memory back, so a hostile stream
// that ran into the cap does not pin megabytes for the life of the connection.
void clear_and_shrink(std::string& s) {
  constexpr size_t kKeepCapacity = 64 * 1024;
  if (s.capacity() > kKeepCapacity) {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

// Makes room for `needed` bytes in a buffer whose size the cap bounds (`limit`). Growth doubles as usual but never
// reserves past the limit: a 10 MB line under a 16 MiB cap takes 16 MiB, not the 32 MiB that plain doubling would
// reserve on the way (Wasm memory, once grown, is never given back to the page). libc++ (the Wasm build) reserves
// what is asked; libstdc++ rounds a reserve up to twice the old capacity, so native builds still double.
void reserve_capped(std::string& s, size_t needed, size_t limit) {
  if (needed <= s.capacity()) return;
  size_t target = s.capacity() * 2;
  if (target > limit) target = limit;
  if (target < needed) target = needed;
  s.reserve(target);
}

}  // namespace

void SseParser::reset_stream() {
  clear_and_shrink(line_);
  clear_and_shrink(data_);
  clear_and_shrink(event_type_);  // an `event:` line can be as long as the cap too
  // The id buffer carries over: the next stream starts from the committed last event ID string.
  id_buffer_ = last_event_id_;
  bom_matched_ = 0;
  bom_done_ = false;
  after_cr_ = false;
  failed_ = false;
}

ParseStatus SseParser::feed(const uint8_t* data, size_t len, SseSink& sink) {
  if (failed_) return ParseStatus::kEventTooLarge;
  size_t pos = 0;

  // One leading BOM is stripped. It may arrive split over several chunks, so count matched bytes; on a
  // mismatch the bytes matched so far are ordinary line content.
  while (!bom_done_ && pos < len) {
    if (data[pos] == kBom[bom_matched_]) {
      ++pos;
      if (++bom_matched_ == 3) bom_done_ = true;
    } else {
      line_.append(reinterpret_cast<const char*>(kBom), bom_matched_);
      bom_done_ = true;
    }
  }

  if (after_cr_ && pos < len) {
    after_cr_ = false;
    if (data[pos] == kLF) ++pos;  // the LF of a CRLF split across chunks
  }

  while (pos < len) {
    const size_t remaining = len - pos;
    const size_t end = find_line_end(data + pos, remaining);
    if (end == remaining) {
      // No line end in this chunk: keep the fragment, within the cap.
      if (line_over_cap(line_.size() + remaining)) {
        failed_ = true;
        return ParseStatus::kEventTooLarge;
      }
      reserve_capped(line_, line_.size() + remaining, max_event_bytes_);
      line_.append(reinterpret_cast<const char*>(data + pos), remaining);
      return ParseStatus::kOk;
    }
    const uint8_t terminator = data[pos + end];
    if (line_.empty()) {
      // Fast path: the whole line is inside this chunk; parse it in place.
      if (line_over_cap(end)) {
        failed_ = true;
        return ParseStatus::kEventTooLarge;
      }
      process_line(data + pos, end, sink);
    } else {
      if (line_over_cap(line_.size() + end)) {
        failed_ = true;
        return ParseStatus::kEventTooLarge;
      }
      reserve_capped(line_, line_.size() + end, max_event_bytes_);
      line_.append(reinterpret_cast<const char*>(data + pos), end);
      process_line(reinterpret_cast<const uint8_t*>(line_.data()), line_.size(), sink);
      line_.clear();
    }
    if (failed_) return ParseStatus::kEventTooLarge;
    pos += end + 1;
    if (terminator == kCR) {
      if (pos == len) {
        after_cr_ = true;  // an LF may start the next chunk
      } else if (data[pos] == kLF) {
        ++pos;
      }
    }
  }
  return ParseStatus::kOk;
}

void SseParser::process_line(const uint8_t* line, size_t len, SseSink& sink) {
  if (len == 0) {
    dispatch(sink);
    return;
  }
  if (line[0] == kColon) return;  // comment

  const uint8_t* colon = static_cast<const uint8_t*>(std::memchr(line, kColon, len));
  const size_t name_len = colon ? static_cast<size_t>(colon - line) : len;
  size_t value_start = colon ? name_len + 1 : len;
  if (colon && value_start < len && line[value_start] == kSpace) ++value_start;
  const uint8_t* value = line + value_start;
  const size_t value_len = len - value_start;

  if (name_is(line, name_len, "data", 4)) {
    if (data_.size() + value_len + 1 > max_event_bytes_) {
      failed_ = true;
      return;
    }
    reserve_capped(data_, data_.size() + value_len + 1, max_event_bytes_);
    data_.append(reinterpret_cast<const char*>(value), value_len);
    data_.push_back('\n');
  } else if (name_is(line, name_len, "event", 5)) {
    event_type_.assign(reinterpret_cast<const char*>(value), value_len);
  } else if (name_is(line, name_len, "id", 2)) {
    if (std::memchr(value, 0, value_len) == nullptr) {
      id_buffer_.assign(reinterpret_cast<const char*>(value), value_len);
    }
  } else if (name_is(line, name_len, "retry", 5)) {
    uint64_t ms;
    if (value_len == 0) {
      sink.on_retry_default();
    } else if (parse_retry(value, value_len, &ms)) {
      sink.on_retry(ms);
    }
  }
  // Any other field name is ignored.
}

void SseParser::dispatch(SseSink& sink) {
  if (last_event_id_ != id_buffer_) {
    last_event_id_ = id_buffer_;
    sink.on_last_event_id(last_event_id_);
  }
  if (!data_.empty()) {
    std::string_view data(data_);
    data.remove_suffix(1);  // the LF after the last data line
    sink.on_event(event_type_, data);
  }
  data_.clear();
  event_type_.clear();
}

}  // namespace tes

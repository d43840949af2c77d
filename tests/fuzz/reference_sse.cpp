#include "reference_sse.h"

#include <cstddef>
#include <utility>

namespace ref {

// ---------------------------------------------------------------------------------------------------------------
// WHATWG Encoding §9.1.1 "UTF-8 decoder", error mode "replacement", one step per byte as the spec writes it.

std::vector<CodePoint> utf8_decode(std::string_view input, bool strip_bom) {
  std::vector<CodePoint> out;
  size_t i = 0;
  // §4.1 "UTF-8 decode": "Let buffer be the result of peeking three bytes from ioQueue ... If buffer is 0xEF 0xBB
  // 0xBF, then read three bytes from ioQueue."
  if (strip_bom && input.size() >= 3 && static_cast<uint8_t>(input[0]) == 0xEF &&
      static_cast<uint8_t>(input[1]) == 0xBB && static_cast<uint8_t>(input[2]) == 0xBF) {
    i = 3;
  }

  char32_t code_point = 0;  // UTF-8 code point
  int bytes_seen = 0;       // UTF-8 bytes seen
  int bytes_needed = 0;     // UTF-8 bytes needed
  uint8_t lower = 0x80;     // UTF-8 lower boundary
  uint8_t upper = 0xBF;     // UTF-8 upper boundary
  const auto error = [&](uint32_t bytes) { out.push_back({U'\uFFFD', bytes}); };

  while (i < input.size()) {
    const auto byte = static_cast<uint8_t>(input[i]);
    if (bytes_needed == 0) {
      ++i;
      if (byte <= 0x7F) {
        out.push_back({byte, 1});
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        bytes_needed = 1;
        code_point = byte & 0x1F;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower = 0xA0;
        if (byte == 0xED) upper = 0x9F;
        bytes_needed = 2;
        code_point = byte & 0xF;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower = 0x90;
        if (byte == 0xF4) upper = 0x8F;
        bytes_needed = 3;
        code_point = byte & 0x7;
      } else {
        error(1);
      }
      continue;
    }
    if (byte < lower || byte > upper) {
      // "set UTF-8 code point, UTF-8 bytes needed, and UTF-8 bytes seen to 0, set UTF-8 lower boundary to 0x80,
      // and UTF-8 upper boundary to 0xBF. Restore byte to ioQueue. Return error." (i is not advanced.)
      error(static_cast<uint32_t>(1 + bytes_seen));
      code_point = 0;
      bytes_needed = 0;
      bytes_seen = 0;
      lower = 0x80;
      upper = 0xBF;
      continue;
    }
    ++i;
    lower = 0x80;
    upper = 0xBF;
    code_point = (code_point << 6) | (byte & 0x3F);
    ++bytes_seen;
    if (bytes_seen != bytes_needed) continue;
    out.push_back({code_point, static_cast<uint32_t>(1 + bytes_needed)});
    code_point = 0;
    bytes_needed = 0;
    bytes_seen = 0;
  }
  // "If byte is end-of-queue and UTF-8 bytes needed is not 0, set UTF-8 bytes needed to 0 and return error."
  if (bytes_needed != 0) error(static_cast<uint32_t>(1 + bytes_seen));
  return out;
}

std::string utf8_encode(const std::u32string& s) {
  std::string out;
  for (const char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string decode_value(std::string_view bytes) {
  std::u32string s;
  for (const CodePoint& cp : utf8_decode(bytes, /*strip_bom=*/false)) s += cp.value;
  return utf8_encode(s);
}

// ---------------------------------------------------------------------------------------------------------------
// WHATWG HTML §9.2.6 "Interpreting an event stream".

namespace {

// A run of decoded code points; each remembers how many body bytes it came from (for the cap only).
using Text = std::vector<CodePoint>;

std::u32string chars_of(const Text& t) {
  std::u32string s;
  for (const CodePoint& cp : t) s += cp.value;
  return s;
}

size_t bytes_of(const Text& t) {
  size_t n = 0;
  for (const CodePoint& cp : t) n += cp.bytes;
  return n;
}

bool equals_ascii(const std::u32string& s, const char* literal) {
  size_t i = 0;
  for (; literal[i] != '\0'; ++i) {
    if (i == s.size() || s[i] != static_cast<char32_t>(literal[i])) return false;
  }
  return i == s.size();
}

class Interpreter {
 public:
  Interpreter(std::string_view last_event_id, size_t cap) : cap_(cap) {
    for (const CodePoint& cp : utf8_decode(last_event_id, false)) last_event_id_string_ += cp.value;
    last_event_id_buffer_ = last_event_id_string_;
  }

  Result run(std::string_view body) {
    // "Streams must be decoded using the UTF-8 decode algorithm."
    const std::vector<CodePoint> stream = utf8_decode(body, /*strip_bom=*/true);

    // "The stream must then be parsed by reading everything line by line, with a U+000D CARRIAGE RETURN U+000A LINE
    // FEED (CRLF) character pair, a single U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE RETURN
    // (CR) character, and a single U+000D CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED (LF)
    // character being the ways in which a line can end."
    size_t i = 0;
    while (!result_.cap_exceeded) {
      Text line;
      while (i < stream.size() && stream[i].value != U'\r' && stream[i].value != U'\n') line.push_back(stream[i++]);
      if (i == stream.size()) {
        // "Once the end of the file is reached, any pending data must be discarded. (If the file ends in the middle
        // of an event, before the final empty line, the incomplete event is not dispatched.)" The unterminated line
        // is never interpreted; it only counts against the cap (see the header). A body that is nothing but the
        // start of a BOM ("\xEF", "\xEF\xBB") is still being sniffed, not a line.
        const bool partial_bom = body == std::string_view("\xEF", 1) || body == std::string_view("\xEF\xBB", 2);
        if (bytes_of(line) > cap_ && !partial_bom) exceed();
        break;
      }
      if (stream[i].value == U'\r' && i + 1 < stream.size() && stream[i + 1].value == U'\n') ++i;
      ++i;
      if (bytes_of(line) > cap_) {
        exceed();
        break;
      }
      process_line(line);
    }
    result_.last_event_id = utf8_encode(last_event_id_string_);
    return std::move(result_);
  }

 private:
  void exceed() {
    result_.cap_exceeded = true;
    result_.records.push_back({Record::Kind::kCapExceeded, {}, {}, {}});
  }

  // "Lines must be processed, in the order they are received, as follows:"
  void process_line(const Text& line) {
    // "If the line is empty (a blank line): Dispatch the event, as defined below."
    if (line.empty()) {
      dispatch();
      return;
    }
    // "If the line starts with a U+003A COLON character (:): Ignore the line."
    if (line[0].value == U':') return;
    size_t colon = 0;
    while (colon < line.size() && line[colon].value != U':') ++colon;
    Text field, value;
    if (colon < line.size()) {
      // "If the line contains a U+003A COLON character (:): Collect the characters on the line before the first
      // U+003A COLON character (:), and let field be that string. Collect the characters on the line after the first
      // U+003A COLON character (:), and let value be that string. If value starts with a U+0020 SPACE character,
      // remove it from value."
      field.assign(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon));
      value.assign(line.begin() + static_cast<std::ptrdiff_t>(colon) + 1, line.end());
      if (!value.empty() && value[0].value == U' ') value.erase(value.begin());
    } else {
      // "Otherwise, the string is not empty but does not contain a U+003A COLON character (:): Process the field
      // using the steps described below, using the whole line as the field name, and the empty string as the field
      // value."
      field = line;
    }
    process_field(chars_of(field), chars_of(value), bytes_of(value));
  }

  // "The steps to process the field given a field name and a field value depend on the field name, as given in the
  // following list. Field names must be compared literally, with no case folding performed."
  void process_field(const std::u32string& field, const std::u32string& value, size_t value_bytes) {
    if (equals_ascii(field, "event")) {
      // "Set the event type buffer to field value."
      event_type_buffer_ = value;
    } else if (equals_ascii(field, "data")) {
      // "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character to the data
      // buffer."
      if (data_bytes_ + value_bytes + 1 > cap_) {
        exceed();
        return;
      }
      data_buffer_ += value;
      data_buffer_ += U'\n';
      data_bytes_ += value_bytes + 1;
    } else if (equals_ascii(field, "id")) {
      // "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value.
      // Otherwise, ignore the field."
      if (value.find(U'\0') == std::u32string::npos) last_event_id_buffer_ = value;
    } else if (equals_ascii(field, "retry")) {
      // "If the field value consists of only ASCII digits, then interpret the field value as an integer in base ten,
      // and set the event stream's reconnection time to that integer. Otherwise, ignore the field."
      // An empty value: see the header (Chromium restores the default).
      if (value.empty()) {
        result_.records.push_back({Record::Kind::kRetryDefault, {}, {}, {}});
        return;
      }
      for (const char32_t c : value) {
        if (c < U'0' || c > U'9') return;
      }
      result_.records.push_back({Record::Kind::kRetry, {}, {}, utf8_encode(value)});
    }
    // "Otherwise: The field is ignored."
  }

  // "When the user agent is required to dispatch the event, the user agent must process the data buffer, the event
  // type buffer, and the last event ID buffer using steps appropriate for the user agent."  For web browsers:
  void dispatch() {
    // "1. Set the last event ID string of the event source to the value of the last event ID buffer. The buffer
    // does not get reset, so the last event ID string of the event source remains set to this value until the next
    // time it is set by the server."
    if (last_event_id_string_ != last_event_id_buffer_) {
      last_event_id_string_ = last_event_id_buffer_;
      result_.records.push_back({Record::Kind::kLastEventId, {}, {}, utf8_encode(last_event_id_string_)});
    }
    // "2. If the data buffer is an empty string, set the data buffer and the event type buffer to the empty string
    // and return."
    if (data_buffer_.empty()) {
      data_buffer_.clear();
      event_type_buffer_.clear();
      data_bytes_ = 0;
      return;
    }
    // "3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove the last character
    // from the data buffer."
    std::u32string data = data_buffer_;
    if (data.back() == U'\n') data.pop_back();
    // "5. Initialize event's type attribute to "message", its data attribute to data, ... and its lastEventId
    // attribute to the last event ID string of the event source.
    // 6. If the event type buffer has a value other than the empty string, change the type of the newly created
    // event to equal the value of the event type buffer."
    std::u32string type = U"message";
    if (!event_type_buffer_.empty()) type = event_type_buffer_;
    result_.records.push_back(
        {Record::Kind::kEvent, utf8_encode(type), utf8_encode(data), utf8_encode(last_event_id_string_)});
    // "7. Set the data buffer and the event type buffer to the empty string."
    data_buffer_.clear();
    event_type_buffer_.clear();
    data_bytes_ = 0;
  }

  const size_t cap_;
  Result result_;
  std::u32string data_buffer_;
  size_t data_bytes_ = 0;  // body bytes behind the data buffer (for the cap only)
  std::u32string event_type_buffer_;
  std::u32string last_event_id_buffer_;
  std::u32string last_event_id_string_;
};

}  // namespace

Result interpret_event_stream(std::string_view body, std::string_view last_event_id, size_t max_event_bytes) {
  return Interpreter(last_event_id, max_event_bytes).run(body);
}

std::string describe(const Record& r) {
  switch (r.kind) {
    case Record::Kind::kLastEventId: return "last-event-id [" + r.text + "]";
    case Record::Kind::kEvent: return "event type=[" + r.type + "] data=[" + r.data + "] lastEventId=[" + r.text + "]";
    case Record::Kind::kRetry: return "retry " + r.text;
    case Record::Kind::kRetryDefault: return "retry (default)";
    case Record::Kind::kCapExceeded: return "cap exceeded";
    case Record::Kind::kReset: return "-- new stream --";
  }
  return "?";
}

}  // namespace ref

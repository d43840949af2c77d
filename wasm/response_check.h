// Response check (WHATWG §9.2.3, A6): is this response the start of an event stream?
// Chromium is the reference: status exactly 200, MIME type essence exactly text/event-stream (ASCII
// case-insensitive, parameters allowed), and a charset parameter, if any, naming UTF-8.
#pragma once

#include <string_view>

namespace tes {

enum class ResponseVerdict : unsigned char {
  kAccept,          // announce the connection
  kBadStatus,       // not 200
  kBadContentType,  // 200, but not text/event-stream, or a charset other than UTF-8
};

[[nodiscard]] ResponseVerdict check_response(int status, std::string_view content_type);

// True when `content_type` (a Content-Type header value) parses as text/event-stream with no charset or UTF-8.
[[nodiscard]] bool is_event_stream_type(std::string_view content_type);

}  // namespace tes

#include "response_check.h"

#include <cstddef>

namespace tes {
namespace {

bool is_http_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_http_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_http_whitespace(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A quoted parameter value loses its quotes and backslash escapes (WHATWG MIME Sniffing, "collect an HTTP
// quoted string"); an unquoted one is taken as is.
std::string_view unquote(std::string_view v, char* scratch, size_t scratch_len) {
  if (v.size() < 2 || v.front() != '"') return v;
  size_t n = 0;
  for (size_t i = 1; i < v.size() && n < scratch_len; ++i) {
    char c = v[i];
    if (c == '"') break;
    if (c == '\\' && i + 1 < v.size()) c = v[++i];
    scratch[n++] = c;
  }
  return std::string_view(scratch, n);
}

}  // namespace

bool is_event_stream_type(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  const std::string_view essence = trim(content_type.substr(0, semi));
  if (!equals_ignoring_ascii_case(essence, "text/event-stream")) return false;
  if (semi == std::string_view::npos) return true;

  std::string_view params = content_type.substr(semi + 1);
  bool charset_seen = false;
  while (!params.empty()) {
    const size_t next = params.find(';');
    const std::string_view param = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!equals_ignoring_ascii_case(trim(param.substr(0, eq)), "charset")) continue;
    if (charset_seen) continue;  // the first charset parameter wins, as in MIME type parsing
    charset_seen = true;
    char scratch[16];
    const std::string_view value = unquote(trim(param.substr(eq + 1)), scratch, sizeof scratch);
    if (!equals_ignoring_ascii_case(value, "utf-8")) return false;
  }
  return true;
}

ResponseVerdict check_response(int status, std::string_view content_type) {
  if (status != 200) return ResponseVerdict::kBadStatus;
  if (!is_event_stream_type(content_type)) return ResponseVerdict::kBadContentType;
  return ResponseVerdict::kAccept;
}

}  // namespace tes

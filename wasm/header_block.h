// Reading one field out of a raw response header block ("name: value\r\n…", as XMLHttpRequest's
// getAllResponseHeaders() returns it), for the core's own span export (wasm/fetch_export.h), which sees only
// that block.
#pragma once

#include <optional>
#include <string_view>

namespace tes {

// The value of the first field named `name` (ASCII case-insensitive), without surrounding spaces and tabs;
// nullopt when absent. Lines may end in CRLF or LF; a line without a colon is skipped.
std::optional<std::string_view> find_header(std::string_view block, std::string_view name);

}  // namespace tes

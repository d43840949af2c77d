// The core's own span export (REQUIREMENTS D6, DESIGN "Span export"): where XMLHttpRequest exists (pages,
// workers) a batch is POSTed from here through the Emscripten Fetch API, and the outcome — status and
// Retry-After — comes back here without a round trip through the shell. Wasm only; Node has no
// XMLHttpRequest, so there the shell sends the same bytes with fetch() and reports the outcome itself.
#pragma once
#ifdef __EMSCRIPTEN__

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "export_policy.h"

namespace tes {

// Called once per started export, from the XHR's completion (never synchronously from start_fetch_export).
// `outcome.retry_after` points into a buffer that lives only for the call.
using FetchExportDone = void (*)(void* owner, uint32_t job, const ExportOutcome& outcome);

struct FetchExportRequest {
  std::string_view url;
  std::vector<std::string_view> headers;  // name, value, name, value…; Content-Type is added here
  std::string_view body;                  // copied by the XHR during the call
  uint32_t timeout_ms = 0;                // 0 = none
};

// POSTs `request` without credentials. False when the request could not be started (then `done` is never
// called); the caller keeps the job and may send it another way.
bool start_fetch_export(const FetchExportRequest& request, void* owner, uint32_t job, FetchExportDone done);

}  // namespace tes

#endif  // __EMSCRIPTEN__

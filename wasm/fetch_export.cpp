#ifdef __EMSCRIPTEN__
#include "fetch_export.h"

#include <emscripten/fetch.h>

#include <cstring>
#include <new>

#include "header_block.h"

namespace tes {
namespace {

struct Pending {
  void* owner;
  uint32_t job;
  FetchExportDone done;
};

// onsuccess and onerror both end here. XHR status 0 is a network failure, a CORS refusal or a timeout.
void finish(emscripten_fetch_t* fetch) {
  auto* pending = static_cast<Pending*>(fetch->userData);
  if (!pending) return;      // emscripten_fetch_close() below may report an unfinished fetch once more
  fetch->userData = nullptr;
  const Pending p = *pending;
  delete pending;

  const uint16_t status = fetch->status;
  std::string block;
  if (status != 0) {
    const size_t len = emscripten_fetch_get_response_headers_length(fetch);
    if (len > 0) {
      block.resize(len);
      const size_t written = emscripten_fetch_get_response_headers(fetch, block.data(), len);
      block.resize(written > 0 ? written - 1 : 0);  // without the NUL
    }
  }
  emscripten_fetch_close(fetch);

  // 0xFFFF: aborted by emscripten_fetch_close() before it finished; treat as a network failure.
  const ExportOutcome outcome = (status == 0 || status == 0xFFFF)
                                    ? ExportOutcome::network_failure()
                                    : ExportOutcome::http(status, find_header(block, "retry-after").value_or(""));
  p.done(p.owner, p.job, outcome);
}

}  // namespace

bool start_fetch_export(const FetchExportRequest& request, void* owner, uint32_t job, FetchExportDone done) {
  // NUL-terminated copies for the C API; emscripten_fetch() copies them again, so they may die with this call.
  std::vector<std::string> strings;
  strings.reserve(request.headers.size() + 3);
  for (std::string_view s : request.headers) strings.emplace_back(s);
  strings.emplace_back("Content-Type");
  strings.emplace_back("application/json");
  std::vector<const char*> headers;
  headers.reserve(strings.size() + 1);
  for (const std::string& s : strings) headers.push_back(s.c_str());
  headers.push_back(nullptr);
  const std::string url(request.url);

  auto* pending = new (std::nothrow) Pending{owner, job, done};
  if (!pending) return false;

  emscripten_fetch_attr_t attr;
  emscripten_fetch_attr_init(&attr);
  std::strcpy(attr.requestMethod, "POST");
  // REPLACE: straight to the network (no IndexedDB lookup); no LOAD_TO_MEMORY: the answer's body is not read.
  attr.attributes = EMSCRIPTEN_FETCH_REPLACE;
  attr.requestHeaders = headers.data();
  attr.requestData = request.body.data();
  attr.requestDataSize = request.body.size();
  attr.timeoutMSecs = request.timeout_ms;
  attr.withCredentials = false;
  attr.userData = pending;
  attr.onsuccess = finish;
  attr.onerror = finish;
  if (!emscripten_fetch(&attr, url.c_str())) {
    delete pending;
    return false;
  }
  return true;
}

}  // namespace tes
#endif  // __EMSCRIPTEN__

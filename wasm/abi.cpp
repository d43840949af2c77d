// The C ABI exported from the Wasm module: the only file that knows the core is called from JavaScript.
//
// Call order per connection: tes_connection_new → tes_start → (tes_input_buffer + tes_response | tes_bytes,
// tes_end, tes_timer)* → tes_close → tes_connection_free. Every input returns a pointer to a CommandView
// describing the commands it produced (commands.h); the view and what it points to stay valid until the next
// input on the same connection. Times are milliseconds from any monotonic origin (performance.now()).
#include <cmath>
#include <cstdint>
#include <new>
#include <vector>

#include "connection.h"

namespace {

struct CommandView {
  const uint32_t* words;
  uint32_t word_count;
  const char* strings;
};

struct Handle {
  explicit Handle(const tes::ConnectionOptions& options) : connection(options) {}
  tes::Connection connection;
  std::vector<uint8_t> input;  // reused for every chunk: one copy in from JS, none inside
  CommandView view{};
};

tes::Millis to_millis(double now) { return static_cast<tes::Millis>(std::floor(now)); }

const CommandView* view_of(Handle* h) {
  const tes::CommandBuffer& c = h->connection.commands();
  h->view = {c.words().data(), static_cast<uint32_t>(c.words().size()), c.strings().data()};
  return &h->view;
}

}  // namespace

extern "C" {

// Doubles carry integers above 2^32 exactly up to 2^53: enough for any delay or cap.
Handle* tes_connection_new(double retry_ms, double max_event_bytes) {
  tes::ConnectionOptions options;
  options.retry_ms = static_cast<uint64_t>(retry_ms);
  options.max_event_bytes = static_cast<size_t>(max_event_bytes);
  return new (std::nothrow) Handle(options);
}

void tes_connection_free(Handle* h) { delete h; }

// A buffer of at least `len` bytes for the next tes_bytes / tes_response; valid until the next call here.
uint8_t* tes_input_buffer(Handle* h, uint32_t len) {
  if (h->input.size() < len) h->input.resize(len);
  return h->input.data();
}

const CommandView* tes_start(Handle* h, double now) {
  h->connection.start(to_millis(now));
  return view_of(h);
}

// The Content-Type header value (UTF-8, `content_type_len` bytes) is in the input buffer.
const CommandView* tes_response(Handle* h, double now, int status, uint32_t content_type_len) {
  const auto* p = reinterpret_cast<const char*>(h->input.data());
  h->connection.response(to_millis(now), status, std::string_view(p, content_type_len));
  return view_of(h);
}

const CommandView* tes_bytes(Handle* h, double now, uint32_t len) {
  h->connection.bytes(to_millis(now), h->input.data(), len);
  return view_of(h);
}

const CommandView* tes_end(Handle* h, double now, uint32_t close_type) {
  if (close_type >= tes::kCloseTypeCount) close_type = static_cast<uint32_t>(tes::CloseType::kNetwork);
  h->connection.end(to_millis(now), static_cast<tes::CloseType>(close_type));
  return view_of(h);
}

const CommandView* tes_timer(Handle* h, double now) {
  h->connection.timer(to_millis(now));
  return view_of(h);
}

const CommandView* tes_close(Handle* h, double now) {
  h->connection.close(to_millis(now));
  return view_of(h);
}

}  // extern "C"

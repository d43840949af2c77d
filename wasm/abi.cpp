// The C ABI exported from the Wasm module: the only file that knows the core is called from JavaScript.
//
// Call order per connection: tes_connection_new → [tes_configure_trace] [tes_configure_reconnect] → tes_start →
// (tes_input_buffer + tes_response | tes_bytes, tes_end, tes_timer, tes_network)* → tes_close →
// tes_connection_free; tes_stats at any time. Every input returns a
// pointer to a CommandView describing the commands it produced (commands.h); the view and what it points to
// stay valid until the next input on the same handle. Times are wall-clock milliseconds anchored once by the
// shell (performance.timeOrigin + performance.now()), so they are monotonic too.
//
// A tracer handle (tes_tracer_*) gives traced fetch() calls the same trace context without a connection.
#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "connection.h"
#include "fetch_export.h"
#include "http_client_span.h"
#include "telemetry.h"

// Imports (wasm/host-imports.js): randomness from crypto.getRandomValues, the shell's clock, and the hand-over
// of commands produced when an export the core sent itself settles.
struct CommandView;
struct TelemetryHandle;
extern "C" void tes_host_fill_random(uint8_t* out, size_t len);
extern "C" double tes_host_now();
extern "C" void tes_host_export_done(TelemetryHandle* telemetry, uint32_t job, const CommandView* view);

namespace {

class HostRandom final : public tes::RandomSource {
 public:
  void fill(uint8_t* out, size_t len) override { tes_host_fill_random(out, len); }
};
HostRandom host_random;

// Trace config flags, as js-glue/core-bindings.js passes them.
constexpr uint32_t kTraceW3c = 1;
constexpr uint32_t kTraceXray = 2;
constexpr uint32_t kTraceOmitUnsampled = 4;

tes::TracerConfig tracer_config(uint32_t flags, double sample_ratio) {
  tes::TracerConfig c;
  c.w3c = (flags & kTraceW3c) != 0;
  c.xray = (flags & kTraceXray) != 0;
  c.omit_unsampled = (flags & kTraceOmitUnsampled) != 0;
  c.sample_ratio = sample_ratio;
  return c;
}

// The input buffer holds NUL-terminated strings: the parent, then `tracestate_count` and `baggage_count`
// strings (alternating keys and values). The views point into the buffer, which outlives the call.
// The NUL-terminated strings laid end to end in the first `len` bytes of `buffer`.
std::vector<std::string_view> split_nul(const std::vector<uint8_t>& buffer, uint32_t len) {
  std::vector<std::string_view> out;
  const char* p = reinterpret_cast<const char*>(buffer.data());
  size_t start = 0;
  for (size_t i = 0; i < len && i < buffer.size(); ++i) {
    if (p[i] == '\0') {
      out.emplace_back(p + start, i - start);
      start = i + 1;
    }
  }
  return out;
}

tes::TracerInput tracer_input(const std::vector<uint8_t>& buffer, uint32_t len, uint32_t tracestate_count,
                              uint32_t baggage_count) {
  const std::vector<std::string_view> strings = split_nul(buffer, len);
  tes::TracerInput input;
  if (strings.size() != 1 + size_t{tracestate_count} + baggage_count) return input;  // malformed: ignore all
  input.parent = strings[0];
  input.tracestate.assign(strings.begin() + 1, strings.begin() + 1 + tracestate_count);
  input.baggage.assign(strings.begin() + 1 + tracestate_count, strings.end());
  return input;
}

}  // namespace

// At global scope because the imports above name them.
struct CommandView {
  const uint32_t* words;
  uint32_t word_count;
  const char* strings;    // the text area: valid UTF-8, string pairs count UTF-16 units
  uint32_t strings_size;  // in bytes
  const char* bytes;      // the byte area (kExport payloads)
};

namespace {

struct Handle {
  explicit Handle(const tes::ConnectionOptions& options) : connection(options, host_random) {}
  tes::Connection connection;
  std::vector<uint8_t> input;  // reused for every chunk: one copy in from JS, none inside
  CommandView view{};
  uint32_t stats[1 + tes::kCloseTypeCount] = {};
};

tes::Millis to_millis(double now) { return static_cast<tes::Millis>(std::floor(now)); }

const CommandView* view_of(const tes::CommandBuffer& c, CommandView* view) {
  *view = {c.words().data(), static_cast<uint32_t>(c.words().size()), c.strings().data(),
           static_cast<uint32_t>(c.strings().size()), c.bytes().data()};
  return view;
}

const CommandView* view_of(Handle* h) { return view_of(h->connection.commands(), &h->view); }

struct TracerHandle {
  explicit TracerHandle(const tes::TracerConfig& config) : tracer(host_random, config) {}
  tes::Tracer tracer;
  tes::CommandBuffer commands;
  std::vector<uint8_t> input;
  CommandView view{};
};

uint8_t* grow(std::vector<uint8_t>& buffer, uint32_t len) {
  if (buffer.size() < len) buffer.resize(len);
  return buffer.data();
}

// Three strings laid end to end in `buffer`: X-Amzn-Trace-Id, traceresponse, server-timing.
tes::ResponseTrace response_trace(const std::vector<uint8_t>& buffer, uint32_t xray_len, uint32_t traceresponse_len,
                                  uint32_t server_timing_len) {
  const char* p = reinterpret_cast<const char*>(buffer.data());
  return tes::read_response_trace(std::string_view(p, xray_len), std::string_view(p + xray_len, traceresponse_len),
                                  std::string_view(p + xray_len + traceresponse_len, server_timing_len));
}

}  // namespace

struct TelemetryHandle {
  explicit TelemetryHandle(const tes::TelemetryOptions& options) : telemetry(options, host_random) {}
  tes::Telemetry telemetry;
  std::vector<uint8_t> input;
  CommandView view{};
  double stats[12] = {};
  std::string endpoint;         // for the core's own sends (tes_telemetry_send)
  uint32_t timeout_ms = 0;
  uint32_t sends_in_flight = 0;
  bool freed = false;           // tes_telemetry_free came while sends were in flight: delete after the last
};

namespace {

// An export sent by tes_telemetry_send settled: the outcome goes into the telemetry, its commands to the shell.
void on_fetch_export_done(void* owner, uint32_t job, const tes::ExportOutcome& outcome) {
  auto* t = static_cast<TelemetryHandle*>(owner);
  --t->sends_in_flight;
  if (t->freed) {
    if (t->sends_in_flight == 0) delete t;
    return;
  }
  t->telemetry.result(to_millis(tes_host_now()), job, outcome);
  tes_host_export_done(t, job, view_of(t->telemetry.commands(), &t->view));
}

}  // namespace

extern "C" {

// Doubles carry integers above 2^32 exactly up to 2^53: enough for any delay or cap.
Handle* tes_connection_new(double retry_ms, double max_event_bytes, uint32_t trace_flags, double sample_ratio) {
  tes::ConnectionOptions options;
  options.retry_ms = static_cast<uint64_t>(retry_ms);
  options.max_event_bytes = static_cast<size_t>(max_event_bytes);
  options.trace = tracer_config(trace_flags, sample_ratio);
  return new (std::nothrow) Handle(options);
}

// Doubles for the durations (integers up to 2^53); max_retries ≥ 2^32−1 means no limit. The input buffer holds
// `status_count` uint32 statuses to retry (replacing the default 429, 502, 503, 504).
const CommandView* tes_configure_reconnect(Handle* h, double idle_timeout_ms, double max_retry_delay_ms,
                                           double max_retries, double max_retry_after_ms, uint32_t strict,
                                           uint32_t status_count) {
  tes::ReconnectOptions options;
  options.max_retry_delay_ms = static_cast<uint64_t>(max_retry_delay_ms);
  options.max_retries = max_retries >= 4294967295.0 ? UINT32_MAX : static_cast<uint32_t>(max_retries);
  options.max_retry_after_ms = static_cast<uint64_t>(max_retry_after_ms);
  options.strict = strict != 0;
  options.retry_statuses.clear();
  const uint8_t* p = h->input.data();
  for (uint32_t i = 0; i < status_count && (i + 1) * 4 <= h->input.size(); ++i) {
    options.set_retry_status(static_cast<int>(p[4 * i] | (p[4 * i + 1] << 8) | (p[4 * i + 2] << 16)), true);
  }
  h->connection.configure_reconnect(options, static_cast<uint64_t>(idle_timeout_ms));
  return view_of(h);
}

const CommandView* tes_configure_trace(Handle* h, uint32_t len, uint32_t tracestate_count, uint32_t baggage_count) {
  h->connection.configure_trace(tracer_input(h->input, len, tracestate_count, baggage_count));
  return view_of(h);
}

void tes_connection_free(Handle* h) { delete h; }

// A buffer of at least `len` bytes for the next input that reads one; valid until the next call here.
uint8_t* tes_input_buffer(Handle* h, uint32_t len) { return grow(h->input, len); }

const CommandView* tes_start(Handle* h, double now) {
  h->connection.start(to_millis(now));
  return view_of(h);
}

// The input buffer holds, end to end: Content-Type, X-Amzn-Trace-Id, traceresponse, server-timing, Retry-After
// (UTF-8). resume_supported: 0 when the response said X-SSE-Resume-Supported: false.
const CommandView* tes_response(Handle* h, double now, int status, uint32_t content_type_len, uint32_t xray_len,
                                uint32_t traceresponse_len, uint32_t server_timing_len, uint32_t retry_after_len,
                                uint32_t resume_supported) {
  const auto* p = reinterpret_cast<const char*>(h->input.data());
  tes::ResponseHead head;
  head.status = status;
  head.content_type = std::string_view(p, content_type_len);
  p += content_type_len;
  head.xray = std::string_view(p, xray_len);
  head.traceresponse = std::string_view(p + xray_len, traceresponse_len);
  head.server_timing = std::string_view(p + xray_len + traceresponse_len, server_timing_len);
  head.retry_after = std::string_view(p + xray_len + traceresponse_len + server_timing_len, retry_after_len);
  head.resume_supported = resume_supported != 0;
  h->connection.response(to_millis(now), head);
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

// Spans of this connection go to `t` (before tes_start). The telemetry must be freed after the connection, or the
// connection stops recording when it is.
// event_span_ratio: the share of events that get their own span (0 = none).
void tes_connection_attach(Handle* h, TelemetryHandle* t, double event_span_ratio) {
  h->connection.attach_telemetry(t ? &t->telemetry : nullptr, event_span_ratio);
}

// The input buffer holds the redacted request URL then its host.
void tes_connection_set_url(Handle* h, uint32_t url_len, uint32_t host_len) {
  const char* p = reinterpret_cast<const char*>(h->input.data());
  h->connection.set_url(std::string_view(p, url_len), std::string_view(p + url_len, host_len));
}

// ---- telemetry: one per exporter (REQUIREMENTS D5–D7) ----

TelemetryHandle* tes_telemetry_new(double max_queue, double max_batch, double delay_ms, double max_in_flight,
                                   double deadline_ms) {
  tes::TelemetryOptions o;
  o.queue.max_queue_size = static_cast<uint32_t>(max_queue);
  o.queue.max_batch_size = static_cast<uint32_t>(max_batch);
  o.queue.schedule_delay_ms = static_cast<int64_t>(delay_ms);
  o.export_policy.max_in_flight = static_cast<uint32_t>(max_in_flight);
  o.export_policy.deadline_ms = static_cast<int64_t>(deadline_ms);
  return new (std::nothrow) TelemetryHandle(o);
}

void tes_telemetry_free(TelemetryHandle* t) {
  if (t->sends_in_flight > 0) {
    t->freed = true;  // its completions still point here
  } else {
    delete t;
  }
}

uint8_t* tes_telemetry_input_buffer(TelemetryHandle* t, uint32_t len) { return grow(t->input, len); }

// The input buffer holds NUL-terminated: service.name, service.version, telemetry.sdk.version,
// user_agent.original. The resource's session.id is drawn here, once per telemetry (a page session).
void tes_telemetry_configure(TelemetryHandle* t, uint32_t len) {
  const std::vector<std::string_view> s = split_nul(t->input, len);
  tes::Resource& r = t->telemetry.resource();
  if (s.size() > 0) r.service_name.assign(s[0].data(), s[0].size());
  if (s.size() > 1) r.service_version.assign(s[1].data(), s[1].size());
  if (s.size() > 2) {
    r.telemetry_sdk_version.assign(s[2].data(), s[2].size());
    t->telemetry.scope().version = r.telemetry_sdk_version;
  }
  if (s.size() > 3) r.user_agent_original.assign(s[3].data(), s[3].size());
  r.session_id = tes::new_trace_id(host_random, 0).hex();
}

const CommandView* tes_telemetry_tick(TelemetryHandle* t, double now) {
  t->telemetry.tick(to_millis(now));
  return view_of(t->telemetry.commands(), &t->view);
}

// The input buffer holds the Retry-After value (retry_after_len bytes).
const CommandView* tes_telemetry_result(TelemetryHandle* t, double now, uint32_t job, uint32_t network_error,
                                        int status, uint32_t retry_after_len) {
  const std::string_view retry_after(reinterpret_cast<const char*>(t->input.data()), retry_after_len);
  t->telemetry.result(to_millis(now), job,
                      network_error ? tes::ExportOutcome::network_failure() : tes::ExportOutcome::http(status, retry_after));
  return view_of(t->telemetry.commands(), &t->view);
}

// Where the core's own sends go. The input buffer holds the collector URL (len bytes); `timeout_ms` bounds each
// request.
void tes_telemetry_set_endpoint(TelemetryHandle* t, uint32_t len, double timeout_ms) {
  t->endpoint.assign(reinterpret_cast<const char*>(t->input.data()), len);
  t->timeout_ms = static_cast<uint32_t>(timeout_ms);
}

// POSTs the payload of `job` (from a kExport without keepalive) through the Emscripten Fetch API; its outcome
// comes back through tes_host_export_done. The input buffer holds NUL-terminated request header names and values
// (the app's headers, evaluated by the shell for this send). 1 = sent; 0 = not started (unknown job, no
// endpoint, no XMLHttpRequest): the shell sends it instead and reports with tes_telemetry_result.
uint32_t tes_telemetry_send(TelemetryHandle* t, uint32_t job, uint32_t len) {
  const std::string* payload = t->telemetry.payload(job);
  if (!payload || t->endpoint.empty()) return 0;
  tes::FetchExportRequest request;
  request.url = t->endpoint;
  request.headers = split_nul(t->input, len);
  if (request.headers.size() % 2 != 0) return 0;
  request.body = *payload;
  request.timeout_ms = t->timeout_ms;
  if (!tes::start_fetch_export(request, t, job, on_fetch_export_done)) return 0;
  ++t->sends_in_flight;
  return 1;
}

const CommandView* tes_telemetry_flush(TelemetryHandle* t, double now) {
  t->telemetry.flush(to_millis(now));
  return view_of(t->telemetry.commands(), &t->view);
}

// One traced fetch. The input buffer holds NUL-terminated: trace id, span id, method, url, host, error type,
// X-Ray trace id, traceresponse, server-timing trace id. True when the queue wants a tick sooner.
uint32_t tes_telemetry_client_span(TelemetryHandle* t, double start, double end, int status, uint32_t len) {
  const std::vector<std::string_view> s = split_nul(t->input, len);
  if (s.size() != 9) return 0;
  tes::HttpClientCall call;
  call.trace_id_hex = s[0];
  call.span_id_hex = s[1];
  call.method = s[2];
  call.url = s[3];
  call.host = s[4];
  call.error_type = s[5];
  call.response = {std::string(s[6]), std::string(s[7]), std::string(s[8])};
  call.status = status;
  call.start_ms = to_millis(start);
  call.end_ms = to_millis(end);
  std::optional<tes::Span> span = tes::make_http_client_span(call, t->telemetry.limits());
  if (!span) return 0;
  return t->telemetry.record(std::move(*span), to_millis(end)) ? 1 : 0;
}

// [queued, exports in flight, spans in flight, exported, flushed, retries, dropped: queue full, too large, rejected,
// failed, export failures: network, status] as doubles (exact up to 2^53); valid until the next call here.
const double* tes_telemetry_stats(TelemetryHandle* t) {
  const tes::SpanStats s = t->telemetry.stats();
  const uint64_t v[12] = {s.queued, s.exports_in_flight, s.spans_in_flight, s.exported, s.flushed, s.retries,
                          s.dropped[0], s.dropped[1], s.dropped[2], s.dropped[3],
                          s.export_failures[0], s.export_failures[1] + s.export_failures[2]};
  for (int i = 0; i < 12; ++i) t->stats[i] = static_cast<double>(v[i]);
  return t->stats;
}

const CommandView* tes_network(Handle* h, double now, uint32_t online) {
  h->connection.network(to_millis(now), online != 0);
  return view_of(h);
}

// [attempts, then the count of ended attempts per close type]: valid until the next call here.
const uint32_t* tes_stats(Handle* h) {
  h->stats[0] = h->connection.attempt();
  for (uint8_t t = 0; t < tes::kCloseTypeCount; ++t) h->stats[1 + t] = h->connection.closes(static_cast<tes::CloseType>(t));
  return h->stats;
}

const CommandView* tes_close(Handle* h, double now) {
  h->connection.close(to_millis(now));
  return view_of(h);
}

TracerHandle* tes_tracer_new(uint32_t trace_flags, double sample_ratio) {
  return new (std::nothrow) TracerHandle(tracer_config(trace_flags, sample_ratio));
}

void tes_tracer_free(TracerHandle* t) { delete t; }

uint8_t* tes_tracer_input_buffer(TracerHandle* t, uint32_t len) { return grow(t->input, len); }

const CommandView* tes_tracer_configure(TracerHandle* t, uint32_t len, uint32_t tracestate_count,
                                        uint32_t baggage_count) {
  t->commands.clear();
  for (const std::string& problem : t->tracer.configure(tracer_input(t->input, len, tracestate_count, baggage_count))) {
    t->commands.push_warning(problem);
  }
  return view_of(t->commands, &t->view);
}

// One kTrace record: the context of the next traced fetch.
const CommandView* tes_tracer_next(TracerHandle* t, double now) {
  t->commands.clear();
  t->commands.push_trace(t->tracer.next(to_millis(now)), t->tracer.session_id());
  return view_of(t->commands, &t->view);
}

// One kResponseTrace record; the input buffer holds X-Amzn-Trace-Id, traceresponse, server-timing end to end.
const CommandView* tes_tracer_response(TracerHandle* t, uint32_t xray_len, uint32_t traceresponse_len,
                                       uint32_t server_timing_len) {
  t->commands.clear();
  t->commands.push_response_trace(response_trace(t->input, xray_len, traceresponse_len, server_timing_len));
  return view_of(t->commands, &t->view);
}

}  // extern "C"

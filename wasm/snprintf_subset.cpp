// The only snprintf the Wasm core links (Wasm build only). nlohmann_json's serializer formats the \u escapes
// of control characters with snprintf("\\u%04x", …), which would pull in Emscripten's whole printf family —
// about 7 KB of Wasm (3 KB gzip) for four hex digits. Nothing else in the core calls snprintf; this version
// understands exactly the conversions nlohmann's serializer uses (%04x, %.2X, %.4X and literal text) and writes
// an empty string for any other format, which tests/node/export.test.mjs would catch through the escapes.
#ifdef __EMSCRIPTEN__
#include <cstdarg>
#include <cstddef>

extern "C" int snprintf(char* out, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  char buffer[64];
  size_t n = 0;
  bool ok = true;
  for (const char* f = format; *f && ok; ++f) {
    if (*f != '%') {
      if (n < sizeof buffer) buffer[n++] = *f;
      continue;
    }
    // %04x, %.2X, %.4X: a zero-padded hex number of 2 or 4 digits.
    const char* spec = f + 1;
    int width = 0;
    if ((spec[0] == '0' || spec[0] == '.') && (spec[1] == '2' || spec[1] == '4') &&
        (spec[2] == 'x' || spec[2] == 'X')) {
      width = spec[1] - '0';
    } else {
      ok = false;
      break;
    }
    const char* digits = spec[2] == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
    unsigned value = va_arg(args, unsigned);
    for (int i = width - 1; i >= 0; --i) {
      if (n < sizeof buffer) buffer[n++] = digits[(value >> (4 * i)) & 0xF];
    }
    f = spec + 2;
  }
  va_end(args);
  if (!ok) n = 0;
  if (size > 0) {
    const size_t copy = n < size - 1 ? n : size - 1;
    for (size_t i = 0; i < copy; ++i) out[i] = buffer[i];
    out[copy] = '\0';
  }
  return static_cast<int>(n);
}
#endif  // __EMSCRIPTEN__

// Random source: where the core gets random bytes, injected so the core itself has no randomness (DESIGN.md).
//
// The Wasm build implements RandomSource over an import that fills from `crypto.getRandomValues` (a CSPRNG, as
// REQUIREMENTS B1 asks for trace and span ids). Native tests use SplitMix64Random below, which is deterministic
// from its seed so that every run draws the same ids.
//
// Contract: fill(out, len) writes exactly `len` bytes and cannot fail. Callers never assume the bytes are good:
// id generation redraws all-zero ids (trace_context.h), so a broken source cannot yield an invalid id.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tes {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(uint8_t* out, size_t len) = 0;
};

// 8 random bytes as one number.
inline uint64_t random_u64(RandomSource& random) {
  uint8_t b[8];
  random.fill(b, sizeof b);
  uint64_t r = 0;
  for (uint8_t byte : b) r = (r << 8) | byte;
  return r;
}

// A uniform draw in [0, n] (the modulo bias is below 2^-40 for any delay the policies draw).
inline uint64_t random_up_to(RandomSource& random, uint64_t n) {
  const uint64_t r = random_u64(random);
  return n == UINT64_MAX ? r : r % (n + 1);
}

// NOT FOR PRODUCTION: predictable by design (anyone who knows the seed knows every id). For tests and fuzzing
// only; it lives in this header so tests need no extra source file, and costs nothing in builds that do not use it.
// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit counter stepped by the golden-ratio constant, then mixed.
class SplitMix64Random final : public RandomSource {
 public:
  explicit SplitMix64Random(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  void fill(uint8_t* out, size_t len) override {
    while (len > 0) {
      uint64_t word = next();
      for (int i = 0; i < 8 && len > 0; ++i, --len) {
        *out++ = static_cast<uint8_t>(word);
        word >>= 8;
      }
    }
  }

 private:
  uint64_t state_;
};

}  // namespace tes

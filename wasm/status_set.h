// A set of HTTP error statuses (400–599): which failures a policy retries. The reconnect policy and the export
// policy both default to the transient ones, 429, 502, 503 and 504, and let the app change the list.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace tes {

class StatusSet {
 public:
  // 429 Too Many Requests, 502 Bad Gateway, 503 Service Unavailable, 504 Gateway Timeout.
  static StatusSet transient() {
    StatusSet s;
    for (int status : {429, 502, 503, 504}) s.set(status, true);
    return s;
  }
  // Statuses outside 400..599 are ignored: never retried.
  void set(int status, bool in) {
    if (status < 400 || status > 599) return;
    const unsigned bit = static_cast<unsigned>(status - 400);
    const uint64_t mask = uint64_t{1} << (bit % 64);
    bits_[bit / 64] = in ? (bits_[bit / 64] | mask) : (bits_[bit / 64] & ~mask);
  }
  bool contains(int status) const {
    if (status < 400 || status > 599) return false;
    const unsigned bit = static_cast<unsigned>(status - 400);
    return ((bits_[bit / 64] >> (bit % 64)) & 1u) != 0;
  }
  void clear() {
    for (uint64_t& b : bits_) b = 0;
  }

 private:
  uint64_t bits_[4] = {};  // bit (status − 400)
};

}  // namespace tes

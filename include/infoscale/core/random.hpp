#pragma once
// Counter-based random numbers (Philox4x32-10, Random123). A draw is a pure function of
// (seed, stream, index), so bootstrap resamples, Monte Carlo samples and noise are identical on
// every back end and for every thread count: no generator state is shared or advanced.

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

#include "infoscale/core/config.hpp"

namespace infoscale {

/// One independent stream of random numbers; `index` selects the draw.
class random_stream {
 public:
  INFOSCALE_HOST_DEVICE constexpr random_stream(std::uint64_t seed, std::uint64_t stream)
      : seed_(seed), stream_(stream) {}

  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr std::uint64_t seed() const { return seed_; }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr std::uint64_t stream() const { return stream_; }

  /// 128 random bits for draw `index`, as four 32-bit words.
  [[nodiscard]] INFOSCALE_HOST_DEVICE r123::Philox4x32::ctr_type bits(std::uint64_t index) const {
    const r123::Philox4x32::ctr_type counter = {
        {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
         static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)}};
    const r123::Philox4x32::key_type key = {
        {static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)}};
    return r123::Philox4x32()(counter, key);
  }

  /// Uniform on the open interval (0, 1), 53 random bits.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double uniform(std::uint64_t index) const {
    const auto word = bits(index);
    return to_open_unit(word[0], word[1]);
  }

  /// Standard normal (Box-Muller on the draw's two uniforms).
  [[nodiscard]] INFOSCALE_HOST_DEVICE double normal(std::uint64_t index) const {
    const auto word = bits(index);
    const double u1 = to_open_unit(word[0], word[1]);
    const double u2 = to_open_unit(word[2], word[3]);
    constexpr double two_pi = 6.283185307179586;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
  }

  /// Uniform integer in [0, bound) (bound > 0), by Lemire's multiply-shift on 64 bits; the bias
  /// is below bound / 2^64.
  [[nodiscard]] INFOSCALE_HOST_DEVICE std::uint64_t below(std::uint64_t bound, std::uint64_t index) const {
    const auto word = bits(index);
    const std::uint64_t x = (std::uint64_t(word[1]) << 32) | word[0];
    return multiply_high(x, bound);
  }

 private:
  // The upper 64 bits of the 128-bit product a * b, in portable 32-bit pieces.
  INFOSCALE_HOST_DEVICE static constexpr std::uint64_t multiply_high(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
  }

  INFOSCALE_HOST_DEVICE static double to_open_unit(std::uint32_t low, std::uint32_t high) {
    const std::uint64_t mantissa = ((std::uint64_t(high) << 32) | low) >> 11;  // 53 bits
    return (static_cast<double>(mantissa) + 0.5) * 0x1p-53;
  }

  std::uint64_t seed_;
  std::uint64_t stream_;
};

}  // namespace infoscale

#pragma once
// exp for the non-positive arguments of a shifted softmax, written so compilers vectorise it: no
// branches, no calls, 2^k assembled from the bits of the rounding constant (works with AVX2's
// integer lanes, no double->int64 conversion). Relative error below 2 ulp on [-708, 0]; arguments
// below -708 give 0 (their weight next to the row maximum, whose term is 1, is below 1e-307).

#include <bit>
#include <cstdint>

#include "infoscale/core/config.hpp"

namespace infoscale::detail {

/// `value` where `keep`, else +0.0, by masking bits. A ternary on doubles would not do: GCC sinks
/// the operations that compute `value` into the arm that uses it, and under -ftrapping-math (the
/// default) a conditional floating-point operation stays a branch, which only AVX-512's masked
/// lanes vectorise; a bit mask is an integer select and vectorises with SSE2 or AVX2.
INFOSCALE_HOST_DEVICE inline double masked(double value, bool keep) {
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(keep);
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(value) & mask);
}

INFOSCALE_HOST_DEVICE inline double exp_nonpositive(double d) {
  constexpr double log2e = 1.4426950408889634;
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr double round_magic = 0x1.8p52;  // adding it rounds to an integer held in the low bits
  // d < -708 compared on the bits (an unsigned compare orders negative doubles by magnitude), and
  // the clamp done by masks, for the reason given at `masked`.
  constexpr std::uint64_t bits_of_limit = 0xc086200000000000u;  // -708.0
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(d);
  const bool underflows = bits > bits_of_limit;
  const std::uint64_t limit_mask = std::uint64_t{0} - static_cast<std::uint64_t>(underflows);
  const double clamped = std::bit_cast<double>((bits & ~limit_mask) | (bits_of_limit & limit_mask));
  const double shifted = clamped * log2e + round_magic;
  const double k = shifted - round_magic;
  const double r = (clamped - k * ln2_hi) - k * ln2_lo;  // |r| <= ln2 / 2
  // Taylor polynomial of degree 13: truncation error < 4e-18 relative on |r| <= 0.347.
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const std::uint64_t k_bits = std::bit_cast<std::uint64_t>(shifted);
  const double scale = std::bit_cast<double>((k_bits + 1023u) << 52);
  return masked(p * scale, !underflows);
}

}  // namespace infoscale::detail

namespace infoscale::detail {

/// The larger of a float d and limit < 0, for any d <= 0 including -inf, compared on the bits
/// (unsigned order is magnitude order for negative floats; see `masked`).
INFOSCALE_HOST_DEVICE inline float clamp_below(float d, float limit) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(d);
  const std::uint32_t limit_bits = std::bit_cast<std::uint32_t>(limit);
  const std::uint32_t mask = std::uint32_t{0} - static_cast<std::uint32_t>(bits > limit_bits);
  return std::bit_cast<float>((bits & ~mask) | (limit_bits & mask));
}

/// The same for a double d <= 0 (a double gap is clamped before it is narrowed to float: a value
/// beyond float's range would make the conversion undefined).
INFOSCALE_HOST_DEVICE inline double clamp_below(double d, double limit) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(d);
  const std::uint64_t limit_bits = std::bit_cast<std::uint64_t>(limit);
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(bits > limit_bits);
  return std::bit_cast<double>((bits & ~mask) | (limit_bits & mask));
}

/// exp(d) in float for -86 <= d <= 0 (callers clamp with clamp_below): Cody-Waite reduction with
/// a two-part ln 2 whose high part has 9 bits, so k * ln2_hi is exact for |k| <= 125, then the
/// degree-7 Taylor polynomial on |r| <= ln 2 / 2 (truncation < 5.3e-9 relative). Measured on every
/// float in [-86, 0] against the double exp: at most 2 ulp (1.2e-7 relative); the test checks it.
/// 2^k is assembled from the rounding constant's low bits, as in exp_nonpositive.
INFOSCALE_HOST_DEVICE inline float exp_nonpositive_float(float d) {
  constexpr float log2e = 1.44269504088896341f;
  constexpr float ln2_hi = 0.693359375f;
  constexpr float ln2_lo = -2.12194440e-4f;
  constexpr float round_magic = 0x1.8p23f;
  const float shifted = d * log2e + round_magic;
  const float k = shifted - round_magic;
  const float r = (d - k * ln2_hi) - k * ln2_lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const std::uint32_t k_bits = std::bit_cast<std::uint32_t>(shifted);
  const float scale = std::bit_cast<float>((k_bits + 127u) << 23);
  return p * scale;
}

}  // namespace infoscale::detail

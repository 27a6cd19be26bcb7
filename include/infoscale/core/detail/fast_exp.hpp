#pragma once
// exp for the non-positive arguments of a shifted softmax, written so compilers vectorise it: no
// branches, no calls, 2^k assembled from the bits of the rounding constant (works with AVX2's
// integer lanes, no double->int64 conversion). Relative error below 2 ulp on [-708, 0]; arguments
// below -708 give 0 (their weight next to the row maximum, whose term is 1, is below 1e-307).

#include <bit>
#include <cstdint>

#include "infoscale/core/config.hpp"

namespace infoscale::detail {

INFOSCALE_HOST_DEVICE inline double exp_nonpositive(double d) {
  constexpr double log2e = 1.4426950408889634;
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr double round_magic = 0x1.8p52;  // adding it rounds to an integer held in the low bits
  const double clamped = d < -708.0 ? -708.0 : d;
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
  return d < -708.0 ? 0.0 : p * scale;
}

}  // namespace infoscale::detail

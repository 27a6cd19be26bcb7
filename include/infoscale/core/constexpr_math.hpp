#pragma once
// Elementary functions usable in constant evaluation (std::log is not constexpr in C++20), so the
// entropic module can static_assert the papers' tables. Accurate to about 1 ulp on normal doubles;
// at run time prefer <cmath>, which these match (tested).

#include <bit>
#include <cstdint>
#include <limits>

namespace infoscale::cmath {
namespace detail {

inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // upper bits of ln 2, exact in k*ln2_hi
inline constexpr double ln2_lo = 1.90821492927058770002e-10;
inline constexpr double ln2 = 0.69314718055994530942;

constexpr bool is_nan(double x) {
  return x != x;
}

// Splits a positive normal or subnormal x into m * 2^e with m in [sqrt(1/2), sqrt(2)).
constexpr void split(double x, double& mantissa, int& exponent) {
  int extra = 0;
  if (x < std::numeric_limits<double>::min()) {  // subnormal: scale into the normal range first
    x *= 0x1p54;
    extra = -54;
  }
  auto bits = std::bit_cast<std::uint64_t>(x);
  exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & ~(std::uint64_t{0x7ff} << 52)) | (std::uint64_t{1023} << 52);
  mantissa = std::bit_cast<double>(bits);  // in [1, 2)
  if (mantissa > 1.4142135623730951) {
    mantissa *= 0.5;
    ++exponent;
  }
  exponent += extra;
}

// ln(m) for m near 1 via 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172: the odd series' tail is
// summed first (Horner), so the only sizeable rounding is the final addition of s.
constexpr double log_near_one(double m) {
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double tail = 0.0;
  for (int k = 41; k >= 3; k -= 2) tail = tail * s2 + 1.0 / k;
  return 2.0 * s + 2.0 * s * (s2 * tail);
}

}  // namespace detail

/// Natural logarithm in constant evaluation; NaN for x < 0, -inf at 0.
constexpr double ln(double x) {
  if (detail::is_nan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (x == std::numeric_limits<double>::infinity()) return x;
  double m = 0.0;
  int e = 0;
  detail::split(x, m, e);
  return e * detail::ln2_hi + (detail::log_near_one(m) + e * detail::ln2_lo);
}

/// Base-2 logarithm in constant evaluation; exact for powers of two.
constexpr double log2(double x) {
  if (detail::is_nan(x) || x <= 0.0 || x == std::numeric_limits<double>::infinity()) return ln(x);
  double m = 0.0;
  int e = 0;
  detail::split(x, m, e);
  return e + detail::log_near_one(m) / detail::ln2;
}

/// Largest integer not above x, in constant evaluation (std::floor is not constexpr in C++20).
constexpr double floor(double x) {
  if (detail::is_nan(x) || x >= 0x1p52 || x <= -0x1p52) return x;
  const auto truncated = static_cast<double>(static_cast<std::int64_t>(x));
  return truncated > x ? truncated - 1.0 : truncated;
}

/// e^x in constant evaluation: x = k ln 2 + r, Taylor series of e^r, scaled by 2^k.
constexpr double exp(double x) {
  if (detail::is_nan(x)) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.1332191019412) return 0.0;
  const double k = floor(x / detail::ln2 + 0.5);
  const double r = (x - k * detail::ln2_hi) - k * detail::ln2_lo;
  // e^r - 1 - r by Horner from the highest term, then the two leading terms last.
  double tail = 0.0;
  for (int i = 22; i >= 2; --i) tail = (tail + 1.0) * r / i;
  tail *= r;  // now sum_{i>=2} r^i / i!
  const double sum = 1.0 + (r + tail);
  // Scale in two steps so 2^k never leaves the normal range on its own.
  auto ik = static_cast<int>(k);
  const int half = ik / 2;
  const auto pow2 = [](int e) { return std::bit_cast<double>(std::uint64_t(e + 1023) << 52); };
  return sum * pow2(half) * pow2(ik - half);
}

/// Square root in constant evaluation (Newton's iteration from a bit-level first guess).
constexpr double sqrt(double x) {
  if (detail::is_nan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0 || x == std::numeric_limits<double>::infinity()) return x;
  double guess = std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) >> 1) + (std::uint64_t{1023} << 51));
  for (int i = 0; i < 8; ++i) guess = 0.5 * (guess + x / guess);
  return guess;
}

}  // namespace infoscale::cmath

#pragma once
// The elementwise terms every entropy and divergence in the library sums, with scipy's conventions
// (xsf's convex_analysis: entr, rel_entr, kl_div): 0 log 0 = 0, rel_entr(x, 0) = +inf for x > 0,
// NaN in gives NaN out. They never throw and run on a GPU; inputs are validated once, on the host,
// by the caller. Sums of these terms are ES/TD/MS's entropies and divergences: MS eq. (5)
// (attention drift, a JS divergence), TD §3 (the js_distance metric on the moduli space).

#include <cmath>
#include <limits>

#include "infoscale/core/config.hpp"

namespace infoscale {

/// -x log x, with entr(0) = 0 and entr(x < 0) = -inf (scipy.special.entr).
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double entr(double x) noexcept {
  if (std::isnan(x)) return x;
  if (x > 0.0) return -x * std::log(x);
  if (x == 0.0) return 0.0;
  return -std::numeric_limits<double>::infinity();
}

/// x log(x / y), with rel_entr(0, y >= 0) = 0 and +inf where y = 0 < x or either is negative
/// (scipy.special.rel_entr). For x close to y (ratio in (1/2, 2)) the log is taken as
/// log1p((x - y) / y), exact where x / y rounds to 1; for ratios that under- or overflow the
/// logarithms are taken separately.
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double rel_entr(double x, double y) noexcept {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (!(x > 0.0) || !(y > 0.0)) {
    return x == 0.0 && y >= 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  }
  const double ratio = x / y;
  if (ratio > 0.5 && ratio < 2.0) return x * std::log1p((x - y) / y);
  if (ratio > std::numeric_limits<double>::min() && ratio < std::numeric_limits<double>::infinity()) {
    return x * std::log(ratio);
  }
  return x * (std::log(x) - std::log(y));
}

/// x log(x / y) - x + y >= 0 (scipy.special.kl_div): rel_entr plus the terms that make each
/// summand non-negative for unnormalised x and y. Where |x - y| < y / 8 the three terms cancel to
/// O(d^2), d = (x - y) / y, and it is summed as a series in d instead, to full relative accuracy.
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double kl_div(double x, double y) noexcept {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x > 0.0 && y > 0.0) {
    const double d = (x - y) / y;
    if (std::fabs(d) < 0.125) {
      // (1 + d) log1p(d) - d = sum_{k>=2} (-1)^k d^k / (k (k - 1)); 8^-18 / 306 < 1e-18 of d^2 / 2
      double power = d * d, sum = 0.0;
      for (int k = 2; k <= 20; ++k) {
        sum += (k % 2 == 0 ? power : -power) / static_cast<double>(k * (k - 1));
        power *= d;
      }
      return y * sum;
    }
    return rel_entr(x, y) - x + y;
  }
  if (x == 0.0 && y >= 0.0) return y;
  return std::numeric_limits<double>::infinity();
}

/// One summand of the Jensen-Shannon divergence, (rel_entr(p, m) + rel_entr(q, m)) / 2 with
/// m = (p + q) / 2, in [0, (p + q) log(2) / 2]; 0 where p = q = 0, +inf for a negative input. For
/// p ~ q the two rel_entr terms are +-O(p - q) and their sum O((p - q)^2): written with
/// d = (p - q) / (p + q) it is m / 2 sum_{k>=1} d^{2k} / (k (2k - 1)), which neither cancels nor
/// depends on the rounding of m to first order (the direct form loses 1e-16 m absolute).
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double jensen_shannon_term(double p, double q) noexcept {
  if (std::isnan(p) || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (!(p >= 0.0) || !(q >= 0.0)) return std::numeric_limits<double>::infinity();
  const double s = p + q;
  if (s == 0.0) return 0.0;
  const double m = 0.5 * s;
  const double d = (p - q) / s;
  if (std::fabs(d) < 0.25) {
    // (1 + d) log1p(d) + (1 - d) log1p(-d) = sum_{k>=1} d^{2k} / (k (2k - 1)); 16^-14 < 1e-16
    const double d2 = d * d;
    double power = d2, sum = 0.0;
    for (int k = 1; k <= 15; ++k) {
      sum += power / static_cast<double>(k * (2 * k - 1));
      power *= d2;
    }
    return 0.5 * m * sum;
  }
  return 0.5 * (rel_entr(p, m) + rel_entr(q, m));
}

}  // namespace infoscale

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
/// summand non-negative for unnormalised x and y.
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double kl_div(double x, double y) noexcept {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x > 0.0 && y > 0.0) return rel_entr(x, y) - x + y;
  if (x == 0.0 && y >= 0.0) return y;
  return std::numeric_limits<double>::infinity();
}

/// One summand of the Jensen-Shannon divergence, (rel_entr(p, m) + rel_entr(q, m)) / 2 with
/// m = (p + q) / 2, in [0, (p + q) log(2) / 2]. Zero where p = q = 0; log1p branch where p ~ q.
[[nodiscard]] INFOSCALE_HOST_DEVICE inline double jensen_shannon_term(double p, double q) noexcept {
  const double m = 0.5 * (p + q);
  return 0.5 * (rel_entr(p, m) + rel_entr(q, m));
}

}  // namespace infoscale

#pragma once
// Entropic capacity, entropic-scaling eq. (2): I(n) = kappa n log n bits, and its inverses.
// The paper writes "log"; its tables use base 2 (25 log2 25 = 116.1 is Table 2's 116), so base 2
// is the default and the natural-log reading is available as capacity_nats.

#include <boost/math/special_functions/lambert_w.hpp>
#include <cstdint>

#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/entropic/detail/checks.hpp"

namespace infoscale::entropic {

/// Effective information capacity kappa n log2 n of level n >= 2, bits, entropic-scaling eq. (2).
[[nodiscard]] constexpr double capacity(double n, double kappa = 1.0) {
  detail::require_level(n, "capacity");
  detail::require_kappa(kappa, "capacity");
  return kappa * n * cmath::log2(n);
}

/// kappa n ln n: eq. (2) read with the natural logarithm, as in the paper's eq. (7).
[[nodiscard]] constexpr double capacity_nats(double n, double kappa = 1.0) {
  detail::require_level(n, "capacity_nats");
  detail::require_kappa(kappa, "capacity_nats");
  return kappa * n * cmath::ln(n);
}

/// dI/dn = kappa (log2 n + 1 / ln 2): the marginal capacity of one more level, eq. (2).
[[nodiscard]] constexpr double capacity_slope(double n, double kappa = 1.0) {
  detail::require_level(n, "capacity_slope");
  detail::require_kappa(kappa, "capacity_slope");
  return kappa * (cmath::log2(n) + 1.0 / cmath::detail::ln2);
}

/// Discrete inverse of eq. (2): the least integer level n >= 2 with kappa n log2 n >= I
/// (the selection rule of §9.1 and the emergence rule of eq. (6)). I <= I(2) gives 2.
[[nodiscard]] constexpr std::int64_t minimum_level(double required_capacity, double kappa = 1.0) {
  detail::require_non_negative(required_capacity, "minimum_level", "required_capacity");
  detail::require_kappa(kappa, "minimum_level");
  // Bracket then bisect on integers: n log2 n is increasing for n >= 2, so the answer is unique.
  std::int64_t lo = 2;  // invariant: answer >= lo
  if (capacity(2.0, kappa) >= required_capacity) return lo;
  std::int64_t hi = 4;  // invariant once set: capacity(hi) >= required
  while (capacity(static_cast<double>(hi), kappa) < required_capacity) {
    lo = hi;
    if (hi > (std::int64_t{1} << 52)) {
      detail::invalid("minimum_level", "required_capacity", "needs a level above 2^53", required_capacity);
    }
    hi *= 2;
  }
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (capacity(static_cast<double>(mid), kappa) >= required_capacity ? hi : lo) = mid;
  }
  return capacity(static_cast<double>(lo), kappa) >= required_capacity ? lo : hi;
}

/// Largest integer level n >= 2 with kappa n log2 n <= I (the bound of eq. (15)); I must be >= I(2).
[[nodiscard]] constexpr std::int64_t maximum_level(double available_capacity, double kappa = 1.0) {
  detail::require_non_negative(available_capacity, "maximum_level", "available_capacity");
  detail::require_kappa(kappa, "maximum_level");
  if (capacity(2.0, kappa) > available_capacity) {
    detail::invalid("maximum_level", "available_capacity", "must be at least I(2) = 2 kappa bits",
                    available_capacity);
  }
  const std::int64_t n = minimum_level(available_capacity, kappa);
  return capacity(static_cast<double>(n), kappa) > available_capacity ? n - 1 : n;
}

/// Continuous inverse of eq. (2): the real n >= 1 with kappa n log2 n = I, for I >= 0. With
/// x = I / kappa, n log2 n = x  <=>  ln n e^{ln n} = x ln 2, so n = x ln 2 / W0(x ln 2).
/// Run time only: Boost's Lambert W is not constexpr.
[[nodiscard]] inline double continuous_level(double required_capacity, double kappa = 1.0) {
  detail::require_non_negative(required_capacity, "continuous_level", "required_capacity");
  detail::require_kappa(kappa, "continuous_level");
  const double y = required_capacity / kappa * cmath::detail::ln2;
  if (y == 0.0) return 1.0;  // lim y/W0(y) = 1 as y -> 0: I(1) = 0
  return y / boost::math::lambert_w0(y);
}

}  // namespace infoscale::entropic

// The elementwise kernels against closed forms and scipy.special's conventions (entr, rel_entr,
// kl_div): IEEE results, no throws, the log1p branch where x ~ y.
#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/entropy_terms.hpp>
#include <limits>
#include <numbers>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("entropy terms: scipy's limits and special values") {
  static_assert(noexcept(entr(0.5))&& noexcept(rel_entr(0.5, 0.5))&& noexcept(jensen_shannon_term(0.5, 0.5)));
  CHECK(entr(0.0) == 0.0);
  CHECK(entr(1.0) == 0.0);
  INFOSCALE_CHECK_CLOSE(entr(0.5), 0.5 * std::numbers::ln2, 1e-16, 0.0);
  CHECK(entr(-1.0) == -inf);
  CHECK(std::isnan(entr(not_a_number)));

  CHECK(rel_entr(0.0, 0.0) == 0.0);
  CHECK(rel_entr(0.0, 1.0) == 0.0);
  CHECK(rel_entr(1.0, 0.0) == inf);  // q = 0 < p
  CHECK(rel_entr(-1.0, 1.0) == inf);
  CHECK(rel_entr(1.0, -1.0) == inf);
  CHECK(rel_entr(0.0, -1.0) == inf);
  CHECK(std::isnan(rel_entr(not_a_number, 1.0)));
  CHECK(std::isnan(rel_entr(1.0, not_a_number)));
  CHECK(rel_entr(0.3, 0.3) == 0.0);
  INFOSCALE_CHECK_CLOSE(rel_entr(0.5, 0.25), 0.5 * std::numbers::ln2, 1e-16, 0.0);
  // ratios that under- and overflow: the logarithms are taken separately
  INFOSCALE_CHECK_CLOSE(rel_entr(1e-300, 1e10), -1e-300 * 310.0 * std::numbers::ln10, 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(rel_entr(1e300, 1e-300), 1e300 * 600.0 * std::numbers::ln10, 1e-14, 0.0);

  CHECK(kl_div(0.0, 2.0) == 2.0);
  CHECK(kl_div(1.0, 0.0) == inf);
  CHECK(std::isnan(kl_div(not_a_number, 1.0)));
  INFOSCALE_CHECK_CLOSE(kl_div(1.0, 2.0), 1.0 - std::numbers::ln2, 1e-15, 0.0);
  CHECK(kl_div(0.7, 0.7) == 0.0);

  CHECK(jensen_shannon_term(0.0, 0.0) == 0.0);
  CHECK(jensen_shannon_term(0.4, 0.4) == 0.0);
  INFOSCALE_CHECK_CLOSE(jensen_shannon_term(0.6, 0.0), 0.5 * 0.6 * std::numbers::ln2, 1e-16, 0.0);
  CHECK(jensen_shannon_term(0.2, 0.7) == jensen_shannon_term(0.7, 0.2));
  CHECK(jensen_shannon_term(-0.1, 0.5) == inf);
  CHECK(std::isnan(jensen_shannon_term(not_a_number, 0.5)));
  // both branches agree at the switch |p - q| / (p + q) = 1/4 (p = 5, q = 3)
  const double direct = 0.5 * (5.0 * std::log(5.0 / 4.0) + 3.0 * std::log(3.0 / 4.0));
  INFOSCALE_CHECK_CLOSE(jensen_shannon_term(5.0, 3.0), direct, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(jensen_shannon_term(5.0 - 1e-12, 3.0 + 1e-12), direct, 1e-11, 0.0);
  // kl_div at the switch |x - y| / y = 1/8
  INFOSCALE_CHECK_CLOSE(kl_div(9.0, 8.0), 9.0 * std::log(9.0 / 8.0) - 1.0, 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(kl_div(9.0 - 1e-12, 8.0), 9.0 * std::log(9.0 / 8.0) - 1.0, 1e-11, 0.0);
}

TEST_CASE("entropy terms: the log1p branch keeps relative accuracy where x ~ y") {
  // x = 1 + delta, y = 1: x log(x / y) = x (delta - delta^2/2 + delta^3/3 - ...). x / y rounds to a
  // number whose log has only ~1e-16 / delta relative accuracy; log1p((x - y) / y) is exact.
  for (const double delta : {1e-6, 1e-10, 1e-13}) {
    const double x = 1.0 + delta;
    const double d = x - 1.0;  // the difference actually stored
    const double series = x * (d - d * d / 2.0 + d * d * d / 3.0);
    INFO("delta = " << delta);
    INFOSCALE_CHECK_CLOSE(rel_entr(x, 1.0), series, 1e-15, 0.0);
    // x log x - x + 1 = d^2/2 - d^3/6 + d^4/12: the direct form would return 0 or noise here
    INFOSCALE_CHECK_CLOSE(kl_div(x, 1.0), d * d / 2.0 - d * d * d / 6.0 + d * d * d * d / 12.0, 1e-15, 0.0);
  }
  // JS of p = m (1 + e), q = m (1 - e): m/2 [(1+e) log(1+e) + (1-e) log(1-e)] = m/2 (e^2 + e^4/6 + ...).
  // The first-order terms cancel: the direct form's error is the rounding of m (1e-17 absolute,
  // 2e-4 relative here); the series in (p - q) / (p + q) keeps full relative accuracy.
  const double m = 0.3, e = 1e-6;
  const double p = m * (1.0 + e), q = m * (1.0 - e);
  const double ep = (p - q) / (p + q);  // the e actually stored
  INFOSCALE_CHECK_CLOSE(jensen_shannon_term(p, q), 0.5 * 0.5 * (p + q) * (ep * ep + ep * ep * ep * ep / 6.0),
                        1e-15, 0.0);
}

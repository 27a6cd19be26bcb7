#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/hvib/mi_slope_kink.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE(
    "hvib: MI-slope kinks (27)-(28): segmented fits, BIC/AIC equal numpy's brute force; CI covers the "
    "truth") {
  const auto data = test::load_fixture("hvib/kink_information.npy");
  const auto ref = test::load_fixture("hvib/kink_reference.npy");  // per K: rss, bic, aic, tau1, tau2, c1, c2
  const std::vector<double> info(data.begin(), data.end());
  for (auto criterion : {information_criterion::bic, information_criterion::aic}) {
    const auto report =
        mi_slope_kinks(info, {.max_kinks = 2, .criterion = criterion, .bootstrap = 200, .seed = 5});
    REQUIRE(report.by_kinks.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) {
      const auto& fit = report.by_kinks[k];
      INFOSCALE_CHECK_CLOSE(fit.rss, ref(k, 0), 1e-9, 1e-14);
      INFOSCALE_CHECK_CLOSE(fit.criterion, ref(k, criterion == information_criterion::bic ? 1 : 2), 1e-9,
                            1e-9);
      REQUIRE(fit.breakpoints.size() == k);
      for (std::size_t j = 0; j < k; ++j) {
        CHECK(fit.breakpoints[j] == ref(k, 3 + j));
        INFOSCALE_CHECK_CLOSE(fit.slope_jumps[j], ref(k, 5 + j), 1e-9, 1e-12);
      }
    }
    REQUIRE(report.best.breakpoints.size() == 2);  // the generating profile has kinks at 9 and 21
    CHECK(report.best.breakpoints[0] == 9.0);
    CHECK(report.best.breakpoints[1] == 21.0);
    CHECK(report.best.slopes.size() == 3);
    INFOSCALE_CHECK_CLOSE(report.best.slopes[1] - report.best.slopes[0], report.best.slope_jumps[0], 1e-12,
                          1e-14);
    REQUIRE(report.lower.size() == 2);
    for (std::size_t j = 0; j < 2; ++j) {
      CHECK(report.lower[j] <= report.best.breakpoints[j]);
      CHECK(report.upper[j] >= report.best.breakpoints[j]);
      CHECK(report.upper[j] - report.lower[j] < 5.0);
    }
  }
}

TEST_CASE("hvib: kink bootstrap is deterministic in its seed; a straight noisy profile has no kink") {
  const auto data = test::load_fixture("hvib/kink_information.npy");
  std::vector<double> info(data.begin(), data.end());
  // Noise large enough that the bootstrap spreads.
  const random_stream noise(51, 0);
  for (std::size_t i = 0; i < info.size(); ++i) info[i] += 0.15 * noise.normal(i);
  const auto a = mi_slope_kinks(info, {.bootstrap = 100, .seed = 1});
  const auto b = mi_slope_kinks(info, {.bootstrap = 100, .seed = 1});
  REQUIRE(a.lower.size() == b.lower.size());
  for (std::size_t j = 0; j < a.lower.size(); ++j) {
    CHECK(a.lower[j] == b.lower[j]);
    CHECK(a.upper[j] == b.upper[j]);
  }
  std::vector<double> line(30);
  for (std::size_t i = 0; i < line.size(); ++i)
    line[i] = 0.5 + 0.1 * double(i) + 0.05 * noise.normal(100 + i);
  const auto flat = mi_slope_kinks(line, {.bootstrap = 50});
  CHECK(flat.best.breakpoints.empty());
  CHECK(flat.lower.empty());
}

TEST_CASE("hvib: kink detection errors") {
  CHECK_THROWS_WITH_AS((void)mi_slope_kinks({1, 2, 3}), doctest::Contains("'information'"), error);
  std::vector<double> v(10, 1.0);
  v[3] = NAN;
  CHECK_THROWS_WITH_AS((void)mi_slope_kinks(v), doctest::Contains("'information'"), error);
  v[3] = 1.0;
  CHECK_THROWS_WITH_AS((void)mi_slope_kinks(v, {}, {0, 1, 2}), doctest::Contains("'positions'"), error);
  CHECK_THROWS_WITH_AS((void)mi_slope_kinks(v, {.confidence = 1.5}), doctest::Contains("'confidence'"),
                       error);
}

// Level map (1), capacity (2) and its discrete and continuous inverses, against <cmath> references
// and brute force; the catalogue's facts.

#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "close.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/catalogue.hpp"
#include "infoscale/entropic/level.hpp"

namespace e = infoscale::entropic;

namespace {
double reference_capacity(double n, double kappa = 1.0) {
  return kappa * n * std::log2(n);
}
}  // namespace

TEST_CASE("entropic: capacity I(n) = kappa n log2 n against closed forms and <cmath>") {
  CHECK(e::capacity(2.0) == 2.0);
  CHECK(e::capacity(4.0) == 8.0);
  CHECK(e::capacity(16.0, 0.25) == 16.0);
  CHECK(e::capacity(1024.0) == 10240.0);
  for (double n = 2.0; n < 5000.0; n *= 1.37) {
    ENTROPIC_CHECK_CLOSE(e::capacity(n, 1.7), reference_capacity(n, 1.7), 1e-14, 0.0);
    ENTROPIC_CHECK_CLOSE(e::capacity_nats(n, 1.7), 1.7 * n * std::log(n), 1e-14, 0.0);
    // Base change: n ln n = ln 2 * n log2 n.
    ENTROPIC_CHECK_CLOSE(e::capacity_nats(n), std::log(2.0) * e::capacity(n), 1e-14, 0.0);
    const double h = 1e-4 * n;
    const double slope = (reference_capacity(n + h) - reference_capacity(n - h)) / (2 * h);
    ENTROPIC_CHECK_CLOSE(e::capacity_slope(n), slope, 1e-7, 0.0);
  }
}

TEST_CASE("entropic: discrete inverse min{n : I(n) >= I} agrees with a linear search") {
  for (const double kappa : {0.3, 1.0, 2.5}) {
    for (double target = 0.0; target < 3000.0; target += 0.71) {
      long expected = 2;
      while (reference_capacity(static_cast<double>(expected), kappa) < target) ++expected;
      CHECK(e::minimum_level(target, kappa) == expected);
      if (target >= 2.0 * kappa) {
        long largest = 2;
        while (reference_capacity(static_cast<double>(largest + 1), kappa) <= target) ++largest;
        CHECK(e::maximum_level(target, kappa) == largest);
      }
    }
  }
  // Exactly on a capacity: I(8) = 24, so 24 selects 8 and anything above selects 9.
  CHECK(e::minimum_level(24.0) == 8);
  CHECK(e::minimum_level(std::nextafter(24.0, 25.0)) == 9);
  CHECK(e::minimum_level(1e12) == e::minimum_level(1e12, 1.0));
}

TEST_CASE("entropic: continuous inverse via Lambert W round-trips and matches closed points") {
  CHECK(e::continuous_level(0.0) == 1.0);
  ENTROPIC_CHECK_CLOSE(e::continuous_level(2.0), 2.0, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::continuous_level(24.0), 8.0, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::continuous_level(10240.0), 1024.0, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::continuous_level(48.0, 2.0), 8.0, 1e-14, 0.0);
  for (double target = 1e-3; target < 1e15; target *= 3.1) {
    const double n = e::continuous_level(target, 0.8);
    ENTROPIC_CHECK_CLOSE(0.8 * n * std::log2(n), target, 1e-12, 0.0);
    // The integer answer is the continuous one rounded up (from level 2 on).
    if (target > 1.6) CHECK(e::minimum_level(target, 0.8) == static_cast<long>(std::ceil(n - 1e-12)));
  }
}

TEST_CASE("entropic: level n = floor(a log2 P + b log2 V + c) against <cmath>, constexpr equals run time") {
  const e::calibration constants{0.9, 0.3, -1.25};
  for (const auto& m : e::models::catalogue) {
    const double p = static_cast<double>(m.parameters);
    const double v = static_cast<double>(m.vocabulary);
    const double argument = 0.9 * std::log2(p) + 0.3 * std::log2(v) - 1.25;
    ENTROPIC_CHECK_CLOSE(e::level_argument(p, v, constants), argument, 1e-14, 0.0);
    CHECK(e::level(m, constants) == static_cast<int>(std::floor(argument)));
    CHECK(e::level(p, v, constants) == e::level(m, constants));
  }
  constexpr int gpt4 = e::level(e::models::paper::gpt4);
  CHECK(e::level(e::models::paper::gpt4) == gpt4);
  CHECK(e::level(std::pow(2.0, 30), 2.0, {1.0, 0.0, 0.0}) == 30);  // powers of two are exact
  CHECK(e::level(std::pow(2.0, 30), 2.0, {1.0, 1.0, -1.0}) == 30);
}

TEST_CASE("entropic: catalogue holds the public facts, each name once") {
  std::set<std::string> names;
  for (const auto& m : e::models::catalogue) {
    CHECK(names.insert(std::string(m.name.view())).second);
    CHECK(m.parameters > 1);
    CHECK(m.vocabulary >= 2);
  }
  CHECK(names.size() == e::models::catalogue.size());
  // Series ordered by size.
  for (std::size_t i = 1; i < e::models::pythia_series.size(); ++i) {
    CHECK(e::models::pythia_series[i].parameters > e::models::pythia_series[i - 1].parameters);
  }
  // Pythia-70M: untied 50304 x 512 embeddings plus 18,915,328 non-embedding parameters (Pythia Table 1).
  CHECK(e::models::pythia_70m.parameters == 2ull * 50304 * 512 + 18'915'328);
  CHECK(e::models::find("Qwen2.5-7B")->layers == 28);
  CHECK(e::models::find("Qwen1.5-7B")->layers == 32);
  CHECK(e::models::find("GPT-2 Large")->parameters == 774'030'080);
  CHECK(e::models::find("GPT-2 Large (paper)")->parameters == 1'500'000'000);
  // A user-defined model satisfies the concept without being a model_spec.
  struct my_model {
    const char* name = "mine";
    double parameters = 1e9;
    double vocabulary = 32000;
  };
  static_assert(e::ModelSpec<my_model>);
  CHECK(e::level(my_model{}) == e::level(1e9, 32000));
}

// The entropic-scaling paper's numbers recomputed, and each of its inconsistencies documented as a
// test that computes it (theory notes, sections A and D).

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "close.hpp"
#include "infoscale/entropic.hpp"

namespace e = infoscale::entropic;
namespace paper = infoscale::entropic::models::paper;

namespace {
struct table_entry {
  std::string row;
  int level;
  double printed;
};
// Rounding of an integer table entry: 0.5; Table 2's 179 for 179.53 shows truncation, so 0.6.
constexpr double rounding = 0.6;
}  // namespace

TEST_CASE("entropic: Table 1-2 capacities off kappa n log2 n, listed with their error") {
  std::vector<table_entry> entries;
  for (std::size_t i = 0; i < paper::table_1.size(); ++i) {
    entries.push_back({"Table 1 " + std::string(paper::table_1[i].name.view()), paper::table_1_levels[i],
                       paper::table_1_capacities[i]});
  }
  for (const auto& c : paper::table_2) {
    entries.push_back({"Table 2 " + std::string(c.name.view()), c.critical_level, c.required_capacity});
  }
  std::vector<std::string> off;
  std::vector<double> by;
  for (const auto& entry : entries) {
    const double exact = entry.level * std::log2(static_cast<double>(entry.level));  // reference
    ENTROPIC_CHECK_CLOSE(e::capacity(entry.level), exact, 1e-14, 0.0);
    const double error = entry.printed - exact;
    if (std::abs(error) > rounding) {
      off.push_back(entry.row);
      by.push_back(error);
      MESSAGE(entry.row << ": n = " << entry.level << ", printed " << entry.printed
                        << " kappa, n log2 n = " << exact << ", off by " << error);
    }
  }
  CHECK(off == std::vector<std::string>{"Table 1 GPT-2 Small (paper)", "Table 1 GPT-3 Davinci (paper)",
                                        "Table 1 GPT-4 (paper)", "Table 2 Meta-learning"});
  REQUIRE(by.size() == 4);
  ENTROPIC_CHECK_CLOSE(by[0], 130 - 128.381963, 0.0, 1e-4);  // GPT-2 Small, n = 27
  ENTROPIC_CHECK_CLOSE(by[1], 196 - 192.749775, 0.0, 1e-4);  // GPT-3 Davinci, n = 37
  ENTROPIC_CHECK_CLOSE(by[2], 225 - 219.659632, 0.0, 1e-4);  // GPT-4, n = 41
  ENTROPIC_CHECK_CLOSE(by[3], 249 - 247.133389, 0.0, 1e-4);  // meta-learning, n = 45
  // Nor do they follow the natural-log reading: 27 ln 27 = 89.0, far from 130.
  CHECK(e::capacity_nats(27) < 90.0);
}

TEST_CASE("entropic: Table 2's multi-step reasoning 179 is 35 log2 35 = 179.53 truncated, not rounded") {
  const double exact = 35 * std::log2(35.0);
  ENTROPIC_CHECK_CLOSE(exact, 179.5249, 0.0, 1e-4);
  CHECK(std::round(exact) == 180.0);
  CHECK(std::floor(exact) == 179.0);
  // While the other matching rows round up: 31 log2 31 = 153.58 -> 154, 29 log2 29 = 140.88 -> 141.
  CHECK(std::round(e::capacity(31)) == 154.0);
  CHECK(std::round(e::capacity(29)) == 141.0);
}

TEST_CASE("entropic: the selection rule (6)/(9.1) gives levels 41 and 46 for Table 2's 213 and 249") {
  CHECK(e::capacity(40) < 213.0);  // 212.88
  CHECK(e::capacity(41) >= 213.0);
  CHECK(e::capacity(45) < 249.0);  // 247.14
  CHECK(e::capacity(46) >= 249.0);
  std::vector<long> selected;
  for (const auto& c : paper::table_2) selected.push_back(e::emergence_level(c.required_capacity));
  CHECK(selected == std::vector<long>{25, 30, 35, 41, 46});  // Table 2 prints 25, 30, 35, 40, 45
  CHECK(e::select_level(213.0) == 41);
  CHECK(e::select_level(249.0) == 46);
  // The two readings of Table 2 disagree at the paper's own critical levels 40 and 45.
  const auto& abstract = paper::table_2[3];
  CHECK_FALSE(e::has_emerged(abstract, 40, e::emergence_rule::capacity_threshold));
  CHECK(e::has_emerged(abstract, 40, e::emergence_rule::critical_level));
  CHECK(e::emerged_capabilities(45, e::emergence_rule::capacity_threshold).size() == 4);
  CHECK(e::emerged_capabilities(45, e::emergence_rule::critical_level).size() == 5);
}

TEST_CASE("entropic: eq. (7)'s kappa / n is the second derivative of n ln n, not of n log2 n") {
  for (const double n : {25.0, 30.0, 41.0}) {
    const double h = 1e-3;
    const auto second = [&](auto f) { return (f(n + h) - 2 * f(n) + f(n - h)) / (h * h); };
    const double base_2 = second([](double x) { return x * std::log2(x); });
    const double natural = second([](double x) { return x * std::log(x); });
    ENTROPIC_CHECK_CLOSE(e::phase_transition_curvature(n), base_2, 1e-5, 0.0);
    ENTROPIC_CHECK_CLOSE(e::paper_phase_transition_curvature(n), natural, 1e-5, 0.0);
    // Under the tables' base 2, the printed formula is low by the factor ln 2.
    ENTROPIC_CHECK_CLOSE(e::paper_phase_transition_curvature(n) / e::phase_transition_curvature(n),
                         std::log(2.0), 1e-14, 0.0);
  }
  ENTROPIC_CHECK_CLOSE(e::phase_transition_curvature(30), 1.0 / (30 * std::log(2.0)), 1e-15, 0.0);  // 0.04809
}

TEST_CASE("entropic: Table 1's GPT-2 Large 1.5B is GPT-2 XL's count; GPT-2 Large has 774M parameters") {
  const double paper_large = static_cast<double>(paper::gpt2_large.parameters);
  const double xl = static_cast<double>(e::models::gpt2_xl.parameters);
  const double large = static_cast<double>(e::models::gpt2_large.parameters);
  CHECK(std::abs(paper_large / xl - 1) < 0.04);  // 1.5B vs 1,557,611,200
  CHECK(paper_large / large > 1.9);              // vs 774,030,080
  // Under the calibration that fits the table, the real GPT-2 models do not land on 27 and 31.
  MESSAGE("real GPT-2 Small -> " << e::level(e::models::gpt2_small) << ", GPT-2 Large -> "
                                 << e::level(e::models::gpt2_large) << ", GPT-2 XL -> "
                                 << e::level(e::models::gpt2_xl));
  CHECK(e::level(e::models::gpt2_large) == 30);
  CHECK(e::level(e::models::gpt2_xl) == 31);
  CHECK(e::level(e::models::gpt2_small) == 27);
}

TEST_CASE("entropic: eq. (11) exponentiates a capacity in bits with base e") {
  // GPT-2 Small (paper): n = 27, kappa = 1, I = 128.38 bits.
  const double i = e::capacity(27);
  ENTROPIC_CHECK_CLOSE(e::log_parameter_bound(27), i, 1e-15, 0.0);
  ENTROPIC_CHECK_CLOSE(e::parameter_bound(27), std::exp(i), 1e-13, 0.0);  // 7.1e55
  // I bits describe 2^I states; exp(I) overstates that by I (log2 e - 1) = 56.8 bits.
  ENTROPIC_CHECK_CLOSE(std::log2(e::parameter_bound(27)) - i, i * (1 / std::log(2.0) - 1), 1e-12, 0.0);
  ENTROPIC_CHECK_CLOSE(i * (1 / std::log(2.0) - 1), 56.83, 0.0, 0.01);
  // The bound itself is loose: 117M parameters satisfy it for any kappa >= ln(117e6) / I = 0.145.
  CHECK(e::within_parameter_bound(117e6, 27));
  ENTROPIC_CHECK_CLOSE(e::minimum_kappa_for_bound(117e6, 27), std::log(117e6) / i, 1e-14, 0.0);
  CHECK_FALSE(e::within_parameter_bound(117e6, 27, 0.9 * e::minimum_kappa_for_bound(117e6, 27)));
  CHECK(e::parameter_bound(200) == HUGE_VAL);  // exp(1529) overflows: use log_parameter_bound
}

TEST_CASE("entropic: Definition 6.1 (linear in the capacity gap) vs Proposition 6.2 (square root)") {
  // Identical models apart from capacity (Beh = 0): (8) gives lambda dI, (9) d0 sqrt(dI). Their
  // ratio is lambda sqrt(dI) / d0, not a constant, so no (lambda, d0) makes both hold for all gaps.
  const double lambda = 0.01;
  std::vector<double> gaps;
  std::vector<double> distances;
  for (int dn = 1; dn <= 14; ++dn) {
    const double gap = e::capacity(27 + dn) - e::capacity(27);
    gaps.push_back(gap);
    distances.push_back(e::behavioural_distance(0.0, 27 + dn, 27, lambda));
    ENTROPIC_CHECK_CLOSE(distances.back() / e::distance_scaling(27, dn, 1.0), lambda * std::sqrt(gap), 1e-12,
                         0.0);
  }
  const auto fit = e::fit_distance_scale(gaps, distances);
  MESSAGE("best d0 for eq. (8)'s distances: " << fit.d0 << ", rms residual " << fit.rms_residual
                                              << " (distances from " << distances.front() << " to "
                                              << distances.back() << ")");
  CHECK(fit.rms_residual > 0.05 * distances.back());
}

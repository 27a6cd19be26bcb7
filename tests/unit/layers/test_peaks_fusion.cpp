#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <infoscale/layers/bootstrap.hpp>
#include <infoscale/layers/cross_model.hpp>
#include <infoscale/layers/fusion.hpp>
#include <infoscale/layers/peaks.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {
nlohmann::json load_json(const std::string& name) {
  std::ifstream in(std::string(INFOSCALE_FIXTURES_DIR) + "/layers/" + name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("layers: find_peaks with prominence equals scipy.signal.find_peaks on 186 curves (fixture)") {
  const auto cases = load_json("peaks.json");
  REQUIRE(cases.size() > 100);
  for (const auto& c : cases) {
    const auto x = c["x"].get<std::vector<double>>();
    const auto got = find_peaks(x, {c["min_prominence"].get<double>()});
    const auto peaks = c["peaks"].get<std::vector<std::size_t>>();
    const auto prom = c["prominences"].get<std::vector<double>>();
    const auto left = c["left_bases"].get<std::vector<std::size_t>>();
    const auto right = c["right_bases"].get<std::vector<std::size_t>>();
    INFO("x = " << c["x"].dump() << ", min_prominence = " << c["min_prominence"]);
    REQUIRE(got.size() == peaks.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].index == peaks[i]);
      CHECK(got[i].prominence == prom[i]);  // exact: the same subtraction as scipy
      CHECK(got[i].left_base == left[i]);
      CHECK(got[i].right_base == right[i]);
    }
    const auto again = peak_prominences(x, peaks);
    for (std::size_t i = 0; i < again.size(); ++i) CHECK(again[i].prominence == prom[i]);
  }
}

TEST_CASE("layers: peak semantics by hand: plateau middle rounded down, edges only in edge mode") {
  const std::vector<double> plateau{0, 1, 1, 1, 1, 0};
  const auto p = find_peaks(plateau);
  REQUIRE(p.size() == 1);
  CHECK(p[0].index == 2);  // (1 + 4) // 2
  const std::vector<double> edges{5, 1, 2, 1, 4};
  CHECK(find_peaks(edges).size() == 1);
  const auto with_edges = find_peaks(edges, {0.0, std::numeric_limits<double>::infinity(), true});
  REQUIRE(with_edges.size() == 3);
  CHECK(with_edges[0].index == 0);
  CHECK(with_edges[0].prominence == 4.0);  // 5 - min(1, 2, 1, 4) on its only side (stops at nothing higher)
  CHECK(with_edges[1].index == 2);
  CHECK(with_edges[1].prominence == 1.0);
  CHECK(with_edges[2].index == 4);
  CHECK(with_edges[2].prominence == 3.0);  // 4 - 1, walking left until 5 > 4
  const std::vector<double> left_plateau{3, 3, 3, 1, 2};
  const auto lp = find_peaks(left_plateau, {0.0, std::numeric_limits<double>::infinity(), true});
  REQUIRE(lp.size() == 2);
  CHECK(lp[0].index == 1);
  CHECK(lp[0].prominence == 2.0);
  CHECK(peak_prominences(edges, std::vector<std::size_t>{0})[0].prominence == 0.0);  // scipy: edges get 0
  const auto top = most_prominent(with_edges, 2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].index == 0);
  CHECK(top[1].index == 4);
  CHECK_THROWS_AS((void)find_peaks(std::vector<double>{0, std::nan(""), 1}), infoscale::error);
}

TEST_CASE("layers: fusion E(l) = sum w_i S_i / max S_i (eq. 6), by hand") {
  const std::vector<double> s1{1, 2, 4}, s2{0.5, 0.5, 0.25}, s3{0, 3, 0};
  const auto e = boundary_evidence(s1, s2, s3);
  INFOSCALE_CHECK_CLOSE(e[0], 1.0 * 0.25 + 0.8 * 1.0 + 0.0, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(e[1], 1.0 * 0.5 + 0.8 * 1.0 + 0.6, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(e[2], 1.0 * 1.0 + 0.8 * 0.5 + 0.0, 1e-15, 0.0);
  const auto only = boundary_evidence(s1, {}, {});
  INFOSCALE_CHECK_CLOSE(only[1], 0.5, 1e-15, 0.0);
  const std::vector<double> zero{0, 0, 0};
  CHECK(boundary_evidence(zero, s1, {})[2] == doctest::Approx(0.8));
  CHECK_THROWS_AS((void)boundary_evidence(s1, std::vector<double>{1, 2}, {}), infoscale::error);
  CHECK_THROWS_AS((void)boundary_evidence(std::vector<double>{1, -1, 2}, {}, {}), infoscale::error);
  CHECK_THROWS_AS((void)boundary_evidence(std::vector<double>{1, std::nan(""), 2}, {}, {}), infoscale::error);
}

TEST_CASE(
    "layers: percentile and BCa intervals equal numpy.percentile and scipy.stats.bootstrap's BCa (fixture)") {
  const auto data = test::load_fixture("layers/bca_data.npy");
  const auto theta = test::load_fixture("layers/bca_resamples.npy");
  const auto expected = test::load_fixture("layers/bca_expected.npy");
  const std::vector<double> resamples(theta.begin(), theta.end());
  const std::vector<double> x(data.begin(), data.end());
  double total = 0.0;
  for (const double v : x) total += v;
  std::vector<double> jack;
  for (const double v : x) jack.push_back((total - v) / static_cast<double>(x.size() - 1));
  const auto bca = bca_interval(total / static_cast<double>(x.size()), resamples, jack, 0.95);
  CHECK(bca.method == interval_method::bca);
  CHECK(bca.status == interval_status::ok);
  INFOSCALE_CHECK_CLOSE(bca.lower, expected(0), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(bca.upper, expected(1), 1e-12, 0.0);
  const auto pct = percentile_interval(resamples, 0.95);
  INFOSCALE_CHECK_CLOSE(pct.lower, expected(2), 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(pct.upper, expected(3), 1e-14, 0.0);
  // degenerate: every resample equal -> BCa undefined, percentile with a status
  const std::vector<double> same(50, 7.0), jack_same(10, 7.0);
  const auto degenerate = bca_interval(7.0, same, jack_same, 0.95);
  CHECK(degenerate.status == interval_status::bca_degenerate_used_percentile);
  CHECK(degenerate.lower == 7.0);
  CHECK(degenerate.upper == 7.0);
  // more than 5% missing: no interval at the 95% level
  std::vector<double> missing(100, 3.0);
  for (std::size_t i = 0; i < 6; ++i) missing[i] = std::numeric_limits<double>::quiet_NaN();
  CHECK(percentile_interval(missing, 0.95).status == interval_status::no_estimate);
  missing[5] = 3.0;
  CHECK(percentile_interval(missing, 0.95).status == interval_status::ok);
  CHECK_THROWS_AS((void)percentile_interval(same, 1.5), infoscale::error);
}

TEST_CASE("layers: bootstrap resamples are seeded, deterministic and identical under seq and par") {
  const auto w = resample_weights(42, 3, 17);
  double total = 0.0;
  for (const double v : w) total += v;
  CHECK(total == 17.0);
  CHECK(w == resample_weights(42, 3, 17));
  CHECK(w != resample_weights(42, 4, 17));
  const auto statistic = [](const std::vector<double>& weights) {
    double s = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) s += weights[i] * static_cast<double>(i);
    return s;
  };
  CHECK(bootstrap_distribution(seq, 17, 300, 5, statistic) ==
        bootstrap_distribution(par, 17, 300, 5, statistic));
  // the multiplicities of one sequence are Binomial(S, 1/S): mean 1, variance 1 - 1/S
  double mean = 0.0, square = 0.0;
  const std::size_t b = 4000;
  for (std::size_t r = 0; r < b; ++r) {
    const double c = resample_weights(9, r, 17)[0];
    mean += c;
    square += c * c;
  }
  mean /= b;
  INFOSCALE_CHECK_CLOSE(mean, 1.0, 0.0, 5 * std::sqrt((1.0 - 1.0 / 17) / b));
  INFOSCALE_CHECK_CLOSE(square / b - mean * mean, 1.0 - 1.0 / 17, 0.1, 0.0);
}

TEST_CASE("layers: paper Table 3 CVs from Table 1 positions, and the 0.06 vs 0.0667 inconsistency") {
  // Llama-2/3: L-I 13/32, I-G 16/32 for both -> CV 0.00
  const std::vector<double> llama_li{relative_position(13, 32), relative_position(13, 32)};
  CHECK(coefficient_of_variation(llama_li) == 0.0);
  INFOSCALE_CHECK_CLOSE(llama_li[0], 0.40625, 1e-15, 0.0);  // Table 1: 40.6%
  // Qwen1.5 (32 layers) and Qwen2.5 (28 layers): I-G at 8 and 20 -> 25.0% and 71.4%, CV 0.48
  const std::vector<double> qwen_ig{relative_position(8, 32), relative_position(20, 28)};
  const double cv_ig = coefficient_of_variation(qwen_ig);
  CHECK(std::round(cv_ig * 100) / 100 == 0.48);
  INFOSCALE_CHECK_CLOSE(cv_ig, (5.0 / 7.0 - 0.25) / (5.0 / 7.0 + 0.25), 1e-14, 0.0);
  // Qwen L-I at layer 2 of 32 and of 28: exact positions give 1/15 = 0.0667, which rounds to
  // 0.07; the paper's 0.06 comes from the rounded percentages 6.3% and 7.1% (0.0597).
  const std::vector<double> qwen_li{relative_position(2, 32), relative_position(2, 28)};
  const double exact = coefficient_of_variation(qwen_li);
  INFOSCALE_CHECK_CLOSE(exact, 1.0 / 15.0, 1e-14, 0.0);
  CHECK(std::round(exact * 100) / 100 == 0.07);
  const std::vector<double> rounded{0.063, 0.071};
  const double from_rounded = coefficient_of_variation(rounded);
  INFOSCALE_CHECK_CLOSE(from_rounded, 0.004 / 0.067, 1e-12, 0.0);
  CHECK(std::round(from_rounded * 100) / 100 == 0.06);
  CHECK_THROWS_AS((void)coefficient_of_variation(std::vector<double>{}), infoscale::error);
  CHECK_THROWS_AS((void)relative_position(40, 32), infoscale::error);
}

#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/info/mutual_information.hpp>
#include <utility>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;
using test::fixture_matrix;

namespace {
/// n samples of (X, Y) in d + d dimensions with corr(X_j, Y_j) = rho, independent across j.
struct correlated {
  std::vector<double> x, y;
  correlated(std::size_t n, std::size_t d, double rho, std::uint64_t seed) : x(n * d), y(n * d) {
    const random_stream s(seed, 0);
    for (std::size_t i = 0; i < n * d; ++i) {
      x[i] = s.normal(2 * i);
      y[i] = rho * x[i] + std::sqrt(1 - rho * rho) * s.normal(2 * i + 1);
    }
  }
};
matrix_view<const double> view(const std::vector<double>& v, std::size_t d) {
  return make_view(v.data(), std::array<std::size_t, 2>{v.size() / d, d});
}
}  // namespace

TEST_CASE(
    "mutual_information: KSG equals our numpy Kraskov algorithm 1 and sklearn's mutual_info_regression") {
  const auto numpy = test::load_fixture("hvib/ksg_reference_numpy.npy");      // a3 a5 b3 b5 c4 d3
  const auto sklearn = test::load_fixture("hvib/ksg_reference_sklearn.npy");  // a3 a5 b3 b5 d3
  const fixture_matrix ax(test::load_fixture("hvib/ksg_a_x.npy")), ay(test::load_fixture("hvib/ksg_a_y.npy"));
  const fixture_matrix bx(test::load_fixture("hvib/ksg_b_x.npy")), by(test::load_fixture("hvib/ksg_b_y.npy"));
  const fixture_matrix cx(test::load_fixture("hvib/ksg_c_x.npy")), cy(test::load_fixture("hvib/ksg_c_y.npy"));
  const fixture_matrix dx(test::load_fixture("hvib/ksg_d_x.npy")), dy(test::load_fixture("hvib/ksg_d_y.npy"));
  // KSG takes seq and par only (it static_asserts on thrust_host).
  const auto for_each_ksg_policy = [](auto&& f) {
    f(seq);
    f(par);
  };
  for_each_ksg_policy([&](auto policy) {
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, ax.view(), ay.view(), {.k = 3}), numpy(0), 1e-11,
                          1e-12);
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, ax.view(), ay.view(), {.k = 5}), numpy(1), 1e-11,
                          1e-12);
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, bx.view(), by.view(), {.k = 3}), numpy(2), 1e-11,
                          1e-12);
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, bx.view(), by.view(), {.k = 5}), numpy(3), 1e-11,
                          1e-12);
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, cx.view(), cy.view(), {.k = 4}), numpy(4), 1e-11,
                          1e-12);
    INFOSCALE_CHECK_CLOSE(ksg_mutual_information(policy, dx.view(), dy.view(), {.k = 3}), numpy(5), 1e-10,
                          1e-12);
  });
  // sklearn adds its own 1e-10 jitter from numpy's generator: agreement to ~1e-6.
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(ax.view(), ay.view(), {.k = 3}), sklearn(0), 0, 1e-6);
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(ax.view(), ay.view(), {.k = 5}), sklearn(1), 0, 1e-6);
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(bx.view(), by.view(), {.k = 3}), sklearn(2), 0, 1e-6);
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(bx.view(), by.view(), {.k = 5}), sklearn(3), 0, 1e-6);
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(dx.view(), dy.view(), {.k = 3}), sklearn(4), 0, 1e-6);
}

TEST_CASE(
    "mutual_information: KSG on tied (quantised) data is finite and deterministic only because of the "
    "jitter") {
  const std::size_t n = 400;
  std::vector<double> x(n), y(n);
  const random_stream s(61, 0);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(s.below(5, i));
    y[i] = x[i] + static_cast<double>(s.below(3, n + i));
  }
  const double a = ksg_mutual_information(seq, view(x, 1), view(y, 1), {.k = 3, .seed = 1});
  const double b = ksg_mutual_information(par, view(x, 1), view(y, 1), {.k = 3, .seed = 1});
  const double c = ksg_mutual_information(seq, view(x, 1), view(y, 1), {.k = 3, .seed = 2});
  CHECK(std::isfinite(a));
  CHECK(a == b);  // same seed: identical on every thread count
  CHECK(std::abs(a - c) < 0.1);
  // Without jitter many eps_i are 0 (every strict count 0, the estimate badly inflated): an error.
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(seq, view(x, 1), view(y, 1), {.k = 3, .jitter = 0.0}),
                       doctest::Contains("argument 'jitter' is 0 but x and y have"), error);
}

TEST_CASE("mutual_information: KSG on tied data agrees with sklearn's (seed-averaged); jitter = 0 raises") {
  // x = round(2 N(0,1)), y = x + round(N(0,1)), n = 500: sklearn's value depends on its noise seed,
  // so the means over 20 seeds are compared, within 4 standard errors of the two means.
  const fixture_matrix x(test::load_fixture("info/ksg_ties_x.npy")),
      y(test::load_fixture("info/ksg_ties_y.npy"));
  const auto sklearn = test::load_fixture("info/ksg_ties_sklearn.npy");
  std::vector<double> ours;
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    ours.push_back(ksg_mutual_information(par, x.view(), y.view(), {.k = 3, .seed = seed}));
  const auto mean_sd = [](const auto& v) {
    double m = 0.0, s = 0.0;
    for (const double a : v) m += a;
    m /= static_cast<double>(v.size());
    for (const double a : v) s += (a - m) * (a - m);
    return std::pair{m, std::sqrt(s / static_cast<double>(v.size()))};
  };
  const auto [ours_mean, ours_sd] = mean_sd(ours);
  const auto [sk_mean, sk_sd] = mean_sd(sklearn);
  MESSAGE("tied data, 20 seeds: infoscale " << ours_mean << " +- " << ours_sd << ", sklearn " << sk_mean
                                            << " +- " << sk_sd);
  CHECK(std::abs(ours_mean - sk_mean) < 4.0 * std::sqrt((ours_sd * ours_sd + sk_sd * sk_sd) / 20.0));
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(x.view(), y.view(), {.jitter = 0.0}),
                       doctest::Contains("set jitter > 0"), error);
  // x = y = 0: with jitter the inputs are independent noise (sklearn: ~0.07 before its clamp at 0 on
  // 100 samples); without it, 7.78 nats used to come back silently.
  const std::vector<double> zeros(100, 0.0);
  const double noise = ksg_mutual_information(view(zeros, 1), view(zeros, 1));
  const auto sklearn_zeros = test::load_fixture("info/ksg_zeros_sklearn.npy");
  CHECK(std::abs(noise) < 0.15);
  CHECK(std::abs(noise - sklearn_zeros(0)) < 0.2);
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(view(zeros, 1), view(zeros, 1), {.jitter = 0.0}),
                       doctest::Contains("argument 'jitter' is 0 but x and y have 100 of 100 samples"),
                       error);
}

TEST_CASE(
    "mutual_information: KSG is accurate in low dimension and collapses in high dimension (its failure "
    "mode)") {
  const correlated low(2000, 1, 0.8, 62);
  const double truth_low = -0.5 * std::log(1 - 0.64);
  INFOSCALE_CHECK_CLOSE(ksg_mutual_information(par, view(low.x, 1), view(low.y, 1)), truth_low, 0, 0.05);
  const std::size_t n = 600, d = 10;
  const correlated high(n, d, 0.9, 63);
  const double truth_high = -0.5 * double(d) * std::log(1 - 0.81);  // 8.30 nats
  const double estimate = ksg_mutual_information(par, view(high.x, d), view(high.y, d));
  MESSAGE("10 + 10 dimensions, rho = 0.9: true " << truth_high << " nats, KSG " << estimate);
  CHECK(estimate < 0.5 * truth_high);
  CHECK(estimate < std::log(double(n) / 3.0));
}

TEST_CASE(
    "mutual_information: Gaussian estimator equals -1/2 ln(1 - r^2) in 1-D, and its high-dimension bias") {
  const fixture_matrix ax(test::load_fixture("hvib/ksg_a_x.npy")), ay(test::load_fixture("hvib/ksg_a_y.npy"));
  double mx = 0, my = 0;
  const auto n = static_cast<double>(ax.rows);
  for (std::size_t i = 0; i < ax.rows; ++i) mx += ax.values[i] / n, my += ay.values[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < ax.rows; ++i) {
    sxy += (ax.values[i] - mx) * (ay.values[i] - my);
    sxx += (ax.values[i] - mx) * (ax.values[i] - mx);
    syy += (ay.values[i] - my) * (ay.values[i] - my);
  }
  const double r = sxy / std::sqrt(sxx * syy);
  INFOSCALE_CHECK_CLOSE(gaussian_mutual_information(ax.view(), ay.view()), -0.5 * std::log(1 - r * r), 1e-12,
                        0);
  // Block-correlated Gaussians: 3 pairs with rho = 0.6, large n.
  const correlated big(20000, 3, 0.6, 64);
  INFOSCALE_CHECK_CLOSE(gaussian_mutual_information(view(big.x, 3), view(big.y, 3)),
                        -1.5 * std::log(1 - 0.36), 0, 0.01);
  // Failure modes: independent 20 + 20 dimensions at n = 200 read ~ dx dy / (2n) = 1 nat of "information".
  const correlated independent(200, 20, 0.0, 65);
  const double bias = gaussian_mutual_information(view(independent.x, 20), view(independent.y, 20));
  MESSAGE("independent 20 + 20 dimensions, n = 200: Gaussian estimate " << bias << " nats (dx dy / 2n = 1)");
  CHECK(bias > 0.6);
  CHECK(bias < 1.6);
  const correlated too_few(30, 20, 0.0, 66);
  CHECK_THROWS_WITH_AS((void)gaussian_mutual_information(view(too_few.x, 20), view(too_few.y, 20)),
                       doctest::Contains("needs n > dx + dy"), error);
  // Blind to non-linear dependence: y = x^2 + small noise.
  std::vector<double> x(2000), y(2000);
  const random_stream s(67, 0);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = s.normal(i), y[i] = x[i] * x[i] + 0.1 * s.normal(5000 + i);
  CHECK(gaussian_mutual_information(view(x, 1), view(y, 1)) < 0.01);
  CHECK(ksg_mutual_information(par, view(x, 1), view(y, 1)) > 1.0);
}

TEST_CASE(
    "mutual_information: binning equals numpy histogramdd plug-in (and Miller-Madow); bias and saturation") {
  const auto ref = test::load_fixture("hvib/binning_reference.npy");
  const fixture_matrix ax(test::load_fixture("hvib/bin_a_x.npy")), ay(test::load_fixture("hvib/bin_a_y.npy"));
  const fixture_matrix bx(test::load_fixture("hvib/bin_b_x.npy")), by(test::load_fixture("hvib/bin_b_y.npy"));
  INFOSCALE_CHECK_CLOSE(binned_mutual_information(ax.view(), ay.view(), {.bins = 8}), ref(0), 1e-12, 0);
  INFOSCALE_CHECK_CLOSE(binned_mutual_information(ax.view(), ay.view(), {.bins = 8, .miller_madow = true}),
                        ref(1), 1e-12, 0);
  INFOSCALE_CHECK_CLOSE(binned_mutual_information(bx.view(), by.view(), {.bins = 6}), ref(2), 1e-12, 0);
  INFOSCALE_CHECK_CLOSE(binned_mutual_information(bx.view(), by.view(), {.bins = 6, .miller_madow = true}),
                        ref(3), 1e-12, 0);
  // Bias: independent 1-D data, 10 bins, n = 1000: plug-in ~ (B-1)^2 / (2n) = 0.0405 on average;
  // Miller-Madow removes most of it.
  double plug_in = 0, corrected = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const correlated data(1000, 1, 0.0, 100 + seed);
    plug_in += binned_mutual_information(view(data.x, 1), view(data.y, 1)) / 20;
    corrected += binned_mutual_information(view(data.x, 1), view(data.y, 1), {.miller_madow = true}) / 20;
  }
  MESSAGE("independent 1-D, 10 bins, n = 1000: mean plug-in " << plug_in << ", Miller-Madow " << corrected);
  INFOSCALE_CHECK_CLOSE(plug_in, 81.0 / 2000.0, 0.3, 0);
  CHECK(std::abs(corrected) < 0.5 * plug_in);
  // Saturation in high dimension: independent 8 + 8 dimensions, n = 400, read ~ ln n.
  const correlated high(400, 8, 0.0, 68);
  const double saturated = binned_mutual_information(view(high.x, 8), view(high.y, 8));
  MESSAGE("independent 8 + 8 dimensions, n = 400: binned estimate " << saturated
                                                                    << " (ln n = " << std::log(400.0) << ")");
  CHECK(saturated > 0.8 * std::log(400.0));
}

TEST_CASE("mutual_information: estimators reject mismatched samples, NaN, k >= n and zero bins") {
  std::vector<double> x(10, 1.0), y(12, 1.0), bad(10, 1.0);
  bad[4] = NAN;
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(view(x, 1), view(y, 1)), doctest::Contains("'y'"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_mutual_information(view(x, 1), view(y, 1)), doctest::Contains("'y'"),
                       error);
  CHECK_THROWS_WITH_AS((void)binned_mutual_information(view(x, 1), view(y, 1)), doctest::Contains("'y'"),
                       error);
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(view(x, 1), view(bad, 1)), doctest::Contains("NaN"),
                       error);
  CHECK_THROWS_WITH_AS((void)ksg_mutual_information(view(x, 1), view(x, 1), {.k = 10}),
                       doctest::Contains("more than k"), error);
  CHECK_THROWS_WITH_AS((void)binned_mutual_information(view(x, 1), view(x, 1), {.bins = 0}),
                       doctest::Contains("'bins'"), error);
}

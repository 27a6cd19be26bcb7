#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/hvib/gaussian_kl.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;
using test::fixture_matrix;

TEST_CASE("hvib: diagonal Gaussian KL per row equals scipy quadrature of p log(p/q) on every policy") {
  const fixture_matrix m0(test::load_fixture("hvib/kl_m0.npy")), v0(test::load_fixture("hvib/kl_v0.npy"));
  const fixture_matrix m1(test::load_fixture("hvib/kl_m1.npy")), v1(test::load_fixture("hvib/kl_v1.npy"));
  const auto expected = test::load_fixture("hvib/kl_diag.npy");
  test::for_each_host_policy([&](auto policy) {
    const auto kl = gaussian_kl_diagonal(policy, m0.view(), v0.view(), m1.view(), v1.view());
    REQUIRE(kl.size() == m0.rows);
    CHECK(kl[0] == 0.0);  // identical pair
    for (std::size_t r = 1; r < kl.size(); ++r) INFOSCALE_CHECK_CLOSE(kl[r], expected(r), 1e-9, 1e-13);
  });
}

TEST_CASE_TEMPLATE("hvib: diagonal Gaussian KL in float storage agrees with the double fixture", T, float,
                   double) {
  const auto load = [](const char* name) {
    const auto a = test::load_fixture(name);
    return std::vector<T>(a.begin(), a.end());
  };
  auto m0 = load("hvib/kl_m0.npy"), v0 = load("hvib/kl_v0.npy"), m1 = load("hvib/kl_m1.npy"),
       v1 = load("hvib/kl_v1.npy");
  const auto expected = test::load_fixture("hvib/kl_diag.npy");
  const std::array<std::size_t, 2> shape{5, 4};
  const auto kl =
      gaussian_kl_diagonal(par, make_view<2>(m0, shape).as_const(), make_view<2>(v0, shape).as_const(),
                           make_view<2>(m1, shape).as_const(), make_view<2>(v1, shape).as_const());
  const double rtol = std::is_same_v<T, float> ? 1e-5 : 1e-9;
  for (std::size_t r = 2; r < kl.size(); ++r) INFOSCALE_CHECK_CLOSE(kl[r], expected(r), rtol, 1e-6);
}

TEST_CASE("hvib: scalar KL by hand, and the near-equal-variance case keeps relative precision") {
  // KL(N(0,1) || N(1,2)) = 1/2 [1/2 + 1/2 - 1 + ln 2] = ln(2) / 2.
  CHECK(gaussian_kl(0.0, 1.0, 1.0, 2.0) == doctest::Approx(std::log(2.0) / 2).epsilon(1e-15));
  // v0 = v1 (1 + d): KL = 1/2 [x - log1p(x)] ~ d^2 / 4 with x = -d / (1 + d); the textbook form
  // v0/v1 - 1 - ln(v0/v1) loses every digit at d = 1e-9.
  const double d = 1e-9;
  const double x = -d / (1 + d);
  const double expected = 0.5 * (x * x / 2 - x * x * x / 3);
  INFOSCALE_CHECK_CLOSE(gaussian_kl(0.0, 1.0, 0.0, 1.0 + d), expected, 1e-6, 0.0);
}

TEST_CASE("hvib: full-covariance KL equals numpy's inverse/slogdet formula and the diagonal case") {
  const auto s0x = test::load_fixture("hvib/klfull_s0.npy"), s1x = test::load_fixture("hvib/klfull_s1.npy");
  const auto m0x = test::load_fixture("hvib/klfull_m0.npy"), m1x = test::load_fixture("hvib/klfull_m1.npy");
  Eigen::MatrixXd s0(5, 5), s1(5, 5);
  Eigen::VectorXd m0(5), m1(5);
  for (int i = 0; i < 5; ++i) {
    m0(i) = m0x(i);
    m1(i) = m1x(i);
    for (int j = 0; j < 5; ++j) s0(i, j) = s0x(i, j), s1(i, j) = s1x(i, j);
  }
  INFOSCALE_CHECK_CLOSE(gaussian_kl_full(m0, s0, m1, s1), test::load_fixture("hvib/klfull_reference.npy")(0),
                        1e-12, 0);
  CHECK(gaussian_kl_full(m0, s0, m0, s0) <= 1e-14);
  // Diagonal covariances: the full and batched diagonal forms agree.
  const Eigen::VectorXd v0 = s0.diagonal(), v1 = s1.diagonal();
  std::vector<double> a(m0.data(), m0.data() + 5), b(v0.data(), v0.data() + 5), c(m1.data(), m1.data() + 5),
      e(v1.data(), v1.data() + 5);
  const auto diag =
      gaussian_kl_diagonal(make_view<2>(a, {1, 5}).as_const(), make_view<2>(b, {1, 5}).as_const(),
                           make_view<2>(c, {1, 5}).as_const(), make_view<2>(e, {1, 5}).as_const());
  INFOSCALE_CHECK_CLOSE(
      gaussian_kl_full(m0, Eigen::MatrixXd(v0.asDiagonal()), m1, Eigen::MatrixXd(v1.asDiagonal())), diag[0],
      1e-13, 0);
}

TEST_CASE("hvib: categorical KL is info/'s kl_divergence") {
  std::vector<double> p{0.2, 0.3, 0.5}, q{0.4, 0.4, 0.2};
  const auto kl = categorical_kl(seq, make_view<2>(p, {1, 3}).as_const(), make_view<2>(q, {1, 3}).as_const());
  INFOSCALE_CHECK_CLOSE(kl[0], 0.2 * std::log(0.5) + 0.3 * std::log(0.75) + 0.5 * std::log(2.5), 1e-14, 0);
}

TEST_CASE(
    "hvib: Gaussian KL rejects non-SPD or non-symmetric covariances, negative variances and bad shapes") {
  const Eigen::VectorXd m = Eigen::VectorXd::Zero(2);
  Eigen::MatrixXd spd(2, 2), indefinite(2, 2), asymmetric(2, 2);
  spd << 2, 0.5, 0.5, 1;
  indefinite << 1, 2, 2, 1;  // eigenvalues 3 and -1
  asymmetric << 1, 0.5, 0.1, 1;
  CHECK_THROWS_WITH_AS((void)gaussian_kl_full(m, indefinite, m, spd),
                       doctest::Contains("'s0' is not symmetric positive definite"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl_full(m, spd, m, indefinite), doctest::Contains("'s1'"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl_full(m, asymmetric, m, spd), doctest::Contains("not symmetric"),
                       error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl_full(Eigen::VectorXd::Zero(3), spd, m, spd),
                       doctest::Contains("'m0'"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl_full(m, spd, m, Eigen::MatrixXd::Identity(3, 3)),
                       doctest::Contains("'s1'"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl(0, -1, 0, 1), doctest::Contains("'v0'"), error);
  CHECK_THROWS_WITH_AS((void)gaussian_kl(0, 1, 0, 0), doctest::Contains("'v1'"), error);
  std::vector<double> ok{0.0, 1.0}, var{1.0, 1.0}, negative{1.0, -0.5}, wide{0, 0, 0};
  const auto v = [](std::vector<double>& x, std::size_t c) { return make_view<2>(x, {1, c}).as_const(); };
  test::for_each_host_policy([&](auto policy) {
    CHECK_THROWS_WITH_AS((void)gaussian_kl_diagonal(policy, v(ok, 2), v(negative, 2), v(ok, 2), v(var, 2)),
                         doctest::Contains("'v0' has a variance <= 0"), error);
    CHECK_THROWS_WITH_AS((void)gaussian_kl_diagonal(policy, v(ok, 2), v(var, 2), v(ok, 2), v(negative, 2)),
                         doctest::Contains("'v1'"), error);
    CHECK_THROWS_WITH_AS((void)gaussian_kl_diagonal(policy, v(ok, 2), v(var, 2), v(wide, 3), v(var, 2)),
                         doctest::Contains("'m1'"), error);
  });
}

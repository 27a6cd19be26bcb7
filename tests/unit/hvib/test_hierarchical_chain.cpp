#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/hvib/gaussian_kl.hpp>
#include <infoscale/hvib/hierarchical_chain.hpp>
#include <numbers>

#include "../../support/approx.hpp"
#include "hvib_test_models.hpp"

using namespace infoscale;
using test::matrix_source;

namespace {
Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}
Eigen::MatrixXd scalar(double v) {
  return Eigen::MatrixXd::Constant(1, 1, v);
}
}  // namespace

TEST_CASE("hvib: log p(X|C) of a scalar chain equals the hand-derived marginal") {
  // g ~ N(0.3, 2); i = 0.5 g + 0.1 + e(0.4); l = -1.2 i + e(0.3); x = g + 2 i - l + 0.2 + e(0.5).
  // x = g + 2i + 1.2 i - e_l + 0.2 + e_x = g + 3.2 (0.5 g + 0.1 + e_i) - e_l + 0.2 + e_x
  //   = 2.6 g + 0.52 + 3.2 e_i - e_l + e_x:  mean 2.6*0.3 + 0.52, var 2.6^2*2 + 3.2^2*0.4 + 0.3 + 0.5.
  const linear_gaussian_model p{
      gaussian(vec({0.3}), scalar(2.0)), linear_gaussian_conditional(scalar(0.5), vec({0.1}), scalar(0.4)),
      linear_gaussian_conditional(scalar(-1.2), vec({0.0}), scalar(0.3)),
      linear_gaussian_conditional(Eigen::RowVector3d(1, 2, -1), vec({0.2}), scalar(0.5))};
  const double mean = 2.6 * 0.3 + 0.52, var = 2.6 * 2.6 * 2 + 3.2 * 3.2 * 0.4 + 0.3 + 0.5;
  const double x = 1.7;
  const double expected = -0.5 * (std::log(2 * std::numbers::pi * var) + (x - mean) * (x - mean) / var);
  INFOSCALE_CHECK_CLOSE(log_evidence(p, vec({x})), expected, 1e-13, 0);
}

TEST_CASE("hvib: KL chain (17) KL_G + KL_I + KL_L equals the joint KL(q(G,I,L) || p(G,I,L|C))") {
  matrix_source s{random_stream(11, 0)};
  const auto p = test::three_scale_model(s);
  for (int trial = 0; trial < 5; ++trial) {
    const auto q = test::random_posterior(s);
    const auto kl = kl_terms(p, q);
    CHECK(kl.g > 0.0);
    CHECK(kl.i > 0.0);
    CHECK(kl.l > 0.0);
    INFOSCALE_CHECK_CLOSE(kl.total(), joint_kl(p, q), 1e-11, 1e-12);
    // KL_G alone is the full-covariance KL of (14).
    INFOSCALE_CHECK_CLOSE(kl.g, gaussian_kl_full(q.g.mean(), q.g.covariance(), p.g.mean(), p.g.covariance()),
                          1e-14, 0);
  }
}

TEST_CASE(
    "hvib: ELBO (12) <= log p(X|C), its gap is KL(q || posterior), and it is tight at the exact posterior") {
  matrix_source s{random_stream(12, 0)};
  const auto p = test::three_scale_model(s);
  const Eigen::VectorXd x = s.vector(4, 1.5);
  const double evidence = log_evidence(p, x);
  for (int trial = 0; trial < 5; ++trial) {
    const auto q = test::random_posterior(s);
    const auto terms = elbo_terms(p, q, x);
    CHECK(terms.elbo() < evidence);
    INFOSCALE_CHECK_CLOSE(evidence - terms.elbo(), posterior_gap(p, q, x), 1e-10, 1e-10);
  }
  const auto exact = exact_posterior(p, x);
  const auto terms = elbo_terms(p, exact, x);
  INFOSCALE_CHECK_CLOSE(terms.elbo(), evidence, 1e-11, 1e-11);
  CHECK(posterior_gap(p, exact, x) == doctest::Approx(0.0).scale(1e-10));
}

TEST_CASE("hvib: the H-VIB objective (18) is the ELBO at beta = 1 and falls as any beta grows") {
  matrix_source s{random_stream(13, 0)};
  const auto p = test::three_scale_model(s);
  const auto q = test::random_posterior(s);
  const Eigen::VectorXd x = s.vector(4);
  const auto terms = elbo_terms(p, q, x);
  CHECK(hvib_objective(terms, {1.0, 1.0, 1.0}) == doctest::Approx(terms.elbo()).epsilon(1e-15));
  CHECK(hvib_objective(terms, {0.0, 0.0, 0.0}) == terms.reconstruction);
  const double base = hvib_objective(terms, {1.0, 1.0, 1.0});
  CHECK(hvib_objective(terms, {2.0, 1.0, 1.0}) == doctest::Approx(base - terms.kl.g));
  CHECK(hvib_objective(terms, {1.0, 2.0, 1.0}) == doctest::Approx(base - terms.kl.i));
  CHECK(hvib_objective(terms, {1.0, 1.0, 2.0}) == doctest::Approx(base - terms.kl.l));
  CHECK_THROWS_WITH_AS((void)hvib_objective(terms, {1.0, -0.1, 1.0}), doctest::Contains("'beta.i'"), error);
  CHECK_THROWS_WITH_AS((void)hvib_objective(terms, {NAN, 1.0, 1.0}), doctest::Contains("'beta.g'"), error);
}

TEST_CASE(
    "hvib: Monte Carlo terms with reparameterisation agree with the closed forms within 4 standard errors") {
  matrix_source s{random_stream(14, 0)};
  const auto p = test::three_scale_model(s);
  const auto q = test::random_posterior(s);
  const Eigen::VectorXd x = s.vector(4);
  const auto exact = elbo_terms(p, q, x);
  using fmodel = hierarchical_model<functional_gaussian_conditional, functional_gaussian_conditional,
                                    functional_gaussian_conditional>;
  using fposterior = hierarchical_posterior<functional_gaussian_conditional, functional_gaussian_conditional>;
  const fmodel pf{p.g, as_functional(p.i_given_g), as_functional(p.l_given_i), as_functional(p.x_given_gil)};
  const fposterior qf{q.g, as_functional(q.i_given_g), as_functional(q.l_given_gi)};
  const auto mc = monte_carlo_elbo_terms(pf, qf, x, 4000, random_stream(7, 1));
  CHECK(mc.value.kl.g == doctest::Approx(exact.kl.g).epsilon(1e-14));
  INFOSCALE_CHECK_CLOSE(mc.value.kl.i, exact.kl.i, 0, 4 * mc.standard_error.kl.i);
  INFOSCALE_CHECK_CLOSE(mc.value.kl.l, exact.kl.l, 0, 4 * mc.standard_error.kl.l);
  INFOSCALE_CHECK_CLOSE(mc.value.reconstruction, exact.reconstruction, 0,
                        4 * mc.standard_error.reconstruction);
  CHECK(mc.standard_error.reconstruction > 0.0);
  // Linear conditionals run the same Monte Carlo path, and draws are a function of the seed only.
  const auto again = monte_carlo_elbo_terms(p, q, x, 4000, random_stream(7, 1));
  CHECK(again.value.reconstruction == mc.value.reconstruction);
  CHECK(again.value.kl.l == mc.value.kl.l);
}

TEST_CASE("hvib: Monte Carlo KL_I for a non-linear prior p(I|G) matches quadrature over G") {
  // p(I|g) = N(tanh(2g), 0.5 + 0.1 g^2); q(I|g) = N(0.3 g + 0.1, 0.4); q(G) = N(0.2, 0.8).
  const functional_gaussian_conditional pi(
      1, 1, [](const Eigen::VectorXd& g) { return Eigen::VectorXd::Constant(1, std::tanh(2 * g(0))); },
      [](const Eigen::VectorXd& g) { return Eigen::MatrixXd::Constant(1, 1, 0.5 + 0.1 * g(0) * g(0)); });
  const functional_gaussian_conditional pl(
      1, 1, [](const Eigen::VectorXd& i) { return Eigen::VectorXd::Constant(1, 0.5 * i(0)); },
      [](const Eigen::VectorXd&) { return Eigen::MatrixXd::Constant(1, 1, 1.0); });
  const functional_gaussian_conditional px(
      1, 3, [](const Eigen::VectorXd& u) { return Eigen::VectorXd::Constant(1, u.sum()); },
      [](const Eigen::VectorXd&) { return Eigen::MatrixXd::Constant(1, 1, 1.0); });
  const hierarchical_model<functional_gaussian_conditional, functional_gaussian_conditional,
                           functional_gaussian_conditional>
      p{gaussian(vec({0.0}), scalar(1.0)), pi, pl, px};
  const linear_gaussian_conditional qi(scalar(0.3), vec({0.1}), scalar(0.4));
  const linear_gaussian_conditional ql(Eigen::RowVector2d(0.1, 0.4), vec({0.0}), scalar(0.7));
  const hierarchical_posterior<linear_gaussian_conditional, linear_gaussian_conditional> q{
      gaussian(vec({0.2}), scalar(0.8)), qi, ql};
  // Reference: trapezoid rule over g on [-12 sd, 12 sd] (spectrally accurate for this smooth integrand).
  double reference = 0.0;
  const double sd = std::sqrt(0.8), lo = 0.2 - 12 * sd, hi = 0.2 + 12 * sd;
  const int steps = 20000;
  for (int k = 0; k <= steps; ++k) {
    const double g = lo + (hi - lo) * k / steps;
    const double w = (k == 0 || k == steps ? 0.5 : 1.0) * (hi - lo) / steps;
    const double density =
        std::exp(-0.5 * (g - 0.2) * (g - 0.2) / 0.8) / std::sqrt(2 * std::numbers::pi * 0.8);
    reference += w * density * gaussian_kl(0.3 * g + 0.1, 0.4, std::tanh(2 * g), 0.5 + 0.1 * g * g);
  }
  const auto mc = monte_carlo_elbo_terms(p, q, vec({0.5}), 20000, random_stream(3, 9));
  INFO("quadrature " << reference << ", Monte Carlo " << mc.value.kl.i << " +- " << mc.standard_error.kl.i);
  INFOSCALE_CHECK_CLOSE(mc.value.kl.i, reference, 0, 4 * mc.standard_error.kl.i);
  CHECK(mc.standard_error.kl.i < 0.02 * reference);
}

TEST_CASE("hvib: chain errors name the argument: dimensions, non-SPD covariances, sample counts") {
  matrix_source s{random_stream(15, 0)};
  const auto p = test::three_scale_model(s);
  const auto q = test::random_posterior(s);
  const linear_gaussian_posterior wrong_i{q.g, s.conditional(2, 2), q.l_given_gi};
  CHECK_THROWS_WITH_AS((void)kl_terms(p, wrong_i), doctest::Contains("'posterior.i_given_g'"), error);
  const linear_gaussian_posterior wrong_l{q.g, q.i_given_g, s.conditional(2, 4)};
  CHECK_THROWS_WITH_AS((void)joint_kl(p, wrong_l), doctest::Contains("'posterior.l_given_gi'"), error);
  CHECK_THROWS_WITH_AS((void)reconstruction(p, q, Eigen::VectorXd::Zero(3)), doctest::Contains("'x'"), error);
  const linear_gaussian_model wrong_x{p.g, p.i_given_g, p.l_given_i, s.conditional(4, 6)};
  CHECK_THROWS_WITH_AS((void)log_evidence(wrong_x, Eigen::VectorXd::Zero(4)),
                       doctest::Contains("'model.x_given_gil'"), error);
  Eigen::MatrixXd bad(2, 2);
  bad << 1, 0, 0, -1;
  CHECK_THROWS_WITH_AS(gaussian(Eigen::VectorXd::Zero(2), bad),
                       doctest::Contains("'covariance' is not symmetric positive definite"), error);
  CHECK_THROWS_WITH_AS(linear_gaussian_conditional(Eigen::MatrixXd::Ones(3, 2), Eigen::VectorXd::Zero(2),
                                                   Eigen::MatrixXd::Identity(2, 2)),
                       doctest::Contains("'weight'"), error);
  CHECK_THROWS_WITH_AS((void)monte_carlo_elbo_terms(p, q, Eigen::VectorXd::Zero(4), 1, random_stream(0, 0)),
                       doctest::Contains("'samples'"), error);
}

#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/hvib/information_bound.hpp>
#include <infoscale/info/mutual_information.hpp>
#include <vector>

#include "../../support/approx.hpp"
#include "hvib_test_models.hpp"

using namespace infoscale;
using test::matrix_source;

namespace {
Eigen::MatrixXd one_by_one(double v) {
  return Eigen::MatrixXd::Constant(1, 1, v);
}
}  // namespace

TEST_CASE(
    "hvib: Gaussian channel information equals 1/2 ln(1 + SNR), and the bound (19) holds with gap "
    "KL(q(z)||r)") {
  const double sx = 2.0, sn = 0.5;
  const gaussian input(Eigen::VectorXd::Zero(1), one_by_one(sx));
  const linear_gaussian_conditional channel(one_by_one(1.0), Eigen::VectorXd::Zero(1), one_by_one(sn));
  const double exact = 0.5 * std::log(1.0 + sx / sn);
  INFOSCALE_CHECK_CLOSE(gaussian_channel_information(channel, input), exact, 1e-15, 0);
  // The tight prior: the encoder's marginal N(0, sx + sn).
  const gaussian marginal = encoder_marginal(channel, input);
  INFOSCALE_CHECK_CLOSE(marginal.covariance()(0, 0), sx + sn, 1e-15, 0);
  INFOSCALE_CHECK_CLOSE(variational_information_bound(channel, input, marginal), exact, 1e-13, 1e-15);
  // Standard-normal prior, as VIB uses: E_x KL(N(x, sn) || N(0, 1)) = 1/2 [sn + sx - 1 - ln sn] by hand.
  const gaussian standard(Eigen::VectorXd::Zero(1), one_by_one(1.0));
  const double bound = variational_information_bound(channel, input, standard);
  INFOSCALE_CHECK_CLOSE(bound, 0.5 * (sn + sx - 1.0 - std::log(sn)), 1e-14, 0);
  CHECK(bound > exact);
  INFOSCALE_CHECK_CLOSE(bound - exact, kl_divergence(marginal, standard), 1e-13, 0);
}

TEST_CASE(
    "hvib: the variational bound (19) in several dimensions: >= I for random priors, gap = KL(q(z) || r)") {
  matrix_source s{random_stream(21, 0)};
  const gaussian input(s.vector(3), s.spd(3));
  const auto encoder = s.conditional(2, 3);
  const double information = gaussian_channel_information(encoder, input);
  const gaussian marginal = encoder_marginal(encoder, input);
  for (int trial = 0; trial < 5; ++trial) {
    const gaussian prior(s.vector(2), s.spd(2));
    const double bound = variational_information_bound(encoder, input, prior);
    CHECK(bound > information);
    INFOSCALE_CHECK_CLOSE(bound - information, kl_divergence(marginal, prior), 1e-11, 1e-13);
  }
}

TEST_CASE("hvib: sample-based VIB rate over encoder rows agrees with the closed-form bound on every policy") {
  // Encoder z | x ~ N(0.8 x + 0.1, diag(0.3, 0.6)) on x ~ N(0, I_2); prior N((0.2, -0.1), diag(1.5, 0.7)).
  const std::size_t n = 20000;
  const random_stream stream(22, 0);
  std::vector<double> means(2 * n), variances(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 2; ++j) {
      means[2 * i + j] = 0.8 * stream.normal(2 * i + j) + 0.1;
      variances[2 * i + j] = j == 0 ? 0.3 : 0.6;
    }
  }
  std::vector<double> prior_mean{0.2, -0.1}, prior_var{1.5, 0.7};
  // A single prior row broadcast by a row stride of 0.
  const auto broadcast = [&](std::vector<double>& v) {
    return make_view(static_cast<const double*>(v.data()), std::array<std::size_t, 2>{n, 2},
                     std::array<std::ptrdiff_t, 2>{0, 1});
  };
  const Eigen::MatrixXd w = 0.8 * Eigen::MatrixXd::Identity(2, 2);
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(2, 2), pc = Eigen::MatrixXd::Zero(2, 2);
  cov.diagonal() << 0.3, 0.6;
  pc.diagonal() << 1.5, 0.7;
  const linear_gaussian_conditional encoder(w, Eigen::VectorXd::Constant(2, 0.1), cov);
  const double exact = variational_information_bound(
      encoder, gaussian(Eigen::VectorXd::Zero(2), Eigen::MatrixXd::Identity(2, 2)),
      gaussian(Eigen::Vector2d(0.2, -0.1), pc));
  double first = 0.0;
  test::for_each_host_policy([&](auto policy) {
    const double rate = rate_upper_bound(policy, make_view<2>(means, {n, 2}).as_const(),
                                         make_view<2>(variances, {n, 2}).as_const(), broadcast(prior_mean),
                                         broadcast(prior_var));
    INFOSCALE_CHECK_CLOSE(rate, exact, 0.02, 0);
    if (first == 0.0) first = rate;
    INFOSCALE_CHECK_CLOSE(rate, first, 1e-13, 0);
  });
}

TEST_CASE(
    "hvib: data-processing inequality (25) along a Markov chain of noisy layers, closed form and estimated") {
  matrix_source s{random_stream(23, 0)};
  const gaussian input(Eigen::VectorXd::Zero(3), s.spd(3, 1.0));
  std::vector<linear_gaussian_conditional> layers;
  for (int l = 0; l < 8; ++l) layers.push_back(s.conditional(3, 3, 0.9));
  const auto information = layer_information(layers, input);
  for (std::size_t l = 1; l < information.size(); ++l) CHECK(information[l] <= information[l - 1] + 1e-12);
  CHECK(information.back() < information.front());

  // A scalar chain h_l = h_{l-1} + N(0, s_l^2): I(X; h_l) = 1/2 ln(1 + 1 / sum_{m<=l} s_m^2). Estimated
  // from samples by the Gaussian and KSG estimators, both follow the closed form and decrease.
  const std::vector<double> noise{0.1, 0.2, 0.4, 0.8, 1.6};
  const std::size_t n = 4000;
  const random_stream draws(24, 0);
  std::vector<double> x(n);
  std::vector<std::vector<double>> h(noise.size(), std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = draws.normal(i);
    double v = x[i];
    for (std::size_t l = 0; l < noise.size(); ++l) {
      v += std::sqrt(noise[l]) * draws.normal((l + 1) * n + i);
      h[l][i] = v;
    }
  }
  std::vector<linear_gaussian_conditional> scalar_layers;
  for (double v : noise) scalar_layers.emplace_back(one_by_one(1.0), Eigen::VectorXd::Zero(1), one_by_one(v));
  const auto exact = layer_information(scalar_layers, gaussian(Eigen::VectorXd::Zero(1), one_by_one(1.0)));
  double previous_ksg = INFINITY;
  double cumulative = 0.0;
  for (std::size_t l = 0; l < noise.size(); ++l) {
    cumulative += noise[l];
    INFOSCALE_CHECK_CLOSE(exact[l], 0.5 * std::log(1 + 1 / cumulative), 1e-14, 0);
    const auto xv = make_view<2>(x, {n, 1}).as_const();
    const auto hv = make_view<2>(h[l], {n, 1}).as_const();
    const double g = gaussian_mutual_information(xv, hv);
    const double k = ksg_mutual_information(par, xv, hv, {.k = 4});
    INFO("layer " << l << ": exact " << exact[l] << ", Gaussian " << g << ", KSG " << k);
    INFOSCALE_CHECK_CLOSE(g, exact[l], 0.0, 0.04);
    INFOSCALE_CHECK_CLOSE(k, exact[l], 0.0, 0.05);
    CHECK(k < previous_ksg);
    previous_ksg = k;
  }
}

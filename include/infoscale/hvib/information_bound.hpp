#pragma once
// The variational upper bound on an encoder's mutual information, mspgt-hvib eq. (19):
//   I(X; Z) = E_x KL(q(z|x) || q(z)) <= E_x KL(q(z|x) || r(z))   for any prior r,
// with gap exactly KL(q(z) || r(z)) (the paper's "const" is 0 here; it vanishes when r is the
// encoder's marginal). Closed forms for a linear-Gaussian encoder of a Gaussian input, the
// Gaussian-channel information they are checked against, composition of noisy linear layers (for
// the data-processing inequality, eq. (25)), and the sample-based rate term a VIB trains with.

#include <Eigen/Dense>
#include <cmath>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/hvib/gaussian.hpp"
#include "infoscale/hvib/gaussian_kl.hpp"
#include "infoscale/hvib/hierarchical_chain.hpp"

namespace infoscale {

/// The encoder's marginal q(z) = N(A m + b, A S A^T + Sigma) for x ~ N(m, S).
[[nodiscard]] inline gaussian encoder_marginal(const linear_gaussian_conditional& encoder,
                                               const gaussian& input) {
  detail::check_dimension(encoder.parent_dimension(), input.dimension(), "encoder_marginal", "encoder",
                          "parent dimension");
  return gaussian(encoder.weight() * input.mean() + encoder.offset(),
                  detail::symmetrised(encoder.weight() * input.covariance() * encoder.weight().transpose() +
                                      encoder.covariance()),
                  "encoder_marginal");
}

/// I(X; Z) of the Gaussian channel Z = A X + b + N, nats: 1/2 [ln det(A S A^T + Sigma) - ln det Sigma].
[[nodiscard]] inline double gaussian_channel_information(const linear_gaussian_conditional& encoder,
                                                         const gaussian& input) {
  const gaussian marginal = encoder_marginal(encoder, input);
  return 0.5 * (marginal.log_determinant() - detail::log_determinant_from_cholesky(encoder.cholesky()));
}

/// The variational rate E_x KL(q(z|x) || r(z)) >= I(X; Z), mspgt-hvib eq. (19), in closed form.
[[nodiscard]] inline double variational_information_bound(const linear_gaussian_conditional& encoder,
                                                          const gaussian& input, const gaussian& prior) {
  constexpr std::string_view function = "variational_information_bound";
  detail::check_dimension(encoder.parent_dimension(), input.dimension(), function, "encoder",
                          "parent dimension");
  detail::check_dimension(prior.dimension(), encoder.dimension(), function, "prior", "dimension");
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(encoder.dimension(), encoder.parent_dimension());
  return detail::expected_linear_kl(encoder, zero, prior.mean(), prior.cholesky(), input.mean(),
                                    input.covariance());
}

/// The layer x -> second(first(x)) of two noisy linear layers: N(A2 (A1 x + b1) + b2, A2 S1 A2^T + S2).
[[nodiscard]] inline linear_gaussian_conditional compose(const linear_gaussian_conditional& second,
                                                         const linear_gaussian_conditional& first) {
  detail::check_dimension(second.parent_dimension(), first.dimension(), "compose", "second",
                          "parent dimension");
  return linear_gaussian_conditional(
      second.weight() * first.weight(), second.weight() * first.offset() + second.offset(),
      detail::symmetrised(second.weight() * first.covariance() * second.weight().transpose() +
                          second.covariance()),
      "compose");
}

/// I(X; h_l) for every layer of the Markov chain X -> h_1 -> ... -> h_L of noisy linear layers, nats.
/// Non-increasing in l by the data-processing inequality, mspgt-hvib eq. (25).
[[nodiscard]] inline std::vector<double> layer_information(
    const std::vector<linear_gaussian_conditional>& layers, const gaussian& input) {
  if (layers.empty()) detail::raise("layer_information", "layers", "is empty");
  std::vector<double> out;
  out.reserve(layers.size());
  linear_gaussian_conditional so_far = layers.front();
  detail::check_dimension(so_far.parent_dimension(), input.dimension(), "layer_information", "layers",
                          "first parent dimension");
  out.push_back(gaussian_channel_information(so_far, input));
  for (std::size_t l = 1; l < layers.size(); ++l) {
    so_far = compose(layers[l], so_far);
    out.push_back(gaussian_channel_information(so_far, input));
  }
  return out;
}

/// The sample-based VIB rate (1/n) sum_i KL(N(m_i, diag v_i) || N(r_m, diag r_v)) over the rows of an
/// encoder's outputs, an unbiased estimate of the bound (19); any execution policy. A single prior
/// row is broadcast with a row stride of 0.
template <ExecutionPolicy P, class T>
[[nodiscard]] double rate_upper_bound(P policy, const matrix_view<T>& means, const matrix_view<T>& variances,
                                      const matrix_view<T>& prior_means,
                                      const matrix_view<T>& prior_variances) {
  const auto kl = gaussian_kl_diagonal(policy, means, variances, prior_means, prior_variances);
  return accurate_sum(kl) / static_cast<double>(kl.size());
}

}  // namespace infoscale

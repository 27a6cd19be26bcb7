#pragma once
// Fisher information trace on a layer's activations, multi-scale paper A.5 eq. (30):
// tr F = E ||grad_h log p||^2 from host-provided per-sample gradients [samples][dim], exactly, or
// by Hutchinson's estimator E[v^T F v] with Rademacher v drawn from Philox (seeded).

#include <Eigen/Dense>
#include <cstdint>

#include "infoscale/core/random.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {

/// tr F = (1/N) sum_i ||g_i||^2 (the empirical Fisher of the given gradients).
template <class T>
[[nodiscard]] double fisher_trace(const matrix_view<T>& gradients) {
  detail::check_activations(gradients, "fisher_trace", "gradients");
  return detail::to_matrix(gradients).squaredNorm() / static_cast<double>(gradients.extent(0));
}

/// Hutchinson's estimate (1/m) sum_k v_k^T F v_k = (1/m) sum_k ||G v_k||^2 / N, Rademacher v_k.
template <class T>
[[nodiscard]] double fisher_trace_hutchinson(const matrix_view<T>& gradients, std::size_t probes,
                                             std::uint64_t seed) {
  detail::check_activations(gradients, "fisher_trace_hutchinson", "gradients");
  if (probes == 0) detail::raise("fisher_trace_hutchinson", "probes", "must be > 0");
  const Eigen::MatrixXd g = detail::to_matrix(gradients);
  const random_stream rng(seed, 0);
  Eigen::MatrixXd v(g.cols(), detail::idx_of(probes));
  for (Eigen::Index i = 0; i < v.size(); ++i)
    v.data()[i] = rng.uniform(static_cast<std::uint64_t>(i)) < 0.5 ? -1.0 : 1.0;
  return (g * v).squaredNorm() / (static_cast<double>(g.rows()) * static_cast<double>(probes));
}

/// Sensitivity of the loss to isotropic activation noise, eq. (30): dJ/d(sigma^2) = 1/2 sum tr F.
[[nodiscard]] inline double noise_sensitivity(double fisher_trace_sum) {
  return 0.5 * fisher_trace_sum;
}

}  // namespace infoscale

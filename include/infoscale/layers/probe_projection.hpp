#pragma once
// The probes' optional projection (issue 18): the top-k principal components of standardised
// features, so that a probe on a residual stream thousands wide costs what it costs on k. Found by
// the randomised range finder with power iterations (Halko, Martinsson & Tropp 2011, Algs. 4.4 and
// 5.1): Q spans X (X^T X)^q Omega for a Gaussian Omega with k + 10 columns, re-orthonormalised
// after each product, then the eigenvectors of the small matrix (Q^T X)(Q^T X)^T give the
// components. Products in float on OpenMP threads (fixed blocks: the same on any thread count),
// the small factorisations in double. It reads no labels: fitted once per layer on every token,
// it cannot leak the held-out folds' labels (their features do shape the basis, as PCA before
// cross-validation always does).

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>

#include "infoscale/core/error.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/layers/detail/gemm.hpp"

namespace infoscale {

struct principal_projection {
  Eigen::MatrixXf components;  ///< k x tokens: each token's coordinates on the top k components
  double explained = 0.0;      ///< fraction of the total variance (trace of X X^T) they hold
};

namespace detail {

// Orthonormal basis of y's columns (Householder QR, in double).
inline Eigen::MatrixXf orthonormal_columns(const Eigen::MatrixXf& y) {
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(y.cast<double>());
  return (qr.householderQ() * Eigen::MatrixXd::Identity(y.rows(), y.cols())).cast<float>();
}

}  // namespace detail

/// The top k principal components of x (features x tokens, each feature centred and scaled to unit
/// variance by the caller), with q power iterations; seeded, deterministic. Requires
/// k + 10 <= min(features, tokens).
[[nodiscard]] inline principal_projection project_principal(const Eigen::MatrixXf& x, std::size_t k,
                                                            std::uint64_t seed,
                                                            std::size_t power_iterations = 2) {
  const Eigen::Index d = x.rows(), n = x.cols(), kk = static_cast<Eigen::Index>(k);
  const Eigen::Index width = kk + 10;  // Halko et al.'s oversampling p = 10
  if (kk < 1 || width > d || width > n)
    detail::raise("project_principal", "k", "must satisfy 1 <= k and k + 10 <= min(features, tokens)");
  const random_stream rng(seed, 0x70726f6aULL);  // "proj"
  Eigen::MatrixXf omega(d, width);
  for (Eigen::Index j = 0; j < width; ++j)
    for (Eigen::Index i = 0; i < d; ++i)
      omega(i, j) = static_cast<float>(rng.normal(static_cast<std::uint64_t>(j * d + i)));
  Eigen::MatrixXf q = detail::orthonormal_columns(omega), w, y;
  for (std::size_t it = 0; it < power_iterations; ++it) {
    detail::float_product_parallel('T', 'N', x, q, w);  // n x width
    w = detail::orthonormal_columns(w);
    detail::float_product_parallel('N', 'N', x, w, y);  // d x width
    q = detail::orthonormal_columns(y);
  }
  Eigen::MatrixXf b;
  detail::float_product_parallel('T', 'N', q, x, b);  // width x n
  Eigen::MatrixXf small;
  detail::float_product('N', 'T', b, b, small);                                    // width x width
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(small.cast<double>());  // ascending
  const Eigen::MatrixXd top = eig.eigenvectors().rightCols(kk).rowwise().reverse();
  principal_projection p;
  detail::float_product_parallel('N', 'N', Eigen::MatrixXf(top.transpose().cast<float>()), b, p.components);
  const double total = x.cast<double>().squaredNorm();
  p.explained = total > 0.0 ? eig.eigenvalues().tail(kk).sum() / total : 0.0;
  return p;
}

}  // namespace infoscale

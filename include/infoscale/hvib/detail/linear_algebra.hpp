#pragma once
// Validated Cholesky factors and the few dense operations the Gaussian formulas share. Every check
// names the calling function and the argument, and runs before any arithmetic.

#include <Eigen/Dense>
#include <cmath>
#include <string>
#include <string_view>

#include "infoscale/core/error.hpp"

namespace infoscale::detail {

inline void check_finite_matrix(const Eigen::MatrixXd& m, std::string_view function, std::string_view name) {
  if (!m.allFinite()) raise(function, name, "contains NaN or an infinity");
}

inline void check_vector_length(const Eigen::VectorXd& v, Eigen::Index expected, std::string_view function,
                                std::string_view name) {
  if (v.size() != expected) {
    raise(function, name,
          "has length " + std::to_string(v.size()) + " but " + std::to_string(expected) + " is required");
  }
  if (!v.allFinite()) raise(function, name, "contains NaN or an infinity");
}

/// The lower Cholesky factor of a covariance, raising unless it is square, finite, symmetric (to
/// 1e-10 relative) and positive definite.
inline Eigen::MatrixXd checked_cholesky(const Eigen::MatrixXd& covariance, std::string_view function,
                                        std::string_view name) {
  if (covariance.rows() != covariance.cols()) {
    raise(function, name,
          "must be square, got " + std::to_string(covariance.rows()) + " x " +
              std::to_string(covariance.cols()));
  }
  if (covariance.rows() == 0) raise(function, name, "is empty");
  check_finite_matrix(covariance, function, name);
  const double scale = covariance.cwiseAbs().maxCoeff();
  if ((covariance - covariance.transpose()).cwiseAbs().maxCoeff() > 1e-10 * (scale > 0 ? scale : 1.0)) {
    raise(function, name, "is not symmetric");
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success) raise(function, name, "is not symmetric positive definite");
  Eigen::MatrixXd lower = llt.matrixL();
  for (Eigen::Index k = 0; k < lower.rows(); ++k) {
    if (!(lower(k, k) > 0.0) || !std::isfinite(lower(k, k))) {
      raise(function, name, "is not symmetric positive definite");
    }
  }
  return lower;
}

/// log det of S = L L^T from its Cholesky factor.
inline double log_determinant_from_cholesky(const Eigen::MatrixXd& lower) {
  return 2.0 * lower.diagonal().array().log().sum();
}

/// KL(N(m0, L0 L0^T) || N(m1, L1 L1^T)) from Cholesky factors: the trace term is ||L1^-1 L0||_F^2 and
/// the Mahalanobis term ||L1^-1 (m1 - m0)||^2, so no inverse is formed.
inline double gaussian_kl_from_cholesky(const Eigen::VectorXd& m0, const Eigen::MatrixXd& l0,
                                        const Eigen::VectorXd& m1, const Eigen::MatrixXd& l1) {
  const auto solver = l1.triangularView<Eigen::Lower>();
  const Eigen::MatrixXd whitened = solver.solve(l0);
  const Eigen::VectorXd delta = solver.solve(Eigen::VectorXd(m1 - m0));
  const double k = static_cast<double>(m0.size());
  const double log_ratio = log_determinant_from_cholesky(l1) - log_determinant_from_cholesky(l0);
  const double kl = 0.5 * (whitened.squaredNorm() + delta.squaredNorm() - k + log_ratio);
  return kl > 0.0 ? kl : 0.0;  // rounding may leave -1e-16 when the two coincide
}

}  // namespace infoscale::detail

#pragma once
// Gaussian (log-det) estimate of I(X; Y) from paired samples, nats:
//   I = 1/2 [ln det S_xx + ln det S_yy - ln det S],  S the sample covariance of (X, Y).
// Exact for jointly Gaussian data in the large-sample limit and a lower bound on nothing in general:
// it sees only linear (second-order) dependence, so y = x^2 gives ~0.
//
// Failure mode in high dimension: with n samples in dx + dy dimensions the sample covariance is
// singular when n <= dx + dy (raised as an error: the estimate would be +inf), and for independent
// data the estimate is biased upwards by about dx dy / (2 n) nats (Wishart log-det bias), which is
// larger than any real signal once dx dy ~ n. The estimate is invariant to the covariance's
// normalisation (ddof), since the three log-dets change by the same dx + dy - (dx + dy) = 0.

#include <Eigen/Dense>
#include <string>
#include <string_view>

#include "infoscale/core/tensor_view.hpp"
#include "infoscale/info/mutual_information_samples.hpp"

namespace infoscale {

/// I(X; Y) under a Gaussian model fitted to the samples (rows of x and y), nats.
template <class T, class U>
[[nodiscard]] double gaussian_mutual_information(const matrix_view<T>& x, const matrix_view<U>& y) {
  constexpr std::string_view function = "gaussian_mutual_information";
  const auto xs = detail::dense_copy(x, function, "x");
  const auto ys = detail::dense_copy(y, function, "y");
  detail::check_paired_samples(x, y, function);
  const auto n = static_cast<Eigen::Index>(xs.rows);
  const auto dx = static_cast<Eigen::Index>(xs.columns), dy = static_cast<Eigen::Index>(ys.columns);
  if (n <= dx + dy) {
    detail::raise(function, "x",
                  "has " + std::to_string(n) + " samples for " + std::to_string(dx + dy) +
                      " joint dimensions: the sample covariance is singular (needs n > dx + dy)");
  }
  Eigen::MatrixXd joint(n, dx + dy);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < dx; ++j) joint(i, j) = xs(std::size_t(i), std::size_t(j));
    for (Eigen::Index j = 0; j < dy; ++j) joint(i, dx + j) = ys(std::size_t(i), std::size_t(j));
  }
  const Eigen::RowVectorXd mean = joint.colwise().mean();
  joint.rowwise() -= mean;
  const Eigen::MatrixXd s = (joint.transpose() * joint) / static_cast<double>(n - 1);
  const auto log_det = [&](const Eigen::MatrixXd& m, std::string_view which) {
    const Eigen::LLT<Eigen::MatrixXd> llt(m);
    if (llt.info() != Eigen::Success || !(llt.matrixLLT().diagonal().array() > 0.0).all()) {
      detail::raise(function, which, "has a singular sample covariance (collinear or constant columns)");
    }
    return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  };
  const double value = 0.5 * (log_det(s.topLeftCorner(dx, dx), "x") +
                              log_det(s.bottomRightCorner(dy, dy), "y") - log_det(s, "x"));
  return value > 0.0 ? value : 0.0;
}

}  // namespace infoscale

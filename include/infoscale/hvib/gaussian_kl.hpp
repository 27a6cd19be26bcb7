#pragma once
// Kullback-Leibler divergence between Gaussians in closed form, nats (H-VIB's KL_s terms, mspgt-hvib
// eqs. (14)-(16), when both sides are Gaussian):
//   KL(N(m0, S0) || N(m1, S1)) = 1/2 [tr(S1^-1 S0) + (m1 - m0)^T S1^-1 (m1 - m0) - k + ln det S1 - ln det
//   S0].
// The diagonal case is batched over rows (one Gaussian pair per row, as a VAE/VIB encoder emits
// them) through reduce_rows, so every execution policy runs it; the full-covariance case uses
// Eigen's Cholesky factorisation. Between categoricals use info/'s kl_divergence (re-exported as
// categorical_kl).

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/reduce_rows.hpp"
#include "infoscale/hvib/detail/linear_algebra.hpp"
#include "infoscale/info/probabilities.hpp"

namespace infoscale {
namespace detail {

/// 1/2 [v0/v1 - 1 - ln(v0/v1) + (m0 - m1)^2 / v1] for one coordinate. x - log1p(x) with
/// x = (v0 - v1)/v1 keeps full relative precision when v0 ~ v1, where the textbook form cancels.
INFOSCALE_HOST_DEVICE inline double diagonal_gaussian_kl_term(double m0, double v0, double m1, double v1) {
  const double x = (v0 - v1) / v1;
  const double d = m0 - m1;
  return 0.5 * ((x - std::log1p(x)) + d * d / v1);
}

/// Per-row reduction over four same-shaped matrices (m0, v0, m1, v1). Kind 0 sums the KL terms;
/// kind 1 takes the maximum of a "badness" flag used for validation on the policy's own memory.
template <class T, int Kind>
struct diagonal_gaussian_statistic {
  using state = compensated_sum;
  using result_type = double;
  const T* m0;
  const T* v0;
  const T* m1;
  const T* v1;
  std::ptrdiff_t row_stride[4];
  std::ptrdiff_t column_stride[4];

  INFOSCALE_HOST_DEVICE static constexpr state identity() { return state{}; }
  INFOSCALE_HOST_DEVICE static state combine(const state& a, const state& b) {
    if constexpr (Kind == 0) {
      state merged = a;
      merged += b;
      return merged;
    } else {
      return a.value() >= b.value() ? a : b;
    }
  }
  INFOSCALE_HOST_DEVICE double at(const T* base, int which, std::size_t row, std::size_t j) const {
    return widen(base[static_cast<std::ptrdiff_t>(row) * row_stride[which] +
                      static_cast<std::ptrdiff_t>(j) * column_stride[which]]);
  }
  INFOSCALE_HOST_DEVICE state reduce_block(std::size_t row, std::size_t begin, std::size_t end) const {
    if constexpr (Kind == 0) {
      state s;
      for (std::size_t j = begin; j < end; ++j) {
        s += diagonal_gaussian_kl_term(at(m0, 0, row, j), at(v0, 1, row, j), at(m1, 2, row, j),
                                       at(v1, 3, row, j));
      }
      return s;
    } else {
      // 3: a non-finite entry; 2: a variance <= 0 in v0; 1: in v1; 0: fine.
      double worst = 0.0;
      for (std::size_t j = begin; j < end; ++j) {
        const double a = at(m0, 0, row, j), b = at(v0, 1, row, j), c = at(m1, 2, row, j),
                     d = at(v1, 3, row, j);
        double flag = 0.0;
        if (!(a - a == 0.0) || !(b - b == 0.0) || !(c - c == 0.0) || !(d - d == 0.0)) {
          flag = 3.0;
        } else if (!(b > 0.0)) {
          flag = 2.0;
        } else if (!(d > 0.0)) {
          flag = 1.0;
        }
        worst = flag > worst ? flag : worst;
      }
      return state{worst};
    }
  }
  INFOSCALE_HOST_DEVICE result_type finalize(std::size_t, const state& s) const {
    const double v = s.value();
    return Kind == 0 ? (v > 0.0 ? v : 0.0) : v;
  }
};

template <int Kind, ExecutionPolicy P, class T>
std::vector<double> reduce_diagonal_gaussian(P policy, const matrix_view<T>& m0, const matrix_view<T>& v0,
                                             const matrix_view<T>& m1, const matrix_view<T>& v1) {
  using t = std::remove_cv_t<T>;
  const diagonal_gaussian_statistic<t, Kind> statistic{
      m0.data(),
      v0.data(),
      m1.data(),
      v1.data(),
      {m0.stride(0), v0.stride(0), m1.stride(0), v1.stride(0)},
      {m0.stride(1), v0.stride(1), m1.stride(1), v1.stride(1)}};
  std::vector<double> out(m0.extent(0));
  reduce_rows(policy, statistic, m0.extent(0), m0.extent(1), std::span<double>(out));
  return out;
}

}  // namespace detail

/// KL(N(m0, v0) || N(m1, v1)) for one-dimensional Gaussians given by their variances, nats.
[[nodiscard]] inline double gaussian_kl(double m0, double v0, double m1, double v1) {
  constexpr std::string_view function = "gaussian_kl";
  check_finite(m0, function, "m0");
  check_positive(v0, function, "v0");
  check_finite(m1, function, "m1");
  check_positive(v1, function, "v1");
  const double kl = detail::diagonal_gaussian_kl_term(m0, v0, m1, v1);
  return kl > 0.0 ? kl : 0.0;
}

/// KL(N(m0, diag v0) || N(m1, diag v1)) for each row, nats; rows are independent Gaussian pairs
/// (means and variances, not log-variances). Runs under any execution policy.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> gaussian_kl_diagonal(P policy, const matrix_view<T>& m0,
                                                       const matrix_view<T>& v0, const matrix_view<T>& m1,
                                                       const matrix_view<T>& v1) {
  constexpr std::string_view function = "gaussian_kl_diagonal";
  check_not_empty(m0, function, "m0");
  check_same_shape(m0, v0, function, "v0");
  check_same_shape(m0, m1, function, "m1");
  check_same_shape(m0, v1, function, "v1");
  const auto flags = detail::reduce_diagonal_gaussian<1>(policy, m0, v0, m1, v1);
  for (std::size_t row = 0; row < flags.size(); ++row) {
    if (flags[row] == 3.0)
      detail::raise(function, "m0",
                    "or another argument has NaN or an infinity in row " + std::to_string(row));
    if (flags[row] == 2.0) detail::raise(function, "v0", "has a variance <= 0 in row " + std::to_string(row));
    if (flags[row] == 1.0) detail::raise(function, "v1", "has a variance <= 0 in row " + std::to_string(row));
  }
  return detail::reduce_diagonal_gaussian<0>(policy, m0, v0, m1, v1);
}

/// The same, on the seq policy.
template <class T>
[[nodiscard]] std::vector<double> gaussian_kl_diagonal(const matrix_view<T>& m0, const matrix_view<T>& v0,
                                                       const matrix_view<T>& m1, const matrix_view<T>& v1) {
  return gaussian_kl_diagonal(seq, m0, v0, m1, v1);
}

/// KL(N(m0, S0) || N(m1, S1)) with full covariances, nats, by Cholesky factorisation. Raises
/// infoscale::error when a covariance is not symmetric positive definite or shapes disagree.
[[nodiscard]] inline double gaussian_kl_full(const Eigen::VectorXd& m0, const Eigen::MatrixXd& s0,
                                             const Eigen::VectorXd& m1, const Eigen::MatrixXd& s1) {
  constexpr std::string_view function = "gaussian_kl_full";
  const Eigen::MatrixXd l0 = detail::checked_cholesky(s0, function, "s0");
  const Eigen::MatrixXd l1 = detail::checked_cholesky(s1, function, "s1");
  if (s1.rows() != s0.rows()) detail::raise(function, "s1", "has a different dimension from s0");
  detail::check_vector_length(m0, s0.rows(), function, "m0");
  detail::check_vector_length(m1, s0.rows(), function, "m1");
  return detail::gaussian_kl_from_cholesky(m0, l0, m1, l1);
}

/// KL between rows of categorical probabilities: info/'s kl_divergence, under the name H-VIB uses
/// for discrete latent scales.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> categorical_kl(P policy, const matrix_view<T>& p, const matrix_view<U>& q) {
  return kl_divergence(policy, p, q);
}

}  // namespace infoscale

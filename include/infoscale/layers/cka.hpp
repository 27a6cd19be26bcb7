#pragma once
// Centred kernel alignment between layer representations (Kornblith et al. 2019): linear CKA in
// feature space, RBF CKA with the median-distance bandwidth, debiased CKA from the unbiased HSIC
// estimator (Song et al. 2012, in Kornblith's U-centred form), streaming accumulation over token
// batches, the layer x layer matrix, and the boundary signal S1.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/layers/detail/feature_major.hpp"
#include "infoscale/layers/detail/gemm.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {
namespace detail {

/// ||Xc^T Yc||_F^2 for centred X (n x dx), Y (n x dy): in feature space (dx x dy GEMM) when the
/// features are fewer than the tokens, else through the n x n Grams <Xc Xc^T, Yc Yc^T>; both are
/// the same number and the cheaper one never builds the larger matrix.
inline double cross_frobenius(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  const auto n = x.rows();
  if (x.cols() * y.cols() <= n * n) return product_transposed(x, y).squaredNorm();
  const Eigen::MatrixXd kx = gram_of_rows(x);
  const Eigen::MatrixXd ky = gram_of_rows(y);
  return (kx.array() * ky.array()).sum();
}

/// ||Xc^T Xc||_F^2, from the smaller of the two Grams.
inline double self_frobenius(const Eigen::MatrixXd& x) {
  return x.cols() <= x.rows() ? gram_of_columns(x).squaredNorm() : gram_of_rows(x).squaredNorm();
}

/// cross_frobenius for feature-major X (dx x n), Y (dy x n).
inline double cross_frobenius_feature_major(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  const auto n = x.cols();
  if (x.rows() * y.rows() <= n * n) return product_with_transposed(x, y).squaredNorm();
  const Eigen::MatrixXd kx = gram_of_columns(x);
  const Eigen::MatrixXd ky = gram_of_columns(y);
  return (kx.array() * ky.array()).sum();
}

/// self_frobenius for feature-major X (d x n).
inline double self_frobenius_feature_major(const Eigen::MatrixXd& x) {
  return x.rows() <= x.cols() ? gram_of_rows(x).squaredNorm() : gram_of_columns(x).squaredNorm();
}

inline double cka_ratio(double cross, double self_x, double self_y) {
  return cross / std::sqrt(self_x * self_y);
}

}  // namespace detail

/// Linear CKA, ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) on column-centred X, Y (Kornblith eq. 5,
/// feature-space form); in [0, 1], 1 for Y = X Q s with Q orthogonal, s > 0. Raises on constant
/// input, NaN or mismatched token counts.
template <class T, class U>
[[nodiscard]] double linear_cka(const matrix_view<T>& x, const matrix_view<U>& y) {
  constexpr std::string_view function = "linear_cka";
  if constexpr (detail::is_narrow_float<T> && detail::is_narrow_float<U>) {
    // The common case, float32 or half activations: centred once into feature-major doubles.
    detail::check_same_tokens(x, y, function, "y");
    const Eigen::MatrixXd a = detail::centred_feature_major(x, function, "x");
    const Eigen::MatrixXd b = detail::centred_feature_major(y, function, "y");
    return detail::cka_ratio(detail::cross_frobenius_feature_major(a, b),
                             detail::self_frobenius_feature_major(a),
                             detail::self_frobenius_feature_major(b));
  }
  detail::check_activations(x, function, "x");
  detail::check_activations(y, function, "y");
  detail::check_same_tokens(x, y, function, "y");
  Eigen::MatrixXd a = detail::to_matrix(x);
  Eigen::MatrixXd b = detail::to_matrix(y);
  detail::centre_for_similarity(a, function, "x");
  detail::centre_for_similarity(b, function, "y");
  return detail::cka_ratio(detail::cross_frobenius(a, b), detail::self_frobenius(a),
                           detail::self_frobenius(b));
}

/// Linear kernel Gram matrix X X^T (Kornblith's gram_linear).
template <class T>
[[nodiscard]] Eigen::MatrixXd gram_linear(const matrix_view<T>& x) {
  detail::check_activations(x, "gram_linear", "x");
  const Eigen::MatrixXd a = detail::to_matrix(x);
  return a * a.transpose();
}

/// RBF Gram matrix exp(-|xi - xj|^2 / (2 threshold^2 median)), median of the squared distances
/// over the full n x n matrix, zero diagonal included (Kornblith's gram_rbf, so numbers match his).
template <class T>
[[nodiscard]] Eigen::MatrixXd gram_rbf(const matrix_view<T>& x, double threshold = 1.0) {
  constexpr std::string_view function = "gram_rbf";
  detail::check_activations(x, function, "x");
  check_positive(threshold, function, "threshold");
  // The median bandwidth makes the kernel scale-invariant; an exact power-of-two rescaling keeps the
  // squared distances in range for any scale of x.
  Eigen::MatrixXd a = detail::to_matrix(x);
  detail::normalise_scale(a);
  const Eigen::MatrixXd dot = a * a.transpose();
  const Eigen::VectorXd norms = dot.diagonal();
  Eigen::MatrixXd d2 = (-2.0 * dot).rowwise() + norms.transpose();
  d2.colwise() += norms;
  d2 = d2.cwiseMax(0.0);  // rounding can push a distance of 0 below zero
  std::vector<double> values(d2.data(), d2.data() + d2.size());
  const std::size_t m = values.size();
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(m / 2), values.end());
  double median = values[m / 2];
  if (m % 2 == 0) {
    const double lower =
        *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(m / 2));
    median = 0.5 * (median + lower);
  }
  if (!(median > 0.0)) detail::raise(function, "x", "has a median pairwise distance of 0 (constant rows)");
  return (-d2.array() / (2.0 * threshold * threshold * median)).exp().matrix();
}

/// Centres a Gram matrix: H K H (biased), or Kornblith's U-centring (unbiased = true), for which
/// <U(K), U(L)> / (n (n - 3)) is the unbiased HSIC estimator of Song et al. (2012).
[[nodiscard]] inline Eigen::MatrixXd centre_gram(Eigen::MatrixXd gram, bool unbiased) {
  const auto n = gram.rows();
  if (gram.cols() != n) detail::raise("centre_gram", "gram", "is not square");
  if (unbiased) {
    if (n < 4) detail::raise("centre_gram", "gram", "needs at least 4 samples for the unbiased HSIC");
    const double nd = static_cast<double>(n);
    gram.diagonal().setZero();
    Eigen::VectorXd means = gram.colwise().sum().transpose() / (nd - 2.0);
    means.array() -= means.sum() / (2.0 * (nd - 1.0));
    gram.colwise() -= means;
    gram.rowwise() -= means.transpose();
    gram.diagonal().setZero();
  } else {
    const Eigen::VectorXd row_means = gram.rowwise().mean();
    gram.colwise() -= row_means;
    const Eigen::RowVectorXd column_means = gram.colwise().mean();
    gram.rowwise() -= column_means;
  }
  return gram;
}

/// CKA from two Gram matrices (Kornblith's cka): biased, or debiased from the unbiased HSIC. A
/// negative unbiased cross-HSIC gives a negative CKA, reported as is; self-HSICs that are not
/// positive (too few tokens, constant data) raise instead of turning into NaN.
[[nodiscard]] inline double cka_from_grams(const Eigen::MatrixXd& kx, const Eigen::MatrixXd& ky,
                                           bool debiased) {
  constexpr std::string_view function = "cka_from_grams";
  if (kx.rows() != ky.rows() || kx.cols() != ky.cols())
    detail::raise(function, "ky", "differs in shape from kx");
  if (!kx.allFinite()) detail::raise(function, "kx", "contains NaN or an infinity");
  if (!ky.allFinite()) detail::raise(function, "ky", "contains NaN or an infinity");
  const Eigen::MatrixXd a = centre_gram(kx, debiased);
  const Eigen::MatrixXd b = centre_gram(ky, debiased);
  const double cross = (a.array() * b.array()).sum();
  const double self_x = a.squaredNorm();
  const double self_y = b.squaredNorm();
  if (!(self_x > 0.0)) detail::raise(function, "kx", "has no centred variance (constant representation)");
  if (!(self_y > 0.0)) detail::raise(function, "ky", "has no centred variance (constant representation)");
  return detail::cka_ratio(cross, self_x, self_y);
}

/// RBF CKA with the median-distance bandwidth times `threshold` (Kornblith's default 1.0).
template <class T, class U>
[[nodiscard]] double rbf_cka(const matrix_view<T>& x, const matrix_view<U>& y, double threshold = 1.0,
                             bool debiased = false) {
  detail::check_same_tokens(x, y, "rbf_cka", "y");
  return cka_from_grams(gram_rbf(x, threshold), gram_rbf(y, threshold), debiased);
}

/// Debiased linear CKA (unbiased HSIC; Kornblith's feature_space_linear_cka(debiased=True)),
/// computed in feature space with his correction terms, so no n x n matrix when d < n. May be
/// negative; never NaN.
template <class T, class U>
[[nodiscard]] double debiased_linear_cka(const matrix_view<T>& x, const matrix_view<U>& y) {
  constexpr std::string_view function = "debiased_linear_cka";
  detail::check_activations(x, function, "x");
  detail::check_activations(y, function, "y");
  detail::check_same_tokens(x, y, function, "y");
  if (x.extent(0) < 4) detail::raise(function, "x", "needs at least 4 tokens for the unbiased HSIC");
  Eigen::MatrixXd a = detail::to_matrix(x);
  Eigen::MatrixXd b = detail::to_matrix(y);
  detail::centre_for_similarity(a, function, "x");
  detail::centre_for_similarity(b, function, "y");
  const double n = static_cast<double>(a.rows());
  const Eigen::VectorXd rows_a = a.rowwise().squaredNorm();
  const Eigen::VectorXd rows_b = b.rowwise().squaredNorm();
  const auto helper = [n](double xty, const Eigen::VectorXd& ra, const Eigen::VectorXd& rb) {
    return xty - n / (n - 2.0) * ra.dot(rb) + ra.sum() * rb.sum() / ((n - 1.0) * (n - 2.0));
  };
  const double cross = helper(detail::cross_frobenius(a, b), rows_a, rows_b);
  const double self_x = helper(detail::self_frobenius(a), rows_a, rows_a);
  const double self_y = helper(detail::self_frobenius(b), rows_b, rows_b);
  if (!(self_x > 0.0))
    detail::raise(function, "x", "has no positive unbiased self-HSIC (constant or too few tokens)");
  if (!(self_y > 0.0))
    detail::raise(function, "y", "has no positive unbiased self-HSIC (constant or too few tokens)");
  return detail::cka_ratio(cross, self_x, self_y);
}

/// Streaming linear CKA over token batches: keeps only sufficient statistics (count, shifted sums,
/// X^T X, Y^T Y, X^T Y in double), so a dump larger than memory can be read batch by batch. The
/// data are shifted by the first batch's means before accumulating, which keeps the final
/// centring (M - s s^T / n) free of catastrophic cancellation when |mean| >> std.
class linear_cka_accumulator {
 public:
  linear_cka_accumulator(std::size_t features_x, std::size_t features_y)
      : xx_(Eigen::MatrixXd::Zero(idx(features_x), idx(features_x))),
        yy_(Eigen::MatrixXd::Zero(idx(features_y), idx(features_y))),
        xy_(Eigen::MatrixXd::Zero(idx(features_x), idx(features_y))),
        sx_(Eigen::VectorXd::Zero(idx(features_x))),
        sy_(Eigen::VectorXd::Zero(idx(features_y))) {
    if (features_x == 0) detail::raise("linear_cka_accumulator", "features_x", "must be > 0");
    if (features_y == 0) detail::raise("linear_cka_accumulator", "features_y", "must be > 0");
  }

  /// Adds a batch of the same tokens seen by both layers.
  template <class T, class U>
  void add(const matrix_view<T>& x, const matrix_view<U>& y) {
    constexpr std::string_view function = "linear_cka_accumulator::add";
    detail::check_activations(x, function, "x");
    detail::check_activations(y, function, "y");
    detail::check_same_tokens(x, y, function, "y");
    if (static_cast<Eigen::Index>(x.extent(1)) != xx_.rows())
      detail::raise(function, "x", "has the wrong width");
    if (static_cast<Eigen::Index>(y.extent(1)) != yy_.rows())
      detail::raise(function, "y", "has the wrong width");
    Eigen::MatrixXd a = detail::to_matrix(x);
    Eigen::MatrixXd b = detail::to_matrix(y);
    if (count_ == 0) {
      // One power-of-two scale per side, fixed by the first batch, keeps the sums of fourth powers
      // in range for any overall scale of the data (CKA does not depend on it).
      exponent_x_ = detail::scale_exponent(a);
      exponent_y_ = detail::scale_exponent(b);
      detail::scale_by_power_of_two(a, exponent_x_);
      detail::scale_by_power_of_two(b, exponent_y_);
      shift_x_ = a.colwise().mean();
      shift_y_ = b.colwise().mean();
    } else {
      detail::scale_by_power_of_two(a, exponent_x_);
      detail::scale_by_power_of_two(b, exponent_y_);
    }
    a.rowwise() -= shift_x_;
    b.rowwise() -= shift_y_;
    count_ += x.extent(0);
    sx_ += a.colwise().sum().transpose();
    sy_ += b.colwise().sum().transpose();
    xx_ += detail::gram_of_columns(a);
    yy_ += detail::gram_of_columns(b);
    xy_ += detail::product_transposed(a, b);
  }

  [[nodiscard]] std::size_t tokens() const { return count_; }

  /// Linear CKA of everything added so far.
  [[nodiscard]] double value() const {
    constexpr std::string_view function = "linear_cka_accumulator::value";
    if (count_ < 2) detail::raise(function, "tokens", "fewer than 2 tokens were added");
    const double n = static_cast<double>(count_);
    const double cross = (xy_ - sx_ * sy_.transpose() / n).squaredNorm();
    const double self_x = (xx_ - sx_ * sx_.transpose() / n).squaredNorm();
    const double self_y = (yy_ - sy_ * sy_.transpose() / n).squaredNorm();
    if (!(self_x > 0.0))
      detail::raise(function, "x", "is constant over tokens (zero variance after centring)");
    if (!(self_y > 0.0))
      detail::raise(function, "y", "is constant over tokens (zero variance after centring)");
    return detail::cka_ratio(cross, self_x, self_y);
  }

 private:
  static Eigen::Index idx(std::size_t n) { return static_cast<Eigen::Index>(n); }
  std::size_t count_ = 0;
  Eigen::MatrixXd xx_, yy_, xy_;
  Eigen::VectorXd sx_, sy_;
  Eigen::RowVectorXd shift_x_, shift_y_;
  int exponent_x_ = 0, exponent_y_ = 0;
};

namespace detail {

template <class T>
void check_stack(const tensor_view<T, 3>& stack, std::string_view function, std::string_view name,
                 std::size_t min_layers) {
  check_not_empty(stack, function, name);
  if (stack.extent(0) < min_layers) {
    raise(function, name,
          "has " + std::to_string(stack.extent(0)) + " layers; at least " + std::to_string(min_layers) +
              " are needed");
  }
  check_finite(stack, function, name);
}

}  // namespace detail

/// The layer x layer linear CKA matrix of a stack [layers][tokens][features] (symmetric, unit
/// diagonal). Each layer is centred once; pairs use the cheaper of feature space and Gram form.
template <class T>
[[nodiscard]] Eigen::MatrixXd cka_matrix(const tensor_view<T, 3>& stack) {
  constexpr std::string_view function = "cka_matrix";
  detail::check_stack(stack, function, "stack", 1);
  const std::size_t layers = stack.extent(0);
  std::vector<Eigen::MatrixXd> centred(layers);
  std::vector<double> self(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    centred[l] = detail::to_matrix(stack[l]);
    detail::centre_for_similarity(centred[l], function, "stack");
    self[l] = detail::self_frobenius(centred[l]);
  }
  Eigen::MatrixXd result = Eigen::MatrixXd::Identity(detail::idx_of(layers), detail::idx_of(layers));
  for (std::size_t i = 0; i < layers; ++i) {
    for (std::size_t j = i + 1; j < layers; ++j) {
      const double v = detail::cka_ratio(detail::cross_frobenius(centred[i], centred[j]), self[i], self[j]);
      result(detail::idx_of(i), detail::idx_of(j)) = result(detail::idx_of(j), detail::idx_of(i)) = v;
    }
  }
  return result;
}

/// Representation change S1(l) = 1 / CKA(h_l, h_l+1), multi-scale paper eq. (3); one value per
/// adjacent pair (layers - 1 values). +inf when the two layers are orthogonal (CKA = 0).
template <class T>
[[nodiscard]] std::vector<double> representation_change(const tensor_view<T, 3>& stack) {
  constexpr std::string_view function = "representation_change";
  detail::check_stack(stack, function, "stack", 2);
  std::vector<double> s1(stack.extent(0) - 1);
  Eigen::MatrixXd previous = detail::to_matrix(stack[0]);
  detail::centre_for_similarity(previous, function, "stack");
  double previous_self = detail::self_frobenius(previous);
  for (std::size_t l = 1; l < stack.extent(0); ++l) {
    Eigen::MatrixXd current = detail::to_matrix(stack[l]);
    detail::centre_for_similarity(current, function, "stack");
    const double current_self = detail::self_frobenius(current);
    s1[l - 1] =
        1.0 / detail::cka_ratio(detail::cross_frobenius(previous, current), previous_self, current_self);
    previous = std::move(current);
    previous_self = current_self;
  }
  return s1;
}

}  // namespace infoscale

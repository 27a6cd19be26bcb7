#pragma once
// Fisher information of a layer's activations and the sensitivity of the loss to isotropic noise on
// them, MS A.5 eqs. (29)-(30):
//   d J / d(sigma^2) at 0 = 1/2 sum_l tr F^(l),  F = E[grad_h log p grad_h log p^T].
// Two different matrices are called "the Fisher", and the names here say which one is meant:
//   model Fisher      F = E_{x} E_{y ~ p(.|h)} [g g^T], g = grad_h log p(y | h): labels drawn from
//                     the model's own predictive distribution. This is MS eq. (30)'s F; the slope
//                     identity holds for it (E_{y ~ p} H = F).
//   empirical Fisher  F_emp = E_{(x, y) ~ data} [g g^T] at the OBSERVED labels. Cheap (one backward
//                     pass per sample) and what a gradient dump gives, but on real data it is
//                     neither F nor the Hessian, so 1/2 tr F_emp is not the slope (docs/papers.md).
// The second-order expansion gives E J(h + sigma eps) - J(h) = 1/2 sigma^2 tr H + O(sigma^4), H the
// Hessian of J = -log p(y | h) at the observed label: the true slope on data is 1/2 tr H.
//
// - model_fisher_trace(class_gradients, probabilities): tr F from the gradients of every class and
//   the model's probabilities (the exact expectation over y ~ p).
// - empirical_fisher_trace(_hutchinson): tr of (1/N) G^T G from host-provided per-sample gradients
//   [samples][dim], exactly or by Hutchinson's estimator with Rademacher probes from Philox. Fed
//   gradients at labels SAMPLED from the model, the same function is a Monte Carlo estimate of the
//   model Fisher's trace.
// - softmax_readout: p(y | h) = softmax(W2 tanh(W1 h + b1) + b2), or softmax(W h + b) when linear
//   (then H = F for every label: the exponential family's Hessian does not depend on y), with the
//   model Fisher, empirical Fisher and Hessian traces in closed form; fisher_sensitivity averages
//   the three slopes over data, measured_noise_response measures the loss increase by Monte Carlo.
// Perturbing several layers at once is perturbing their concatenation: its trace is the sum of the
// per-layer (diagonal-block) traces, the sum over l in T_s of (30).

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/log_sum_exp.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/hvib/detail/linear_algebra.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {

/// The empirical Fisher's trace tr F_emp = (1/N) sum_i ||g_i||^2 from per-sample gradients of
/// log p at the observed labels, MS A.5. (With labels sampled from the model it estimates the model
/// Fisher's trace instead, the F of MS eq. (30).)
template <class T>
[[nodiscard]] double empirical_fisher_trace(const matrix_view<T>& gradients) {
  detail::check_activations(gradients, "empirical_fisher_trace", "gradients");
  return detail::to_matrix(gradients).squaredNorm() / static_cast<double>(gradients.extent(0));
}

/// Hutchinson's estimate (1/m) sum_k v_k^T F_emp v_k = (1/m) sum_k ||G v_k||^2 / N of the same
/// trace, Rademacher v_k drawn from Philox (seeded).
template <class T>
[[nodiscard]] double empirical_fisher_trace_hutchinson(const matrix_view<T>& gradients, std::size_t probes,
                                                       std::uint64_t seed) {
  constexpr std::string_view function = "empirical_fisher_trace_hutchinson";
  detail::check_activations(gradients, function, "gradients");
  if (probes == 0) detail::raise(function, "probes", "must be > 0");
  const Eigen::MatrixXd g = detail::to_matrix(gradients);
  const random_stream rng(seed, 0);
  Eigen::MatrixXd v(g.cols(), detail::idx_of(probes));
  for (Eigen::Index i = 0; i < v.size(); ++i)
    v.data()[i] = rng.uniform(static_cast<std::uint64_t>(i)) < 0.5 ? -1.0 : 1.0;
  return (g * v).squaredNorm() / (static_cast<double>(g.rows()) * static_cast<double>(probes));
}

/// The model Fisher's trace, MS eq. (30)'s tr F = (1/N) sum_i sum_y p_i(y) ||g_{i,y}||^2, from the
/// gradients of log p(y | h_i) for EVERY class y ([samples][classes][dim]) and the model's own
/// predictive probabilities p_i ([samples][classes], rows summing to 1).
template <class T, class U>
[[nodiscard]] double model_fisher_trace(const tensor_view<T, 3>& class_gradients,
                                        const matrix_view<U>& probabilities) {
  constexpr std::string_view function = "model_fisher_trace";
  const std::size_t n = class_gradients.extent(0), classes = class_gradients.extent(1);
  const std::size_t dim = class_gradients.extent(2);
  if (n == 0 || classes == 0 || dim == 0) detail::raise(function, "class_gradients", "is empty");
  if (probabilities.extent(0) != n || probabilities.extent(1) != classes) {
    detail::raise(function, "probabilities",
                  "must be [samples, classes] = [" + std::to_string(n) + ", " + std::to_string(classes) +
                      "] like class_gradients");
  }
  compensated_sum total;
  for (std::size_t i = 0; i < n; ++i) {
    compensated_sum row_sum;
    for (std::size_t y = 0; y < classes; ++y) {
      const double p = detail::widen(probabilities(i, y));
      if (!std::isfinite(p) || p < 0.0) {
        detail::raise(function, "probabilities", "has an invalid probability in row " + std::to_string(i));
      }
      row_sum += p;
      double squared = 0.0;
      for (std::size_t k = 0; k < dim; ++k) {
        const double g = detail::widen(class_gradients(i, y, k));
        if (!std::isfinite(g)) {
          detail::raise(function, "class_gradients",
                        "has a NaN or infinite value at sample " + std::to_string(i));
        }
        squared += g * g;
      }
      total += p * squared;
    }
    if (std::abs(row_sum.value() - 1.0) > 1e-6) {
      detail::raise(function, "probabilities", "row " + std::to_string(i) + " does not sum to 1");
    }
  }
  return total.value() / static_cast<double>(n);
}

/// Sensitivity of the loss to isotropic activation noise, MS eq. (30): dJ/d(sigma^2) =
/// 1/2 sum_l tr F^(l) with F the MODEL Fisher (on data, 1/2 tr H is the slope; see above).
[[nodiscard]] inline double noise_sensitivity(double model_fisher_trace_sum) {
  return 0.5 * model_fisher_trace_sum;
}

/// p(y | h) = softmax(W2 tanh(W1 h + b1) + b2), or softmax(W h + b) for a linear readout.
class softmax_readout {
 public:
  /// A readout with one tanh hidden layer.
  softmax_readout(Eigen::MatrixXd w1, Eigen::VectorXd b1, Eigen::MatrixXd w2, Eigen::VectorXd b2)
      : w1_(std::move(w1)), b1_(std::move(b1)), w2_(std::move(w2)), b2_(std::move(b2)), hidden_(true) {
    constexpr std::string_view function = "softmax_readout";
    detail::check_finite_matrix(w1_, function, "w1");
    detail::check_vector_length(b1_, w1_.rows(), function, "b1");
    if (w2_.cols() != w1_.rows())
      detail::raise(function, "w2", "must have one column per hidden unit (rows of w1)");
    detail::check_finite_matrix(w2_, function, "w2");
    detail::check_vector_length(b2_, w2_.rows(), function, "b2");
    if (w2_.rows() < 2) detail::raise(function, "w2", "must have at least two rows (classes)");
  }

  /// A linear readout softmax(W h + b).
  static softmax_readout linear(Eigen::MatrixXd w, Eigen::VectorXd b) {
    const Eigen::Index d = w.cols();  // read before w is moved from
    softmax_readout r(Eigen::MatrixXd::Identity(d, d), Eigen::VectorXd::Zero(d), std::move(w), std::move(b));
    r.hidden_ = false;
    return r;
  }

  [[nodiscard]] Eigen::Index input_dimension() const { return w1_.cols(); }
  [[nodiscard]] Eigen::Index classes() const { return w2_.rows(); }

  [[nodiscard]] Eigen::VectorXd probabilities(const Eigen::VectorXd& h) const {
    const Eigen::VectorXd z = logits(h);
    const Eigen::ArrayXd e = (z.array() - z.maxCoeff()).exp();
    return (e / e.sum()).matrix();
  }

  /// J(h) = -log p(y | h), by log-sum-exp.
  [[nodiscard]] double loss(const Eigen::VectorXd& h, std::size_t y) const {
    check_label(y, "softmax_readout::loss");
    const Eigen::VectorXd z = logits(h);
    return log_sum_exp(std::span<const double>(z.data(), static_cast<std::size_t>(z.size()))) -
           z(static_cast<Eigen::Index>(y));
  }

  /// d logits / d h.
  [[nodiscard]] Eigen::MatrixXd jacobian(const Eigen::VectorXd& h) const {
    if (!hidden_) return w2_;
    const Eigen::ArrayXd a = (w1_ * h + b1_).array().tanh();
    return w2_ * (1.0 - a.square()).matrix().asDiagonal() * w1_;
  }

  /// grad_h log p(y | h) = J^T (e_y - p).
  [[nodiscard]] Eigen::VectorXd score(const Eigen::VectorXd& h, std::size_t y) const {
    check_label(y, "softmax_readout::score");
    Eigen::VectorXd g = -probabilities(h);
    g(static_cast<Eigen::Index>(y)) += 1.0;
    return jacobian(h).transpose() * g;
  }

  /// The model Fisher tr F(h) = E_{y ~ p(.|h)} |grad_h log p(y|h)|^2: MS eq. (30)'s F, the
  /// expectation over the model's own predictive distribution.
  [[nodiscard]] double model_fisher_trace(const Eigen::VectorXd& h) const {
    const Eigen::VectorXd p = probabilities(h);
    compensated_sum t;
    for (Eigen::Index y = 0; y < classes(); ++y)
      t += p(y) * score(h, static_cast<std::size_t>(y)).squaredNorm();
    return t.value();
  }

  /// The empirical Fisher at one observed label, |grad_h log p(y|h)|^2 (its mean over data is what
  /// empirical_fisher_trace computes from gradients).
  [[nodiscard]] double empirical_fisher_trace(const Eigen::VectorXd& h, std::size_t y) const {
    check_label(y, "softmax_readout::empirical_fisher_trace");
    return score(h, y).squaredNorm();
  }

  /// tr of the Hessian of J = -log p(y | h) in h, at the given label:
  /// tr(Jac^T (diag p - p p^T) Jac) + sum_j c_j (-2 a_j (1 - a_j^2)) |W1_j|^2, c = W2^T (p - e_y).
  [[nodiscard]] double hessian_trace(const Eigen::VectorXd& h, std::size_t y) const {
    check_label(y, "softmax_readout::hessian_trace");
    const Eigen::VectorXd p = probabilities(h);
    const Eigen::MatrixXd jac = jacobian(h);
    const Eigen::MatrixXd weighted = p.cwiseSqrt().asDiagonal() * jac;
    const Eigen::RowVectorXd mean = p.transpose() * jac;
    double trace = weighted.squaredNorm() - mean.squaredNorm();
    if (hidden_) {
      const Eigen::ArrayXd a = (w1_ * h + b1_).array().tanh();
      Eigen::VectorXd g = p;
      g(static_cast<Eigen::Index>(y)) -= 1.0;
      const Eigen::ArrayXd c = (w2_.transpose() * g).array();
      trace += (c * (-2.0 * a * (1.0 - a.square())) * w1_.rowwise().squaredNorm().array()).sum();
    }
    return trace;
  }

 private:
  [[nodiscard]] Eigen::VectorXd logits(const Eigen::VectorXd& h) const {
    detail::check_vector_length(h, input_dimension(), "softmax_readout", "h");
    if (!hidden_) return w2_ * h + b2_;
    return w2_ * (w1_ * h + b1_).array().tanh().matrix() + b2_;
  }
  void check_label(std::size_t y, std::string_view function) const {
    if (y >= static_cast<std::size_t>(classes())) detail::raise(function, "y", "is not a class index");
  }

  Eigen::MatrixXd w1_;
  Eigen::VectorXd b1_;
  Eigen::MatrixXd w2_;
  Eigen::VectorXd b2_;
  bool hidden_;
};

/// Central second differences sum_i [J(h + d e_i) - 2 J(h) + J(h - d e_i)] / d^2: tr H with no
/// analytic derivative, error O(d^2).
[[nodiscard]] inline double finite_difference_hessian_trace(const softmax_readout& readout,
                                                            const Eigen::VectorXd& h, std::size_t y,
                                                            double step = 1e-4) {
  check_positive(step, "finite_difference_hessian_trace", "step");
  const double centre = readout.loss(h, y);
  compensated_sum t;
  Eigen::VectorXd e = h;
  for (Eigen::Index i = 0; i < h.size(); ++i) {
    e(i) = h(i) + step;
    const double up = readout.loss(e, y);
    e(i) = h(i) - step;
    const double down = readout.loss(e, y);
    e(i) = h(i);
    t += (up - 2.0 * centre + down) / (step * step);
  }
  return t.value();
}

/// Predicted slopes d J / d(sigma^2) at sigma = 0, averaged over a data set (rows of activations).
struct fisher_sensitivity_prediction {
  double model_fisher_slope = 0.0;      ///< 1/2 mean tr F (model Fisher), MS eq. (30) as stated
  double empirical_fisher_slope = 0.0;  ///< 1/2 mean |grad log p(y_obs)|^2, the empirical Fisher
  double hessian_slope = 0.0;           ///< 1/2 mean tr H at the observed labels, the true slope on data
};

namespace detail {
inline void check_readout_data(const softmax_readout& r, const Eigen::MatrixXd& activations,
                               const std::vector<std::size_t>& labels, std::string_view function) {
  if (activations.rows() == 0) raise(function, "activations", "is empty");
  if (activations.cols() != r.input_dimension())
    raise(function, "activations", "must have one column per readout input");
  check_finite_matrix(activations, function, "activations");
  if (labels.size() != static_cast<std::size_t>(activations.rows()))
    raise(function, "labels", "must have one label per row");
  for (std::size_t y : labels)
    if (y >= static_cast<std::size_t>(r.classes()))
      raise(function, "labels", "holds a label that is not a class index");
}
}  // namespace detail

/// 1/2 mean tr F (model Fisher), 1/2 mean empirical Fisher and 1/2 mean tr H over the data: MS
/// eq. (30) and its two real-data readings.
[[nodiscard]] inline fisher_sensitivity_prediction fisher_sensitivity(
    const softmax_readout& readout, const Eigen::MatrixXd& activations,
    const std::vector<std::size_t>& labels) {
  detail::check_readout_data(readout, activations, labels, "fisher_sensitivity");
  compensated_sum f, e, h;
  for (Eigen::Index i = 0; i < activations.rows(); ++i) {
    const Eigen::VectorXd a = activations.row(i).transpose();
    const std::size_t y = labels[static_cast<std::size_t>(i)];
    f += readout.model_fisher_trace(a);
    e += readout.empirical_fisher_trace(a, y);
    h += readout.hessian_trace(a, y);
  }
  const auto n = static_cast<double>(activations.rows());
  return {0.5 * f.value() / n, 0.5 * e.value() / n, 0.5 * h.value() / n};
}

/// The measured loss increase E[J(h + sigma eps)] - J(h), MS eq. (29), averaged over the data.
struct noise_response {
  double sigma = 0.0;
  double loss_increase = 0.0;
  double standard_error = 0.0;
};

/// Monte Carlo loss increase under h -> h + sigma eps, eps ~ N(0, I), with `draws` antithetic pairs
/// (+eps, -eps) per sample, which cancel the first-order term exactly. The same eps (indices of
/// `stream`) serve every sigma, so a scan over sigma is smooth (common random numbers).
[[nodiscard]] inline noise_response measured_noise_response(const softmax_readout& readout,
                                                            const Eigen::MatrixXd& activations,
                                                            const std::vector<std::size_t>& labels,
                                                            double sigma, std::size_t draws,
                                                            const random_stream& stream) {
  constexpr std::string_view function = "measured_noise_response";
  detail::check_readout_data(readout, activations, labels, function);
  check_positive(sigma, function, "sigma");
  if (draws < 2) detail::raise(function, "draws", "must be >= 2");
  const Eigen::Index d = activations.cols();
  compensated_sum sum, sum_sq;
  std::size_t count = 0;
  Eigen::VectorXd eps(d);
  for (Eigen::Index i = 0; i < activations.rows(); ++i) {
    const Eigen::VectorXd h = activations.row(i).transpose();
    const std::size_t y = labels[static_cast<std::size_t>(i)];
    const double base = readout.loss(h, y);
    for (std::size_t s = 0; s < draws; ++s) {
      const std::uint64_t first = (static_cast<std::uint64_t>(i) * draws + s) * static_cast<std::uint64_t>(d);
      for (Eigen::Index k = 0; k < d; ++k) eps(k) = stream.normal(first + static_cast<std::uint64_t>(k));
      const double v = 0.5 * (readout.loss(h + sigma * eps, y) + readout.loss(h - sigma * eps, y)) - base;
      sum += v;
      sum_sq += v * v;
      ++count;
    }
  }
  const auto n = static_cast<double>(count);
  const double mean = sum.value() / n;
  const double var = std::max(0.0, (sum_sq.value() - n * mean * mean) / (n - 1));
  return {sigma, mean, std::sqrt(var / n)};
}

}  // namespace infoscale

#pragma once
// Probe signal, multi-scale paper eq. (4): per-layer probes on host-provided token labels
// (multinomial logistic regression with L2, or a one-hidden-layer MLP with 128 ReLU units as in
// the paper), scored by k-fold cross-validated macro-F1 over pooled out-of-fold predictions
// (sklearn's cross_val_predict + f1_score(average='macro')), and S2(l) = |P(l+1) - P(l)| / P(l).
// Folds are a seeded Philox permutation of tokens. Out-of-fold predictions give per-sequence
// confusion matrices, which are the sufficient statistics the bootstrap resamples.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/random.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {

enum class probe_kind { logistic, mlp };

struct probe_options {
  probe_kind kind = probe_kind::mlp;
  std::size_t folds = 5;
  double l2 = 1e-4;              ///< L2 penalty (lambda / 2) ||W||^2 on weights, not biases
  std::size_t iterations = 300;  ///< full-batch optimiser steps
  std::size_t hidden = 128;      ///< MLP hidden units (the paper's 128)
  double learning_rate = 1e-2;   ///< Adam step for the MLP
  std::uint64_t seed = 0;
};

/// Confusion matrix C[true][predicted] over `classes` classes.
[[nodiscard]] inline Eigen::MatrixXd confusion_matrix(std::span<const int> labels,
                                                      std::span<const int> predicted, int classes) {
  if (labels.size() != predicted.size())
    detail::raise("confusion_matrix", "predicted", "differs in length from labels");
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(classes, classes);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes)
      detail::raise("confusion_matrix", "labels", "has a label out of range");
    if (predicted[i] < 0 || predicted[i] >= classes)
      detail::raise("confusion_matrix", "predicted", "has a label out of range");
    c(labels[i], predicted[i]) += 1.0;
  }
  return c;
}

/// Macro-F1 from a (possibly weighted) confusion matrix, as sklearn's f1_score(average='macro')
/// with its default labels: the mean of 2 TP / (2 TP + FP + FN) over the classes that occur in
/// the labels or the predictions.
[[nodiscard]] inline double macro_f1(const Eigen::MatrixXd& confusion) {
  double sum = 0.0;
  int present = 0;
  for (Eigen::Index c = 0; c < confusion.rows(); ++c) {
    const double tp = confusion(c, c);
    const double fp = confusion.col(c).sum() - tp;
    const double fn = confusion.row(c).sum() - tp;
    const double den = 2.0 * tp + fp + fn;
    if (den == 0.0) continue;
    sum += 2.0 * tp / den;
    ++present;
  }
  if (present == 0) detail::raise("macro_f1", "confusion", "is empty");
  return sum / present;
}

[[nodiscard]] inline double macro_f1(std::span<const int> labels, std::span<const int> predicted,
                                     int classes) {
  return macro_f1(confusion_matrix(labels, predicted, classes));
}

namespace detail {

inline void check_labels(std::span<const int> labels, std::size_t tokens, int classes,
                         std::string_view function) {
  if (classes < 2) raise(function, "classes", "must be >= 2");
  if (labels.size() != tokens) raise(function, "labels", "must have one label per token");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes) {
      raise(function, "labels",
            "has label " + std::to_string(labels[i]) + " at token " + std::to_string(i) +
                ", outside [0, classes)");
    }
  }
}

// Row-wise softmax in place, stable.
inline void softmax_rows(Eigen::MatrixXd& z) {
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const double m = z.row(i).maxCoeff();
    z.row(i) = (z.row(i).array() - m).exp();
    z.row(i) /= z.row(i).sum();
  }
}

inline Eigen::MatrixXd one_hot(std::span<const int> labels, int classes) {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(idx_of(labels.size()), classes);
  for (std::size_t i = 0; i < labels.size(); ++i) y(idx_of(i), labels[i]) = 1.0;
  return y;
}

struct linear_model {
  Eigen::MatrixXd w;  // features x classes
  Eigen::RowVectorXd b;
  [[nodiscard]] Eigen::MatrixXd logits(const Eigen::MatrixXd& x) const { return (x * w).rowwise() + b; }
};

/// Mean cross-entropy + (l2/2)||W||^2 and its gradient: the objective the logistic probe minimises.
inline double logistic_objective(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, const linear_model& m,
                                 double l2, linear_model* gradient) {
  Eigen::MatrixXd p = m.logits(x);
  double loss = 0.0;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const double mx = p.row(i).maxCoeff();
    const double lse = mx + std::log((p.row(i).array() - mx).exp().sum());
    loss += lse - (p.row(i).array() * y.row(i).array()).sum();
  }
  const double n = static_cast<double>(x.rows());
  loss = loss / n + 0.5 * l2 * m.w.squaredNorm();
  if (gradient != nullptr) {
    softmax_rows(p);
    p -= y;
    gradient->w = x.transpose() * p / n + l2 * m.w;
    gradient->b = p.colwise().sum() / n;
  }
  return loss;
}

/// Every option, before any work: NaN fails every comparison, so each test is written to fail on it.
/// The MLP's weights are bounded relative to the input (hidden x (features + classes) doubles no
/// larger than 2^31), so a typo in `hidden` is a clear error rather than std::bad_alloc.
inline void check_probe_options(const probe_options& options, std::size_t tokens, std::size_t features,
                                int classes, std::string_view function) {
  if (options.folds < 2 || options.folds > tokens)
    raise(function, "options.folds", "must lie in [2, tokens]");
  check_non_negative(options.l2, function, "options.l2");
  check_positive(options.learning_rate, function, "options.learning_rate");
  if (options.iterations == 0) raise(function, "options.iterations", "must be >= 1");
  if (options.kind == probe_kind::mlp) {
    if (options.hidden == 0) raise(function, "options.hidden", "must be > 0");
    const std::size_t width = features + static_cast<std::size_t>(classes > 0 ? classes : 0) + 1;
    if (options.hidden > (std::size_t{1} << 31) / width) {
      raise(function, "options.hidden",
            "is " + std::to_string(options.hidden) + ": the MLP would need " +
                std::to_string(options.hidden) + " x " + std::to_string(width) + " weights, more than 2^31");
    }
  }
}

/// Multinomial logistic regression by Nesterov's accelerated gradient with the step 1 / L,
/// L = lambda_max([X 1]^T [X 1]) / (2 n) + l2 bounding the Hessian (softmax curvature <= 1/2).
inline linear_model fit_logistic(const Eigen::MatrixXd& x, std::span<const int> labels, int classes,
                                 const probe_options& options) {
  const Eigen::MatrixXd y = one_hot(labels, classes);
  const auto d = x.cols();
  Eigen::VectorXd v = Eigen::VectorXd::Ones(d + 1);
  double top = 1.0;
  for (int it = 0; it < 50; ++it) {  // power iteration on [X 1]^T [X 1]
    const Eigen::VectorXd xv = x * v.head(d) + Eigen::VectorXd::Constant(x.rows(), v(d));
    Eigen::VectorXd next(d + 1);
    next.head(d) = x.transpose() * xv;
    next(d) = xv.sum();
    top = next.norm() / v.norm();
    v = next / next.norm();
  }
  const double lipschitz = 1.05 * top / (2.0 * static_cast<double>(x.rows())) + options.l2;
  const double step = 1.0 / lipschitz;
  linear_model m{Eigen::MatrixXd::Zero(d, classes), Eigen::RowVectorXd::Zero(classes)};
  linear_model look = m, g;
  double t = 1.0;
  for (std::size_t it = 0; it < options.iterations; ++it) {
    logistic_objective(x, y, look, options.l2, &g);
    linear_model next{look.w - step * g.w, look.b - step * g.b};
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    const double momentum = (t - 1.0) / t_next;
    look.w = next.w + momentum * (next.w - m.w);
    look.b = next.b + momentum * (next.b - m.b);
    m = std::move(next);
    t = t_next;
  }
  return m;
}

/// One-hidden-layer ReLU MLP, full-batch Adam, He initialisation from Philox draws.
struct mlp_model {
  linear_model first, second;
  [[nodiscard]] Eigen::MatrixXd logits(const Eigen::MatrixXd& x) const {
    return second.logits(first.logits(x).cwiseMax(0.0));
  }
};

inline mlp_model fit_mlp(const Eigen::MatrixXd& x, std::span<const int> labels, int classes,
                         const probe_options& o, std::uint64_t stream) {
  const Eigen::MatrixXd y = one_hot(labels, classes);
  const auto d = x.cols(), h = idx_of(o.hidden);
  const random_stream rng(o.seed, stream);
  std::uint64_t draw = 0;
  mlp_model m;
  m.first.w.resize(d, h);
  m.second.w.resize(h, classes);
  for (Eigen::Index i = 0; i < m.first.w.size(); ++i)
    m.first.w.data()[i] = rng.normal(draw++) * std::sqrt(2.0 / d);
  for (Eigen::Index i = 0; i < m.second.w.size(); ++i)
    m.second.w.data()[i] = rng.normal(draw++) * std::sqrt(2.0 / h);
  m.first.b = Eigen::RowVectorXd::Zero(h);
  m.second.b = Eigen::RowVectorXd::Zero(classes);
  std::vector<Eigen::MatrixXd*> params{&m.first.w, &m.second.w};
  Eigen::MatrixXd m1w = Eigen::MatrixXd::Zero(d, h), v1w = m1w, m2w = Eigen::MatrixXd::Zero(h, classes),
                  v2w = m2w;
  Eigen::RowVectorXd m1b = Eigen::RowVectorXd::Zero(h), v1b = m1b, m2b = Eigen::RowVectorXd::Zero(classes),
                     v2b = m2b;
  const double n = static_cast<double>(x.rows());
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const auto adam = [&](auto& param, auto& mom, auto& var, const auto& grad, double c1, double c2) {
    mom = beta1 * mom + (1 - beta1) * grad;
    var = beta2 * var + (1 - beta2) * grad.cwiseProduct(grad);
    param.array() -= o.learning_rate * (mom.array() / c1) / ((var.array() / c2).sqrt() + eps);
  };
  for (std::size_t it = 1; it <= o.iterations; ++it) {
    const Eigen::MatrixXd pre = m.first.logits(x);
    const Eigen::MatrixXd hid = pre.cwiseMax(0.0);
    Eigen::MatrixXd p = m.second.logits(hid);
    softmax_rows(p);
    p -= y;
    p /= n;
    const Eigen::MatrixXd g2w = hid.transpose() * p + o.l2 * m.second.w;
    const Eigen::RowVectorXd g2b = p.colwise().sum();
    const Eigen::MatrixXd back =
        ((p * m.second.w.transpose()).array() * (pre.array() > 0.0).cast<double>()).matrix();
    const Eigen::MatrixXd g1w = x.transpose() * back + o.l2 * m.first.w;
    const Eigen::RowVectorXd g1b = back.colwise().sum();
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(it));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(it));
    adam(m.first.w, m1w, v1w, g1w, c1, c2);
    adam(m.first.b, m1b, v1b, g1b, c1, c2);
    adam(m.second.w, m2w, v2w, g2w, c1, c2);
    adam(m.second.b, m2b, v2b, g2b, c1, c2);
  }
  (void)params;
  return m;
}

inline int argmax_row(const Eigen::MatrixXd& z, Eigen::Index i) {
  Eigen::Index best = 0;
  z.row(i).maxCoeff(&best);
  return static_cast<int>(best);
}

}  // namespace detail

/// Fold of each token: a seeded permutation of tokens dealt round-robin into `folds` folds.
[[nodiscard]] inline std::vector<std::size_t> fold_assignment(std::size_t tokens, std::size_t folds,
                                                              std::uint64_t seed) {
  std::vector<std::size_t> order(tokens);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const random_stream rng(seed, 0x70726f6265ULL);
  for (std::size_t i = tokens; i > 1; --i) std::swap(order[i - 1], order[rng.below(i, i)]);  // Fisher-Yates
  std::vector<std::size_t> fold(tokens);
  for (std::size_t r = 0; r < tokens; ++r) fold[order[r]] = r % folds;
  return fold;
}

/// Out-of-fold predicted class of every token (sklearn's cross_val_predict): each fold's probe is
/// trained on the other folds, features standardised with the training folds' mean and std.
template <class T>
[[nodiscard]] std::vector<int> cross_validated_predictions(const matrix_view<T>& features,
                                                           std::span<const int> labels, int classes,
                                                           const probe_options& options = {}) {
  constexpr std::string_view function = "cross_validated_predictions";
  detail::check_activations(features, function, "features");
  detail::check_labels(labels, features.extent(0), classes, function);
  detail::check_probe_options(options, features.extent(0), features.extent(1), classes, function);
  const Eigen::MatrixXd x = detail::to_matrix(features);
  const auto fold = fold_assignment(x.rows(), options.folds, options.seed);
  std::vector<int> predicted(labels.size(), 0);
  for (std::size_t f = 0; f < options.folds; ++f) {
    std::vector<Eigen::Index> train, test;
    std::vector<int> train_labels;
    for (std::size_t i = 0; i < fold.size(); ++i) {
      if (fold[i] == f) {
        test.push_back(detail::idx_of(i));
      } else {
        train.push_back(detail::idx_of(i));
        train_labels.push_back(labels[i]);
      }
    }
    Eigen::MatrixXd xtr = x(train, Eigen::all);
    Eigen::MatrixXd xte = x(test, Eigen::all);
    const Eigen::RowVectorXd mean = xtr.colwise().mean();
    Eigen::RowVectorXd sd = ((xtr.rowwise() - mean).array().square().colwise().mean()).sqrt();
    for (Eigen::Index j = 0; j < sd.size(); ++j) sd(j) = sd(j) > 0.0 ? sd(j) : 1.0;
    xtr = (xtr.rowwise() - mean).array().rowwise() / sd.array();
    xte = (xte.rowwise() - mean).array().rowwise() / sd.array();
    const Eigen::MatrixXd z = options.kind == probe_kind::logistic
                                  ? detail::fit_logistic(xtr, train_labels, classes, options).logits(xte)
                                  : detail::fit_mlp(xtr, train_labels, classes, options, f).logits(xte);
    for (std::size_t r = 0; r < test.size(); ++r) {
      predicted[static_cast<std::size_t>(test[r])] = detail::argmax_row(z, detail::idx_of(r));
    }
  }
  return predicted;
}

/// Probe accuracy P(l): k-fold cross-validated macro-F1.
template <class T>
[[nodiscard]] double probe_score(const matrix_view<T>& features, std::span<const int> labels, int classes,
                                 const probe_options& options = {}) {
  return macro_f1(labels, cross_validated_predictions(features, labels, classes, options), classes);
}

/// Probe jumps S2(l) = |P(l+1) - P(l)| / P(l), multi-scale paper eq. (4).
[[nodiscard]] inline std::vector<double> probe_jumps(std::span<const double> scores) {
  if (scores.size() < 2) detail::raise("probe_jumps", "scores", "needs at least 2 layers");
  std::vector<double> s2(scores.size() - 1);
  for (std::size_t l = 0; l + 1 < scores.size(); ++l) {
    if (!(scores[l] > 0.0) || !std::isfinite(scores[l + 1])) {
      detail::raise("probe_jumps", "scores",
                    "must be finite with P(l) > 0 (layer " + std::to_string(l) + ")");
    }
    s2[l] = std::abs(scores[l + 1] - scores[l]) / scores[l];
  }
  return s2;
}

/// Per-layer, per-task, per-sequence confusion matrices of out-of-fold probe predictions. On
/// weight set k, P(l) is the mean over tasks of the macro-F1 of the weighted summed confusion
/// matrix, and S2 follows eq. (4).
class probe_evidence {
 public:
  probe_evidence(std::vector<std::size_t> sequence_lengths, const resampling_plan& plan)
      : lengths_(std::move(sequence_lengths)), plan_(plan) {
    if (plan.sequences() != lengths_.size()) {
      detail::raise("probe_evidence", "plan", "has a different number of sequences than sequence_lengths");
    }
    for (const std::size_t n : lengths_) tokens_ += n;
    detail::check_sequence_lengths(lengths_, tokens_, "probe_evidence");
  }

  /// Adds one layer: for each probing task, the token labels and the out-of-fold predictions.
  void add_layer(const std::vector<std::vector<int>>& labels, const std::vector<std::vector<int>>& predicted,
                 const std::vector<int>& classes) {
    constexpr std::string_view function = "probe_evidence::add_layer";
    if (labels.size() != predicted.size() || labels.size() != classes.size() || labels.empty()) {
      detail::raise(function, "labels", "predicted and classes must give the same, non-zero number of tasks");
    }
    if (!layers_.empty() && layers_[0].size() != labels.size())
      detail::raise(function, "labels", "changes the task count");
    std::vector<std::vector<Eigen::MatrixXd>> tasks;
    for (std::size_t t = 0; t < labels.size(); ++t) {
      detail::check_labels(labels[t], tokens_, classes[t], function);
      if (predicted[t].size() != tokens_)
        detail::raise(function, "predicted", "must have one prediction per token");
      std::vector<Eigen::MatrixXd> per_sequence;
      std::size_t offset = 0;
      for (const std::size_t n : lengths_) {
        per_sequence.push_back(confusion_matrix(std::span(labels[t]).subspan(offset, n),
                                                std::span(predicted[t]).subspan(offset, n), classes[t]));
        offset += n;
      }
      tasks.push_back(std::move(per_sequence));
    }
    layers_.push_back(std::move(tasks));
  }

  /// P(l) on weight set k.
  [[nodiscard]] std::vector<double> scores(std::size_t set) const {
    const auto w = plan_.weights(set);
    std::vector<double> p(layers_.size(), 0.0);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      for (const auto& task : layers_[l]) {
        Eigen::MatrixXd c = Eigen::MatrixXd::Zero(task[0].rows(), task[0].cols());
        for (std::size_t s = 0; s < task.size(); ++s) c += w[s] * task[s];
        p[l] += macro_f1(c);
      }
      p[l] /= static_cast<double>(layers_[l].size());
    }
    return p;
  }

  /// S2 on weight set k.
  [[nodiscard]] std::vector<double> signal(std::size_t set) const {
    const auto p = scores(set);
    return probe_jumps(p);
  }
  [[nodiscard]] const resampling_plan& plan() const { return plan_; }
  [[nodiscard]] std::size_t layers() const { return layers_.size(); }
  [[nodiscard]] std::size_t tasks() const { return layers_.empty() ? 0 : layers_[0].size(); }

  /// Confusion matrix of one layer and task, summed over sequences with per-sequence weights `w`.
  [[nodiscard]] Eigen::MatrixXd confusion(std::size_t layer, std::size_t task,
                                          std::span<const double> w) const {
    const auto& per_sequence = layers_.at(layer).at(task);
    if (w.size() != per_sequence.size())
      detail::raise("probe_evidence::confusion", "w", "must give one weight per sequence");
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(per_sequence[0].rows(), per_sequence[0].cols());
    for (std::size_t s = 0; s < per_sequence.size(); ++s) c += w[s] * per_sequence[s];
    return c;
  }

 private:
  std::vector<std::size_t> lengths_;
  std::size_t tokens_ = 0;
  resampling_plan plan_;
  std::vector<std::vector<std::vector<Eigen::MatrixXd>>> layers_;  // [layer][task][sequence]
};

}  // namespace infoscale

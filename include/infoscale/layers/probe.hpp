#pragma once
// Probe signal, multi-scale paper eq. (4): per-layer probes on host-provided token labels
// (multinomial logistic regression with L2, or a one-hidden-layer MLP with 128 ReLU units as in
// the paper, fitted full-batch or by mini-batches; optionally on the top principal components),
// scored by k-fold cross-validated macro-F1 over pooled out-of-fold predictions
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
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/detail/matrix.hpp"
#include "infoscale/layers/detail/mlp_minibatch.hpp"
#include "infoscale/layers/probe_options.hpp"
#include "infoscale/layers/probe_projection.hpp"

namespace infoscale {

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

// Column-wise softmax in place, stable: one token per column, so each softmax runs over
// contiguous memory and Eigen's vectorised exp applies.
inline void softmax_columns(Eigen::MatrixXd& z) {
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    auto c = z.col(j);
    const double m = c.maxCoeff();
    c = (c.array() - m).exp();
    c /= c.sum();
  }
}

// softmax - one_hot, token-major, without forming the one-hot matrix.
inline void subtract_labels(Eigen::MatrixXd& p, std::span<const int> labels) {
  for (std::size_t i = 0; i < labels.size(); ++i) p(labels[i], idx_of(i)) -= 1.0;
}

inline Eigen::MatrixXd one_hot(std::span<const int> labels, int classes) {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(idx_of(labels.size()), classes);
  for (std::size_t i = 0; i < labels.size(); ++i) y(idx_of(i), labels[i]) = 1.0;
  return y;
}

/// Widens a (tokens x features) view into a features x tokens matrix: one token per column.
template <class Scalar = double, class T>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> to_token_columns(const matrix_view<T>& x) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> m(idx_of(x.extent(1)), idx_of(x.extent(0)));
  for (std::size_t i = 0; i < x.extent(0); ++i)
    for (std::size_t j = 0; j < x.extent(1); ++j)
      m(idx_of(j), idx_of(i)) = static_cast<Scalar>(widen(x(i, j)));
  return m;
}

struct linear_model {
  Eigen::MatrixXd w;  // features x classes
  Eigen::RowVectorXd b;
  [[nodiscard]] Eigen::MatrixXd logits(const Eigen::MatrixXd& x) const { return (x * w).rowwise() + b; }
};

/// The token-major form the fits use: logits = w x + b for x = features x tokens, w = outputs x
/// inputs (the transpose of linear_model's).
struct affine_columns {
  Eigen::MatrixXd w;
  Eigen::VectorXd b;
  void apply(const Eigen::MatrixXd& xt, Eigen::MatrixXd& z) const {
    z.noalias() = w * xt;
    z.colwise() += b;
  }
  [[nodiscard]] Eigen::MatrixXd logits(const Eigen::MatrixXd& xt) const {
    Eigen::MatrixXd z;
    apply(xt, z);
    return z;
  }
};

/// Linear least-squares classifier, sklearn's RidgeClassifier: targets +1 for the token's class and
/// -1 elsewhere, min sum ||t - W x - b||^2 + alpha ||W||^2 with an unpenalised intercept, solved in
/// closed form (the features are standardised, so b is the targets' mean); predicts the argmax.
/// One d x d solve per fold: the fast linear probe when the iterative ones cost too much.
inline affine_columns fit_ridge_columns(const Eigen::MatrixXd& xt, std::span<const int> labels, int classes,
                                        double alpha) {
  const Eigen::Index d = xt.rows(), n = xt.cols();
  Eigen::MatrixXd t = Eigen::MatrixXd::Constant(classes, n, -1.0);
  for (Eigen::Index i = 0; i < n; ++i) t(labels[static_cast<std::size_t>(i)], i) = 1.0;
  const Eigen::VectorXd x_mean = xt.rowwise().mean();
  const Eigen::VectorXd t_mean = t.rowwise().mean();
  const Eigen::MatrixXd xc = xt.colwise() - x_mean;
  t.colwise() -= t_mean;
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(xc);
  gram = gram.selfadjointView<Eigen::Lower>();
  gram.diagonal().array() += alpha;
  affine_columns m;
  m.w = gram.ldlt().solve(xc * t.transpose()).transpose();  // classes x d
  m.b = t_mean - m.w * x_mean;
  return m;
}

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

/// The gradient of logistic_objective alone (the fit never needs the loss), token-major: z is
/// scratch space for the classes x tokens logits, kept between calls so nothing is allocated.
inline void logistic_gradient(const Eigen::MatrixXd& xt, std::span<const int> labels, const affine_columns& m,
                              double l2, Eigen::MatrixXd& z, affine_columns& gradient) {
  m.apply(xt, z);
  softmax_columns(z);
  subtract_labels(z, labels);
  const double n = static_cast<double>(xt.cols());
  gradient.w.noalias() = z * xt.transpose();
  gradient.w = gradient.w / n + l2 * m.w;
  gradient.b.noalias() = z.rowwise().sum() / n;
}

/// Every option, before any work: NaN fails every comparison, so each test is written to fail on it.
/// The MLP's weights are bounded relative to the input (hidden x (features + classes) doubles no
/// larger than 2^31), so a typo in `hidden` is a clear error rather than std::bad_alloc.
inline void check_probe_options(const probe_options& options, std::size_t tokens, std::size_t features,
                                int classes, std::string_view function) {
  if (options.folds < 2 || options.folds > tokens)
    raise(function, "options.folds", "must lie in [2, tokens]");
  check_non_negative(options.l2, function, "options.l2");
  if (options.kind == probe_kind::ridge) check_positive(options.ridge_alpha, function, "options.ridge_alpha");
  check_positive(options.learning_rate, function, "options.learning_rate");
  if (options.iterations == 0) raise(function, "options.iterations", "must be >= 1");
  if (options.kind == probe_kind::mlp_minibatch) {
    if (options.batch == 0) raise(function, "options.batch", "must be >= 1");
    if (options.max_epochs == 0) raise(function, "options.max_epochs", "must be >= 1");
    check_non_negative(options.tolerance, function, "options.tolerance");
    if (options.patience == 0) raise(function, "options.patience", "must be >= 1");
  }
  if (options.kind == probe_kind::mlp || options.kind == probe_kind::mlp_minibatch) {
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
/// Token-major: xt is features x tokens.
inline affine_columns fit_logistic_columns(const Eigen::MatrixXd& xt, std::span<const int> labels,
                                           int classes, const probe_options& options) {
  const auto d = xt.rows();
  const double n = static_cast<double>(xt.cols());
  // Power iteration on the (d + 1)^2 Gram [X 1]^T [X 1], formed once, rather than two passes over
  // X per step.
  Eigen::MatrixXd gram(d + 1, d + 1);
  gram.topLeftCorner(d, d).noalias() = xt * xt.transpose();
  gram.col(d).head(d) = xt.rowwise().sum();
  gram.row(d).head(d) = gram.col(d).head(d).transpose();
  gram(d, d) = n;
  Eigen::VectorXd v = Eigen::VectorXd::Ones(d + 1), next(d + 1);
  double top = 1.0;
  for (int it = 0; it < 50; ++it) {
    next.noalias() = gram * v;
    top = next.norm() / v.norm();
    v = next / next.norm();
  }
  const double lipschitz = 1.05 * top / (2.0 * n) + options.l2;
  const double step = 1.0 / lipschitz;
  affine_columns m{Eigen::MatrixXd::Zero(classes, d), Eigen::VectorXd::Zero(classes)};
  affine_columns look = m, ahead = m, g = m;
  Eigen::MatrixXd z(classes, xt.cols());
  double t = 1.0;
  for (std::size_t it = 0; it < options.iterations; ++it) {
    logistic_gradient(xt, labels, look, options.l2, z, g);
    ahead.w = look.w - step * g.w;
    ahead.b = look.b - step * g.b;
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    const double momentum = (t - 1.0) / t_next;
    look.w = ahead.w + momentum * (ahead.w - m.w);
    look.b = ahead.b + momentum * (ahead.b - m.b);
    m.w.swap(ahead.w);
    m.b.swap(ahead.b);
    t = t_next;
  }
  return m;
}

/// The same fit on x = tokens x features, as features x classes weights.
inline linear_model fit_logistic(const Eigen::MatrixXd& x, std::span<const int> labels, int classes,
                                 const probe_options& options) {
  const affine_columns m = fit_logistic_columns(x.transpose(), labels, classes, options);
  return {m.w.transpose(), m.b.transpose()};
}

/// One-hidden-layer ReLU MLP, token-major (hidden = relu(first x), logits = second hidden).
struct mlp_columns {
  affine_columns first, second;
  [[nodiscard]] Eigen::MatrixXd logits(const Eigen::MatrixXd& xt) const {
    return second.logits(first.logits(xt).cwiseMax(0.0));
  }
};

/// The MLP by full-batch Adam, He initialisation from Philox draws; xt is features x tokens.
inline mlp_columns fit_mlp_columns(const Eigen::MatrixXd& xt, std::span<const int> labels, int classes,
                                   const probe_options& o, std::uint64_t stream) {
  const auto d = xt.rows(), h = idx_of(o.hidden), tokens = xt.cols();
  const random_stream rng(o.seed, stream);
  std::uint64_t draw = 0;
  mlp_columns m;
  // Draws in the order of the features x hidden and hidden x classes column-major layouts, so the
  // initial weights (stored transposed) are draw for draw those of the token-row formulation.
  m.first.w.resize(h, d);
  m.second.w.resize(classes, h);
  for (Eigen::Index k = 0; k < h; ++k)
    for (Eigen::Index j = 0; j < d; ++j) m.first.w(k, j) = rng.normal(draw++) * std::sqrt(2.0 / d);
  for (Eigen::Index c = 0; c < classes; ++c)
    for (Eigen::Index k = 0; k < h; ++k) m.second.w(c, k) = rng.normal(draw++) * std::sqrt(2.0 / h);
  m.first.b = Eigen::VectorXd::Zero(h);
  m.second.b = Eigen::VectorXd::Zero(classes);
  Eigen::MatrixXd m1w = Eigen::MatrixXd::Zero(h, d), v1w = m1w, m2w = Eigen::MatrixXd::Zero(classes, h),
                  v2w = m2w;
  Eigen::VectorXd m1b = Eigen::VectorXd::Zero(h), v1b = m1b, m2b = Eigen::VectorXd::Zero(classes), v2b = m2b;
  // Per-iteration buffers, allocated once.
  Eigen::MatrixXd pre(h, tokens), hid(h, tokens), p(classes, tokens), back(h, tokens), g1w(h, d),
      g2w(classes, h);
  Eigen::VectorXd g1b(h), g2b(classes);
  const double n = static_cast<double>(tokens);
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const auto adam = [&](auto& param, auto& mom, auto& var, const auto& grad, double c1, double c2) {
    mom = beta1 * mom + (1 - beta1) * grad;
    var = beta2 * var + (1 - beta2) * grad.cwiseProduct(grad);
    param.array() -= o.learning_rate * (mom.array() / c1) / ((var.array() / c2).sqrt() + eps);
  };
  for (std::size_t it = 1; it <= o.iterations; ++it) {
    m.first.apply(xt, pre);
    hid = pre.cwiseMax(0.0);
    m.second.apply(hid, p);
    softmax_columns(p);
    subtract_labels(p, labels);
    p /= n;
    g2w.noalias() = p * hid.transpose();
    g2w += o.l2 * m.second.w;
    g2b.noalias() = p.rowwise().sum();
    back.noalias() = m.second.w.transpose() * p;
    back.array() *= (pre.array() > 0.0).cast<double>();
    g1w.noalias() = back * xt.transpose();
    g1w += o.l2 * m.first.w;
    g1b.noalias() = back.rowwise().sum();
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(it));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(it));
    adam(m.first.w, m1w, v1w, g1w, c1, c2);
    adam(m.first.b, m1b, v1b, g1b, c1, c2);
    adam(m.second.w, m2w, v2w, g2w, c1, c2);
    adam(m.second.b, m2b, v2b, g2b, c1, c2);
  }
  return m;
}

template <class Matrix>
int argmax_column(const Matrix& z, Eigen::Index j) {
  Eigen::Index best = 0;
  z.col(j).maxCoeff(&best);
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

namespace detail {

// Fold f: trains on the other folds and writes the predictions of fold f's tokens only, so folds
// can run concurrently. xt is features x tokens, double or float (projected features, or the
// float fit's input).
template <class Matrix>
void predict_fold(const Matrix& xt, std::span<const int> labels, int classes, const probe_options& options,
                  std::span<const std::size_t> fold, std::size_t f, std::vector<int>& predicted) {
  using scalar = typename Matrix::Scalar;
  std::vector<Eigen::Index> train, test;
  std::vector<int> train_labels;
  for (std::size_t i = 0; i < fold.size(); ++i) {
    if (fold[i] == f) {
      test.push_back(idx_of(i));
    } else {
      train.push_back(idx_of(i));
      train_labels.push_back(labels[i]);
    }
  }
  Matrix xtr = xt(Eigen::all, train);
  Matrix xte = xt(Eigen::all, test);
  using vector = Eigen::Matrix<scalar, Eigen::Dynamic, 1>;
  const vector mean = xtr.rowwise().mean();
  vector sd = ((xtr.colwise() - mean).array().square().rowwise().mean()).sqrt();
  for (Eigen::Index j = 0; j < sd.size(); ++j) sd(j) = sd(j) > scalar(0) ? sd(j) : scalar(1);
  xtr = (xtr.colwise() - mean).array().colwise() / sd.array();
  xte = (xte.colwise() - mean).array().colwise() / sd.array();
  if (options.kind == probe_kind::mlp_minibatch) {
    const auto fit = fit_mlp_minibatch(xtr.template cast<float>(), train_labels, classes, options, f);
    Eigen::MatrixXf z;
    fit.model.logits(xte.template cast<float>(), z);
    for (std::size_t r = 0; r < test.size(); ++r)
      predicted[static_cast<std::size_t>(test[r])] = argmax_column(z, idx_of(r));
    return;
  }
  const auto fit = [&](const Eigen::MatrixXd& train_x, const Eigen::MatrixXd& test_x) {
    return options.kind == probe_kind::logistic
               ? fit_logistic_columns(train_x, train_labels, classes, options).logits(test_x)
           : options.kind == probe_kind::ridge
               ? fit_ridge_columns(train_x, train_labels, classes, options.ridge_alpha).logits(test_x)
               : fit_mlp_columns(train_x, train_labels, classes, options, f).logits(test_x);
  };
  Eigen::MatrixXd z;
  if constexpr (std::same_as<scalar, double>) {
    z = fit(xtr, xte);
  } else {
    z = fit(xtr.template cast<double>(), xte.template cast<double>());
  }
  for (std::size_t r = 0; r < test.size(); ++r)
    predicted[static_cast<std::size_t>(test[r])] = argmax_column(z, idx_of(r));
}

/// Standardises each feature (row) of x over all tokens in place: the projection's input. Column
/// by column (x is column-major), mean and deviations in double.
inline void standardise_rows(Eigen::MatrixXf& x) {
  const Eigen::Index d = x.rows(), n = x.cols();
  if (n == 0) return;
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), squares = Eigen::VectorXd::Zero(d);
  for (Eigen::Index j = 0; j < n; ++j) mean += x.col(j).cast<double>();
  mean /= static_cast<double>(n);
  for (Eigen::Index j = 0; j < n; ++j) squares.array() += (x.col(j).cast<double>() - mean).array().square();
  Eigen::VectorXd scale(d);
  for (Eigen::Index i = 0; i < d; ++i) {
    const double sd = std::sqrt(squares(i) / static_cast<double>(n));
    scale(i) = sd > 0.0 ? 1.0 / sd : 1.0;
  }
  for (Eigen::Index j = 0; j < n; ++j)
    x.col(j) = ((x.col(j).cast<double>() - mean).cwiseProduct(scale)).cast<float>();
}

/// Whether options.projection applies to `features` x `tokens` (it needs k + 10 <= both).
inline bool projects(const probe_options& options, std::size_t features, std::size_t tokens) {
  return options.projection > 0 && options.projection + 10 <= std::min(features, tokens);
}

}  // namespace detail

/// Out-of-fold predicted class of every token (sklearn's cross_val_predict), for several label
/// sets on the same features: each fold's probe is trained on the other folds, features
/// standardised with the training folds' mean and std. With options.projection = k (and k + 10
/// <= min(features, tokens); otherwise every feature is used), the features are first
/// standardised over all tokens and replaced by their top k principal components, computed once
/// for all label sets and folds. Under par the (label set, fold) fits run on threads (Eigen's own
/// GEMM threading stands down inside a parallel region, so threads are not oversubscribed); each
/// writes only its own tokens, so every policy gives the same predictions.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<std::vector<int>> cross_validated_predictions(
    P policy, const matrix_view<T>& features, std::span<const std::vector<int>> label_sets,
    std::span<const int> classes, const probe_options& options = {}) {
  static_assert(!reads_device_memory<P>,
                "cross_validated_predictions reads host memory: use seq, par or thrust_host");
  constexpr std::string_view function = "cross_validated_predictions";
  detail::check_activations(features, function, "features");
  if (label_sets.size() != classes.size() || label_sets.empty())
    detail::raise(function, "classes", "must give one class count per label set (and at least one set)");
  const std::size_t tokens = features.extent(0);
  for (std::size_t t = 0; t < label_sets.size(); ++t) {
    detail::check_labels(label_sets[t], tokens, classes[t], function);
    detail::check_probe_options(options, tokens, features.extent(1), classes[t], function);
  }
  const auto fold = fold_assignment(tokens, options.folds, options.seed);
  std::vector<std::vector<int>> predicted(label_sets.size(), std::vector<int>(tokens, 0));
  const auto run = [&](const auto& xt) {
    for_each_index(policy, label_sets.size() * options.folds, [&](std::size_t i) {
      const std::size_t t = i / options.folds, f = i % options.folds;
      detail::predict_fold(xt, label_sets[t], classes[t], options, fold, f, predicted[t]);
    });
  };
  if (detail::projects(options, features.extent(1), tokens)) {
    Eigen::MatrixXf xt = detail::to_token_columns<float>(features);
    detail::standardise_rows(xt);
    run(project_principal(xt, options.projection, options.seed).components);
  } else if (options.kind == probe_kind::mlp_minibatch) {
    run(detail::to_token_columns<float>(features));
  } else {
    run(detail::to_token_columns(features));
  }
  return predicted;
}

/// The same for one label set.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<int> cross_validated_predictions(P policy, const matrix_view<T>& features,
                                                           std::span<const int> labels, int classes,
                                                           const probe_options& options = {}) {
  const std::vector<std::vector<int>> sets{std::vector<int>(labels.begin(), labels.end())};
  const int counts[] = {classes};
  return std::move(cross_validated_predictions(policy, features, std::span<const std::vector<int>>(sets),
                                               std::span<const int>(counts), options)[0]);
}

template <class T>
[[nodiscard]] std::vector<int> cross_validated_predictions(const matrix_view<T>& features,
                                                           std::span<const int> labels, int classes,
                                                           const probe_options& options = {}) {
  return cross_validated_predictions(seq, features, labels, classes, options);
}

/// Probe accuracy P(l): k-fold cross-validated macro-F1.
template <ExecutionPolicy P, class T>
[[nodiscard]] double probe_score(P policy, const matrix_view<T>& features, std::span<const int> labels,
                                 int classes, const probe_options& options = {}) {
  return macro_f1(labels, cross_validated_predictions(policy, features, labels, classes, options), classes);
}

template <class T>
[[nodiscard]] double probe_score(const matrix_view<T>& features, std::span<const int> labels, int classes,
                                 const probe_options& options = {}) {
  return probe_score(seq, features, labels, classes, options);
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
    std::vector<sparse_confusion> tasks;
    for (std::size_t t = 0; t < labels.size(); ++t) {
      detail::check_labels(labels[t], tokens_, classes[t], function);
      if (predicted[t].size() != tokens_)
        detail::raise(function, "predicted", "must have one prediction per token");
      if (predicted[t].size() != labels[t].size())
        detail::raise(function, "predicted", "differs in length from labels");
      sparse_confusion c;
      c.classes = classes[t];
      std::size_t offset = 0;
      for (std::size_t seq = 0; seq < lengths_.size(); ++seq) {
        // cells of this sequence's confusion matrix, column-major (true + classes * predicted)
        std::vector<std::size_t> cells;
        for (std::size_t i = offset; i < offset + lengths_[seq]; ++i) {
          const int y = labels[t][i], q = predicted[t][i];
          if (q < 0 || q >= classes[t]) detail::raise(function, "predicted", "has a label out of range");
          cells.push_back(static_cast<std::size_t>(y) +
                          static_cast<std::size_t>(classes[t]) * static_cast<std::size_t>(q));
        }
        std::sort(cells.begin(), cells.end());
        for (std::size_t k = 0; k < cells.size();) {
          std::size_t j = k;
          while (j < cells.size() && cells[j] == cells[k]) ++j;
          c.cell.push_back(cells[k]);
          c.sequence.push_back(seq);
          c.count.push_back(static_cast<double>(j - k));
          k = j;
        }
        offset += lengths_[seq];
      }
      tasks.push_back(std::move(c));
    }
    layers_.push_back(std::move(tasks));
  }

  /// P(l) on weight set k.
  [[nodiscard]] std::vector<double> scores(std::size_t set) const {
    const auto w = plan_.weights(set);
    std::vector<double> p(layers_.size(), 0.0);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      for (std::size_t t = 0; t < layers_[l].size(); ++t) p[l] += macro_f1(confusion(l, t, w));
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
    const sparse_confusion& c = layers_.at(layer).at(task);
    if (w.size() != lengths_.size())
      detail::raise("probe_evidence::confusion", "w", "must give one weight per sequence");
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(c.classes, c.classes);
    for (std::size_t k = 0; k < c.cell.size(); ++k) out.data()[c.cell[k]] += w[c.sequence[k]] * c.count[k];
    return out;
  }

 private:
  std::vector<std::size_t> lengths_;
  std::size_t tokens_ = 0;
  resampling_plan plan_;
  // Per-sequence confusion matrices, stored sparsely: a sequence of n tokens fills at most n cells,
  // so a weight set costs O(tokens), not O(sequences x classes^2).
  struct sparse_confusion {
    int classes = 0;
    std::vector<std::size_t> cell, sequence;  // column-major cell and its sequence
    std::vector<double> count;
  };
  std::vector<std::vector<sparse_confusion>> layers_;  // [layer][task]
};

}  // namespace infoscale

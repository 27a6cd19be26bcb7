#pragma once
// The MLP probe at the paper's sizes (multi-scale paper eq. (4): 128 ReLU units on a residual
// stream thousands wide, issue 18): the objective of the full-batch probe (probe.hpp,
// fit_mlp_columns: mean cross-entropy + (l2 / 2) ||W||^2 on weights, He initialisation from the
// same Philox draws), minimised by mini-batch Adam in float (Kingma & Ba 2015, Alg. 1) with
// sklearn MLPClassifier's stopping rule: stop when the epoch's mean loss has not fallen by more
// than `tolerance` below the best so far for `patience` epochs in a row, or after max_epochs.
// A full-batch step costs one pass over the tokens; an epoch of mini-batches costs the same pass
// and takes tokens / batch steps, so the fit needs a few epochs where the full-batch one needs
// hundreds of passes. Deterministic: the epoch's order is a Philox permutation of (seed, stream,
// epoch), and each fit runs on one thread.

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "infoscale/core/random.hpp"
#include "infoscale/layers/detail/gemm.hpp"
#include "infoscale/layers/probe_options.hpp"

namespace infoscale::detail {

/// hidden = relu(w1 x + b1), logits = w2 hidden + b2; x is features x tokens.
struct mlp_float {
  Eigen::MatrixXf w1, w2;
  Eigen::VectorXf b1, b2;

  void logits(const Eigen::MatrixXf& xt, Eigen::MatrixXf& z) const {
    Eigen::MatrixXf hidden;
    float_product('N', 'N', w1, xt, hidden);
    hidden.colwise() += b1;
    hidden = hidden.cwiseMax(0.0f);
    float_product('N', 'N', w2, hidden, z);
    z.colwise() += b2;
  }
};

struct mlp_minibatch_fit {
  mlp_float model;
  std::vector<double> loss_curve;  ///< mean objective of each epoch, as MLPClassifier's loss_curve_
};

/// Adam's state for one parameter block.
struct adam_moments {
  Eigen::ArrayXXf mean, variance;
  explicit adam_moments(Eigen::Index rows, Eigen::Index columns = 1)
      : mean(Eigen::ArrayXXf::Zero(rows, columns)), variance(Eigen::ArrayXXf::Zero(rows, columns)) {}

  template <class Parameter, class Gradient>
  void step(Parameter& parameter, const Gradient& gradient, float rate, float mean_correction,
            float variance_correction) {
    constexpr float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    const auto g = gradient.array();
    mean = beta1 * mean + (1.0f - beta1) * g;
    variance = beta2 * variance + (1.0f - beta2) * g.square();
    parameter.array() -= rate * (mean / mean_correction) / ((variance / variance_correction).sqrt() + eps);
  }
};

/// Fits the MLP on xt (features x tokens, standardised) and labels in [0, classes).
inline mlp_minibatch_fit fit_mlp_minibatch(const Eigen::MatrixXf& xt, std::span<const int> labels,
                                           int classes, const probe_options& o, std::uint64_t stream) {
  const Eigen::Index d = xt.rows(), h = static_cast<Eigen::Index>(o.hidden), c = classes;
  const std::size_t tokens = static_cast<std::size_t>(xt.cols());
  const random_stream init(o.seed, stream);
  std::uint64_t draw = 0;
  mlp_minibatch_fit fit;
  mlp_float& m = fit.model;
  // The full-batch probe's draws, in its order, so both fits start from the same weights.
  m.w1.resize(h, d);
  m.w2.resize(c, h);
  for (Eigen::Index k = 0; k < h; ++k)
    for (Eigen::Index j = 0; j < d; ++j)
      m.w1(k, j) = static_cast<float>(init.normal(draw++) * std::sqrt(2.0 / static_cast<double>(d)));
  for (Eigen::Index q = 0; q < c; ++q)
    for (Eigen::Index k = 0; k < h; ++k)
      m.w2(q, k) = static_cast<float>(init.normal(draw++) * std::sqrt(2.0 / static_cast<double>(h)));
  m.b1 = Eigen::VectorXf::Zero(h);
  m.b2 = Eigen::VectorXf::Zero(c);
  adam_moments a1w(h, d), a1b(h), a2w(c, h), a2b(c);

  const random_stream shuffle(o.seed, stream ^ 0x6d696e6962617463ULL);  // "minibatc"
  std::vector<std::size_t> order(tokens);
  const auto batch = static_cast<Eigen::Index>(std::min(o.batch, tokens));
  Eigen::MatrixXf xb(d, batch), pre, hidden, z, back, g1w, g2w;
  std::vector<int> yb(static_cast<std::size_t>(batch));
  const float l2 = static_cast<float>(o.l2), rate = static_cast<float>(o.learning_rate);
  double best = std::numeric_limits<double>::infinity();
  std::size_t stale = 0, step = 0;
  for (std::size_t epoch = 0; epoch < o.max_epochs; ++epoch) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = tokens; i > 1; --i)  // Fisher-Yates on this epoch's draws
      std::swap(order[i - 1], order[shuffle.below(i, epoch * tokens + i)]);
    double loss_sum = 0.0;
    for (std::size_t start = 0; start < tokens; start += static_cast<std::size_t>(batch)) {
      const auto nb =
          static_cast<Eigen::Index>(std::min<std::size_t>(static_cast<std::size_t>(batch), tokens - start));
      xb.resize(d, nb);
      yb.resize(static_cast<std::size_t>(nb));
      for (Eigen::Index j = 0; j < nb; ++j) {
        const std::size_t token = order[start + static_cast<std::size_t>(j)];
        xb.col(j) = xt.col(static_cast<Eigen::Index>(token));
        yb[static_cast<std::size_t>(j)] = labels[token];
      }
      float_product('N', 'N', m.w1, xb, pre);
      pre.colwise() += m.b1;
      hidden = pre.cwiseMax(0.0f);
      float_product('N', 'N', m.w2, hidden, z);
      z.colwise() += m.b2;
      // softmax - one_hot, over the batch mean; the loss in double for the stopping rule
      for (Eigen::Index j = 0; j < nb; ++j) {
        auto col = z.col(j);
        const float top = col.maxCoeff();
        const int y = yb[static_cast<std::size_t>(j)];
        const float picked = col(y);
        col = (col.array() - top).exp();
        const float total = col.sum();
        loss_sum +=
            static_cast<double>(top) + std::log(static_cast<double>(total)) - static_cast<double>(picked);
        col /= total;
        col(y) -= 1.0f;
      }
      z /= static_cast<float>(nb);
      float_product('N', 'T', z, hidden, g2w);
      g2w += l2 * m.w2;
      const Eigen::VectorXf g2b = z.rowwise().sum();
      float_product('T', 'N', m.w2, z, back);
      back = (pre.array() > 0.0f).select(back, 0.0f);
      float_product('N', 'T', back, xb, g1w);
      g1w += l2 * m.w1;
      const Eigen::VectorXf g1b = back.rowwise().sum();
      ++step;
      const auto t = static_cast<float>(step);
      const float c1 = 1.0f - std::pow(0.9f, t), c2 = 1.0f - std::pow(0.999f, t);
      a1w.step(m.w1, g1w, rate, c1, c2);
      a1b.step(m.b1, g1b, rate, c1, c2);
      a2w.step(m.w2, g2w, rate, c1, c2);
      a2b.step(m.b2, g2b, rate, c1, c2);
    }
    const double penalty =
        0.5 * o.l2 * (static_cast<double>(m.w1.squaredNorm()) + static_cast<double>(m.w2.squaredNorm()));
    const double loss = loss_sum / static_cast<double>(tokens) + penalty;
    fit.loss_curve.push_back(loss);
    stale = loss > best - o.tolerance ? stale + 1 : 0;
    best = std::min(best, loss);
    if (stale >= o.patience) break;
  }
  return fit;
}

}  // namespace infoscale::detail

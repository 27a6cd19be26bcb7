#pragma once
// The probes' options (multi-scale paper eq. (4), S2), their names and their checks: one header,
// so the probe fits, the layer pipeline and the front ends agree on what each option means.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "infoscale/core/error.hpp"

namespace infoscale {

/// logistic: multinomial logistic regression, full-batch Nesterov. mlp: the paper's
/// one-hidden-layer ReLU MLP, full-batch Adam in double. ridge: sklearn's RidgeClassifier, closed
/// form. mlp_minibatch: the same MLP and objective, fitted by mini-batch Adam in float with
/// sklearn MLPClassifier's stopping rule, for the paper's sizes (layers/detail/mlp_minibatch.hpp).
enum class probe_kind { logistic, mlp, ridge, mlp_minibatch };

struct probe_options {
  probe_kind kind = probe_kind::mlp;
  std::size_t folds = 5;
  double l2 = 1e-4;              ///< L2 penalty (lambda / 2) ||W||^2 on weights, not biases
  std::size_t iterations = 300;  ///< full-batch optimiser steps
  std::size_t hidden = 128;      ///< MLP hidden units (the paper's 128)
  double learning_rate = 1e-2;   ///< Adam step of the MLPs
  std::uint64_t seed = 0;
  double ridge_alpha = 1.0;  ///< ridge: alpha of sklearn's RidgeClassifier (sum of squares + alpha ||W||^2)
  // mlp_minibatch only (its Adam step is learning_rate, as the full-batch MLP's). batch, tolerance
  // and patience are MLPClassifier's defaults (batch_size, tol, n_iter_no_change); max_epochs is
  // its max_iter, 200 there: 20 here keeps Experiment 1 at the paper's size within minutes, and
  // benchmarks/bench_probes measures the F1 that cap costs against the full-batch probe (README).
  std::size_t batch = 200;
  std::size_t max_epochs = 20;
  double tolerance = 1e-4;    ///< an epoch improves when its mean loss falls by more than this
  std::size_t patience = 10;  ///< stop after this many epochs in a row without improvement
  /// Any kind: fit on the top `projection` principal components of the standardised features
  /// (layers/probe_projection.hpp) instead of all of them; 0 = all features (the paper's protocol).
  std::size_t projection = 0;
};

[[nodiscard]] inline const char* name_of(probe_kind k) {
  switch (k) {
    case probe_kind::mlp:
      return "mlp";
    case probe_kind::ridge:
      return "ridge";
    case probe_kind::mlp_minibatch:
      return "mlp_minibatch";
    case probe_kind::logistic:
      break;
  }
  return "logistic";
}

/// "logistic", "mlp", "ridge" or "mlp_minibatch"; anything else raises naming `function`'s argument.
[[nodiscard]] inline probe_kind parse_probe_kind(std::string_view text, std::string_view function,
                                                 std::string_view argument = "probe") {
  for (const probe_kind k :
       {probe_kind::logistic, probe_kind::mlp, probe_kind::ridge, probe_kind::mlp_minibatch})
    if (text == name_of(k)) return k;
  detail::raise(function, argument,
                "must be 'logistic', 'mlp', 'ridge' or 'mlp_minibatch', got '" + std::string(text) + "'");
}

}  // namespace infoscale

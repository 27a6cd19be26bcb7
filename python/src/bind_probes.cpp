// layers/: the probe signal S2 (multi-scale paper eq. (4)) — cross-validated probes on token labels
// (logistic regression or the paper's 128-unit MLP), macro-F1, probe jumps, and the per-sequence
// confusion matrices the bootstrap resamples (probe_evidence).
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "infoscale/layers/probe.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

probe_options make_options(const std::string& kind, std::size_t folds, double l2, std::size_t iterations,
                           std::size_t hidden, double learning_rate, std::uint64_t seed,
                           std::size_t projection, std::size_t batch, std::size_t max_epochs) {
  probe_options o;
  o.kind = parse_probe_kind(kind, "probe", "kind");
  o.folds = folds;
  o.l2 = l2;
  o.iterations = iterations;
  o.hidden = hidden;
  o.learning_rate = learning_rate;
  o.seed = seed;
  o.projection = projection;
  o.batch = batch;
  o.max_epochs = max_epochs;
  return o;
}

#define INFOSCALE_PROBE_PARAMS                                                                      \
  "features : array_like, shape (tokens, features)\n"                                               \
  "    Any float dtype and strides; standardised per fold with the training folds' mean and std.\n" \
  "labels : array_like of int, shape (tokens,)\n"                                                   \
  "    Classes in [0, classes).\n"                                                                  \
  "classes : int\n"                                                                                 \
  "    >= 2.\n"                                                                                     \
  "kind : {'mlp', 'logistic', 'ridge', 'mlp_minibatch'}, default 'mlp'\n"                           \
  "    The paper's one-hidden-layer ReLU MLP (full-batch Adam), multinomial logistic regression\n"  \
  "    (Nesterov), sklearn's RidgeClassifier with alpha = 1 (closed form; l2 and iterations\n"      \
  "    unused), or the MLP's objective by mini-batch Adam in float with MLPClassifier's stopping\n" \
  "    rule (for wide layers and many tokens; iterations unused).\n"                                \
  "folds : int, default 5\n"                                                                        \
  "    In [2, tokens]; a seeded Philox permutation of tokens dealt round-robin.\n"                  \
  "l2 : float, default 1e-4\n"                                                                      \
  "    Penalty (l2 / 2) ||W||^2 on weights, not biases.\n"                                          \
  "iterations : int, default 300\n"                                                                 \
  "    Full-batch optimiser steps.\n"                                                               \
  "hidden : int, default 128\n"                                                                     \
  "    MLP hidden units.\n"                                                                         \
  "learning_rate : float, default 0.01\n"                                                           \
  "    Adam step of the MLP.\n"                                                                     \
  "seed : int, default 0\n"                                                                         \
  "projection : int, default 0\n"                                                                   \
  "    Fit on the top `projection` principal components of the standardised features (0: all).\n"   \
  "batch : int, default 200\n"                                                                      \
  "    mlp_minibatch: tokens per Adam step.\n"                                                      \
  "max_epochs : int, default 20\n"                                                                  \
  "    mlp_minibatch: most passes over the training folds.\n"

template <class F>
auto with_features(const array_in& features, const int_array_in& labels, const char* function, F&& f) {
  const matrix_input in = as_strict_matrix(features, function, "features", "[tokens, features]");
  const std::vector<int> y = to_labels(labels, function, "labels");
  nb::gil_scoped_release release;
  return visit_dtype(in, "features", [&](auto v) { return f(v, y); });
}

constexpr const char* evidence_doc =
    "Per-layer, per-task, per-sequence confusion matrices of out-of-fold probe predictions (the S2\n"
    "evidence of detect_boundaries). On weight set k, P(l) is the mean over tasks of the macro-F1\n"
    "of the weighted summed confusion matrix, and S2 follows eq. (4).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "sequence_lengths : sequence of int\n"
    "plan : ResamplingPlan\n";

}  // namespace

void bind_probes(nb::module_& m) {
  m.def(
      "confusion_matrix",
      [](const int_array_in& labels, const int_array_in& predicted, int classes) {
        return confusion_matrix(to_labels(labels, "confusion_matrix", "labels"),
                                to_labels(predicted, "confusion_matrix", "predicted"), classes);
      },
      "labels"_a, "predicted"_a, "classes"_a,
      "Confusion matrix C[true, predicted] (float64, classes x classes).\n");
  m.def(
      "macro_f1",
      [](const int_array_in& labels, const int_array_in& predicted, int classes) {
        return macro_f1(to_labels(labels, "macro_f1", "labels"),
                        to_labels(predicted, "macro_f1", "predicted"), classes);
      },
      "labels"_a, "predicted"_a, "classes"_a,
      "Macro-F1 as ``sklearn.metrics.f1_score(labels, predicted, average='macro')``: the mean of\n"
      "2 TP / (2 TP + FP + FN) over the classes present in labels or predictions.\n\n"
      "Returns\n-------\nfloat\n");
  m.def(
      "macro_f1_from_confusion", [](const Eigen::MatrixXd& confusion) { return macro_f1(confusion); },
      "confusion"_a, "Macro-F1 of a (possibly weighted) confusion matrix.\n\nReturns\n-------\nfloat\n");
  m.def(
      "fold_assignment",
      [](std::size_t tokens, std::size_t folds, std::uint64_t seed) {
        const auto f = fold_assignment(tokens, folds, seed);
        return owned_array(std::vector<std::int64_t>(f.begin(), f.end()), {f.size()});
      },
      "tokens"_a, "folds"_a, "seed"_a = 0,
      "Fold of each token: a seeded permutation dealt round-robin into `folds` folds.\n\n"
      "Returns\n-------\nnumpy.ndarray of int64, shape (tokens,)\n");
  m.def(
      "cross_validated_predictions",
      [](const array_in& features, const int_array_in& labels, int classes, const std::string& kind,
         std::size_t folds, double l2, std::size_t iterations, std::size_t hidden, double learning_rate,
         std::uint64_t seed, std::size_t projection, std::size_t batch, std::size_t max_epochs) {
        const auto o = make_options(kind, folds, l2, iterations, hidden, learning_rate, seed, projection,
                                    batch, max_epochs);
        auto predicted = with_features(
            features, labels, "cross_validated_predictions", [&](auto v, const std::vector<int>& y) {
              return cross_validated_predictions(v, std::span<const int>(y), classes, o);
            });
        const std::size_t n = predicted.size();
        return owned_array(std::vector<std::int64_t>(predicted.begin(), predicted.end()), {n});
      },
      "features"_a, "labels"_a, "classes"_a, nb::kw_only(), "kind"_a = "mlp", "folds"_a = 5, "l2"_a = 1e-4,
      "iterations"_a = 300, "hidden"_a = 128, "learning_rate"_a = 1e-2, "seed"_a = 0, "projection"_a = 0,
      "batch"_a = 200, "max_epochs"_a = 20,
      "Out-of-fold predicted class of every token (sklearn's cross_val_predict).\n\n"
      "Parameters\n----------\n" INFOSCALE_PROBE_PARAMS
      "\nReturns\n-------\nnumpy.ndarray of int64, shape (tokens,)\n");
  m.def(
      "probe_score",
      [](const array_in& features, const int_array_in& labels, int classes, const std::string& kind,
         std::size_t folds, double l2, std::size_t iterations, std::size_t hidden, double learning_rate,
         std::uint64_t seed, std::size_t projection, std::size_t batch, std::size_t max_epochs) {
        const auto o = make_options(kind, folds, l2, iterations, hidden, learning_rate, seed, projection,
                                    batch, max_epochs);
        return with_features(features, labels, "probe_score", [&](auto v, const std::vector<int>& y) {
          return probe_score(v, std::span<const int>(y), classes, o);
        });
      },
      "features"_a, "labels"_a, "classes"_a, nb::kw_only(), "kind"_a = "mlp", "folds"_a = 5, "l2"_a = 1e-4,
      "iterations"_a = 300, "hidden"_a = 128, "learning_rate"_a = 1e-2, "seed"_a = 0, "projection"_a = 0,
      "batch"_a = 200, "max_epochs"_a = 20,
      "Probe accuracy P(l): k-fold cross-validated macro-F1 of a probe on one layer.\n\n"
      "Parameters\n----------\n" INFOSCALE_PROBE_PARAMS "\nReturns\n-------\nfloat\n");
  m.def(
      "probe_jumps", [](const std::vector<double>& scores) { return owned_vector(probe_jumps(scores)); },
      "scores"_a,
      "Probe jumps S2(l) = |P(l+1) - P(l)| / P(l), multi-scale paper eq. (4).\n\n"
      "Returns\n-------\nnumpy.ndarray of float64, shape (len(scores) - 1,)\n");

  nb::class_<probe_evidence>(m, "ProbeEvidence", evidence_doc)
      .def(nb::init<std::vector<std::size_t>, const resampling_plan&>(), "sequence_lengths"_a, "plan"_a)
      .def(
          "add_layer",
          [](probe_evidence& self, const std::vector<int_array_in>& labels,
             const std::vector<int_array_in>& predicted, const std::vector<int>& classes) {
            std::vector<std::vector<int>> y, p;
            for (const auto& a : labels) y.push_back(to_labels(a, "probe_evidence::add_layer", "labels"));
            for (const auto& a : predicted)
              p.push_back(to_labels(a, "probe_evidence::add_layer", "predicted"));
            nb::gil_scoped_release release;
            self.add_layer(y, p, classes);
          },
          "labels"_a, "predicted"_a, "classes"_a,
          "Adds one layer: per probing task, the token labels and the out-of-fold predictions.\n\n"
          "Parameters\n----------\nlabels, predicted : list of int arrays, each shape (tokens,)\n"
          "classes : list of int\n    One entry per task.\n")
      .def_prop_ro("layers", &probe_evidence::layers)
      .def_prop_ro("plan", &probe_evidence::plan)
      .def(
          "scores",
          [](const probe_evidence& self, std::size_t set) { return owned_vector(self.scores(set)); },
          "set"_a = 0, "P(l) on weight set `set`.\n")
      .def(
          "signal",
          [](const probe_evidence& self, std::size_t set) { return owned_vector(self.signal(set)); },
          "set"_a = 0, "S2 on weight set `set`.\n");
}

}  // namespace infoscale::python

// layers/: centred kernel alignment between layer representations (Kornblith et al. 2019), the
// streaming accumulator, the layer x layer matrix and S1 = 1 / CKA (multi-scale paper eq. (3)).
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "infoscale/layers/cka.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// Two activation matrices of one dtype, checked, then f(view_x, view_y) without the GIL.
template <class F>
auto with_pair(const array_in& x, const array_in& y, const char* function, F&& f) {
  const matrix_input in_x = as_strict_matrix(x, function, "x", "[tokens, features]");
  const matrix_input in_y = as_strict_matrix(y, function, "y", "[tokens, features]");
  require_same_dtype(in_x, in_y, function, "x", "y");
  nb::gil_scoped_release release;
  return visit_dtype(in_x, "x", [&](auto vx) {
    using t = std::remove_const_t<typename decltype(vx)::element_type>;
    return f(vx, view_as<t>(in_y, "y"));
  });
}

/// One activation matrix, then f(view) without the GIL.
template <class F>
auto with_matrix(const array_in& x, const char* function, const char* name, F&& f) {
  const matrix_input in = as_strict_matrix(x, function, name, "[tokens, features]");
  nb::gil_scoped_release release;
  return visit_dtype(in, name, [&](auto v) { return f(v); });
}

/// A stack [layers, tokens, features], then f(view) without the GIL.
template <class F>
auto with_stack(const array_in& stack, const char* function, F&& f) {
  const tensor_input<3> in = as_tensor<3>(stack, function, "stack", "[layers, tokens, features]");
  nb::gil_scoped_release release;
  return visit_type(in.type, [&](auto tag) {
    using t = typename decltype(tag)::type;
    return f(typed_view<t>(in, "stack"));
  });
}

#define INFOSCALE_PAIR_PARAMS                                                                          \
  "Parameters\n"                                                                                       \
  "----------\n"                                                                                       \
  "x, y : array_like, shape (tokens, features_x) and (tokens, features_y)\n"                           \
  "    Activations of the same tokens in two layers (numpy, torch CPU, any DLPack producer), of one\n" \
  "    dtype among float16, bfloat16, float32, float64; read in place whatever the strides.\n"

#define INFOSCALE_RAISES_ACTIVATIONS                                                            \
  "\n"                                                                                          \
  "Raises\n"                                                                                    \
  "------\n"                                                                                    \
  "ValueError\n"                                                                                \
  "    (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer\n" \
  "    (no variance after centring), or arrays that are not 2-D.\n"

constexpr const char* linear_cka_doc =
    "Linear CKA ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) on column-centred X, Y.\n"
    "\n"
    "Kornblith et al. (2019), eq. (5) in feature space: HSIC with the linear kernel and centring,\n"
    "normalised. In [0, 1]; 1 when Y = X Q s for an orthogonal Q and s > 0.\n"
    "\n" INFOSCALE_PAIR_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "float\n" INFOSCALE_RAISES_ACTIVATIONS;

constexpr const char* debiased_doc =
    "Debiased linear CKA from the unbiased HSIC estimator (Song et al. 2012, Kornblith's U-centring).\n"
    "\n"
    "Equals Kornblith's ``feature_space_linear_cka(x, y, debiased=True)``; may be negative, never NaN.\n"
    "Needs at least 4 tokens.\n"
    "\n" INFOSCALE_PAIR_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "float\n" INFOSCALE_RAISES_ACTIVATIONS;

constexpr const char* rbf_doc =
    "RBF CKA with bandwidth sqrt(threshold^2 * median squared distance) (Kornblith's gram_rbf).\n"
    "\n" INFOSCALE_PAIR_PARAMS
    "threshold : float, default 1.0\n"
    "    Multiplies the median-distance bandwidth; > 0.\n"
    "debiased : bool, default False\n"
    "    Use the unbiased HSIC (U-centring) instead of H K H.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "float\n" INFOSCALE_RAISES_ACTIVATIONS;

constexpr const char* cka_matrix_doc =
    "The layer x layer linear CKA matrix of a stack (symmetric, unit diagonal).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "stack : array_like, shape (layers, tokens, features)\n"
    "    Any float dtype, any strides.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (layers, layers)\n" INFOSCALE_RAISES_ACTIVATIONS;

constexpr const char* representation_change_doc =
    "S1(l) = 1 / linear CKA(h_l, h_l+1) for each adjacent pair, multi-scale paper eq. (3).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "stack : array_like, shape (layers, tokens, features)\n"
    "    At least 2 layers.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (layers - 1,)\n"
    "    +inf where two layers are orthogonal (CKA = 0).\n" INFOSCALE_RAISES_ACTIVATIONS;

constexpr const char* accumulator_doc =
    "Streaming (minibatch) linear CKA over token batches.\n"
    "\n"
    "Keeps only sufficient statistics in float64 (token count, shifted sums, X^T X, Y^T Y, X^T Y), so\n"
    "activations can be fed batch by batch; the result equals linear_cka on the concatenated\n"
    "batches up to rounding. Memory: (features_x + features_y)^2 doubles.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "features_x, features_y : int\n"
    "    Widths of the two layers (> 0).\n";

constexpr const char* evidence_doc =
    "Linear CKA of adjacent layers on every weight set of a resampling plan (the S1 evidence of\n"
    "detect_boundaries).\n"
    "\n"
    "Layers are added one at a time (each [tokens, features], the same tokens in the same order);\n"
    "per layer it keeps the centred token Gram (tokens x tokens, two held at once) and per-sequence\n"
    "sums, from which every bootstrap resample's CKA follows without touching the activations again.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "sequence_lengths : sequence of int\n"
    "    Tokens per sequence (> 0 each), in the order the tokens are stacked.\n"
    "plan : ResamplingPlan\n"
    "    One weight set per resample; plan.sequences must equal len(sequence_lengths).\n";

}  // namespace

void bind_cka(nb::module_& m) {
  m.def(
      "gemm_backend", [] { return detail::gemm_backend(); },
      "The GEMM behind CKA and the token Grams: 'OpenBLAS' (run-time CPU dispatch, one thread per\n"
      "fixed block of 128 output columns, so results do not depend on the thread count) or 'Eigen'.");
  m.def(
      "linear_cka",
      [](const array_in& x, const array_in& y) {
        return with_pair(x, y, "linear_cka", [](auto vx, auto vy) { return linear_cka(vx, vy); });
      },
      "x"_a, "y"_a, linear_cka_doc);
  m.def(
      "debiased_linear_cka",
      [](const array_in& x, const array_in& y) {
        return with_pair(x, y, "debiased_linear_cka",
                         [](auto vx, auto vy) { return debiased_linear_cka(vx, vy); });
      },
      "x"_a, "y"_a, debiased_doc);
  m.def(
      "rbf_cka",
      [](const array_in& x, const array_in& y, double threshold, bool debiased) {
        return with_pair(x, y, "rbf_cka",
                         [&](auto vx, auto vy) { return rbf_cka(vx, vy, threshold, debiased); });
      },
      "x"_a, "y"_a, "threshold"_a = 1.0, "debiased"_a = false, rbf_doc);
  m.def(
      "gram_linear",
      [](const array_in& x) {
        return with_matrix(x, "gram_linear", "x", [](auto v) { return gram_linear(v); });
      },
      "x"_a,
      "Linear-kernel Gram matrix X X^T (Kornblith's gram_linear), float64 (tokens, tokens).\n\n"
      "Parameters\n----------\nx : array_like, shape (tokens, features)\n\n"
      "Returns\n-------\nnumpy.ndarray of float64, shape (tokens, tokens)\n");
  m.def(
      "gram_rbf",
      [](const array_in& x, double threshold) {
        return with_matrix(x, "gram_rbf", "x", [&](auto v) { return gram_rbf(v, threshold); });
      },
      "x"_a, "threshold"_a = 1.0,
      "RBF Gram matrix exp(-|xi - xj|^2 / (2 threshold^2 median)) (Kornblith's gram_rbf).\n\n"
      "The median is over the full tokens x tokens matrix of squared distances, zero diagonal\n"
      "included, as in Kornblith's code.\n\n"
      "Parameters\n----------\nx : array_like, shape (tokens, features)\nthreshold : float, default 1.0\n\n"
      "Returns\n-------\nnumpy.ndarray of float64, shape (tokens, tokens)\n\n"
      "Raises\n------\nValueError\n    On NaN/Inf, threshold <= 0 or constant rows (median distance 0).\n");
  m.def(
      "centre_gram",
      [](const Eigen::MatrixXd& gram, bool unbiased) {
        nb::gil_scoped_release release;
        return centre_gram(gram, unbiased);
      },
      "gram"_a, "unbiased"_a = false,
      "Centres a Gram matrix: H K H, or Kornblith's U-centring (unbiased=True).\n\n"
      "With U-centring, <U(K), U(L)> / (n (n - 3)) is the unbiased HSIC of Song et al. (2012).\n\n"
      "Parameters\n----------\ngram : array_like, shape (n, n)\n    Copied into float64.\n"
      "unbiased : bool, default False\n    Needs n >= 4.\n\n"
      "Returns\n-------\nnumpy.ndarray of float64, shape (n, n)\n");
  m.def(
      "cka_from_grams",
      [](const Eigen::MatrixXd& kx, const Eigen::MatrixXd& ky, bool debiased) {
        nb::gil_scoped_release release;
        return cka_from_grams(kx, ky, debiased);
      },
      "kx"_a, "ky"_a, "debiased"_a = false,
      "CKA from two Gram matrices (Kornblith's cka(gram_x, gram_y, debiased)).\n\n"
      "Parameters\n----------\nkx, ky : array_like, shape (n, n)\n    Copied into float64.\n"
      "debiased : bool, default False\n\n"
      "Returns\n-------\nfloat\n\n"
      "Raises\n------\nValueError\n    On different shapes, NaN/Inf or a constant representation.\n");
  m.def(
      "cka_matrix",
      [](const array_in& stack) {
        return with_stack(stack, "cka_matrix", [](auto v) { return cka_matrix(v); });
      },
      "stack"_a, cka_matrix_doc);
  m.def(
      "representation_change",
      [](const array_in& stack) {
        return owned_vector(
            with_stack(stack, "representation_change", [](auto v) { return representation_change(v); }));
      },
      "stack"_a, representation_change_doc);

  nb::class_<linear_cka_accumulator>(m, "LinearCKAAccumulator", accumulator_doc)
      .def(nb::init<std::size_t, std::size_t>(), "features_x"_a, "features_y"_a)
      .def(
          "add",
          [](linear_cka_accumulator& self, const array_in& x, const array_in& y) {
            with_pair(x, y, "linear_cka_accumulator::add", [&](auto vx, auto vy) {
              self.add(vx, vy);
              return 0;
            });
          },
          "x"_a, "y"_a,
          "Adds a batch of the same tokens seen by both layers.\n\n"
          "Parameters\n----------\nx : array_like, shape (batch, features_x)\ny : array_like, shape (batch, "
          "features_y)\n    Same dtype as x.\n")
      .def("value", &linear_cka_accumulator::value,
           "Linear CKA of every token added so far.\n\nReturns\n-------\nfloat\n\n"
           "Raises\n------\nValueError\n    With fewer than 2 tokens or a constant layer.\n")
      .def_prop_ro("tokens", &linear_cka_accumulator::tokens, "Tokens added so far.");

  nb::class_<cka_evidence>(m, "CKAEvidence", evidence_doc)
      .def(nb::init<std::vector<std::size_t>, const resampling_plan&>(), "sequence_lengths"_a, "plan"_a)
      .def(
          "add_layer",
          [](cka_evidence& self, const array_in& layer, const std::string& policy) {
            const matrix_input in =
                as_strict_matrix(layer, "cka_evidence::add_layer", "layer", "[tokens, features]");
            nb::gil_scoped_release release;
            visit_policy(policy, "cka_evidence::add_layer", [&](auto pol) {
              visit_dtype(in, "layer", [&](auto v) {
                self.add_layer(pol, v);
                return 0;
              });
              return 0;
            });
          },
          "layer"_a, nb::kw_only(), "policy"_a = "par",
          "Adds the next layer.\n\n"
          "Parameters\n----------\nlayer : array_like, shape (tokens, features)\n"
          "    Any float dtype and strides, read in place (widened to float64 "
          "internally).\n" INFOSCALE_RAISES_ACTIVATIONS)
      .def_prop_ro("layers", &cka_evidence::layers, "Layers added so far.")
      .def_prop_ro("plan", &cka_evidence::plan, "The resampling plan.")
      .def("cka", &cka_evidence::cka, "pair"_a, "set"_a = 0,
           "Linear CKA of layers (pair, pair + 1) on weight set `set` (0: the full sample).\n\n"
           "Returns\n-------\nfloat\n")
      .def(
          "signal", [](const cka_evidence& self, std::size_t set) { return owned_vector(self.signal(set)); },
          "set"_a = 0,
          "S1 = 1 / CKA of every adjacent pair on weight set `set`.\n\n"
          "Returns\n-------\nnumpy.ndarray of float64, shape (layers - 1,)\n");
}

}  // namespace infoscale::python

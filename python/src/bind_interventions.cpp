// layers/: interventions and their read-outs — seeded activation noise in place (multi-scale paper
// eq. (7)), the brittleness coefficient, Fisher traces (MS A.5 eq. (30), model and empirical), relative
// boundary positions and the cross-model coefficient of variation (§4.3).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "bindings.hpp"
#include "infoscale/layers/cross_model.hpp"
#include "infoscale/layers/fisher.hpp"
#include "infoscale/layers/intervention.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// A writable host array (numpy, torch CPU): noise is added in place.
using mutable_array = nb::ndarray<nb::device::cpu>;

/// The writable view of rank `Rank` over the array's memory, typed by its dtype, passed to f.
template <std::size_t Rank, class F>
void with_mutable(const mutable_array& a, dtype type, std::string_view name, F&& f) {
  std::array<std::size_t, Rank> shape{};
  std::array<std::ptrdiff_t, Rank> strides{};
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    shape[axis] = a.shape(axis);
    strides[axis] = static_cast<std::ptrdiff_t>(a.stride(axis));
  }
  visit_type(type, [&](auto tag) {
    using t = typename decltype(tag)::type;
    f(make_view(static_cast<t*>(a.data()), shape, strides, name));
    return 0;
  });
}

constexpr const char* noise_doc =
    "Adds N(0, (sigma * std(h))^2) noise to every element of h, in place; multi-scale paper eq. (7).\n"
    "\n"
    "std(h) is the population standard deviation of the whole array (pass one layer to scale per\n"
    "layer). The noise of element i (row-major flat index) is draw i of the counter-based stream\n"
    "(seed, stream), so 'seq' and 'par' write identical values.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "h : numpy.ndarray or torch CPU tensor, 1-D to 3-D, writable\n"
    "    float16, bfloat16, float32 or float64; any strides; modified in place.\n"
    "sigma : float\n"
    "    Relative noise level, finite and >= 0.\n"
    "seed : int\n"
    "stream : int, default 0\n"
    "reference_std : float, optional\n"
    "    The activation std that sigma multiplies, measured elsewhere (e.g. the layer's std over an\n"
    "    unperturbed run); default: std(h) of this array.\n" INFOSCALE_POLICY_DOC
    "\n"
    "Returns\n"
    "-------\n"
    "float\n"
    "    The noise standard deviation used, sigma * std(h) (or sigma * reference_std).\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On an empty or non-finite h, or a negative or non-finite sigma.\n";

constexpr const char* perturb_doc =
    "Perturbs the given layers of a stack in place, each with its own std (layer l uses Philox\n"
    "stream l): eq. (7) 'for all l in T_s'.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "stack : numpy.ndarray or torch CPU tensor, shape (layers, tokens, features), writable\n"
    "layers : sequence of int\n"
    "    The layers of one scale.\n"
    "sigma : float\n"
    "seed : int\n" INFOSCALE_POLICY_DOC;

}  // namespace

void bind_interventions(nb::module_& m) {
  m.def(
      "add_gaussian_noise",
      [](const mutable_array& h, double sigma, std::uint64_t seed, std::uint64_t stream,
         std::optional<double> reference_std, const std::string& policy) {
        constexpr const char* function = "add_gaussian_noise";
        const dtype type = host_dtype(h, function, "h");
        double used = 0.0;
        nb::gil_scoped_release release;
        visit_policy(policy, function, [&](auto pol) {
          const auto apply = [&](auto view) {
            used = reference_std ? add_gaussian_noise_scaled(pol, view, sigma, *reference_std, seed, stream)
                                 : add_gaussian_noise(pol, view, sigma, seed, stream);
          };
          switch (h.ndim()) {
            case 1:
              with_mutable<1>(h, type, "h", apply);
              break;
            case 2:
              with_mutable<2>(h, type, "h", apply);
              break;
            case 3:
              with_mutable<3>(h, type, "h", apply);
              break;
            default:
              detail::raise(function, "h", "must have 1 to 3 dimensions, got " + std::to_string(h.ndim()));
          }
          return 0;
        });
        return used;
      },
      "h"_a, "sigma"_a, "seed"_a, "stream"_a = 0, nb::kw_only(), "reference_std"_a = nb::none(),
      "policy"_a = "par", noise_doc);

  m.def(
      "add_gaussian_noise_per_sample",
      [](const mutable_array& h, double sigma, std::uint64_t seed, const std::vector<std::uint64_t>& streams,
         std::optional<double> reference_std, const std::string& policy) {
        constexpr const char* function = "add_gaussian_noise_per_sample";
        const dtype type = host_dtype(h, function, "h");
        if (h.ndim() != 3)
          detail::raise(
              function, "h",
              "must be 3-D [samples, positions, features], got " + std::to_string(h.ndim()) + " dimensions");
        std::vector<double> used;
        nb::gil_scoped_release release;
        visit_policy(policy, function, [&](auto pol) {
          with_mutable<3>(h, type, "h", [&](auto view) {
            used = add_gaussian_noise_per_sample(pol, view, sigma, seed, streams, reference_std);
          });
          return 0;
        });
        return used;
      },
      "h"_a, "sigma"_a, "seed"_a, "streams"_a, nb::kw_only(), "reference_std"_a = nb::none(),
      "policy"_a = "par",
      "add_gaussian_noise on every h[b] of a batch in one call, slice b with stream streams[b]\n"
      "(the same draws as one call per slice); returns each slice's noise std. Experiment 2's hooks use\n"
      "it so a batched generate() pays one call per layer and step, not one per sample.");

  m.def(
      "perturb_layers",
      [](const mutable_array& stack, const std::vector<std::size_t>& layers, double sigma, std::uint64_t seed,
         const std::string& policy) {
        constexpr const char* function = "perturb_layers";
        const dtype type = host_dtype(stack, function, "stack");
        if (stack.ndim() != 3)
          detail::raise(
              function, "stack",
              "must be 3-D [layers, tokens, features], got " + std::to_string(stack.ndim()) + " dimensions");
        nb::gil_scoped_release release;
        visit_policy(policy, function, [&](auto pol) {
          with_mutable<3>(stack, type, "stack",
                          [&](auto view) { perturb_layers(pol, view, layers, sigma, seed); });
          return 0;
        });
      },
      "stack"_a, "layers"_a, "sigma"_a, "seed"_a, nb::kw_only(), "policy"_a = "par", perturb_doc);

  m.def("brittleness", &brittleness, "baseline"_a, "perturbed"_a, "sigma"_a,
        "Brittleness coefficient gamma = (perturbed - baseline) / sigma (§3.3.2, Tier 3).\n\n"
        "Returns\n-------\nfloat\n\nRaises\n------\nValueError\n    On sigma <= 0 or a non-finite metric.\n");

  m.def(
      "empirical_fisher_trace",
      [](const array_in& gradients) {
        const matrix_input in =
            as_strict_matrix(gradients, "empirical_fisher_trace", "gradients", "[samples, dim]");
        nb::gil_scoped_release release;
        return visit_dtype(in, "gradients", [](auto v) { return empirical_fisher_trace(v); });
      },
      "gradients"_a,
      "Empirical Fisher trace (1/N) sum_i ||g_i||^2 from per-sample gradients of log p at the observed\n"
      "labels w.r.t. a layer's activations (MS A.5). Not the model Fisher of eq. (30) unless the labels\n"
      "were sampled from the model.\n\n"
      "Parameters\n----------\ngradients : array_like, shape (samples, dim)\n\nReturns\n-------\nfloat\n");
  m.def(
      "empirical_fisher_trace_hutchinson",
      [](const array_in& gradients, std::size_t probes, std::uint64_t seed) {
        const matrix_input in =
            as_strict_matrix(gradients, "empirical_fisher_trace_hutchinson", "gradients", "[samples, dim]");
        nb::gil_scoped_release release;
        return visit_dtype(in, "gradients",
                           [&](auto v) { return empirical_fisher_trace_hutchinson(v, probes, seed); });
      },
      "gradients"_a, "probes"_a, "seed"_a = 0,
      "Hutchinson's estimate (1/m) sum_k ||G v_k||^2 / N of the empirical Fisher trace with Rademacher\n"
      "v_k (seeded).\n\nReturns\n-------\nfloat\n");
  m.def(
      "model_fisher_trace",
      [](const array_in& class_gradients, const array_in& probabilities) {
        const auto g =
            as_tensor<3>(class_gradients, "model_fisher_trace", "class_gradients", "[samples, classes, dim]");
        const matrix_input p =
            as_strict_matrix(probabilities, "model_fisher_trace", "probabilities", "[samples, classes]");
        nb::gil_scoped_release release;
        return visit_type(g.type, [&](auto tag) {
          using t = typename decltype(tag)::type;
          return visit_dtype(p, "probabilities", [&](auto pv) {
            return model_fisher_trace(typed_view<t>(g, "class_gradients"), pv);
          });
        });
      },
      "class_gradients"_a, "probabilities"_a,
      "Model Fisher trace, the F of MS eq. (30): (1/N) sum_i sum_y p_i(y) ||g_{i,y}||^2 from the\n"
      "gradients of log p(y | h_i) for every class y and the model's own probabilities p_i.\n\n"
      "Parameters\n----------\nclass_gradients : array_like, shape (samples, classes, dim)\n"
      "probabilities : array_like, shape (samples, classes)\n    Rows sum to 1.\n\n"
      "Returns\n-------\nfloat\n");
  m.def("noise_sensitivity", &noise_sensitivity, "model_fisher_trace_sum"_a,
        "dJ/d(sigma^2) = 1/2 sum_l tr F^(l) with F the model Fisher, MS eq. (30).\n\nReturns\n-------\n"
        "float\n");

  m.def("relative_position", &relative_position, "layer"_a, "total_layers"_a,
        "Relative boundary position rho = layer / total_layers (the paper's Table 1 'Rel.').\n\n"
        "Returns\n-------\nfloat\n");
  m.def(
      "coefficient_of_variation",
      [](const std::vector<double>& values) { return coefficient_of_variation(values); }, "values"_a,
      "Population standard deviation (ddof = 0) over |mean|, as the paper's Table 3.\n\n"
      "Returns\n-------\nfloat\n\nRaises\n------\nValueError\n    On no values, a non-finite value or mean "
      "0.\n");
}

}  // namespace infoscale::python

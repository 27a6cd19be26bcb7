// manifold/: the checker for Conjecture 6.4 of Yang (arXiv 2407.21092, §6) from Python, over a
// Python function on R^d of any dimension (a decoder's phase space (R^N)^n: infoscale.thermo_study)
// and over the random-word proxies on the Boltzmann manifold types (docs/convexity.md).
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "infoscale/manifold.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// A checker report with its counterexamples' points as float64 vectors, whatever the manifold.
struct convexity_result {
  std::size_t midpoint_tests = 0, hessian_tests = 0, midpoint_violations = 0, hessian_violations = 0;
  std::size_t midpoint_concavity_violations = 0, hessian_concavity_violations = 0;
  double worst_midpoint_gap = 0.0, most_negative_curvature = 0.0, most_positive_curvature = 0.0;
  std::vector<std::tuple<Eigen::VectorXd, Eigen::VectorXd, double>> midpoint_examples, hessian_examples;
};

template <class M>
convexity_result to_result(const convexity_report<M>& r) {
  convexity_result out{r.midpoint_tests,
                       r.hessian_tests,
                       r.midpoint_violations,
                       r.hessian_violations,
                       r.midpoint_concavity_violations,
                       r.hessian_concavity_violations,
                       r.worst_midpoint_gap,
                       r.most_negative_curvature,
                       r.most_positive_curvature,
                       {},
                       {}};
  for (const auto& v : r.midpoint_examples) out.midpoint_examples.emplace_back(v.a, v.b, v.gap);
  for (const auto& v : r.hessian_examples) out.hessian_examples.emplace_back(v.a, v.b, v.gap);
  return out;
}

convexity_options options_of(std::size_t segments, std::size_t hessian_points, double scale, double step,
                             double tolerance, std::size_t keep_examples, std::uint64_t seed,
                             std::uint64_t stream) {
  return {segments, hessian_points, scale, step, tolerance, keep_examples, seed, stream};
}

template <class M>
convexity_result proxy(std::size_t words, double temperature, const convexity_options& o) {
  return to_result(check_entropy_convexity<M>(words, temperature, o));
}

}  // namespace

void bind_manifold(nb::module_& m) {
  nb::module_ g = m.def_submodule(
      "manifold",
      "Boltzmann manifolds and the checker for Conjecture 6.4 of Yang (arXiv 2407.21092): 'the entropy\n"
      "function for a LLM is convex on the phase space (R^N)^n'. The checker samples geodesic segments\n"
      "(midpoint test f(mid) <= (f(a) + f(b))/2) and points with unit directions (central second\n"
      "difference >= 0), and counts violations beyond `tolerance` (plus the second difference's rounding).");

  nb::class_<convexity_result>(g, "ConvexityReport",
                               "Counts, extremes and counterexamples of a convexity check.")
      .def_ro("midpoint_tests", &convexity_result::midpoint_tests)
      .def_ro("hessian_tests", &convexity_result::hessian_tests)
      .def_ro("midpoint_violations", &convexity_result::midpoint_violations)
      .def_ro("hessian_violations", &convexity_result::hessian_violations)
      .def_ro("midpoint_concavity_violations", &convexity_result::midpoint_concavity_violations)
      .def_ro("hessian_concavity_violations", &convexity_result::hessian_concavity_violations)
      .def_ro("worst_midpoint_gap", &convexity_result::worst_midpoint_gap, "max of f(mid) - (f(a) + f(b))/2")
      .def_ro("most_negative_curvature", &convexity_result::most_negative_curvature)
      .def_ro("most_positive_curvature", &convexity_result::most_positive_curvature)
      .def_ro("midpoint_examples", &convexity_result::midpoint_examples, "[(a, b, gap)]")
      .def_ro("hessian_examples", &convexity_result::hessian_examples, "[(x, unit direction, -curvature)]")
      .def_prop_ro("convexity_refuted",
                   [](const convexity_result& r) { return r.midpoint_violations + r.hessian_violations > 0; })
      .def_prop_ro("concavity_refuted", [](const convexity_result& r) {
        return r.midpoint_concavity_violations + r.hessian_concavity_violations > 0;
      });

  g.def(
      "check_convexity",
      [](nb::callable f, std::size_t dimension, std::size_t segments, std::size_t hessian_points,
         double scale, double step, double tolerance, std::size_t keep_examples, std::uint64_t seed,
         std::uint64_t stream) {
        const auto o =
            options_of(segments, hessian_points, scale, step, tolerance, keep_examples, seed, stream);
        const auto call = [&](const Eigen::VectorXd& x) {
          const double y = nb::cast<double>(f(x));
          if (!std::isfinite(y)) detail::raise("check_convexity", "f", "returned a non-finite value");
          return y;
        };
        return to_result(check_convexity(euclidean_space(dimension), call, o));
      },
      "f"_a, "dimension"_a, "segments"_a = 200, "hessian_points"_a = 200, "scale"_a = 2.0, "step"_a = 1e-3,
      "tolerance"_a = 1e-7, "keep_examples"_a = 3, "seed"_a = 0, "stream"_a = 0,
      "Geodesic convexity of f: R^dimension -> R (a Python callable on float64 vectors) at points\n"
      "N(0, scale^2 I) (shift inside f to centre elsewhere), straight segments, step h of the second\n"
      "difference. The draws are those of the C++ euclidean<dimension> checker with the same seed.");
  g.def(
      "check_entropy_convexity",
      [](const std::string& manifold, std::size_t words, double temperature, std::size_t segments,
         std::size_t hessian_points, double scale, double step, double tolerance, std::size_t keep_examples,
         std::uint64_t seed, std::uint64_t stream) {
        const auto o =
            options_of(segments, hessian_points, scale, step, tolerance, keep_examples, seed, stream);
        if (manifold == "R^8") return proxy<euclidean<8>>(words, temperature, o);
        if (manifold == "(R^4)^2") return proxy<product<euclidean<4>, euclidean<4>>>(words, temperature, o);
        if (manifold == "S^3") return proxy<sphere<3>>(words, temperature, o);
        if (manifold == "(S^1)^4") return proxy<torus<4>>(words, temperature, o);
        if (manifold == "R^4 x S^3") return proxy<product<euclidean<4>, sphere<3>>>(words, temperature, o);
        detail::raise("check_entropy_convexity", "manifold",
                      "is '" + manifold + "'; one of R^8, (R^4)^2, S^3, (S^1)^4, R^4 x S^3");
      },
      "manifold"_a, "words"_a, "temperature"_a, "segments"_a = 200, "hessian_points"_a = 200, "scale"_a = 2.0,
      "step"_a = 1e-3, "tolerance"_a = 1e-7, "keep_examples"_a = 3, "seed"_a = 0, "stream"_a = 0,
      "The proxies of docs/convexity.md: the entropy of P(w|x) = softmax(<x, e_w>/T) over `words` random\n"
      "word points of the manifold, checked by the same tests.");
}

}  // namespace infoscale::python

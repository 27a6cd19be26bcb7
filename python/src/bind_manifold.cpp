// manifold/: the checker for Conjecture 6.4 of Yang (arXiv 2407.21092, §6) from Python, over a
// Python function on R^d of any dimension (a decoder's phase space (R^N)^n: infoscale.thermo_study)
// and over the random-word proxies on the Boltzmann manifold types (docs/convexity.md). The checker
// holds the GIL while it calls a Python function and releases it for the C++ proxies.
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "infoscale/manifold.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// Counterexamples of one kind as arrays: rows are examples, columns the point's coordinates.
struct convexity_examples {
  array_out a, b, gap;
};

/// A checker report with its counterexamples as float64 arrays, whatever the manifold.
struct convexity_result {
  std::size_t midpoint_tests = 0, hessian_tests = 0, midpoint_violations = 0, hessian_violations = 0;
  std::size_t midpoint_concavity_violations = 0, hessian_concavity_violations = 0;
  double worst_midpoint_gap = 0.0, most_negative_curvature = 0.0, most_positive_curvature = 0.0;
  convexity_examples midpoint_examples, hessian_examples;
};

/// Plain numbers of a report: built with the GIL released (no Python object inside).
struct report_values {
  convexity_result counts;
  std::size_t coordinates = 0;
  std::vector<double> examples[2][3];  // [midpoint, hessian][a, b, gap]
};

template <class M>
report_values values_of(const convexity_report<M>& r, std::size_t coordinates) {
  report_values v;
  auto& c = v.counts;
  c.midpoint_tests = r.midpoint_tests;
  c.hessian_tests = r.hessian_tests;
  c.midpoint_violations = r.midpoint_violations;
  c.hessian_violations = r.hessian_violations;
  c.midpoint_concavity_violations = r.midpoint_concavity_violations;
  c.hessian_concavity_violations = r.hessian_concavity_violations;
  c.worst_midpoint_gap = r.worst_midpoint_gap;
  c.most_negative_curvature = r.most_negative_curvature;
  c.most_positive_curvature = r.most_positive_curvature;
  v.coordinates = coordinates;
  for (int kind = 0; kind < 2; ++kind) {
    for (const auto& e : kind == 0 ? r.midpoint_examples : r.hessian_examples) {
      for (Eigen::Index i = 0; i < e.a.size(); ++i) v.examples[kind][0].push_back(e.a(i));
      for (Eigen::Index i = 0; i < e.b.size(); ++i) v.examples[kind][1].push_back(e.b(i));
      v.examples[kind][2].push_back(e.gap);
    }
  }
  return v;
}

convexity_result to_result(report_values&& v) {
  convexity_result out = std::move(v.counts);
  for (int kind = 0; kind < 2; ++kind) {
    const std::size_t k = v.examples[kind][2].size(), d = v.coordinates;
    convexity_examples& e = kind == 0 ? out.midpoint_examples : out.hessian_examples;
    e.a = to_numpy(std::move(v.examples[kind][0]), {k, d});
    e.b = to_numpy(std::move(v.examples[kind][1]), {k, d});
    e.gap = to_numpy(std::move(v.examples[kind][2]), {k});
  }
  return out;
}

convexity_options options_of(std::size_t segments, std::size_t hessian_points, double scale, double step,
                             double tolerance, std::size_t keep_examples, std::uint64_t seed,
                             std::uint64_t stream) {
  return {segments, hessian_points, scale, step, tolerance, keep_examples, seed, stream};
}

template <class M>
report_values proxy(std::size_t words, double temperature, const convexity_options& o) {
  return values_of(check_entropy_convexity<M>(words, temperature, o), M::coordinates);
}

/// The proxies by name: the rows of docs/convexity.md (examples/convexity_check.cpp) and the
/// manifolds of the C++ unit tests.
constexpr const char* proxy_names[] = {"R^2",           "R^4",       "R^8",          "(R^4)^2", "S^2",
                                       "S^3",           "(S^1)^2",   "(S^1)^3",      "(S^1)^4", "R^2 x S^2",
                                       "R^2 x (S^1)^2", "R^4 x S^3", "R^4 x (S^1)^3"};

report_values run_proxy(const std::string& name, std::size_t words, double temperature,
                        const convexity_options& o) {
  if (name == "R^2") return proxy<euclidean<2>>(words, temperature, o);
  if (name == "R^4") return proxy<euclidean<4>>(words, temperature, o);
  if (name == "R^8") return proxy<euclidean<8>>(words, temperature, o);
  if (name == "(R^4)^2") return proxy<product<euclidean<4>, euclidean<4>>>(words, temperature, o);
  if (name == "S^2") return proxy<sphere<2>>(words, temperature, o);
  if (name == "S^3") return proxy<sphere<3>>(words, temperature, o);
  if (name == "(S^1)^2") return proxy<torus<2>>(words, temperature, o);
  if (name == "(S^1)^3") return proxy<torus<3>>(words, temperature, o);
  if (name == "(S^1)^4") return proxy<torus<4>>(words, temperature, o);
  if (name == "R^2 x S^2") return proxy<product<euclidean<2>, sphere<2>>>(words, temperature, o);
  if (name == "R^2 x (S^1)^2") return proxy<product<euclidean<2>, torus<2>>>(words, temperature, o);
  if (name == "R^4 x S^3") return proxy<product<euclidean<4>, sphere<3>>>(words, temperature, o);
  if (name == "R^4 x (S^1)^3") return proxy<product<euclidean<4>, torus<3>>>(words, temperature, o);
  std::string known;
  for (const char* n : proxy_names) known += std::string(known.empty() ? "'" : ", '") + n + "'";
  detail::raise("check_entropy_convexity", "manifold", "is '" + name + "'; expected one of " + known);
}

#define INFOSCALE_CONVEXITY_OPTIONS_DOC                                                               \
  "segments : int, default 200\n"                                                                     \
  "    Midpoint tests f(mid(a, b)) <= (f(a) + f(b)) / 2 on sampled geodesic segments (pairs near\n"   \
  "    the cut locus are skipped, so fewer may run).\n"                                               \
  "hessian_points : int, default 200\n"                                                               \
  "    Second-difference tests d^2/dt^2 f(exp(x, t v)) >= 0 at sampled points and unit directions.\n" \
  "scale : float, default 2.0\n"                                                                      \
  "    > 0: points of R^N factors are N(0, scale^2 I) (ignored by spheres and tori).\n"               \
  "step : float, default 1e-3\n"                                                                      \
  "    > 0: h of the central second difference.\n"                                                    \
  "tolerance : float, default 1e-7\n"                                                                 \
  "    >= 0: a test is a violation only beyond this (nats), plus the second difference's rounding\n"  \
  "    64 eps (1 + |f(x)|) / h^2.\n"                                                                  \
  "keep_examples : int, default 3\n"                                                                  \
  "    Counterexamples kept per kind.\n"                                                              \
  "seed, stream : int, default 0\n"                                                                   \
  "    The counter-based draws (infoscale.lm.uniforms' generator): same seed, same report.\n"

constexpr const char* check_convexity_doc =
    "Searches for violations of the convexity of f on R^dimension, the phase space (R^N)^n of\n"
    "Conjecture 6.4 (Yang, arXiv 2407.21092, §6: 'the entropy function for a LLM is convex on the\n"
    "phase space').\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "f : callable(numpy.ndarray) -> float\n"
    "    Called with a fresh float64 vector of length dimension; returns a finite float. Shift the\n"
    "    argument inside f to centre the sampled points elsewhere (points are N(0, scale^2 I)).\n"
    "dimension : int\n"
    "    >= 1, chosen at run time (C++ euclidean_space); the draws equal those of the C++\n"
    "    euclidean<dimension> checker with the same seed.\n" INFOSCALE_CONVEXITY_OPTIONS_DOC
    "\n"
    "Returns\n"
    "-------\n"
    "ConvexityReport\n"
    "\n"
    "Raises\n"
    "------\n"
    "infoscale.Error\n"
    "    On dimension 0, step or scale <= 0, a negative tolerance, no test asked for, or f returning\n"
    "    something that is not a finite float (naming 'f'). An exception raised by f propagates.\n";

constexpr const char* check_entropy_doc =
    "Conjecture 6.4 (Yang, arXiv 2407.21092, §6) on a Boltzmann manifold: the convexity of the\n"
    "entropy of P(w|x) = softmax(<x, e_w>/T) over `words` random word points e_w of the manifold\n"
    "(the proxies of docs/convexity.md and examples/convexity_check.cpp), with the GIL released.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "manifold : str\n"
    "    One of 'R^2', 'R^4', 'R^8', '(R^4)^2' (the phase space with n = 2, N = 4), 'S^2', 'S^3',\n"
    "    '(S^1)^2', '(S^1)^3', '(S^1)^4', 'R^2 x S^2', 'R^2 x (S^1)^2', 'R^4 x S^3',\n"
    "    'R^4 x (S^1)^3' (also in ``entropy_manifolds``). R^N pairs by the dot product, S^M by the\n"
    "    cosine, the torus by sum cos(theta_i - theta'_i); products add the pairings.\n"
    "words : int\n"
    "    >= 2 random word points (drawn from stream + 0x9e3779b97f4a7c15).\n"
    "temperature : float\n"
    "    T > 0.\n" INFOSCALE_CONVEXITY_OPTIONS_DOC
    "\n"
    "Returns\n"
    "-------\n"
    "ConvexityReport\n"
    "    Points in the manifold's coordinates (R^{M+1} for S^M, angles for tori).\n";

}  // namespace

void bind_manifold(nb::module_& m) {
  nb::module_ g = m.def_submodule(
      "manifold",
      "Boltzmann manifolds and the checker for Conjecture 6.4 of Yang (arXiv 2407.21092, §6): 'the\n"
      "entropy function for a LLM is convex on the phase space (R^N)^n'. The checker samples geodesic\n"
      "segments (midpoint test f(mid) <= (f(a) + f(b))/2) and points with unit directions (central\n"
      "second difference >= 0), and counts violations beyond `tolerance` (plus the second difference's\n"
      "rounding). A convex function bounded above on R^d is constant and the entropy is <= log V, so\n"
      "counterexamples are expected for every non-constant entropy.");

  nb::class_<convexity_examples>(
      g, "ConvexityExamples",
      "Counterexamples of one kind.\n"
      "\n"
      "Attributes\n"
      "----------\n"
      "a : numpy.ndarray, shape (k, coordinates)\n"
      "    Midpoint test: one end; Hessian test: the point x.\n"
      "b : numpy.ndarray, shape (k, coordinates)\n"
      "    Midpoint test: the other end; Hessian test: the unit direction v.\n"
      "gap : numpy.ndarray, shape (k,)\n"
      "    By how much the inequality failed (> 0): f(mid) - chord, or -curvature.\n")
      .def_ro("a", &convexity_examples::a, nb::rv_policy::automatic)
      .def_ro("b", &convexity_examples::b, nb::rv_policy::automatic)
      .def_ro("gap", &convexity_examples::gap, nb::rv_policy::automatic)
      .def("__len__", [](const convexity_examples& e) { return e.gap.shape(0); });

  nb::class_<convexity_result>(g, "ConvexityReport",
                               "Counts, extremes and counterexamples of a convexity check (Yang, arXiv\n"
                               "2407.21092, Conjecture 6.4).\n"
                               "\n"
                               "Attributes\n"
                               "----------\n"
                               "midpoint_tests, hessian_tests : int\n"
                               "midpoint_violations, hessian_violations : int\n"
                               "    Against convexity.\n"
                               "midpoint_concavity_violations, hessian_concavity_violations : int\n"
                               "    Against the reverse (concave) inequalities.\n"
                               "worst_midpoint_gap : float\n"
                               "    max of f(mid) - (f(a) + f(b))/2 (> 0: convexity fails).\n"
                               "most_negative_curvature, most_positive_curvature : float\n"
                               "    Extremes of the second differences (0 included).\n"
                               "midpoint_examples, hessian_examples : ConvexityExamples\n"
                               "convexity_refuted, concavity_refuted : bool\n")
      .def_ro("midpoint_tests", &convexity_result::midpoint_tests)
      .def_ro("hessian_tests", &convexity_result::hessian_tests)
      .def_ro("midpoint_violations", &convexity_result::midpoint_violations)
      .def_ro("hessian_violations", &convexity_result::hessian_violations)
      .def_ro("midpoint_concavity_violations", &convexity_result::midpoint_concavity_violations)
      .def_ro("hessian_concavity_violations", &convexity_result::hessian_concavity_violations)
      .def_ro("worst_midpoint_gap", &convexity_result::worst_midpoint_gap)
      .def_ro("most_negative_curvature", &convexity_result::most_negative_curvature)
      .def_ro("most_positive_curvature", &convexity_result::most_positive_curvature)
      .def_ro("midpoint_examples", &convexity_result::midpoint_examples)
      .def_ro("hessian_examples", &convexity_result::hessian_examples)
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
        const euclidean_space space(dimension);
        const auto call = [&](const Eigen::VectorXd& x) {
          const nb::object y = f(Eigen::VectorXd(x));  // a copy Python may keep
          double value = 0.0;
          if (!nb::try_cast<double>(y, value))
            detail::raise("check_convexity", "f", "returned something that is not a float");
          if (!std::isfinite(value)) detail::raise("check_convexity", "f", "returned a non-finite value");
          return value;
        };
        return to_result(values_of(check_convexity(space, call, o), dimension));
      },
      "f"_a, "dimension"_a, nb::kw_only(), "segments"_a = 200, "hessian_points"_a = 200, "scale"_a = 2.0,
      "step"_a = 1e-3, "tolerance"_a = 1e-7, "keep_examples"_a = 3, "seed"_a = 0, "stream"_a = 0,
      nb::sig("def check_convexity(f: Callable[[NDArray[numpy.float64]], float], dimension: int, *, "
              "segments: int = 200, hessian_points: int = 200, scale: float = 2.0, step: float = 0.001, "
              "tolerance: float = 1e-07, keep_examples: int = 3, seed: int = 0, stream: int = 0) -> "
              "ConvexityReport"),
      check_convexity_doc);

  g.def(
      "check_entropy_convexity",
      [](const std::string& manifold, std::size_t words, double temperature, std::size_t segments,
         std::size_t hessian_points, double scale, double step, double tolerance, std::size_t keep_examples,
         std::uint64_t seed, std::uint64_t stream) {
        const auto o =
            options_of(segments, hessian_points, scale, step, tolerance, keep_examples, seed, stream);
        report_values v;
        {
          nb::gil_scoped_release release;
          v = run_proxy(manifold, words, temperature, o);
        }
        return to_result(std::move(v));
      },
      "manifold"_a, "words"_a, "temperature"_a = 1.0, nb::kw_only(), "segments"_a = 200,
      "hessian_points"_a = 200, "scale"_a = 2.0, "step"_a = 1e-3, "tolerance"_a = 1e-7, "keep_examples"_a = 3,
      "seed"_a = 0, "stream"_a = 0, check_entropy_doc);

  g.def(
      "classical_mds",
      [](const Eigen::MatrixXd& distances, std::size_t dimensions) {
        return classical_mds(distances, dimensions);
      },
      "distances"_a, "dimensions"_a = 2,
      "Classical (Torgerson) MDS: (n, dimensions) coordinates whose distances approximate the (n, n)\n"
      "distance matrix (finite, >= 0, symmetric, zero diagonal): the top eigenvectors of\n"
      "-1/2 J (D*D) J scaled by the square roots of their eigenvalues (clipped at 0), each axis'\n"
      "sign fixed so that its largest-magnitude coordinate is positive.");

  nb::list names;
  for (const char* n : proxy_names) names.append(n);
  g.attr("entropy_manifolds") = nb::tuple(names);
}

}  // namespace infoscale::python

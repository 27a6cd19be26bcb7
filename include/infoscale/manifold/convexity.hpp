#pragma once
// A checker for Conjecture 6.4 of Yang, arXiv 2407.21092: "the entropy function for a LLM is convex on
// the phase space (R^N)^n" [paper]. It samples points and geodesic segments of a Boltzmann manifold
// and tests
//   midpoint:  f(mid(a, b)) <= (f(a) + f(b)) / 2,       mid = exp(a, log(a, b) / 2)
//   Hessian:   d^2/dt^2 f(exp(x, t v)) at t = 0 >= 0,   by a central second difference,
// reporting violations (and, for the weaker "concave" reading, violations of the reverse
// inequalities). Theory-notes B: a convex function on all of R^d that is bounded above is constant,
// and the entropy is bounded (<= log V), so the conjecture fails for every model whose entropy is
// not constant; on compact manifolds (spheres, tori) convexity along closed geodesics forces
// constancy too. The checker is expected to find counterexamples, and reports where.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/manifold/boltzmann.hpp"
#include "infoscale/manifold/concepts.hpp"

namespace infoscale {

struct convexity_options {
  std::size_t segments = 200;        ///< midpoint tests
  std::size_t hessian_points = 200;  ///< second-difference tests
  double scale = 2.0;                ///< spread of sampled points on R^N factors
  double step = 1e-3;                ///< h of the second difference
  double tolerance = 1e-7;           ///< violations must exceed this (absolute, in nats)
  std::size_t keep_examples = 3;     ///< counterexamples kept per kind
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;
};

/// A space the checker can walk through an instance: the Boltzmann manifold types (static
/// members, called through a default instance) and spaces whose dimension is chosen at run time
/// (euclidean_space: a decoder's phase space (R^N)^n).
template <class S>
concept GeodesicSpace = requires(const S& s, const typename S::point& x, const typename S::tangent& v,
                                 const random_stream& rng, std::uint64_t& counter) {
  { s.exp(x, v) } -> std::convertible_to<typename S::point>;
  { s.log(x, x) } -> std::convertible_to<typename S::tangent>;
  { s.random_point(rng, counter, 1.0) } -> std::convertible_to<typename S::point>;
  { s.random_tangent(x, rng, counter) } -> std::convertible_to<typename S::tangent>;
  { s.unique_geodesic(x, x) } -> std::convertible_to<bool>;
};

/// One counterexample: the points, and by how much the inequality failed (> 0).
template <class M>
struct convexity_violation {
  typename M::point a;
  typename M::point b;  ///< midpoint test: the other end; Hessian test: the unit direction v
  double gap = 0.0;
};

template <class M>
struct convexity_report {
  std::size_t midpoint_tests = 0, hessian_tests = 0;
  std::size_t midpoint_violations = 0, hessian_violations = 0;  ///< against convexity
  std::size_t midpoint_concavity_violations = 0, hessian_concavity_violations = 0;
  double worst_midpoint_gap = 0.0;  ///< max of f(mid) - (f(a) + f(b))/2
  double most_negative_curvature = 0.0;
  double most_positive_curvature = 0.0;
  std::vector<convexity_violation<M>> midpoint_examples, hessian_examples;

  [[nodiscard]] bool convexity_refuted() const { return midpoint_violations + hessian_violations > 0; }
  [[nodiscard]] bool concavity_refuted() const {
    return midpoint_concavity_violations + hessian_concavity_violations > 0;
  }
};

/// Searches for violations of geodesic convexity of `f` on the space `space`.
template <GeodesicSpace M, class F>
[[nodiscard]] convexity_report<M> check_convexity(const M& space, F&& f,
                                                  const convexity_options& options = {}) {
  constexpr std::string_view function = "check_convexity";
  check_positive(options.step, function, "options.step");
  check_positive(options.scale, function, "options.scale");
  check_non_negative(options.tolerance, function, "options.tolerance");  // +inf would hide every violation
  if (options.segments + options.hessian_points == 0) detail::raise(function, "options", "asks for no test");
  const random_stream rng(options.seed, options.stream);
  std::uint64_t counter = 0;
  convexity_report<M> r;
  for (std::size_t i = 0; i < options.segments; ++i) {
    const auto a = space.random_point(rng, counter, options.scale);
    const auto b = space.random_point(rng, counter, options.scale);
    // A segment is the minimising geodesic; skip pairs near the cut locus, where it is not unique.
    if (!space.unique_geodesic(a, b)) continue;
    const auto mid = space.exp(a, typename M::tangent(0.5 * space.log(a, b)));
    const double fa = f(a), fb = f(b), fm = f(mid);
    const double gap = fm - 0.5 * (fa + fb);
    ++r.midpoint_tests;
    r.worst_midpoint_gap = r.midpoint_tests == 1 ? gap : std::max(r.worst_midpoint_gap, gap);
    if (gap > options.tolerance) {
      ++r.midpoint_violations;
      if (r.midpoint_examples.size() < options.keep_examples) r.midpoint_examples.push_back({a, b, gap});
    }
    if (-gap > options.tolerance) ++r.midpoint_concavity_violations;
  }
  const double h = options.step;
  for (std::size_t i = 0; i < options.hessian_points; ++i) {
    const auto x = space.random_point(rng, counter, options.scale);
    const auto v = space.random_tangent(x, rng, counter);
    const double curvature = (f(space.exp(x, typename M::tangent(h * v))) +
                              f(space.exp(x, typename M::tangent(-h * v))) - 2.0 * f(x)) /
                             (h * h);
    ++r.hessian_tests;
    r.most_negative_curvature = std::min(r.most_negative_curvature, curvature);
    r.most_positive_curvature = std::max(r.most_positive_curvature, curvature);
    // The second difference carries rounding of order eps |f| / h^2; tolerance scales with it.
    const double noise = 64.0 * std::numeric_limits<double>::epsilon() * (1.0 + std::abs(f(x))) / (h * h);
    if (curvature < -(options.tolerance + noise)) {
      ++r.hessian_violations;
      if (r.hessian_examples.size() < options.keep_examples) r.hessian_examples.push_back({x, v, -curvature});
    }
    if (curvature > options.tolerance + noise) ++r.hessian_concavity_violations;
  }
  return r;
}

/// The same on a Boltzmann manifold type (its static geometry).
template <BoltzmannManifold M, class F>
[[nodiscard]] convexity_report<M> check_convexity(F&& f, const convexity_options& options = {}) {
  return check_convexity(M{}, std::forward<F>(f), options);
}

/// The entropy function of a Boltzmann manifold's word law, x -> H(P(. | x)) at temperature T, the
/// function the conjecture is about (with the phase space the manifold of prompt states).
template <BoltzmannManifold M>
[[nodiscard]] auto boltzmann_entropy_function(std::vector<typename M::point> embeddings, double temperature) {
  check_positive(temperature, "boltzmann_entropy_function", "temperature");
  if (embeddings.empty()) detail::raise("boltzmann_entropy_function", "embeddings", "is empty (no word)");
  return [embeddings = std::move(embeddings), temperature](const typename M::point& x) {
    return boltzmann_entropy<M>(x, std::span<const typename M::point>(embeddings), temperature);
  };
}

/// Convexity of the entropy function of M with random word embeddings, at temperature T.
template <BoltzmannManifold M>
[[nodiscard]] convexity_report<M> check_entropy_convexity(std::size_t words, double temperature,
                                                          const convexity_options& options = {}) {
  if (words < 2) detail::raise("check_entropy_convexity", "words", "must be >= 2");
  const random_stream rng(options.seed, options.stream + 0x9e3779b97f4a7c15ull);
  std::uint64_t counter = 0;
  std::vector<typename M::point> embeddings;
  for (std::size_t w = 0; w < words; ++w) embeddings.push_back(M::random_point(rng, counter, 1.0));
  return check_convexity<M>(boltzmann_entropy_function<M>(std::move(embeddings), temperature), options);
}

}  // namespace infoscale

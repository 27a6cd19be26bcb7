#pragma once
// The flat torus (S^1)^M, named by Yang, arXiv 2407.21092, §6, as a factor of R^N x (S^1)^M
// [paper]. Points are angles theta in (-pi, pi]^M; the pairing is <theta, theta'> =
// sum_i cos(theta_i - theta'_i) (our choice, docs/papers.md: the dot product of the embeddings
// (cos, sin) of each circle, symmetric and smooth). Geodesics are straight lines in the angles:
// exp = wrap(theta + v), log = wrap(theta' - theta), d = |log|.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "infoscale/manifold/concepts.hpp"

namespace infoscale {
namespace detail {

/// The representative of an angle in (-pi, pi].
inline double wrap_angle(double a) {
  constexpr double two_pi = 2.0 * std::numbers::pi;
  double r = std::remainder(a, two_pi);  // in [-pi, pi]
  if (r <= -std::numbers::pi) r += two_pi;
  return r;
}

}  // namespace detail

template <int M>
requires(M >= 1) struct torus {
  static constexpr std::size_t dimension = M;
  static constexpr std::size_t coordinates = M;
  static constexpr double injectivity_radius = std::numbers::pi;
  using point = Eigen::Matrix<double, M, 1>;
  using tangent = Eigen::Matrix<double, M, 1>;

  /// sum_i cos(theta_i - theta'_i)
  static double pairing(const point& x, const point& y) {
    double s = 0.0;
    for (int i = 0; i < M; ++i) s += std::cos(x(i) - y(i));
    return s;
  }
  static point exp(const point& x, const tangent& v) { return project(x + v); }
  static tangent log(const point& x, const point& y) {
    tangent v;
    for (int i = 0; i < M; ++i) v(i) = detail::wrap_angle(y(i) - x(i));
    return v;
  }
  static double distance(const point& x, const point& y) { return log(x, y).norm(); }
  /// Whether one minimising geodesic joins x and y: every angle difference 5% inside (-pi, pi).
  static bool unique_geodesic(const point& x, const point& y) {
    return log(x, y).template lpNorm<Eigen::Infinity>() < 0.95 * std::numbers::pi;
  }
  static point project(const point& x) {
    point p;
    for (int i = 0; i < M; ++i) p(i) = detail::wrap_angle(x(i));
    return p;
  }
  /// Uniform angles; `scale` is ignored.
  static point random_point(const random_stream& rng, std::uint64_t& counter, double) {
    point p;
    for (int i = 0; i < M; ++i)
      p(i) = detail::wrap_angle(2.0 * std::numbers::pi * (rng.uniform(counter++) - 0.5));
    return p;
  }
  static tangent random_tangent(const point&, const random_stream& rng, std::uint64_t& counter) {
    return detail::normal_vector<M>(rng, counter).normalized();
  }
};

}  // namespace infoscale

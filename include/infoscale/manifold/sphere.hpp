#pragma once
// The unit sphere S^M in R^{M+1} with the cosine pairing <x, y> = x . y / (|x||y|) (= x . y on the
// sphere), named by Yang, arXiv 2407.21092, §6, as a factor of R^N x S^M [paper]. Great circles are
// the geodesics: d(x, y) = arccos(x . y) (computed as 2 asin(|x - y| / 2), which keeps digits near 0
// and pi); exp(x, v) = cos|v| x + sin|v| v/|v|; log is undefined at the antipode (an error).

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "infoscale/core/error.hpp"
#include "infoscale/manifold/concepts.hpp"

namespace infoscale {

template <int M>
requires(M >= 1) struct sphere {
  static constexpr std::size_t dimension = M;
  static constexpr std::size_t coordinates = M + 1;
  static constexpr double injectivity_radius = std::numbers::pi;
  using point = Eigen::Matrix<double, M + 1, 1>;
  using tangent = Eigen::Matrix<double, M + 1, 1>;

  /// Cosine similarity; equal to the dot product for points on the sphere.
  static double pairing(const point& x, const point& y) { return x.dot(y) / (x.norm() * y.norm()); }

  static point exp(const point& x, const tangent& v) {
    const double theta = v.norm();
    if (theta < 1e-8) return project(x + v);  // second order in theta; renormalised
    return std::cos(theta) * x + (std::sin(theta) / theta) * v;
  }

  static tangent log(const point& x, const point& y) {
    const double theta = distance(x, y);
    if (theta > std::numbers::pi - 1e-7)
      detail::raise("sphere::log", "y", "is (nearly) antipodal to x: no unique geodesic");
    const tangent u = y - x.dot(y) * x;  // the component of y orthogonal to x, length sin(theta)
    const double s = u.norm();
    if (s < 1e-300) return tangent::Zero();
    return (theta / s) * u;
  }

  static double distance(const point& x, const point& y) {
    return 2.0 * std::asin(std::min(1.0, 0.5 * (x - y).norm()));
  }
  /// Whether one minimising geodesic joins x and y, 5% away from the antipode.
  static bool unique_geodesic(const point& x, const point& y) {
    return distance(x, y) < 0.95 * std::numbers::pi;
  }
  /// The nearest point of the sphere (raises at 0, which has none).
  static point project(const point& x) {
    const double n = x.norm();
    if (!(n > 0.0)) detail::raise("sphere::project", "x", "is the zero vector");
    return x / n;
  }
  /// Uniform on the sphere (a normalised Gaussian); `scale` is ignored.
  static point random_point(const random_stream& rng, std::uint64_t& counter, double) {
    return project(detail::normal_vector<M + 1>(rng, counter));
  }
  /// A unit tangent at x, uniform in direction.
  static tangent random_tangent(const point& x, const random_stream& rng, std::uint64_t& counter) {
    const tangent g = detail::normal_vector<M + 1>(rng, counter);
    return (g - g.dot(x) * x).normalized();
  }
};

}  // namespace infoscale

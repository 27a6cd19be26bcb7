#pragma once
// R^N with the inner product: the Boltzmann manifold of today's transformers (Yang, arXiv
// 2407.21092, §6 [paper]). Geodesics are straight lines: exp(x, v) = x + v, log(x, y) = y - x.

#include <Eigen/Core>
#include <cstdint>
#include <limits>

#include "infoscale/core/error.hpp"
#include "infoscale/manifold/concepts.hpp"

namespace infoscale {

template <int N>
requires(N >= 1) struct euclidean {
  static constexpr std::size_t dimension = N;
  static constexpr std::size_t coordinates = N;
  static constexpr double injectivity_radius = std::numeric_limits<double>::infinity();
  using point = Eigen::Matrix<double, N, 1>;
  using tangent = Eigen::Matrix<double, N, 1>;

  /// <x, y> = x . y
  static double pairing(const point& x, const point& y) { return x.dot(y); }
  static point exp(const point& x, const tangent& v) { return x + v; }
  static tangent log(const point& x, const point& y) { return y - x; }
  static double distance(const point& x, const point& y) { return (y - x).norm(); }
  static point project(const point& x) { return x; }
  /// Whether one minimising geodesic joins x and y, with a margin from the cut locus: always here.
  static bool unique_geodesic(const point&, const point&) { return true; }
  /// N(0, scale^2 I).
  static point random_point(const random_stream& rng, std::uint64_t& counter, double scale) {
    return scale * detail::normal_vector<N>(rng, counter);
  }
  static tangent random_tangent(const point&, const random_stream& rng, std::uint64_t& counter) {
    return detail::normal_vector<N>(rng, counter).normalized();
  }
};

/// R^d with d chosen at run time (a decoder's phase space (R^N)^n has n N in the thousands), for
/// the instance-based checker: the same geometry and the same random draws as euclidean<N> of that
/// dimension. Not a BoltzmannManifold type (its dimension is a value, not part of the type).
struct euclidean_space {
  using point = Eigen::VectorXd;
  using tangent = Eigen::VectorXd;
  std::size_t dimension = 1;

  explicit euclidean_space(std::size_t d) : dimension(d) {
    if (d == 0) detail::raise("euclidean_space", "dimension", "must be >= 1");
  }
  [[nodiscard]] static double pairing(const point& x, const point& y) { return x.dot(y); }
  [[nodiscard]] static point exp(const point& x, const tangent& v) { return x + v; }
  [[nodiscard]] static tangent log(const point& x, const point& y) { return y - x; }
  [[nodiscard]] static double distance(const point& x, const point& y) { return (y - x).norm(); }
  [[nodiscard]] static bool unique_geodesic(const point&, const point&) { return true; }
  [[nodiscard]] point random_point(const random_stream& rng, std::uint64_t& counter, double scale) const {
    return scale * draw(rng, counter);
  }
  [[nodiscard]] tangent random_tangent(const point&, const random_stream& rng, std::uint64_t& counter) const {
    return draw(rng, counter).normalized();
  }

 private:
  [[nodiscard]] point draw(const random_stream& rng, std::uint64_t& counter) const {
    point v(static_cast<Eigen::Index>(dimension));
    for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = rng.normal(counter++);
    return v;
  }
};

}  // namespace infoscale

#pragma once
// Boltzmann manifolds, Yang, arXiv 2407.21092, §6: a manifold M with a smooth symmetric pairing
// <.,.> : M x M -> R [paper]. Points are stored as fixed-size Eigen vectors of `coordinates`
// numbers (the embedding R^N, the unit vectors of R^{M+1}, the angles of the torus); tangent
// vectors use the same coordinates. Every manifold type is a stateless struct of static functions,
// so products compose at compile time (as manif's Bundle does for Lie groups).

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "infoscale/core/random.hpp"

namespace infoscale {
namespace detail {

template <class M>
concept HasManifoldDimensions = requires {
  { M::dimension } -> std::convertible_to<std::size_t>;
  { M::coordinates } -> std::convertible_to<std::size_t>;
  typename M::point;
  typename M::tangent;
};

template <class M>
concept HasPairing = requires(const typename M::point& x, const typename M::point& y) {
  { M::pairing(x, y) } -> std::convertible_to<double>;
};

template <class M>
concept HasGeometry = requires(const typename M::point& x, const typename M::tangent& v,
                               const random_stream& rng, std::uint64_t& counter) {
  { M::exp(x, v) } -> std::convertible_to<typename M::point>;
  { M::log(x, x) } -> std::convertible_to<typename M::tangent>;
  { M::distance(x, x) } -> std::convertible_to<double>;
  { M::project(x) } -> std::convertible_to<typename M::point>;
  { M::random_point(rng, counter, 1.0) } -> std::convertible_to<typename M::point>;
  { M::random_tangent(x, rng, counter) } -> std::convertible_to<typename M::tangent>;
  { M::injectivity_radius } -> std::convertible_to<double>;
  { M::unique_geodesic(x, x) } -> std::convertible_to<bool>;
};

}  // namespace detail

/// A manifold type with a symmetric pairing and closed-form exponential/logarithm maps.
template <class M>
concept BoltzmannManifold =
    detail::HasManifoldDimensions<M> && detail::HasPairing<M> && detail::HasGeometry<M>;

namespace detail {

/// A draw of `n` standard normals from consecutive counter values.
template <int N>
Eigen::Matrix<double, N, 1> normal_vector(const random_stream& rng, std::uint64_t& counter) {
  Eigen::Matrix<double, N, 1> v;
  for (int i = 0; i < N; ++i) v(i) = rng.normal(counter++);
  return v;
}

}  // namespace detail
}  // namespace infoscale

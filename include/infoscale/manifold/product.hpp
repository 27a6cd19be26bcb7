#pragma once
// Products of Boltzmann manifolds, e.g. R^N x S^M and R^N x (S^1)^M (Yang, arXiv 2407.21092, §6
// [paper]), as a variadic template with compile-time dimensions (manif's Bundle). Coordinates are
// concatenated; the pairing is the sum of the factors' pairings; exp, log and projection act
// factorwise; the metric is the product metric, d^2 = sum d_i^2.

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include "infoscale/manifold/concepts.hpp"

namespace infoscale {

template <BoltzmannManifold... Factors>
requires(sizeof...(Factors) >= 1) struct product {
  static constexpr std::size_t factors = sizeof...(Factors);
  static constexpr std::size_t dimension = (Factors::dimension + ...);
  static constexpr std::size_t coordinates = (Factors::coordinates + ...);
  static constexpr double injectivity_radius = std::min({Factors::injectivity_radius...});
  using point = Eigen::Matrix<double, int(coordinates), 1>;
  using tangent = Eigen::Matrix<double, int(coordinates), 1>;

  /// Where factor I's coordinates start.
  template <std::size_t I>
  static constexpr std::size_t offset = [] {
    constexpr std::array<std::size_t, factors> sizes{Factors::coordinates...};
    std::size_t o = 0;
    for (std::size_t i = 0; i < I; ++i) o += sizes[i];
    return o;
  }();
  template <std::size_t I>
  using factor = std::tuple_element_t<I, std::tuple<Factors...>>;

  /// Factor I's part of a point or tangent vector.
  template <std::size_t I, class V>
  static auto part(const V& x) {
    return typename factor<I>::point(x.template segment<int(factor<I>::coordinates)>(int(offset<I>)));
  }

  static double pairing(const point& x, const point& y) {
    return sum([&]<std::size_t I>() { return factor<I>::pairing(part<I>(x), part<I>(y)); });
  }
  static point exp(const point& x, const tangent& v) {
    return build([&]<std::size_t I>() { return factor<I>::exp(part<I>(x), part<I>(v)); });
  }
  static tangent log(const point& x, const point& y) {
    return build([&]<std::size_t I>() { return factor<I>::log(part<I>(x), part<I>(y)); });
  }
  static double distance(const point& x, const point& y) {
    return std::sqrt(sum([&]<std::size_t I>() {
      const double d = factor<I>::distance(part<I>(x), part<I>(y));
      return d * d;
    }));
  }
  /// Unique in a product iff unique in every factor.
  static bool unique_geodesic(const point& x, const point& y) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (factor<I>::unique_geodesic(part<I>(x), part<I>(y)) && ...);
    }
    (std::make_index_sequence<factors>{});
  }
  static point project(const point& x) {
    return build([&]<std::size_t I>() { return factor<I>::project(part<I>(x)); });
  }
  static point random_point(const random_stream& rng, std::uint64_t& counter, double scale) {
    return build([&]<std::size_t I>() { return factor<I>::random_point(rng, counter, scale); });
  }
  /// A unit tangent vector (each factor's unit tangent, weighted by a random direction).
  static tangent random_tangent(const point& x, const random_stream& rng, std::uint64_t& counter) {
    const auto w = detail::normal_vector<int(factors)>(rng, counter).normalized();
    return build([&]<std::size_t I>() {
      return typename factor<I>::tangent(w(int(I)) * factor<I>::random_tangent(part<I>(x), rng, counter));
    });
  }

 private:
  template <class F>
  static double sum(F&& f) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (f.template operator()<I>() + ...);
    }
    (std::make_index_sequence<factors>{});
  }
  template <class F>
  static point build(F&& f) {
    point out;
    // Left to right: random draws consume the counter in factor order.
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((out.template segment<int(factor<I>::coordinates)>(int(offset<I>)) = f.template operator()<I>()), ...);
    }
    (std::make_index_sequence<factors>{});
    return out;
  }
};

}  // namespace infoscale

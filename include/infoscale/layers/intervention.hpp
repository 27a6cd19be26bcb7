#pragma once
// Activation noise interventions, multi-scale paper eq. (7): h' = h + eps, eps ~ N(0, (sigma *
// std(h))^2 I), in place on a mutable view, with the noise of element i drawn from Philox at
// index i (row-major flat index), so every policy writes the same bits. The brittleness
// coefficient gamma = Delta metric / sigma (§3.3.2, Tier 3).

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"

#if INFOSCALE_HAS_CUDA
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/transform_reduce.h>
#endif

namespace infoscale {
namespace detail {

template <class T>
INFOSCALE_HOST_DEVICE T narrow_to(double v) {
  if constexpr (std::is_same_v<T, float16>) {
    return to_float16(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, bfloat16>) {
    return to_bfloat16(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Element at row-major flat index i of a strided view.
template <class T, std::size_t Rank>
INFOSCALE_HOST_DEVICE T& element_at(const tensor_view<T, Rank>& v, std::size_t i) {
  std::ptrdiff_t offset = 0;
  for (std::size_t axis = Rank; axis-- > 0;) {
    const std::size_t n = v.extent(axis);
    offset += static_cast<std::ptrdiff_t>(i % n) * v.stride(axis);
    i /= n;
  }
  return v.data()[offset];
}

template <class T, std::size_t Rank>
struct add_noise {
  tensor_view<T, Rank> view;
  random_stream stream;
  double scale;
  INFOSCALE_HOST_DEVICE void operator()(std::size_t i) const {
    T& e = element_at(view, i);
    e = narrow_to<T>(widen(e) + scale * stream.normal(i));
  }
};

// Population standard deviation over every element, two passes in double (host memory).
template <class T, std::size_t Rank>
double host_std(const tensor_view<T, Rank>& v) {
  compensated_sum sum;
  for (std::size_t i = 0; i < v.size(); ++i) sum += widen(element_at(v, i));
  const double mean = sum.value() / static_cast<double>(v.size());
  compensated_sum squares;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double d = widen(element_at(v, i)) - mean;
    squares += d * d;
  }
  return std::sqrt(squares.value() / static_cast<double>(v.size()));
}

#if INFOSCALE_HAS_CUDA
template <class T, std::size_t Rank>
struct element_value {
  tensor_view<T, Rank> view;
  double shift;
  int power;
  INFOSCALE_HOST_DEVICE double operator()(std::size_t i) const {
    const double d = widen(element_at(view, i)) - shift;
    return power == 1 ? d : d * d;
  }
};
#endif

// The draws of `op` over n elements under `policy`; par runs small tensors on the calling thread,
// since waking a team of OpenMP threads (~0.1-0.5 ms measured with passive waiting) costs more than
// drawing a generation step's few thousand normals. Element-wise with counter-based draws, so
// the values are the same either way.
template <ExecutionPolicy P, class Op>
void apply_noise(P policy, std::size_t n, const Op& op) {
  constexpr std::size_t parallel_from = std::size_t{1} << 16;
  if constexpr (std::same_as<P, par_t>) {
    if (n < parallel_from) return for_each_index(seq, n, op);
  }
  for_each_index(policy, n, op);
}

}  // namespace detail

/// Adds N(0, (sigma * std(h))^2) noise to every element of h in place, multi-scale paper eq. (7);
/// std(h) is the population standard deviation of the whole view (pass one layer to scale per
/// layer). Returns the noise standard deviation used. Host policies compute std(h) with the same
/// sequential code, so seq, par and thrust_host write identical values; cuda reads device memory.
// Writes in place, so a read-only (const) view is refused at compile time by the constraint.
template <ExecutionPolicy P, class T, std::size_t Rank>
requires(!std::is_const_v<T>) double add_gaussian_noise(P policy, const tensor_view<T, Rank>& h, double sigma,
                                                        std::uint64_t seed, std::uint64_t stream = 0) {
  static_assert(is_available<P>, "this execution policy was not compiled in");
  constexpr std::string_view function = "add_gaussian_noise";
  check_not_empty(h, function, "h");
  if (!std::isfinite(sigma) || sigma < 0.0) detail::raise(function, "sigma", "must be finite and >= 0");
  double sd = 0.0;
  if constexpr (!reads_device_memory<P>) {
    check_finite(h.as_const(), function, "h");
    sd = detail::host_std(h);
  }
#if INFOSCALE_HAS_CUDA
  if constexpr (std::same_as<P, cuda_t>) {
    const thrust::counting_iterator<std::size_t> first(0);
    const double n = static_cast<double>(h.size());
    const double mean =
        thrust::transform_reduce(thrust::cuda::par, first, first + h.size(),
                                 detail::element_value<T, Rank>{h, 0.0, 1}, 0.0, thrust::plus<double>()) /
        n;
    sd = std::sqrt(thrust::transform_reduce(thrust::cuda::par, first, first + h.size(),
                                            detail::element_value<T, Rank>{h, mean, 2}, 0.0,
                                            thrust::plus<double>()) /
                   n);
    if (!std::isfinite(sd)) detail::raise(function, "h", "contains NaN or an infinity");
  }
#endif
  const detail::add_noise<T, Rank> op{h, random_stream(seed, stream), sigma * sd};
  detail::apply_noise(policy, h.size(), op);
  return sigma * sd;
}

/// Eq. (7) with the activation std measured elsewhere: adds N(0, (sigma * reference_std)^2) noise
/// to every element of h in place (element i gets draw i of stream (seed, stream), as above), e.g.
/// with reference_std the layer's std over an unperturbed run, so every forward pass of a
/// generation gets noise of one size. Returns sigma * reference_std.
template <ExecutionPolicy P, class T, std::size_t Rank>
requires(!std::is_const_v<T>) double add_gaussian_noise_scaled(P policy, const tensor_view<T, Rank>& h,
                                                               double sigma, double reference_std,
                                                               std::uint64_t seed, std::uint64_t stream = 0) {
  static_assert(is_available<P>, "this execution policy was not compiled in");
  constexpr std::string_view function = "add_gaussian_noise_scaled";
  check_not_empty(h, function, "h");
  if (!std::isfinite(sigma) || sigma < 0.0) detail::raise(function, "sigma", "must be finite and >= 0");
  if (!std::isfinite(reference_std) || reference_std < 0.0)
    detail::raise(function, "reference_std", "must be finite and >= 0");
  if constexpr (!reads_device_memory<P>) check_finite(h.as_const(), function, "h");
  const detail::add_noise<T, Rank> op{h, random_stream(seed, stream), sigma * reference_std};
  detail::apply_noise(policy, h.size(), op);
  return sigma * reference_std;
}

/// Eq. (7) on a batch [samples][positions][features] in one call: slice b gets the noise that
/// add_gaussian_noise (or, with reference_std, add_gaussian_noise_scaled) would give h[b] under
/// stream streams[b], so a batched generation draws per sample what an unbatched one draws.
/// Returns each slice's noise std.
template <ExecutionPolicy P, class T>
requires(!std::is_const_v<T>) std::vector<double> add_gaussian_noise_per_sample(
    P policy, const tensor_view<T, 3>& h, double sigma, std::uint64_t seed,
    std::span<const std::uint64_t> streams, std::optional<double> reference_std = std::nullopt) {
  if (streams.size() != h.extent(0))
    detail::raise(
        "add_gaussian_noise_per_sample", "streams",
        "has " + std::to_string(streams.size()) + " streams for " + std::to_string(h.extent(0)) + " samples");
  std::vector<double> used;
  used.reserve(streams.size());
  for (std::size_t b = 0; b < streams.size(); ++b) {
    used.push_back(reference_std
                       ? add_gaussian_noise_scaled(policy, h[b], sigma, *reference_std, seed, streams[b])
                       : add_gaussian_noise(policy, h[b], sigma, seed, streams[b]));
  }
  return used;
}

/// Perturbs the layers of one scale of a stack [layers][tokens][features], each with its own std
/// (layer l uses Philox stream `l`), eq. (7) "for all l in T_s".
template <ExecutionPolicy P, class T>
void perturb_layers(P policy, const tensor_view<T, 3>& stack, std::span<const std::size_t> layers,
                    double sigma, std::uint64_t seed) {
  for (const std::size_t l : layers) {
    if (l >= stack.extent(0)) detail::raise("perturb_layers", "layers", "contains a layer past the stack");
    add_gaussian_noise(policy, stack[l], sigma, seed, l);
  }
}

/// Brittleness coefficient gamma = (metric perturbed - metric baseline) / sigma_noise.
[[nodiscard]] inline double brittleness(double baseline, double perturbed, double sigma) {
  check_positive(sigma, "brittleness", "sigma");
  check_finite(baseline, "brittleness", "baseline");
  check_finite(perturbed, "brittleness", "perturbed");
  return (perturbed - baseline) / sigma;
}

}  // namespace infoscale

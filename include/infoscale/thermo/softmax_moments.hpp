#pragma once
// The softmax-moments monoid: one pass over a row of logits z at temperature T yields every
// statistic of p = softmax(z / T) that thermo/ and info/ need.
//
// With x = z / T the state keeps the running maximum m, the weight w = sum exp(x - m), the
// weighted mean of x *relative to m* and the weighted sum of squared deviations. Storing the mean
// relative to the maximum keeps entropy = log w - mean exact to rounding even for logits of
// magnitude 1e4; merging uses Chan's parallel-variance update, so combine is associative up to
// rounding and every back end agrees. Everything accumulates in double, whatever the input type.

#include <cmath>
#include <cstddef>
#include <limits>

#include "infoscale/core/config.hpp"
#include "infoscale/core/detail/fast_exp.hpp"
#include "infoscale/core/half.hpp"

namespace infoscale {

struct softmax_moments {
  double max = -std::numeric_limits<double>::infinity();  ///< max of x = z / T
  double weight = 0.0;                                    ///< sum exp(x - max)
  double relative_mean = 0.0;                             ///< E_p[x] - max (<= 0)
  double squared_deviations = 0.0;                        ///< sum exp(x - max) (x - E_p[x])^2

  [[nodiscard]] INFOSCALE_HOST_DEVICE static constexpr softmax_moments identity() { return {}; }

  [[nodiscard]] INFOSCALE_HOST_DEVICE static softmax_moments combine(const softmax_moments& a,
                                                                     const softmax_moments& b) {
    if (!(b.weight > 0.0)) return b.weight == 0.0 ? a : b;  // NaN propagates: invalid input
    if (!(a.weight > 0.0)) return a.weight == 0.0 ? b : a;
    const double m = a.max > b.max ? a.max : b.max;
    const double scale_a = detail::exp_nonpositive(a.max - m);
    const double scale_b = detail::exp_nonpositive(b.max - m);
    const double weight_a = a.weight * scale_a;
    const double weight_b = b.weight * scale_b;
    const double weight = weight_a + weight_b;
    const double mean_a = a.relative_mean + (a.max - m);
    const double mean_b = b.relative_mean + (b.max - m);
    const double delta = mean_b - mean_a;
    softmax_moments merged;
    merged.max = m;
    merged.weight = weight;
    merged.relative_mean = mean_a + delta * (weight_b / weight);
    merged.squared_deviations = a.squared_deviations * scale_a + b.squared_deviations * scale_b +
                                delta * delta * (weight_a * weight_b / weight);
    return merged;
  }

  /// log Z(T) = log sum exp(z / T).
  [[nodiscard]] INFOSCALE_HOST_DEVICE double log_partition() const { return max + std::log(weight); }
  /// Shannon entropy of p in nats: log Z - E_p[x].
  [[nodiscard]] INFOSCALE_HOST_DEVICE double entropy() const { return std::log(weight) - relative_mean; }
  /// Var_p(x) = Var_p(-log p): the varentropy, and also the heat capacity C = Var(E) / T^2.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double varentropy() const { return squared_deviations / weight; }
  /// E_p[x] = E_p[z] / T.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double mean() const { return max + relative_mean; }
  /// All fields finite and the weight positive: false after any NaN or infinite input.
  [[nodiscard]] INFOSCALE_HOST_DEVICE bool valid() const {
    return std::isfinite(max) && std::isfinite(weight) && weight > 0.0 && std::isfinite(relative_mean) &&
           std::isfinite(squared_deviations);
  }
};

namespace detail {

/// Moments of one block of n logits read with `stride`, scaled by beta = 1 / T. Two passes over
/// the block while it sits in L1: the maximum (with a NaN/infinity flag), then the weights and
/// their first and second moments around it. `omp simd` reductions let compilers vectorise the
/// sums without -ffast-math (build with -fopenmp or -fopenmp-simd; infoscale::infoscale adds it).
template <bool Contiguous, class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments_impl(const T* z, std::ptrdiff_t runtime_stride,
                                                                 std::size_t n, double beta) {
  // A compile-time unit stride keeps the loads contiguous; a runtime stride would become gathers.
  const std::ptrdiff_t stride = Contiguous ? 1 : runtime_stride;
  softmax_moments state;
  if (n == 0) return state;
  const auto count = static_cast<std::ptrdiff_t>(n);
  double m = -std::numeric_limits<double>::infinity();
  int invalid = 0;
#if !defined(__CUDA_ARCH__)
#pragma omp simd reduction(max : m) reduction(| : invalid)
#endif
  for (std::ptrdiff_t j = 0; j < count; ++j) {
    const double x = widen(z[j * stride]) * beta;
    invalid |= !(x - x == 0.0);  // NaN or infinity
    m = x > m ? x : m;
  }
  if (invalid) {
    state.weight = std::numeric_limits<double>::quiet_NaN();
    return state;
  }
  double weight = 0.0;
  double first = 0.0;
  double second = 0.0;
#if !defined(__CUDA_ARCH__)
#pragma omp simd reduction(+ : weight, first, second)
#endif
  for (std::ptrdiff_t j = 0; j < count; ++j) {
    const double d = widen(z[j * stride]) * beta - m;
    const double e = exp_nonpositive(d);
    weight += e;
    first += d * e;
    second += d * d * e;
  }
  const double relative_mean = first / weight;
  const double deviations = second - first * relative_mean;
  state.max = m;
  state.weight = weight;
  state.relative_mean = relative_mean;
  state.squared_deviations = deviations > 0.0 ? deviations : 0.0;
  return state;
}

template <class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments(const T* z, std::ptrdiff_t stride, std::size_t n,
                                                            double beta) {
  return stride == 1 ? block_softmax_moments_impl<true>(z, 1, n, beta)
                     : block_softmax_moments_impl<false>(z, stride, n, beta);
}

}  // namespace detail
}  // namespace infoscale

#pragma once
// The softmax-moments monoid: one pass over a row of logits z at temperature T yields every
// statistic of p = softmax(z / T) that thermo/ and info/ need (TD §5: log Z, U, F, S, C; MS's
// entropies of next-token distributions). It lives in core/ because both modules own it.
//
// With x = z / T the state keeps the running maximum m, the *tail* weight t = sum exp(x - m) over
// every entry but one maximal one (so the partition weight is 1 + t), the weighted mean of x
// relative to m and the weighted sum of squared deviations. Then
//   log Z = m + log1p(t),   S = log1p(t) + sum_i p_i (m - x_i),
// a sum of two non-negative terms, neither of which cancels: S keeps full relative accuracy for a
// confident row (S ~ 1e-18 from a logit 40 above the rest), where log(1 + t) would round t away.
// Merging scales the smaller maximum's part by exp(m_b - m), combines the means as a weighted
// average of non-positive numbers and the squared deviations with Chan's update, so combine is
// associative up to rounding and every back end agrees. Everything accumulates in double.

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "infoscale/core/config.hpp"
#include "infoscale/core/detail/cpu_dispatch.hpp"
#include "infoscale/core/detail/fast_exp.hpp"
#include "infoscale/core/detail/fast_moments_avx2.hpp"
#include "infoscale/core/detail/fast_moments_avx512.hpp"
#include "infoscale/core/half.hpp"

namespace infoscale {

struct softmax_moments {
  double max = -std::numeric_limits<double>::infinity();  ///< max of x = z / T
  double tail = -1.0;               ///< sum exp(x - max) over all entries but one maximal one; -1 when empty
  double relative_mean = 0.0;       ///< E_p[x] - max (<= 0)
  double squared_deviations = 0.0;  ///< sum exp(x - max) (x - E_p[x])^2

  [[nodiscard]] INFOSCALE_HOST_DEVICE static constexpr softmax_moments identity() { return {}; }

  /// sum exp(x - max) = 1 + tail: 0 for the identity, NaN after invalid input.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double weight() const { return 1.0 + tail; }

  [[nodiscard]] INFOSCALE_HOST_DEVICE static softmax_moments combine(const softmax_moments& a,
                                                                     const softmax_moments& b) {
    if (!(b.weight() > 0.0)) return b.weight() == 0.0 ? a : b;  // NaN propagates: invalid input
    if (!(a.weight() > 0.0)) return a.weight() == 0.0 ? b : a;
    const bool a_high = a.max >= b.max;
    const softmax_moments& high = a_high ? a : b;
    const softmax_moments& low = a_high ? b : a;
    const double m = high.max;
    const double scale = detail::exp_nonpositive(low.max - m);  // 1 when the maxima tie
    const double weight_high = high.weight();
    const double weight_low = low.weight() * scale;
    const double weight = weight_high + weight_low;
    const double mean_high = high.relative_mean;
    const double mean_low = low.relative_mean + (low.max - m);
    const double delta = mean_low - mean_high;
    softmax_moments merged;
    merged.max = m;
    // The high part keeps its "all but one maximal entry"; the low part's maximal entry joins the tail.
    merged.tail = high.tail + (scale + scale * low.tail);
    // Both means are <= 0: their weighted average does not cancel (Chan's mean_a + delta * w_b / w
    // would, when the low part carries almost all the weight and the high part a tiny mean).
    merged.relative_mean = (weight_high * mean_high + weight_low * mean_low) / weight;
    merged.squared_deviations = high.squared_deviations + low.squared_deviations * scale +
                                delta * delta * (weight_high * weight_low / weight);
    return merged;
  }

  /// log Z(T) = log sum exp(z / T) = max + log1p(tail).
  [[nodiscard]] INFOSCALE_HOST_DEVICE double log_partition() const { return max + std::log1p(tail); }
  /// Shannon entropy of p in nats: log Z - E_p[x] = log1p(tail) + (max - E_p[x]), both terms >= 0.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double entropy() const { return std::log1p(tail) - relative_mean; }
  /// Var_p(x) = Var_p(-log p): the varentropy, and also the heat capacity C = Var(E) / T^2.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double varentropy() const { return squared_deviations / weight(); }
  /// E_p[x] = E_p[z] / T.
  [[nodiscard]] INFOSCALE_HOST_DEVICE double mean() const { return max + relative_mean; }
  /// All fields finite and the weight positive: false after any NaN or infinite input.
  [[nodiscard]] INFOSCALE_HOST_DEVICE bool valid() const {
    return std::isfinite(max) && std::isfinite(tail) && tail >= 0.0 && std::isfinite(relative_mean) &&
           std::isfinite(squared_deviations);
  }
};

namespace detail {

/// A block's state from its sums over the entries below the maximum: their weights (tail) and
/// the weights' first and second moments of the gap d = x - max (first, second), with the count
/// of entries tied with the maximum (ties >= 1). Shared by the exact and the fast kernel.
INFOSCALE_HOST_DEVICE inline softmax_moments moments_from_block_sums(double max, double tail, double ties,
                                                                     double first, double second) {
  const double weight = tail + ties;
  const double relative_mean = first / weight;
  const double deviations = second - first * relative_mean;
  softmax_moments state;
  state.max = max;
  state.tail = tail + (ties - 1.0);
  state.relative_mean = relative_mean;
  state.squared_deviations = deviations > 0.0 ? deviations : 0.0;
  return state;
}

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
    state.tail = std::numeric_limits<double>::quiet_NaN();
    return state;
  }
  double tail = 0.0;  // sum of the weights of the entries below the maximum
  double ties = 0.0;  // how many entries equal it (>= 1)
  double first = 0.0;
  double second = 0.0;
#if !defined(__CUDA_ARCH__)
#pragma omp simd reduction(+ : tail, ties, first, second)
#endif
  for (std::ptrdiff_t j = 0; j < count; ++j) {
    const double x = widen(z[j * stride]) * beta;
    // A maximal entry adds its 1 to `ties`, not to `tail`, and nothing to the moments (its gap is
    // 0). Compared on x, not on d: a contracted fma(z, beta, -m) is not 0 at the maximum itself,
    // and e = 0 there keeps that residue out of first and second. (Masking e, not d, is the
    // cheaper select: about +15% over the unsplit sum in L1 with AVX-512, against +45%.)
    const bool at_max = x == m;
    const double d = x - m;
    const double e = masked(exp_nonpositive(d), !at_max);
    tail += e;
    ties += at_max ? 1.0 : 0.0;
    first += d * e;
    second += d * (d * e);  // d * d could overflow where e = 0
  }
  return moments_from_block_sums(m, tail, ties, first, second);
}

/// The working type of the fast kernel: float, except double stays double until the gaps are
/// taken (a double logit may not fit a float; its gap to the maximum is rounded instead).
template <class T>
using fast_work_t = std::conditional_t<std::is_same_v<std::remove_cv_t<T>, double>, double, float>;

template <class T>
INFOSCALE_HOST_DEVICE fast_work_t<T> to_fast_work(T value) {
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    return to_float(value);
  } else {
    return static_cast<fast_work_t<T>>(value);
  }
}

/// The fast precision mode (logits_precision::fast) of block_softmax_moments_impl: gaps
/// d = (z - max z) / T in float (exact for float input up to one rounding of the division), exp in
/// float (exp_nonpositive_float, <= 1.3 ulp), sums in 16 float lanes of at most 8 terms each,
/// then in double. Gaps below -86 count as -86: each such entry adds at
/// most e^-86 = 4.5e-38 (times 87^2 in the second moment) instead of its own smaller weight, an
/// absolute floor that only a row with S below ~1e-30 would see.
template <bool Contiguous, class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments_fast_impl(const T* z,
                                                                      std::ptrdiff_t runtime_stride,
                                                                      std::size_t n, double beta) {
  using work = fast_work_t<T>;
  const std::ptrdiff_t stride = Contiguous ? 1 : runtime_stride;
  softmax_moments state;
  if (n == 0) return state;
  const auto count = static_cast<std::ptrdiff_t>(n);
  // The maximum of z, not of z / T: the division is monotonic, so the same entries are maximal.
  work m = -std::numeric_limits<work>::infinity();
  int invalid = 0;
#if !defined(__CUDA_ARCH__)
#pragma omp simd reduction(max : m) reduction(| : invalid)
#endif
  for (std::ptrdiff_t j = 0; j < count; ++j) {
    const work x = to_fast_work(z[j * stride]);
    invalid |= !(x - x == work(0));  // NaN or infinity
    m = x > m ? x : m;
  }
  if (invalid) {
    state.tail = std::numeric_limits<double>::quiet_NaN();
    return state;
  }
  const auto scale = static_cast<float>(beta);
  // The sums have a fixed shape, whatever the compiler vectorises: 16 float lanes (entry j goes to
  // lane j % 16), each adding at most 8 terms before it is flushed into a double lane. All terms
  // are >= 0 (first and second up to one sign), so each float partial sum is within 7 roundings,
  // 4.2e-7 relative, of its terms' exact sum, and everything after is double.
  constexpr std::ptrdiff_t lanes = 16;
  constexpr std::ptrdiff_t flush_every = 8 * lanes;
  double wide[4][lanes] = {};
  for (std::ptrdiff_t begin = 0; begin < count; begin += flush_every) {
    const std::ptrdiff_t end = begin + flush_every < count ? begin + flush_every : count;
    float part[4][lanes] = {};
    std::ptrdiff_t j = begin;
    const auto add = [&](std::ptrdiff_t lane, std::ptrdiff_t index) {
      const work x = to_fast_work(z[index * stride]);
      // A multiply by 0 or 1 (a select of constants), for the reason given at `masked`. A double
      // gap is clamped before it is narrowed, so that the conversion stays in float's range.
      const float below = x == m ? 0.0f : 1.0f;
      const work gap = std::is_same_v<work, double> ? clamp_below(x - m, work(-1e30)) : x - m;
      const float d = clamp_below(static_cast<float>(gap) * scale, -86.0f);
      const float e = exp_nonpositive_float(d) * below;
      part[0][lane] += e;
      part[1][lane] += 1.0f - below;
      part[2][lane] += d * e;
      part[3][lane] += d * (d * e);
    };
    for (; j + lanes <= end; j += lanes) {
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
      for (std::ptrdiff_t lane = 0; lane < lanes; ++lane) add(lane, j + lane);
    }
    for (std::ptrdiff_t lane = 0; j < end; ++j, ++lane) add(lane, j);
    for (int k = 0; k < 4; ++k) {
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
      for (std::ptrdiff_t lane = 0; lane < lanes; ++lane) wide[k][lane] += part[k][lane];
    }
  }
  double sums[4] = {};
  for (int k = 0; k < 4; ++k)
    for (std::ptrdiff_t lane = 0; lane < lanes; ++lane) sums[k] += wide[k][lane];
  const double tail = sums[0];
  const double ties = sums[1];
  const double first = sums[2];
  const double second = sums[3];
  return moments_from_block_sums(static_cast<double>(m) * beta, tail, ties, first, second);
}

#if INFOSCALE_HAS_ISA_DISPATCH
// The contiguous kernels compiled for wider vectors; `flatten` inlines the whole kernel, exp
// included, so every instruction of it is built for the clone's target.
template <class T>
INFOSCALE_TARGET_AVX2 softmax_moments block_softmax_moments_avx2(const T* z, std::size_t n, double beta) {
  return block_softmax_moments_impl<true>(z, 1, n, beta);
}
template <class T>
INFOSCALE_TARGET_AVX512 softmax_moments block_softmax_moments_avx512(const T* z, std::size_t n, double beta) {
  return block_softmax_moments_impl<true>(z, 1, n, beta);
}
template <class T>
INFOSCALE_TARGET_AVX2 softmax_moments block_softmax_moments_fast_avx2(const T* z, std::size_t n,
                                                                      double beta) {
  return block_softmax_moments_fast_impl<true>(z, 1, n, beta);
}
template <class T>
INFOSCALE_TARGET_AVX512 softmax_moments block_softmax_moments_fast_avx512(const T* z, std::size_t n,
                                                                          double beta) {
  return block_softmax_moments_fast_impl<true>(z, 1, n, beta);
}
#endif

template <bool Fast, bool Contiguous, class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments_baseline(const T* z, std::ptrdiff_t stride,
                                                                     std::size_t n, double beta) {
  if constexpr (Fast) {
    return block_softmax_moments_fast_impl<Contiguous>(z, stride, n, beta);
  } else {
    return block_softmax_moments_impl<Contiguous>(z, stride, n, beta);
  }
}

/// A contiguous block's moments on a given instruction-set level, lowered to what the CPU runs.
/// Exposed so the tests compare the levels.
template <bool Fast, class T>
softmax_moments block_softmax_moments_on(isa level, const T* z, std::size_t n, double beta) {
#if INFOSCALE_HAS_ISA_DISPATCH
  const isa cpu = supported_isa();
  if (level == isa::avx512 && cpu == isa::avx512) {
    if constexpr (Fast && has_fast_avx512_kernel<std::remove_cv_t<T>>) {
      if (n == 0) return softmax_moments{};
      const fast_block_sums sums = fast_block_sums_avx512(z, n, beta);
      if (sums.invalid) return softmax_moments{.tail = std::numeric_limits<double>::quiet_NaN()};
      return moments_from_block_sums(sums.max, sums.tail, sums.ties, sums.first, sums.second);
    } else if constexpr (Fast) {
      return block_softmax_moments_fast_avx512(z, n, beta);
    } else {
      return block_softmax_moments_avx512(z, n, beta);
    }
  }
  if (level != isa::baseline && cpu != isa::baseline) {
    if constexpr (Fast && has_fast_avx2_kernel<std::remove_cv_t<T>>) {
      if (n == 0) return softmax_moments{};
      const fast_block_sums sums = fast_block_sums_avx2(z, n, beta);
      if (sums.invalid) return softmax_moments{.tail = std::numeric_limits<double>::quiet_NaN()};
      return moments_from_block_sums(sums.max, sums.tail, sums.ties, sums.first, sums.second);
    } else if constexpr (Fast)
      return block_softmax_moments_fast_avx2(z, n, beta);
    else
      return block_softmax_moments_avx2(z, n, beta);
  }
#else
  (void)level;
#endif
  return block_softmax_moments_baseline<Fast, true>(z, 1, n, beta);
}

/// Moments of one block (Fast: logits_precision::fast); contiguous host blocks run on the widest
/// instruction set the CPU has.
template <bool Fast = false, class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments(const T* z, std::ptrdiff_t stride, std::size_t n,
                                                            double beta) {
  if (stride != 1) return block_softmax_moments_baseline<Fast, false>(z, stride, n, beta);
#if INFOSCALE_HAS_ISA_DISPATCH && !defined(__CUDA_ARCH__)
  return block_softmax_moments_on<Fast>(active_isa(), z, n, beta);
#else
  return block_softmax_moments_baseline<Fast, true>(z, 1, n, beta);
#endif
}

}  // namespace detail
}  // namespace infoscale

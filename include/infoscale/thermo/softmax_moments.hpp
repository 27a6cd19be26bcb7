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

/// Moments of one block of n logits read with `stride`, scaled by beta = 1 / T. Three passes over
/// the block while it sits in L1: the maximum, then weights with first and second moments around
/// it. Eight independent accumulators let compilers vectorise without reassociating the sums.
template <class T>
INFOSCALE_HOST_DEVICE softmax_moments block_softmax_moments(const T* z, std::ptrdiff_t stride, std::size_t n,
                                                            double beta) {
  constexpr std::size_t lanes = 8;
  softmax_moments state;
  if (n == 0) return state;
  double lane_max[lanes];
  bool lane_invalid[lanes];
  for (std::size_t l = 0; l < lanes; ++l) {
    lane_max[l] = -std::numeric_limits<double>::infinity();
    lane_invalid[l] = false;
  }
  std::size_t i = 0;
  if (stride == 1) {
    for (; i + lanes <= n; i += lanes) {
      for (std::size_t l = 0; l < lanes; ++l) {
        const double x = widen(z[i + l]) * beta;
        lane_invalid[l] = lane_invalid[l] || !(x - x == 0.0);  // NaN or infinity
        lane_max[l] = x > lane_max[l] ? x : lane_max[l];
      }
    }
  }
  double m = -std::numeric_limits<double>::infinity();
  bool invalid = false;
  for (std::size_t l = 0; l < lanes; ++l) {
    m = lane_max[l] > m ? lane_max[l] : m;
    invalid = invalid || lane_invalid[l];
  }
  for (std::size_t j = i; j < n; ++j) {
    const double x = widen(z[static_cast<std::ptrdiff_t>(j) * stride]) * beta;
    invalid = invalid || !(x - x == 0.0);
    m = x > m ? x : m;
  }
  if (invalid) {
    state.weight = std::numeric_limits<double>::quiet_NaN();
    return state;
  }
  double w[lanes] = {};
  double s1[lanes] = {};
  double s2[lanes] = {};
  i = 0;
  if (stride == 1) {
    for (; i + lanes <= n; i += lanes) {
      for (std::size_t l = 0; l < lanes; ++l) {
        const double d = widen(z[i + l]) * beta - m;
        const double e = exp_nonpositive(d);
        w[l] += e;
        s1[l] += d * e;
        s2[l] += d * d * e;
      }
    }
  }
  for (std::size_t j = i; j < n; ++j) {
    const double d = widen(z[static_cast<std::ptrdiff_t>(j) * stride]) * beta - m;
    const double e = exp_nonpositive(d);
    w[0] += e;
    s1[0] += d * e;
    s2[0] += d * d * e;
  }
  double weight = 0.0;
  double first = 0.0;
  double second = 0.0;
  for (std::size_t l = 0; l < lanes; ++l) {
    weight += w[l];
    first += s1[l];
    second += s2[l];
  }
  const double relative_mean = first / weight;
  const double deviations = second - first * relative_mean;
  state.max = m;
  state.weight = weight;
  state.relative_mean = relative_mean;
  state.squared_deviations = deviations > 0.0 ? deviations : 0.0;
  return state;
}

}  // namespace detail
}  // namespace infoscale

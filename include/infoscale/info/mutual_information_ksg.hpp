#pragma once
// Kraskov-Stögbauer-Grassberger estimate of I(X; Y), algorithm 1 (Phys. Rev. E 69, 066138, 2004):
//   I = psi(k) + psi(n) - < psi(n_x + 1) + psi(n_y + 1) >,
// eps_i = max-norm distance from sample i to its k-th neighbour in the joint space (self excluded),
// n_x(i) = #{ j != i : |x_j - x_i|_max < eps_i } counted with a STRICT radius, n_y likewise.
// Conventions are scikit-learn's mutual_info_regression (which uses the same strict counts via
// nextafter(eps, 0) and <=): each column is first divided by its population standard deviation
// (no centring), then jittered by 1e-10 * max(1, mean |column|) * N(0, 1) so that ties (repeated
// values, quantised activations) cannot make eps_i = 0. The jitter comes from a counter-based
// random_stream, so the estimate is a pure function of (data, k, seed) on every thread count.
// With jitter = 0, tied samples (k or more exact duplicates of a point in the joint space, as
// quantised data or constant columns give) make eps_i = 0, every strict count 0 and the estimate
// meaningless (7.8 nats for x = y = 0); that raises an error naming the fix instead.
// Unlike sklearn the raw estimate is returned (it may be slightly negative); clamp if you wish.
//
// Failure mode in high dimension: the k-NN ball's volume ratio is exponential in dx + dy and KSG is
// biased DOWNWARDS for strong dependence, saturating far below the truth (an estimate cannot
// exceed about psi(n) - psi(k) ~ ln(n / k)); e.g. 10 + 10 dimensions with rho = 0.9 per pair
// (true 8.3 nats) gives well under half of it at n = 1000. Cost is O(n^2 (dx + dy)).

#include <algorithm>
#include <boost/math/special_functions/digamma.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/info/mutual_information_samples.hpp"

namespace infoscale {

/// Options of the KSG estimator.
struct ksg_options {
  std::size_t k = 3;        ///< neighbours (sklearn's n_neighbors)
  bool standardize = true;  ///< divide each column by its population standard deviation first
  double jitter = 1e-10;    ///< relative tie-breaking noise; 0 switches it off
  std::uint64_t seed = 0;   ///< seed of the jitter's random_stream
};

namespace detail {

inline void standardize_and_jitter(dense_samples& s, const ksg_options& options, std::uint64_t stream_id) {
  const random_stream stream(options.seed, stream_id);
  for (std::size_t j = 0; j < s.columns; ++j) {
    if (options.standardize) {
      compensated_sum sum, sum_sq;
      for (std::size_t i = 0; i < s.rows; ++i) sum += s(i, j);
      const double mean = sum.value() / static_cast<double>(s.rows);
      for (std::size_t i = 0; i < s.rows; ++i) sum_sq += (s(i, j) - mean) * (s(i, j) - mean);
      const double sd = std::sqrt(sum_sq.value() / static_cast<double>(s.rows));
      if (sd > 0.0)  // sklearn's scale leaves a constant column as it is
        for (std::size_t i = 0; i < s.rows; ++i) s(i, j) /= sd;
    }
    if (options.jitter > 0.0) {
      compensated_sum abs_sum;
      for (std::size_t i = 0; i < s.rows; ++i) abs_sum += std::abs(s(i, j));
      const double amplitude = options.jitter * std::max(1.0, abs_sum.value() / static_cast<double>(s.rows));
      for (std::size_t i = 0; i < s.rows; ++i) s(i, j) += amplitude * stream.normal(i * s.columns + j);
    }
  }
}

inline double max_norm_distance(const dense_samples& s, std::size_t a, std::size_t b) {
  double d = 0.0;
  for (std::size_t j = 0; j < s.columns; ++j) d = std::max(d, std::abs(s(a, j) - s(b, j)));
  return d;
}

}  // namespace detail

/// KSG (algorithm 1) estimate of I(X; Y) in nats from paired samples (rows of x and y). seq runs one
/// thread; par and thrust_host spread the samples over threads with identical results.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] double ksg_mutual_information(P policy, const matrix_view<T>& x, const matrix_view<U>& y,
                                            const ksg_options& options = {}) {
  static_assert(!reads_device_memory<P>,
                "ksg_mutual_information runs on host memory; copy the samples first");
  constexpr std::string_view function = "ksg_mutual_information";
  auto xs = detail::dense_copy(x, function, "x");
  auto ys = detail::dense_copy(y, function, "y");
  detail::check_paired_samples(x, y, function);
  const std::size_t n = xs.rows, k = options.k;
  if (k < 1) detail::raise(function, "k", "must be >= 1");
  if (n <= k)
    detail::raise(function, "x",
                  "has " + std::to_string(n) + " samples; KSG needs more than k = " + std::to_string(k));
  if (!(options.jitter >= 0.0) || !std::isfinite(options.jitter))
    detail::raise(function, "jitter", "must be finite and >= 0");
  detail::standardize_and_jitter(xs, options, 0);
  detail::standardize_and_jitter(ys, options, 1);

  std::vector<double> psi(n + 1, 0.0);  // psi[m] = digamma(m), m >= 1
  for (std::size_t m = 1; m <= n; ++m) psi[m] = boost::math::digamma(static_cast<double>(m));
  std::vector<double> per_sample(n);
  std::vector<unsigned char> tied(n, 0);  // eps_i = 0: k duplicates of sample i
  const auto body = [&](std::size_t i, std::vector<double>& dist) {
    std::size_t c = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      dist[c++] = std::max(detail::max_norm_distance(xs, i, j), detail::max_norm_distance(ys, i, j));
    }
    std::nth_element(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(k - 1),
                     dist.begin() + static_cast<std::ptrdiff_t>(n - 1));
    const double eps = dist[k - 1];
    if (!(eps > 0.0)) {
      tied[i] = 1;
      return;
    }
    std::size_t nx = 0, ny = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      nx += detail::max_norm_distance(xs, i, j) < eps;
      ny += detail::max_norm_distance(ys, i, j) < eps;
    }
    per_sample[i] = psi[nx + 1] + psi[ny + 1];
  };
  // Each sample's distances in a buffer of its own thread (allocated once per thread).
  for_each_index(policy, n, [&](std::size_t i) {
    thread_local std::vector<double> dist;
    dist.resize(n - 1);
    body(i, dist);
  });
  const auto ties = static_cast<std::size_t>(std::count(tied.begin(), tied.end(), 1));
  if (ties > 0) {
    const auto first = static_cast<std::size_t>(std::find(tied.begin(), tied.end(), 1) - tied.begin());
    detail::raise(
        function, "jitter",
        "is " + detail::format_number(options.jitter) + " but x and y have " + std::to_string(ties) + " of " +
            std::to_string(n) + " samples (the first: " + std::to_string(first) +
            ") with k = " + std::to_string(k) +
            " or more exact duplicates in the joint space (tied, e.g. quantised or constant, values), "
            "so the k-th neighbour distance is 0 and the KSG estimate is meaningless; set jitter > 0 "
            "(sklearn's mutual_info_regression adds 1e-10 noise; the default jitter = 1e-10 does "
            "the same)");
  }
  const double mean = accurate_sum(per_sample) / static_cast<double>(n);
  return psi[k] + psi[n] - mean;
}

/// The same on the seq policy.
template <class T, class U>
[[nodiscard]] double ksg_mutual_information(const matrix_view<T>& x, const matrix_view<U>& y,
                                            const ksg_options& options = {}) {
  return ksg_mutual_information(seq, x, y, options);
}

}  // namespace infoscale

#pragma once
// Bootstrap over sequences (multi-scale paper §4.1.1: 1000 resamples, 95% CIs): seeded resample
// weights from counter-based Philox draws, so resample b is the same on every thread count and
// back end; percentile and BCa intervals (BCa as scipy.stats.bootstrap, falling back to the
// percentile interval with a status when the bootstrap distribution is degenerate).

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"

namespace infoscale {

/// How many times each of `sequences` sequences is drawn in bootstrap resample `resample`
/// (sampling with replacement, `sequences` draws). A pure function of (seed, resample).
[[nodiscard]] inline std::vector<double> resample_weights(std::uint64_t seed, std::uint64_t resample,
                                                          std::size_t sequences) {
  if (sequences == 0) detail::raise("resample_weights", "sequences", "must be > 0");
  std::vector<double> w(sequences, 0.0);
  const random_stream stream(seed, resample);
  for (std::size_t i = 0; i < sequences; ++i) w[stream.below(sequences, i)] += 1.0;
  return w;
}

/// Leave-one-out weights: every sequence once except `left_out`.
[[nodiscard]] inline std::vector<double> jackknife_weights(std::size_t left_out, std::size_t sequences) {
  std::vector<double> w(sequences, 1.0);
  if (left_out < sequences) w[left_out] = 0.0;
  return w;
}

/// Evaluates statistic(weights) for `resamples` bootstrap resamples, in parallel under `par`;
/// slot b always holds resample b, so the result does not depend on the thread count.
template <ExecutionPolicy P, class Statistic>
[[nodiscard]] std::vector<double> bootstrap_distribution(P policy, std::size_t sequences,
                                                         std::size_t resamples, std::uint64_t seed,
                                                         const Statistic& statistic) {
  static_assert(std::same_as<P, seq_t> || std::same_as<P, par_t>,
                "bootstrap_distribution runs on the host: use seq or par");
  if (sequences == 0) detail::raise("bootstrap_distribution", "sequences", "must be > 0");
  std::vector<double> out(resamples);
  for_each_index(
      policy, resamples, [&](std::size_t r) { out[r] = statistic(resample_weights(seed, r, sequences)); }, 8);
  return out;
}

/// Linear-interpolation percentile of unsorted values, q in [0, 100]: numpy.percentile's default.
[[nodiscard]] inline double percentile(std::vector<double> values, double q) {
  if (values.empty()) detail::raise("percentile", "values", "is empty");
  if (!(q >= 0.0 && q <= 100.0)) detail::raise("percentile", "q", "must lie in [0, 100]");
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  // numpy's _lerp: a + (b - a) t, switching ends for t >= 0.5 to stay exact at the ends
  const double a = values[below], b = values[above];
  return fraction >= 0.5 ? b - (b - a) * (1.0 - fraction) : a + (b - a) * fraction;
}

/// The weight sets every resampled signal is evaluated on, in one fixed order: set 0 is the full
/// sample (all weights 1), sets 1..B the bootstrap resamples, sets B+1..B+S the leave-one-sequence
/// -out jackknife (for BCa). Signals built from per-sequence sufficient statistics only need these
/// weights, never the raw activations again.
class resampling_plan {
 public:
  resampling_plan(std::size_t sequences, std::size_t resamples = 1000, std::uint64_t seed = 0)
      : sequences_(sequences), resamples_(resamples), seed_(seed) {
    if (sequences == 0) detail::raise("resampling_plan", "sequences", "must be > 0");
  }
  [[nodiscard]] std::size_t sequences() const { return sequences_; }
  [[nodiscard]] std::size_t resamples() const { return resamples_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  /// 1 + resamples + sequences weight sets.
  [[nodiscard]] std::size_t size() const { return 1 + resamples_ + sequences_; }
  [[nodiscard]] std::size_t first_jackknife() const { return 1 + resamples_; }
  [[nodiscard]] std::vector<double> weights(std::size_t set) const {
    if (set == 0) return std::vector<double>(sequences_, 1.0);
    if (set <= resamples_) return resample_weights(seed_, set - 1, sequences_);
    if (set < size()) return jackknife_weights(set - first_jackknife(), sequences_);
    detail::raise("resampling_plan::weights", "set", "is past the last weight set");
  }

 private:
  std::size_t sequences_;
  std::size_t resamples_;
  std::uint64_t seed_;
};

enum class interval_method { percentile, bca };
enum class interval_status {
  ok,
  bca_degenerate_used_percentile,  ///< BCa undefined (all resamples on one side, or zero jackknife spread)
  no_estimate                      ///< too few resamples produced a value: the interval is unbounded
};

[[nodiscard]] inline const char* name_of(interval_method m) {
  return m == interval_method::bca ? "bca" : "percentile";
}

[[nodiscard]] inline const char* name_of(interval_status s) {
  switch (s) {
    case interval_status::ok:
      return "ok";
    case interval_status::bca_degenerate_used_percentile:
      return "bca_degenerate_used_percentile";
    case interval_status::no_estimate:
      return "no_estimate";
  }
  return "?";
}

struct confidence_interval {
  double lower = 0.0;
  double upper = 0.0;
  interval_method method = interval_method::percentile;
  interval_status status = interval_status::ok;
  [[nodiscard]] double width() const { return upper - lower; }
};

namespace detail {
inline void check_confidence(double confidence, std::string_view function) {
  if (!(confidence > 0.0 && confidence < 1.0)) raise(function, "confidence", "must lie in (0, 1)");
}
inline std::vector<double> finite_only(std::span<const double> values, std::string_view function) {
  std::vector<double> out;
  for (const double v : values) {
    if (std::isnan(v)) continue;  // NaN marks a resample where the statistic did not exist
    if (!std::isfinite(v)) raise(function, "resamples", "contains an infinity");
    out.push_back(v);
  }
  return out;
}
}  // namespace detail

/// Percentile interval [q_(1-c)/2, q_(1+c)/2] of the bootstrap distribution. NaN entries are
/// resamples in which the statistic does not exist; when more than 1 - confidence of them are
/// NaN no interval at that level exists and the result is (-inf, +inf) with status no_estimate.
[[nodiscard]] inline confidence_interval percentile_interval(std::span<const double> resamples,
                                                             double confidence = 0.95) {
  detail::check_confidence(confidence, "percentile_interval");
  if (resamples.empty()) detail::raise("percentile_interval", "resamples", "is empty");
  const std::vector<double> values = detail::finite_only(resamples, "percentile_interval");
  const double missing = 1.0 - static_cast<double>(values.size()) / static_cast<double>(resamples.size());
  if (values.empty() || missing > 1.0 - confidence) {
    const double inf = std::numeric_limits<double>::infinity();
    return {-inf, inf, interval_method::percentile, interval_status::no_estimate};
  }
  const double alpha = (1.0 - confidence) / 2.0;
  return {percentile(values, 100.0 * alpha), percentile(values, 100.0 * (1.0 - alpha)),
          interval_method::percentile, interval_status::ok};
}

/// Bias-corrected and accelerated interval (Efron 1987) as scipy.stats.bootstrap(method='BCa'):
/// z0 = Phi^-1 of the mid-rank share of resamples below theta_hat, acceleration from the
/// jackknife values, then percentiles at the adjusted levels. Degenerate cases (z0 infinite,
/// jackknife without spread) fall back to the percentile interval with a status.
[[nodiscard]] inline confidence_interval bca_interval(double theta_hat, std::span<const double> resamples,
                                                      std::span<const double> jackknife,
                                                      double confidence = 0.95) {
  constexpr std::string_view function = "bca_interval";
  detail::check_confidence(confidence, function);
  if (resamples.empty()) detail::raise(function, "resamples", "is empty");
  if (jackknife.size() < 2) detail::raise(function, "jackknife", "needs at least 2 leave-one-out values");
  infoscale::check_finite(theta_hat, function, "theta_hat");
  confidence_interval fallback = percentile_interval(resamples, confidence);
  if (fallback.status == interval_status::no_estimate) return fallback;
  fallback.status = interval_status::bca_degenerate_used_percentile;
  const std::vector<double> values = detail::finite_only(resamples, function);
  const std::vector<double> jack = detail::finite_only(jackknife, function);
  if (jack.size() < 2) return fallback;
  double below = 0.0, at_or_below = 0.0;
  for (const double v : values) {
    below += v < theta_hat ? 1.0 : 0.0;
    at_or_below += v <= theta_hat ? 1.0 : 0.0;
  }
  const double share = (below + at_or_below) / 2.0 / static_cast<double>(values.size());
  if (!(share > 0.0 && share < 1.0)) return fallback;
  const boost::math::normal_distribution<double> normal;
  const double z0 = boost::math::quantile(normal, share);
  compensated_sum mean_sum;
  for (const double v : jack) mean_sum += v;
  const double mean = mean_sum.value() / static_cast<double>(jack.size());
  compensated_sum num, den;
  for (const double v : jack) {
    const double d = mean - v;
    num += d * d * d;
    den += d * d;
  }
  if (!(den.value() > 0.0)) return fallback;
  const double a = num.value() / (6.0 * std::pow(den.value(), 1.5));
  const double alpha = (1.0 - confidence) / 2.0;
  const auto level = [&](double tail) {
    const double z = boost::math::quantile(normal, tail);
    return boost::math::cdf(normal, z0 + (z0 + z) / (1.0 - a * (z0 + z)));
  };
  const double lo = level(alpha), hi = level(1.0 - alpha);
  if (!std::isfinite(lo) || !std::isfinite(hi)) return fallback;
  return {percentile(values, 100.0 * lo), percentile(values, 100.0 * hi), interval_method::bca,
          interval_status::ok};
}

}  // namespace infoscale

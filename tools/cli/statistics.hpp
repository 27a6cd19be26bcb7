#pragma once
// Summary statistics of per-token values, with the definitions llama.cpp's `llama-perplexity
// --kl-divergence` uses (tools/perplexity/perplexity.cpp in ggml-org/llama.cpp), computed exactly:
//  - mean_and_uncertainty: mean, and SE = sqrt((<x^2> - <x>^2) / (n - 1)) = sample SD / sqrt(n).
//    llama.cpp prints SE = 0 for n <= 10; here the SE is given for every n >= 2. It accumulates
//    raw sums in double; here a two-pass compensated sum avoids the cancellation in <x^2> - <x>^2.
//  - percentile(values, f): p = f (n - 1), linear interpolation between the neighbours of floor(p)
//    (numpy's default 'linear' method); the median is the mean of the two middle values.
//  - covariance(a, b) = (<ab> - <a><b>) / (n - 1): the covariance of the two means.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <infoscale/core/compensated_sum.hpp>
#include <span>
#include <vector>

namespace infoscale::cli {

struct mean_error {
  double mean = 0.0;
  double standard_error = 0.0;
};

inline double mean_of(std::span<const double> x) {
  compensated_sum sum;
  for (const double v : x) sum += v;
  return x.empty() ? 0.0 : sum.value() / static_cast<double>(x.size());
}

inline mean_error mean_and_error(std::span<const double> x) {
  const double mean = mean_of(x);
  if (x.size() < 2) return {mean, 0.0};
  compensated_sum squares;
  for (const double v : x) squares += (v - mean) * (v - mean);
  const double n = static_cast<double>(x.size());
  return {mean, std::sqrt(squares.value() / n / (n - 1.0))};
}

/// Covariance of the means of two paired samples, (<ab> - <a><b>) / (n - 1).
inline double covariance_of_means(std::span<const double> a, std::span<const double> b) {
  if (a.size() < 2) return 0.0;
  const double ma = mean_of(a), mb = mean_of(b);
  compensated_sum sum;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - ma) * (b[i] - mb);
  const double n = static_cast<double>(a.size());
  return sum.value() / n / (n - 1.0);
}

/// llama.cpp's percentile of sorted values, fraction in [0, 1].
inline double percentile_sorted(std::span<const double> sorted, double fraction) {
  if (sorted.empty()) return std::nan("");
  if (fraction <= 0.0) return sorted.front();
  if (fraction >= 1.0) return sorted.back();
  double p = fraction * static_cast<double>(sorted.size() - 1);
  const auto ip = static_cast<std::size_t>(p);
  p -= static_cast<double>(ip);
  return (1.0 - p) * sorted[ip] + p * sorted[std::min(ip + 1, sorted.size() - 1)];
}

/// mean +- SE, min, median, max, and chosen percentiles of one per-token quantity.
struct summary {
  std::size_t count = 0;
  double mean = 0.0, standard_error = 0.0, min = 0.0, median = 0.0, max = 0.0;
  std::vector<std::pair<double, double>> percentiles;  ///< (fraction, value)
};

inline summary summarise(std::span<const double> x, std::span<const double> fractions = {}) {
  summary s;
  s.count = x.size();
  if (x.empty()) return s;
  const auto me = mean_and_error(x);
  s.mean = me.mean;
  s.standard_error = me.standard_error;
  std::vector<double> sorted(x.begin(), x.end());
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = percentile_sorted(sorted, 0.5);
  for (const double f : fractions) s.percentiles.emplace_back(f, percentile_sorted(sorted, f));
  return s;
}

}  // namespace infoscale::cli

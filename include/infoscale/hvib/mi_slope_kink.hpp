#pragma once
// Slope discontinuities of a per-layer information profile I(X; h_l), mspgt-hvib eqs. (27)-(28): the
// optimal value V(l) has a kink where the active scale switches, so d/dl I(X; h_l) jumps at a
// scale boundary. Located by continuous segmented (hinge) regression
//   I_l = a + b l + sum_k c_k (l - tau_k)_+,
// breakpoints tau_k searched exhaustively on the layer grid (each segment keeps min_segment
// points), the number of kinks K chosen by BIC = n ln(RSS/n) + p ln n or AIC = n ln(RSS/n) + 2p,
// p = 2 + 2K (intercept, slope, and a jump and a location per kink). The slope jumps are the c_k.
// A residual bootstrap (resampled residuals added to the fit, K held fixed, indices from a
// counter-based random_stream, so the result is deterministic) gives percentile CIs for each tau_k.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/random.hpp"

namespace infoscale {

/// Model-selection criterion for the number of kinks.
enum class information_criterion { bic, aic };

struct kink_options {
  std::size_t max_kinks = 2;    ///< largest K tried (exhaustive search, O(n^K) fits)
  std::size_t min_segment = 3;  ///< points per segment, breakpoints included
  information_criterion criterion = information_criterion::bic;
  std::size_t bootstrap = 200;  ///< residual-bootstrap resamples (0: no CI)
  double confidence = 0.95;
  std::uint64_t seed = 0;
};

/// The best continuous piecewise-linear fit with a given number of kinks.
struct segmented_fit {
  std::vector<double> breakpoints;  ///< tau_k, in layer units, increasing
  std::vector<double> slopes;       ///< slope of each of the K + 1 segments
  std::vector<double> slope_jumps;  ///< c_k = slope after - slope before at tau_k
  double rss = 0.0;
  double criterion = 0.0;  ///< BIC or AIC
  Eigen::VectorXd fitted;
};

struct kink_report {
  segmented_fit best;                   ///< the fit the criterion chose
  std::vector<segmented_fit> by_kinks;  ///< best fit for K = 0 .. max_kinks
  std::vector<double> lower;            ///< CI lower end per breakpoint of `best`
  std::vector<double> upper;            ///< CI upper end per breakpoint of `best`
};

namespace detail {

inline segmented_fit fit_hinges(const Eigen::VectorXd& x, const Eigen::VectorXd& y,
                                const std::vector<double>& taus) {
  const Eigen::Index n = y.size(), k = static_cast<Eigen::Index>(taus.size());
  Eigen::MatrixXd design(n, 2 + k);
  design.col(0).setOnes();
  design.col(1) = x;
  for (Eigen::Index j = 0; j < k; ++j)
    design.col(2 + j) = (x.array() - taus[std::size_t(j)]).max(0.0).matrix();
  const Eigen::VectorXd beta = design.colPivHouseholderQr().solve(y);
  segmented_fit fit;
  fit.breakpoints = taus;
  fit.fitted = design * beta;
  fit.rss = (y - fit.fitted).squaredNorm();
  double slope = beta(1);
  fit.slopes.push_back(slope);
  for (Eigen::Index j = 0; j < k; ++j) {
    fit.slope_jumps.push_back(beta(2 + j));
    slope += beta(2 + j);
    fit.slopes.push_back(slope);
  }
  return fit;
}

inline double criterion_value(double rss, double scale, std::size_t n, std::size_t kinks,
                              information_criterion c) {
  const auto nn = static_cast<double>(n);
  const double floor = 1e-24 * (scale > 0.0 ? scale : 1.0);  // an exact fit must not give ln 0
  const auto p = static_cast<double>(2 + 2 * kinks);
  return nn * std::log(std::max(rss, floor) / nn) +
         (c == information_criterion::bic ? p * std::log(nn) : 2.0 * p);
}

/// Exhaustive search for the K breakpoints (on the interior grid) with the smallest RSS.
inline segmented_fit best_with_kinks(const Eigen::VectorXd& x, const Eigen::VectorXd& y, std::size_t kinks,
                                     std::size_t min_segment) {
  const auto n = static_cast<std::size_t>(y.size());
  segmented_fit best;
  best.rss = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> at(kinks);
  // Breakpoint k sits at index at[k]; segments [0, at0], [at0, at1], ..., [at_last, n-1] each
  // hold at least min_segment points.
  const std::size_t gap = min_segment - 1;
  std::function<void(std::size_t, std::size_t)> recurse = [&](std::size_t level, std::size_t first) {
    if (level == kinks) {
      if (kinks > 0 && n - 1 - at[kinks - 1] < gap) return;
      std::vector<double> taus(kinks);
      for (std::size_t k = 0; k < kinks; ++k) taus[k] = x(Eigen::Index(at[k]));
      auto fit = fit_hinges(x, y, taus);
      if (fit.rss < best.rss) best = std::move(fit);
      return;
    }
    for (std::size_t i = first; i + gap <= n - 1; ++i) {
      at[level] = i;
      recurse(level + 1, i + gap);
    }
  };
  recurse(0, gap);
  return best;
}

inline double percentile(std::vector<double> v, double q) {  // numpy's default (linear) rule
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace detail

/// Locates slope discontinuities of I(X; h_l) over layers l = positions[i] (default 0, 1, 2, ...),
/// mspgt-hvib eqs. (27)-(28).
[[nodiscard]] inline kink_report mi_slope_kinks(const std::vector<double>& information,
                                                const kink_options& options = {},
                                                std::vector<double> positions = {}) {
  constexpr std::string_view function = "mi_slope_kinks";
  const std::size_t n = information.size();
  if (options.min_segment < 2) detail::raise(function, "min_segment", "must be >= 2");
  if (n < 2 * options.min_segment)
    detail::raise(function, "information", "needs at least 2 * min_segment layers");
  for (double v : information)
    if (!std::isfinite(v)) detail::raise(function, "information", "contains NaN or an infinity");
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    detail::raise(function, "confidence", "must lie in (0, 1)");
  if (positions.empty()) {
    positions.resize(n);
    for (std::size_t i = 0; i < n; ++i) positions[i] = static_cast<double>(i);
  }
  if (positions.size() != n) detail::raise(function, "positions", "must have one entry per layer");
  for (std::size_t i = 1; i < n; ++i)
    if (!(positions[i] > positions[i - 1]))
      detail::raise(function, "positions", "must be strictly increasing");
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(positions.data(), Eigen::Index(n));
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(information.data(), Eigen::Index(n));
  const double scale = (y.array() - y.mean()).square().sum();

  kink_report report;
  std::size_t chosen = 0;
  for (std::size_t k = 0; k <= options.max_kinks; ++k) {
    if ((k + 1) * (options.min_segment - 1) + 1 > n) break;
    auto fit = detail::best_with_kinks(x, y, k, options.min_segment);
    fit.criterion = detail::criterion_value(fit.rss, scale, n, k, options.criterion);
    report.by_kinks.push_back(std::move(fit));
    if (report.by_kinks.back().criterion < report.by_kinks[chosen].criterion) chosen = k;
  }
  report.best = report.by_kinks[chosen];

  if (chosen > 0 && options.bootstrap > 0) {
    const random_stream stream(options.seed, 0x6b696e6bULL);  // "kink"
    const Eigen::VectorXd residual = y - report.best.fitted;
    const double mean_residual = residual.mean();
    std::vector<std::vector<double>> taus(chosen);
    Eigen::VectorXd resampled(static_cast<Eigen::Index>(n));
    for (std::size_t b = 0; b < options.bootstrap; ++b) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto j = static_cast<Eigen::Index>(stream.below(n, b * n + i));
        resampled(Eigen::Index(i)) = report.best.fitted(Eigen::Index(i)) + residual(j) - mean_residual;
      }
      const auto fit = detail::best_with_kinks(x, resampled, chosen, options.min_segment);
      for (std::size_t k = 0; k < chosen; ++k) taus[k].push_back(fit.breakpoints[k]);
    }
    const double alpha = 1.0 - options.confidence;
    for (std::size_t k = 0; k < chosen; ++k) {
      report.lower.push_back(detail::percentile(taus[k], alpha / 2));
      report.upper.push_back(detail::percentile(taus[k], 1.0 - alpha / 2));
    }
  }
  return report;
}

}  // namespace infoscale

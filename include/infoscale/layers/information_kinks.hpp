#pragma once
// Prediction 1.2 of the multi-scale paper (§3.3.2, Tier 1): an information phase transition at
// each scale boundary, |dI/dl| just before l_b != just after.
//
// The layerwise information is estimated from the probes the analysis already trained: I_l is
// the plug-in mutual information I(Y; Yhat_l), in bits, of the out-of-fold confusion matrix of
// layer l's probe, averaged over the label sets. Y is a function of the text X, and Yhat_l a
// function of h_l (through a probe fitted on other folds), so I(Y; Yhat_l) <= I(X; h_l) by data
// processing: a lower bound on the paper's I(X; h_l), not the quantity itself. The per-sequence
// confusion matrices are the bootstrap's sufficient statistics, so I_l is resampled on exactly the
// weight sets of the boundaries. Plug-in bias is about (K - 1)^2 / (2 N ln 2) bits for K classes
// and N tokens, nearly the same at every layer: it shifts the profile, not its slopes.
//
// Test: continuous hinge regression I_l = a + b l + sum_k c_k (l - tau_k)_+ (MS eqs. (27)-(28);
// hvib/mi_slope_kink.hpp fits it), with tau_k fixed at the boundaries found by the fused evidence,
// tau = pair + 1/2 (between hidden states pair and pair + 1). The slope jump c_k on each bootstrap
// resample gives its percentile interval; the slope is discontinuous where that interval excludes 0.

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/hvib/mi_slope_kink.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/probe.hpp"

namespace infoscale {

/// Plug-in mutual information of a (weighted) confusion matrix C[true][predicted], in bits:
/// sum p_ij log2(p_ij / (p_i. p_.j)) with p = C / sum C.
[[nodiscard]] inline double confusion_information_bits(const Eigen::MatrixXd& confusion) {
  const double total = confusion.sum();
  if (!(total > 0.0)) detail::raise("confusion_information_bits", "confusion", "is empty (sums to 0)");
  const Eigen::VectorXd rows = confusion.rowwise().sum() / total;
  const Eigen::RowVectorXd cols = confusion.colwise().sum() / total;
  double bits = 0.0;
  for (Eigen::Index j = 0; j < confusion.cols(); ++j) {
    for (Eigen::Index i = 0; i < confusion.rows(); ++i) {
      const double p = confusion(i, j) / total;
      if (p > 0.0) bits += p * std::log2(p / (rows(i) * cols(j)));
    }
  }
  return bits > 0.0 ? bits : 0.0;  // rounding can leave -1e-17 for independent rows
}

/// I_l on one weight set: per hidden state, the mean over label sets of I(Y; Yhat_l) in bits.
[[nodiscard]] inline std::vector<double> information_profile(const probe_evidence& probes, std::size_t set) {
  const auto w = probes.plan().weights(set);
  std::vector<double> profile(probes.layers(), 0.0);
  for (std::size_t l = 0; l < probes.layers(); ++l) {
    for (std::size_t t = 0; t < probes.tasks(); ++t)
      profile[l] += confusion_information_bits(probes.confusion(l, t, w));
    profile[l] /= static_cast<double>(probes.tasks());
  }
  return profile;
}

/// The slope change of I_l at one boundary.
struct information_kink {
  std::string boundary;  ///< "L-I", "I-G" or "one", as the boundary it tests
  std::size_t pair = 0;
  double tau = 0.0;                              ///< hinge position, pair + 1/2
  double slope_before = 0.0, slope_after = 0.0;  ///< bits per layer, full sample
  double jump = 0.0;                             ///< c_k = slope_after - slope_before
  std::optional<confidence_interval> ci;         ///< percentile interval of c_k; absent without a bootstrap
  /// The interval excludes 0 (prediction 1.2 holds here); without a bootstrap, false.
  [[nodiscard]] bool discontinuous() const {
    return ci && ci->status == interval_status::ok && (ci->lower > 0.0 || ci->upper < 0.0);
  }
};

namespace detail {

inline std::vector<double> hinge_jumps(std::span<const double> profile, std::span<const double> taus) {
  const auto n = static_cast<Eigen::Index>(profile.size());
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(n, 0.0, static_cast<double>(n - 1));
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(profile.data(), n);
  return fit_hinges(x, y, std::vector<double>(taus.begin(), taus.end())).slope_jumps;
}

}  // namespace detail

/// The hinge fit at `pairs` (boundaries, in layer order, named by `names`) on the full sample and,
/// when `bootstrap`, on every resample of the probes' plan; percentile intervals at `confidence`.
template <ExecutionPolicy P>
[[nodiscard]] std::vector<information_kink> information_kinks(P policy, const probe_evidence& probes,
                                                              std::span<const std::size_t> pairs,
                                                              std::span<const std::string> names,
                                                              bool bootstrap, double confidence = 0.95) {
  constexpr std::string_view function = "information_kinks";
  if (names.size() != pairs.size()) detail::raise(function, "names", "must name every pair");
  if (probes.layers() < 3) detail::raise(function, "probes", "need >= 3 hidden states for a slope change");
  std::vector<double> taus;
  for (const std::size_t p : pairs) {
    if (p + 1 >= probes.layers()) detail::raise(function, "pairs", "has a pair past the last hidden state");
    taus.push_back(static_cast<double>(p) + 0.5);
  }
  std::vector<information_kink> kinks;
  if (pairs.empty()) return kinks;
  const auto full = information_profile(probes, 0);
  const auto fit = detail::fit_hinges(
      Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(full.size()), 0.0,
                                 static_cast<double>(full.size() - 1)),
      Eigen::Map<const Eigen::VectorXd>(full.data(), static_cast<Eigen::Index>(full.size())), taus);
  const std::size_t resamples = bootstrap ? probes.plan().resamples() : 0;
  std::vector<std::vector<double>> jumps(resamples);
  for_each_index(policy, resamples, [&](std::size_t r) {
    const auto profile = information_profile(probes, r + 1);
    jumps[r] = detail::hinge_jumps(profile, taus);
  });
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    information_kink kink;
    kink.boundary = names[k];
    kink.pair = pairs[k];
    kink.tau = taus[k];
    kink.slope_before = fit.slopes[k];
    kink.slope_after = fit.slopes[k + 1];
    kink.jump = fit.slope_jumps[k];
    if (resamples > 0) {
      std::vector<double> c(resamples);
      for (std::size_t r = 0; r < resamples; ++r) c[r] = jumps[r][k];
      kink.ci = percentile_interval(c, confidence);
    }
    kinks.push_back(std::move(kink));
  }
  return kinks;
}

}  // namespace infoscale

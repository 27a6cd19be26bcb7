#pragma once
// Boundary detection, MS §4.1.1: fuse S1 (CKA), S2 (probes) and S3 (attention) into E(l) (MS eq.
// (6)), take the two most prominent peaks with prominence >= 0.3 as the L-I and I-G boundaries, and
// bootstrap over sequences (1000 resamples) for 95% CIs; a boundary is accepted when its CI is
// narrower than 5 layers. Positions are layer-pair indices: boundary l lies between layers l and l+1.
//
// In each resample the same estimator runs again (fusion, peaks, the two most prominent, in layer
// order). A resample with a single peak assigns it to the nearer full-sample boundary; a missing
// boundary is a NaN, and more than 5% NaN leaves the CI unbounded (not accepted). A resample whose
// evidence cannot be formed (a probe score of 0 in it, say) counts as one without the boundary and
// is reported in failed_resamples. One pass over the resamples gives both interval methods.

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/layers/fusion.hpp"
#include "infoscale/layers/peaks.hpp"
#include "infoscale/layers/probe.hpp"

namespace infoscale {

struct boundary_options {
  std::array<double, 3> weights = default_signal_weights;
  signal_normalization normalization = signal_normalization::max;
  /// S3 entries before this pair do not exist (layer_analysis passes 1: its pair 0 is a
  /// placeholder, nothing attends before layer 1); they add 0 and take no part in S3's range.
  std::size_t s3_first_pair = 0;
  double min_prominence = 0.3;
  double confidence = 0.95;
  double max_ci_width = 5.0;                      ///< layers
  interval_method method = interval_method::bca;  ///< the interval that decides acceptance
  bool include_edges = false;
};

struct boundary {
  std::size_t pair = 0;  ///< layer-pair index l: the change from hidden state l to l+1
  double prominence = 0.0;
  confidence_interval ci;             ///< the interval of options.method
  confidence_interval ci_percentile;  ///< both come from the same resamples
  confidence_interval ci_bca;         ///< the percentile interval, with a status, where BCa is undefined
  double detection_rate = 0.0;        ///< share of resamples in which the boundary exists
  bool accepted = false;
};

struct boundary_report {
  std::vector<double> s1, s2, s3, evidence;
  std::vector<peak> peaks;                       ///< every peak with prominence >= min_prominence
  std::vector<boundary> boundaries;              ///< up to two, in layer order: L-I then I-G
  std::vector<std::array<double, 2>> resampled;  ///< per bootstrap resample (NaN = absent)
  std::size_t failed_resamples = 0;              ///< resamples (and jackknife sets) whose evidence failed
  std::string first_failure;                     ///< the error of the lowest failed set
};

namespace detail {

struct evidence_sources {
  const cka_evidence* cka = nullptr;
  const probe_evidence* probes = nullptr;
  const attention_evidence* attention = nullptr;
};

inline std::vector<double> fused(const evidence_sources& e, std::size_t set, const boundary_options& o,
                                 std::array<std::vector<double>, 3>* signals = nullptr) {
  std::array<std::vector<double>, 3> s;
  if (e.cka != nullptr) s[0] = e.cka->signal(set);
  if (e.probes != nullptr) s[1] = e.probes->signal(set);
  if (e.attention != nullptr) s[2] = e.attention->signal(set);
  auto out = boundary_evidence(s[0], s[1], s[2], o.weights, o.normalization, o.s3_first_pair);
  if (signals != nullptr) *signals = std::move(s);
  return out;
}

inline std::vector<peak> boundary_peaks(std::span<const double> evidence, const boundary_options& o) {
  return most_prominent(
      find_peaks(evidence, {o.min_prominence, std::numeric_limits<double>::infinity(), o.include_edges}), 2);
}

// Positions of the two boundaries in one resample, matched to the full-sample ones.
inline std::array<double, 2> match(const std::vector<peak>& found, const std::vector<peak>& reference) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::array<double, 2> out{nan, nan};
  if (found.size() == 2) {
    out = {static_cast<double>(found[0].index), static_cast<double>(found[1].index)};
  } else if (found.size() == 1 && !reference.empty()) {
    std::size_t slot = 0;
    if (reference.size() == 2) {
      const auto d0 = std::abs(static_cast<double>(found[0].index) - static_cast<double>(reference[0].index));
      const auto d1 = std::abs(static_cast<double>(found[0].index) - static_cast<double>(reference[1].index));
      slot = d1 < d0 ? 1 : 0;
    }
    out[slot] = static_cast<double>(found[0].index);
  }
  return out;
}

}  // namespace detail

/// Detects the L-I and I-G boundaries from whichever evidence is given (null pointers skip a
/// signal; all given evidence must share one resampling plan and layer count). `par` evaluates the
/// resamples on OpenMP threads; every resample writes its own slot, so results do not depend on
/// the thread count. Host only: seq or par.
template <ExecutionPolicy P>
requires(std::same_as<P, seq_t> || std::same_as<P, par_t>) [[nodiscard]] boundary_report
    detect_boundaries(P policy, const cka_evidence* cka, const probe_evidence* probes,
                      const attention_evidence* attention, const boundary_options& options = {}) {
  constexpr std::string_view function = "detect_boundaries";
  if (cka == nullptr && probes == nullptr && attention == nullptr)
    detail::raise(function, "evidence", "is all null");
  std::size_t layers = cka != nullptr ? cka->layers() : 0;
  if (probes != nullptr) layers = layers == 0 ? probes->layers() : layers;
  if (attention != nullptr) layers = layers == 0 ? attention->pairs() + 1 : layers;
  if (layers < 3)
    detail::raise(function, "evidence",
                  "covers " + std::to_string(layers) + " layers; at least 3 are needed");
  if ((cka != nullptr && cka->layers() != layers) || (probes != nullptr && probes->layers() != layers) ||
      (attention != nullptr && attention->pairs() + 1 != layers)) {
    detail::raise(function, "evidence", "sources cover different numbers of layers");
  }
  if (!(options.max_ci_width > 0.0)) detail::raise(function, "options.max_ci_width", "must be > 0");
  const detail::evidence_sources sources{cka, probes, attention};
  std::size_t sets = 0, resamples = 0, first_jackknife = 0;
  const auto adopt = [&](const resampling_plan& p) {
    if (sets != 0 && (p.size() != sets || p.resamples() != resamples)) {
      detail::raise(function, "evidence", "sources use different resampling plans");
    }
    sets = p.size();
    resamples = p.resamples();
    first_jackknife = p.first_jackknife();
  };
  if (cka != nullptr) adopt(cka->plan());
  if (probes != nullptr) adopt(probes->plan());
  if (attention != nullptr) adopt(attention->plan());

  boundary_report report;
  std::array<std::vector<double>, 3> signals;
  report.evidence = detail::fused(sources, 0, options, &signals);
  report.s1 = std::move(signals[0]);
  report.s2 = std::move(signals[1]);
  report.s3 = std::move(signals[2]);
  report.peaks = find_peaks(report.evidence, {options.min_prominence, std::numeric_limits<double>::infinity(),
                                              options.include_edges});
  const std::vector<peak> chosen = detail::boundary_peaks(report.evidence, options);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::array<double, 2>> positions(sets, {nan, nan});
  std::vector<std::string> failures(sets);
  for_each_index(
      policy, sets > 0 ? sets - 1 : 0,
      [&](std::size_t i) {
        const std::size_t k = i + 1;
        try {
          positions[k] =
              detail::match(detail::boundary_peaks(detail::fused(sources, k, options), options), chosen);
        } catch (const error& e) {
          failures[k] = e.what();
        }
      },
      4);
  for (std::size_t k = 1; k < sets; ++k) {
    if (failures[k].empty()) continue;
    if (report.failed_resamples++ == 0) report.first_failure = failures[k];
  }
  report.resampled.assign(positions.begin() + 1,
                          positions.begin() + static_cast<std::ptrdiff_t>(first_jackknife));
  for (std::size_t b = 0; b < chosen.size(); ++b) {
    const std::size_t slot = chosen.size() == 2 ? b : 0;
    std::vector<double> boot, jack;
    std::size_t present = 0;
    for (std::size_t k = 1; k < first_jackknife; ++k) {
      boot.push_back(positions[k][slot]);
      present += std::isnan(positions[k][slot]) ? 0 : 1;
    }
    for (std::size_t k = first_jackknife; k < sets; ++k) jack.push_back(positions[k][slot]);
    boundary out;
    out.pair = chosen[b].index;
    out.prominence = chosen[b].prominence;
    out.detection_rate = resamples == 0 ? 0.0 : static_cast<double>(present) / static_cast<double>(resamples);
    if (resamples == 0) {
      out.ci_percentile = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                           interval_method::percentile, interval_status::no_estimate};
      out.ci_bca = out.ci_percentile;
    } else {
      out.ci_percentile = percentile_interval(boot, options.confidence);
      out.ci_bca = jack.size() >= 2
                       ? bca_interval(static_cast<double>(out.pair), boot, jack, options.confidence)
                       : out.ci_percentile;
    }
    out.ci = options.method == interval_method::bca ? out.ci_bca : out.ci_percentile;
    out.accepted = out.ci.status != interval_status::no_estimate && out.ci.width() < options.max_ci_width;
    report.boundaries.push_back(out);
  }
  return report;
}

}  // namespace infoscale

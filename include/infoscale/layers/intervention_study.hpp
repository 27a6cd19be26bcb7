#pragma once
// Experiment 2 of the multi-scale paper (MS §4.2) as numbers: per model, the behaviour of an
// unperturbed run and of one perturbed run per scale (noise of eq. (7) in that scale's layers),
// paired prompt by prompt, reduced to Table 2 (percentage change, paired t-test) and the
// brittleness coefficient gamma_s = Delta metric / sigma (§3.3.2, Tier 3). The generations happen in
// a front end (infoscale.hf.interventions; the llama.cpp adapter); this header only compares, so
// every front end gets the same statistics. Predictions 2.1 and 3.1 read these summaries
// (layers/study.hpp).
//
// Conventions, made explicit:
//  - A prompt's value of a metric may be NaN ("not measured": coherence of a sample with one
//    sentence); such a prompt is left out of that metric's pairs, in both conditions.
//  - Percentage change = 100 (mean perturbed - mean baseline) / |mean baseline| over those pairs
//    (Table 2's unit). Two brittleness units: `brittleness` = (perturbed - baseline) / sigma in the
//    metric's own unit (the §3.3.2 definition), `brittleness_percent` = percentage change / sigma
//    (eq. (8) compares families in percent: "40/1").
//  - Paired t-test of perturbed against baseline (scipy.stats.ttest_rel). Identical pairs give
//    t = 0, p = 1 (no change); differences that are all one nonzero constant give t = +-inf,
//    p = 0, scipy's limit.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/behaviour.hpp"
#include "infoscale/layers/layer_report.hpp"
#include "infoscale/layers/prediction.hpp"

namespace infoscale {

/// One perturbed condition: the scale's name, its layers, and per metric the value of each prompt.
struct intervention_scale {
  std::string scale;                        ///< "L", "I" or "G"
  std::vector<std::size_t> layers;          ///< the perturbed decoder blocks, 0-based
  std::vector<std::vector<double>> values;  ///< [metric][prompt], paired with the baseline's
};

/// What a front end measured on one model: Experiment 2's raw per-prompt behaviour.
struct intervention_run {
  std::string model, family;
  double sigma = 0.1;                         ///< noise / activation std, eq. (7)
  std::vector<std::string> metrics;           ///< e.g. "self_bleu", "length_variance"
  std::vector<std::vector<double>> baseline;  ///< [metric][prompt]
  std::vector<intervention_scale> scales;     ///< the perturbed conditions
  std::vector<std::string> notes;             ///< how the scales were chosen, what was not measured
};

/// One metric under one scale's noise against the baseline (a Table 2 cell and its test).
struct metric_change {
  std::string metric;
  std::size_t prompts = 0;                                      ///< pairs with both values measured
  double baseline = std::numeric_limits<double>::quiet_NaN();   ///< mean over those pairs
  double perturbed = std::numeric_limits<double>::quiet_NaN();  ///< mean over those pairs
  double percent_change = std::numeric_limits<double>::quiet_NaN();
  double t = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
  double brittleness = std::numeric_limits<double>::quiet_NaN();          ///< metric unit / sigma
  double brittleness_percent = std::numeric_limits<double>::quiet_NaN();  ///< percent / sigma
  [[nodiscard]] bool significant(double alpha = 0.05) const { return p_value < alpha; }
};

struct intervention_scale_summary {
  std::string scale;
  std::vector<std::size_t> layers;
  std::vector<metric_change> changes;  ///< in the run's metric order
};

/// Table 2 of one model.
struct intervention_summary {
  std::string model, family;
  double sigma = 0.1;
  std::vector<std::string> metrics;
  std::vector<intervention_scale_summary> scales;
  std::vector<std::string> notes;

  /// The change of `metric` under `scale`'s noise, or nullptr when either was not run.
  [[nodiscard]] const metric_change* find(const std::string& scale, const std::string& metric) const {
    for (const auto& s : scales) {
      if (s.scale != scale) continue;
      for (const auto& c : s.changes)
        if (c.metric == metric) return &c;
    }
    return nullptr;
  }
};

namespace detail {

inline void check_prompt_values(const std::vector<std::vector<double>>& values, std::size_t metrics,
                                std::size_t prompts, const std::string& argument) {
  constexpr std::string_view function = "compare_interventions";
  if (values.size() != metrics)
    raise(
        function, argument,
        "has " + std::to_string(values.size()) + " metric rows for " + std::to_string(metrics) + " metrics");
  for (std::size_t m = 0; m < metrics; ++m) {
    if (values[m].size() != prompts)
      raise(function, argument,
            "metric " + std::to_string(m) + " has " + std::to_string(values[m].size()) +
                " prompts, the baseline has " + std::to_string(prompts) + " (conditions must be paired)");
    for (const double v : values[m])
      if (std::isinf(v)) raise(function, argument, "contains an infinity (NaN marks a prompt not measured)");
  }
}

inline metric_change change_of(const std::string& metric, const std::vector<double>& base,
                               const std::vector<double>& pert, double sigma) {
  metric_change c;
  c.metric = metric;
  std::vector<double> a, b;
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (std::isnan(base[i]) || std::isnan(pert[i])) continue;
    b.push_back(base[i]);
    a.push_back(pert[i]);
  }
  c.prompts = a.size();
  if (a.empty()) return c;
  double sum_a = 0.0, sum_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum_a += a[i];
    sum_b += b[i];
  }
  c.perturbed = sum_a / static_cast<double>(a.size());
  c.baseline = sum_b / static_cast<double>(b.size());
  c.percent_change = c.baseline != 0.0 ? 100.0 * (c.perturbed - c.baseline) / std::abs(c.baseline)
                                       : std::numeric_limits<double>::quiet_NaN();
  c.brittleness = (c.perturbed - c.baseline) / sigma;
  c.brittleness_percent = c.percent_change / sigma;
  if (a.size() < 2) return c;
  bool constant = true;
  for (std::size_t i = 1; i < a.size() && constant; ++i) constant = a[i] - b[i] == a[0] - b[0];
  if (!constant) {
    const t_test_result t = paired_t_test(a, b);
    c.t = t.statistic;
    c.p_value = t.p_value;
  } else if (a[0] == b[0]) {
    c.t = 0.0;
    c.p_value = 1.0;
  } else {
    c.t = a[0] > b[0] ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    c.p_value = 0.0;
  }
  return c;
}

}  // namespace detail

/// Table 2 of one model: every scale's change of every metric against the paired baseline, with
/// its paired t-test and brittleness (MS §4.2, §3.3.2).
[[nodiscard]] inline intervention_summary compare_interventions(const intervention_run& run) {
  constexpr std::string_view function = "compare_interventions";
  if (!std::isfinite(run.sigma) || run.sigma <= 0.0)
    detail::raise(function, "sigma", "must be finite and > 0 (brittleness divides by it)");
  if (run.metrics.empty()) detail::raise(function, "metrics", "is empty");
  if (run.baseline.empty() || run.baseline[0].empty()) detail::raise(function, "baseline", "has no prompts");
  if (run.scales.empty()) detail::raise(function, "scales", "is empty: no perturbed condition to compare");
  const std::size_t prompts = run.baseline[0].size();
  detail::check_prompt_values(run.baseline, run.metrics.size(), prompts, "baseline");
  intervention_summary out{run.model, run.family, run.sigma, run.metrics, {}, run.notes};
  for (const intervention_scale& s : run.scales) {
    if (s.scale != "L" && s.scale != "I" && s.scale != "G")
      detail::raise(function, "scales", "has scale '" + s.scale + "': expected L, I or G");
    if (s.layers.empty()) detail::raise(function, "scales", "scale " + s.scale + " has no layers");
    for (const auto& seen : out.scales)
      if (seen.scale == s.scale) detail::raise(function, "scales", "names scale " + s.scale + " twice");
    detail::check_prompt_values(s.values, run.metrics.size(), prompts, "scales[" + s.scale + "]");
    intervention_scale_summary row{s.scale, s.layers, {}};
    for (std::size_t m = 0; m < run.metrics.size(); ++m)
      row.changes.push_back(detail::change_of(run.metrics[m], run.baseline[m], s.values[m], run.sigma));
    out.scales.push_back(std::move(row));
  }
  return out;
}

/// The decoder blocks of each scale, as Experiment 2 perturbs them, and where they came from.
struct scale_layers {
  std::vector<std::size_t> local, intermediate, global;  ///< 0-based block indices
  std::string source;                                    ///< how they were chosen, in words
};

/// Scales from boundary positions (Table 1's "Abs.": the first layer of the new regime, 1-based,
/// layer k = the output of block k - 1): L = blocks 0..li-2, I = li-1..ig-2, G = ig-1..layers-1.
[[nodiscard]] inline scale_layers scales_between(std::size_t layers, std::size_t li, std::size_t ig) {
  constexpr std::string_view function = "scales_between";
  if (!(li >= 2 && li < ig && ig <= layers))
    detail::raise(function, "li, ig",
                  "must satisfy 2 <= li < ig <= layers (" + std::to_string(li) + ", " + std::to_string(ig) +
                      ", " + std::to_string(layers) + "): each scale needs a block");
  scale_layers out;
  for (std::size_t b = 0; b < layers; ++b)
    (b + 1 < li ? out.local : b + 1 < ig ? out.intermediate : out.global).push_back(b);
  out.source = "boundaries at layers " + std::to_string(li) + " and " + std::to_string(ig);
  return out;
}

/// Experiment 2's scales for a model from its Experiment 1 report: between its L-I and I-G
/// boundaries (accepted or not: the source says which), else, when it found fewer than two, equal
/// thirds of its depth (stated in the source; the paper has no rule for that case).
[[nodiscard]] inline scale_layers scales_of(const layer_report& r) {
  const boundary_estimate *li = nullptr, *ig = nullptr;
  for (const auto& b : r.boundaries) {
    if (b.name == "L-I") li = &b;
    if (b.name == "I-G") ig = &b;
  }
  if (li != nullptr && ig != nullptr && li->pair + 1 >= 2) {
    scale_layers out = scales_between(r.layers, li->pair + 1, ig->pair + 1);
    out.source +=
        li->accepted && ig->accepted ? " (both accepted)" : " (Experiment 1 peaks, not both accepted)";
    return out;
  }
  if (r.layers < 3) detail::raise("scales_of", "r", "has fewer than 3 layers: no three scales to perturb");
  scale_layers out = scales_between(r.layers, r.layers / 3 + 1, 2 * r.layers / 3 + 1);
  out.source =
      "equal thirds of depth (Experiment 1 found " +
      std::string(li == nullptr && ig == nullptr ? (r.boundaries.empty() ? "no boundary" : "one boundary")
                                                 : "an L-I at layer 1") +
      ")";
  return out;
}

/// How predictions 2.1 and 3.1 read the summaries; the defaults, and why, beside each field.
struct intervention_prediction_options {
  /// Prediction 2.1's structure metric: sentence-length variance, Table 2's "Structure (Var)".
  std::string structure_metric = "length_variance";
  /// Delta_structure as |percentage change| (default: "degrades" read as a change either way; the
  /// paper calls Llama-2's -40% a collapse and Qwen's +30% a disruption), or the signed increase.
  bool structure_magnitude = true;
  double alpha = 0.05;             ///< the paired t-test's level (MS §4.2)
  double brittleness_ratio = 5.0;  ///< prediction 3.1: gamma_L across families differs by more than 5x
  /// gamma_L in percent per unit sigma (default: eq. (8) compares families in percent) or in the
  /// metric's own unit per sigma.
  bool brittleness_in_percent = true;
};

namespace detail {

inline std::string format_percent(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.1f%%", v);
  return buffer;
}

inline std::string format_short(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf");
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

inline std::string format_p(double p) {
  if (std::isnan(p)) return "p n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "p=%.2g", p);
  return buffer;
}

}  // namespace detail

/// Prediction 2.1 (MS §3.3.2, Tier 2) on one model: perturbing the intermediate scale degrades
/// structure most, Delta_structure(I) > max(Delta_structure(L), Delta_structure(G)). Holds when the
/// inequality holds and I's change is significant at `alpha`; not testable without all three scales.
[[nodiscard]] inline prediction_result structure_control_prediction(
    const intervention_summary& s, const intervention_prediction_options& o = {}) {
  prediction_result p{"2.1",
                      s.model,
                      "perturbing I degrades structure most: Delta_structure(I) > max(L, G)",
                      "",
                      std::numeric_limits<double>::quiet_NaN(),
                      std::nullopt,
                      verdict::not_testable,
                      ""};
  const metric_change* c[3] = {s.find("L", o.structure_metric), s.find("I", o.structure_metric),
                               s.find("G", o.structure_metric)};
  const char* names[3] = {"L", "I", "G"};
  double d[3];
  for (int k = 0; k < 3; ++k) {
    if (c[k] == nullptr || c[k]->prompts < 2 || !std::isfinite(c[k]->percent_change)) {
      p.note = std::string("scale ") + names[k] + " has no measured change of " + o.structure_metric;
      return p;
    }
    d[k] = o.structure_magnitude ? std::abs(c[k]->percent_change) : c[k]->percent_change;
  }
  p.value = d[1];
  p.measured = std::string(o.structure_magnitude ? "|% change|" : "% change") + " of " + o.structure_metric +
               " at sigma " + detail::format_short(s.sigma) + ": L " +
               detail::format_percent(c[0]->percent_change) + " (" + detail::format_p(c[0]->p_value) +
               "), I " + detail::format_percent(c[1]->percent_change) + " (" +
               detail::format_p(c[1]->p_value) + "), G " + detail::format_percent(c[2]->percent_change) +
               " (" + detail::format_p(c[2]->p_value) + ")";
  const bool larger = d[1] > std::max(d[0], d[2]);
  const bool significant = c[1]->significant(o.alpha);
  p.outcome = larger && significant ? verdict::holds : verdict::fails;
  if (larger && !significant) p.note = "I's change is largest but not significant at the paired t-test";
  if (!larger) p.note = std::string("largest structure change under ") + (d[0] >= d[2] ? "L" : "G");
  return p;
}

/// Prediction 3.1 (MS §3.3.2, Tier 3; eq. (8)): gamma_L differs by more than `brittleness_ratio`
/// across architecture families. One row per metric: a family's |gamma_L| is the mean over its
/// models of |Delta metric(L)| / sigma; the ratio is the largest family's over the smallest's. Holds
/// when the ratio exceeds the threshold and every model of the more brittle family has a
/// significant local change of that metric (a ratio of noise is no evidence).
[[nodiscard]] inline std::vector<prediction_result> local_brittleness_predictions(
    const std::vector<intervention_summary>& summaries, const intervention_prediction_options& o = {}) {
  std::vector<std::string> metrics;
  for (const auto& s : summaries)
    for (const auto& m : s.metrics)
      if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  std::vector<prediction_result> out;
  for (const std::string& metric : metrics) {
    prediction_result p{
        "3.1",
        metric,
        "gamma_L differs by more than " + detail::format_short(o.brittleness_ratio) + "x across families",
        "",
        std::numeric_limits<double>::quiet_NaN(),
        std::nullopt,
        verdict::not_testable,
        ""};
    std::vector<std::string> families;
    std::map<std::string, std::pair<double, std::size_t>> sum;  // family -> (sum |gamma|, models)
    std::map<std::string, bool> significant;                    // family -> every model's p < alpha
    std::string detail_text;
    for (const auto& s : summaries) {
      const metric_change* c = s.find("L", metric);
      if (c == nullptr || c->prompts < 2) continue;
      const double g = std::abs(o.brittleness_in_percent ? c->brittleness_percent : c->brittleness);
      if (!std::isfinite(g)) continue;
      if (!sum.count(s.family)) families.push_back(s.family);
      sum[s.family].first += g;
      sum[s.family].second += 1;
      const bool first = !significant.count(s.family);
      significant[s.family] = (first || significant[s.family]) && c->significant(o.alpha);
      detail_text += (detail_text.empty() ? "" : ", ") + s.model + " " + detail::format_short(g) + " (" +
                     detail::format_p(c->p_value) + ")";
    }
    if (families.size() < 2) {
      p.note = "needs gamma_L of two families; measured for " + std::to_string(families.size());
      out.push_back(std::move(p));
      continue;
    }
    double hi = -1.0, lo = std::numeric_limits<double>::infinity();
    std::string hi_name, lo_name, per_family;
    for (const auto& f : families) {
      const double g = sum[f].first / static_cast<double>(sum[f].second);
      per_family += (per_family.empty() ? "" : ", ") + f + " " + detail::format_short(g);
      if (g > hi) hi = g, hi_name = f;
      if (g < lo) lo = g, lo_name = f;
    }
    p.value = lo > 0.0 ? hi / lo : std::numeric_limits<double>::infinity();
    p.measured = std::string("|gamma_L| (") + (o.brittleness_in_percent ? "% change" : metric + " change") +
                 " / sigma) per family: " + per_family + "; ratio " + hi_name + "/" + lo_name + " = " +
                 detail::format_short(p.value);
    // A ratio of changes that are noise is no evidence: the brittle family's must be significant.
    const bool real = significant[hi_name];
    p.outcome = p.value > o.brittleness_ratio && real ? verdict::holds : verdict::fails;
    p.note = (p.value > o.brittleness_ratio && !real
                  ? "ratio above the threshold, but " + hi_name + "'s local changes are not all significant; "
                  : std::string()) +
             "per model: " + detail_text;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace infoscale

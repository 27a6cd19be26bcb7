#pragma once
// The multi-scale study across models: Experiment 1's boundaries per model (MS §4.1, Table 1),
// Experiment 3's family statistics (§4.3, Table 3) and the falsifiable predictions of §3.3.2 as a
// scorecard. Input: one layer_report per model, tagged with its architecture family; output:
// plain data that layers/study_format.hpp prints (Markdown, JSON) and layers/study_svg.hpp draws.
//
// Conventions (the paper's, made explicit):
//  - A boundary's absolute position is the first layer of the new regime, pair + 1; its relative
//    position rho = (pair + 1) / L (Table 1: 13 / 32 = 40.6%).
//  - A model with one boundary has neither an L-I nor an I-G: it is listed, and left out of the
//    family statistics (the paper names the two most prominent peaks; one peak is not two).
//  - CV = population standard deviation / mean (cross_model.hpp; Table 3's Qwen I-G 0.48).
//  - Eq. (2), prediction 3.2: |rho_IG(run 1) - rho_IG(run 2)| > 0.3, in relative-position units.
//  - Verdicts use the point estimate, as the paper does; the CI is printed beside it, and a note
//    says when it straddles the threshold. CIs: models analysed on the same texts with the same
//    seed share resample r's sequence weights, so resample r of every model of a family is one
//    paired bootstrap draw over texts; a statistic's interval is the percentile interval of its
//    value over those draws.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cross_model.hpp"
#include "infoscale/layers/intervention_study.hpp"
#include "infoscale/layers/layer_report.hpp"
#include "infoscale/layers/prediction.hpp"

namespace infoscale {

struct study_model {
  std::string name;
  std::string family;  ///< architecture family, e.g. "llama"; models of one family are its training runs
  layer_report report;
  std::vector<std::pair<std::string, double>> timings;  ///< seconds per phase, as the front end measured
};

/// One boundary of one model.
struct study_position {
  std::string boundary;                   ///< "L-I", "I-G" or "one"
  std::size_t layer = 0;                  ///< first layer of the new regime (pair + 1): Table 1's "Abs."
  double relative = 0.0;                  ///< layer / L: Table 1's "Rel."
  std::optional<confidence_interval> ci;  ///< of `relative`, from the BCa interval of the pair
  bool accepted = false;                  ///< the analysis' acceptance (CI narrower than 5 layers)
  double detection_rate = std::numeric_limits<double>::quiet_NaN();  ///< share of resamples with it
};

struct study_row {
  std::string name, family;
  std::size_t layers = 0;
  std::string signals;
  std::optional<study_position> li, ig, one;
};

/// A relative position's mean and CV within one family.
struct family_statistic {
  std::size_t models = 0;  ///< models of the family with this boundary
  double mean = std::numeric_limits<double>::quiet_NaN();
  double cv = std::numeric_limits<double>::quiet_NaN();
  std::optional<confidence_interval> cv_ci;
};

struct family_summary {
  std::string family;
  std::vector<std::string> models;
  family_statistic li, ig;
  /// Largest |rho_IG(a) - rho_IG(b)| over pairs of runs with an I-G boundary (eq. (2)).
  std::optional<double> ig_drift;
  std::optional<confidence_interval> ig_drift_ci;
};

struct study_options {
  double cv_threshold = 0.2;     ///< prediction 1.1
  double drift_threshold = 0.3;  ///< prediction 3.2, eq. (2)
  double confidence = 0.95;
  intervention_prediction_options interventions;  ///< how predictions 2.1 and 3.1 read Experiment 2
};

struct study_report {
  std::vector<study_model> models;
  std::vector<study_row> rows;           ///< Table 1, in input order
  std::vector<family_summary> families;  ///< Table 3, families in order of first appearance
  std::vector<prediction_result> predictions;
  std::vector<intervention_summary> interventions;  ///< Experiment 2 (Table 2) per model, when run
  study_options options;
  std::vector<std::string> notes;
};

namespace detail {

inline study_position position_of(const boundary_estimate& b, std::size_t layers) {
  study_position p;
  p.boundary = b.name;
  p.layer = b.pair + 1;
  p.relative = static_cast<double>(p.layer) / static_cast<double>(layers);
  if (b.ci_bca && b.ci_bca->status != interval_status::no_estimate) {
    confidence_interval ci = *b.ci_bca;
    ci.lower = (ci.lower + 1.0) / static_cast<double>(layers);
    ci.upper = (ci.upper + 1.0) / static_cast<double>(layers);
    p.ci = ci;
  }
  p.accepted = b.accepted;
  p.detection_rate = b.detection_rate;
  return p;
}

/// Relative position of boundary `slot` (0 = L-I, 1 = I-G) on resample r, NaN where absent.
inline double resampled_relative(const layer_report& r, std::size_t slot, std::size_t resample) {
  const double pair = r.resampled[resample][slot];
  return std::isnan(pair) ? pair : (pair + 1.0) / static_cast<double>(r.layers);
}

/// statistic(values of the family's models) on every shared resample, as a percentile interval.
template <class Statistic>
std::optional<confidence_interval> paired_interval(const std::vector<const layer_report*>& reports,
                                                   std::size_t slot, double confidence,
                                                   const Statistic& statistic) {
  std::size_t resamples = std::numeric_limits<std::size_t>::max();
  for (const layer_report* r : reports) resamples = std::min(resamples, r->resampled.size());
  if (reports.empty() || resamples == 0) return std::nullopt;
  std::vector<double> values(resamples);
  for (std::size_t k = 0; k < resamples; ++k) {
    std::vector<double> v;
    bool present = true;
    for (const layer_report* r : reports) {
      const double x = resampled_relative(*r, slot, k);
      present = present && !std::isnan(x);
      v.push_back(x);
    }
    values[k] = present ? statistic(v) : std::numeric_limits<double>::quiet_NaN();
  }
  return percentile_interval(values, confidence);
}

inline double largest_difference(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

inline double cv_or_nan(const std::vector<double>& v) {
  double mean = 0.0;
  for (const double x : v) mean += x;
  return mean == 0.0 ? std::numeric_limits<double>::quiet_NaN() : coefficient_of_variation(v);
}

inline std::string straddle_note(const std::optional<confidence_interval>& ci, double threshold) {
  if (!ci || ci->status == interval_status::no_estimate) return "";
  if (ci->lower < threshold && ci->upper > threshold) return "the CI straddles the threshold";
  return "";
}

inline std::string format_value(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

}  // namespace detail

/// The study over `models` (at least one; names unique), with Experiment 2's summaries where it
/// was run (each naming one of the models; predictions 2.1 and 3.1 read them, else "not run").
[[nodiscard]] inline study_report run_study(std::vector<study_model> models,
                                            const study_options& options = {},
                                            std::vector<intervention_summary> interventions = {}) {
  constexpr std::string_view function = "run_study";
  if (models.empty()) detail::raise(function, "models", "is empty");
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    detail::raise(function, "options.confidence", "must lie in (0, 1)");
  if (!(options.cv_threshold > 0.0) || !(options.drift_threshold > 0.0))
    detail::raise(function, "options", "thresholds must be > 0");
  study_report out;
  out.options = options;
  std::vector<std::string> families;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const study_model& m = models[i];
    if (m.name.empty()) detail::raise(function, "models", "has a model without a name");
    if (m.family.empty()) detail::raise(function, "models", "model '" + m.name + "' has no family");
    for (std::size_t j = 0; j < i; ++j)
      if (models[j].name == m.name) detail::raise(function, "models", "names '" + m.name + "' twice");
    if (m.report.layers == 0) detail::raise(function, "models", "model '" + m.name + "' has an empty report");
    if (std::find(families.begin(), families.end(), m.family) == families.end()) families.push_back(m.family);
    study_row row{m.name, m.family, m.report.layers, m.report.signals(), {}, {}, {}};
    for (const boundary_estimate& b : m.report.boundaries) {
      auto p = detail::position_of(b, m.report.layers);
      if (b.name == "L-I") row.li = p;
      if (b.name == "I-G") row.ig = p;
      if (b.name == "one") row.one = p;
    }
    if (row.one)
      out.notes.push_back(m.name + ": one boundary only (layer " + std::to_string(row.one->layer) +
                          "): neither L-I nor I-G, left out of the family statistics");
    if (m.report.boundaries.empty())
      out.notes.push_back(m.name + ": no boundary (no peak of E reached the prominence threshold " +
                          detail::format_value(m.report.min_prominence) + ")");
    out.rows.push_back(std::move(row));
  }

  const auto claim_11 = "intra-family CV of rho_L-I < " + detail::format_value(options.cv_threshold);
  const auto claim_32 =
      "|rho_I-G drift| between training runs > " + detail::format_value(options.drift_threshold) + " (eq. 2)";
  for (const std::string& f : families) {
    family_summary s;
    s.family = f;
    std::vector<const layer_report*> with_li, with_ig;
    std::vector<double> li, ig;
    for (std::size_t i = 0; i < models.size(); ++i) {
      if (models[i].family != f) continue;
      s.models.push_back(models[i].name);
      if (out.rows[i].li) {
        with_li.push_back(&models[i].report);
        li.push_back(out.rows[i].li->relative);
      }
      if (out.rows[i].ig) {
        with_ig.push_back(&models[i].report);
        ig.push_back(out.rows[i].ig->relative);
      }
    }
    const auto fill = [&](family_statistic& st, const std::vector<double>& v,
                          const std::vector<const layer_report*>& reports, std::size_t slot) {
      st.models = v.size();
      if (v.empty()) return;
      double sum = 0.0;
      for (const double x : v) sum += x;
      st.mean = sum / static_cast<double>(v.size());
      if (v.size() >= 2) {
        st.cv = detail::cv_or_nan(v);
        st.cv_ci = detail::paired_interval(reports, slot, options.confidence, detail::cv_or_nan);
      }
    };
    fill(s.li, li, with_li, 0);
    fill(s.ig, ig, with_ig, 1);
    if (ig.size() >= 2) {
      s.ig_drift = detail::largest_difference(ig);
      s.ig_drift_ci = detail::paired_interval(with_ig, 1, options.confidence, detail::largest_difference);
    }

    prediction_result p11{"1.1",
                          f,
                          claim_11,
                          "CV of rho_L-I over the family's runs",
                          s.li.cv,
                          s.li.cv_ci,
                          verdict::not_testable,
                          ""};
    if (s.models.size() < 2) {
      p11.note = "one model in the family: no CV";
    } else if (li.size() < 2) {
      p11.note = std::to_string(li.size()) + " of " + std::to_string(s.models.size()) +
                 " runs have an L-I boundary: no CV";
    } else {
      p11.outcome = s.li.cv < options.cv_threshold ? verdict::holds : verdict::fails;
      p11.note = detail::straddle_note(s.li.cv_ci, options.cv_threshold);
    }
    out.predictions.push_back(p11);

    prediction_result p32{"3.2",
                          f,
                          claim_32,
                          "largest |rho_I-G(a) - rho_I-G(b)| over the family's runs",
                          s.ig_drift.value_or(std::numeric_limits<double>::quiet_NaN()),
                          s.ig_drift_ci,
                          verdict::not_testable,
                          ""};
    if (s.models.size() < 2) {
      p32.note = "one model in the family: no drift";
    } else if (ig.size() < 2) {
      p32.note = std::to_string(ig.size()) + " of " + std::to_string(s.models.size()) +
                 " runs have an I-G boundary: no drift";
    } else {
      p32.outcome = *s.ig_drift > options.drift_threshold ? verdict::holds : verdict::fails;
      p32.note = detail::straddle_note(s.ig_drift_ci, options.drift_threshold);
    }
    out.predictions.push_back(p32);
    out.families.push_back(std::move(s));
  }

  for (const study_model& m : models) {
    prediction_result p{"1.2",
                        m.name,
                        "dI/dl changes at each boundary (slope discontinuity)",
                        "boundaries whose slope jump of I(Y; Yhat_l) has a CI excluding 0",
                        std::numeric_limits<double>::quiet_NaN(),
                        std::nullopt,
                        verdict::not_testable,
                        ""};
    const auto& r = m.report;
    if (r.information.empty()) {
      p.note = "no labels: no information profile";
    } else if (r.kinks.empty()) {
      p.note = "no boundary to test";
    } else if (!r.bootstrap) {
      p.note = "one sequence: no bootstrap CI";
    } else {
      // Only accepted boundaries are tested: a kink at a boundary the bootstrap does not confirm
      // says nothing about a phase transition there. The others are listed in the note.
      std::size_t tested = 0, discontinuous = 0;
      for (std::size_t k = 0; k < r.kinks.size(); ++k) {
        const information_kink& kink = r.kinks[k];
        const bool accepted = k < r.boundaries.size() && r.boundaries[k].accepted;
        tested += accepted ? 1 : 0;
        discontinuous += accepted && kink.discontinuous() ? 1 : 0;
        p.note += (p.note.empty() ? "" : "; ") + kink.boundary + " jump " + detail::format_value(kink.jump) +
                  " bits/layer" + (kink.discontinuous() ? " (CI excludes 0)" : " (CI covers 0)") +
                  (accepted ? "" : ", boundary not accepted");
      }
      if (tested == 0) {
        p.note = "no accepted boundary to test: " + p.note;
      } else {
        p.value = static_cast<double>(discontinuous) / static_cast<double>(tested);
        p.measured = std::to_string(discontinuous) + " of " + std::to_string(tested) +
                     " accepted boundaries with a slope jump whose CI excludes 0";
        p.outcome = discontinuous == tested ? verdict::holds : verdict::fails;
      }
    }
    out.predictions.push_back(std::move(p));
  }
  for (const intervention_summary& iv : interventions) {
    if (std::none_of(models.begin(), models.end(), [&](const study_model& m) { return m.name == iv.model; }))
      detail::raise(function, "interventions", "names model '" + iv.model + "', which is not in the study");
  }
  if (interventions.empty()) {
    const std::string why = "Experiment 2 was not part of this run (infoscale.study --interventions runs it)";
    out.predictions.push_back({"2.1", "all",
                               "perturbing I degrades structure most: Delta_structure(I) > max(L, G)",
                               "Experiment 2 (interventions)", std::numeric_limits<double>::quiet_NaN(),
                               std::nullopt, verdict::not_run, why});
    out.predictions.push_back({"3.1", "all", "gamma_L differs by more than 5x across families",
                               "Experiment 2 (interventions)", std::numeric_limits<double>::quiet_NaN(),
                               std::nullopt, verdict::not_run, why});
  } else {
    for (const intervention_summary& iv : interventions)
      out.predictions.push_back(structure_control_prediction(iv, options.interventions));
    for (auto& p : local_brittleness_predictions(interventions, options.interventions))
      out.predictions.push_back(std::move(p));
  }
  std::stable_sort(out.predictions.begin(), out.predictions.end(),
                   [](const prediction_result& a, const prediction_result& b) { return a.id < b.id; });
  out.models = std::move(models);
  out.interventions = std::move(interventions);
  return out;
}

}  // namespace infoscale

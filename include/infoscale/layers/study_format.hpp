#pragma once
// The study report as Markdown (tables laid out as the paper's Tables 1 and 3, the scorecard, the
// options, each model's full layer report) and as JSON with every number: the one place either is
// written, for the program and the Python module alike.

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "infoscale/layers/intervention_format.hpp"
#include "infoscale/layers/report_format.hpp"
#include "infoscale/layers/study.hpp"

namespace infoscale {

namespace detail {

/// Text for a Markdown table cell: a '|' would end the cell.
inline std::string md_cell(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

inline std::string percent(double v) {
  if (!std::isfinite(v)) return "-";
  std::string out;
  append_format(out, "%.1f%%", 100.0 * v);
  return out;
}

inline std::string number(double v, const char* format = "%.3f") {
  if (!std::isfinite(v)) return "-";
  std::string out;
  append_format(out, format, v);
  return out;
}

inline std::string interval_cell(const std::optional<confidence_interval>& ci, bool as_percent) {
  if (!ci || ci->status == interval_status::no_estimate) return "-";
  return "[" + (as_percent ? percent(ci->lower) : number(ci->lower)) + ", " +
         (as_percent ? percent(ci->upper) : number(ci->upper)) + "]";
}

inline std::string position_cell(const std::optional<study_position>& p, bool relative) {
  if (!p) return "-";
  if (!relative) return std::to_string(p->layer);
  if (!p->ci) {
    if (!std::isfinite(p->detection_rate)) return percent(p->relative) + " (no CI)";
    return percent(p->relative) + " (no CI: in " + percent(p->detection_rate) + " of resamples)";
  }
  return percent(p->relative) + " " + interval_cell(p->ci, true) + (p->accepted ? "" : " (not accepted)");
}

inline nlohmann::ordered_json position_json(const std::optional<study_position>& p) {
  if (!p) return nullptr;
  return {{"layer", p->layer},
          {"relative", json_number(p->relative)},
          {"ci", interval_json(p->ci)},
          {"accepted", p->accepted},
          {"detection_rate", json_number(p->detection_rate)}};
}

inline nlohmann::ordered_json statistic_json(const family_statistic& s) {
  return {{"models", s.models},
          {"mean", json_number(s.mean)},
          {"cv", json_number(s.cv)},
          {"cv_ci", interval_json(s.cv_ci)}};
}

}  // namespace detail

/// The study as a Markdown document.
[[nodiscard]] inline std::string format_markdown(const study_report& s) {
  using detail::append_format;
  std::string out = std::string("# Multi-scale study (Zhang & Dong): Experiments ") +
                    (s.interventions.empty() ? "1 and 3" : "1, 2 and 3") + " on " +
                    std::to_string(s.models.size()) + " model" + (s.models.size() == 1 ? "" : "s") + "\n\n";
  const layer_report& first = s.models.front().report;
  out += "## Options\n\n";
  append_format(out,
                "- signals fused: weights S1/S2/S3 = %g/%g/%g, normalisation `%s` (%s), prominence >= %g\n",
                first.weights[0], first.weights[1], first.weights[2], name_of(first.normalization),
                first.normalization == signal_normalization::max ? "S / max S, eq. (6) as printed"
                                                                 : "(S - min S) / (max S - min S)",
                first.min_prominence);
  if (first.bootstrap)
    append_format(out,
                  "- bootstrap: %zu resamples over sequences, seed %llu, %g%% CIs; accepted when the BCa CI "
                  "is narrower than %g layers\n",
                  first.bootstrap->resamples, static_cast<unsigned long long>(first.bootstrap->seed),
                  100.0 * first.bootstrap->confidence, first.bootstrap->max_ci_width);
  if (first.probes)
    append_format(
        out, "- probes: %s, %zu-fold out-of-fold macro-F1, %zu label sets (%s classes)%s\n",
        name_of(first.probes->kind), first.probes->folds, first.probes->classes.size(),
        detail::join_sizes(first.probes->classes, ", ").c_str(),
        first.probes->projection > 0
            ? (", on the top " + std::to_string(first.probes->projection) + " principal components").c_str()
            : "");
  append_format(out,
                "- thresholds: CV < %g (prediction 1.1), I-G drift > %g (3.2, eq. 2); verdicts on the point "
                "estimate, CIs beside them (paired bootstrap over texts)\n",
                s.options.cv_threshold, s.options.drift_threshold);
  out +=
      "- information estimate (1.2): I(Y; Yhat_l), the plug-in MI of the probes' out-of-fold confusion, a "
      "lower bound on I(X; h_l); hinge fit at pair + 1/2\n";
  if (!s.interventions.empty()) {
    const auto& ip = s.options.interventions;
    append_format(
        out,
        "- Experiment 2 (2.1, 3.1): Delta_structure = %s %% change of %s, holds when I's is largest and "
        "its paired t-test p < %g; gamma_L = |Delta| / sigma %s, per family the mean over its "
        "models; 3.1 holds when the ratio across families exceeds %g and the brittle family's local changes "
        "are significant, one row per metric\n",
        ip.structure_magnitude ? "the magnitude of the" : "the signed", ip.structure_metric.c_str(), ip.alpha,
        ip.brittleness_in_percent ? "in percent" : "in the metric's unit", ip.brittleness_ratio);
  }

  out +=
      "\n## Table 1: detected boundaries (Experiment 1)\n\n"
      "| model | family | layers | signals | Abs. L-I | Abs. I-G | Rel. L-I [95% CI] | Rel. I-G [95% CI] |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const study_row& r : s.rows) {
    append_format(out, "| %s | %s | %zu | %s | %s | %s | %s | %s |\n", detail::md_cell(r.name).c_str(),
                  detail::md_cell(r.family).c_str(), r.layers, r.signals.c_str(),
                  detail::position_cell(r.li, false).c_str(), detail::position_cell(r.ig, false).c_str(),
                  detail::position_cell(r.li, true).c_str(), detail::position_cell(r.ig, true).c_str());
  }
  for (const study_row& r : s.rows)
    if (r.one)
      append_format(out, "\n%s: a single boundary at layer %zu (%s).\n", r.name.c_str(), r.one->layer,
                    detail::position_cell(r.one, true).c_str());

  out +=
      "\n## Table 3: relative positions within families (Experiment 3)\n\n"
      "| family | models | mean Rel. L-I | CV L-I [95% CI] | mean Rel. I-G | CV I-G [95% CI] | I-G drift "
      "[95% CI] |\n"
      "|---|---|---|---|---|---|---|\n";
  for (const family_summary& f : s.families) {
    std::string names;
    for (const auto& n : f.models) names += (names.empty() ? "" : ", ") + n;
    append_format(out, "| %s | %s | %s | %s %s | %s | %s %s | %s %s |\n", detail::md_cell(f.family).c_str(),
                  detail::md_cell(names).c_str(), detail::percent(f.li.mean).c_str(),
                  detail::number(f.li.cv, "%.2f").c_str(), detail::interval_cell(f.li.cv_ci, false).c_str(),
                  detail::percent(f.ig.mean).c_str(), detail::number(f.ig.cv, "%.2f").c_str(),
                  detail::interval_cell(f.ig.cv_ci, false).c_str(),
                  f.ig_drift ? detail::number(*f.ig_drift).c_str() : "-",
                  detail::interval_cell(f.ig_drift_ci, false).c_str());
  }

  out +=
      "\n## Prediction scorecard (§3.3.2)\n\n"
      "| prediction | scope | claim | measured | value | 95% CI | verdict | note |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const prediction_result& p : s.predictions) {
    append_format(out, "| %s | %s | %s | %s | %s | %s | **%s** | %s |\n", p.id.c_str(),
                  detail::md_cell(p.scope).c_str(), detail::md_cell(p.claim).c_str(),
                  detail::md_cell(p.measured).c_str(), detail::number(p.value).c_str(),
                  detail::interval_cell(p.ci, false).c_str(), name_of(p.outcome),
                  detail::md_cell(p.note).c_str());
  }
  if (!s.interventions.empty()) {
    out += "\n## Experiment 2: noise in one scale while generating (Table 2)\n\n";
    for (const intervention_summary& iv : s.interventions)
      out += format_markdown(iv, s.options.interventions.alpha) + "\n";
  }
  if (!s.notes.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& n : s.notes) out += "- " + n + "\n";
  }
  out += "\n## Per model\n";
  for (const study_model& m : s.models) {
    out += "\n### " + m.name + " (" + m.family + ")\n\n";
    if (!m.timings.empty()) {
      out += "Time:";
      for (const auto& [phase, seconds] : m.timings)
        append_format(out, " %s %.1f s;", phase.c_str(), seconds);
      out.back() = '\n';
      out += "\n";
    }
    out += "```\n" + format_text(m.report) + "```\n";
  }
  return out;
}

/// The study as JSON: every number of the Markdown, and each model's full layer report.
[[nodiscard]] inline nlohmann::ordered_json to_json(const study_report& s) {
  using json = nlohmann::ordered_json;
  using detail::interval_json;
  using detail::json_number;
  json models = json::array(), rows = json::array(), families = json::array(), predictions = json::array();
  for (const study_model& m : s.models) {
    json timings = json::object();
    for (const auto& [phase, seconds] : m.timings) timings[phase] = json_number(seconds);
    models.push_back(
        {{"name", m.name}, {"family", m.family}, {"timings", timings}, {"report", to_json(m.report)}});
  }
  for (const study_row& r : s.rows) {
    rows.push_back({{"model", r.name},
                    {"family", r.family},
                    {"layers", r.layers},
                    {"signals", r.signals},
                    {"l_i", detail::position_json(r.li)},
                    {"i_g", detail::position_json(r.ig)},
                    {"one", detail::position_json(r.one)}});
  }
  for (const family_summary& f : s.families) {
    families.push_back({{"family", f.family},
                        {"models", f.models},
                        {"l_i", detail::statistic_json(f.li)},
                        {"i_g", detail::statistic_json(f.ig)},
                        {"i_g_drift", f.ig_drift ? json_number(*f.ig_drift) : json(nullptr)},
                        {"i_g_drift_ci", interval_json(f.ig_drift_ci)}});
  }
  for (const prediction_result& p : s.predictions) {
    predictions.push_back({{"id", p.id},
                           {"scope", p.scope},
                           {"claim", p.claim},
                           {"measured", p.measured},
                           {"value", json_number(p.value)},
                           {"ci", interval_json(p.ci)},
                           {"verdict", name_of(p.outcome)},
                           {"note", p.note}});
  }
  json table2 = json::array();
  for (const intervention_summary& iv : s.interventions) table2.push_back(to_json(iv));
  const auto& ip = s.options.interventions;
  return {{"study", s.interventions.empty() ? "multi-scale (Zhang & Dong) Experiments 1 and 3"
                                            : "multi-scale (Zhang & Dong) Experiments 1, 2 and 3"},
          {"options",
           {{"cv_threshold", s.options.cv_threshold},
            {"drift_threshold", s.options.drift_threshold},
            {"confidence", s.options.confidence},
            {"structure_metric", ip.structure_metric},
            {"structure_reading", ip.structure_magnitude ? "magnitude" : "increase"},
            {"alpha", ip.alpha},
            {"brittleness_ratio", ip.brittleness_ratio},
            {"brittleness_unit", ip.brittleness_in_percent ? "percent per sigma" : "metric per sigma"}}},
          {"table1", rows},
          {"table3", families},
          {"predictions", predictions},
          {"table2", table2},
          {"notes", s.notes},
          {"models", models}};
}

[[nodiscard]] inline std::string format_json(const study_report& s, int indent = 2) {
  return to_json(s).dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace infoscale

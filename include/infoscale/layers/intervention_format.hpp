#pragma once
// Experiment 2's Table 2 (MS §4.2) as Markdown (a row per scale, a column per metric, as the paper
// lays it out) and as JSON with every number; the one place either is written.

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "infoscale/layers/intervention_study.hpp"
#include "infoscale/layers/report_format.hpp"

namespace infoscale {

namespace detail {

/// The paper's column heading of a metric the front ends measure, else its name.
inline std::string metric_heading(const std::string& metric) {
  if (metric == "self_bleu") return "Diversity (Self-BLEU)";
  if (metric == "length_variance") return "Structure (Var)";
  if (metric == "type_token_ratio") return "Lexical (TTR)";
  if (metric == "coherence") return "Coherence (SBERT)";
  return metric;
}

inline std::string layer_list(const std::vector<std::size_t>& layers) {
  std::string out;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    // Runs of consecutive layers print as a..b.
    std::size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(layers[i]) +
           (j > i ? ".." + std::to_string(layers[j]) : "");
    i = j;
  }
  return out;
}

}  // namespace detail

/// Table 2 of one model: % change (paired t-test p, * below alpha) per scale and metric, then the
/// brittleness gamma_s = Delta / sigma in percent per unit sigma.
[[nodiscard]] inline std::string format_markdown(const intervention_summary& s, double alpha = 0.05) {
  using detail::append_format;
  std::string out;
  append_format(out, "**%s** (%s), sigma = %g x activation std, paired over prompts\n\n", s.model.c_str(),
                s.family.c_str(), s.sigma);
  out += "| scale | layers |";
  for (const auto& m : s.metrics) out += " " + detail::metric_heading(m) + " |";
  out += "\n|---|---|";
  for (std::size_t i = 0; i < s.metrics.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : s.scales) {
    out += "| " + row.scale + " | " + detail::layer_list(row.layers) + " |";
    for (const auto& c : row.changes) {
      if (c.prompts < 2 || !std::isfinite(c.percent_change)) {
        out += " - |";
        continue;
      }
      append_format(out, " %+.1f%% (p=%.2g%s) |", c.percent_change, c.p_value,
                    c.significant(alpha) ? "*" : "");
    }
    out += "\n";
  }
  out += "\ngamma_s (% change per unit sigma):";
  for (const auto& row : s.scales) {
    out += " " + row.scale + ":";
    for (const auto& c : row.changes)
      out += std::isfinite(c.brittleness_percent) ? " " + detail::format_short(c.brittleness_percent) : " -";
    out += ";";
  }
  out.back() = '\n';
  out += "\n";
  out += "Paired prompts per metric:";
  for (const auto& row : s.scales) {
    out += " " + row.scale + ":";
    for (const auto& c : row.changes) out += " " + std::to_string(c.prompts);
    out += ";";
  }
  out.back() = '\n';
  out += "* p < " + detail::format_short(alpha) + " (paired t-test).\n";
  for (const auto& n : s.notes) out += "- " + n + "\n";
  return out;
}

[[nodiscard]] inline nlohmann::ordered_json to_json(const intervention_summary& s) {
  using json = nlohmann::ordered_json;
  using detail::json_number;
  json scales = json::array();
  for (const auto& row : s.scales) {
    json changes = json::array();
    for (const auto& c : row.changes) {
      changes.push_back({{"metric", c.metric},
                         {"prompts", c.prompts},
                         {"baseline", json_number(c.baseline)},
                         {"perturbed", json_number(c.perturbed)},
                         {"percent_change", json_number(c.percent_change)},
                         {"t", json_number(c.t)},
                         {"p_value", json_number(c.p_value)},
                         {"brittleness", json_number(c.brittleness)},
                         {"brittleness_percent", json_number(c.brittleness_percent)}});
    }
    scales.push_back({{"scale", row.scale}, {"layers", row.layers}, {"changes", changes}});
  }
  return {{"model", s.model},     {"family", s.family}, {"sigma", json_number(s.sigma)},
          {"metrics", s.metrics}, {"scales", scales},   {"notes", s.notes}};
}

}  // namespace infoscale

#pragma once
// The layer report as text (the `infoscale layers` table) and as JSON (`--json`): the one place
// either is written, so the program and the Python module print the same bytes.

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "infoscale/layers/layer_report.hpp"

namespace infoscale {

namespace detail {

[[gnu::format(printf, 2, 3)]] inline void append_format(std::string& out, const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  if (n > 0) {
    const std::size_t old = out.size();
    out.resize(old + static_cast<std::size_t>(n) + 1);
    std::vsnprintf(out.data() + old, static_cast<std::size_t>(n) + 1, format, again);
    out.resize(old + static_cast<std::size_t>(n));
  }
  va_end(again);
}

inline std::string interval_text(const std::optional<confidence_interval>& ci) {
  if (!ci || ci->status == interval_status::no_estimate) return "none";
  std::string out;
  append_format(out, "[%g, %g]%s", ci->lower, ci->upper,
                ci->status == interval_status::bca_degenerate_used_percentile ? "*" : "");
  return out;
}

/// JSON has no infinities or NaN: they become null, which readers must treat as "not a number".
inline nlohmann::ordered_json json_number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

inline nlohmann::ordered_json interval_json(const std::optional<confidence_interval>& ci) {
  if (!ci) return nullptr;
  return {{"lower", json_number(ci->lower)},
          {"upper", json_number(ci->upper)},
          {"width", json_number(ci->width())},
          {"method", name_of(ci->method)},
          {"status", name_of(ci->status)}};
}

inline std::string join_sizes(const std::vector<std::size_t>& v, const char* separator) {
  std::string s;
  for (const std::size_t n : v) s += (s.empty() ? "" : separator) + std::to_string(n);
  return s;
}

}  // namespace detail

/// The report as `infoscale layers` prints it.
[[nodiscard]] inline std::string format_text(const layer_report& r) {
  using detail::append_format;
  std::string out;
  append_format(out, "dump: %s\n", r.source.c_str());
  append_format(
      out, "hidden_states: %s, %zu x %zu x %zu: embeddings + L = %zu layers, %zu tokens in %zu sequence%s\n",
      r.dtype.c_str(), r.layers + 1, r.tokens, r.features, r.layers, r.tokens, r.sequences,
      r.sequences == 1 ? "" : "s");
  if (r.attention) {
    append_format(
        out, "attentions: %s, [%s], %s%s\n", r.attention->dtype.c_str(),
        detail::join_sizes(r.attention->shape, " x ").c_str(),
        r.attention->padding_mask ? "padding from attention_mask" : "no attention_mask (all positions real)",
        r.attention->causal_mask ? ", causal mask" : "");
  }
  if (r.probes) {
    const std::string through =
        r.probes->projection > 0
            ? " on the top " + std::to_string(r.probes->projection) + " principal components of each layer"
            : std::string();
    if (r.probes->classes.size() == 1) {
      append_format(out, "labels: %zu classes; S2 from %s probes%s (%zu-fold out-of-fold macro-F1)\n",
                    r.probes->classes[0], name_of(r.probes->kind), through.c_str(), r.probes->folds);
    } else {
      append_format(
          out,
          "labels: %zu label sets (%s classes); S2 from %s probes%s (%zu-fold out-of-fold macro-F1, "
          "mean over label sets)\n",
          r.probes->classes.size(), detail::join_sizes(r.probes->classes, ", ").c_str(),
          name_of(r.probes->kind), through.c_str(), r.probes->folds);
    }
  }
  for (const auto& n : r.notes) append_format(out, "note: %s\n", n.c_str());
  const char* normalised =
      r.normalization == signal_normalization::minmax ? "(S(l) - min S) / (max S - min S)" : "S(l) / max S";
  append_format(out, "E(l) = sum of w %s over %s, weights %g,%g,%g\n", normalised, r.signals().c_str(),
                r.weights[0], r.weights[1], r.weights[2]);
  if (r.bootstrap)
    append_format(out, "bootstrap: %zu resamples over sequences, seed %llu, %g%% CIs (percentile and BCa)\n",
                  r.bootstrap->resamples, static_cast<unsigned long long>(r.bootstrap->seed),
                  100.0 * r.bootstrap->confidence);
  append_format(out, "\n%4s %7s %10s %10s", "pair", "layers", "CKA", "S1=1/CKA");
  if (!r.s2.empty()) append_format(out, " %10s", "S2 probe");
  if (!r.s3.empty()) append_format(out, " %10s", "S3 JS");
  append_format(out, " %10s\n", "E(l)");
  for (std::size_t l = 0; l < r.layers; ++l) {
    char span[48];
    std::snprintf(span, sizeof span, "%zu->%zu", l, l + 1);
    append_format(out, "%4zu %7s %10.6f %10.6f", l, span, r.cka[l], r.s1[l]);
    if (!r.s2.empty()) append_format(out, " %10.6f", r.s2[l]);
    if (!r.s3.empty()) {
      if (l == 0)
        append_format(out, " %10s", "-");
      else
        append_format(out, " %10.6f", r.s3[l]);
    }
    append_format(out, " %10.6f\n", r.evidence[l]);
  }
  if (!r.information.empty()) {
    out +=
        "\nper hidden state: P = probe macro-F1 (mean over label sets), I = I(Y; Yhat) bits, a lower bound "
        "on I(X; h)\n";
    append_format(out, "%5s %10s %10s\n", "state", "P", "I bits");
    for (std::size_t l = 0; l < r.information.size(); ++l)
      append_format(out, "%5zu %10.6f %10.6f\n", l, r.probe_scores[l], r.information[l]);
  }
  append_format(out, "\npeaks of E with prominence >= %g:", r.min_prominence);
  if (r.peaks.empty()) out += " none";
  for (const peak& p : r.peaks) append_format(out, " pair %zu (%.4f)", p.index, p.prominence);
  out += "\n";
  if (r.boundaries.empty()) {
    out += "boundaries: none found\n";
    return out;
  }
  append_format(out, "\n%-4s %4s %9s %8s %10s %14s %14s %9s %s\n", "", "pair", "new layer", "relative",
                "prominence", "CI percentile", "CI BCa", "detected", "accepted (CI < 5 layers)");
  bool degenerate = false;
  for (const boundary_estimate& x : r.boundaries) {
    degenerate =
        degenerate || (x.ci_bca && x.ci_bca->status == interval_status::bca_degenerate_used_percentile);
    char rate[16] = "-";
    if (std::isfinite(x.detection_rate)) std::snprintf(rate, sizeof rate, "%.1f%%", 100.0 * x.detection_rate);
    append_format(out, "%-4s %4zu %9zu %7.1f%% %10.4f %14s %14s %9s %s\n", x.name.c_str(), x.pair, x.pair + 1,
                  100.0 * x.relative_position, x.prominence, detail::interval_text(x.ci_percentile).c_str(),
                  detail::interval_text(x.ci_bca).c_str(), rate,
                  r.bootstrap ? (x.accepted ? "yes" : "no") : "- (no CI)");
  }
  if (degenerate) out += "* BCa undefined (no spread in the bootstrap or jackknife): percentile interval\n";
  if (!r.kinks.empty()) {
    out +=
        "\nslope of I at each boundary (MS prediction 1.2; hinge fit at pair + 1/2, percentile CI of the "
        "jump):\n";
    append_format(out, "%-4s %6s %12s %12s %12s %24s %s\n", "", "tau", "slope before", "slope after", "jump",
                  "CI of jump", "discontinuous");
    for (const information_kink& k : r.kinks) {
      append_format(out, "%-4s %6.1f %12.6f %12.6f %12.6f %24s %s\n", k.boundary.c_str(), k.tau,
                    k.slope_before, k.slope_after, k.jump, detail::interval_text(k.ci).c_str(),
                    k.ci ? (k.discontinuous() ? "yes" : "no") : "- (no CI)");
    }
  }
  return out;
}

/// The report as `infoscale layers --json` prints it (keys in this order).
[[nodiscard]] inline nlohmann::ordered_json to_json(const layer_report& r) {
  using detail::json_number;
  using json = nlohmann::ordered_json;
  json out = {{"dump", r.source},
              {"dtype", r.dtype},
              {"layers", r.layers},
              {"tokens", r.tokens},
              {"features", r.features},
              {"sequences", r.sequences},
              {"signals", r.signals()},
              {"weights", {r.weights[0], r.weights[1], r.weights[2]}},
              {"normalization", name_of(r.normalization)},
              {"min_prominence", r.min_prominence},
              {"notes", r.notes}};
  if (r.attention) {
    out["attention"] = {{"dtype", r.attention->dtype},
                        {"shape", r.attention->shape},
                        {"padding_mask", r.attention->padding_mask},
                        {"causal_mask", r.attention->causal_mask}};
  } else {
    out["attention"] = nullptr;
  }
  if (r.probes) {
    out["probes"] = {
        {"kind", name_of(r.probes->kind)}, {"folds", r.probes->folds}, {"classes", r.probes->classes}};
    if (r.probes->projection > 0) out["probes"]["projection"] = r.probes->projection;
  } else {
    out["probes"] = nullptr;
  }
  if (r.bootstrap) {
    out["bootstrap"] = {{"resamples", r.bootstrap->resamples},
                        {"seed", r.bootstrap->seed},
                        {"confidence", r.bootstrap->confidence},
                        {"max_ci_width", r.bootstrap->max_ci_width},
                        {"failed_resamples", r.bootstrap->failed_resamples}};
  } else {
    out["bootstrap"] = nullptr;
  }
  json pairs = json::array();
  for (std::size_t l = 0; l < r.layers; ++l) {
    json p = {{"pair", l},
              {"from_layer", l},
              {"to_layer", l + 1},
              {"cka", json_number(r.cka[l])},
              {"s1", json_number(r.s1[l])}};
    if (!r.s2.empty()) p["s2"] = json_number(r.s2[l]);
    if (!r.s3.empty()) p["s3"] = l == 0 ? json(nullptr) : json_number(r.s3[l]);
    p["evidence"] = json_number(r.evidence[l]);
    pairs.push_back(p);
  }
  out["pairs"] = pairs;
  json peaks = json::array();
  for (const peak& p : r.peaks)
    peaks.push_back({{"pair", p.index}, {"prominence", json_number(p.prominence)}});
  out["peaks"] = peaks;
  json bs = json::array();
  for (const boundary_estimate& x : r.boundaries) {
    bs.push_back({{"name", x.name},
                  {"pair", x.pair},
                  {"first_layer_of_new_regime", x.pair + 1},
                  {"relative_position", x.relative_position},
                  {"prominence", json_number(x.prominence)},
                  {"detection_rate", json_number(x.detection_rate)},
                  {"ci_percentile", detail::interval_json(x.ci_percentile)},
                  {"ci_bca", detail::interval_json(x.ci_bca)},
                  {"accepted", x.accepted}});
  }
  out["boundaries"] = bs;
  if (!r.information.empty()) {
    json scores = json::array(), bits = json::array(), kinks = json::array();
    for (const double v : r.probe_scores) scores.push_back(json_number(v));
    for (const double v : r.information) bits.push_back(json_number(v));
    for (const information_kink& k : r.kinks) {
      kinks.push_back({{"boundary", k.boundary},
                       {"pair", k.pair},
                       {"tau", k.tau},
                       {"slope_before", json_number(k.slope_before)},
                       {"slope_after", json_number(k.slope_after)},
                       {"jump", json_number(k.jump)},
                       {"ci", detail::interval_json(k.ci)},
                       {"discontinuous", k.discontinuous()}});
    }
    out["probe_scores"] = scores;
    out["information_bits"] = bits;
    out["information_estimate"] =
        "I(Y; Yhat): plug-in MI of the out-of-fold probe confusion, mean over label sets";
    out["kinks"] = kinks;
  }
  return out;
}

/// to_json(r) as text, indented by `indent` (2, as the program prints it; no trailing newline).
/// Bytes that are not UTF-8 (a path is any bytes on Linux) become U+FFFD instead of an error.
[[nodiscard]] inline std::string format_json(const layer_report& r, int indent = 2) {
  return to_json(r).dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace infoscale

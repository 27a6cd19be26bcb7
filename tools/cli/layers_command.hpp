#pragma once
// `infoscale layers`: where a transformer's processing changes regime, from a dump of its hidden
// states (and attentions, and token labels, when present). Multi-scale paper §4.1.1 through
// infoscale/layers/: S1 = 1 / linear CKA of adjacent layers, S2 = probe jumps (labels), S3 =
// attention drift (JS divergence of adjacent layers' attention rows), fused into E(l) (eq. 6);
// the two most prominent peaks of E are the L-I and I-G boundaries, with bootstrap CIs over
// sequences (percentile and BCa) and acceptance when the CI is narrower than 5 layers.
//
// Layer numbering: hidden_states[0] is the embedding output and hidden_states[l] the output of
// layer l = 1..L. Pair l (0..L-1) is the change from hidden_states[l] to hidden_states[l+1], i.e.
// the work of layer l+1; a boundary at pair l puts the new regime's first layer at l+1 and its
// relative position at (l+1) / L. S3 of pair l compares the attention of layers l and l+1; pair 0
// has no S3 (nothing attends before layer 1) and it enters E(0) as 0. Attention rows are masked by
// attention_mask (padded keys dropped and rows renormalised, padded queries skipped) and not by a
// causal mask: a decoder's attention already puts no mass on future keys.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <infoscale/io/safetensors.hpp>
#include <infoscale/layers/attention_drift.hpp>
#include <infoscale/layers/cka_bootstrap.hpp>
#include <infoscale/layers/fusion.hpp>
#include <infoscale/layers/peaks.hpp>
#include <infoscale/layers/pipeline.hpp>
#include <infoscale/layers/probe.hpp>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "svg_plot.hpp"

namespace infoscale::cli {

struct layers_args {
  std::string dump;
  bool json = false;
  std::string plot;
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  std::vector<double> weights;
  double min_prominence = 0.3;
  bool edges = false;
  std::string probe = "logistic";
  bool progress = true;
};

inline constexpr const char* layers_layout_help =
    "DUMP layout (safetensors; tensor names fixed):\n"
    "  hidden_states     [L+1, N, d] float32/float16/bfloat16/float64  (required; [0] = embedding output,\n"
    "                    [l] = output of layer l; N = every sequence's real tokens, concatenated)\n"
    "  sequence_offsets  [S+1] int64: sequence s holds tokens [off[s], off[s+1]) (optional; else taken\n"
    "                    from attention_mask, else the dump is one sequence and no bootstrap CI exists)\n"
    "  attentions        [L, S, heads, T, T] float (optional: S3 = attention drift)\n"
    "  attention_mask    [S, T] int64/int32, 1 = real token (optional; without it every position is real)\n"
    "  labels            [N] int64/int32 token classes >= 0 (optional: S2 = probe jumps; without them\n"
    "                    S2 is omitted and E fuses the other signals with their weights)\n"
    "Pair l is the change from layer l to l+1 (layer 0 = embeddings); a boundary at pair l starts the\n"
    "new regime at layer l+1, relative position (l+1)/L. CIs are in pair units.";

inline CLI::App* add_layers(CLI::App& app, layers_args& args, const std::string& default_dump) {
  auto* cmd = app.add_subcommand(
      "layers", "Layer boundaries (L-I, I-G) from hidden states and attentions, with bootstrap CIs");
  cmd->footer(layers_layout_help);
  cmd->add_option(
         "DUMP", args.dump,
         "Safetensors dump (layout below). Default: the shipped MiniLM-L6 dump (" + default_dump + ")")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args.json, "Machine-readable output");
  cmd->add_option("--plot", args.plot, "Write an SVG of the signals, E(l), the boundaries and their CIs");
  cmd->add_option("--resamples", args.resamples, "Bootstrap resamples over sequences (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args.seed, "Seed of the bootstrap and the probes' folds (default 0)");
  cmd->add_option("--weights", args.weights, "Weights of S1,S2,S3 in E(l) (default 1,0.8,0.6)")
      ->delimiter(',')
      ->expected(3)
      ->allow_extra_args(false);
  cmd->add_option("--min-prominence", args.min_prominence,
                  "Least prominence of a boundary peak (default 0.3)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--edges", args.edges, "Let the first and last pairs be boundaries (scipy never does)");
  cmd->add_option("--probe", args.probe,
                  "Probe for S2: logistic (default, fast) or mlp (the paper's 128-unit MLP, slow)")
      ->check(CLI::IsMember({"logistic", "mlp"}));
  cmd->add_flag("!--no-progress", args.progress, "No progress bar");
  cmd->callback([&args, default_dump] {
    if (args.dump.empty()) args.dump = default_dump;
    if (args.weights.empty())
      args.weights.assign(default_signal_weights.begin(), default_signal_weights.end());
  });
  return cmd;
}

namespace detail {

inline const io::array* find_tensor(const io::safetensors_file& st, const std::string& name) {
  for (const io::array& a : st.tensors) {
    if (a.name.size() > st.path.size() && a.name.substr(st.path.size() + 1) == name) return &a;
  }
  return nullptr;
}

inline std::string shape_text(const io::array& a) {
  std::string s;
  for (const std::size_t n : a.shape) s += (s.empty() ? "" : " x ") + std::to_string(n);
  return "[" + s + "]";
}

[[noreturn]] inline void bad_dump(const std::string& path, const std::string& problem) {
  infoscale::detail::raise("layers", path, problem);
}

// A matrix view of hidden_states[l]: tokens x features.
template <class T>
matrix_view<const T> layer_matrix(const tensor_view<const T, 3>& v, std::size_t l) {
  return matrix_view<const T>(v.data() + static_cast<std::ptrdiff_t>(l) * v.stride(0),
                              {v.extent(1), v.extent(2)}, {v.stride(1), v.stride(2)});
}

template <class T>
void check_finite_layer(const matrix_view<const T>& m, std::size_t l, const std::string& path) {
  for (std::size_t i = 0; i < m.extent(0); ++i) {
    for (std::size_t j = 0; j < m.extent(1); ++j) {
      const double v = infoscale::detail::widen(m(i, j));
      if (!std::isfinite(v)) {
        bad_dump(path, "has a non-finite value (" + infoscale::detail::format_number(v) +
                           ") in hidden_states at layer " + std::to_string(l) + ", token " +
                           std::to_string(i) + ", feature " + std::to_string(j));
      }
    }
  }
}

struct layer_result {
  std::size_t pairs = 0;
  std::vector<double> cka, s1, s2, s3, evidence;
  std::vector<peak> peaks;
  struct found {
    std::size_t pair = 0;
    double prominence = 0.0;
    double detection_rate = NAN;
    std::optional<confidence_interval> percentile, bca;
    bool accepted = false;
  };
  std::vector<found> boundaries;
};

inline const char* status_name(interval_status s) {
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

inline std::string ci_text(const std::optional<confidence_interval>& ci) {
  if (!ci || ci->status == interval_status::no_estimate) return "none";
  char b[64];
  std::snprintf(b, sizeof b, "[%g, %g]%s", ci->lower, ci->upper,
                ci->status == interval_status::bca_degenerate_used_percentile ? "*" : "");
  return b;
}

inline json ci_json(const std::optional<confidence_interval>& ci) {
  if (!ci) return nullptr;
  return {{"lower", number(ci->lower)},
          {"upper", number(ci->upper)},
          {"width", number(ci->width())},
          {"method", ci->method == interval_method::bca ? "bca" : "percentile"},
          {"status", status_name(ci->status)}};
}

}  // namespace detail

inline int run_layers(const layers_args& args) {
  const std::string& path = args.dump;
  if (args.weights.size() != 3) throw usage_error("--weights needs 3 values (S1,S2,S3)");
  std::array<double, 3> weights{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!std::isfinite(args.weights[i]) || args.weights[i] < 0.0)
      throw usage_error("--weights must be finite and >= 0");
    weights[i] = args.weights[i];
  }
  const io::safetensors_file st = io::load_safetensors(path);
  const io::array& hidden = st.at("hidden_states");
  if (hidden.rank() != 3)
    detail::bad_dump(path, "has hidden_states of rank " + std::to_string(hidden.rank()) + " " +
                               detail::shape_text(hidden) + "; expected [layers + 1, tokens, features]");
  if (!io::is_floating(hidden.type))
    detail::bad_dump(
        path, "has hidden_states of type " + std::string(io::name_of(hidden.type)) + ", not floating point");
  const std::size_t states = hidden.shape[0], tokens = hidden.shape[1], features = hidden.shape[2];
  if (states < 3)
    detail::bad_dump(path, "has hidden_states for " + std::to_string(states) +
                               " layers; at least 3 (embeddings and 2 layers) are needed");
  if (tokens < 2 || features == 0)
    detail::bad_dump(path, "has hidden_states with too few tokens or no features");
  const std::size_t layers = states - 1;
  std::vector<std::string> notes;

  // Optional tensors.
  const io::array* attentions = detail::find_tensor(st, "attentions");
  const io::array* mask_tensor = detail::find_tensor(st, "attention_mask");
  const io::array* offsets_tensor = detail::find_tensor(st, "sequence_offsets");
  const io::array* labels_tensor = detail::find_tensor(st, "labels");
  std::size_t att_sequences = 0, heads = 0, positions = 0;
  std::vector<std::int64_t> mask;
  if (attentions != nullptr) {
    if (attentions->rank() != 5)
      detail::bad_dump(path, "has attentions of rank " + std::to_string(attentions->rank()) + " " +
                                 detail::shape_text(*attentions) +
                                 "; expected [layers, sequences, heads, T, T]");
    if (!io::is_floating(attentions->type))
      detail::bad_dump(path, "has attentions that are not floating point");
    if (attentions->shape[0] != layers)
      detail::bad_dump(path, "has attentions for " + std::to_string(attentions->shape[0]) +
                                 " layers but hidden_states for " + std::to_string(layers) +
                                 " (plus embeddings)");
    if (attentions->shape[3] != attentions->shape[4])
      detail::bad_dump(path, "has attentions with different query and key counts");
    att_sequences = attentions->shape[1];
    heads = attentions->shape[2];
    positions = attentions->shape[3];
    if (att_sequences == 0 || heads == 0 || positions == 0) detail::bad_dump(path, "has empty attentions");
    if (mask_tensor != nullptr) {
      mask = mask_tensor->to_int64();
      if (mask_tensor->rank() != 2 || mask_tensor->shape[0] != att_sequences ||
          mask_tensor->shape[1] != positions)
        detail::bad_dump(path, "has attention_mask " + detail::shape_text(*mask_tensor) + " but attentions " +
                                   detail::shape_text(*attentions) + " (expected [sequences, T])");
      for (const auto m : mask)
        if (m != 0 && m != 1) detail::bad_dump(path, "has an attention_mask value other than 0 or 1");
    } else {
      mask.assign(att_sequences * positions, 1);
    }
  } else if (mask_tensor != nullptr) {
    notes.push_back("attention_mask without attentions: ignored");
  }

  // Sequences: from sequence_offsets, else from the attention mask, else one sequence.
  std::vector<std::size_t> lengths;
  if (offsets_tensor != nullptr) {
    const auto off = offsets_tensor->to_int64();
    if (off.size() < 2 || off.front() != 0)
      detail::bad_dump(path, "has sequence_offsets that do not start at 0 or hold fewer than 2 entries");
    for (std::size_t s = 0; s + 1 < off.size(); ++s) {
      if (off[s + 1] <= off[s])
        detail::bad_dump(path, "has sequence_offsets that do not increase (sequence " + std::to_string(s) +
                                   " is empty or negative)");
      lengths.push_back(static_cast<std::size_t>(off[s + 1] - off[s]));
    }
    if (static_cast<std::uint64_t>(off.back()) != tokens)
      detail::bad_dump(path, "has sequence_offsets ending at " + std::to_string(off.back()) +
                                 " but hidden_states has " + std::to_string(tokens) + " tokens");
  } else if (attentions != nullptr) {
    for (std::size_t s = 0; s < att_sequences; ++s) {
      std::size_t n = 0;
      for (std::size_t t = 0; t < positions; ++t) n += mask[s * positions + t] != 0 ? 1 : 0;
      lengths.push_back(n);
    }
    std::size_t total = 0;
    for (const auto n : lengths) total += n;
    if (total != tokens)
      detail::bad_dump(path, "has no sequence_offsets, and the attention mask's " + std::to_string(total) +
                                 " real tokens do not match hidden_states' " + std::to_string(tokens));
    notes.push_back("sequences taken from the attention mask (no sequence_offsets)");
  } else {
    lengths = {tokens};
  }
  const std::size_t sequences = lengths.size();
  if (attentions != nullptr) {
    if (att_sequences != sequences)
      detail::bad_dump(path, "has attentions for " + std::to_string(att_sequences) + " sequences but " +
                                 std::to_string(sequences) + " sequences of hidden states");
    for (std::size_t s = 0; s < sequences; ++s) {
      std::size_t n = 0;
      for (std::size_t t = 0; t < positions; ++t) n += mask[s * positions + t] != 0 ? 1 : 0;
      if (n != lengths[s])
        detail::bad_dump(path, "has " + std::to_string(n) + " real tokens in attention_mask row " +
                                   std::to_string(s) + " but " + std::to_string(lengths[s]) +
                                   " tokens in that sequence of hidden_states");
    }
  }
  for (const auto n : lengths)
    if (n == 0) detail::bad_dump(path, "has an empty sequence");
  const bool bootstrap = sequences >= 2;
  if (!bootstrap) notes.push_back("one sequence: no bootstrap over sequences, so no confidence intervals");

  std::vector<int> labels;
  int classes = 0;
  if (labels_tensor != nullptr) {
    const auto ids = labels_tensor->to_int64();
    if (ids.size() != tokens)
      detail::bad_dump(path, "has " + std::to_string(ids.size()) + " labels but hidden_states has " +
                                 std::to_string(tokens) + " tokens");
    for (const auto v : ids) {
      if (v < 0 || v > 1'000'000) detail::bad_dump(path, "has a label outside [0, 1000000]");
      labels.push_back(static_cast<int>(v));
      classes = std::max(classes, static_cast<int>(v) + 1);
    }
    if (classes < 2) detail::bad_dump(path, "has labels of a single class: no probe can be scored");
  } else {
    notes.push_back("no labels: S2 (probe jumps) omitted; E(l) fuses the other signals with their weights");
  }
  if (attentions == nullptr) notes.push_back("no attentions: S3 (attention drift) omitted");

  const resampling_plan plan(sequences, bootstrap ? args.resamples : 0, args.seed);
  cka_evidence cka(lengths, plan);
  std::optional<probe_evidence> probes;
  if (!labels.empty()) probes.emplace(lengths, plan);
  std::optional<attention_evidence> drift;

  io::visit_view<3>(hidden, [&](auto v) {
    progress bar("layers: CKA" + std::string(probes ? " + probes" : ""), states, args.progress);
    probe_options popt;
    popt.kind = args.probe == "mlp" ? probe_kind::mlp : probe_kind::logistic;
    popt.seed = args.seed;
    popt.folds = std::min<std::size_t>(5, tokens);
    for (std::size_t l = 0; l < states; ++l) {
      const auto m = detail::layer_matrix(v, l);
      detail::check_finite_layer(m, l, path);
      try {
        cka.add_layer(par, m);
      } catch (const infoscale::error& e) {
        detail::bad_dump(path, "hidden_states layer " + std::to_string(l) + ": " + e.what());
      }
      if (probes) {
        const auto predicted = cross_validated_predictions(m, std::span<const int>(labels), classes, popt);
        probes->add_layer({labels}, {predicted}, {classes});
      }
      bar.advance(1);
    }
  });

  if (attentions != nullptr) {
    drift.emplace(plan);
    io::array att = *attentions;
    io::visit_matrix(att, [&](auto m) {
      using T = std::remove_const_t<typename decltype(m)::element_type>;
      const T* base = m.data();
      const std::size_t block = heads * positions * positions;
      progress bar("layers: attention", sequences, args.progress);
      std::vector<std::uint8_t> valid(positions);
      for (std::size_t s = 0; s < sequences; ++s) {
        for (std::size_t t = 0; t < positions; ++t) valid[t] = mask[s * positions + t] != 0 ? 1 : 0;
        std::vector<tensor_view<const T, 3>> views;
        for (std::size_t l = 0; l < layers; ++l) {
          const T* p = base + static_cast<std::ptrdiff_t>((l * sequences + s) * block);
          views.push_back(
              make_view(p, std::array<std::size_t, 3>{heads, positions, positions}, "attentions"));
        }
        attention_drift_sums sums;
        try {
          sums = attention_drift_statistics(std::span<const tensor_view<const T, 3>>(views),
                                            attention_mask{false, std::span<const std::uint8_t>(valid)});
        } catch (const infoscale::error& e) {
          detail::bad_dump(path, "attentions of sequence " + std::to_string(s) + ": " + e.what());
        }
        sums.js_sum.insert(sums.js_sum.begin(), 0.0);  // pair 0: no attention before layer 1
        drift->set_sequence(s, std::move(sums));
        bar.advance(1);
      }
    });
  }

  boundary_options bopt;
  bopt.weights = weights;
  bopt.min_prominence = args.min_prominence;
  bopt.include_edges = args.edges;
  detail::layer_result r;
  r.pairs = layers;
  for (std::size_t l = 0; l < layers; ++l) r.cka.push_back(cka.cka(l, 0));
  const probe_evidence* pp = probes ? &*probes : nullptr;
  const attention_evidence* ap = drift ? &*drift : nullptr;
  if (bootstrap) {
    progress bar("layers: bootstrap", 2, args.progress);
    bopt.method = interval_method::bca;
    const boundary_report bca = detect_boundaries(par, &cka, pp, ap, bopt);
    bar.advance(1);
    bopt.method = interval_method::percentile;
    const boundary_report pct = detect_boundaries(par, &cka, pp, ap, bopt);
    bar.advance(1);
    r.s1 = bca.s1;
    r.s2 = bca.s2;
    r.s3 = bca.s3;
    r.evidence = bca.evidence;
    r.peaks = bca.peaks;
    for (std::size_t b = 0; b < bca.boundaries.size(); ++b) {
      const auto& x = bca.boundaries[b];
      r.boundaries.push_back(
          {x.layer, x.prominence, x.detection_rate, pct.boundaries[b].ci, x.ci, x.accepted});
    }
  } else {
    r.s1 = cka.signal(0);
    if (pp) r.s2 = pp->signal(0);
    if (ap) r.s3 = ap->signal(0);
    r.evidence = boundary_evidence(r.s1, r.s2, r.s3, weights);
    const peak_options po{args.min_prominence, std::numeric_limits<double>::infinity(), args.edges};
    r.peaks = find_peaks(r.evidence, po);
    for (const peak& p : most_prominent(r.peaks, 2))
      r.boundaries.push_back({p.index, p.prominence, NAN, std::nullopt, std::nullopt, false});
  }
  const auto name_of = [&](std::size_t b) -> std::string {
    return r.boundaries.size() == 2 ? (b == 0 ? "L-I" : "I-G") : "one";
  };
  const auto relative = [&](std::size_t pair) {
    return static_cast<double>(pair + 1) / static_cast<double>(layers);
  };
  std::string signals = "S1";
  if (probes) signals += ",S2";
  if (drift) signals += ",S3";

  if (!args.plot.empty()) {
    svg_plot plot;
    plot.title = "infoscale layers: " + std::filesystem::path(path).filename().string();
    plot.x_label = "layer pair l (layer l -> l+1)";
    plot.y_label = "signal / max, and E(l)";
    const auto normalised = [](std::vector<double> v) {
      double m = 0.0;
      for (const double x : v) m = std::max(m, x);
      for (double& x : v) x = m > 0.0 ? x / m : 0.0;
      return v;
    };
    plot.curves.push_back({"S1 = 1/CKA (norm.)", "#1f77b4", normalised(r.s1), true, 1.5});
    if (!r.s2.empty())
      plot.curves.push_back({"S2 probe jumps (norm.)", "#2ca02c", normalised(r.s2), true, 1.5});
    if (!r.s3.empty()) {
      auto s3 = normalised(r.s3);
      s3[0] = NAN;
      plot.curves.push_back({"S3 attention JS (norm.)", "#ff7f0e", s3, true, 1.5});
    }
    plot.curves.push_back({"E(l) fused", "#000000", r.evidence, false, 2.5});
    for (std::size_t b = 0; b < r.boundaries.size(); ++b) {
      const auto& x = r.boundaries[b];
      svg_marker m{name_of(b), static_cast<double>(x.pair)};
      if (x.bca && x.bca->status != interval_status::no_estimate) {
        m.lower = x.bca->lower;
        m.upper = x.bca->upper;
      }
      plot.markers.push_back(m);
    }
    write_svg(args.plot, plot);
  }

  if (args.json) {
    json out = {{"dump", path},
                {"dtype", std::string(io::name_of(hidden.type))},
                {"layers", layers},
                {"tokens", tokens},
                {"features", features},
                {"sequences", sequences},
                {"signals", signals},
                {"weights", {weights[0], weights[1], weights[2]}},
                {"min_prominence", args.min_prominence},
                {"notes", notes}};
    if (bootstrap) {
      out["bootstrap"] = {
          {"resamples", args.resamples}, {"seed", args.seed}, {"confidence", 0.95}, {"max_ci_width", 5.0}};
    } else {
      out["bootstrap"] = nullptr;
    }
    json pairs = json::array();
    for (std::size_t l = 0; l < layers; ++l) {
      json p = {{"pair", l},
                {"from_layer", l},
                {"to_layer", l + 1},
                {"cka", number(r.cka[l])},
                {"s1", number(r.s1[l])}};
      if (!r.s2.empty()) p["s2"] = number(r.s2[l]);
      if (!r.s3.empty()) p["s3"] = l == 0 ? json(nullptr) : number(r.s3[l]);
      p["evidence"] = number(r.evidence[l]);
      pairs.push_back(p);
    }
    out["pairs"] = pairs;
    json peaks = json::array();
    for (const peak& p : r.peaks) peaks.push_back({{"pair", p.index}, {"prominence", number(p.prominence)}});
    out["peaks"] = peaks;
    json bs = json::array();
    for (std::size_t b = 0; b < r.boundaries.size(); ++b) {
      const auto& x = r.boundaries[b];
      bs.push_back({{"name", name_of(b)},
                    {"pair", x.pair},
                    {"first_layer_of_new_regime", x.pair + 1},
                    {"relative_position", relative(x.pair)},
                    {"prominence", number(x.prominence)},
                    {"detection_rate", number(x.detection_rate)},
                    {"ci_percentile", detail::ci_json(x.percentile)},
                    {"ci_bca", detail::ci_json(x.bca)},
                    {"accepted", x.accepted}});
    }
    out["boundaries"] = bs;
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }

  std::printf("dump: %s\n", path.c_str());
  std::printf(
      "hidden_states: %s, %zu x %zu x %zu: embeddings + L = %zu layers, %zu tokens in %zu sequence%s\n",
      io::name_of(hidden.type).data(), states, tokens, features, layers, tokens, sequences,
      sequences == 1 ? "" : "s");
  if (attentions != nullptr)
    std::printf(
        "attentions: %s, %s, %s\n", io::name_of(attentions->type).data(),
        detail::shape_text(*attentions).c_str(),
        mask_tensor != nullptr ? "padding from attention_mask" : "no attention_mask (all positions real)");
  if (probes)
    std::printf("labels: %d classes; S2 from %s probes (5-fold out-of-fold macro-F1)\n", classes,
                args.probe.c_str());
  for (const auto& n : notes) std::printf("note: %s\n", n.c_str());
  std::printf("E(l) = sum of w S(l) / max S over %s, weights %g,%g,%g\n", signals.c_str(), weights[0],
              weights[1], weights[2]);
  if (bootstrap)
    std::printf("bootstrap: %zu resamples over sequences, seed %llu, 95%% CIs (percentile and BCa)\n",
                args.resamples, static_cast<unsigned long long>(args.seed));
  std::printf("\n%4s %7s %10s %10s", "pair", "layers", "CKA", "S1=1/CKA");
  if (!r.s2.empty()) std::printf(" %10s", "S2 probe");
  if (!r.s3.empty()) std::printf(" %10s", "S3 JS");
  std::printf(" %10s\n", "E(l)");
  for (std::size_t l = 0; l < layers; ++l) {
    char span[48];
    std::snprintf(span, sizeof span, "%zu->%zu", l, l + 1);
    std::printf("%4zu %7s %10.6f %10.6f", l, span, r.cka[l], r.s1[l]);
    if (!r.s2.empty()) std::printf(" %10.6f", r.s2[l]);
    if (!r.s3.empty()) {
      if (l == 0)
        std::printf(" %10s", "-");
      else
        std::printf(" %10.6f", r.s3[l]);
    }
    std::printf(" %10.6f\n", r.evidence[l]);
  }
  std::printf("\npeaks of E with prominence >= %g:", args.min_prominence);
  if (r.peaks.empty()) std::printf(" none");
  for (const peak& p : r.peaks) std::printf(" pair %zu (%.4f)", p.index, p.prominence);
  std::printf("\n");
  if (r.boundaries.empty()) {
    std::printf("boundaries: none found\n");
    return 0;
  }
  std::printf("\n%-4s %4s %9s %8s %10s %14s %14s %9s %s\n", "", "pair", "new layer", "relative", "prominence",
              "CI percentile", "CI BCa", "detected", "accepted (CI < 5 layers)");
  bool degenerate = false;
  for (std::size_t b = 0; b < r.boundaries.size(); ++b) {
    const auto& x = r.boundaries[b];
    degenerate = degenerate || (x.bca && x.bca->status == interval_status::bca_degenerate_used_percentile);
    char rate[16] = "-";
    if (std::isfinite(x.detection_rate)) std::snprintf(rate, sizeof rate, "%.1f%%", 100.0 * x.detection_rate);
    std::printf("%-4s %4zu %9zu %7.1f%% %10.4f %14s %14s %9s %s\n", name_of(b).c_str(), x.pair, x.pair + 1,
                100.0 * relative(x.pair), x.prominence, detail::ci_text(x.percentile).c_str(),
                detail::ci_text(x.bca).c_str(), rate, bootstrap ? (x.accepted ? "yes" : "no") : "- (no CI)");
  }
  if (degenerate)
    std::printf("* BCa undefined (no spread in the bootstrap or jackknife): percentile interval\n");
  return 0;
}

}  // namespace infoscale::cli

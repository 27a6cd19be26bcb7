#pragma once
// `infoscale layers`: where a transformer's processing changes regime, from a dump of its hidden
// states (and attentions, and token labels, when present). The analysis is the library's
// (infoscale/layers/layer_dump.hpp, MS §4.1.1); this file parses the options, calls it, prints the
// report (infoscale/layers/report_format.hpp) and draws the plot.

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <infoscale/layers/layer_dump.hpp>
#include <infoscale/layers/report_format.hpp>
#include <infoscale/layers/report_svg.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gguf_models.hpp"
#include "inputs.hpp"
#include "output.hpp"
#include "probe_options.hpp"
#include "progress.hpp"

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
  std::size_t probe_projection = 0;
  std::string normalization = "max";
  bool causal = false;
  bool progress = true;
  gguf_args gguf;
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
    "new regime at layer l+1, relative position (l+1)/L. CIs are in pair units.\n"
    "MODEL.gguf instead of DUMP (a build linked with llama.cpp): each line of --tokens is decoded alone;\n"
    "the layers are transformers' hidden_states (embd, l_out-0.., result_norm); labels come from --labels.";

inline CLI::App* add_layers(CLI::App& app, layers_args& args, const std::string& default_dump) {
  auto* cmd = app.add_subcommand(
      "layers", "Layer boundaries (L-I, I-G) from hidden states and attentions, with bootstrap CIs");
  cmd->footer(layers_layout_help);
  cmd->add_option("DUMP", args.dump,
                  "Safetensors dump (layout below) or MODEL.gguf. Default: the shipped MiniLM-L6 dump (" +
                      default_dump + ")")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args.json, "Machine-readable output");
  cmd->add_option("--plot", args.plot, "Write an SVG of the signals, E(l), the boundaries and their CIs");
  cmd->add_option("--resamples", args.resamples, "Bootstrap resamples over sequences (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args.seed, "Seed of the bootstrap and the probes' folds (default 0)")
      ->check([](const std::string& v) {
        return v.find('-') != std::string::npos ? std::string("must be a whole number >= 0 (a 64-bit seed)")
                                                : std::string();
      });
  cmd->add_option("--weights", args.weights, "Weights of S1,S2,S3 in E(l) (default 1,0.8,0.6)")
      ->delimiter(',')
      ->expected(3)
      ->allow_extra_args(false);
  cmd->add_option("--min-prominence", args.min_prominence,
                  "Least prominence of a boundary peak (default 0.3)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--edges", args.edges, "Let the first and last pairs be boundaries (scipy never does)");
  add_probe_options(cmd, args.probe, args.probe_projection);
  cmd->add_option("--normalization", args.normalization,
                  "Scale of each signal in E(l): max (default; eq. 6 as printed, S / max S) or minmax (the "
                  "text's \"normalized to [0, 1]\")")
      ->check(CLI::IsMember({"max", "minmax"}));
  cmd->add_flag(
      "--causal", args.causal,
      "Mask keys after each query in S3 (off by default: a decoder's attention has no mass there, and an "
      "encoder's must not be masked)");
  cmd->add_flag("!--no-progress", args.progress, "No progress bar");
  add_gguf_options(cmd, args.gguf);
  cmd->callback([&args, default_dump] {
    if (args.dump.empty()) args.dump = default_dump;
    if (args.weights.empty())
      args.weights.assign(default_signal_weights.begin(), default_signal_weights.end());
  });
  return cmd;
}

inline int run_layers(const layers_args& args) {
  if (args.weights.size() != 3) throw usage_error("--weights needs 3 values (S1,S2,S3)");
  layer_options o;
  o.resamples = args.resamples;
  o.seed = args.seed;
  for (std::size_t i = 0; i < 3; ++i) o.weights[i] = args.weights[i];
  o.normalization = args.normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max;
  o.min_prominence = args.min_prominence;
  o.include_edges = args.edges;
  o.probe = parse_probe_kind(args.probe, "infoscale", "--probe");
  o.probe_projection = args.probe_projection;
  o.causal_mask = args.causal;
  std::unique_ptr<progress> bar;
  std::string phase;
  o.progress = [&](std::string_view name, std::size_t done, std::size_t total) {
    if (name != phase) bar = std::make_unique<progress>("layers: " + (phase = name), total, args.progress);
    bar->advance(done == 0 ? 0 : 1);
  };
  const bool gguf = is_gguf(args.dump);
  check_gguf_usage(gguf, args.gguf);
  layer_report r;
  try {
    r = gguf ? gguf_layer_report(args.dump, args.gguf, o) : analyse_layer_dump(par, args.dump, o);
  } catch (const error& e) {
    // An error naming an option is the user's command line, not the file: a usage error.
    for (const char* option : {"weights", "resamples", "min_prominence", "seed", "folds"})
      if (e.argument() == option) throw usage_error(std::string("--") + option + ": " + e.what());
    throw;
  }
  bar.reset();
  io::check_mapped_reads();  // nothing computed from a file truncated under us is reported
  if (!args.plot.empty()) write_svg(args.plot, layer_report_plot(r));
  if (args.json)
    std::printf("%s\n", format_json(r).c_str());
  else
    std::fputs(format_text(r).c_str(), stdout);
  return 0;
}

}  // namespace infoscale::cli

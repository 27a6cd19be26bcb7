#pragma once
// `infoscale thermo`: the token-level canonical ensemble of each next-token distribution (Yang,
// arXiv 2407.21092 §5; infoscale/thermo/ensemble.hpp) at one or more temperatures: entropy S,
// free energy F = -T log Z, internal energy U, heat capacity C = Var(E) / T^2, per token and
// summarised; with targets, the cross-entropy of the true tokens and the perplexity.

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <infoscale/info/logits.hpp>
#include <infoscale/io/mapped_file.hpp>
#include <infoscale/thermo/ensemble.hpp>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "statistics.hpp"

namespace infoscale::cli {

struct thermo_args {
  array_source logits;
  array_source targets;
  std::vector<double> temperatures;
  std::string precision = "exact";
  bool json = false;
  bool per_token = false;
  bool progress = true;
};

inline CLI::App* add_thermo(CLI::App& app, thermo_args& args, const std::string& default_logits,
                            const std::string& default_targets) {
  auto* cmd =
      app.add_subcommand("thermo", "Entropy, free energy and heat capacity of next-token distributions");
  cmd->add_option("LOGITS", args.logits.path,
                  "Logits (.npy or .safetensors), positions x vocabulary; leading axes are merged.\n"
                  "Default: the shipped character-LM fixture (" +
                      default_logits + ") with its targets")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tensor", args.logits.tensor, "Tensor name inside a safetensors LOGITS file");
  cmd->add_option("--dtype", args.logits.dtype,
                  "How to read untyped 16-bit .npy data ('<V2', ml_dtypes bfloat16)")
      ->check(CLI::IsMember({"bfloat16", "float16"}));
  cmd->add_option("-t,--temperature", args.temperatures, "Temperature(s) T > 0; repeat or comma-separate")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(CLI::PositiveNumber);
  cmd->add_option("--targets", args.targets.path, "True next-token ids (int64/int32), one per row")
      ->check(CLI::ExistingFile);
  cmd->add_option("--targets-tensor", args.targets.tensor, "Tensor name inside a safetensors targets file");
  cmd->add_option("--precision", args.precision,
                  "exact (default): exp and sums in double; fast: in float, ~1e-7 relative, ~2x faster")
      ->check(CLI::IsMember({"exact", "fast"}));
  cmd->add_flag("--json", args.json, "Machine-readable output");
  cmd->add_flag("--per-token", args.per_token, "Also print every token's values");
  cmd->add_flag("!--no-progress", args.progress, "No progress bar");
  cmd->callback([&args, default_logits, default_targets] {
    if (args.logits.path.empty()) {
      args.logits.path = default_logits;
      if (args.targets.path.empty()) args.targets.path = default_targets;
    }
    if (args.temperatures.empty()) args.temperatures = {1.0};
  });
  return cmd;
}

inline int run_thermo(const thermo_args& args) {
  const io::array logits = load_logits(args.logits);
  const std::size_t rows = io::visit_matrix(logits, [](auto m) { return m.extent(0); });
  const std::size_t vocabulary = io::visit_matrix(logits, [](auto m) { return m.extent(1); });
  std::vector<std::int64_t> ids;
  if (!args.targets.path.empty()) ids = load_targets(args.targets, rows);

  progress bar("thermo", rows * (args.temperatures.size() + (ids.empty() ? 0 : 1)), args.progress);
  std::vector<std::vector<thermodynamic_state>> states(args.temperatures.size());
  std::vector<double> nll;
  const logits_precision precision = parse_logits_precision(args.precision, "thermo");
  io::visit_matrix(logits, [&](auto m) {
    for (std::size_t t = 0; t < args.temperatures.size(); ++t) {
      for_row_blocks(m, bar, [&](auto block, std::size_t) {
        const auto part = thermodynamics(par, block, args.temperatures[t], precision);
        states[t].insert(states[t].end(), part.begin(), part.end());
      });
    }
    if (!ids.empty()) {
      for_row_blocks(m, bar, [&](auto block, std::size_t first) {
        const auto part = cross_entropy_from_logits(
            par, block, std::span<const std::int64_t>(ids.data() + first, block.extent(0)));
        nll.insert(nll.end(), part.begin(), part.end());
      });
    }
  });

  io::check_mapped_reads();  // nothing computed from a file truncated under us is reported

  auto column = [&](std::size_t t, double thermodynamic_state::*field) {
    std::vector<double> v;
    v.reserve(rows);
    for (const auto& s : states[t]) v.push_back(s.*field);
    return v;
  };
  const std::vector<std::pair<const char*, double thermodynamic_state::*>> fields = {
      {"entropy", &thermodynamic_state::entropy},
      {"free_energy", &thermodynamic_state::free_energy},
      {"internal_energy", &thermodynamic_state::internal_energy},
      {"heat_capacity", &thermodynamic_state::heat_capacity},
      {"log_partition", &thermodynamic_state::log_partition}};
  const auto nll_summary = summarise(nll);
  const auto nll_me = mean_and_error(nll);
  const double perplexity = std::exp(nll_me.mean);

  if (args.json) {
    json out = {{"logits", args.logits.path},
                {"dtype", std::string(io::name_of(logits.type))},
                {"rows", rows},
                {"vocabulary", vocabulary},
                {"units", "nats"},
                {"precision", args.precision}};
    json temps = json::array();
    for (std::size_t t = 0; t < args.temperatures.size(); ++t) {
      json entry = {{"temperature", args.temperatures[t]}};
      for (const auto& [name, field] : fields) {
        const auto values = column(t, field);
        entry[name] = to_json(summarise(values));
        if (args.per_token) {
          json list = json::array();
          for (const double v : values) list.push_back(number(v));
          entry[name]["per_token"] = list;
        }
      }
      temps.push_back(entry);
    }
    out["temperatures"] = temps;
    if (!nll.empty()) {
      out["targets"] = args.targets.path;
      out["cross_entropy"] = to_json(nll_summary);
      if (args.per_token) {
        json list = json::array();
        for (const double v : nll) list.push_back(number(v));
        out["cross_entropy"]["per_token"] = list;
      }
      out["perplexity"] = {{"value", number(perplexity)},
                           {"standard_error", number(perplexity * nll_me.standard_error)}};
    }
    print_json(out);
    return 0;
  }

  std::printf("logits: %s (%s): %zu next-token distributions over a vocabulary of %zu\n",
              args.logits.path.c_str(), describe(logits).c_str(), rows, vocabulary);
  std::printf("units: nats; E = -logit, S = -sum p log p, F = -T log Z, U = <E>, C = Var(E)/T^2\n");
  std::printf("precision: %s\n", precision == logits_precision::fast
                                     ? "fast (exp and per-block sums in float, ~1e-7 relative)"
                                     : "exact (exp and sums in double; --precision fast for float)");
  static constexpr const char* labels[] = {"entropy S", "free energy F", "internal energy U",
                                           "heat capacity C", "log Z"};
  for (std::size_t t = 0; t < args.temperatures.size(); ++t) {
    std::printf("\nT = %g\n", args.temperatures[t]);
    print_summary_header();
    for (std::size_t f = 0; f < fields.size(); ++f)
      print_summary_row(labels[f], summarise(column(t, fields[f].second)));
  }
  if (!nll.empty()) {
    std::printf("\ntargets: %s\n", args.targets.path.c_str());
    print_summary_header();
    print_summary_row("cross-entropy (T = 1)", nll_summary);
    std::printf("perplexity exp(mean cross-entropy): %.6f ± %.6f  (%.6f bits/token)\n", perplexity,
                perplexity * nll_me.standard_error, nll_me.mean / std::log(2.0));
  }
  if (args.per_token) {
    std::printf("\nrow\tT\tentropy\tfree_energy\tinternal_energy\theat_capacity%s\n",
                nll.empty() ? "" : "\tcross_entropy");
    for (std::size_t t = 0; t < args.temperatures.size(); ++t) {
      for (std::size_t r = 0; r < rows; ++r) {
        const auto& s = states[t][r];
        std::printf("%zu\t%g\t%.9g\t%.9g\t%.9g\t%.9g", r, s.temperature, s.entropy, s.free_energy,
                    s.internal_energy, s.heat_capacity);
        if (!nll.empty()) std::printf("\t%.9g", nll[r]);
        std::printf("\n");
      }
    }
  }
  return 0;
}

}  // namespace infoscale::cli

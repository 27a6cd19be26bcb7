#pragma once
// `infoscale study`: the multi-scale study (MS Experiments 1 and 3, the §3.3.2 scorecard) over
// dumps of several models, each tagged with its family. The analysis of each dump is
// infoscale/layers/layer_dump.hpp's, the tables and verdicts infoscale/layers/study.hpp's; this file
// parses the options, runs them and writes the report. Python's `python -m infoscale.study` runs
// the same study on Hugging Face models directly.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <infoscale/layers/layer_dump.hpp>
#include <infoscale/layers/study_format.hpp>
#include <infoscale/layers/study_output.hpp>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output.hpp"
#include "probe_options.hpp"

namespace infoscale::cli {

struct study_args {
  std::vector<std::string> models;  ///< NAME:FAMILY:DUMP
  std::string out;
  bool json = false;
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  std::string probe = "logistic";
  std::size_t probe_projection = 0;
  std::string normalization = "max";
  bool times = true;
};

inline CLI::App* add_study(CLI::App& app, study_args& args) {
  auto* cmd = app.add_subcommand(
      "study",
      "The multi-scale study across models: boundaries (Table 1), family CVs (Table 3), predictions");
  cmd->footer(
      "Each MODEL is NAME:FAMILY:DUMP, DUMP a safetensors dump as `infoscale layers` reads it (see its\n"
      "help); models of one family are its training runs. Dumps of the same texts, analysed with the\n"
      "same seed, give paired bootstrap CIs for the family statistics.");
  cmd->add_option("MODEL", args.models, "NAME:FAMILY:DUMP, one per model")->required();
  cmd->add_option("--out", args.out, "Folder for report.md, study.json and figures/ (per model, positions)");
  cmd->add_flag("--json", args.json, "Print the JSON instead of the Markdown");
  cmd->add_option("--resamples", args.resamples, "Bootstrap resamples over sequences (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args.seed, "Seed of the bootstrap and the probes' folds (default 0)");
  add_probe_options(cmd, args.probe, args.probe_projection);
  cmd->add_option("--normalization", args.normalization, "max (default, eq. 6 as printed) or minmax")
      ->check(CLI::IsMember({"max", "minmax"}));
  cmd->add_flag("!--no-times", args.times, "Leave the measured phase times out (byte-identical reruns)");
  return cmd;
}

inline int run_study_command(const study_args& args) {
  layer_options o;
  o.resamples = args.resamples;
  o.seed = args.seed;
  o.probe = parse_probe_kind(args.probe, "infoscale", "--probe");
  o.probe_projection = args.probe_projection;
  o.normalization = args.normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max;
  std::vector<study_model> models;
  for (const std::string& spec : args.models) {
    const auto a = spec.find(':');
    const auto b = a == std::string::npos ? a : spec.find(':', a + 1);
    if (b == std::string::npos || a == 0 || b == a + 1 || b + 1 == spec.size())
      throw usage_error("MODEL '" + spec + "' is not NAME:FAMILY:DUMP");
    const std::string dump = spec.substr(b + 1);
    if (!std::filesystem::is_regular_file(dump)) throw usage_error("MODEL '" + spec + "': no file " + dump);
    std::fprintf(stderr, "study: %s\n", dump.c_str());
    const auto start = std::chrono::steady_clock::now();
    study_model m{spec.substr(0, a), spec.substr(a + 1, b - a - 1), analyse_layer_dump(par, dump, o), {}};
    if (args.times)
      m.timings.emplace_back("analysis",
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    models.push_back(std::move(m));
  }
  io::check_mapped_reads();
  const study_report s = run_study(std::move(models));
  if (!args.out.empty()) write_study_outputs(s, args.out);
  if (args.json)
    std::printf("%s\n", format_json(s).c_str());
  else
    std::fputs(format_markdown(s).c_str(), stdout);
  return 0;
}

}  // namespace infoscale::cli

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

#include "gguf_models.hpp"
#include "inputs.hpp"
#include "output.hpp"
#include "probe_options.hpp"

namespace infoscale::cli {

struct study_args {
  std::vector<std::string> models;  ///< NAME:FAMILY:DUMP or NAME:FAMILY:MODEL.gguf
  std::string out;
  bool json = false;
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  std::string probe = "logistic";
  std::size_t probe_projection = 0;
  std::string normalization = "max";
  double min_prominence = 0.3;
  bool times = true;
  gguf_args gguf;
};

inline CLI::App* add_study(CLI::App& app, study_args& args) {
  auto* cmd = app.add_subcommand(
      "study",
      "The multi-scale study across models: boundaries (Table 1), family CVs (Table 3), predictions");
  cmd->footer(
      "Each MODEL is NAME:FAMILY:DUMP, DUMP a safetensors dump as `infoscale layers` reads it (see its\n"
      "help), or NAME:FAMILY:MODEL.gguf in a build linked with llama.cpp (every GGUF model reads the\n"
      "token ids of --tokens, and --labels); models of one family are its training runs. Models run on\n"
      "the same texts, analysed with the same seed, give paired bootstrap CIs for the family statistics.");
  cmd->add_option("MODEL", args.models, "NAME:FAMILY:DUMP or NAME:FAMILY:MODEL.gguf, one per model")
      ->required();
  cmd->add_option("--out", args.out, "Folder for report.md, study.json and figures/ (per model, positions)");
  cmd->add_flag("--json", args.json, "Print the JSON instead of the Markdown");
  cmd->add_option("--resamples", args.resamples, "Bootstrap resamples over sequences (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args.seed, "Seed of the bootstrap and the probes' folds (default 0)");
  add_probe_options(cmd, args.probe, args.probe_projection);
  cmd->add_option("--min-prominence", args.min_prominence,
                  "Least prominence of a boundary peak (default 0.3)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--normalization", args.normalization, "max (default, eq. 6 as printed) or minmax")
      ->check(CLI::IsMember({"max", "minmax"}));
  cmd->add_flag("!--no-times", args.times, "Leave the measured phase times out (byte-identical reruns)");
  add_gguf_options(cmd, args.gguf);
  return cmd;
}

inline int run_study_command(const study_args& args) {
  layer_options o;
  o.resamples = args.resamples;
  o.seed = args.seed;
  o.probe = parse_probe_kind(args.probe, "infoscale", "--probe");
  o.probe_projection = args.probe_projection;
  o.normalization = args.normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max;
  o.min_prominence = args.min_prominence;
  struct spec {
    std::string name, family, path;
  };
  std::vector<spec> specs;
  bool any_gguf = false;
  for (const std::string& text : args.models) {
    const auto a = text.find(':');
    const auto b = a == std::string::npos ? a : text.find(':', a + 1);
    if (b == std::string::npos || a == 0 || b == a + 1 || b + 1 == text.size())
      throw usage_error("MODEL '" + text + "' is not NAME:FAMILY:DUMP or NAME:FAMILY:MODEL.gguf");
    spec s{text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
    if (!std::filesystem::is_regular_file(s.path))
      throw usage_error("MODEL '" + text + "': no file " + s.path);
    any_gguf = any_gguf || is_gguf(s.path);
    specs.push_back(std::move(s));
  }
  check_gguf_usage(any_gguf, args.gguf);
  std::vector<study_model> models;
  for (const spec& s : specs) {
    std::fprintf(stderr, "study: %s\n", s.path.c_str());
    const auto start = std::chrono::steady_clock::now();
    study_model m{
        s.name,
        s.family,
        is_gguf(s.path) ? gguf_layer_report(s.path, args.gguf, o) : analyse_layer_dump(par, s.path, o),
        {}};
    if (args.times)
      m.timings.emplace_back(is_gguf(s.path) ? "llama.cpp collection and analysis" : "analysis",
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

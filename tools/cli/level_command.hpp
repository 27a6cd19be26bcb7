#pragma once
// `infoscale level`: a model's entropic level n = floor(a log2 P + b log2 V + c) (entropic-scaling
// eq. (1)), its capacity I(n) = kappa n log2 n bits (eq. (2)), and which Table-2 capabilities have
// emerged (eq. (6)), from infoscale/entropic/.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <infoscale/entropic/capacity.hpp>
#include <infoscale/entropic/emergence.hpp>
#include <infoscale/entropic/level.hpp>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output.hpp"

namespace infoscale::cli {

struct level_args {
  double parameters = 0.0;
  double vocabulary = 0.0;
  std::vector<double> calibration;
  double kappa = 1.0;
  bool json = false;
};

inline CLI::App* add_level(CLI::App& app, level_args& args) {
  auto* cmd = app.add_subcommand("level", "Entropic level, capacity and Table-2 capabilities of a model");
  cmd->add_option("-P,--params", args.parameters, "Parameter count P (e.g. 124e6)")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("-V,--vocab", args.vocabulary, "Vocabulary size V")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--calibration", args.calibration,
                  "Constants a,b,c of eq. (1) (default: the fit that reproduces the paper's Table 1)")
      ->delimiter(',')
      ->expected(3);
  cmd->add_option("--kappa", args.kappa, "Capacity scale kappa of eq. (2)")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args.json, "Machine-readable output");
  return cmd;
}

namespace detail {

inline int run_level_checked(const level_args& args) {
  namespace en = entropic;
  en::calibration constants = en::default_calibration;
  if (!args.calibration.empty()) {
    if (args.calibration.size() != 3) throw usage_error("--calibration takes exactly three numbers a,b,c");
    constants = {args.calibration[0], args.calibration[1], args.calibration[2]};
  }
  const double argument = en::level_argument(args.parameters, args.vocabulary, constants);
  const int n = en::level(args.parameters, args.vocabulary, constants);
  if (n < 2) {
    throw usage_error("P = " + std::to_string(args.parameters) + ", V = " + std::to_string(args.vocabulary) +
                      " give level " + std::to_string(n) + "; capacity n log2 n needs n >= 2");
  }
  const double capacity = en::capacity(n, args.kappa);
  const auto& ladder = en::models::paper::table_2;

  if (args.json) {
    json caps = json::array();
    for (const auto& c : ladder) {
      caps.push_back({{"name", std::string(c.name.view())},
                      {"critical_level", c.critical_level},
                      {"required_capacity_kappa_bits", c.required_capacity},
                      {"emerged_by_capacity", en::has_emerged(c, n, en::emergence_rule::capacity_threshold)},
                      {"emerged_by_level", en::has_emerged(c, n, en::emergence_rule::critical_level)},
                      {"emergence_level", en::emergence_level(c.required_capacity)}});
    }
    const json out = {{"parameters", args.parameters},
                      {"vocabulary", args.vocabulary},
                      {"calibration", {constants.a, constants.b, constants.c}},
                      {"kappa", args.kappa},
                      {"level_argument", argument},
                      {"level", n},
                      {"capacity_bits", capacity},
                      {"capabilities", caps}};
    print_json(out);
    return 0;
  }
  std::printf("P = %g parameters, V = %g tokens; calibration a = %g, b = %g, c = %g\n", args.parameters,
              args.vocabulary, constants.a, constants.b, constants.c);
  std::printf("level     n = floor(a log2 P + b log2 V + c) = floor(%.4f) = %d      (eq. 1)\n", argument, n);
  std::printf("capacity  I = kappa n log2 n = %.2f bits (kappa = %g)      (eq. 2)\n\n", capacity, args.kappa);
  std::printf("%-24s %8s %14s %12s %10s\n", "capability (Table 2)", "level", "needs [κ bits]", "emerges at n",
              "present");
  for (const auto& c : ladder) {
    const bool by_capacity = en::has_emerged(c, n, en::emergence_rule::capacity_threshold);
    const bool by_level = en::has_emerged(c, n, en::emergence_rule::critical_level);
    std::printf(
        "%-24s %8d %14.0f %12lld %10s\n", std::string(c.name.view()).c_str(), c.critical_level,
        c.required_capacity, static_cast<long long>(en::emergence_level(c.required_capacity)),
        by_capacity == by_level ? (by_capacity ? "yes" : "no") : (by_capacity ? "capacity" : "level"));
  }
  std::printf(
      "\npresent: yes/no when eq. (6) (I(n) >= threshold) and Table 2's level column agree; otherwise the\n"
      "rule that says yes.\n");
  return 0;
}

}  // namespace detail

inline int run_level(const level_args& args) {
  // Every input of `level` is an option, so whatever the library rejects is a usage error (exit 2).
  try {
    return detail::run_level_checked(args);
  } catch (const infoscale::error& e) {
    throw usage_error(e.what());
  }
}

}  // namespace infoscale::cli

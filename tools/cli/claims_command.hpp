#pragma once
// `infoscale claims`: the claims ledger (infoscale/claims/): every numbered claim of the three papers,
// recomputed, with the real-model rows read from the study runners' summaries in --inputs
// (docs/claims/ by default). Writes Markdown (docs/claims.md) and, with --json, the same rows as JSON;
// --check compares with the committed file instead of writing, so CI fails when the ledger is stale.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <infoscale/claims.hpp>
#include <sstream>
#include <string>

#include "inputs.hpp"
#include "output.hpp"

namespace infoscale::cli {

struct claims_args {
  std::string inputs = "docs/claims";
  std::string markdown;  ///< empty: print to stdout
  std::string json;
  std::string check;  ///< a committed Markdown file to compare with
};

inline CLI::App* add_claims(CLI::App& app, claims_args& args) {
  auto* cmd = app.add_subcommand("claims", "The claims ledger of the three papers (docs/claims.md)");
  cmd->add_option(
      "--inputs", args.inputs,
      "Folder with ladder.json, thermo.json and study.json (the real-model rows; a missing file makes "
      "its rows 'not testable')");
  cmd->add_option("-o,--output", args.markdown, "Write the Markdown ledger here (default: stdout)");
  cmd->add_option("--json", args.json, "Also write the rows as JSON here");
  cmd->add_option(
      "--check", args.check,
      "Compare with this committed Markdown ledger; exit 1 and show the first difference if it is stale");
  return cmd;
}

namespace detail {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("--check: cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text_file(const std::string& path, const std::string& text, const char* option) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw usage_error(std::string(option) + ": cannot write " + path);
  out << text;
  if (!out) throw usage_error(std::string(option) + ": writing " + path + " failed");
}

/// The first line where two texts differ (1-based), or 0 when they are equal.
inline std::size_t first_different_line(const std::string& a, const std::string& b, std::string& line_a,
                                        std::string& line_b) {
  std::istringstream sa(a), sb(b);
  std::size_t n = 0;
  while (true) {
    ++n;
    const bool more_a = static_cast<bool>(std::getline(sa, line_a));
    const bool more_b = static_cast<bool>(std::getline(sb, line_b));
    if (!more_a && !more_b) return 0;
    if (!more_a) line_a = "(end of file)";
    if (!more_b) line_b = "(end of file)";
    if (!more_a || !more_b || line_a != line_b) return n;
  }
}

}  // namespace detail

inline int run_claims(const claims_args& args) {
  const auto ledger = claims::build_ledger(claims::load_ledger_inputs(args.inputs));
  const std::string markdown = claims::ledger_markdown(ledger);
  if (!args.json.empty())
    detail::write_text_file(args.json, claims::ledger_json(ledger).dump(1) + "\n", "--json");
  if (!args.check.empty()) {
    std::string committed_line, fresh_line;
    const auto line = detail::first_different_line(detail::read_text_file(args.check), markdown,
                                                   committed_line, fresh_line);
    if (line != 0) {
      std::fprintf(
          stderr,
          "infoscale claims: %s is stale (regenerate it with `infoscale claims -o %s`); first difference "
          "at line %zu:\n  committed: %s\n  computed:  %s\n",
          args.check.c_str(), args.check.c_str(), line, committed_line.c_str(), fresh_line.c_str());
      return 1;
    }
    std::printf("infoscale claims: %s is up to date (%zu rows: %s)\n", args.check.c_str(), ledger.rows.size(),
                claims::ledger_counts(ledger).c_str());
    return 0;
  }
  if (args.markdown.empty()) {
    std::fputs(markdown.c_str(), stdout);
  } else {
    detail::write_text_file(args.markdown, markdown, "--output");
    std::printf("infoscale claims: %zu rows (%s) written to %s\n", ledger.rows.size(),
                claims::ledger_counts(ledger).c_str(), args.markdown.c_str());
  }
  return 0;
}

}  // namespace infoscale::cli

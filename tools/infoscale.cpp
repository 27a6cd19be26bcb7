// The `infoscale` command-line program: information-theoretic and thermodynamic analysis of a
// language model's logit and activation dumps (.npy, safetensors).
//
//   infoscale thermo  [LOGITS] [-t T ...] [--targets FILE]   next-token thermodynamics
//   infoscale compare LOGITS_A LOGITS_B [--targets FILE]      KL/JS and llama.cpp's KLD statistics
//   infoscale level   --params P --vocab V                    entropic level, capacity, capabilities
//   infoscale layers  [DUMP | MODEL.gguf --tokens FILE] [--json] [--plot FILE.svg]
//                                                             layer signals, boundaries with CIs
//   infoscale study   NAME:FAMILY:(DUMP | MODEL.gguf) ...     the multi-scale study across models
//   infoscale entropy-function MODEL.gguf --tokens FILE       Yang's S_L(s) by Monte Carlo
//
// MODEL.gguf needs a build linked with llama.cpp (scripts/llama-cpp.sh builds one); elsewhere it is
// a usage error that says so.
//
// Exit codes: 0 success, 1 a file that cannot be read or holds bad data (or changed while read, or
// output that could not be written), 2 a usage error (including option values the library rejects).

#include <CLI/CLI.hpp>
#include <cerrno>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <infoscale/core/error.hpp>
#include <infoscale/io/mapped_file.hpp>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/claims_command.hpp"
#include "cli/compare_command.hpp"
#include "cli/entropy_function_command.hpp"
#include "cli/layers_command.hpp"
#include "cli/level_command.hpp"
#include "cli/study_command.hpp"
#include "cli/thermo_command.hpp"

#ifndef INFOSCALE_FIXTURES_DIR
#error "INFOSCALE_FIXTURES_DIR must name tests/fixtures (set by tools/CMakeLists.txt)"
#endif

namespace {

/// Every floating-point option of every command must be a finite number: CLI11 reads "nan" and
/// "inf" as doubles, and a library check that rejects them later would exit 1, not 2.
void require_finite_numbers(CLI::App& app) {
  const CLI::Validator finite(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end != text.c_str() && !std::isfinite(v)) return "must be a finite number, got '" + text + "'";
        return {};
      },
      "");  // no description: --help shows the type as before
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    for (CLI::Option* option : command->get_options()) {
      if (option->get_type_name().rfind("FLOAT", 0) == 0) option->check(finite);  // "FLOAT[:CHECKS]"
    }
  }
}

/// The last step of every run: whatever went to stdout must have reached it (a full disk, a closed
/// pipe, `> /dev/full`), else exit 1 with a message instead of a silent truncated report.
int finish(int rc) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    const int e = errno;
    std::fprintf(stderr, "infoscale: cannot write the output: %s\n",
                 e != 0 ? std::strerror(e) : "write error");
    return 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_NUMERIC, "C");  // decimal points, whatever the user's locale
  namespace cli = infoscale::cli;
  const std::string fixtures = INFOSCALE_FIXTURES_DIR;

  CLI::App app{"infoscale: information theory and thermodynamics of language-model dumps (.npy, safetensors)",
               "infoscale"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "infoscale 0.1.0");
  cli::thermo_args thermo;
  cli::compare_args compare;
  cli::level_args level;
  cli::claims_args claims;
  cli::layers_args layers;
  cli::study_args study;
  cli::entropy_function_args entropy_function;
  auto* thermo_cmd =
      cli::add_thermo(app, thermo, fixtures + "/lm/char_lm_logits.npy", fixtures + "/lm/char_lm_targets.npy");
  auto* compare_cmd = cli::add_compare(app, compare);
  auto* level_cmd = cli::add_level(app, level);
  auto* claims_cmd = cli::add_claims(app, claims);
  auto* layers_cmd = cli::add_layers(app, layers, fixtures + "/minilm/minilm_pride.safetensors");
  auto* study_cmd = cli::add_study(app, study);
  auto* entropy_function_cmd = cli::add_entropy_function(app, entropy_function);
  require_finite_numbers(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return finish(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return finish(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return finish(app.exit(e));
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return 2;
  }

  try {
    int rc = 2;
    if (thermo_cmd->parsed()) rc = cli::run_thermo(thermo);
    if (compare_cmd->parsed()) rc = cli::run_compare(compare);
    if (level_cmd->parsed()) rc = cli::run_level(level);
    if (claims_cmd->parsed()) rc = cli::run_claims(claims);
    if (layers_cmd->parsed()) rc = cli::run_layers(layers);
    if (study_cmd->parsed()) rc = cli::run_study_command(study);
    if (entropy_function_cmd->parsed()) rc = cli::run_entropy_function(entropy_function);
    // Commands check their inputs before printing; this catches any that does not.
    infoscale::io::check_mapped_reads();
    return finish(rc);
  } catch (const cli::usage_error& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 2;
  } catch (const infoscale::error& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "infoscale: out of memory (the input's sizes or the options ask for more than is free)\n");
    return 1;
  } catch (const nlohmann::json::exception& e) {
    // Only JSON output can raise this (reading uses the non-throwing parser): a string that is not
    // UTF-8, such as a file name.
    std::fprintf(stderr, "infoscale: cannot write the JSON report (a path or name is not valid UTF-8?): %s\n",
                 e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 1;
  }
}

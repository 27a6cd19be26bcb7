// The `infoscale` command-line program: information-theoretic and thermodynamic analysis of a
// language model's logit and activation dumps (.npy, safetensors).
//
//   infoscale thermo  [LOGITS] [-t T ...] [--targets FILE]   next-token thermodynamics
//   infoscale compare LOGITS_A LOGITS_B [--targets FILE]      KL/JS and llama.cpp's KLD statistics
//   infoscale level   --params P --vocab V                    entropic level, capacity, capabilities
//   infoscale layers  [DUMP] [--json] [--plot FILE.svg]          layer signals, boundaries with CIs
//
// Exit codes: 0 success, 1 a file that cannot be read or holds bad data, 2 a usage error.

#include <CLI/CLI.hpp>
#include <clocale>
#include <cstdio>
#include <exception>
#include <infoscale/core/error.hpp>
#include <new>
#include <string>

#include "cli/compare_command.hpp"
#include "cli/layers_command.hpp"
#include "cli/level_command.hpp"
#include "cli/thermo_command.hpp"

#ifndef INFOSCALE_FIXTURES_DIR
#error "INFOSCALE_FIXTURES_DIR must name tests/fixtures (set by tools/CMakeLists.txt)"
#endif

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
  cli::layers_args layers;
  auto* thermo_cmd =
      cli::add_thermo(app, thermo, fixtures + "/lm/char_lm_logits.npy", fixtures + "/lm/char_lm_targets.npy");
  auto* compare_cmd = cli::add_compare(app, compare);
  auto* level_cmd = cli::add_level(app, level);
  auto* layers_cmd = cli::add_layers(app, layers, fixtures + "/minilm/minilm_pride.safetensors");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return 2;
  }

  try {
    if (thermo_cmd->parsed()) return cli::run_thermo(thermo);
    if (compare_cmd->parsed()) return cli::run_compare(compare);
    if (level_cmd->parsed()) return cli::run_level(level);
    if (layers_cmd->parsed()) return cli::run_layers(layers);
  } catch (const cli::usage_error& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 2;
  } catch (const infoscale::error& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "infoscale: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infoscale: %s\n", e.what());
    return 1;
  }
  return 2;
}

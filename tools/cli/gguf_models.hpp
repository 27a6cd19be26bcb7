#pragma once
// GGUF models in the `infoscale` program. A build linked with llama.cpp (tests/llama_cpp/
// CMakeLists.txt builds one: scripts/llama-cpp.sh) runs MODEL.gguf through llama.cpp with the
// library's collector (infoscale/interop/llama_cpp_layers.hpp): `layers` and `study` take .gguf
// models beside dumps, with --tokens (and --labels) files. In any other build a .gguf model is a
// usage error that says how to get that build.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#if __has_include(<llama.h>)
#include <infoscale/interop/llama_cpp_layers.hpp>
#define INFOSCALE_CLI_HAS_LLAMA_CPP 1
#else
#define INFOSCALE_CLI_HAS_LLAMA_CPP 0
#endif
#include <infoscale/io/token_lines.hpp>
#include <infoscale/layers/layer_analysis.hpp>

#include "inputs.hpp"

namespace infoscale::cli {

/// Whether this program was linked with llama.cpp.
inline constexpr bool has_llama_cpp = INFOSCALE_CLI_HAS_LLAMA_CPP != 0;

inline constexpr const char* without_llama_cpp =
    "this infoscale was built without llama.cpp; bash scripts/llama-cpp.sh builds one that runs GGUF models "
    "(build/llama-cpp/adapter-O0/infoscale/tools/infoscale)";

inline bool is_gguf(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".gguf") == 0;
}

/// What running a GGUF model needs: the token ids (a line per sequence, given as they are: no BOS
/// is added), per-token label files for S2, and llama.cpp's settings.
struct gguf_args {
  std::string tokens;
  std::vector<std::string> labels;
  int threads = 2;
  std::uint32_t ubatch = 512;
  bool flash_attention = false;
};

inline void add_gguf_options(CLI::App* cmd, gguf_args& args) {
  const std::string group = "GGUF models (llama.cpp)";
  cmd->add_option(
         "--tokens", args.tokens,
         "GGUF models: a file of token ids, a line per sequence (given as they are: no BOS is added)")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--labels", args.labels,
                  "GGUF models: a label set for S2, a line of integer classes per sequence, one per token "
                  "(repeatable: one file per probe task)")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--threads", args.threads, "GGUF models: llama.cpp's threads (default 2)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  cmd->add_option("--ubatch", args.ubatch, "GGUF models: llama.cpp's micro-batch (default 512)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  cmd->add_flag("--flash-attention", args.flash_attention,
                "GGUF models: flash attention on (llama.cpp then makes no attention tensors: S3 is omitted)")
      ->group(group);
}

/// Usage errors that do not depend on the files: GGUF options without a GGUF model, a GGUF model
/// without --tokens or in a build without llama.cpp.
inline void check_gguf_usage(bool any_gguf, const gguf_args& args) {
  if (!any_gguf) {
    if (!args.tokens.empty() || !args.labels.empty())
      throw usage_error("--tokens and --labels are for GGUF models (a dump holds its own tokens and labels)");
    return;
  }
  if (!has_llama_cpp) throw usage_error(without_llama_cpp);
  if (args.tokens.empty())
    throw usage_error("a GGUF model needs --tokens FILE (token ids, a line per sequence)");
}

/// A GGUF model's layer report (infoscale::interop::gguf_layer_report), llama.cpp initialised once.
inline layer_report gguf_layer_report(const std::string& model, const gguf_args& args,
                                      const layer_options& o) {
#if INFOSCALE_CLI_HAS_LLAMA_CPP
  static const bool initialised = [] {
    interop::quiet_llama_log();
    llama_backend_init();
    return true;
  }();
  (void)initialised;
  const auto inputs = io::read_integer_lines<llama_token>(args.tokens, "a token id");
  return interop::gguf_layer_report(model, inputs, args.tokens,
                                    {args.ubatch, args.threads, true, args.flash_attention}, o, args.labels);
#else
  (void)model, (void)args, (void)o;
  throw usage_error(without_llama_cpp);
#endif
}

}  // namespace infoscale::cli

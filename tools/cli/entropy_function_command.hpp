#pragma once
// `infoscale entropy-function`: Yang's entropy function S_L(s) (arXiv 2407.21092, §4) of a GGUF
// model at each prompt of a token-id file, by Monte Carlo over full continuations with the KV cache
// reused (infoscale/interop/llama_cpp_entropy_function.hpp), beside the exact next-token entropy,
// with near-zero points flagged. Needs a build linked with llama.cpp (gguf_models.hpp).

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf_models.hpp"
#include "inputs.hpp"
#if INFOSCALE_CLI_HAS_LLAMA_CPP
#include <infoscale/interop/llama_cpp_entropy_function.hpp>
#endif

namespace infoscale::cli {

struct entropy_function_args {
  std::string model;
  std::string tokens;
  std::size_t samples = 64;
  std::size_t max_length = 32;
  std::uint64_t seed = 0;
  double temperature = 1.0;
  double eps = 1.0;
  int threads = 1;
  std::uint32_t n_ctx = 0;
  std::size_t batch = 0;  // 0: 16, or 1 with --recompute
  std::string kv;         // empty: per-sequence (given with one sequence, it is a usage error)
  bool recompute = false;
  bool json = false;
};

inline CLI::App* add_entropy_function(CLI::App& app, entropy_function_args& args) {
  auto* cmd = app.add_subcommand(
      "entropy-function",
      "Yang's entropy function S_L(s) of a GGUF model at each prompt, by Monte Carlo (needs llama.cpp)");
  cmd->footer(
      "TOKENS has one prompt per line as token ids, given to the model exactly (nothing is added). A\n"
      "prompt cannot contain the end token, so a line's leading end tokens (BOS where BOS = EOS, as in the\n"
      "shipped Austen models) are decoded as a preamble and s is the rest. Prompt i uses random stream i.\n"
      "A sample still going after --max-length words is cut: it contributes the entropies of its first\n"
      "max_length + 1 steps only, so where cut > 0 the estimate is a lower bound on S_L(s). A near-zero\n"
      "point: S_L(s) + 1.96 SE < --eps.");
  cmd->add_option("MODEL", args.model, "MODEL.gguf")->required()->check(CLI::ExistingFile);
  cmd->add_option("--tokens", args.tokens, "Prompts as token ids, a line each")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--samples", args.samples, "Continuations sampled per prompt (default 64)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{1} << 30));
  cmd->add_option("--max-length", args.max_length, "Words of a continuation before it is cut (default 32)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args.seed, "Seed of the samples (default 0)");
  cmd->add_option("--temperature", args.temperature, "T of the PLM's log-softmax (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--eps", args.eps, "Near-zero threshold in nats (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args.threads, "llama.cpp's threads (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--n-ctx", args.n_ctx,
                  "KV cells (default: --batch 1: the model's training context; else enough for B samples of "
                  "L + 2 tokens after "
                  "the longest line)");
  cmd->add_option(
         "--batch", args.batch,
         "Samples decoded together, one KV sequence each (default 16; 1: one cache, samples in turn)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  cmd->add_option(
         "--kv", args.kv,
         "With --batch > 1: per-sequence (default: each sample attends over its own cells) or unified (one "
         "pool; the prompt's cells shared, every token attends over all)")
      ->check(CLI::IsMember({"per-sequence", "unified"}));
  cmd->add_flag("--recompute", args.recompute,
                "Clear the KV cache before every evaluation (what the cache saves; same numbers)");
  cmd->add_flag("--json", args.json, "Print the JSON instead of the table");
  return cmd;
}

inline int run_entropy_function(entropy_function_args args) {
  if (!has_llama_cpp) throw usage_error(without_llama_cpp);
  if (!is_gguf(args.model)) throw usage_error("MODEL '" + args.model + "' is not a .gguf file");
  if (args.recompute && args.batch > 1)
    throw usage_error("--recompute runs samples one at a time: drop --batch");
  // 16 samples per decode: 1.3x the one-sequence speed on austen-llama-a, 3.2x on an 8 x 512,
  // 32,000-token model (examples/llama_cpp/README.md); more gains little on one thread.
  if (args.batch == 0) args.batch = args.recompute ? 1 : 16;
  if (args.batch == 1 && !args.kv.empty())
    throw usage_error("--kv " + args.kv + " needs several KV sequences: it has no effect with " +
                      (args.recompute ? "--recompute" : "--batch 1"));
  if (args.kv.empty()) args.kv = "per-sequence";
#if INFOSCALE_CLI_HAS_LLAMA_CPP
  interop::quiet_llama_log();
  llama_backend_init();
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model(
      llama_model_load_from_file(args.model.c_str(), interop::quiet_model_params()), llama_model_free);
  if (model == nullptr)
    infoscale::detail::raise("entropy-function", args.model, "cannot be loaded by llama.cpp");
  const auto lines = io::read_integer_lines<std::int64_t>(args.tokens, "a token id");
  std::size_t longest = 0;
  for (const auto& line : lines) longest = std::max(longest, line.size());
  llama_context_params cp = llama_context_default_params();
  const auto n_ctx_train = static_cast<std::uint32_t>(llama_model_n_ctx_train(model.get()));
  if (args.n_ctx > 0)
    cp.n_ctx = args.n_ctx;
  else if (args.batch == 1)
    cp.n_ctx = n_ctx_train;
  else if (args.kv == "unified")  // the prompt's cells are shared; a sample adds at most L + 2 of its own
    cp.n_ctx = static_cast<std::uint32_t>(longest + args.batch * (args.max_length + 2));
  else  // a stream per sample, each for its prompt and L + 2 more (llama.cpp rounds streams up to 256)
    cp.n_ctx = static_cast<std::uint32_t>(args.batch *
                                          std::min<std::size_t>(n_ctx_train, longest + args.max_length + 2));
  // One decode holds a step of the whole batch (or a prompt); ubatch bounds the compute buffer.
  cp.n_batch = cp.n_ubatch = args.batch == 1 ? cp.n_ctx : std::min<std::uint32_t>(cp.n_ctx, 512);
  cp.n_threads = cp.n_threads_batch = args.threads;
  interop::entropy_function_run_options o;
  o.monte_carlo.samples = args.samples;
  o.monte_carlo.max_length = args.max_length;
  o.monte_carlo.seed = args.seed;
  o.eps = args.eps;
  o.recompute = args.recompute;
  const interop::llama_cpp_lm_options lo{.temperature = args.temperature, .preamble = {}};
  std::vector<interop::prompt_entropy_function> results;
  std::size_t n_ctx = 0;
  if (args.batch == 1) {
    interop::llama_cpp_lm lm(model.get(), cp, lo);
    n_ctx = lm.context_size();
    results = interop::entropy_function_of_lines(lm, lines, o, args.tokens);
  } else {
    interop::llama_cpp_batched_lm lm(
        model.get(), cp, args.batch, lo,
        args.kv == "unified" ? interop::llama_batched_kv::unified : interop::llama_batched_kv::per_sequence);
    n_ctx = lm.context_size();
    results = interop::entropy_function_of_lines(lm, lines, o, args.tokens);
  }
  const vocabulary vocab = interop::detail::llama_vocabulary(model.get(), "entropy-function");
  const auto join = [](const std::vector<token>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i > 0 ? " " : "") + std::to_string(ids[i]);
    return out;
  };
  if (args.json) {
    nlohmann::ordered_json j;
    j["model"] = args.model;
    j["samples"] = args.samples;
    j["max_length"] = args.max_length;
    j["seed"] = args.seed;
    j["temperature"] = args.temperature;
    j["threads"] = args.threads;
    j["batch"] = args.batch;
    j["kv"] = args.batch == 1 ? "one sequence" : args.kv;
    j["n_ctx"] = n_ctx;
    j["recompute"] = args.recompute;
    j["eps"] = args.eps;
    j["near_zero_rule"] = "entropy + 1.96 standard_error < eps (chain-rule estimate)";
    j["truncation"] =
        "a sample still going after max_length words is cut and contributes the entropies of its first "
        "max_length + 1 steps only; where truncated_mass > 0 the entropy is a lower bound on S_L";
    j["prompts"] = nlohmann::ordered_json::array();
    for (std::size_t p = 0; p < results.size(); ++p) {
      const auto& r = results[p];
      j["prompts"].push_back({{"tokens", r.tokens},
                              {"stream", p},
                              {"preamble", r.preamble},
                              {"next_token_entropy", r.next_token_entropy},
                              {"entropy", r.estimate.chain_rule.entropy},
                              {"standard_error", r.estimate.chain_rule.standard_error},
                              {"direct_entropy", r.estimate.direct.entropy},
                              {"direct_standard_error", r.estimate.direct.standard_error},
                              {"truncated_mass", r.estimate.chain_rule.truncated_mass},
                              {"near_zero", r.near_zero},
                              {"evaluations", r.estimate.chain_rule.evaluations},
                              {"decoded_tokens", r.decoded_tokens},
                              {"seconds", r.seconds}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("model %s: vocab %zu, end token (llama_vocab_eos) %u, n_ctx %zu, %d thread(s), %s%s\n",
              args.model.c_str(), vocab.size(), vocab.end(), n_ctx, args.threads,
              args.batch == 1 ? "one KV sequence (samples in turn)"
                              : (std::to_string(args.batch) + " KV sequences, " + args.kv +
                                 " (a round of samples per decode)")
                                    .c_str(),
              args.recompute ? ", KV cache cleared before every evaluation (--recompute)" : "");
  std::printf(
      "Monte Carlo: %zu samples, max_length L = %zu, seed %llu, stream = prompt index, T = %g; near zero: "
      "S_L + 1.96 SE < %g nats\n",
      args.samples, args.max_length, static_cast<unsigned long long>(args.seed), args.temperature, args.eps);
  std::printf(
      "A sample still going after L words is cut: it contributes the entropies of its first L + 1 steps "
      "only,\n"
      "so where cut > 0 the estimate is a lower bound on S_L(s). direct: the mean of -log P(y|s), same "
      "samples.\n\n");
  std::printf("%-3s %6s %8s %9s %8s %9s %6s %4s %6s %9s %8s  %s\n", "#", "tokens", "H_next", "S_L est", "SE",
              "direct", "cut", "zero", "evals", "ms/eval", "wall s", "tokens");
  for (std::size_t p = 0; p < results.size(); ++p) {
    const auto& r = results[p];
    const auto& c = r.estimate.chain_rule;
    std::printf("%-3zu %6zu %8.4f %9.4f %8.4f %9.4f %6.3f %4s %6zu %9.3f %8.2f  %s\n", p, r.tokens.size(),
                r.next_token_entropy, c.entropy, c.standard_error, r.estimate.direct.entropy,
                c.truncated_mass, r.near_zero ? "yes" : "no", c.evaluations,
                1e3 * r.seconds / static_cast<double>(c.evaluations), r.seconds, join(r.tokens).c_str());
  }
  return 0;
#else
  return 2;
#endif
}

}  // namespace infoscale::cli

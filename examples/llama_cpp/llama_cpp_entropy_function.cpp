// Yang's entropy function S_L(s) (arXiv 2407.21092, §4) of a llama.cpp model, by Monte Carlo
// (infoscale::entropy_function_monte_carlo over interop::llama_cpp_lm, the KV cache reused along
// each sampled continuation), and the exact next-token entropy H(p(. | s)), per prompt.
//
//   llama_cpp_entropy_function MODEL.gguf --tokens FILE [--samples N] [--max-length L] [--seed S]
//       [--temperature T] [--threads K] [--n-ctx C] [--recompute] [--json OUT]
//
// FILE has one prompt per line as space-separated token ids; the model is given exactly those ids
// (the caller includes BOS; nothing is added). A prompt s cannot contain ∅ (lm/sentence.hpp), so
// where BOS = EOS (the shipped Austen models: token 0) a line's leading end tokens are decoded as
// the PLM's preamble and s is the rest: the model sees the same tokens. Prompt i uses stream i.
// Samples run one at a time (options.batch = 1) so that the single KV cache follows each one.
// --recompute clears the KV cache before every evaluation (each step decodes the whole prefix): the
// cost the cache saves.
#include <llama.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <infoscale/interop/llama_cpp_lm.hpp>
#include <infoscale/lm/entropy_function.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using infoscale::token;
using infoscale::interop::llama_cpp_lm;

[[noreturn]] void usage(const char* why) {
  std::fprintf(
      stderr,
      "%s\nusage: llama_cpp_entropy_function MODEL.gguf --tokens FILE [--samples N] [--max-length L]\n"
      "       [--seed S] [--temperature T] [--threads K] [--n-ctx C] [--recompute] [--json OUT]\n",
      why);
  std::exit(2);
}

// The PLM with its cache cleared before every call: the full prefix is decoded each step.
struct recomputing_lm {
  const llama_cpp_lm& lm;
  [[nodiscard]] infoscale::vocabulary vocab() const { return lm.vocab(); }
  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    lm.forget();
    lm.next_log_probabilities(prefix, out);
  }
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

struct result {
  std::vector<token> tokens;  // the line: preamble + prompt
  std::size_t preamble = 0;   // leading end tokens decoded as the PLM's preamble
  double next_token_entropy = 0.0;
  infoscale::entropy_estimate estimate;
  std::size_t decoded_tokens = 0;
  double seconds = 0.0;
};

std::vector<std::vector<token>> read_token_lines(const std::string& path, std::size_t n_vocab) {
  std::ifstream in(path);
  if (!in) usage(("cannot read " + path).c_str());
  std::vector<std::vector<token>> lines;
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::istringstream fields(line);
    std::vector<token> ids;
    for (std::string field; fields >> field;) {
      std::size_t used = 0;
      unsigned long id = 0;
      try {
        id = std::stoul(field, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != field.size() || id >= n_vocab)
        usage(("line " + std::to_string(number) + " of " + path + ": \"" + field +
               "\" is not a token id below n_vocab = " + std::to_string(n_vocab))
                  .c_str());
      ids.push_back(static_cast<token>(id));
    }
    if (!ids.empty()) lines.push_back(std::move(ids));
  }
  if (lines.empty()) usage(("no prompt in " + path).c_str());
  return lines;
}

std::string join(const std::vector<token>& ids, const char* separator = " ") {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i > 0 ? separator : "") + std::to_string(ids[i]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("no model given");
  std::string model_path = argv[1], tokens_path, json_path;
  infoscale::monte_carlo_options options;
  options.samples = 64;
  options.max_length = 32;
  double temperature = 1.0;
  int threads = 1;
  std::uint32_t n_ctx = 0;
  bool recompute = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--tokens")
      tokens_path = value();
    else if (arg == "--samples")
      options.samples = std::stoul(value());
    else if (arg == "--max-length")
      options.max_length = std::stoul(value());
    else if (arg == "--seed")
      options.seed = std::stoull(value());
    else if (arg == "--temperature")
      temperature = std::stod(value());
    else if (arg == "--threads")
      threads = std::stoi(value());
    else if (arg == "--n-ctx")
      n_ctx = static_cast<std::uint32_t>(std::stoul(value()));
    else if (arg == "--json")
      json_path = value();
    else if (arg == "--recompute")
      recompute = true;
    else
      usage(("unknown option " + arg).c_str());
  }
  if (tokens_path.empty()) usage("--tokens FILE is required");
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  mp.progress_callback = [](float, void*) { return true; };
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model(
      llama_model_load_from_file(model_path.c_str(), mp), llama_model_free);
  if (model == nullptr) usage(("llama.cpp could not load " + model_path).c_str());
  const llama_vocab* vocab = llama_model_get_vocab(model.get());

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = n_ctx > 0 ? n_ctx : static_cast<std::uint32_t>(llama_model_n_ctx_train(model.get()));
  cp.n_batch = cp.n_ubatch = cp.n_ctx;
  cp.n_threads = cp.n_threads_batch = threads;
  options.batch = 1;  // one sample at a time: the single KV cache follows it
  std::vector<result> results;
  try {
    llama_cpp_lm lm(model.get(), cp, {.temperature = temperature, .preamble = {}});
    const auto lines = read_token_lines(tokens_path, lm.vocab().size());
    std::printf("model %s: vocab %zu, end token (llama_vocab_eos) %u, BOS %d, n_ctx %zu, %d thread(s)%s\n",
                model_path.c_str(), lm.vocab().size(), lm.vocab().end(), llama_vocab_bos(vocab),
                lm.context_size(), threads,
                recompute ? ", KV cache cleared before every evaluation (--recompute)" : "");
    std::printf("Monte Carlo: %zu samples, max_length L = %zu, seed %llu, stream = prompt index, T = %g\n",
                options.samples, options.max_length, static_cast<unsigned long long>(options.seed),
                temperature);
    std::printf(
        "A sample still going after L words is cut: it contributes the entropies of its first L + 1 steps\n"
        "only, so where cut > 0 the estimate is a lower bound on S_L(s) (cut = fraction of samples "
        "cut).\n\n");
    std::printf("%-3s %6s %8s %9s %8s %6s %6s %9s %8s  %s\n", "#", "tokens", "H_next", "S_L est", "SE", "cut",
                "evals", "ms/eval", "wall s", "tokens");
    for (std::size_t p = 0; p < lines.size(); ++p) {
      result r;
      r.tokens = lines[p];
      while (r.preamble < r.tokens.size() && r.tokens[r.preamble] == lm.vocab().end()) ++r.preamble;
      lm.set_preamble({r.tokens.begin(), r.tokens.begin() + static_cast<std::ptrdiff_t>(r.preamble)});
      const std::vector<token> prompt(r.tokens.begin() + static_cast<std::ptrdiff_t>(r.preamble),
                                      r.tokens.end());
      r.next_token_entropy =
          infoscale::detail::entropy_of_log_probabilities(infoscale::next_log_probabilities(lm, prompt));
      options.stream = p;
      const std::size_t decoded_before = lm.stats().decoded_tokens;
      const auto start = std::chrono::steady_clock::now();
      r.estimate = recompute ? infoscale::entropy_function_monte_carlo(recomputing_lm{lm}, prompt, options)
                             : infoscale::entropy_function_monte_carlo(lm, prompt, options);
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      r.decoded_tokens = lm.stats().decoded_tokens - decoded_before;
      std::printf("%-3zu %6zu %8.4f %9.4f %8.4f %6.3f %6zu %9.3f %8.2f  %s\n", p, r.tokens.size(),
                  r.next_token_entropy, r.estimate.entropy, r.estimate.standard_error,
                  r.estimate.truncated_mass, r.estimate.evaluations,
                  1e3 * r.seconds / static_cast<double>(r.estimate.evaluations), r.seconds,
                  join(r.tokens).c_str());
      results.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out.precision(17);
    out << "{\n  \"model\": \"" << json_escape(model_path) << "\",\n  \"samples\": " << options.samples
        << ",\n  \"max_length\": " << options.max_length << ",\n  \"seed\": " << options.seed
        << ",\n  \"temperature\": " << temperature << ",\n  \"threads\": " << threads
        << ",\n  \"recompute\": " << (recompute ? "true" : "false")
        << ",\n  \"truncation\": \"a sample still going after max_length words is cut and contributes the "
           "entropies of its first max_length + 1 steps only; where truncated_mass > 0 the entropy is a "
           "lower "
           "bound on S_L\",\n  \"prompts\": [\n";
    for (std::size_t p = 0; p < results.size(); ++p) {
      const result& r = results[p];
      out << "    {\"tokens\": [" << join(r.tokens, ", ") << "], \"stream\": " << p
          << ", \"preamble\": " << r.preamble << ", \"next_token_entropy\": " << r.next_token_entropy
          << ", \"entropy\": " << r.estimate.entropy << ", \"standard_error\": " << r.estimate.standard_error
          << ", \"truncated_mass\": " << r.estimate.truncated_mass
          << ", \"evaluations\": " << r.estimate.evaluations << ", \"decoded_tokens\": " << r.decoded_tokens
          << ", \"seconds\": " << r.seconds << "}" << (p + 1 < results.size() ? ",\n" : "\n");
    }
    out << "  ]\n}\n";
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}

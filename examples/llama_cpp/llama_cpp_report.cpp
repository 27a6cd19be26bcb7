// Runs a GGUF model through llama.cpp with infoscale's eval-callback adapter installed and prints
// what normal inference fed it: per-token entropy, free energy and heat capacity of the next-token
// distribution, then the layer report of `infoscale layers` (linear CKA of adjacent layers,
// S1 = 1/CKA, attention drift S3, fused evidence E, boundaries with bootstrap CIs over prompts).
//
//   llama_cpp_report MODEL.gguf "first prompt" ["second prompt" ...] [options]
//   llama_cpp_report MODEL.gguf --tokens FILE [options]
//
// options: --ubatch N, --threads K, --resamples B (1000), --seed S (0), --min-prominence P (0.3),
// --json OUT (the report as `infoscale layers --json` writes it, instead of the text),
// --no-attention, --flash-attention, --labels FILE (repeatable: one label set, a line of integer
// classes per sequence, one per token; S2 = probe jumps), --probe KIND (logistic, mlp, ridge,
// mlp_minibatch; default logistic).
//
// Each prompt (or each line of token ids in FILE, given as they are: no BOS is added) is one
// sequence, a bootstrap unit; every token is an output so that the last layer keeps all rows. The
// layers are those of transformers' hidden_states, so that the report is the one the Hugging Face
// collector gives for the same model: `embd`, l_out-0 .. l_out-(L-2), then `result_norm` (the last
// layer after the final norm) in place of l_out-(L-1). The report is the library's one layer
// pipeline (infoscale::layer_analysis) fed from the collector (infoscale/interop/llama_cpp_layers.hpp,
// which `infoscale layers MODEL.gguf` also uses). Attention needs flash attention off, which this
// program sets unless --no-attention or --flash-attention is given; with --flash-attention
// llama.cpp makes no attention tensors and the report states that S3 is omitted.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <infoscale/interop/llama_cpp_layers.hpp>
#include <infoscale/layers/report_format.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace interop = infoscale::interop;

int usage() {
  std::fprintf(
      stderr,
      "usage: llama_cpp_report MODEL.gguf (PROMPT [PROMPT ...] | --tokens FILE) [--ubatch N] [--threads K]\n"
      "       [--resamples B] [--seed S] [--min-prominence P] [--json OUT] [--no-attention | "
      "--flash-attention] [--labels FILE ...] [--probe KIND]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<std::string> prompts;
  std::string tokens_path, json_path;
  std::vector<std::string> label_paths;
  std::uint32_t n_ubatch = 512;
  int threads = 2;
  bool attention = true, flash = false;
  infoscale::layer_options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--ubatch" && i + 1 < argc) {
      n_ubatch = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--resamples" && i + 1 < argc) {
      options.resamples = static_cast<std::size_t>(std::strtoull(argv[++i], nullptr, 10));
    } else if (arg == "--min-prominence" && i + 1 < argc) {
      options.min_prominence = std::strtod(argv[++i], nullptr);
    } else if (arg == "--seed" && i + 1 < argc) {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--tokens" && i + 1 < argc) {
      tokens_path = argv[++i];
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--labels" && i + 1 < argc) {
      label_paths.push_back(argv[++i]);
    } else if (arg == "--probe" && i + 1 < argc) {
      try {
        options.probe = infoscale::parse_probe_kind(argv[++i], "llama_cpp_report", "--probe");
      } catch (const infoscale::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return usage();
      }
    } else if (arg == "--no-attention") {
      attention = false;
    } else if (arg == "--flash-attention") {
      flash = true;
    } else if (arg.rfind("--", 0) == 0) {
      return usage();
    } else if (model_path.empty()) {
      model_path = arg;
    } else {
      prompts.push_back(arg);
    }
  }
  if (model_path.empty() || prompts.empty() == tokens_path.empty() || n_ubatch == 0 || threads < 1 ||
      (flash && !attention))
    return usage();

  interop::quiet_llama_log();
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), interop::quiet_model_params());
  if (model == nullptr) {
    std::fprintf(stderr, "cannot load %s\n", model_path.c_str());
    return 1;
  }
  const llama_vocab* vocab = llama_model_get_vocab(model);

  infoscale::interop::llama_capture capture;
  capture.attention = attention;
  capture.final_norm = true;           // transformers' last hidden state
  capture.logits = json_path.empty();  // the JSON holds the layer report only
  infoscale::interop::llama_collector collector(capture);
  llama_context_params params = interop::layer_context_params({n_ubatch, threads, attention, flash});
  collector.install(params);
  llama_context* ctx = llama_init_from_model(model, params);
  if (ctx == nullptr) {
    std::fprintf(stderr, "cannot create a llama.cpp context\n");
    llama_model_free(model);
    return 1;
  }

  int status = 0;
  try {
    std::vector<std::vector<llama_token>> inputs;
    if (tokens_path.empty()) {
      for (const std::string& prompt : prompts) inputs.push_back(interop::tokenize(vocab, prompt));
    } else {
      inputs = infoscale::io::read_integer_lines<llama_token>(tokens_path);
      if (inputs.empty()) throw std::invalid_argument(tokens_path + " holds no token ids");
    }
    interop::decode_sequences(ctx, vocab, collector, inputs, params.n_batch, [&](std::size_t s) {
      return tokens_path.empty() ? "prompt \"" + prompts[s] + "\""
                                 : tokens_path + " line " + std::to_string(s + 1);
    });
    const std::vector<std::vector<llama_token>>& sequences = inputs;

    const infoscale::layer_report report = interop::collected_layer_report(
        collector, model, model_path, options, attention,
        infoscale::io::read_label_sets(label_paths, collector.sequence_lengths()));
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      out << infoscale::format_json(report) << "\n";
      if (!out) throw std::runtime_error("cannot write " + json_path);
    } else {
      // Per token: the distribution over the token that follows it.
      std::printf("%-4s %-4s %-16s %10s %12s %12s\n", "seq", "pos", "token", "S (nats)", "F (T=1)",
                  "C (T=1)");
      const auto& states = collector.thermodynamics();
      std::size_t row = 0;
      for (std::size_t s = 0; s < sequences.size(); ++s) {
        for (std::size_t i = 0; i < sequences[s].size(); ++i, ++row) {
          std::printf("%-4zu %-4zu %-16.16s %10.4f %12.4f %12.4f\n", s, i,
                      interop::piece(vocab, sequences[s][i]).c_str(), states[row].entropy,
                      states[row].free_energy, states[row].heat_capacity);
        }
      }
      std::printf("\n%s", infoscale::format_text(report).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    status = 1;
  }
  llama_free(ctx);
  llama_model_free(model);
  return status;
}

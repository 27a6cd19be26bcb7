// Runs a GGUF model through llama.cpp with infoscale's eval-callback adapter installed and prints
// what normal inference fed it: per-token entropy, free energy and heat capacity of the next-token
// distribution, then the layer report of `infoscale layers` (linear CKA of adjacent layers,
// S1 = 1/CKA, attention drift S3, fused evidence E, boundaries with bootstrap CIs over prompts).
//
//   llama_cpp_report MODEL.gguf "first prompt" ["second prompt" ...] [--ubatch N] [--no-attention]
//
// Each prompt is one sequence (a bootstrap unit); every token is an output so that the last layer
// keeps all rows. Attention needs flash attention off, which this program sets unless
// --no-attention is given.
#include <llama.h>

#include <cstdio>
#include <cstdlib>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/layers/fusion.hpp>
#include <infoscale/layers/pipeline.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

llama_model_params quiet_model_params() {
  llama_model_params params = llama_model_default_params();
  params.progress_callback = [](float, void*) { return true; };  // no progress dots
  return params;
}

std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> tokens(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), tokens.data(),
                               static_cast<std::int32_t>(tokens.size()), true, true);
  tokens.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return tokens;
}

std::string piece(const llama_vocab* vocab, llama_token token) {
  char buffer[64];
  const int n = llama_token_to_piece(vocab, token, buffer, sizeof buffer, 0, true);
  std::string s(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  for (char& ch : s) ch = (ch == '\n' || ch == '\t') ? ' ' : ch;
  return s;
}

int usage() {
  std::fprintf(stderr,
               "usage: llama_cpp_report MODEL.gguf PROMPT [PROMPT ...] [--ubatch N] [--no-attention]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<std::string> prompts;
  std::uint32_t n_ubatch = 512;
  bool attention = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--ubatch" && i + 1 < argc) {
      n_ubatch = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--no-attention") {
      attention = false;
    } else if (arg.rfind("--", 0) == 0) {
      return usage();
    } else if (model_path.empty()) {
      model_path = arg;
    } else {
      prompts.push_back(arg);
    }
  }
  if (model_path.empty() || prompts.empty() || n_ubatch == 0) return usage();

  llama_log_set(
      [](ggml_log_level level, const char* text, void*) {
        if (level >= GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
      },
      nullptr);
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), quiet_model_params());
  if (model == nullptr) {
    std::fprintf(stderr, "cannot load %s\n", model_path.c_str());
    return 1;
  }
  const llama_vocab* vocab = llama_model_get_vocab(model);

  infoscale::interop::llama_capture capture;
  capture.attention = attention;
  infoscale::interop::llama_collector collector(capture);
  llama_context_params params = llama_context_default_params();
  params.n_ctx = 4096;
  params.n_batch = 4096;
  params.n_ubatch = n_ubatch;
  params.flash_attn_type = attention ? LLAMA_FLASH_ATTN_TYPE_DISABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
  collector.install(params);
  llama_context* ctx = llama_init_from_model(model, params);
  if (ctx == nullptr) {
    std::fprintf(stderr, "cannot create a llama.cpp context\n");
    llama_model_free(model);
    return 1;
  }

  int status = 0;
  try {
    std::vector<std::vector<llama_token>> sequences;
    for (const std::string& prompt : prompts) {
      std::vector<llama_token> tokens = tokenize(vocab, prompt);
      if (tokens.size() < 2 || tokens.size() > params.n_batch) {
        throw std::invalid_argument("prompt \"" + prompt + "\" has " + std::to_string(tokens.size()) +
                                    " tokens; need 2 to " + std::to_string(params.n_batch));
      }
      llama_batch batch = llama_batch_init(static_cast<std::int32_t>(tokens.size()), 0, 1);
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        batch.token[i] = tokens[i];
        batch.pos[i] = static_cast<llama_pos>(i);
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;  // every token: its next-token distribution, and all rows of the last layer
      }
      batch.n_tokens = static_cast<std::int32_t>(tokens.size());
      const int rc = llama_decode(ctx, batch);
      llama_batch_free(batch);
      collector.check();  // an error inside the callback surfaces here
      if (rc != 0) throw std::runtime_error("llama_decode failed (" + std::to_string(rc) + ")");
      collector.end_sequence();
      llama_memory_clear(llama_get_memory(ctx), true);
      sequences.push_back(std::move(tokens));
    }

    // Per token: the distribution over the token that follows it.
    std::printf("%-4s %-4s %-16s %10s %12s %12s\n", "seq", "pos", "token", "S (nats)", "F (T=1)", "C (T=1)");
    const auto& states = collector.thermodynamics();
    std::size_t row = 0;
    for (std::size_t s = 0; s < sequences.size(); ++s) {
      for (std::size_t i = 0; i < sequences[s].size(); ++i, ++row) {
        std::printf("%-4zu %-4zu %-16.16s %10.4f %12.4f %12.4f\n", s, i,
                    piece(vocab, sequences[s][i]).c_str(), states[row].entropy, states[row].free_energy,
                    states[row].heat_capacity);
      }
    }

    // The layer report: hidden state 0 is `embd`, state l + 1 is `l_out-l`.
    const bool bootstrap = sequences.size() >= 2;
    const infoscale::resampling_plan plan(sequences.size(), bootstrap ? 1000 : 0, 0);
    const infoscale::cka_evidence cka = collector.layer_cka(plan);
    std::optional<infoscale::attention_evidence> drift;
    if (collector.has_attention()) drift.emplace(collector.layer_attention(plan));
    infoscale::boundary_options options;
    const infoscale::boundary_report report =
        infoscale::detect_boundaries(infoscale::par, &cka, nullptr, drift ? &*drift : nullptr, options);
    std::printf("\n%-5s %-8s %8s %8s %8s %8s\n", "pair", "layers", "CKA", "S1", "S3", "E(l)");
    for (std::size_t k = 0; k < report.evidence.size(); ++k) {
      const std::string s3 = report.s3.empty() || k == 0 ? "-" : std::to_string(report.s3[k]).substr(0, 6);
      std::printf("%-5zu %2zu->%-4zu %8.4f %8.4f %8s %8.3f\n", k, k, k + 1, cka.cka(k, 0), report.s1[k],
                  s3.c_str(), report.evidence[k]);
    }
    if (!drift) std::printf("no attention captured: S3 omitted\n");
    if (report.boundaries.empty()) std::printf("no boundary with prominence >= %g\n", options.min_prominence);
    for (const auto& b : report.boundaries) {
      std::printf("boundary after layer %zu: prominence %.3f", b.pair + 1, b.prominence);
      if (bootstrap) {
        std::printf(", 95%% CI [%g, %g], %s", b.ci.lower, b.ci.upper,
                    b.accepted ? "accepted" : "not accepted");
      }
      std::printf("\n");
    }
    if (!bootstrap) std::printf("one prompt: no bootstrap over sequences, so no confidence intervals\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    status = 1;
  }
  llama_free(ctx);
  llama_model_free(model);
  return status;
}

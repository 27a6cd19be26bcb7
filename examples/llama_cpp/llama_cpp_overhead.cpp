// What the eval callback costs: tokens/s of prompt processing (one N-token batch) and of generation
// (single-token decodes after it) without a callback and with the collector asking for nothing,
// for the logits only, for every layer's residual stream and the logits, and for those plus the
// attention; and Experiment 2's noise injection (llama_cpp_noise.hpp, sigma 0.1 of each node's
// std) in the middle third of the layers (one scale) and in every layer. Every mode runs with flash attention
// off (the attention mode needs it) and with the same threads; modes are interleaved within each repetition
// and the median is reported, so a slow moment of a shared machine hits all of them alike.
//
//   llama_cpp_overhead MODEL.gguf [--prompt N] [--generate G] [--reps R] [--threads T]
#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/interop/llama_cpp_noise.hpp>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

llama_model_params quiet_model_params() {
  llama_model_params params = llama_model_default_params();
  params.progress_callback = [](float, void*) { return true; };  // no progress dots
  return params;
}

struct mode {
  const char* name;
  std::optional<infoscale::interop::llama_capture> capture;  // none: no callback at all
  int noise_layers = 0;  // > 0: the noise injection instead, in that many middle layers
};

std::vector<mode> modes(int n_layer) {
  using infoscale::interop::llama_capture;
  llama_capture nothing;
  nothing.embeddings = nothing.residual = nothing.logits = false;
  llama_capture logits;
  logits.embeddings = logits.residual = false;
  llama_capture layers;
  llama_capture attention;
  attention.attention = true;
  return {{"no callback", std::nullopt},
          {"ask, want nothing", nothing},
          {"logits only", logits},
          {"all layers + logits", layers},
          {"+ attention", attention},
          {"noise, middle third of the layers", std::nullopt, std::max(1, n_layer / 3)},
          {"noise, every layer", std::nullopt, n_layer}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

void fill(llama_batch& batch, const std::vector<llama_token>& tokens, llama_pos first) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = first + static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;  // what an analysis run asks for: every position's distribution
  }
  batch.n_tokens = static_cast<std::int32_t>(tokens.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: llama_cpp_overhead MODEL.gguf [--prompt N] [--generate G] [--reps R] [--threads T]\n");
    return 2;
  }
  int prompt = 128, generate = 32, reps = 5, threads = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (arg == "--prompt") prompt = value;
    if (arg == "--generate") generate = value;
    if (arg == "--reps") reps = value;
    if (arg == "--threads") threads = value;
  }
  llama_log_set(
      [](ggml_log_level level, const char* text, void*) {
        if (level >= GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
      },
      nullptr);
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(argv[1], quiet_model_params());
  if (model == nullptr) return 1;
  const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  std::mt19937 rng(42);
  std::vector<llama_token> tokens(static_cast<std::size_t>(prompt + generate));
  for (auto& t : tokens) t = static_cast<llama_token>(rng() % static_cast<unsigned>(vocab));
  const std::vector<llama_token> head(tokens.begin(), tokens.begin() + prompt);

  struct run {
    mode m;
    std::unique_ptr<infoscale::interop::llama_collector> collector;
    std::unique_ptr<infoscale::interop::llama_noise_injection> noise;
    llama_context* ctx = nullptr;
    std::vector<double> prefill, generation;
  };
  std::vector<run> runs;
  const int n_layer = llama_model_n_layer(model);
  for (mode& m : modes(n_layer)) {
    llama_context_params p = llama_context_default_params();
    p.n_ctx = static_cast<std::uint32_t>(prompt + generate + 16);
    p.n_batch = p.n_ubatch = static_cast<std::uint32_t>(prompt);
    p.n_threads = p.n_threads_batch = threads;
    p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    run r{m, nullptr, nullptr, nullptr, {}, {}};
    if (m.capture) {
      r.collector = std::make_unique<infoscale::interop::llama_collector>(*m.capture);
      r.collector->install(p);
    }
    if (m.noise_layers > 0) {
      infoscale::interop::llama_noise noise;
      const int first = m.noise_layers == n_layer ? 0 : (n_layer - m.noise_layers) / 2;
      for (int l = first; l < first + m.noise_layers; ++l) noise.layers.push_back(l);
      r.noise = std::make_unique<infoscale::interop::llama_noise_injection>(noise);
      r.noise->install(p);
    }
    r.ctx = llama_init_from_model(model, p);
    if (r.ctx == nullptr) return 1;
    runs.push_back(std::move(r));
  }

  llama_batch batch = llama_batch_init(prompt, 0, 1);
  for (int rep = -1; rep < reps; ++rep) {  // rep -1 warms up
    for (run& r : runs) {
      llama_memory_clear(llama_get_memory(r.ctx), true);
      fill(batch, head, 0);
      auto start = std::chrono::steady_clock::now();
      if (llama_decode(r.ctx, batch) != 0) return 1;
      const double t_prefill = seconds_since(start);
      start = std::chrono::steady_clock::now();
      for (int g = 0; g < generate; ++g) {
        fill(batch, {tokens[static_cast<std::size_t>(prompt + g)]}, prompt + g);
        if (llama_decode(r.ctx, batch) != 0) return 1;
      }
      const double t_generation = seconds_since(start);
      if (r.collector) r.collector->check();
      if (r.noise) r.noise->check();
      if (rep >= 0) {
        r.prefill.push_back(prompt / t_prefill);
        r.generation.push_back(generate / t_generation);
      }
      if (r.collector) r.collector->end_sequence();
    }
  }
  llama_batch_free(batch);

  char desc[128];
  llama_model_desc(model, desc, sizeof desc);
  std::printf(
      "model: %s, %d layers, n_embd %d, vocab %d; prompt %d tokens, %d generated; %d threads; "
      "median of %d\n",
      desc, llama_model_n_layer(model), llama_model_n_embd(model), vocab, prompt, generate, threads, reps);
  const double base_prefill = median(runs[0].prefill), base_generation = median(runs[0].generation);
  std::printf("| mode | prompt tok/s | vs none | generation tok/s | vs none |\n|---|---:|---:|---:|---:|\n");
  for (const run& r : runs) {
    const double pf = median(r.prefill), gen = median(r.generation);
    std::printf("| %s | %.1f | %+.1f%% | %.1f | %+.1f%% |\n", r.m.name, pf, 100.0 * (pf / base_prefill - 1.0),
                gen, 100.0 * (gen / base_generation - 1.0));
  }
  for (run& r : runs) llama_free(r.ctx);
  llama_model_free(model);
  return 0;
}

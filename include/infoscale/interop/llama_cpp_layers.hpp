#pragma once
// A GGUF model's layer report through llama.cpp: the model loaded quietly, every sequence decoded
// alone with the eval-callback collector installed (interop/llama_cpp.hpp), and what it captured
// fed into the library's one layer pipeline (layers/layer_analysis.hpp). The `infoscale` program's
// `layers` and `study` commands (in a build linked with llama.cpp) and examples/llama_cpp use it.
//
// The layers are those of transformers' hidden_states, so that the report is the one the Hugging
// Face collector gives for the same model: `embd`, l_out-0 .. l_out-(L-2), then `result_norm` (the
// last layer after the final norm) in place of l_out-(L-1). Attention (S3) needs flash attention
// off; with it on llama.cpp makes no kq_soft_max tensors and the report says S3 is omitted.
//
// Compiles to nothing where llama.h is not on the include path.

#if __has_include(<llama.h>)

#include <llama.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/interop/llama_cpp.hpp"
#include "infoscale/io/token_lines.hpp"
#include "infoscale/layers/layer_analysis.hpp"

namespace infoscale::interop {

/// How a GGUF model is run for its layer report. Attention needs flash attention off, which is set
/// unless attention is not wanted (flash: on, and llama.cpp makes no attention tensors).
struct llama_cpp_run_settings {
  std::uint32_t n_ubatch = 512;
  int threads = 2;
  bool attention = true;
  bool flash = false;
};

/// Only llama.cpp's errors reach stderr.
inline void quiet_llama_log() {
  llama_log_set(
      [](ggml_log_level level, const char* text, void*) {
        if (level >= GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
      },
      nullptr);
}

inline llama_model_params quiet_model_params() {
  llama_model_params params = llama_model_default_params();
  params.progress_callback = [](float, void*) { return true; };  // no progress dots
  return params;
}

inline llama_context_params layer_context_params(const llama_cpp_run_settings& settings) {
  llama_context_params params = llama_context_default_params();
  params.n_ctx = 4096;
  params.n_batch = 4096;
  params.n_ubatch = settings.n_ubatch;
  params.n_threads = settings.threads;
  params.n_threads_batch = settings.threads;
  params.flash_attn_type = settings.flash       ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                           : settings.attention ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                                : LLAMA_FLASH_ATTN_TYPE_AUTO;
  return params;
}

/// Text to token ids with the model's tokenizer (BOS added as the vocabulary says).
inline std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> tokens(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), tokens.data(),
                               static_cast<std::int32_t>(tokens.size()), true, true);
  tokens.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return tokens;
}

/// A token's text, newlines and tabs as spaces (for one-line tables).
inline std::string piece(const llama_vocab* vocab, llama_token token) {
  char buffer[64];
  const int n = llama_token_to_piece(vocab, token, buffer, sizeof buffer, 0, true);
  std::string s(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  for (char& ch : s) ch = (ch == '\n' || ch == '\t') ? ' ' : ch;
  return s;
}

/// Decodes each sequence alone (positions from 0, the KV cache cleared after it), every token an
/// output, so that the collector captures all rows of every layer; `describe(s)` names sequence s
/// in errors. Checks lengths (2 to n_batch) and token ids.
inline void decode_sequences(llama_context* ctx, const llama_vocab* vocab, llama_collector& collector,
                             const std::vector<std::vector<llama_token>>& inputs, std::uint32_t n_batch,
                             const std::function<std::string(std::size_t)>& describe) {
  const auto n_vocab = llama_vocab_n_tokens(vocab);
  for (std::size_t s = 0; s < inputs.size(); ++s) {
    const std::vector<llama_token>& tokens = inputs[s];
    if (tokens.size() < 2 || tokens.size() > n_batch)
      infoscale::detail::raise(
          "decode_sequences", describe(s),
          "has " + std::to_string(tokens.size()) + " tokens; need 2 to " + std::to_string(n_batch));
    for (const llama_token t : tokens)
      if (t < 0 || t >= n_vocab)
        infoscale::detail::raise(
            "decode_sequences", describe(s),
            "holds token " + std::to_string(t) + ", outside the vocabulary of " + std::to_string(n_vocab));
    std::unique_ptr<llama_batch, void (*)(llama_batch*)> batch(
        new llama_batch(llama_batch_init(static_cast<std::int32_t>(tokens.size()), 0, 1)),
        [](llama_batch* b) {
          llama_batch_free(*b);
          delete b;
        });
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      batch->token[i] = tokens[i];
      batch->pos[i] = static_cast<llama_pos>(i);
      batch->n_seq_id[i] = 1;
      batch->seq_id[i][0] = 0;
      batch->logits[i] = 1;  // every token: its next-token distribution, and all rows of the last layer
    }
    batch->n_tokens = static_cast<std::int32_t>(tokens.size());
    const int rc = llama_decode(ctx, *batch);
    collector.check();  // an error inside the callback surfaces here
    if (rc != 0)
      infoscale::detail::raise("decode_sequences", describe(s),
                               "llama_decode failed (" + std::to_string(rc) + ")");
    collector.end_sequence();
    llama_memory_clear(llama_get_memory(ctx), true);
  }
}

/// The layer report of the captured sequences: hidden states as transformers numbers them (see the
/// top of this file) into the library's layer_analysis, attention as per-pair JS sums. `labels`:
/// label sets flattened over the sequences (io::read_label_sets), one per probe task.
inline layer_report collected_layer_report(const llama_collector& collector, const llama_model* model,
                                           const std::string& source, const layer_options& options,
                                           bool attention_asked,
                                           std::vector<std::vector<std::int64_t>> labels) {
  const int n_layer = llama_model_n_layer(model);
  std::vector<int> want{-1};
  for (int l = 0; l < n_layer; ++l) want.push_back(l);
  want.push_back(llama_collector::final_norm_layer);
  if (collector.hidden_layers() != want)
    infoscale::detail::raise("collected_layer_report", source,
                             "did not give embd, l_out-0.." + std::to_string(n_layer - 1) +
                                 " and result_norm to the collector (not a llama.cpp LLaMA-style graph?)");
  want.erase(want.end() - 2);  // result_norm replaces the last l_out, as in transformers' hidden_states
  const std::vector<std::size_t> lengths = collector.sequence_lengths();
  layer_analysis analysis(lengths, std::move(labels), options, source);
  analysis.note("llama.cpp: hidden states embd, l_out-0.." + std::to_string(n_layer - 2) +
                ", result_norm (transformers' hidden_states 0.." + std::to_string(n_layer) + ")");
  for (const int layer : want) analysis.add_hidden_layer(par, collector.hidden_states(layer));
  if (collector.has_attention()) {
    const std::vector<attention_drift_sums> sums = collector.attention_sums(want);
    std::vector<std::size_t> sequences(lengths.size()), rows;
    for (std::size_t s = 0; s < sequences.size(); ++s) {
      sequences[s] = s;
      rows.push_back(sums[s].rows);
    }
    const std::size_t heads = static_cast<std::size_t>(llama_model_n_head(model));
    const std::size_t longest = *std::max_element(lengths.begin(), lengths.end());
    for (std::size_t pair = 1; pair + 1 < want.size(); ++pair) {
      std::vector<double> js;
      for (const auto& s : sums) js.push_back(s.js_sum[pair]);
      analysis.add_attention_pair_sums(pair, sequences, js, rows, "F32", heads, longest);
    }
    // kq_soft_max is float32 [heads, queries, keys] per ubatch; its padded KV cells hold probability 0.
    analysis.describe_attention(attention_description{
        "F32", {static_cast<std::size_t>(n_layer), lengths.size(), heads, longest, longest}, false, false});
  } else if (attention_asked) {
    analysis.note("attention was asked for but llama.cpp made no kq_soft_max tensors (flash attention on)");
  }
  return analysis.report(par);
}

/// One GGUF model's layer report over token-id sequences (given as they are: no BOS is added):
/// loaded, every sequence decoded with the collector installed, freed. `label_paths`: per-token
/// label files (io::read_label_sets), one per probe task; `tokens_source` names the sequences in
/// errors ("FILE line N"). Call llama_backend_init() first.
inline layer_report gguf_layer_report(const std::string& model_path,
                                      const std::vector<std::vector<llama_token>>& inputs,
                                      const std::string& tokens_source,
                                      const llama_cpp_run_settings& settings, const layer_options& options,
                                      const std::vector<std::string>& label_paths) {
  if (inputs.empty()) infoscale::detail::raise("gguf_layer_report", tokens_source, "holds no token ids");
  if (settings.n_ubatch == 0 || settings.threads < 1)
    infoscale::detail::raise("gguf_layer_report", "settings", "need n_ubatch >= 1 and threads >= 1");
  // Labels first: misaligned label files fail before any decoding.
  std::vector<std::size_t> lengths;
  for (const auto& sequence : inputs) lengths.push_back(sequence.size());
  std::vector<std::vector<std::int64_t>> labels = io::read_label_sets(label_paths, lengths);
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model(
      llama_model_load_from_file(model_path.c_str(), quiet_model_params()), llama_model_free);
  if (model == nullptr)
    infoscale::detail::raise("gguf_layer_report", model_path, "cannot be loaded by llama.cpp");
  llama_capture capture;
  capture.attention = settings.attention;
  capture.final_norm = true;  // transformers' last hidden state
  capture.logits = false;
  llama_collector collector(capture);
  llama_context_params params = layer_context_params(settings);
  collector.install(params);
  std::unique_ptr<llama_context, decltype(&llama_free)> ctx(llama_init_from_model(model.get(), params),
                                                            llama_free);
  if (ctx == nullptr) infoscale::detail::raise("gguf_layer_report", model_path, "gives no llama.cpp context");
  decode_sequences(ctx.get(), llama_model_get_vocab(model.get()), collector, inputs, params.n_batch,
                   [&](std::size_t s) { return tokens_source + " line " + std::to_string(s + 1); });
  return collected_layer_report(collector, model.get(), model_path, options, settings.attention,
                                std::move(labels));
}

}  // namespace infoscale::interop

#endif  // __has_include(<llama.h>)

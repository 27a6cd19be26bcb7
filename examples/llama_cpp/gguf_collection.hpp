#pragma once
// What the llama.cpp examples share: loading a GGUF model quietly, reading token-id and label
// files, decoding sequences one at a time with infoscale's collector installed, and turning what
// it captured into the library's layer report (infoscale::layer_analysis, the one layer pipeline).
// llama_cpp_report prints one model's report; llama_cpp_study runs the multi-scale study over
// several models with it.
#include <llama.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gguf {

inline llama_model_params quiet_model_params() {
  llama_model_params params = llama_model_default_params();
  params.progress_callback = [](float, void*) { return true; };  // no progress dots
  return params;
}

inline std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> tokens(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), tokens.data(),
                               static_cast<std::int32_t>(tokens.size()), true, true);
  tokens.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return tokens;
}

inline std::string piece(const llama_vocab* vocab, llama_token token) {
  char buffer[64];
  const int n = llama_token_to_piece(vocab, token, buffer, sizeof buffer, 0, true);
  std::string s(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  for (char& ch : s) ch = (ch == '\n' || ch == '\t') ? ' ' : ch;
  return s;
}

// One sequence of integers (token ids, or labels) per non-empty line.
template <class Id = llama_token>
std::vector<std::vector<Id>> read_sequences(const std::string& path, const char* what = "a token id") {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::vector<std::vector<Id>> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<Id> ids;
    long long id = 0;
    while (fields >> id) ids.push_back(static_cast<Id>(id));
    if (!fields.eof())
      throw std::invalid_argument(path + ": line " + std::to_string(out.size() + 1) +
                                  " holds something that is not " + what);
    if (!ids.empty()) out.push_back(std::move(ids));
  }
  return out;
}

// Label sets read from `paths`, each flattened over the sequences, after checking that every line
// gives one label per token of its sequence.
inline std::vector<std::vector<std::int64_t>> read_label_sets(const std::vector<std::string>& paths,
                                                              const std::vector<std::size_t>& lengths) {
  std::vector<std::vector<std::int64_t>> sets;
  for (const std::string& path : paths) {
    const auto lines = read_sequences<std::int64_t>(path, "a label");
    if (lines.size() != lengths.size())
      throw std::invalid_argument(path + " has " + std::to_string(lines.size()) + " lines of labels for " +
                                  std::to_string(lengths.size()) + " sequences");
    std::vector<std::int64_t> flat;
    for (std::size_t s = 0; s < lines.size(); ++s) {
      if (lines[s].size() != lengths[s])
        throw std::invalid_argument(path + ": line " + std::to_string(s + 1) + " has " +
                                    std::to_string(lines[s].size()) + " labels for a sequence of " +
                                    std::to_string(lengths[s]) + " tokens");
      flat.insert(flat.end(), lines[s].begin(), lines[s].end());
    }
    sets.push_back(std::move(flat));
  }
  return sets;
}

// The layer report of the captured sequences: hidden states as transformers numbers them (see the
// top of this file) into the library's layer_analysis, attention as per-pair JS sums.
inline infoscale::layer_report layer_report(const infoscale::interop::llama_collector& collector,
                                            const llama_model* model, const std::string& source,
                                            const infoscale::layer_options& options, bool attention_asked,
                                            const std::vector<std::string>& label_paths) {
  using infoscale::interop::llama_collector;
  const int n_layer = llama_model_n_layer(model);
  std::vector<int> want{-1};
  for (int l = 0; l < n_layer; ++l) want.push_back(l);
  want.push_back(llama_collector::final_norm_layer);
  if (collector.hidden_layers() != want) {
    throw std::runtime_error("the collector did not capture embd, l_out-0.." + std::to_string(n_layer - 1) +
                             " and result_norm (not a llama.cpp LLaMA-style graph?)");
  }
  want.erase(want.end() - 2);  // result_norm replaces the last l_out, as in transformers' hidden_states
  const std::vector<std::size_t> lengths = collector.sequence_lengths();
  infoscale::layer_analysis analysis(lengths, read_label_sets(label_paths, lengths), options, source);
  analysis.note("llama.cpp: hidden states embd, l_out-0.." + std::to_string(n_layer - 2) +
                ", result_norm (transformers' hidden_states 0.." + std::to_string(n_layer) + ")");
  for (const int layer : want) analysis.add_hidden_layer(infoscale::par, collector.hidden_states(layer));
  if (collector.has_attention()) {
    const std::vector<infoscale::attention_drift_sums> sums = collector.attention_sums(want);
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
    analysis.describe_attention(infoscale::attention_description{
        "F32", {static_cast<std::size_t>(n_layer), lengths.size(), heads, longest, longest}, false, false});
  } else if (attention_asked) {
    analysis.note("attention was asked for but llama.cpp made no kq_soft_max tensors (flash attention on)");
  }
  return analysis.report(infoscale::par);
}

/// Only llama.cpp's errors reach stderr.
inline void quiet_llama_log() {
  llama_log_set(
      [](ggml_log_level level, const char* text, void*) {
        if (level >= GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
      },
      nullptr);
}

/// How the examples run llama.cpp. Attention needs flash attention off, which is set unless
/// attention is not wanted (flash: on, and llama.cpp makes no attention tensors).
struct decoder_settings {
  std::uint32_t n_ubatch = 512;
  int threads = 2;
  bool attention = true;
  bool flash = false;
};

inline llama_context_params context_params(const decoder_settings& settings) {
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

/// Decodes each sequence alone (positions from 0, the KV cache cleared after it), every token an
/// output, so that the collector captures all rows of every layer; `describe(s)` names sequence s
/// in errors. Checks lengths (2 to n_batch) and token ids.
inline void decode_sequences(llama_context* ctx, const llama_vocab* vocab,
                             infoscale::interop::llama_collector& collector,
                             const std::vector<std::vector<llama_token>>& inputs, std::uint32_t n_batch,
                             const std::function<std::string(std::size_t)>& describe) {
  const auto n_vocab = llama_vocab_n_tokens(vocab);
  for (std::size_t s = 0; s < inputs.size(); ++s) {
    const std::vector<llama_token>& tokens = inputs[s];
    if (tokens.size() < 2 || tokens.size() > n_batch) {
      throw std::invalid_argument(describe(s) + " has " + std::to_string(tokens.size()) +
                                  " tokens; need 2 to " + std::to_string(n_batch));
    }
    for (const llama_token t : tokens)
      if (t < 0 || t >= n_vocab)
        throw std::invalid_argument(describe(s) + " holds token " + std::to_string(t) +
                                    ", outside the vocabulary");
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
  }
}

}  // namespace gguf

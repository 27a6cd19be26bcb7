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
// pipeline (infoscale::layer_analysis) fed from the collector. Attention needs flash attention
// off, which this program sets unless --no-attention or --flash-attention is given; with
// --flash-attention llama.cpp makes no attention tensors and the report states that S3 is omitted.
#include <llama.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <infoscale/layers/report_format.hpp>
#include <sstream>
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
std::vector<std::vector<std::int64_t>> read_label_sets(const std::vector<std::string>& paths,
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
infoscale::layer_report layer_report(const infoscale::interop::llama_collector& collector,
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
  capture.final_norm = true;           // transformers' last hidden state
  capture.logits = json_path.empty();  // the JSON holds the layer report only
  infoscale::interop::llama_collector collector(capture);
  llama_context_params params = llama_context_default_params();
  params.n_ctx = 4096;
  params.n_batch = 4096;
  params.n_ubatch = n_ubatch;
  params.n_threads = threads;
  params.n_threads_batch = threads;
  params.flash_attn_type = flash       ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                           : attention ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                       : LLAMA_FLASH_ATTN_TYPE_AUTO;
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
      for (const std::string& prompt : prompts) inputs.push_back(tokenize(vocab, prompt));
    } else {
      inputs = read_sequences(tokens_path);
      if (inputs.empty()) throw std::invalid_argument(tokens_path + " holds no token ids");
    }
    const auto n_vocab = llama_vocab_n_tokens(vocab);
    std::vector<std::vector<llama_token>> sequences;
    for (std::vector<llama_token>& tokens : inputs) {
      const std::string which = tokens_path.empty()
                                    ? "prompt \"" + prompts[sequences.size()] + "\""
                                    : tokens_path + " line " + std::to_string(sequences.size() + 1);
      if (tokens.size() < 2 || tokens.size() > params.n_batch) {
        throw std::invalid_argument(which + " has " + std::to_string(tokens.size()) + " tokens; need 2 to " +
                                    std::to_string(params.n_batch));
      }
      for (const llama_token t : tokens)
        if (t < 0 || t >= n_vocab)
          throw std::invalid_argument(which + " holds token " + std::to_string(t) +
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
      sequences.push_back(std::move(tokens));
    }

    const infoscale::layer_report report =
        layer_report(collector, model, model_path, options, attention, label_paths);
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
                      piece(vocab, sequences[s][i]).c_str(), states[row].entropy, states[row].free_energy,
                      states[row].heat_capacity);
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

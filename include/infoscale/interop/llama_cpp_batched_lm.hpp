#pragma once
// A llama.cpp model as a batched predicative LM (arXiv 2407.21092, §2; lm/concepts.hpp,
// BatchedPredicativeLM): the same PLM as llama_cpp_lm (vocabulary, ∅ = eos, preamble, log-softmax
// at temperature T), but with one KV sequence per Monte Carlo sample, so that a round's samples are
// answered by one llama_decode per step instead of one each.
//
// Slots: the context has `slots` sequences (n_seq_max), and sample id i uses sequence i % slots;
// two rows of one call on the same sequence are an error, so entropy_function_monte_carlo runs with
// options.batch <= slots. Each sequence remembers its tokens; per call, a row's sequence keeps the
// longest common prefix with preamble + prefix (minus the last token, whose logits are needed) and
// drops the rest (llama_memory_seq_rm). Two KV layouts (llama_batched_kv):
//  - per_sequence (the default; kv_unified = false): each sequence has its own n_ctx / slots cells
//    and attends over them only, so a step costs the same per sample whatever the batch; the prompt
//    is decoded once per sequence (in the round's first step, in one llama_decode);
//  - unified (kv_unified = true): one pool of n_ctx cells; rows asking for the same tokens from the
//    same kept length are decoded once, the tokens tagged with all their sequences, so the prompt's
//    cells are shared, but every token attends over (masked) cells of every sequence, which grows
//    with batch x length (measured in examples/llama_cpp/README.md).
//
// A sequence may hold at most min(its cells, the model's n_ctx_train) tokens; a full unified cache
// is a decode error that says to raise n_ctx.
//
// Numbers: a row equals llama_cpp_lm's and a fresh context's up to float rounding: the batch shapes
// change ggml's matmul blocking (tests/llama_cpp/test_llama_cpp_lm.cpp states the tolerance). Two
// runs with the same calls, threads and build are bit-identical.
//
// Like llama_cpp_lm, the const calls mutate the cache: one object, one thread at a time.
//
// Compiles to nothing where llama.h is not on the include path.

#if __has_include(<llama.h>)

#include <llama.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/interop/llama_cpp_lm.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale::interop {

/// How the batched PLM's sequences share the KV cache (above).
enum class llama_batched_kv { per_sequence, unified };

/// A batched PLM over a llama.cpp model and a context it owns, with `slots` KV sequences. The model
/// is borrowed and must outlive it. Movable, not copyable.
class llama_cpp_batched_lm {
 public:
  /// llama.cpp's LLAMA_MAX_SEQ (src/llama-cparams.h, not in llama.h).
  static constexpr std::size_t max_slots = 256;

  /// params.n_seq_max and params.kv_unified are set here; params.n_ctx is the KV cells of all
  /// sequences together (per_sequence: each gets n_ctx / slots, rounded up to 256 by llama.cpp;
  /// unified: a round of B samples of length L after a prompt of n needs about n + B (L + 2)).
  llama_cpp_batched_lm(llama_model* model, llama_context_params params, std::size_t slots,
                       llama_cpp_lm_options options = {},
                       llama_batched_kv layout = llama_batched_kv::per_sequence)
      : model_(model),
        options_(std::move(options)),
        vocab_(detail::llama_vocabulary(model, function_name)),
        unified_(layout == llama_batched_kv::unified) {
    if (slots == 0 || slots > max_slots)
      infoscale::detail::raise(function_name, "slots",
                               "is " + std::to_string(slots) + ", must be 1.." + std::to_string(max_slots) +
                                   " (llama.cpp's LLAMA_MAX_SEQ)");
    check_positive(options_.temperature, function_name, "options.temperature");
    check_tokens(options_.preamble, function_name, "preamble");
    params.n_seq_max = static_cast<std::uint32_t>(slots);
    params.kv_unified = unified_;
    context_.reset(llama_init_from_model(model, params));
    if (!context_)
      infoscale::detail::raise(function_name, "params", "were refused: llama_init_from_model failed");
    n_ctx_ = llama_n_ctx(context_.get());
    n_ctx_seq_ = llama_n_ctx_seq(context_.get());
    n_ctx_train_ = static_cast<std::size_t>(std::max<std::int32_t>(1, llama_model_n_ctx_train(model)));
    n_batch_ = std::max<std::uint32_t>(1, llama_n_batch(context_.get()));
    state_ = std::make_unique<state>();
    state_->cached.resize(slots);
    state_->batch =
        llama_batch_init(static_cast<std::int32_t>(n_batch_), 0, static_cast<std::int32_t>(slots));
    state_->batch_ready = true;
    forget();
  }

  llama_cpp_batched_lm(llama_cpp_batched_lm&&) noexcept = default;
  llama_cpp_batched_lm& operator=(llama_cpp_batched_lm&&) noexcept = default;

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  [[nodiscard]] double temperature() const noexcept { return options_.temperature; }
  [[nodiscard]] const std::vector<token>& preamble() const noexcept { return options_.preamble; }
  [[nodiscard]] std::size_t slots() const noexcept { return state_->cached.size(); }
  [[nodiscard]] std::size_t context_size() const noexcept { return n_ctx_; }
  /// The cells one sequence may fill (n_ctx when unified).
  [[nodiscard]] std::size_t sequence_context_size() const noexcept { return n_ctx_seq_; }
  [[nodiscard]] llama_batched_kv layout() const noexcept {
    return unified_ ? llama_batched_kv::unified : llama_batched_kv::per_sequence;
  }
  [[nodiscard]] llama_context* context() const noexcept { return context_.get(); }
  [[nodiscard]] const llama_cpp_lm_stats& stats() const noexcept { return state_->stats; }
  /// The token ids now in sequence `slot` (preamble included).
  [[nodiscard]] std::span<const token> cached_tokens(std::size_t slot) const {
    return state_->cached.at(slot);
  }

  /// Replaces the preamble; cached sequences are reused where they still match.
  void set_preamble(std::vector<token> preamble) {
    check_tokens(preamble, "llama_cpp_batched_lm::set_preamble", "preamble");
    options_.preamble = std::move(preamble);
  }

  /// Clears every sequence.
  void forget() const {
    llama_memory_clear(llama_get_memory(context_.get()), true);
    for (std::vector<token>& c : state_->cached) c.clear();
  }

  /// log p(. | preamble + prefix), through sequence 0.
  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    const std::size_t id = 0;
    const sentence row(prefix.begin(), prefix.end());
    next_log_probabilities_batch(std::span<const std::size_t>(&id, 1), std::span<const sentence>(&row, 1),
                                 out);
  }

  /// Row r of `out` (prefixes x n_vocab) = log p(. | preamble + prefixes[r]), through sequence
  /// sample_ids[r] % slots().
  void next_log_probabilities_batch(std::span<const std::size_t> sample_ids,
                                    std::span<const sentence> prefixes, std::span<double> out) const {
    constexpr std::string_view function = "llama_cpp_batched_lm::next_log_probabilities_batch";
    const std::size_t rows = prefixes.size(), v = vocab_.size();
    if (sample_ids.size() != rows)
      infoscale::detail::raise(
          function, "sample_ids",
          "has " + std::to_string(sample_ids.size()) + " entries for " + std::to_string(rows) + " prefixes");
    if (out.size() != rows * v)
      infoscale::detail::raise(function, "out",
                               "has " + std::to_string(out.size()) + " entries, not prefixes x n_vocab = " +
                                   std::to_string(rows) + " x " + std::to_string(v));
    state& s = *state_;
    std::vector<request> requests(rows);
    std::vector<bool> taken(slots(), false);
    for (std::size_t r = 0; r < rows; ++r) {
      request& q = requests[r];
      q.slot = sample_ids[r] % slots();
      if (taken[q.slot])
        infoscale::detail::raise(function, "sample_ids",
                                 "has two rows on KV sequence " + std::to_string(q.slot) + " (sample " +
                                     std::to_string(sample_ids[r]) + "): at most " + std::to_string(slots()) +
                                     " samples per call (run the Monte Carlo with batch <= slots)");
      taken[q.slot] = true;
      check_tokens(prefixes[r], function, "prefixes[" + std::to_string(r) + "]");
      q.tokens = options_.preamble;
      q.tokens.insert(q.tokens.end(), prefixes[r].begin(), prefixes[r].end());
      if (q.tokens.empty())
        infoscale::detail::raise(
            function, "prefixes[" + std::to_string(r) + "]",
            "is empty and so is the preamble: llama.cpp needs at least one token to produce "
            "logits (put BOS in the preamble or the prefix)");
      if (q.tokens.size() > std::min(n_ctx_seq_, n_ctx_train_))
        infoscale::detail::raise(
            function, "prefixes[" + std::to_string(r) + "]",
            "has " + std::to_string(q.tokens.size()) +
                " tokens with the preamble, more than a sequence's n_ctx = " + std::to_string(n_ctx_seq_) +
                " or the model's training context " + std::to_string(n_ctx_train_));
    }
    s.stats.calls += rows;
    // Trim each sequence to what it shares with its row (the row's last token is always decoded).
    llama_memory_t memory = llama_get_memory(context_.get());
    for (request& q : requests) {
      std::vector<token>& cached = s.cached[q.slot];
      std::size_t common = 0;
      while (common < cached.size() && common < q.tokens.size() && cached[common] == q.tokens[common])
        ++common;
      q.keep = std::min(common, q.tokens.size() - 1);
      if (q.keep < cached.size()) {
        if (!llama_memory_seq_rm(memory, static_cast<llama_seq_id>(q.slot), static_cast<llama_pos>(q.keep),
                                 -1)) {
          // a memory that cannot drop part of a sequence (recurrent models): drop all of it
          llama_memory_seq_rm(memory, static_cast<llama_seq_id>(q.slot), -1, -1);
          q.keep = 0;
        }
        cached.resize(q.keep);
      }
      s.stats.reused_tokens += q.keep;
    }
    // Unified: rows with the same tokens and the same kept length form one group, decoded once.
    // Per sequence: a token cannot be in two streams, so every row is its own group.
    std::vector<std::size_t> group_of(rows);
    std::vector<group> groups;
    for (std::size_t r = 0; r < rows; ++r) {
      const request& q = requests[r];
      std::size_t g = unified_ ? 0 : groups.size();
      while (g < groups.size() &&
             !(requests[groups[g].first].keep == q.keep && requests[groups[g].first].tokens == q.tokens))
        ++g;
      if (g == groups.size()) groups.push_back({r, {}, {}, -1});
      groups[g].slots.push_back(static_cast<llama_seq_id>(q.slot));
      group_of[r] = g;
    }
    decode_groups(requests, groups);
    for (std::size_t r = 0; r < rows; ++r) {
      request& q = requests[r];
      s.cached[q.slot] = std::move(q.tokens);
      detail::llama_log_softmax(groups[group_of[r]].logits, options_.temperature, out.subspan(r * v, v),
                                function);
    }
  }

 private:
  static constexpr std::string_view function_name = "llama_cpp_batched_lm";

  struct request {
    std::size_t slot = 0;
    std::vector<token> tokens;  // preamble + prefix
    std::size_t keep = 0;       // tokens already in the sequence
  };
  struct group {
    std::size_t first;                // its first row
    std::vector<llama_seq_id> slots;  // the sequences its tokens go to
    std::vector<float> logits;        // of its last token
    std::int32_t logits_index = -1;   // its last token's index in the batch that decodes it
  };

  struct state {
    std::vector<std::vector<token>> cached;  // per sequence
    llama_batch batch{};
    bool batch_ready = false;
    llama_cpp_lm_stats stats;
    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() {
      if (batch_ready) llama_batch_free(batch);
    }
  };

  struct context_deleter {
    void operator()(llama_context* c) const { llama_free(c); }
  };

  void check_tokens(std::span<const token> tokens, std::string_view function, const std::string& what) const {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (!vocab_.contains(tokens[i]))
        infoscale::detail::raise(function, what,
                                 "has token " + std::to_string(tokens[i]) + " at position " +
                                     std::to_string(i) + ", outside llama's vocabulary of " +
                                     std::to_string(vocab_.size()));
    }
  }

  // Fills llama_batch with the groups' new tokens (in group order, each group's tail in position
  // order), decoding whenever n_batch tokens are queued; a group's last token carries logits.
  void decode_groups(const std::vector<request>& requests, std::vector<group>& groups) const {
    state& s = *state_;
    llama_batch& b = s.batch;
    std::vector<std::size_t> pending;  // groups whose last token is in the queued batch
    b.n_tokens = 0;
    const auto flush = [&] {
      if (b.n_tokens == 0) return;
      const std::int32_t rc = llama_decode(context_.get(), b);
      ++s.stats.decodes;
      s.stats.decoded_tokens += static_cast<std::size_t>(b.n_tokens);
      if (rc != 0) {
        forget();  // part of the batch may remain: nothing is trusted
        infoscale::detail::raise(
            "llama_cpp_batched_lm::next_log_probabilities_batch", "prefixes",
            "could not be decoded: llama_decode returned " + std::to_string(rc) +
                (rc == 1 ? " (no room in the KV cache: raise n_ctx, now " + std::to_string(n_ctx_) + ")"
                         : std::string()));
      }
      for (const std::size_t g : pending) {
        const float* z = llama_get_logits_ith(context_.get(), groups[g].logits_index);
        if (z == nullptr) {
          forget();
          infoscale::detail::raise("llama_cpp_batched_lm::next_log_probabilities_batch", "context",
                                   "returned no logits (an embeddings context?)");
        }
        groups[g].logits.assign(z, z + vocab_.size());
      }
      pending.clear();
      b.n_tokens = 0;
    };
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const request& q = requests[groups[g].first];
      for (std::size_t p = q.keep; p < q.tokens.size(); ++p) {
        if (static_cast<std::uint32_t>(b.n_tokens) == n_batch_) flush();
        const auto i = static_cast<std::size_t>(b.n_tokens++);
        b.token[i] = static_cast<llama_token>(q.tokens[p]);
        b.pos[i] = static_cast<llama_pos>(p);
        b.n_seq_id[i] = static_cast<std::int32_t>(groups[g].slots.size());
        std::copy(groups[g].slots.begin(), groups[g].slots.end(), b.seq_id[i]);
        const bool last = p + 1 == q.tokens.size();
        b.logits[i] = last;
        if (last) {
          groups[g].logits_index = static_cast<std::int32_t>(i);
          pending.push_back(g);
        }
      }
    }
    flush();
  }

  llama_model* model_;
  llama_cpp_lm_options options_;
  vocabulary vocab_;
  std::unique_ptr<llama_context, context_deleter> context_;
  bool unified_ = false;
  std::uint32_t n_ctx_ = 0;
  std::size_t n_ctx_seq_ = 0;    // cells one sequence may fill
  std::size_t n_ctx_train_ = 0;  // positions a sequence may use
  std::uint32_t n_batch_ = 1;
  std::unique_ptr<state> state_;
};

static_assert(BatchedPredicativeLM<llama_cpp_batched_lm>);

}  // namespace infoscale::interop

#endif  // __has_include(<llama.h>)

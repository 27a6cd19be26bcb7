#pragma once
// A llama.cpp model as Yang's predicative LM (arXiv 2407.21092, §2; lm/concepts.hpp): the
// vocabulary is llama's n_vocab tokens with ∅ = llama_vocab_eos, and next_log_probabilities(prefix)
// is the log-softmax (double, log-sum-exp, temperature T) of llama's logits after the prefix.
//
// What is decoded: preamble + prefix, nothing else. llama_cpp_lm never adds BOS itself. The
// preamble (empty by default) is a fixed run of token ids decoded before every prefix and kept out
// of the prompt s: for the shipped Austen models BOS = EOS = token 0, and lm/sentence.hpp rejects
// the end token inside a prompt, so their BOS goes in the preamble ({0}: they were trained on text
// where 0 separates chapters) and a prompt s is the token ids of the text after it.
//
// The KV cache is reused along a continuation: the tokens in the context's sequence 0 are
// remembered; a prefix extending them costs only the new tokens' decodes; a prefix sharing a
// shorter common part removes the KV entries after it (llama_memory_seq_rm) and decodes from
// there. There is one cache, so it pays off when consecutive calls follow one continuation:
// entropy_function_monte_carlo asks a round's `batch` samples in turn at every step, so run it with
// options.batch = 1 (its uniforms do not depend on the batch). A sample of
// length L then costs L + 1 single-token decodes after the prompt (the +1 re-decodes the prompt's
// last token to recover its logits), not L + 1 decodes of the whole prefix. The batched PLM, one KV
// sequence per sample and a round's samples in one decode, is interop/llama_cpp_batched_lm.hpp.
//
// The cache makes the const next_log_probabilities mutate state: one llama_cpp_lm must not be used
// from two threads at once, and a borrowed context must not be decoded into by anyone else while
// the PLM uses it (call forget() after doing so).
//
// Compiles to nothing where llama.h is not on the include path (INFOSCALE_HAS_LLAMA_CPP = 0).

#if __has_include(<llama.h>)
#define INFOSCALE_HAS_LLAMA_CPP 1

#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale::interop {

struct llama_cpp_lm_options {
  double temperature = 1.0;
  /// Token ids decoded before every prefix, not part of any prompt (e.g. {llama_vocab_bos}).
  std::vector<token> preamble;
};

/// Counters of the work done, for cost measurements.
struct llama_cpp_lm_stats {
  std::size_t calls = 0;           ///< next_log_probabilities calls
  std::size_t decodes = 0;         ///< llama_decode calls
  std::size_t decoded_tokens = 0;  ///< tokens passed to llama_decode
  std::size_t reused_tokens = 0;   ///< tokens found in the KV cache instead
};

namespace detail {

/// The PLM's vocabulary: llama's n_vocab tokens with ∅ = llama_vocab_eos.
inline vocabulary llama_vocabulary(const llama_model* model, std::string_view function) {
  if (model == nullptr) infoscale::detail::raise(function, "model", "is null");
  const llama_vocab* v = llama_model_get_vocab(model);
  const llama_token eos = llama_vocab_eos(v);
  if (eos < 0) infoscale::detail::raise(function, "model", "has no end-of-sequence token (llama_vocab_eos)");
  return {static_cast<std::size_t>(llama_vocab_n_tokens(v)), static_cast<token>(eos)};
}

/// out = log-softmax(logits / T) in double (max-shifted, compensated sum); a non-finite logit is an
/// error of `function`.
inline void llama_log_softmax(std::span<const float> logits, double temperature, std::span<double> out,
                              std::string_view function) {
  const double inverse_t = 1.0 / temperature;
  double maximum = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double x = static_cast<double>(logits[i]) * inverse_t;
    if (!std::isfinite(x))
      infoscale::detail::raise(function, "logits", "has a non-finite value at token " + std::to_string(i));
    out[i] = x;
    maximum = std::max(maximum, x);
  }
  compensated_sum sum;
  for (const double x : out) sum += std::exp(x - maximum);
  const double log_z = maximum + std::log(sum.value());
  for (double& x : out) x -= log_z;
}

}  // namespace detail

/// A PLM over a llama.cpp model and one context, owned (built from llama_context_params) or
/// borrowed. The model is always borrowed and must outlive the PLM. Movable, not copyable.
class llama_cpp_lm {
 public:
  /// Owns a context made by llama_init_from_model(model, params).
  llama_cpp_lm(llama_model* model, const llama_context_params& params, llama_cpp_lm_options options = {})
      : llama_cpp_lm(model, llama_init_from_model(checked(model), params), true, std::move(options)) {}

  /// Borrows `context` (made from `model`); its memory is cleared now. The caller frees it after
  /// the PLM is gone.
  static llama_cpp_lm borrowing(llama_model* model, llama_context* context,
                                llama_cpp_lm_options options = {}) {
    return llama_cpp_lm(model, context, false, std::move(options));
  }

  llama_cpp_lm(llama_cpp_lm&&) noexcept = default;
  llama_cpp_lm& operator=(llama_cpp_lm&&) noexcept = default;

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  [[nodiscard]] double temperature() const noexcept { return options_.temperature; }
  [[nodiscard]] const std::vector<token>& preamble() const noexcept { return options_.preamble; }
  [[nodiscard]] std::size_t context_size() const noexcept { return n_ctx_; }
  [[nodiscard]] llama_context* context() const noexcept { return context_.get(); }
  [[nodiscard]] const llama_model* model() const noexcept { return model_; }
  [[nodiscard]] const llama_cpp_lm_stats& stats() const noexcept { return state_->stats; }
  /// The token ids now in the KV cache (preamble included).
  [[nodiscard]] std::span<const token> cached_tokens() const noexcept { return state_->cached; }

  /// Replaces the preamble. The KV cache is kept: the next call reuses whatever common prefix the
  /// new preamble + prefix shares with what is cached.
  void set_preamble(std::vector<token> preamble) {
    check_preamble(preamble, "llama_cpp_lm::set_preamble");
    options_.preamble = std::move(preamble);
  }

  /// Clears the context's memory and the record of what it holds.
  void forget() const {
    llama_memory_clear(llama_get_memory(context_.get()), true);
    state_->cached.clear();
    state_->logits_valid = false;
  }

  /// log p(. | preamble + prefix) at the temperature, over all n_vocab tokens (∅ = eos).
  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    constexpr std::string_view function = "llama_cpp_lm::next_log_probabilities";
    if (out.size() != vocab_.size()) {
      infoscale::detail::raise(function, "out",
                               "has " + std::to_string(out.size()) + " entries for a vocabulary of " +
                                   std::to_string(vocab_.size()));
    }
    const std::size_t n = options_.preamble.size() + prefix.size();
    if (n == 0) {
      infoscale::detail::raise(
          function, "prefix",
          "is empty and so is the preamble: llama.cpp needs at least one token to produce logits "
          "(put BOS in the preamble or the prefix)");
    }
    if (n > n_ctx_) {
      infoscale::detail::raise(
          function, "prefix",
          "has " + std::to_string(prefix.size()) + " tokens (+" + std::to_string(options_.preamble.size()) +
              " of preamble), more than the context's n_ctx = " + std::to_string(n_ctx_));
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (!vocab_.contains(prefix[i])) {
        infoscale::detail::raise(function, "prefix",
                                 "has token " + std::to_string(prefix[i]) + " at position " +
                                     std::to_string(i) + ", outside llama's vocabulary of " +
                                     std::to_string(vocab_.size()));
      }
    }
    state& s = *state_;
    ++s.stats.calls;
    const auto at = [&](std::size_t i) {
      return i < options_.preamble.size() ? options_.preamble[i] : prefix[i - options_.preamble.size()];
    };
    std::size_t common = 0;
    while (common < s.cached.size() && common < n && s.cached[common] == at(common)) ++common;
    if (!(common == n && common == s.cached.size() && s.logits_valid)) {
      // The logits of the last token are needed, so it is decoded even when it is cached.
      const std::size_t keep = std::min(common, n - 1);
      if (keep < s.cached.size()) {
        if (!llama_memory_seq_rm(llama_get_memory(context_.get()), 0, static_cast<llama_pos>(keep), -1)) {
          forget();  // a memory that cannot drop a partial sequence (recurrent models): start over
        } else {
          s.cached.resize(keep);
        }
      }
      s.logits_valid = false;
      s.stats.reused_tokens += s.cached.size();
      decode(s, at, n);
    }
    log_softmax(s.logits, out);
  }

 private:
  struct context_deleter {
    bool owned = true;
    void operator()(llama_context* c) const {
      if (owned) llama_free(c);
    }
  };

  struct state {
    std::vector<token> cached;
    std::vector<float> logits;  // of the last cached token, when logits_valid
    bool logits_valid = false;
    llama_batch batch{};
    std::int32_t batch_capacity = 0;
    llama_cpp_lm_stats stats;
    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() {
      if (batch_capacity > 0) llama_batch_free(batch);
    }
  };

  llama_cpp_lm(llama_model* model, llama_context* context, bool owned, llama_cpp_lm_options options)
      : model_(model),
        context_(context, context_deleter{owned}),
        options_(std::move(options)),
        vocab_(vocabulary_of(model)),
        state_(std::make_unique<state>()) {
    constexpr std::string_view function = "llama_cpp_lm";
    if (context == nullptr)
      infoscale::detail::raise(function, "context", "is null (llama_init_from_model failed?)");
    if (llama_get_model(context) != model)
      infoscale::detail::raise(function, "context", "was not made from this model");
    check_positive(options_.temperature, function, "options.temperature");
    check_preamble(options_.preamble, function);
    n_ctx_ = llama_n_ctx(context);
    n_batch_ = std::max<std::uint32_t>(1, llama_n_batch(context));
    state_->logits.resize(vocab_.size());
    state_->batch_capacity = static_cast<std::int32_t>(n_batch_);
    state_->batch = llama_batch_init(state_->batch_capacity, 0, 1);
    forget();
  }

  void check_preamble(std::span<const token> preamble, std::string_view function) const {
    for (std::size_t i = 0; i < preamble.size(); ++i) {
      if (!vocab_.contains(preamble[i]))
        infoscale::detail::raise(function, "preamble",
                                 "has token " + std::to_string(preamble[i]) + " at position " +
                                     std::to_string(i) + ", outside llama's vocabulary of " +
                                     std::to_string(vocab_.size()));
    }
  }

  static llama_model* checked(llama_model* model) {
    if (model == nullptr) infoscale::detail::raise("llama_cpp_lm", "model", "is null");
    return model;
  }

  static vocabulary vocabulary_of(const llama_model* model) {
    return detail::llama_vocabulary(model, "llama_cpp_lm");
  }

  // Decodes at(cached.size()) .. at(n - 1) in chunks of n_batch, logits for the last token only.
  template <class At>
  void decode(state& s, const At& at, std::size_t n) const {
    while (s.cached.size() < n) {
      const std::size_t first = s.cached.size();
      const std::size_t count = std::min<std::size_t>(n - first, n_batch_);
      llama_batch& b = s.batch;
      b.n_tokens = static_cast<std::int32_t>(count);
      for (std::size_t i = 0; i < count; ++i) {
        b.token[i] = static_cast<llama_token>(at(first + i));
        b.pos[i] = static_cast<llama_pos>(first + i);
        b.n_seq_id[i] = 1;
        b.seq_id[i][0] = 0;
        b.logits[i] = first + i + 1 == n;
      }
      const std::int32_t rc = llama_decode(context_.get(), b);
      ++s.stats.decodes;
      s.stats.decoded_tokens += count;
      if (rc != 0) {
        forget();  // after a fatal error part of the batch may remain: nothing is trusted
        infoscale::detail::raise("llama_cpp_lm::next_log_probabilities", "prefix",
                                 "could not be decoded: llama_decode returned " + std::to_string(rc) +
                                     " at positions " + std::to_string(first) + ".." +
                                     std::to_string(first + count - 1));
      }
      for (std::size_t i = 0; i < count; ++i) s.cached.push_back(at(first + i));
    }
    const float* logits = llama_get_logits_ith(context_.get(), -1);
    if (logits == nullptr) {
      forget();
      infoscale::detail::raise("llama_cpp_lm::next_log_probabilities", "context",
                               "returned no logits (an embeddings context?)");
    }
    std::copy(logits, logits + vocab_.size(), s.logits.begin());
    s.logits_valid = true;
  }

  void log_softmax(std::span<const float> logits, std::span<double> out) const {
    detail::llama_log_softmax(logits, options_.temperature, out, "llama_cpp_lm::next_log_probabilities");
  }

  llama_model* model_;
  std::unique_ptr<llama_context, context_deleter> context_;
  llama_cpp_lm_options options_;
  vocabulary vocab_;
  std::uint32_t n_ctx_ = 0;
  std::uint32_t n_batch_ = 1;
  std::unique_ptr<state> state_;  // the cache: mutable through const calls, stable across moves
};

static_assert(PredicativeLM<llama_cpp_lm>);

}  // namespace infoscale::interop

#else
#define INFOSCALE_HAS_LLAMA_CPP 0
#endif

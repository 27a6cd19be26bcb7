#pragma once
// The two kinds of language model of TD §2 (Yang, arXiv 2407.21092), as concepts.
//
// Naming follows the paper (docs/papers.md): a CLM gives, for every prompt s, a probability
// distribution P_L(.|s) on whole continuations; a PLM ("predicative") gives the distribution of the
// next word or ∅ (stop) after a prefix, i.e. what an autoregressive network computes. The word "causal" is
// often used for the next-token model elsewhere; here the paper's names are kept. A PLM
// induces a CLM [paper/standard]:
//   P(w_1..w_k | s) = prod_i p(w_i | s w_<i) * p(∅ | s w_1..w_k),  k >= 0.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/lm/sentence.hpp"

namespace infoscale {

/// Predicative LM: next-word log-probabilities log p(w | prefix) for every w in W ∪ {∅} (the end
/// token is ∅). `out` has vocab().size() entries and must come back normalised.
template <class M>
concept PredicativeLM = requires(const M& m, std::span<const token> prefix, std::span<double> out) {
  { m.vocab() } -> std::convertible_to<vocabulary>;
  m.next_log_probabilities(prefix, out);
};

/// A PLM that also answers many prefixes in one call: `out` is row-major (prefixes x vocab).
/// `sample_ids` names the Monte Carlo sample of each row (ascending within a call), so that an
/// adapter can keep one KV cache per sample: within a round each sample's prefix is its previous
/// one plus one word.
template <class M>
concept BatchedPredicativeLM = PredicativeLM<M> &&
    requires(const M& m, std::span<const std::size_t> sample_ids, std::span<const sentence> prefixes,
             std::span<double> out) {
  m.next_log_probabilities_batch(sample_ids, prefixes, out);
};

/// Causal (conditional) LM: log P_L(continuation | prompt) of a whole continuation.
template <class M>
concept CausalLM = requires(const M& m, std::span<const token> prompt, std::span<const token> continuation) {
  { m.vocab() } -> std::convertible_to<vocabulary>;
  { m.log_probability(prompt, continuation) } -> std::convertible_to<double>;
};

/// A probability of a continuation, as stored by finite models and enumerations.
struct weighted_sentence {
  sentence continuation;
  double probability = 0.0;
};

/// A CLM with finite support per prompt, which can list it.
template <class M>
concept FiniteCausalLM = CausalLM<M> && requires(const M& m, std::span<const token> prompt) {
  { m.support(prompt) } -> std::convertible_to<std::vector<weighted_sentence>>;
};

/// log p(. | prefix) of a PLM as a fresh vector.
template <PredicativeLM M>
[[nodiscard]] std::vector<double> next_log_probabilities(const M& model, std::span<const token> prefix) {
  std::vector<double> out(model.vocab().size());
  model.next_log_probabilities(prefix, std::span<double>(out));
  return out;
}

/// log P(continuation | prompt) under the CLM a PLM induces (the product above, end step included).
template <PredicativeLM M>
[[nodiscard]] double continuation_log_probability(const M& model, std::span<const token> prompt,
                                                  std::span<const token> continuation) {
  const vocabulary vocab = model.vocab();
  check_sentence(vocab, prompt, "continuation_log_probability", "prompt");
  check_sentence(vocab, continuation, "continuation_log_probability", "continuation");
  sentence prefix(prompt.begin(), prompt.end());
  std::vector<double> logp(vocab.size());
  compensated_sum total;
  for (std::size_t i = 0; i <= continuation.size(); ++i) {
    model.next_log_probabilities(std::span<const token>(prefix), std::span<double>(logp));
    const token next = i < continuation.size() ? continuation[i] : vocab.end();
    total += logp[next];
    if (i < continuation.size()) prefix.push_back(next);
  }
  return total.value();
}

/// The CLM induced by a PLM (the model is held by value; wrap a reference with std::ref-like
/// types or pass a cheap handle for large models).
template <PredicativeLM M>
class induced_clm {
 public:
  explicit induced_clm(M model) : model_(std::move(model)) {}
  [[nodiscard]] vocabulary vocab() const { return model_.vocab(); }
  [[nodiscard]] double log_probability(std::span<const token> prompt,
                                       std::span<const token> continuation) const {
    return continuation_log_probability(model_, prompt, continuation);
  }
  [[nodiscard]] const M& model() const noexcept { return model_; }

 private:
  M model_;
};

namespace detail {

/// Raises unless `logp` is a normalised vector of log-probabilities (entries <= 0 or -inf).
inline void check_log_probabilities(std::span<const double> logp, std::string_view function,
                                    std::string_view name, double tolerance = 1e-9) {
  compensated_sum total;
  for (std::size_t i = 0; i < logp.size(); ++i) {
    if (std::isnan(logp[i]) || logp[i] > 1e-12) {
      raise(function, name, "has an invalid log-probability at token " + std::to_string(i));
    }
    total += std::exp(logp[i]);
  }
  if (std::abs(total.value() - 1.0) > tolerance) {
    raise(function, name, "is not normalised: probabilities sum to " + std::to_string(total.value()));
  }
}

/// Shannon entropy -sum p log p of a log-probability vector, nats (0 log 0 = 0).
inline double entropy_of_log_probabilities(std::span<const double> logp) {
  compensated_sum h;
  for (const double l : logp) {
    if (l > -std::numeric_limits<double>::infinity()) h += -std::exp(l) * l;
  }
  const double value = h.value();
  return value > 0.0 ? value : 0.0;
}

}  // namespace detail
}  // namespace infoscale

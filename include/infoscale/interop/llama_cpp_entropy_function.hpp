#pragma once
// Yang's entropy function S_L(s) (arXiv 2407.21092, §4) of a llama.cpp model over a list of
// prompts given as token ids: per prompt, the exact next-token entropy H(p(. | s)) and the Monte
// Carlo estimate over full continuations (lm/entropy_function.hpp, chain rule and direct -log P,
// end token included) with the KV cache reused along each continuation, and whether s is a near-zero
// point. The PLM is llama_cpp_lm (one KV sequence: samples run one at a time, options.batch = 1) or
// llama_cpp_batched_lm (one sequence per sample: a round of slots() samples per decode, options.batch
// = slots()). Sample k's uniforms do not depend on the batch, so the two give the same samples up to
// draws flipped by float rounding of the logits. `infoscale entropy-function` (in a build linked with
// llama.cpp) prints it.
//
// A prompt s cannot contain ∅ (lm/sentence.hpp), so where BOS = EOS (the shipped Austen models:
// token 0) a line's leading end tokens are decoded as the PLM's preamble and s is the rest: the
// model sees exactly the line's tokens. Prompt i uses random stream i.
//
// Compiles to nothing where llama.h is not on the include path.

#if __has_include(<llama.h>)

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/interop/llama_cpp_batched_lm.hpp"
#include "infoscale/interop/llama_cpp_lm.hpp"
#include "infoscale/lm/entropy_function.hpp"

namespace infoscale::interop {

struct entropy_function_run_options {
  monte_carlo_options monte_carlo;  ///< batch is set by the PLM (1, or its slots); stream = prompt index
  /// Near-zero threshold (nats): s is a near-zero point when S_L(s) + 1.96 SE < eps, a one-sided
  /// 97.5% bound below eps (the Python thermo study's rule; 1 nat ~ e equally likely continuations).
  double eps = 1.0;
  /// Clear the KV cache before every evaluation (each step decodes the whole prefix): the cost the
  /// cache saves, for measurements. The numbers do not change.
  bool recompute = false;
};

/// One prompt's entropy function.
struct prompt_entropy_function {
  std::vector<token> tokens;  ///< the line: preamble + prompt
  std::size_t preamble = 0;   ///< leading end tokens decoded as the PLM's preamble
  double next_token_entropy = 0.0;
  monte_carlo_entropy estimate;  ///< chain rule (the estimate) and direct -log P, same samples
  bool near_zero = false;        ///< estimate.chain_rule: entropy + 1.96 SE < eps
  std::size_t decoded_tokens = 0;
  double seconds = 0.0;
};

namespace detail {

/// The PLM with its cache cleared before every call: the full prefix is decoded each step.
template <class LM>
struct recomputing_lm {
  const LM& lm;
  [[nodiscard]] vocabulary vocab() const { return lm.vocab(); }
  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    lm.forget();
    lm.next_log_probabilities(prefix, out);
  }
};

}  // namespace detail

/// S_L(s) of every line of token ids (integers as read by io::read_integer_lines; each must be a
/// token of lm's vocabulary, and a line must hold a word after its leading end tokens).
template <class LM>
requires std::same_as<LM, llama_cpp_lm> || std::same_as<LM, llama_cpp_batched_lm>
    std::vector<prompt_entropy_function> entropy_function_of_lines(
        LM& lm, const std::vector<std::vector<std::int64_t>>& lines, const entropy_function_run_options& o,
        const std::string& source = "the prompts") {
  constexpr std::string_view function = "entropy_function_of_lines";
  if (lines.empty()) infoscale::detail::raise(function, source, "holds no prompt");
  if (!(o.eps > 0.0) || !std::isfinite(o.eps))
    infoscale::detail::raise(function, "eps", "must be finite and > 0");
  monte_carlo_options mc = o.monte_carlo;
  if constexpr (std::same_as<LM, llama_cpp_batched_lm>)
    mc.batch = lm.slots();  // a round per decode, one KV sequence per sample
  else
    mc.batch = 1;  // one sample at a time: the single KV cache follows it
  const vocabulary vocab = lm.vocab();
  std::vector<prompt_entropy_function> out;
  for (std::size_t p = 0; p < lines.size(); ++p) {
    const std::string where = source + " line " + std::to_string(p + 1);
    prompt_entropy_function r;
    for (const std::int64_t id : lines[p]) {
      if (id < 0 || static_cast<std::uint64_t>(id) >= vocab.size())
        infoscale::detail::raise(function, where,
                                 "holds " + std::to_string(id) +
                                     ", not a token id below n_vocab = " + std::to_string(vocab.size()));
      r.tokens.push_back(static_cast<token>(id));
    }
    while (r.preamble < r.tokens.size() && r.tokens[r.preamble] == vocab.end()) ++r.preamble;
    if (r.preamble == r.tokens.size())
      infoscale::detail::raise(function, where, "holds only end tokens: no prompt after them");
    lm.set_preamble({r.tokens.begin(), r.tokens.begin() + static_cast<std::ptrdiff_t>(r.preamble)});
    const std::span<const token> prompt(r.tokens.data() + r.preamble, r.tokens.size() - r.preamble);
    r.next_token_entropy =
        infoscale::detail::entropy_of_log_probabilities(next_log_probabilities(lm, prompt));
    mc.stream = p;
    const std::size_t decoded_before = lm.stats().decoded_tokens;
    const auto start = std::chrono::steady_clock::now();
    r.estimate = o.recompute ? monte_carlo_entropy_function(detail::recomputing_lm<LM>{lm}, prompt, mc)
                             : monte_carlo_entropy_function(lm, prompt, mc);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.decoded_tokens = lm.stats().decoded_tokens - decoded_before;
    r.near_zero = r.estimate.chain_rule.entropy + 1.96 * r.estimate.chain_rule.standard_error < o.eps;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace infoscale::interop

#endif  // __has_include(<llama.h>)

#pragma once
// The entropy function of a language model, Yang, arXiv 2407.21092, §4:
//   S_L(s) = - sum_{s'} P_L(s'|s) log P_L(s'|s)   over FULL continuations s' of the prompt s [paper],
// computed by the chain rule as E_{y ~ P_L(.|s)} sum_t H(p(. | s y_<t)), end step included
// [standard]: exactly by enumerating the tree of prefixes, or by Monte Carlo over sampled
// continuations. A zero point is a prompt with S_L(s) = 0 (one continuation has probability 1)
// [paper]; softmax models never reach 0 exactly, so near-zero points (S_L(s) < eps) are reported.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale {

/// Where tree enumeration stops: a prefix is expanded only while it has fewer than `max_length`
/// words and probability >= `min_mass`; `max_nodes` bounds the work (an error when exceeded).
struct enumeration_limits {
  std::size_t max_length = 16;
  double min_mass = 0.0;
  std::size_t max_nodes = 2'000'000;
};

/// An estimate of S_L(s), nats.
struct entropy_estimate {
  /// Exact enumeration: the chain-rule sum over the expanded prefixes, a LOWER bound on S_L(s) that
  /// is exact when truncated_mass == 0. Monte Carlo: the sample mean.
  double entropy = 0.0;
  double standard_error = 0.0;  ///< 0 for enumeration; sample sd / sqrt(n) for Monte Carlo
  /// Enumeration: probability of the continuations left unexpanded. Monte Carlo: the fraction of
  /// samples cut at max_length (their tail entropy is missing, biasing the mean down).
  double truncated_mass = 0.0;
  std::size_t evaluations = 0;  ///< model calls
};

namespace detail {

/// Depth-first walk over the prefixes of continuations; visit(prefix_tail, log_mass, logp) is called
/// at each expanded node; stop(log_mass) is reported for every unexpanded frontier node.
template <PredicativeLM M, class Visit>
void walk_continuations(const M& model, std::span<const token> prompt, const enumeration_limits& limits,
                        std::string_view function, Visit&& visit, double& truncated_mass,
                        std::size_t& nodes) {
  const vocabulary vocab = model.vocab();
  check_sentence(vocab, prompt, function, "prompt");
  if (!(limits.min_mass >= 0.0) || !(limits.min_mass < 1.0))
    raise(function, "limits.min_mass", "must lie in [0, 1)");
  sentence prefix(prompt.begin(), prompt.end());
  const std::size_t base = prefix.size();
  const double log_min_mass =
      limits.min_mass > 0.0 ? std::log(limits.min_mass) : -std::numeric_limits<double>::infinity();
  compensated_sum truncated;
  std::function<void(double)> expand = [&](double log_mass) {
    if (++nodes > limits.max_nodes) {
      raise(function, "limits.max_nodes", "exceeded: raise it, or lower max_length / raise min_mass");
    }
    std::vector<double> logp(vocab.size());
    model.next_log_probabilities(std::span<const token>(prefix), std::span<double>(logp));
    check_log_probabilities(logp, function, "the model's next-token distribution", 1e-6);
    visit(std::span<const token>(prefix).subspan(base), log_mass, std::span<const double>(logp));
    for (std::size_t w = 0; w < vocab.size(); ++w) {
      if (w == vocab.end() || logp[w] == -std::numeric_limits<double>::infinity()) continue;
      const double child = log_mass + logp[w];
      if (prefix.size() - base + 1 >= limits.max_length + 1 || child < log_min_mass) {
        truncated += std::exp(child);
        continue;
      }
      prefix.push_back(static_cast<token>(w));
      expand(child);
      prefix.pop_back();
    }
  };
  expand(0.0);
  truncated_mass = truncated.value();
}

}  // namespace detail

/// S_L(s) by enumerating every continuation with at most `max_length` words (and prefix mass >=
/// min_mass). The result is a lower bound; the missing probability is `truncated_mass`.
template <PredicativeLM M>
[[nodiscard]] entropy_estimate entropy_function(const M& model, std::span<const token> prompt,
                                                const enumeration_limits& limits = {}) {
  compensated_sum s;
  entropy_estimate e;
  detail::walk_continuations(
      model, prompt, limits, "entropy_function",
      [&](std::span<const token>, double log_mass, std::span<const double> logp) {
        s += std::exp(log_mass) * detail::entropy_of_log_probabilities(logp);
      },
      e.truncated_mass, e.evaluations);
  e.entropy = s.value();
  return e;
}

/// Every continuation with at most max_length words and its probability P_L(s'|s), plus the mass
/// left out, in depth-first (lexicographic) order.
struct continuation_distribution_result {
  std::vector<weighted_sentence> atoms;
  double truncated_mass = 0.0;
};

template <PredicativeLM M>
[[nodiscard]] continuation_distribution_result continuation_distribution(
    const M& model, std::span<const token> prompt, const enumeration_limits& limits = {}) {
  continuation_distribution_result r;
  std::size_t nodes = 0;
  const token end = model.vocab().end();
  detail::walk_continuations(
      model, prompt, limits, "continuation_distribution",
      [&](std::span<const token> tail, double log_mass, std::span<const double> logp) {
        const double p = std::exp(log_mass + logp[end]);
        if (p > 0.0) r.atoms.push_back({sentence(tail.begin(), tail.end()), p});
      },
      r.truncated_mass, nodes);
  return r;
}

/// The same list for a CLM with finite support (nothing is truncated).
template <FiniteCausalLM M>
[[nodiscard]] continuation_distribution_result continuation_distribution(const M& model,
                                                                         std::span<const token> prompt,
                                                                         const enumeration_limits& = {}) {
  return {model.support(prompt), 0.0};
}

struct monte_carlo_options {
  std::size_t samples = 1000;
  std::size_t max_length = 256;  ///< a sample is cut after this many words
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;
};

/// Unbiased Monte Carlo estimate of S_L(s): the mean over sampled continuations y of
/// sum_t H(p(. | s y_<t)) (the chain-rule, Rao-Blackwellised form of -log P(y|s); lower variance),
/// with its standard error. Draw t of sample i uses random_stream(seed, stream).uniform(i * (L+1) + t),
/// so results are reproducible and independent of threads.
template <PredicativeLM M>
[[nodiscard]] entropy_estimate entropy_function_monte_carlo(const M& model, std::span<const token> prompt,
                                                            const monte_carlo_options& options = {}) {
  constexpr std::string_view function = "entropy_function_monte_carlo";
  const vocabulary vocab = model.vocab();
  check_sentence(vocab, prompt, function, "prompt");
  if (options.samples < 2) detail::raise(function, "options.samples", "must be >= 2 (for a standard error)");
  const random_stream rng(options.seed, options.stream);
  std::vector<double> logp(vocab.size());
  compensated_sum sum, sum_sq;
  std::size_t cut = 0;
  entropy_estimate e;
  std::vector<double> values(options.samples);
  for (std::size_t i = 0; i < options.samples; ++i) {
    sentence prefix(prompt.begin(), prompt.end());
    compensated_sum h;
    for (std::size_t t = 0;; ++t) {
      model.next_log_probabilities(std::span<const token>(prefix), std::span<double>(logp));
      ++e.evaluations;
      h += detail::entropy_of_log_probabilities(logp);
      if (t == options.max_length) {
        ++cut;
        break;
      }
      // Inverse-CDF draw; the last positive-probability token absorbs rounding.
      const double u = rng.uniform(i * (options.max_length + 1) + t);
      double cumulative = 0.0;
      std::size_t next = vocab.size();
      for (std::size_t w = 0; w < vocab.size(); ++w) {
        if (logp[w] == -std::numeric_limits<double>::infinity()) continue;
        cumulative += std::exp(logp[w]);
        next = w;
        if (u < cumulative) break;
      }
      if (next == vocab.end() || next == vocab.size()) break;
      prefix.push_back(static_cast<token>(next));
    }
    values[i] = h.value();
    sum += values[i];
  }
  const double n = static_cast<double>(options.samples);
  e.entropy = sum.value() / n;
  for (const double v : values) sum_sq += (v - e.entropy) * (v - e.entropy);
  e.standard_error = std::sqrt(sum_sq.value() / (n - 1.0) / n);
  e.truncated_mass = static_cast<double>(cut) / n;
  return e;
}

/// A prompt whose entropy is below the threshold.
struct zero_point {
  std::size_t prompt_index = 0;
  entropy_estimate estimate;
  bool exact_zero = false;  ///< S_L(s) == 0 with nothing truncated: one continuation has probability 1
};

/// The prompts of a set that are zero or near-zero points: S_L(s) < eps, by exact enumeration.
/// Because enumeration gives a lower bound, a prompt with truncated mass > 0 is flagged by its
/// lower bound; check `estimate.truncated_mass` before calling it a zero point.
template <PredicativeLM M>
[[nodiscard]] std::vector<zero_point> zero_points(const M& model, std::span<const sentence> prompts,
                                                  double eps, const enumeration_limits& limits = {}) {
  check_prompt_set(prompts, "zero_points");
  check_positive(eps, "zero_points", "eps");
  std::vector<zero_point> found;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto e = entropy_function(model, prompts[i], limits);
    if (e.entropy < eps) found.push_back({i, e, e.entropy == 0.0 && e.truncated_mass == 0.0});
  }
  return found;
}

}  // namespace infoscale

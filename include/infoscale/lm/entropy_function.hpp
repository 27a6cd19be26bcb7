#pragma once
// The entropy function of a language model, Yang, arXiv 2407.21092, §4:
//   S_L(s) = - sum_{s'} P_L(s'|s) log P_L(s'|s)   over FULL continuations s' of the prompt s [paper],
// computed by the chain rule as E_{y ~ P_L(.|s)} sum_t H(p(. | s y_<t)), end step included
// [standard]: exactly by enumerating the tree of prefixes, or by Monte Carlo over sampled
// continuations. A zero point is a prompt with S_L(s) = 0 (one continuation has probability 1)
// [paper]; softmax models never reach 0 exactly, so near-zero points (S_L(s) < eps) are reported.

#include <algorithm>
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
  std::size_t samples = 1000;    ///< at most this many samples (all of them when no stopping rule is set)
  std::size_t max_length = 256;  ///< a sample has at most this many words before its last draw (below)
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;
  /// Samples per round: a batched model (BatchedPredicativeLM) is asked for a whole round's
  /// prefixes at once; the stopping rule is applied after each round.
  std::size_t batch = 64;
  /// Stopping rule: stop after the first round that ends with at least `min_samples` samples and a
  /// chain-rule standard error <= this (nats); 0 turns the rule off.
  double target_standard_error = 0.0;
  std::size_t min_samples =
      128;                      ///< of the stopping rule (default 2 x the default batch); capped by `samples`
  bool record_samples = false;  ///< keep every sample (continuation, energy, chain-rule sum)
};

/// One sampled continuation y of the prompt s.
struct monte_carlo_sample {
  /// The words drawn. A sample that was cut (below) also holds its (max_length + 1)-th word, the
  /// observed start of its tail, so that `energy` and `chain_rule` describe the same event.
  sentence continuation;
  double energy = 0.0;      ///< -log P(y|s), end step included unless cut (then -log P(s starts with y))
  double chain_rule = 0.0;  ///< sum over the draws of H(p(. | s y_<t))
  bool cut = false;         ///< max_length + 1 draws without the end token
};

/// S_L(s) by Monte Carlo: two estimators from the same samples, and the samples if recorded.
struct monte_carlo_entropy {
  entropy_estimate chain_rule;  ///< mean of the chain-rule sums (Rao-Blackwellised; lower variance)
  entropy_estimate direct;      ///< mean of -log P(y|s)
  std::vector<monte_carlo_sample> samples;
  std::size_t rounds = 0;
  std::size_t drawn = 0;  ///< samples drawn: options.samples, or fewer when the stopping rule fired
};

namespace detail {

/// Mean and standard error of a sample's values.
inline entropy_estimate mean_and_standard_error(std::span<const double> values) {
  compensated_sum sum, sum_sq;
  for (const double v : values) sum += v;
  const double n = static_cast<double>(values.size());
  entropy_estimate e;
  e.entropy = sum.value() / n;
  for (const double v : values) sum_sq += (v - e.entropy) * (v - e.entropy);
  e.standard_error = std::sqrt(sum_sq.value() / (n - 1.0) / n);
  return e;
}

/// The inverse-CDF draw of u from a log-probability row; the last positive-probability token
/// absorbs rounding.
inline std::size_t draw_token(std::span<const double> logp, double u) {
  double cumulative = 0.0;
  std::size_t next = logp.size();
  for (std::size_t w = 0; w < logp.size(); ++w) {
    if (logp[w] == -std::numeric_limits<double>::infinity()) continue;
    cumulative += std::exp(logp[w]);
    next = w;
    if (u < cumulative) break;
  }
  return next;
}

}  // namespace detail

/// Monte Carlo estimates of S_L(s) [TD §4] over sampled continuations y, by the chain rule (the
/// mean of sum_t H(p(. | s y_<t)), end step included) and directly (the mean of -log P(y|s)), with
/// standard errors. Draw t (0 <= t <= max_length) of sample i uses
/// random_stream(seed, stream).uniform(i * (max_length + 1) + t), whatever the batch, the rounds or the
/// model's batching, so results are reproducible and a batched model gives the sequential result.
/// A sample whose draw max_length + 1 is still a word is cut there: both estimators then see the
/// law of the first max_length + 1 symbols, so the estimate is a lower bound on S_L(s) whenever
/// samples are cut (`truncated_mass` is the fraction cut).
template <PredicativeLM M>
[[nodiscard]] monte_carlo_entropy monte_carlo_entropy_function(const M& model, std::span<const token> prompt,
                                                               const monte_carlo_options& options = {}) {
  constexpr std::string_view function = "entropy_function_monte_carlo";
  const vocabulary vocab = model.vocab();
  const std::size_t v = vocab.size();
  check_sentence(vocab, prompt, function, "prompt");
  if (options.samples < 2) detail::raise(function, "options.samples", "must be >= 2 (for a standard error)");
  if (options.max_length == 0)
    detail::raise(function, "options.max_length",
                  "must be >= 1 (every sample would be cut at its first word)");
  if (options.batch == 0) detail::raise(function, "options.batch", "must be >= 1");
  if (!(options.target_standard_error >= 0.0) || !std::isfinite(options.target_standard_error))
    detail::raise(function, "options.target_standard_error", "must be finite and >= 0 (0: no stopping rule)");
  const std::size_t steps = options.max_length + 1;
  const random_stream rng(options.seed, options.stream);
  monte_carlo_entropy r;
  std::vector<double> chain, energy;
  std::size_t cut = 0, evaluations = 0;
  for (std::size_t first = 0; first < options.samples; first += options.batch) {
    const std::size_t count = std::min(options.batch, options.samples - first);
    std::vector<sentence> prefixes(count, sentence(prompt.begin(), prompt.end()));
    std::vector<compensated_sum> h(count), e(count);
    std::vector<std::size_t> active(count);
    std::vector<bool> was_cut(count, false);
    for (std::size_t k = 0; k < count; ++k) active[k] = k;
    std::vector<double> logp;
    for (std::size_t t = 0; !active.empty(); ++t) {
      logp.assign(active.size() * v, 0.0);
      if constexpr (BatchedPredicativeLM<M>) {
        std::vector<std::size_t> ids(active.size());
        std::vector<sentence> asked(active.size());
        for (std::size_t a = 0; a < active.size(); ++a) {
          ids[a] = first + active[a];
          asked[a] = prefixes[active[a]];
        }
        model.next_log_probabilities_batch(std::span<const std::size_t>(ids),
                                           std::span<const sentence>(asked), std::span<double>(logp));
      } else {
        for (std::size_t a = 0; a < active.size(); ++a)
          model.next_log_probabilities(std::span<const token>(prefixes[active[a]]),
                                       std::span<double>(logp).subspan(a * v, v));
      }
      evaluations += active.size();
      std::vector<std::size_t> still;
      for (std::size_t a = 0; a < active.size(); ++a) {
        const std::size_t k = active[a];
        const std::span<const double> row(logp.data() + a * v, v);
        h[k] += detail::entropy_of_log_probabilities(row);
        const std::size_t next = detail::draw_token(row, rng.uniform((first + k) * steps + t));
        if (next == v) continue;  // a row without mass cannot occur for a normalised model
        e[k] += -row[next];
        if (next == vocab.end()) continue;
        prefixes[k].push_back(static_cast<token>(next));
        if (t == options.max_length) {
          was_cut[k] = true;
          continue;
        }
        still.push_back(k);
      }
      active.swap(still);
    }
    for (std::size_t k = 0; k < count; ++k) {
      chain.push_back(h[k].value());
      energy.push_back(e[k].value());
      cut += was_cut[k] ? 1 : 0;
      if (options.record_samples) {
        r.samples.push_back(
            {sentence(prefixes[k].begin() + static_cast<std::ptrdiff_t>(prompt.size()), prefixes[k].end()),
             e[k].value(), h[k].value(), was_cut[k]});
      }
    }
    ++r.rounds;
    if (options.target_standard_error > 0.0 &&
        chain.size() >= std::max<std::size_t>(2, options.min_samples) &&
        detail::mean_and_standard_error(chain).standard_error <= options.target_standard_error)
      break;
  }
  if (chain.size() < 2) detail::raise(function, "options.samples", "gave fewer than 2 samples");
  r.drawn = chain.size();
  r.chain_rule = detail::mean_and_standard_error(chain);
  r.direct = detail::mean_and_standard_error(energy);
  for (entropy_estimate* x : {&r.chain_rule, &r.direct}) {
    x->truncated_mass = static_cast<double>(cut) / static_cast<double>(chain.size());
    x->evaluations = evaluations;
  }
  return r;
}

/// The chain-rule estimate of monte_carlo_entropy_function, unbiased for S_L(s) when nothing is cut.
template <PredicativeLM M>
[[nodiscard]] entropy_estimate entropy_function_monte_carlo(const M& model, std::span<const token> prompt,
                                                            const monte_carlo_options& options = {}) {
  return monte_carlo_entropy_function(model, prompt, options).chain_rule;
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

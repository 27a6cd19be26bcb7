#pragma once
// Metrics on the moduli space of distributions, TD §3 (Yang, arXiv 2407.21092): M_L = { P_L(.|s) } inside
// Prob(S), "with a metric structure" [paper] whose exact form is not available to us, so the metric
// is a policy (docs/papers.md):
//   total_variation (default)  1/2 sum |p - q|                       in [0, 1]
//   hellinger                  sqrt(1 - BC),  BC = sum sqrt(p q)      in [0, 1]
//   js_distance                sqrt(JS divergence), nats              in [0, sqrt(log 2)]
//   l2                         sqrt(sum (p - q)^2)                    in [0, sqrt 2]
//   fisher_rao                 2 arccos(BC)  (geodesic distance of the Fisher metric)  in [0, pi]
// all true metrics on Prob(S). Between two models the distance at a prompt compares the
// distributions of FULL continuations; on a prompt set it is the supremum over the set.
// Continuations beyond the enumeration limits are lumped into one "truncated" atom per model; for
// every metric above except l2 that is a coarse-graining, so the reported distance is a lower
// bound on the true one (data processing), exact when nothing is truncated.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/lm/entropy_function.hpp"

namespace infoscale {

struct total_variation_metric {
  [[nodiscard]] double operator()(std::span<const double> p, std::span<const double> q) const {
    compensated_sum s;
    for (std::size_t i = 0; i < p.size(); ++i) s += std::abs(p[i] - q[i]);
    return std::min(1.0, 0.5 * s.value());
  }
};
struct hellinger_metric {
  [[nodiscard]] double operator()(std::span<const double> p, std::span<const double> q) const {
    // sum (sqrt p - sqrt q)^2 / 2 instead of 1 - BC: no cancellation for close distributions.
    compensated_sum s;
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double d = std::sqrt(p[i]) - std::sqrt(q[i]);
      s += d * d;
    }
    return std::sqrt(std::min(1.0, 0.5 * s.value()));
  }
};
struct js_distance_metric {
  [[nodiscard]] double operator()(std::span<const double> p, std::span<const double> q) const {
    compensated_sum s;
    for (std::size_t i = 0; i < p.size(); ++i) s += jensen_shannon_term(p[i], q[i]);
    return std::sqrt(std::max(0.0, s.value()));
  }
};
struct l2_metric {
  [[nodiscard]] double operator()(std::span<const double> p, std::span<const double> q) const {
    compensated_sum s;
    for (std::size_t i = 0; i < p.size(); ++i) s += (p[i] - q[i]) * (p[i] - q[i]);
    return std::sqrt(s.value());
  }
};
struct fisher_rao_metric {
  [[nodiscard]] double operator()(std::span<const double> p, std::span<const double> q) const {
    // 2 arccos(BC) = 4 arcsin(H / sqrt 2) with H^2 = 1 - BC: the arcsin form keeps digits near 0.
    const double h = hellinger_metric{}(p, q);
    return 4.0 * std::asin(std::min(1.0, h / std::sqrt(2.0)));
  }
};

/// A distance between two aligned probability vectors.
template <class D>
concept DistributionMetric = std::invocable<const D&, std::span<const double>, std::span<const double>>;

/// Two continuation distributions on the union of their supports (plus one truncated atom each).
struct aligned_distributions {
  std::vector<double> p, q;
};

inline aligned_distributions align(const continuation_distribution_result& a,
                                   const continuation_distribution_result& b) {
  auto sa = a.atoms, sb = b.atoms;
  const auto less = [](const weighted_sentence& x, const weighted_sentence& y) {
    return x.continuation < y.continuation;
  };
  std::sort(sa.begin(), sa.end(), less);
  std::sort(sb.begin(), sb.end(), less);
  aligned_distributions r;
  std::size_t i = 0, j = 0;
  while (i < sa.size() || j < sb.size()) {
    if (j == sb.size() || (i < sa.size() && sa[i].continuation < sb[j].continuation)) {
      r.p.push_back(sa[i++].probability);
      r.q.push_back(0.0);
    } else if (i == sa.size() || sb[j].continuation < sa[i].continuation) {
      r.p.push_back(0.0);
      r.q.push_back(sb[j++].probability);
    } else {
      r.p.push_back(sa[i++].probability);
      r.q.push_back(sb[j++].probability);
    }
  }
  // The truncated atoms: one shared "longer than the limit" outcome.
  r.p.push_back(std::max(0.0, a.truncated_mass));
  r.q.push_back(std::max(0.0, b.truncated_mass));
  return r;
}

/// The distance between P_A(.|s) and P_B(.|s) on full continuations.
struct moduli_distance_result {
  double distance = 0.0;
  std::size_t prompt_index = 0;  ///< where the supremum is attained
  double truncated_mass = 0.0;   ///< the largest truncated mass of either model over the set
};

template <class A, class B>
concept ComparableModels = requires(const A& a, const B& b) {
  { a.vocab() } -> std::convertible_to<vocabulary>;
  { b.vocab() } -> std::convertible_to<vocabulary>;
};

/// d(P_A(.|s), P_B(.|s)) for one prompt; the models must share the vocabulary.
template <class A, class B, DistributionMetric D = total_variation_metric>
requires ComparableModels<A, B>
[[nodiscard]] moduli_distance_result moduli_distance(const A& a, const B& b, std::span<const token> prompt,
                                                     D metric = {}, const enumeration_limits& limits = {}) {
  if (!(a.vocab() == b.vocab())) detail::raise("moduli_distance", "b", "has a different vocabulary from a");
  const auto da = continuation_distribution(a, prompt, limits);
  const auto db = continuation_distribution(b, prompt, limits);
  const auto aligned = align(da, db);
  return {metric(std::span<const double>(aligned.p), std::span<const double>(aligned.q)), 0,
          std::max(da.truncated_mass, db.truncated_mass)};
}

/// sup over a prompt set of d(P_A(.|s), P_B(.|s)): the distance of the two models on that set.
template <class A, class B, DistributionMetric D = total_variation_metric>
requires ComparableModels<A, B>
[[nodiscard]] moduli_distance_result moduli_distance(const A& a, const B& b,
                                                     std::span<const sentence> prompts, D metric = {},
                                                     const enumeration_limits& limits = {}) {
  check_prompt_set(prompts, "moduli_distance");
  moduli_distance_result best{-1.0, 0, 0.0};
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto r = moduli_distance(a, b, std::span<const token>(prompts[i]), metric, limits);
    if (r.distance > best.distance) best = {r.distance, i, best.truncated_mass};
    best.truncated_mass = std::max(best.truncated_mass, r.truncated_mass);
  }
  return best;
}

/// Distance between the next-token laws p_A(. | prefix) and p_B(. | prefix) of two PLMs.
template <PredicativeLM A, PredicativeLM B, DistributionMetric D = total_variation_metric>
[[nodiscard]] double next_token_distance(const A& a, const B& b, std::span<const token> prefix,
                                         D metric = {}) {
  if (!(a.vocab() == b.vocab()))
    detail::raise("next_token_distance", "b", "has a different vocabulary from a");
  auto p = next_log_probabilities(a, prefix);
  auto q = next_log_probabilities(b, prefix);
  for (double& x : p) x = std::exp(x);
  for (double& x : q) x = std::exp(x);
  return metric(std::span<const double>(p), std::span<const double>(q));
}

}  // namespace infoscale

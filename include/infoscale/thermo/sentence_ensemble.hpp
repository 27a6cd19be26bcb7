#pragma once
// The sentence-level statistical ensemble of a prompt, TD §5 (Yang, arXiv 2407.21092) [the paper defines
// Z, U, F; the rest is the standard canonical ensemble]. The microstates are the continuations s' of
// the prompt s, with energies E_L(ss') = -log P_L(s'|s) (the model's law is the ensemble at T = 1;
// energies are defined up to a per-prompt constant, which moves U and F but not S or C):
//   P_T(s'|s) = exp(-E(s')/T) / Z(T),  Z = sum exp(-E/T),  U = E_P[E],  F = -T log Z,
//   S = (U - F)/T,  C = Var_P(E) / T^2 = dU/dT   (k_B = 1, nats).
// Only FINITE ensembles are summed: a finite CLM's support, or the continuations a PLM's tree
// enumeration completes within its limits. For a PLM with an infinite sentence set Z(T) = sum P^{1/T}
// can diverge for T > 1, so the truncation is a modelling choice, reported with the result.
// Everything goes through the token-level softmax-moments monoid (one pass, log-sum-exp stable).

#include <span>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/softmax_moments.hpp"
#include "infoscale/lm/entropy_function.hpp"
#include "infoscale/thermo/ensemble.hpp"

namespace infoscale {

/// Z, U, F, S, C of a finite ensemble with the given energies at temperature T > 0.
[[nodiscard]] inline thermodynamic_state ensemble_thermodynamics(std::span<const double> energies,
                                                                 double temperature) {
  constexpr std::string_view function = "ensemble_thermodynamics";
  if (energies.empty()) detail::raise(function, "energies", "is empty (an ensemble needs a microstate)");
  check_positive(temperature, function, "temperature");
  std::vector<double> negated(energies.size());
  for (std::size_t i = 0; i < energies.size(); ++i) {
    check_finite(energies[i], function, "energies");
    negated[i] = -energies[i];
  }
  const auto moments = detail::block_softmax_moments(negated.data(), 1, negated.size(), 1.0 / temperature);
  return thermodynamics_of(moments, temperature);
}

/// The microstates of one prompt: its continuations with energies -log P_L(s'|s).
struct sentence_ensemble {
  std::vector<sentence> continuations;
  std::vector<double> energies;
  double truncated_mass = 0.0;  ///< probability (at T = 1) of continuations left out

  /// The thermodynamic functions at temperature T.
  [[nodiscard]] thermodynamic_state at(double temperature) const {
    return ensemble_thermodynamics(energies, temperature);
  }
  /// The Boltzmann law P_T(s'|s) over `continuations`.
  [[nodiscard]] std::vector<double> probabilities(double temperature) const {
    const auto s = at(temperature);
    std::vector<double> p(energies.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::exp(-energies[i] / temperature - s.log_partition);
    return p;
  }
  /// The state at every temperature of a scan.
  [[nodiscard]] std::vector<thermodynamic_state> scan(std::span<const double> temperatures) const {
    if (temperatures.empty()) detail::raise("sentence_ensemble::scan", "temperatures", "is empty");
    std::vector<thermodynamic_state> states;
    for (const double t : temperatures) states.push_back(at(t));
    return states;
  }
};

/// The ensemble of a prompt under a finite CLM (its whole support) or a PLM (continuations with at
/// most limits.max_length words; the rest is reported as truncated_mass).
template <class M>
requires FiniteCausalLM<M> || PredicativeLM<M>
[[nodiscard]] sentence_ensemble make_sentence_ensemble(const M& model, std::span<const token> prompt,
                                                       const enumeration_limits& limits = {}) {
  const auto d = continuation_distribution(model, prompt, limits);
  sentence_ensemble e;
  e.truncated_mass = d.truncated_mass;
  for (const auto& atom : d.atoms) {
    if (!(atom.probability > 0.0)) continue;  // infinite energy: never populated at any T
    e.continuations.push_back(atom.continuation);
    e.energies.push_back(-std::log(atom.probability));
  }
  if (e.energies.empty())
    detail::raise("make_sentence_ensemble", "prompt", "has no continuation of positive probability");
  return e;
}

}  // namespace infoscale

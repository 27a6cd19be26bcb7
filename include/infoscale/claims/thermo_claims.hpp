#pragma once
// The ledger's rows for Yang's thermodynamics and geometry of language models (tag TD; the project
// works from a summary of arXiv 2407.21092): the definitions that can be checked numerically, computed
// on small exact models, and the real-decoder rows read from the thermo study's JSON
// (`python -m infoscale.thermo_study`, compacted to docs/claims/thermo.json).

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "infoscale/claims/claim.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/lm/entropy_function.hpp"
#include "infoscale/lm/moduli_metric.hpp"
#include "infoscale/lm/table_lm.hpp"
#include "infoscale/manifold/boltzmann.hpp"
#include "infoscale/manifold/convexity.hpp"
#include "infoscale/manifold/euclidean.hpp"
#include "infoscale/manifold/product.hpp"
#include "infoscale/manifold/sphere.hpp"
#include "infoscale/manifold/torus.hpp"
#include "infoscale/thermo/sentence_ensemble.hpp"

namespace infoscale::claims {

namespace detail {

/// The geometric PLM over W = {a, b} plus the end token 0: p = (end 0.7, a 0.2, b 0.1) after every
/// prefix. S_L = H(p) / p(end) in closed form (the expected length is 1/p(end) steps of entropy H(p)).
inline table_lm geometric_lm() {
  return table_lm(vocabulary(3, 0), {{sentence{}, {0.7, 0.2, 0.1}}});
}

inline double entropy_of(const std::vector<double>& p) {
  double h = 0.0;
  for (double x : p)
    if (x > 0) h -= x * std::log(x);
  return h;
}

inline std::vector<claim> thermo_language_model_rows() {
  std::vector<claim> rows;
  const auto lm = geometric_lm();
  // 18 words: 2^19 prefixes, and the mass left out is 0.3^19 = 1.2e-10.
  const enumeration_limits deep{.max_length = 18};
  const auto law = continuation_distribution(lm, sentence{}, deep);
  compensated_sum mass_sum, direct_sum;  // half a million atoms: plain sums lose ~1e-12
  mass_sum += law.truncated_mass;
  for (const auto& atom : law.atoms) {
    mass_sum += atom.probability;
    if (atom.probability > 0) direct_sum += -atom.probability * std::log(atom.probability);
  }
  const double mass = mass_sum.value(), direct = direct_sum.value();
  rows.push_back(
      {"TD", "§2, PLM -> CLM",
       "a PLM induces a CLM: prod_i p(w_i | s w_<i) p(end | s w) sums to 1 over continuations",
       "lm::continuation_distribution of the geometric table PLM (end 0.7, a 0.2, b 0.1), words <= 18",
       "total mass " + num(mass, 15) + " (" + std::to_string(law.atoms.size()) +
           " continuations, truncated " + num(law.truncated_mass, 3) + ")",
       holds_if(std::abs(mass - 1.0) < 1e-13), ""});

  const auto chain = entropy_function(lm, sentence{}, deep);
  const double closed = entropy_of({0.7, 0.2, 0.1}) / 0.7;
  rows.push_back(
      {"TD", "§4, the entropy function",
       "S_L(s) = -sum_s' P(s'|s) log P(s'|s) over full continuations (by the chain rule, the expected "
       "sum of next-token entropies)",
       "lm::entropy_function (chain rule) and -sum P log P over continuation_distribution's atoms, "
       "against H(p)/p(end) for the geometric PLM",
       "chain rule " + num(chain.entropy, 12) + ", direct " + num(direct, 12) + ", closed form " +
           num(closed, 12),
       holds_if(std::abs(chain.entropy - closed) < 1e-8 && std::abs(direct - closed) < 1e-8), ""});

  // A deterministic PLM: after the empty prompt always "a", then the end.
  const table_lm certain(vocabulary(3, 0), {{sentence{}, {0.0, 1.0, 0.0}}, {sentence{1}, {1.0, 0.0, 0.0}}});
  const std::vector<sentence> prompts{sentence{}, sentence{2}};
  const auto zeros = zero_points(certain, prompts, 1e-12);
  const auto uncertain = zero_points(lm, std::vector<sentence>{sentence{}}, 1e-3, deep);
  rows.push_back(
      {"TD", "§4, zero points", "S_L(s) = 0 iff one continuation has probability 1",
       "lm::zero_points on a table PLM that always continues 'a' then ends, and on the geometric PLM",
       std::to_string(zeros.size()) + " of 2 prompts of the deterministic PLM are exact zero points; " +
           std::to_string(uncertain.size()) + " of the geometric PLM",
       holds_if(zeros.size() == 2 && zeros[0].exact_zero && uncertain.empty()),
       "with finite logits a softmax never gives exact zeros, so real models only have near-zero points"});

  // Metric axioms of the moduli-space metrics on random distributions over 6 outcomes.
  const random_stream rng(2407, 21092);
  std::uint64_t counter = 0;
  const auto draw = [&] {
    std::vector<double> p(6);
    double s = 0;
    for (auto& x : p) s += (x = -std::log(1.0 - rng.uniform(counter++)));
    for (auto& x : p) x /= s;
    return p;
  };
  std::size_t triples = 0, violations = 0;
  const auto check = [&](auto metric, const auto& p, const auto& q, const auto& r) {
    const double pq = metric(p, q), qr = metric(q, r), pr = metric(p, r);
    if (pr > pq + qr + 1e-12 || std::abs(pq - metric(q, p)) > 1e-12 || metric(p, p) > 1e-12 || pq < 0)
      ++violations;
  };
  for (int t = 0; t < 200; ++t) {
    const auto p = draw(), q = draw(), r = draw();
    check(total_variation_metric{}, p, q, r);
    check(hellinger_metric{}, p, q, r);
    check(js_distance_metric{}, p, q, r);
    check(l2_metric{}, p, q, r);
    check(fisher_rao_metric{}, p, q, r);
    triples += 5;
  }
  rows.push_back(
      {"TD", "§3, the moduli space", "M_L = {P_L(.|s)} inside Prob(S) carries a metric structure",
       "lm's total variation, Hellinger, JS distance, L2 and Fisher-Rao on 200 random triples of laws "
       "on 6 outcomes: identity, symmetry, triangle inequality",
       std::to_string(violations) + " violations in " + std::to_string(triples) + " metric x triple checks",
       holds_if(violations == 0, verdict::fails),
       "the paper names no metric: the five are offered as a policy, total variation the default"});
  return rows;
}

inline std::vector<claim> thermo_ensemble_rows() {
  std::vector<claim> rows;
  const std::vector<double> energies{0.3, 1.1, 1.1, 2.0, 2.5};
  const double t = 0.8, h = 1e-5;
  const auto at = [&](double temperature, double shift = 0.0) {
    std::vector<double> e = energies;
    for (auto& x : e) x += shift;
    return ensemble_thermodynamics(e, temperature);
  };
  const auto s = at(t), up = at(t + h), down = at(t - h);
  const double identity = std::abs(s.free_energy - (s.internal_energy - t * s.entropy));
  const double entropy_derivative = std::abs(s.entropy + (up.free_energy - down.free_energy) / (2 * h));
  const double capacity_derivative =
      std::abs(s.heat_capacity - (up.internal_energy - down.internal_energy) / (2 * h));
  // U = -d ln Z / d beta by a central difference in beta = 1/T.
  const double beta = 1 / t, hb = 1e-5;
  const double u_from_z = -(at(1 / (beta + hb)).log_partition - at(1 / (beta - hb)).log_partition) / (2 * hb);
  const double internal = std::abs(s.internal_energy - u_from_z);
  const double worst = std::max({identity, entropy_derivative, capacity_derivative, internal});
  rows.push_back(
      {"TD", "§5, Z, U, F",
       "Z = sum exp(-E/T), U = E_P[E], F = -T ln Z; F = U - TS, S = -dF/dT, U = -d ln Z/d beta, "
       "C = dU/dT = Var(E)/T^2",
       "thermo::ensemble_thermodynamics on energies {0.3, 1.1, 1.1, 2.0, 2.5} at T = 0.8, derivatives "
       "by central differences (h = 1e-5)",
       "F - (U - TS) = " + num(identity, 2) + ", S + dF/dT = " + num(entropy_derivative, 2) +
           ", U + dlnZ/dbeta = " + num(internal, 2) + ", C - dU/dT = " + num(capacity_derivative, 2),
       holds_if(worst < 1e-8), "the paper defines Z, U, F; S and C are the standard canonical ensemble"});

  const auto shifted = at(t, 7.5), cold = at(1e-3), hot = at(1e6);
  rows.push_back(
      {"TD", "§5, energies and limits",
       "energies are defined up to a per-prompt constant (S, C do not move); S -> ln(#ground states) "
       "as T -> 0 and ln(#states) as T -> inf",
       "thermo::ensemble_thermodynamics with every energy + 7.5, and at T = 1e-3 and 1e6",
       "shift moves S by " + num(std::abs(shifted.entropy - s.entropy), 2) + ", C by " +
           num(std::abs(shifted.heat_capacity - s.heat_capacity), 2) + ", U by " +
           num(shifted.internal_energy - s.internal_energy) + "; S(1e-3) = " + num(cold.entropy, 6) +
           " (ln 1 = 0), S(1e6) = " + num(hot.entropy, 6) + " (ln 5 = " + num(std::log(5.0), 6) + ")",
       holds_if(std::abs(shifted.entropy - s.entropy) < 1e-12 &&
                std::abs(shifted.heat_capacity - s.heat_capacity) < 1e-10 && cold.entropy < 1e-6 &&
                std::abs(hot.entropy - std::log(5.0)) < 1e-5),
       ""});
  return rows;
}

inline std::vector<claim> thermo_manifold_rows() {
  std::vector<claim> rows;
  using r3 = euclidean<3>;
  const random_stream rng(6, 4);
  std::uint64_t counter = 0;
  std::vector<r3::point> words;
  Eigen::MatrixXd w(7, 3);
  for (int i = 0; i < 7; ++i) {
    words.push_back(r3::random_point(rng, counter, 1.0));
    w.row(i) = words.back().transpose();
  }
  const r3::point x = r3::random_point(rng, counter, 1.0);
  const auto boltzmann = boltzmann_distribution<r3>(x, words, 0.7);
  const Eigen::VectorXd head = transformer_head(w, x, 0.7);
  double worst = 0.0;
  for (int i = 0; i < 7; ++i) worst = std::max(worst, std::abs(boltzmann[std::size_t(i)] - head(i)));
  rows.push_back({"TD", "§6, Boltzmann manifolds",
                  "a transformer's head is the Boltzmann manifold M = R^N with the dot product as pairing",
                  "manifold::boltzmann_distribution on euclidean<3> with 7 random word points vs "
                  "transformer_head softmax(W h / T), T = 0.7",
                  "largest difference " + num(worst, 2), holds_if(worst < 1e-14), ""});
  rows.push_back(
      {"TD", "§6, R^N x S^M and R^N x (S^1)^M",
       "other manifolds with a symmetric pairing give Boltzmann manifolds",
       "manifold::sphere, torus, product", "-", verdict::convention,
       "the paper gives no pairing on the torus factor; the library uses sum_i cos(theta_i - theta'_i) "
       "(docs/papers.md); the sphere's is the ambient dot product"});

  const convexity_options options{.segments = 100, .hessian_points = 100, .seed = 3};
  std::string found;
  std::size_t refuted = 0, spaces = 0, concave_refuted = 0;
  const auto run = [&](auto tag, const char* name) {
    using M = decltype(tag);
    const auto r = check_entropy_convexity<M>(8, 1.0, options);
    ++spaces;
    refuted += r.convexity_refuted() ? 1 : 0;
    concave_refuted += r.concavity_refuted() ? 1 : 0;
    found += (found.empty() ? "" : "; ") + std::string(name) + " " +
             std::to_string(r.midpoint_violations + r.hessian_violations) + "/" +
             std::to_string(r.midpoint_tests + r.hessian_tests);
  };
  run(euclidean<4>{}, "R^4");
  run(sphere<3>{}, "S^3");
  run(torus<3>{}, "(S^1)^3");
  run(product<euclidean<2>, sphere<2>>{}, "R^2 x S^2");
  run(product<euclidean<2>, torus<2>>{}, "R^2 x (S^1)^2");
  rows.push_back(
      {"TD", "§6, Conjecture 6.4 (proxies)",
       "the entropy function of an LLM is convex on the phase space (R^N)^n",
       "manifold::check_entropy_convexity, 8 random words, T = 1, 100 midpoint + 100 Hessian tests per "
       "space (seed 3)",
       "violations of convexity: " + found + "; concavity also refuted on " +
           std::to_string(concave_refuted) + " of " + std::to_string(spaces),
       holds_if(refuted == 0),
       "false in general: a function bounded above and convex on all of R^d is constant, and entropy is "
       "bounded by ln V (docs/convexity.md)"});
  return rows;
}

inline std::vector<claim> thermo_decoder_rows(const nlohmann::json* thermo) {
  std::vector<claim> rows;
  const std::string source = "docs/claims/thermo.json (python -m infoscale.thermo_study, compacted)";
  if (thermo == nullptr) {
    for (const char* place :
         {"§4, near-zero points (decoders)", "§5, identities (decoders)", "§6, Conjecture 6.4 (decoders)"})
      rows.push_back({"TD", place, "on the shipped decoders", "-", "-", verdict::not_testable,
                      "no thermo study results given (" + source + ")"});
    return rows;
  }
  const auto& results = thermo->at("results");
  const double eps = thermo->at("options").at("eps").get<double>();
  std::size_t prompts = 0, near_zero = 0, models = 0, violations = 0, pairs = 0, refuted = 0;
  double lowest = INFINITY, highest = -INFINITY, worst_identity = 0.0, below_eps_max = 0.0;
  for (const auto& [name, r] : results.items()) {
    ++models;
    for (const auto& [reading, e] : r.at("entropy_function").items()) {
      near_zero += e.at("near_zero").get<std::size_t>();
      prompts += e.at("prompts").get<std::size_t>();
      lowest = std::min(lowest, e.at("lowest").get<double>());
      highest = std::max(highest, e.at("highest").get<double>());
    }
    for (const auto& [reading, e] : r.at("thermodynamics").items())
      for (const auto& [key, value] : e.at("identity_residuals").items())
        worst_identity = std::max(worst_identity, std::abs(value.get<double>()));
    below_eps_max = std::max(below_eps_max, r.at("next_token").at("below_eps").get<double>());
    const auto& c = r.at("conjecture");
    violations += c.at("real_midpoints").at("violations").get<std::size_t>();
    pairs += c.at("real_midpoints").at("pairs").get<std::size_t>();
    refuted += c.at("refuted").get<bool>() ? 1 : 0;
  }
  rows.push_back(
      {"TD", "§4, near-zero points (decoders)",
       "zero and near-zero points of S_L are the key obstacles for an LLM to approximate an intelligent "
       "language model",
       "lm::monte_carlo_entropy_function through infoscale.hf.plm on the " + std::to_string(models) +
           " shipped decoders, both readings of the end, eps = " + num(eps) + " nat",
       std::to_string(near_zero) + " near-zero points in " + std::to_string(prompts) +
           " prompt x reading x model cells; S_L from " + num(lowest) + " to " + num(highest) +
           " nats; next-token entropy below eps at up to " + num(100 * below_eps_max, 3) + "% of positions",
       verdict::not_testable,
       "'obstacle to intelligence' has no measurable counterpart; the row reports where the shipped "
       "models stand (" +
           source + ")"});
  rows.push_back(
      {"TD", "§5, identities (decoders)",
       "F = U - TS, S = -dF/dT, C = dU/dT on a decoder's sentence ensembles",
       "thermo::ensemble_thermodynamics over Monte Carlo sentence ensembles of the shipped decoders, "
       "derivatives by finite differences in T",
       "largest residual " + num(worst_identity, 2), holds_if(worst_identity < 1e-6),
       "finite differences set the floor (" + source + ")"});
  rows.push_back(
      {"TD", "§6, Conjecture 6.4 (decoders)",
       "the entropy function is convex on the decoder's phase space (R^128)^8",
       "midpoints of pairs of real prompts' embeddings through the shipped decoders' next-token entropy",
       std::to_string(violations) + " of " + std::to_string(pairs) +
           " midpoints lie above the chord; refuted on " + std::to_string(refuted) + " of " +
           std::to_string(models) + " models",
       holds_if(violations == 0), "(" + source + ")"});
  return rows;
}

}  // namespace detail

/// Every TD row; `thermo` (docs/claims/thermo.json, parsed) may be null.
[[nodiscard]] inline std::vector<claim> thermo_claims(const nlohmann::json* thermo) {
  std::vector<claim> rows;
  for (auto&& part : {detail::thermo_language_model_rows(), detail::thermo_ensemble_rows(),
                      detail::thermo_manifold_rows(), detail::thermo_decoder_rows(thermo)})
    rows.insert(rows.end(), part.begin(), part.end());
  return rows;
}

}  // namespace infoscale::claims

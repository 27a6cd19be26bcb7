#pragma once
// The Boltzmann distribution a Boltzmann manifold induces on a vocabulary, Yang, arXiv 2407.21092,
// §6 [standard]: with a point x (the state of the prompt) and one point e_w per word,
//   P(w | x) = exp(<x, e_w> / T) / sum_v exp(<x, e_v> / T).
// The pairings are logits, so the thermodynamics of the token ensemble is thermo/'s (energies
// E_w = -<x, e_w>); the transformer head softmax(W h) is the case M = R^N, e_w = rows of W.

#include <Eigen/Core>
#include <span>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/info/logits.hpp"
#include "infoscale/manifold/concepts.hpp"
#include "infoscale/thermo/ensemble.hpp"

namespace infoscale {

/// The pairings <x, e_w>, the logits of the Boltzmann distribution at T = 1.
template <BoltzmannManifold M>
[[nodiscard]] std::vector<double> boltzmann_logits(const typename M::point& x,
                                                   std::span<const typename M::point> embeddings) {
  if (embeddings.empty()) detail::raise("boltzmann_logits", "embeddings", "is empty (no word)");
  std::vector<double> z(embeddings.size());
  for (std::size_t w = 0; w < embeddings.size(); ++w) z[w] = M::pairing(x, embeddings[w]);
  return z;
}

/// P(w | x) ∝ exp(<x, e_w> / T).
template <BoltzmannManifold M>
[[nodiscard]] std::vector<double> boltzmann_distribution(const typename M::point& x,
                                                         std::span<const typename M::point> embeddings,
                                                         double temperature = 1.0) {
  const auto z = boltzmann_logits<M>(x, embeddings);
  const auto view = make_view(z.data(), std::array<std::size_t, 2>{1, z.size()}, "pairings");
  const double log_z = log_partition(seq, view, temperature)[0];
  std::vector<double> p(z.size());
  for (std::size_t w = 0; w < z.size(); ++w) p[w] = std::exp(z[w] / temperature - log_z);
  return p;
}

/// Z, U, F, S, C of the token ensemble at x (thermo/, energies -<x, e_w>).
template <BoltzmannManifold M>
[[nodiscard]] thermodynamic_state boltzmann_thermodynamics(const typename M::point& x,
                                                           std::span<const typename M::point> embeddings,
                                                           double temperature = 1.0) {
  const auto z = boltzmann_logits<M>(x, embeddings);
  return thermodynamics(seq, make_view(z.data(), std::array<std::size_t, 2>{1, z.size()}, "pairings"),
                        temperature)[0];
}

/// Entropy of P(. | x), nats, by info/'s entropy_from_logits.
template <BoltzmannManifold M>
[[nodiscard]] double boltzmann_entropy(const typename M::point& x,
                                       std::span<const typename M::point> embeddings,
                                       double temperature = 1.0) {
  const auto z = boltzmann_logits<M>(x, embeddings);
  return entropy_from_logits(seq, make_view(z.data(), std::array<std::size_t, 2>{1, z.size()}, "pairings"),
                             temperature)[0];
}

/// The transformer output head softmax(W h / T) (rows of W are the output embeddings), computed the
/// usual way: a matrix-vector product, then a softmax. Proven equal to the Euclidean Boltzmann
/// distribution in the tests.
template <class Derived, class Vector>
[[nodiscard]] Eigen::VectorXd transformer_head(const Eigen::MatrixBase<Derived>& w,
                                               const Eigen::MatrixBase<Vector>& h, double temperature = 1.0) {
  check_positive(temperature, "transformer_head", "temperature");
  if (w.cols() != h.size()) detail::raise("transformer_head", "h", "does not match the columns of W");
  const Eigen::VectorXd z = (w.template cast<double>() * h.template cast<double>()) / temperature;
  const Eigen::VectorXd e = (z.array() - z.maxCoeff()).exp();
  return e / e.sum();
}

}  // namespace infoscale

#pragma once
// Token-level statistical ensemble of a language model's next-token distribution (TD §5: Yang,
// arXiv 2407.21092; the standard canonical ensemble). Energies are E_i = -z_i (negative
// logits), so at T = 1 the Boltzmann distribution exp(-E/T) / Z is the model's softmax. With
// k_B = 1 and natural logarithms:
//   Z(T) = sum_i exp(-E_i / T),  F = -T log Z,  U = E_p[E],  S = (U - F) / T = -sum p log p,
//   C(T) = dU/dT = Var_p(E) / T^2.
// All from one pass over the logits (the softmax-moments monoid, core/softmax_moments.hpp).
// Precision: log Z and C to about 1e-13 relative to max(1, |z|/T) for double, float and half input
// alike (accumulation in double), tested on logits of +-1e4 and V = 262,144; S to 1e-13 RELATIVE
// even when it is tiny (a confident token: S ~ 1e-18 from a logit 40 above the rest).

#include <span>
#include <vector>

#include "infoscale/exec/detail/logits_rows.hpp"

namespace infoscale {

/// The thermodynamic functions of one row at one temperature.
struct thermodynamic_state {
  double temperature = 1.0;
  double log_partition = 0.0;    ///< log Z(T)
  double internal_energy = 0.0;  ///< U(T) = E_p[E]
  double free_energy = 0.0;      ///< F(T) = -T log Z(T)
  double entropy = 0.0;          ///< S(T) = (U - F) / T, nats
  double heat_capacity = 0.0;    ///< C(T) = Var_p(E) / T^2
};

/// The thermodynamic state of softmax moments taken at temperature T.
[[nodiscard]] inline thermodynamic_state thermodynamics_of(const softmax_moments& moments,
                                                           double temperature) {
  thermodynamic_state s;
  s.temperature = temperature;
  s.log_partition = moments.log_partition();
  s.internal_energy = -temperature * moments.mean();
  s.free_energy = -temperature * s.log_partition;
  s.entropy = moments.entropy();
  s.heat_capacity = moments.varentropy();
  return s;
}

/// Z, U, F, S and C of every row of `logits` (rows x vocabulary) at temperature T > 0.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<thermodynamic_state> thermodynamics(
    P policy, const matrix_view<T>& logits, double temperature = 1.0,
    logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "thermodynamics", "logits", precision);
  std::vector<thermodynamic_state> states;
  states.reserve(moments.size());
  for (const auto& m : moments) states.push_back(thermodynamics_of(m, temperature));
  return states;
}

template <class T>
[[nodiscard]] std::vector<thermodynamic_state> thermodynamics(const matrix_view<T>& logits,
                                                              double temperature = 1.0) {
  return thermodynamics(seq, logits, temperature);
}

/// The thermodynamic state of every row at every temperature: result[t][row].
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<std::vector<thermodynamic_state>> temperature_scan(
    P policy, const matrix_view<T>& logits, std::span<const double> temperatures,
    logits_precision precision = logits_precision::exact) {
  if (temperatures.empty()) detail::raise("temperature_scan", "temperatures", "is empty");
  for (const double t : temperatures) check_positive(t, "temperature_scan", "temperatures");
  std::vector<std::vector<thermodynamic_state>> scan;
  scan.reserve(temperatures.size());
  for (const double t : temperatures) scan.push_back(thermodynamics(policy, logits, t, precision));
  return scan;
}

/// log Z(T) per row.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> log_partition(P policy, const matrix_view<T>& logits,
                                                double temperature = 1.0,
                                                logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "log_partition", "logits", precision);
  std::vector<double> out;
  out.reserve(moments.size());
  for (const auto& m : moments) out.push_back(m.log_partition());
  return out;
}

/// Helmholtz free energy F(T) = -T log Z(T) per row.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> free_energy(P policy, const matrix_view<T>& logits,
                                              double temperature = 1.0,
                                              logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "free_energy", "logits", precision);
  std::vector<double> out;
  out.reserve(moments.size());
  for (const auto& m : moments) out.push_back(-temperature * m.log_partition());
  return out;
}

/// Heat capacity C(T) = Var_p(E) / T^2 per row.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> heat_capacity(P policy, const matrix_view<T>& logits,
                                                double temperature = 1.0,
                                                logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "heat_capacity", "logits", precision);
  std::vector<double> out;
  out.reserve(moments.size());
  for (const auto& m : moments) out.push_back(m.varentropy());
  return out;
}

}  // namespace infoscale

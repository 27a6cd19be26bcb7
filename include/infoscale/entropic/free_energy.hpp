#pragma once
// Thermodynamic reading of a model (entropic-scaling §7): free energy (10) with the output entropy
// taken by thermo/ from the model's logits, and the parameter bound of (11).
//
// Units: the paper says only E_n "is proportional to" I(n). Both terms are kept in bits here
// (E_n = energy_scale * I(n) bits, S_n converted from nats to bits) so that energy_scale = 1 compares
// like with like; energy_scale is the unknown proportionality constant.

#include <cmath>
#include <span>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/thermo/ensemble.hpp"

namespace infoscale::entropic {

/// Model free energy F_n = E_n - T S_n with E_n = energy_scale * kappa n log2 n, entropic-scaling
/// eq. (10). `output_entropy` is S_n in bits.
[[nodiscard]] constexpr double model_free_energy(double n, double temperature, double output_entropy,
                                                 double kappa = 1.0, double energy_scale = 1.0) {
  constexpr std::string_view function = "model_free_energy";
  detail::require_positive(temperature, function, "temperature");
  detail::require_non_negative(output_entropy, function, "output_entropy");
  detail::require_non_negative(energy_scale, function, "energy_scale");
  return energy_scale * capacity(n, kappa) - temperature * output_entropy;
}

/// S_n of eq. (10): the mean over corpus positions of the entropy of softmax(logits / T), in bits
/// (thermo/ gives nats).
template <ExecutionPolicy P, class T>
[[nodiscard]] double output_entropy_bits(P policy, const matrix_view<T>& logits, double temperature = 1.0) {
  check_positive(temperature, "output_entropy_bits", "temperature");
  const auto states = thermodynamics(policy, logits, temperature);
  compensated_sum sum;
  for (const auto& s : states) sum += s.entropy;
  return sum.value() / static_cast<double>(states.size()) / cmath::detail::ln2;
}

/// Model free energy (10) with S_n measured from the model's logits (positions x vocabulary).
template <ExecutionPolicy P, class T>
[[nodiscard]] double model_free_energy(P policy, const matrix_view<T>& logits, double n, double temperature,
                                       double kappa = 1.0, double energy_scale = 1.0) {
  (void)capacity(n, kappa);  // validate the cheap arguments before reading the logits
  return model_free_energy(n, temperature, output_entropy_bits(policy, logits, temperature), kappa,
                           energy_scale);
}

template <class T>
[[nodiscard]] double model_free_energy(const matrix_view<T>& logits, double n, double temperature,
                                       double kappa = 1.0, double energy_scale = 1.0) {
  return model_free_energy(seq, logits, n, temperature, kappa, energy_scale);
}

/// Whether a recorded free-energy trajectory never increases (up to `tolerance`), the claim
/// dF/dt <= 0 of entropic-scaling eq. (11).
[[nodiscard]] inline bool free_energy_non_increasing(std::span<const double> trajectory,
                                                     double tolerance = 0.0) {
  for (std::size_t t = 1; t < trajectory.size(); ++t) {
    if (trajectory[t] > trajectory[t - 1] + tolerance) return false;
  }
  return true;
}

/// ln of the parameter bound |theta| <= exp(I(n)) of entropic-scaling eq. (11), i.e. I(n) itself.
/// The bound is returned as a logarithm because exp(I) overflows a double beyond I = 709.
[[nodiscard]] constexpr double log_parameter_bound(double n, double kappa = 1.0) {
  return capacity(n, kappa);
}

/// The parameter bound exp(I(n)) of entropic-scaling eq. (11) (+inf when it overflows). The paper
/// exponentiates a capacity in bits with base e; 2^I(n) would be the count of I(n)-bit states.
[[nodiscard]] inline double parameter_bound(double n, double kappa = 1.0) {
  return std::exp(log_parameter_bound(n, kappa));
}

/// Whether P parameters satisfy eq. (11) at level n: ln P <= I(n).
[[nodiscard]] constexpr bool within_parameter_bound(double parameters, double n, double kappa = 1.0) {
  detail::require_parameters(parameters, "within_parameter_bound");
  return cmath::ln(parameters) <= log_parameter_bound(n, kappa);
}

/// The least kappa for which P parameters satisfy eq. (11) at level n: ln P / (n log2 n).
[[nodiscard]] constexpr double minimum_kappa_for_bound(double parameters, double n) {
  detail::require_parameters(parameters, "minimum_kappa_for_bound");
  return cmath::ln(parameters) / capacity(n);
}

}  // namespace infoscale::entropic

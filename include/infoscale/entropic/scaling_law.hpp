#pragma once
// Scaling laws (entropic-scaling §8, §10.2): the classical power law (12), the entropic law (13)
// with a fit of beta to a classical curve, and the scaling limit (15).

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/level.hpp"

namespace infoscale::entropic {

/// Constants of the classical law; defaults are Kaplan et al. (2020)'s fit for parameters:
/// N_c ~ 8.8e13 (non-embedding parameters), alpha_N ~ 0.076.
struct classical_law {
  double critical_parameters = 8.8e13;
  double exponent = 0.076;
};

/// Classical loss L(N) = (N_c / N)^alpha, entropic-scaling eq. (12).
[[nodiscard]] constexpr double classical_loss(double parameters, const classical_law& law = {}) {
  constexpr std::string_view function = "classical_loss";
  detail::require_positive(parameters, function, "parameters");
  detail::require_positive(law.critical_parameters, function, "critical_parameters");
  detail::require_positive(law.exponent, function, "exponent");
  return cmath::exp(law.exponent * (cmath::ln(law.critical_parameters) - cmath::ln(parameters)));
}

/// Entropic loss L(n) = prefactor * exp(-beta kappa n log2 n), entropic-scaling eq. (13) (the
/// paper's "~" leaves the prefactor free).
[[nodiscard]] constexpr double entropic_loss(double n, double beta, double kappa = 1.0,
                                             double prefactor = 1.0) {
  detail::require_non_negative(beta, "entropic_loss", "beta");
  detail::require_positive(prefactor, "entropic_loss", "prefactor");
  return prefactor * cmath::exp(-beta * capacity(n, kappa));
}

/// A least-squares fit of eq. (13): ln L = ln prefactor - beta I(n).
struct entropic_fit {
  double beta = 0.0;
  double log_prefactor = 0.0;
  double rms_log_residual = 0.0;  ///< of ln L; 0 when the data follow eq. (13) exactly
  double max_abs_log_residual = 0.0;
};

/// Fits eq. (13) to (level, loss) points by ordinary least squares on ln L against I(n).
[[nodiscard]] inline entropic_fit fit_entropic_law(std::span<const double> levels,
                                                   std::span<const double> losses, double kappa = 1.0) {
  constexpr std::string_view function = "fit_entropic_law";
  if (levels.size() != losses.size())
    infoscale::detail::raise(function, "losses", "must have one entry per level");
  if (levels.size() < 2) infoscale::detail::raise(function, "levels", "needs at least two points");
  const auto n = static_cast<Eigen::Index>(levels.size());
  Eigen::MatrixXd design(n, 2);
  Eigen::VectorXd target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    detail::require_positive(losses[static_cast<std::size_t>(i)], function, "losses");
    design(i, 0) = 1.0;
    design(i, 1) = -capacity(levels[static_cast<std::size_t>(i)], kappa);
    target(i) = std::log(losses[static_cast<std::size_t>(i)]);
  }
  if (design.col(1).maxCoeff() == design.col(1).minCoeff()) {
    infoscale::detail::raise(function, "levels", "needs at least two distinct levels");
  }
  const Eigen::VectorXd theta = design.colPivHouseholderQr().solve(target);
  const Eigen::VectorXd residual = design * theta - target;
  return {theta(1), theta(0), std::sqrt(residual.squaredNorm() / static_cast<double>(n)),
          residual.cwiseAbs().maxCoeff()};
}

/// Fits eq. (13) to the classical curve (12) sampled at the given parameter counts, with n ~ log N
/// realised as eq. (1)'s continuous argument (before the floor, so the fit sees the smooth trend
/// rather than the floor's steps). The residual measures how far the two laws' shapes differ.
[[nodiscard]] inline entropic_fit fit_entropic_law_to_classical(
    std::span<const double> parameter_counts, double vocabulary, const classical_law& law = {},
    const calibration& constants = default_calibration, double kappa = 1.0) {
  std::vector<double> levels;
  std::vector<double> losses;
  for (const double p : parameter_counts) {
    levels.push_back(level_argument(p, vocabulary, constants));
    losses.push_back(classical_loss(p, law));
  }
  return fit_entropic_law(levels, losses, kappa);
}

/// Scaling limit: the largest level with kappa n log2 n <= I_universe, entropic-scaling eq. (15).
[[nodiscard]] constexpr std::int64_t scaling_limit(double universe_information, double kappa = 1.0) {
  return maximum_level(universe_information, kappa);
}

/// The continuous n_max solving kappa n log2 n = I_universe (Lambert W), entropic-scaling eq. (15).
[[nodiscard]] inline double continuous_scaling_limit(double universe_information, double kappa = 1.0) {
  return continuous_level(universe_information, kappa);
}

}  // namespace infoscale::entropic

#pragma once
// Distance between models (entropic-scaling §6): behavioural distance (8) with Beh(i, j) measured
// from the two models' next-token distributions through info/, and the square-root distance
// scaling (9) with a least-squares fit of its scale d0.
//
// Note the paper's two statements disagree in shape: (8) grows linearly in |I(i) - I(j)| (for a
// fixed Beh), (9) as its square root; tests/unit/entropic/distance.cpp shows the ratio drifting.

#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/info/logits.hpp"
#include "infoscale/info/probabilities.hpp"

namespace infoscale::entropic {

/// The output-distribution divergence behind Beh(i, j). JS is the default: symmetric, as a distance
/// should be, and finite where one model gives a token zero probability.
enum class divergence {
  js,  ///< Jensen-Shannon divergence, nats, in [0, ln 2]
  kl,  ///< KL(p_i || p_j), nats (asymmetric; +inf where p_j = 0 < p_i)
};

namespace detail {
inline double mean_of(const std::vector<double>& values) {
  compensated_sum sum;
  for (const double v : values) sum += v;
  return sum.value() / static_cast<double>(values.size());
}
}  // namespace detail

/// Beh(i, j): the mean over corpus positions (rows) of the divergence between model i's and model
/// j's next-token distributions, given as probability rows (positions x vocabulary), nats.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] double behaviour_divergence(P policy, const matrix_view<T>& p_i, const matrix_view<U>& p_j,
                                          divergence kind = divergence::js) {
  return detail::mean_of(kind == divergence::js ? js_divergence(policy, p_i, p_j)
                                                : kl_divergence(policy, p_i, p_j));
}

template <class T, class U>
[[nodiscard]] double behaviour_divergence(const matrix_view<T>& p_i, const matrix_view<U>& p_j,
                                          divergence kind = divergence::js) {
  return behaviour_divergence(seq, p_i, p_j, kind);
}

/// Beh(i, j) from the two models' logits on the same positions (softmax taken inside, one pass).
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] double behaviour_divergence_from_logits(P policy, const matrix_view<T>& logits_i,
                                                      const matrix_view<U>& logits_j,
                                                      divergence kind = divergence::js) {
  return detail::mean_of(kind == divergence::js ? js_divergence_from_logits(policy, logits_i, logits_j)
                                                : kl_divergence_from_logits(policy, logits_i, logits_j));
}

template <class T, class U>
[[nodiscard]] double behaviour_divergence_from_logits(const matrix_view<T>& logits_i,
                                                      const matrix_view<U>& logits_j,
                                                      divergence kind = divergence::js) {
  return behaviour_divergence_from_logits(seq, logits_i, logits_j, kind);
}

/// Capacity gap |I(i) - I(j)| between levels i and j, bits.
[[nodiscard]] constexpr double capacity_gap(double level_i, double level_j, double kappa = 1.0) {
  const double gap = capacity(level_i, kappa) - capacity(level_j, kappa);
  return gap < 0.0 ? -gap : gap;
}

/// Behavioural distance d = Beh(i, j) + lambda |I(i) - I(j)|, entropic-scaling eq. (8).
[[nodiscard]] constexpr double behavioural_distance(double behaviour, double level_i, double level_j,
                                                    double lambda, double kappa = 1.0) {
  detail::require_non_negative(behaviour, "behavioural_distance", "behaviour");
  detail::require_non_negative(lambda, "behavioural_distance", "lambda");
  return behaviour + lambda * capacity_gap(level_i, level_j, kappa);
}

/// Behavioural distance (8) with Beh measured from the models' next-token probability rows.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] double behavioural_distance(P policy, const matrix_view<T>& p_i, const matrix_view<U>& p_j,
                                          double level_i, double level_j, double lambda, double kappa = 1.0,
                                          divergence kind = divergence::js) {
  // Level checks first: they are cheap and the divergence reads the whole corpus.
  (void)capacity_gap(level_i, level_j, kappa);
  detail::require_non_negative(lambda, "behavioural_distance", "lambda");
  return behavioural_distance(behaviour_divergence(policy, p_i, p_j, kind), level_i, level_j, lambda, kappa);
}

/// Distance scaling d0 sqrt(kappa [(i + dn) log2(i + dn) - i log2 i]), entropic-scaling eq. (9).
[[nodiscard]] constexpr double distance_scaling(double level_i, double level_gap, double d0,
                                                double kappa = 1.0) {
  detail::require_non_negative(level_gap, "distance_scaling", "level_gap");
  detail::require_non_negative(d0, "distance_scaling", "d0");
  return d0 * cmath::sqrt(capacity(level_i + level_gap, kappa) - capacity(level_i, kappa));
}

/// Least-squares scale of eq. (9).
struct distance_fit {
  double d0 = 0.0;
  double rms_residual = 0.0;  ///< in the distances' units
};

/// d0 minimising sum (d_k - d0 sqrt(dI_k))^2 over observed (capacity gap, distance) pairs:
/// d0 = sum d_k sqrt(dI_k) / sum dI_k, eq. (9).
[[nodiscard]] inline distance_fit fit_distance_scale(std::span<const double> capacity_gaps,
                                                     std::span<const double> distances) {
  constexpr std::string_view function = "fit_distance_scale";
  if (capacity_gaps.size() != distances.size()) {
    infoscale::detail::raise(function, "distances", "must have one entry per capacity gap");
  }
  compensated_sum numerator;
  compensated_sum denominator;
  for (std::size_t k = 0; k < distances.size(); ++k) {
    detail::require_non_negative(capacity_gaps[k], function, "capacity_gaps");
    detail::require_finite(distances[k], function, "distances");
    numerator += distances[k] * std::sqrt(capacity_gaps[k]);
    denominator += capacity_gaps[k];
  }
  if (!(denominator.value() > 0.0)) {
    infoscale::detail::raise(function, "capacity_gaps", "needs at least one positive gap");
  }
  distance_fit fit;
  fit.d0 = numerator.value() / denominator.value();
  compensated_sum squares;
  for (std::size_t k = 0; k < distances.size(); ++k) {
    const double r = distances[k] - fit.d0 * std::sqrt(capacity_gaps[k]);
    squares += r * r;
  }
  fit.rms_residual = std::sqrt(squares.value() / static_cast<double>(distances.size()));
  return fit;
}

}  // namespace infoscale::entropic

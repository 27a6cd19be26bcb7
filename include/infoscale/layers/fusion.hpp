#pragma once
// Fusion of the boundary signals into one evidence curve, MS eq. (6).

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

/// The paper's weights for (S1 representation change, S2 probe jumps, S3 attention drift).
inline constexpr std::array<double, 3> default_signal_weights{1.0, 0.8, 0.6};

/// How eq. (6) brings each signal to a common scale. The paper's text says the signals are
/// "normalized to [0, 1]" while its equation divides by the maximum; the two differ for S1 =
/// 1/CKA >= 1, which division by the maximum squeezes into about [0.75, 1].
enum class signal_normalization {
  max,     ///< S(l) / max S, eq. (6) as printed (the default: it is what the formula says)
  minmax,  ///< (S(l) - min S) / (max S - min S), the text's "normalized to [0, 1]"
};

[[nodiscard]] inline const char* name_of(signal_normalization n) {
  return n == signal_normalization::minmax ? "minmax" : "max";
}

/// Boundary evidence E(l) = sum_i w_i N(S_i)(l), MS eq. (6), with N the chosen normalisation.
/// Signals must be finite, non-negative and of equal length; an empty span skips that signal (no
/// attention dump, say). Entries of signal i before first_defined[i] do not exist (S3 has no pair 0:
/// nothing attends before layer 1): they add 0 and take no part in the signal's range. A signal
/// whose range is zero carries no evidence and adds 0 rather than 0/0.
[[nodiscard]] inline std::vector<double> boundary_evidence(
    std::span<const std::span<const double>> signals, std::span<const double> weights,
    signal_normalization normalization = signal_normalization::max,
    std::span<const std::size_t> first_defined = {}) {
  constexpr std::string_view function = "boundary_evidence";
  if (weights.size() != signals.size()) {
    detail::raise(function, "weights", "must have one weight per signal");
  }
  if (!first_defined.empty() && first_defined.size() != signals.size()) {
    detail::raise(function, "first_defined", "must have one entry per signal");
  }
  std::size_t length = 0;
  for (std::size_t i = 0; i < signals.size(); ++i) {
    if (signals[i].empty()) continue;
    if (length != 0 && signals[i].size() != length) {
      detail::raise(function, "signals", "have different lengths (signal " + std::to_string(i) + ")");
    }
    length = signals[i].size();
    if (!std::isfinite(weights[i]) || weights[i] < 0.0) {
      detail::raise(function, "weights", "must be finite and >= 0 (weight " + std::to_string(i) + ")");
    }
  }
  if (length == 0) detail::raise(function, "signals", "are all empty");
  std::vector<double> evidence(length, 0.0);
  for (std::size_t i = 0; i < signals.size(); ++i) {
    if (signals[i].empty()) continue;
    const std::size_t first = first_defined.empty() ? 0 : first_defined[i];
    double maximum = 0.0, minimum = std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l < length; ++l) {
      const double s = signals[i][l];
      if (!std::isfinite(s) || s < 0.0) {
        detail::raise(function, "signals",
                      "signal " + std::to_string(i) + " has an invalid value " + detail::format_number(s) +
                          " at " + std::to_string(l) + " (must be finite and >= 0)");
      }
      if (l < first) continue;
      maximum = std::max(maximum, s);
      minimum = std::min(minimum, s);
    }
    const double offset = normalization == signal_normalization::minmax ? minimum : 0.0;
    const double range = maximum - offset;
    if (!(range > 0.0)) continue;
    for (std::size_t l = first; l < length; ++l) evidence[l] += weights[i] * (signals[i][l] - offset) / range;
  }
  return evidence;
}

/// Eq. (6) with the three paper signals and the default weights (1.0, 0.8, 0.6).
[[nodiscard]] inline std::vector<double> boundary_evidence(
    std::span<const double> s1, std::span<const double> s2, std::span<const double> s3,
    std::array<double, 3> weights = default_signal_weights,
    signal_normalization normalization = signal_normalization::max, std::size_t s3_first_defined = 0) {
  const std::array<std::span<const double>, 3> signals{s1, s2, s3};
  const std::array<std::size_t, 3> first{0, 0, s3_first_defined};
  return boundary_evidence(std::span<const std::span<const double>>(signals),
                           std::span<const double>(weights), normalization,
                           std::span<const std::size_t>(first));
}

}  // namespace infoscale

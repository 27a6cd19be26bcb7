#pragma once
// Fusion of the boundary signals into one evidence curve, multi-scale paper eq. (6).

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

/// The paper's weights for (S1 representation change, S2 probe jumps, S3 attention drift).
inline constexpr std::array<double, 3> default_signal_weights{1.0, 0.8, 0.6};

/// Boundary evidence E(l) = sum_i w_i S_i(l) / max_l S_i(l), multi-scale paper eq. (6). Signals
/// must be finite, non-negative and of equal length; an empty span skips that signal (no
/// attention dump, say). A signal that is zero everywhere carries no evidence and adds 0 rather
/// than 0/0.
[[nodiscard]] inline std::vector<double> boundary_evidence(std::span<const std::span<const double>> signals,
                                                           std::span<const double> weights) {
  constexpr std::string_view function = "boundary_evidence";
  if (weights.size() != signals.size()) {
    detail::raise(function, "weights", "must have one weight per signal");
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
    double maximum = 0.0;
    for (std::size_t l = 0; l < length; ++l) {
      const double s = signals[i][l];
      if (!std::isfinite(s) || s < 0.0) {
        detail::raise(function, "signals",
                      "signal " + std::to_string(i) + " has an invalid value " + std::to_string(s) + " at " +
                          std::to_string(l) + " (must be finite and >= 0)");
      }
      maximum = std::max(maximum, s);
    }
    if (maximum == 0.0) continue;
    for (std::size_t l = 0; l < length; ++l) evidence[l] += weights[i] * signals[i][l] / maximum;
  }
  return evidence;
}

/// Eq. (6) with the three paper signals and the default weights (1.0, 0.8, 0.6).
[[nodiscard]] inline std::vector<double> boundary_evidence(
    std::span<const double> s1, std::span<const double> s2, std::span<const double> s3,
    std::array<double, 3> weights = default_signal_weights) {
  const std::array<std::span<const double>, 3> signals{s1, s2, s3};
  return boundary_evidence(std::span<const std::span<const double>>(signals),
                           std::span<const double>(weights));
}

}  // namespace infoscale

#pragma once
// Emergent capabilities as capacity thresholds (entropic-scaling §5): the emergence rule (6), the
// paper's capability ladder (Table 2), and the phase-transition curvature (7).

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/model_spec.hpp"

namespace infoscale::entropic {

/// A capability with the level at which the paper says it emerges and the capacity it requires,
/// in units of kappa bits (so a ladder holds for every kappa).
struct capability {
  fixed_name name;
  int critical_level = 0;
  double required_capacity = 0.0;
};

namespace models::paper {
/// Table 2 of the paper, in its order (increasing thresholds). (models::paper holds all of the
/// paper's tables.)
inline constexpr std::array<capability, 5> table_2{{
    {"Basic syntax", 25, 116.0},
    {"Semantic understanding", 30, 147.0},
    {"Multi-step reasoning", 35, 179.0},
    {"Abstract reasoning", 40, 213.0},
    {"Meta-learning", 45, 249.0},
}};
}  // namespace models::paper

/// Emergence level n_c = min{n : kappa n log2 n >= I_threshold}, entropic-scaling eq. (6).
[[nodiscard]] constexpr std::int64_t emergence_level(double threshold, double kappa = 1.0) {
  detail::require_non_negative(threshold, "emergence_level", "threshold");
  return minimum_level(threshold, kappa);
}

/// Which of the two readings of Table 2 decides that a capability is present at a level.
enum class emergence_rule {
  capacity_threshold,  ///< eq. (6): I(n) >= required_capacity * kappa
  critical_level,      ///< Table 2's column: n >= critical_level
};

/// Whether `c` has emerged at level n (kappa cancels: thresholds are in kappa bits), eq. (6).
[[nodiscard]] constexpr bool has_emerged(const capability& c, double n,
                                         emergence_rule rule = emergence_rule::capacity_threshold) {
  detail::require_level(n, "has_emerged");
  detail::require_non_negative(c.required_capacity, "has_emerged", "capability.required_capacity");
  return rule == emergence_rule::capacity_threshold ? capacity(n) >= c.required_capacity
                                                    : n >= static_cast<double>(c.critical_level);
}

/// The capabilities of a ladder present at level n, in ladder order, eq. (6) / Table 2.
[[nodiscard]] inline std::vector<capability> emerged_capabilities(
    double n, emergence_rule rule = emergence_rule::capacity_threshold,
    std::span<const capability> ladder = models::paper::table_2) {
  std::vector<capability> out;
  for (const auto& c : ladder) {
    if (has_emerged(c, n, rule)) out.push_back(c);
  }
  return out;
}

/// Curvature d^2/dn^2 (kappa n log2 n) = kappa / (n ln 2) of the capacity the tables use,
/// entropic-scaling eq. (7) corrected for base 2.
[[nodiscard]] constexpr double phase_transition_curvature(double n, double kappa = 1.0) {
  detail::require_level(n, "phase_transition_curvature");
  detail::require_kappa(kappa, "phase_transition_curvature");
  return kappa / (n * cmath::detail::ln2);
}

/// Curvature kappa / n exactly as printed in entropic-scaling eq. (7): d^2/dn^2 of kappa n ln n,
/// i.e. of capacity_nats, not of the base-2 capacity of Tables 1-2.
[[nodiscard]] constexpr double paper_phase_transition_curvature(double n, double kappa = 1.0) {
  detail::require_level(n, "paper_phase_transition_curvature");
  detail::require_kappa(kappa, "paper_phase_transition_curvature");
  return kappa / n;
}

}  // namespace infoscale::entropic

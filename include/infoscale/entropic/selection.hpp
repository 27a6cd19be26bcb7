#pragma once
// Model selection (entropic-scaling §9.1): the least level whose capacity covers a task, and the
// least-capacity model of a list that reaches it (no under-provisioning, least over-provisioning).

#include <cstdint>
#include <optional>
#include <span>

#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/level.hpp"
#include "infoscale/entropic/model_spec.hpp"

namespace infoscale::entropic {

/// Selected level n* = argmin_n {I(n) >= I_task} with I(n) = kappa n log2 n, entropic-scaling §9.1.
[[nodiscard]] constexpr std::int64_t select_level(double task_information, double kappa = 1.0) {
  detail::require_non_negative(task_information, "select_level", "task_information");
  return minimum_level(task_information, kappa);
}

/// The model of `models` with the least capacity I(level(model)) >= I_task (ties: fewer parameters),
/// or none when no model reaches the task, entropic-scaling §9.1. Models below level 2 have no
/// capacity and are never selected.
template <ModelSpec M>
[[nodiscard]] constexpr std::optional<M> select_model(std::span<const M> models, double task_information,
                                                      double kappa = 1.0,
                                                      const calibration& constants = default_calibration) {
  detail::require_non_negative(task_information, "select_model", "task_information");
  detail::require_kappa(kappa, "select_model");
  std::optional<M> best;
  double best_capacity = 0.0;
  for (const auto& m : models) {
    const int n = level(m, constants);
    if (n < 2) continue;
    const double i = capacity(n, kappa);
    if (i < task_information) continue;
    if (!best || i < best_capacity ||
        (i == best_capacity && static_cast<double>(m.parameters) < static_cast<double>(best->parameters))) {
      best = m;
      best_capacity = i;
    }
  }
  return best;
}

}  // namespace infoscale::entropic

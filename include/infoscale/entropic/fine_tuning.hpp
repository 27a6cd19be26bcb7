#pragma once
// Fine-tuning protocol (entropic-scaling §9.3): learning rate ~ 1/(n log n), batch size and
// training steps ~ n log n. The paper gives proportionalities only, so a schedule known to work at
// a reference level is carried to another level; the log base cancels in the ratio.

#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/detail/checks.hpp"

namespace infoscale::entropic {

struct fine_tuning_schedule {
  double learning_rate = 0.0;
  double batch_size = 0.0;
  double training_steps = 0.0;
  friend constexpr bool operator==(const fine_tuning_schedule&, const fine_tuning_schedule&) = default;
};

/// The schedule at level n scaled from `reference` at level n_ref, entropic-scaling §9.3:
/// learning rate times r^-1, batch size and steps times r, with r = n log n / (n_ref log n_ref).
/// Batch size and steps stay real numbers; round them as the training setup needs.
[[nodiscard]] constexpr fine_tuning_schedule scaled_fine_tuning_schedule(
    double n, double reference_level, const fine_tuning_schedule& reference) {
  constexpr std::string_view function = "scaled_fine_tuning_schedule";
  detail::require_positive(reference.learning_rate, function, "reference.learning_rate");
  detail::require_positive(reference.batch_size, function, "reference.batch_size");
  detail::require_positive(reference.training_steps, function, "reference.training_steps");
  const double ratio = capacity(n) / capacity(reference_level);
  return {reference.learning_rate / ratio, reference.batch_size * ratio, reference.training_steps * ratio};
}

}  // namespace infoscale::entropic

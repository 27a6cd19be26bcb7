#pragma once
// Cross-model statistics of boundary positions, multi-scale paper §4.3 (Table 3).

#include <cmath>
#include <cstddef>
#include <span>
#include <string>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/error.hpp"

namespace infoscale {

/// Relative boundary position rho = layer / total layers (the paper's Table 1 "Rel." column:
/// 13 / 32 = 40.6%).
[[nodiscard]] inline double relative_position(double layer, std::size_t total_layers) {
  if (total_layers == 0) detail::raise("relative_position", "total_layers", "must be > 0");
  if (!std::isfinite(layer) || layer < 0.0 || layer > static_cast<double>(total_layers)) {
    detail::raise("relative_position", "layer", "must lie in [0, total_layers]");
  }
  return layer / static_cast<double>(total_layers);
}

/// Coefficient of variation within a family: population standard deviation (ddof = 0) over the
/// mean, as the paper's Table 3 (Qwen I-G: 25.0% and 71.4% -> 0.48).
[[nodiscard]] inline double coefficient_of_variation(std::span<const double> values) {
  constexpr std::string_view function = "coefficient_of_variation";
  if (values.empty()) detail::raise(function, "values", "is empty");
  compensated_sum sum;
  for (const double v : values) {
    if (!std::isfinite(v)) detail::raise(function, "values", "contains a non-finite value");
    sum += v;
  }
  const double mean = sum.value() / static_cast<double>(values.size());
  if (mean == 0.0) detail::raise(function, "values", "have mean 0: the CV is undefined");
  compensated_sum squares;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares.value() / static_cast<double>(values.size())) / std::abs(mean);
}

}  // namespace infoscale

#pragma once
// log(sum exp(x_i)) without overflow: shift by the maximum, sum in double with compensation.

#include <cmath>
#include <limits>
#include <span>
#include <string_view>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"

namespace infoscale {

/// log(sum_i exp(x_i)); -inf for all -inf inputs. Raises on an empty span or NaN/+inf.
template <StorageFloat T>
[[nodiscard]] double log_sum_exp(std::span<const T> x) {
  constexpr std::string_view function = "log_sum_exp";
  if (x.empty()) detail::raise(function, "x", "is empty");
  double maximum = -std::numeric_limits<double>::infinity();
  for (const T& value : x) {
    const double v = detail::widen(value);
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) {
      detail::raise(function, "x", "contains NaN or +inf");
    }
    maximum = v > maximum ? v : maximum;
  }
  if (maximum == -std::numeric_limits<double>::infinity()) return maximum;
  compensated_sum sum;
  for (const T& value : x) sum += std::exp(detail::widen(value) - maximum);
  return maximum + std::log(sum.value());
}

template <StorageFloat T>
[[nodiscard]] double log_sum_exp(std::span<T> x) {
  return log_sum_exp(std::span<const T>(x));
}

}  // namespace infoscale

#pragma once
// Neumaier's compensated summation: the error of a sum of n terms stays O(eps) instead of O(n eps),
// and unlike Kahan's it is also exact when a term is larger than the running sum.

#include <cmath>

#include "infoscale/core/config.hpp"

namespace infoscale {

class compensated_sum {
 public:
  constexpr compensated_sum() = default;
  INFOSCALE_HOST_DEVICE constexpr explicit compensated_sum(double initial) : sum_(initial) {}

  INFOSCALE_HOST_DEVICE constexpr compensated_sum& operator+=(double term) {
    const double total = sum_ + term;
    if (!(total - total == 0.0)) {  // an infinity or NaN: no rounding error left to track
      sum_ = total;
      return *this;
    }
    const bool larger = (sum_ >= 0 ? sum_ : -sum_) >= (term >= 0 ? term : -term);
    compensation_ += larger ? (sum_ - total) + term : (term - total) + sum_;
    sum_ = total;
    return *this;
  }

  INFOSCALE_HOST_DEVICE constexpr compensated_sum& operator+=(const compensated_sum& other) {
    *this += other.sum_;
    compensation_ += other.compensation_;
    return *this;
  }

  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

/// Compensated sum of a range of numbers.
template <class Range>
[[nodiscard]] constexpr double accurate_sum(const Range& values) {
  compensated_sum sum;
  for (const auto& v : values) sum += static_cast<double>(v);
  return sum.value();
}

}  // namespace infoscale

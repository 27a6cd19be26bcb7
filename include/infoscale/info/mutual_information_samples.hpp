#pragma once
// Copies a sample matrix view (rows: samples, columns: dimensions) into a dense row-major buffer
// of doubles after checking it, for the mutual-information estimators, which revisit every sample
// many times and so want contiguous doubles rather than strided half/float storage.

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"

namespace infoscale::detail {

struct dense_samples {
  std::vector<double> values;
  std::size_t rows = 0;
  std::size_t columns = 0;
  [[nodiscard]] double operator()(std::size_t i, std::size_t j) const { return values[i * columns + j]; }
  [[nodiscard]] double& operator()(std::size_t i, std::size_t j) { return values[i * columns + j]; }
};

template <class T>
dense_samples dense_copy(const matrix_view<T>& view, std::string_view function, std::string_view name) {
  check_not_empty(view, function, name);
  check_finite(view, function, name);
  dense_samples out{std::vector<double>(view.extent(0) * view.extent(1)), view.extent(0), view.extent(1)};
  for (std::size_t i = 0; i < out.rows; ++i)
    for (std::size_t j = 0; j < out.columns; ++j) out(i, j) = widen(view(i, j));
  return out;
}

template <class T, class U>
void check_paired_samples(const matrix_view<T>& x, const matrix_view<U>& y, std::string_view function) {
  if (x.extent(0) != y.extent(0)) {
    raise(function, "y",
          "has " + std::to_string(y.extent(0)) + " samples (rows) but x has " + std::to_string(x.extent(0)));
  }
}

}  // namespace infoscale::detail

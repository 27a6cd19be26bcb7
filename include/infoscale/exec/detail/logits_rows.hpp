#pragma once
// Validation and the row statistic shared by every function over logits (thermo/ and info/): the
// softmax-moments monoid of core/ run through reduce_rows on any policy. It sits beside
// reduce_rows, below both modules that call it.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/logits_precision.hpp"
#include "infoscale/core/softmax_moments.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/reduce_rows.hpp"

namespace infoscale::detail {

/// The fast mode's block, in bytes (see softmax_moments_statistic::block_size).
inline constexpr std::size_t fast_block_bytes = 16384;

/// Reads rows of logits and reduces each to its softmax moments at inverse temperature beta.
template <class T>
struct softmax_moments_statistic {
  using state = softmax_moments;
  using result_type = softmax_moments;
  const T* data;
  std::ptrdiff_t row_stride;
  std::ptrdiff_t column_stride;
  double beta;
  bool fast = false;  ///< logits_precision::fast

  INFOSCALE_HOST_DEVICE static constexpr state identity() { return state::identity(); }
  INFOSCALE_HOST_DEVICE static state combine(const state& a, const state& b) { return state::combine(a, b); }
  /// The fast kernel's blocks are 16 KB (4096 fp32 logits), still in L1 between its two passes:
  /// it is cheap enough per element that each block's merge (a double exp and a division) would
  /// otherwise cost a fifth of its time. The exact kernel keeps block_elements.
  INFOSCALE_HOST_DEVICE std::size_t block_size() const {
    return fast ? fast_block_bytes / sizeof(T) : block_elements;
  }
  INFOSCALE_HOST_DEVICE state reduce_block(std::size_t row, std::size_t begin, std::size_t end) const {
    const T* first = data + static_cast<std::ptrdiff_t>(row) * row_stride +
                     static_cast<std::ptrdiff_t>(begin) * column_stride;
    return fast ? block_softmax_moments<true>(first, column_stride, end - begin, beta)
                : block_softmax_moments<false>(first, column_stride, end - begin, beta);
  }
  INFOSCALE_HOST_DEVICE result_type finalize(std::size_t, const state& s) const { return s; }
};

template <class T>
void check_logits_shape(const matrix_view<T>& logits, std::string_view function, std::string_view name) {
  check_not_empty(logits, function, name);
}

/// Raises for the first row whose moments are invalid, naming the offending element when the data
/// is host memory.
template <bool HostMemory, class T>
void check_moments(std::span<const softmax_moments> moments, const matrix_view<T>& logits,
                   std::string_view function, std::string_view name) {
  for (std::size_t row = 0; row < moments.size(); ++row) {
    if (moments[row].valid()) continue;
    if constexpr (HostMemory) check_finite(logits[row], function, name);
    raise(function, name, "has a NaN or infinite value in row " + std::to_string(row));
  }
}

/// Softmax moments of every row of `logits` at temperature T, validated.
template <ExecutionPolicy P, class T>
std::vector<softmax_moments> logits_moments(P policy, const matrix_view<T>& logits, double temperature,
                                            std::string_view function, std::string_view name = "logits",
                                            logits_precision precision = logits_precision::exact) {
  check_logits_shape(logits, function, name);
  check_positive(temperature, function, "temperature");
  using element = std::remove_cv_t<T>;
  const softmax_moments_statistic<element> statistic{logits.data(), logits.stride(0), logits.stride(1),
                                                     1.0 / temperature, precision == logits_precision::fast};
  std::vector<softmax_moments> moments(logits.extent(0));
  reduce_rows(policy, statistic, logits.extent(0), logits.extent(1), std::span<softmax_moments>(moments));
  check_moments<!reads_device_memory<P>>(std::span<const softmax_moments>(moments), logits, function, name);
  return moments;
}

}  // namespace infoscale::detail

#pragma once
// A row statistic over two same-shaped matrices: reduce f(row, a_ij, b_ij) over j by a sum
// (compensated across blocks) or a maximum, then finalize per row. Every divergence of info/ is
// one small term functor plugged in here.

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/reduce_rows.hpp"

namespace infoscale::detail {

enum class row_reduction { sum, max };

template <class T, class U, class Term, row_reduction Reduction = row_reduction::sum>
struct pairwise_statistic {
  using state = compensated_sum;  // for max, the running maximum is its value
  using result_type = double;
  const T* a;
  std::ptrdiff_t a_row_stride;
  std::ptrdiff_t a_column_stride;
  const U* b;
  std::ptrdiff_t b_row_stride;
  std::ptrdiff_t b_column_stride;
  Term term;

  INFOSCALE_HOST_DEVICE static constexpr state identity() {
    return Reduction == row_reduction::sum ? state{} : state{-std::numeric_limits<double>::infinity()};
  }
  INFOSCALE_HOST_DEVICE static state combine(const state& x, const state& y) {
    if constexpr (Reduction == row_reduction::sum) {
      state merged = x;
      merged += y;
      return merged;
    } else {
      const double u = x.value();
      const double v = y.value();
      if (u != u) return x;  // NaN propagates
      if (v != v) return y;
      return u >= v ? x : y;
    }
  }
  INFOSCALE_HOST_DEVICE state reduce_block(std::size_t row, std::size_t begin, std::size_t end) const {
    const T* pa = a + static_cast<std::ptrdiff_t>(row) * a_row_stride;
    const U* pb = b + static_cast<std::ptrdiff_t>(row) * b_row_stride;
    if constexpr (Reduction == row_reduction::sum) {
      constexpr std::size_t lanes = 4;
      double lane[lanes] = {};
      std::size_t j = begin;
      for (; j + lanes <= end; j += lanes) {
        for (std::size_t l = 0; l < lanes; ++l) {
          const auto k = static_cast<std::ptrdiff_t>(j + l);
          lane[l] += term(row, widen(pa[k * a_column_stride]), widen(pb[k * b_column_stride]));
        }
      }
      for (; j < end; ++j) {
        const auto k = static_cast<std::ptrdiff_t>(j);
        lane[0] += term(row, widen(pa[k * a_column_stride]), widen(pb[k * b_column_stride]));
      }
      state s;
      for (std::size_t l = 0; l < lanes; ++l) s += lane[l];
      return s;
    } else {
      state s = identity();
      for (std::size_t j = begin; j < end; ++j) {
        const auto k = static_cast<std::ptrdiff_t>(j);
        s = combine(s, state{term(row, widen(pa[k * a_column_stride]), widen(pb[k * b_column_stride]))});
      }
      return s;
    }
  }
  INFOSCALE_HOST_DEVICE result_type finalize(std::size_t row, const state& s) const {
    return term.finalize(row, s.value());
  }
};

/// Runs a pairwise statistic over the rows of a and b (shapes already checked).
template <row_reduction Reduction = row_reduction::sum, ExecutionPolicy P, class T, class U, class Term>
std::vector<double> reduce_pairwise(P policy, const matrix_view<T>& a, const matrix_view<U>& b,
                                    const Term& term) {
  using ta = std::remove_cv_t<T>;
  using tb = std::remove_cv_t<U>;
  const pairwise_statistic<ta, tb, Term, Reduction> statistic{a.data(),    a.stride(0), a.stride(1), b.data(),
                                                              b.stride(0), b.stride(1), term};
  std::vector<double> out(a.extent(0));
  reduce_rows(policy, statistic, a.extent(0), a.extent(1), std::span<double>(out));
  return out;
}

/// Per-row constants a term needs (log-partition functions), in the memory the policy reads.
template <class P>
class row_constants {
 public:
  explicit row_constants(std::vector<double> values) : host_(std::move(values)) {
#if INFOSCALE_HAS_CUDA
    if constexpr (reads_device_memory<P>) device_.assign(host_.begin(), host_.end());
#endif
  }
  [[nodiscard]] const double* data() const {
#if INFOSCALE_HAS_CUDA
    if constexpr (reads_device_memory<P>) return thrust::raw_pointer_cast(device_.data());
#endif
    return host_.data();
  }

 private:
  std::vector<double> host_;
#if INFOSCALE_HAS_CUDA
  thrust::device_vector<double> device_;
#endif
};

}  // namespace infoscale::detail

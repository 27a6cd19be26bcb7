#pragma once
// The one dispatch point. A row statistic maps a block of a row to a mergeable state, merges
// states with an associative `combine`, and turns a row's state into a result. Every policy runs
// those same three functions: seq and par fold a row's blocks left to right (par spreads the
// blocks of a row over threads when there are fewer rows than threads), Thrust reduces them
// by key (in another association order, hence agreement within rounding, not bit for bit).
// Statistics meant for a GPU never throw, but a host statistic may: on par and thrust_host an
// exception never escapes a parallel region (std::terminate); the lowest row's is rethrown after
// the loop, as for_each_index does.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "infoscale/core/config.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"

#if INFOSCALE_HAS_OPENMP
#include <omp.h>
#endif

#if INFOSCALE_HAS_THRUST
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/system/cpp/execution_policy.h>
#include <thrust/transform.h>
#if INFOSCALE_HAS_OPENMP
#include <thrust/system/omp/execution_policy.h>
#endif
#endif

namespace infoscale {

/// Elements per block: small enough that a block stays in L1 between its passes.
inline constexpr std::size_t block_elements = 512;

/// A statistic may choose its own block size with a member `block_size()` (a cheaper kernel
/// amortises its per-block cost over more elements); block_elements otherwise. Fixed per call, so
/// the blocks, and with them every result, stay the same on any policy and thread count.
template <class S>
INFOSCALE_HOST_DEVICE std::size_t block_size_of(const S& statistic) {
  if constexpr (requires { statistic.block_size(); }) {
    return statistic.block_size();
  } else {
    return block_elements;
  }
}

template <class S>
concept RowStatistic = requires(const S& s, const typename S::state& a, std::size_t i) {
  typename S::result_type;
  { S::identity() } -> std::same_as<typename S::state>;
  { S::combine(a, a) } -> std::same_as<typename S::state>;
  { s.reduce_block(i, i, i) } -> std::same_as<typename S::state>;
  { s.finalize(i, a) } -> std::convertible_to<typename S::result_type>;
};

namespace detail {

template <RowStatistic S>
typename S::state fold_row(const S& statistic, std::size_t row, std::size_t columns) {
  auto state = S::identity();
  const std::size_t size = block_size_of(statistic);
  for (std::size_t begin = 0; begin < columns; begin += size) {
    const std::size_t end = std::min(columns, begin + size);
    state = S::combine(state, statistic.reduce_block(row, begin, end));
  }
  return state;
}

#if INFOSCALE_HAS_OPENMP
/// Fewer rows than threads: the threads share every row's blocks, then each row folds its block
/// states left to right, the order seq uses, so the result is seq's bit for bit.
template <RowStatistic S>
void par_reduce_long_rows(const S& statistic, std::size_t rows, std::size_t columns,
                          std::span<typename S::result_type> out) {
  const std::size_t size = block_size_of(statistic);
  const std::size_t blocks_per_row = (columns + size - 1) / size;
  std::vector<typename S::state> states(rows * blocks_per_row);
  for_each_index(par, states.size(), [&](std::size_t block) {
    const std::size_t row = block / blocks_per_row;
    const std::size_t begin = (block % blocks_per_row) * size;
    states[block] = statistic.reduce_block(row, begin, std::min(columns, begin + size));
  });
  for (std::size_t row = 0; row < rows; ++row) {
    auto state = S::identity();
    for (std::size_t b = 0; b < blocks_per_row; ++b)
      state = S::combine(state, states[row * blocks_per_row + b]);
    out[row] = statistic.finalize(row, state);
  }
}
#endif

#if INFOSCALE_HAS_THRUST
/// A host statistic whose exceptions are recorded (by row) instead of escaping Thrust's loops.
template <RowStatistic S>
struct guarded_statistic {
  using state = typename S::state;
  using result_type = typename S::result_type;
  S statistic;
  first_exception* errors;
  static state identity() { return S::identity(); }
  static state combine(const state& a, const state& b) { return S::combine(a, b); }
  std::size_t block_size() const { return block_size_of(statistic); }
  state reduce_block(std::size_t row, std::size_t begin, std::size_t end) const {
    try {
      return statistic.reduce_block(row, begin, end);
    } catch (...) {
      errors->record(row, std::current_exception());
      return S::identity();
    }
  }
  result_type finalize(std::size_t row, const state& s) const {
    try {
      return statistic.finalize(row, s);
    } catch (...) {
      errors->record(row, std::current_exception());
      return result_type{};
    }
  }
};

template <class S>
struct block_of_row {
  S statistic;
  std::size_t columns;
  std::size_t blocks_per_row;
  std::size_t size;
  INFOSCALE_HOST_DEVICE typename S::state operator()(std::size_t block) const {
    const std::size_t row = block / blocks_per_row;
    const std::size_t begin = (block % blocks_per_row) * size;
    const std::size_t end = begin + size < columns ? begin + size : columns;
    return statistic.reduce_block(row, begin, end);
  }
};

struct row_of_block {
  std::size_t blocks_per_row;
  INFOSCALE_HOST_DEVICE std::size_t operator()(std::size_t block) const { return block / blocks_per_row; }
};

template <class S>
struct combine_states {
  INFOSCALE_HOST_DEVICE typename S::state operator()(const typename S::state& a,
                                                     const typename S::state& b) const {
    return S::combine(a, b);
  }
};

template <class S>
struct finalize_row {
  S statistic;
  INFOSCALE_HOST_DEVICE typename S::result_type operator()(std::size_t row,
                                                           const typename S::state& state) const {
    return statistic.finalize(row, state);
  }
};

template <class ThrustPolicy, class Vector, RowStatistic S>
void thrust_reduce_rows(ThrustPolicy exec, const S& statistic, std::size_t rows, std::size_t columns,
                        std::span<typename S::result_type> out) {
  const std::size_t size = block_size_of(statistic);
  const std::size_t blocks_per_row = (columns + size - 1) / size;
  const thrust::counting_iterator<std::size_t> first(0);
  const auto keys = thrust::make_transform_iterator(first, row_of_block{blocks_per_row});
  const auto values =
      thrust::make_transform_iterator(first, block_of_row<S>{statistic, columns, blocks_per_row, size});
  using state = typename S::state;
  using result = typename S::result_type;
  Vector states(rows);
  thrust::reduce_by_key(exec, keys, keys + rows * blocks_per_row, values, thrust::make_discard_iterator(),
                        states.begin(), thrust::equal_to<std::size_t>(), combine_states<S>());
  if constexpr (std::is_same_v<Vector, std::vector<state>>) {
    thrust::transform(exec, first, first + rows, states.begin(), out.begin(), finalize_row<S>{statistic});
  } else {
    thrust::device_vector<result> results(rows);
    thrust::transform(exec, first, first + rows, states.begin(), results.begin(), finalize_row<S>{statistic});
    thrust::copy(results.begin(), results.end(), out.begin());
  }
}
#endif

}  // namespace detail

/// Reduces each of `rows` rows of `columns` elements to one result, written to `out[row]`.
template <ExecutionPolicy P, RowStatistic S>
void reduce_rows(P, const S& statistic, std::size_t rows, std::size_t columns,
                 std::span<typename S::result_type> out) {
  static_assert(is_available<P>,
                "this execution policy was not compiled in: thrust_host needs infoscale::thrust (CCCL on "
                "the include path), cuda needs nvcc");
  if (rows == 0) return;
  if constexpr (std::same_as<P, seq_t>) {
    for (std::size_t row = 0; row < rows; ++row) {
      out[row] = statistic.finalize(row, detail::fold_row(statistic, row, columns));
    }
  } else if constexpr (std::same_as<P, par_t>) {
#if INFOSCALE_HAS_OPENMP
    if (rows < static_cast<std::size_t>(omp_get_max_threads()) && columns > block_size_of(statistic)) {
      detail::par_reduce_long_rows(statistic, rows, columns, out);
      return;
    }
#endif
    for_each_index(par, rows, [&](std::size_t r) {
      out[r] = statistic.finalize(r, detail::fold_row(statistic, r, columns));
    });
  }
#if INFOSCALE_HAS_THRUST
  else if constexpr (std::same_as<P, thrust_host_t>) {
    using state = typename S::state;
    detail::first_exception errors;
    const detail::guarded_statistic<S> guarded{statistic, &errors};
#if INFOSCALE_HAS_OPENMP
    detail::thrust_reduce_rows<decltype(thrust::omp::par), std::vector<state>>(thrust::omp::par, guarded,
                                                                               rows, columns, out);
#else
    detail::thrust_reduce_rows<decltype(thrust::cpp::par), std::vector<state>>(thrust::cpp::par, guarded,
                                                                               rows, columns, out);
#endif
    errors.rethrow_if_any();
  }
#endif
#if INFOSCALE_HAS_CUDA
  else if constexpr (std::same_as<P, cuda_t>) {
    detail::thrust_reduce_rows<decltype(thrust::cuda::par), thrust::device_vector<typename S::state>>(
        thrust::cuda::par, statistic, rows, columns, out);
  }
#endif
}

}  // namespace infoscale

#pragma once
// The one loop over an index range for every policy: body(i) for i in [0, count). Bodies write
// their own slot, so results never depend on the thread count. On the host an exception thrown by
// a body never escapes a parallel region (that would call std::terminate): the loop finishes, and
// the exception of the lowest failing index is rethrown on the caller's thread, the one seq would
// have thrown first, so every thread count reports the same error.

#include <concepts>
#include <cstddef>
#include <exception>
#include <limits>
#include <mutex>

#include "infoscale/core/config.hpp"
#include "infoscale/exec/policy.hpp"

#if INFOSCALE_HAS_THRUST
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system/cpp/execution_policy.h>
#if INFOSCALE_HAS_OPENMP
#include <thrust/system/omp/execution_policy.h>
#endif
#endif
#if INFOSCALE_HAS_CUDA
#include <thrust/system/cuda/execution_policy.h>
#endif

namespace infoscale {

namespace detail {

/// The first (lowest-index) exception of a parallel loop, kept until the loop is over.
class first_exception {
 public:
  void record(std::size_t index, std::exception_ptr e) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (index < index_) {
      index_ = index;
      error_ = std::move(e);
    }
  }
  void rethrow_if_any() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::size_t index_ = std::numeric_limits<std::size_t>::max();
  std::exception_ptr error_;
};

template <class Body>
struct guarded_body {
  Body body;
  first_exception* errors;
  void operator()(std::size_t i) const {
    try {
      body(i);
    } catch (...) {
      errors->record(i, std::current_exception());
    }
  }
};

}  // namespace detail

/// body(i) for every i in [0, count) under `policy`. seq runs in order; par on OpenMP threads
/// (static schedule, or dynamic chunks of `chunk` when the bodies' costs vary); thrust_host
/// through Thrust's OMP (or CPP) system. cuda needs a device-callable, trivially copyable body and
/// is available only in code compiled by nvcc; device code cannot throw.
template <ExecutionPolicy P, std::invocable<std::size_t> Body>
void for_each_index(P, std::size_t count, const Body& body, std::size_t chunk = 0) {
  static_assert(is_available<P>, "this execution policy was not compiled in");
  if constexpr (std::same_as<P, seq_t>) {
    for (std::size_t i = 0; i < count; ++i) body(i);
  } else if constexpr (std::same_as<P, par_t>) {
    detail::first_exception errors;
    const detail::guarded_body<const Body&> guarded{body, &errors};
    const auto n = static_cast<std::ptrdiff_t>(count);
    if (chunk == 0) {
#if INFOSCALE_HAS_OPENMP
#pragma omp parallel for schedule(static)
#endif
      for (std::ptrdiff_t i = 0; i < n; ++i) guarded(static_cast<std::size_t>(i));
    } else {
      [[maybe_unused]] const int c = static_cast<int>(chunk);
#if INFOSCALE_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, c)
#endif
      for (std::ptrdiff_t i = 0; i < n; ++i) guarded(static_cast<std::size_t>(i));
    }
    errors.rethrow_if_any();
  }
#if INFOSCALE_HAS_THRUST
  else if constexpr (std::same_as<P, thrust_host_t>) {
    detail::first_exception errors;
    const detail::guarded_body<Body> guarded{body, &errors};
    const thrust::counting_iterator<std::size_t> first(0);
#if INFOSCALE_HAS_OPENMP
    thrust::for_each(thrust::omp::par, first, first + count, guarded);
#else
    thrust::for_each(thrust::cpp::par, first, first + count, guarded);
#endif
    errors.rethrow_if_any();
  }
#endif
#if INFOSCALE_HAS_CUDA
  else if constexpr (std::same_as<P, cuda_t>) {
    const thrust::counting_iterator<std::size_t> first(0);
    thrust::for_each(thrust::cuda::par, first, first + count, body);
  }
#endif
  (void)chunk;
}

}  // namespace infoscale

#pragma once
// Execution policies: empty tags chosen by the caller as the first argument of an algorithm, as in
// Thrust and Boost.Math. The same statistic functor runs under every policy.

#include <concepts>
#include <type_traits>

#include "infoscale/core/config.hpp"

namespace infoscale {

/// One thread, in order. The reference every other policy is tested against.
struct seq_t {};
/// OpenMP threads over rows (falls back to one thread in a build without OpenMP).
struct par_t {};
/// Thrust on the host: its OpenMP system when built with OpenMP, else its serial CPP system.
struct thrust_host_t {};
/// Thrust's CUDA system; data must live in device memory. Only in code compiled by nvcc.
struct cuda_t {};

inline constexpr seq_t seq{};
inline constexpr par_t par{};
inline constexpr thrust_host_t thrust_host{};
inline constexpr cuda_t cuda{};

template <class P>
concept ExecutionPolicy =
    std::same_as<std::remove_cvref_t<P>, seq_t> || std::same_as<std::remove_cvref_t<P>, par_t> ||
    std::same_as<std::remove_cvref_t<P>, thrust_host_t> || std::same_as<std::remove_cvref_t<P>, cuda_t>;

/// Whether a policy's back end was compiled into this translation unit.
template <class P>
inline constexpr bool is_available = std::same_as<P, seq_t> || std::same_as<P, par_t> ||
                                     (std::same_as<P, thrust_host_t> && INFOSCALE_HAS_THRUST) ||
                                     (std::same_as<P, cuda_t> && INFOSCALE_HAS_CUDA);

/// Whether a policy reads device (GPU) memory rather than host memory.
template <class P>
inline constexpr bool reads_device_memory = std::same_as<std::remove_cvref_t<P>, cuda_t>;

}  // namespace infoscale

#pragma once
// Argument checks shared by every host entry point. Each names the function and the argument, and
// runs before any work, so kernels never see invalid data.

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"

namespace infoscale {
namespace detail {

template <class T, class Visit>
void for_each_element(const tensor_view<T, 1>& view, Visit&& visit) {
  for (std::size_t i = 0; i < view.extent(0); ++i) visit(widen(view(i)), i);
}

template <class T, std::size_t Rank, class Visit>
requires(Rank > 1) void for_each_element(const tensor_view<T, Rank>& view, Visit&& visit) {
  const std::size_t inner = view.size() / (view.extent(0) > 0 ? view.extent(0) : 1);
  for (std::size_t i = 0; i < view.extent(0); ++i) {
    for_each_element(view[i], [&](double value, std::size_t j) { visit(value, i * inner + j); });
  }
}

inline std::string at_index(std::size_t flat_index) {
  return " at flat index " + std::to_string(flat_index);
}

}  // namespace detail

/// Every element is finite (no NaN, no +-Inf).
template <class T, std::size_t Rank>
void check_finite(const tensor_view<T, Rank>& view, std::string_view function, std::string_view name) {
  detail::for_each_element(view, [&](double value, std::size_t index) {
    if (!std::isfinite(value)) {
      detail::raise(
          function, name,
          std::string(std::isnan(value) ? "contains NaN" : "contains an infinity") + detail::at_index(index));
    }
  });
}

/// A view has at least one element along every axis.
template <class T, std::size_t Rank>
void check_not_empty(const tensor_view<T, Rank>& view, std::string_view function, std::string_view name) {
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    if (view.extent(axis) == 0) {
      detail::raise(function, name, "is empty (axis " + std::to_string(axis) + " has length 0)");
    }
  }
}

/// Two views have the same shape.
template <class T, class U, std::size_t Rank>
void check_same_shape(const tensor_view<T, Rank>& a, const tensor_view<U, Rank>& b, std::string_view function,
                      std::string_view name_b) {
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    if (a.extent(axis) != b.extent(axis)) {
      detail::raise(function, name_b,
                    "has length " + std::to_string(b.extent(axis)) + " on axis " + std::to_string(axis) +
                        " but the first argument has " + std::to_string(a.extent(axis)));
    }
  }
}

/// A finite scalar strictly above zero (temperatures, bandwidths, scales).
inline void check_positive(double value, std::string_view function, std::string_view name) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    detail::raise(function, name, "must be finite and > 0, got " + std::to_string(value));
  }
}

/// A finite scalar.
inline void check_finite(double value, std::string_view function, std::string_view name) {
  if (!std::isfinite(value)) detail::raise(function, name, "must be finite, got " + std::to_string(value));
}

/// A finite scalar >= 0 (tolerances, penalties). NaN fails every comparison, so each check is
/// written to fail on NaN rather than pass.
inline void check_non_negative(double value, std::string_view function, std::string_view name) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    detail::raise(function, name, "must be finite and >= 0, got " + detail::format_number(value));
  }
}

/// Default tolerance on |sum(p) - 1| for probability rows stored as T.
template <class T>
inline constexpr double normalisation_tolerance = std::is_same_v<std::remove_cv_t<T>, double> ? 1e-9 : 1e-4;

/// Each row (last axis) is a probability vector: finite, non-negative, summing to 1 within
/// `tolerance` (computed with a compensated sum).
template <class T>
void check_probability_rows(const matrix_view<T>& p, std::string_view function, std::string_view name,
                            double tolerance = normalisation_tolerance<T>) {
  check_non_negative(tolerance, function, "tolerance");  // a NaN tolerance would accept any row
  check_not_empty(p, function, name);
  for (std::size_t row = 0; row < p.extent(0); ++row) {
    compensated_sum total;
    for (std::size_t j = 0; j < p.extent(1); ++j) {
      const double value = detail::widen(p(row, j));
      if (!std::isfinite(value) || value < 0.0) {
        detail::raise(function, name,
                      "has an invalid probability " + std::to_string(value) + " at row " +
                          std::to_string(row) + ", column " + std::to_string(j));
      }
      total += value;
    }
    if (std::abs(total.value() - 1.0) > tolerance) {
      detail::raise(function, name,
                    "row " + std::to_string(row) + " sums to " + std::to_string(total.value()) +
                        ", not 1 (tolerance " + detail::format_number(tolerance) + ")");
    }
  }
}

}  // namespace infoscale

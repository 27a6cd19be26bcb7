#pragma once
// Bridges between infoscale views and xtensor: borrow an xtensor container's memory as a view, or
// look at a view through an xtensor adaptor (for xtensor's algorithms), both without copying.

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <xtensor/xadapt.hpp>
#include <xtensor/xlayout.hpp>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"

namespace infoscale {

/// A view of an xtensor container or strided view with data() and strides() (xt::xtensor,
/// xt::xarray, xt::pytensor...), validated. The rank is a template argument for xt::xarray.
template <std::size_t Rank, class Expression>
requires requires(Expression& e) {
  e.data();
  e.strides();
  e.shape();
}
auto make_view(Expression& expression, std::string_view name = "tensor") {
  using element = std::remove_reference_t<decltype(*expression.data())>;
  if (expression.shape().size() != Rank) {
    detail::raise(
        "make_view", name,
        "has rank " + std::to_string(expression.shape().size()) + ", expected " + std::to_string(Rank));
  }
  std::array<std::size_t, Rank> shape{};
  std::array<std::ptrdiff_t, Rank> strides{};
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    shape[axis] = static_cast<std::size_t>(expression.shape()[axis]);
    // xtensor reports stride 0 for axes of length 1; any value is correct there.
    strides[axis] = static_cast<std::ptrdiff_t>(expression.strides()[axis]);
  }
  return make_view(expression.data(), shape, strides, name, expression.size());
}

/// An xtensor adaptor over a view's memory (float or double; non-negative strides).
template <class T, std::size_t Rank>
requires std::is_floating_point_v<std::remove_cv_t<T>>
auto to_xtensor(const tensor_view<T, Rank>& view) {
  std::array<std::size_t, Rank> shape = view.shape();
  std::array<std::size_t, Rank> strides{};
  std::size_t span = 1;
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    if (view.stride(axis) < 0)
      detail::raise("to_xtensor", "view", "has a negative stride, which xtensor cannot adapt");
    strides[axis] = static_cast<std::size_t>(view.stride(axis));
    if (shape[axis] > 0) span += (shape[axis] - 1) * strides[axis];
  }
  if (view.empty()) span = 0;
  return xt::adapt(view.data(), span, xt::no_ownership(), shape, strides);
}

}  // namespace infoscale

#pragma once
// Borrow an Eigen matrix, map or block (either storage order, any inner/outer stride) as a view.

#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <string_view>

#include "infoscale/core/tensor_view.hpp"

namespace infoscale {

/// A rows x cols view of a dense Eigen object; column-major storage becomes strides, not a copy.
template <class Derived>
auto make_view(const Eigen::PlainObjectBase<Derived>& matrix, std::string_view name = "matrix") {
  using scalar = typename Derived::Scalar;
  const std::array<std::size_t, 2> shape{static_cast<std::size_t>(matrix.rows()),
                                         static_cast<std::size_t>(matrix.cols())};
  const std::array<std::ptrdiff_t, 2> strides{static_cast<std::ptrdiff_t>(matrix.rowStride()),
                                              static_cast<std::ptrdiff_t>(matrix.colStride())};
  return make_view(static_cast<const scalar*>(matrix.data()), shape, strides, name,
                   static_cast<std::size_t>(matrix.size()));
}

/// The same for Eigen::Map and Eigen::Ref (and blocks through Ref), whose strides may be padded.
template <class Derived>
requires requires(const Derived& m) {
  m.data();
  m.outerStride();
  m.innerStride();
}
auto make_view(const Eigen::MapBase<Derived, Eigen::ReadOnlyAccessors>& matrix,
               std::string_view name = "matrix") {
  using scalar = typename Derived::Scalar;
  const std::array<std::size_t, 2> shape{static_cast<std::size_t>(matrix.rows()),
                                         static_cast<std::size_t>(matrix.cols())};
  const std::array<std::ptrdiff_t, 2> strides{static_cast<std::ptrdiff_t>(matrix.rowStride()),
                                              static_cast<std::ptrdiff_t>(matrix.colStride())};
  return make_view(static_cast<const scalar*>(matrix.data()), shape, strides, name);
}

}  // namespace infoscale

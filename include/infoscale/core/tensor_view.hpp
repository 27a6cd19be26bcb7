#pragma once
// Non-owning, validated views over foreign memory (a PyTorch tensor, a llama.cpp buffer, a mapped
// .npy file): a pointer, a shape and strides counted in elements, rank 1 to 3. Nothing is copied;
// construction checks the shape and the strides, and, when the caller knows the size of the
// buffer, that every element the view can reach lies inside it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "infoscale/core/config.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"

namespace infoscale {

/// Element type tag, for dispatch over data whose type is only known at run time (files, DLPack).
enum class dtype { float16, bfloat16, float32, float64 };

template <class T>
inline constexpr dtype dtype_of = std::is_same_v<std::remove_cv_t<T>, float>     ? dtype::float32
                                  : std::is_same_v<std::remove_cv_t<T>, double>  ? dtype::float64
                                  : std::is_same_v<std::remove_cv_t<T>, float16> ? dtype::float16
                                                                                 : dtype::bfloat16;

/// A strided, non-owning view. T may be const-qualified for read-only data. The accessors are
/// usable in device code; validation happens once, in make_view, on the host.
template <class T, std::size_t Rank>
requires StorageFloat<T> &&(Rank >= 1 && Rank <= 3) class tensor_view {
 public:
  using element_type = T;
  using shape_type = std::array<std::size_t, Rank>;
  using strides_type = std::array<std::ptrdiff_t, Rank>;
  static constexpr std::size_t rank = Rank;

  constexpr tensor_view() = default;

  /// Unchecked: prefer make_view, which validates.
  INFOSCALE_HOST_DEVICE constexpr tensor_view(T* data, shape_type shape, strides_type strides)
      : data_(data), shape_(shape), strides_(strides) {}

  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr T* data() const { return data_; }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr const shape_type& shape() const { return shape_; }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr const strides_type& strides() const { return strides_; }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr std::size_t extent(std::size_t axis) const {
    return shape_[axis];
  }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr std::ptrdiff_t stride(std::size_t axis) const {
    return strides_[axis];
  }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t axis = 0; axis < Rank; ++axis) n *= shape_[axis];
    return n;
  }
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr bool empty() const { return size() == 0; }

  template <class... Index>
  requires(sizeof...(Index) == Rank) [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr T& operator()(
      Index... index) const {
    const std::array<std::ptrdiff_t, Rank> i{static_cast<std::ptrdiff_t>(index)...};
    std::ptrdiff_t offset = 0;
    for (std::size_t axis = 0; axis < Rank; ++axis) offset += i[axis] * strides_[axis];
    return data_[offset];
  }

  /// The sub-view with the first index fixed (a row of a matrix, a layer of a stack).
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr auto operator[](std::size_t index) const requires(Rank > 1) {
    std::array<std::size_t, Rank - 1> shape{};
    std::array<std::ptrdiff_t, Rank - 1> strides{};
    for (std::size_t axis = 1; axis < Rank; ++axis) {
      shape[axis - 1] = shape_[axis];
      strides[axis - 1] = strides_[axis];
    }
    return tensor_view<T, Rank - 1>(data_ + static_cast<std::ptrdiff_t>(index) * strides_[0], shape, strides);
  }

  /// True when the last axis is contiguous, the layout the fast kernels want.
  [[nodiscard]] INFOSCALE_HOST_DEVICE constexpr bool inner_contiguous() const {
    return strides_[Rank - 1] == 1 || shape_[Rank - 1] <= 1;
  }

  /// A read-only view of the same memory.
  [[nodiscard]] constexpr tensor_view<const T, Rank> as_const() const { return {data_, shape_, strides_}; }
  constexpr operator tensor_view<const T, Rank>() const requires(!std::is_const_v<T>) { return as_const(); }

 private:
  T* data_ = nullptr;
  shape_type shape_{};
  strides_type strides_{};
};

template <class T>
using vector_view = tensor_view<T, 1>;
template <class T>
using matrix_view = tensor_view<T, 2>;

/// Row-major (C order) strides, in elements, of a shape.
template <std::size_t Rank>
constexpr std::array<std::ptrdiff_t, Rank> row_major_strides(const std::array<std::size_t, Rank>& shape) {
  std::array<std::ptrdiff_t, Rank> strides{};
  std::ptrdiff_t stride = 1;
  for (std::size_t axis = Rank; axis-- > 0;) {
    strides[axis] = stride;
    stride *= static_cast<std::ptrdiff_t>(shape[axis] > 0 ? shape[axis] : 1);
  }
  return strides;
}

/// Says that the caller does not know the size of the buffer behind a view.
inline constexpr std::size_t unknown_extent = std::numeric_limits<std::size_t>::max();

namespace detail {

/// The number of elements of a shape, raising when it does not fit the address range.
template <std::size_t Rank>
std::size_t checked_element_count(const std::array<std::size_t, Rank>& shape, std::string_view name) {
  constexpr auto limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max() / 2);
  std::size_t count = 1;
  for (const std::size_t n : shape) {
    if (n != 0 && count > limit / n) raise("make_view", name, "has a shape whose element count overflows");
    count *= n;
  }
  for (const std::size_t n : shape) {
    if (n == 0) return 0;
  }
  return count;
}

}  // namespace detail

/// Validates and builds a view. `buffer_elements`, when known, is the number of elements from
/// `data` to the end of the buffer; negative strides then require `data` to point at the element
/// of index 0 inside the buffer with room before it, which the caller states with
/// `elements_before`.
template <class T, std::size_t Rank>
tensor_view<T, Rank> make_view(T* data, const std::array<std::size_t, Rank>& shape,
                               const std::array<std::ptrdiff_t, Rank>& strides,
                               std::string_view name = "tensor", std::size_t buffer_elements = unknown_extent,
                               std::size_t elements_before = 0) {
  constexpr std::string_view function = "make_view";
  constexpr auto max_offset = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max() / 2);
  std::size_t count = 1;
  std::ptrdiff_t lowest = 0;
  std::ptrdiff_t highest = 0;
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    const std::size_t n = shape[axis];
    if (n != 0 && count > max_offset / n) {
      detail::raise(function, name, "has a shape whose element count overflows");
    }
    count *= n;
    if (n == 0) continue;
    const std::ptrdiff_t stride = strides[axis];
    const std::size_t magnitude =
        stride < 0 ? static_cast<std::size_t>(-stride) : static_cast<std::size_t>(stride);
    if (magnitude != 0 && (n - 1) > max_offset / magnitude) {
      detail::raise(function, name, "has strides that overflow the address range");
    }
    const auto reach = static_cast<std::ptrdiff_t>((n - 1) * magnitude);
    (stride < 0 ? lowest : highest) += stride < 0 ? -reach : reach;
  }
  if (count == 0) return tensor_view<T, Rank>(data, shape, strides);
  if (data == nullptr) detail::raise(function, name, "has a null data pointer but a non-empty shape");
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(T) != 0) {
    detail::raise(function, name, "is not aligned for its element type");
  }
  if (buffer_elements != unknown_extent) {
    if (static_cast<std::size_t>(-lowest) > elements_before) {
      detail::raise(function, name, "has negative strides that reach before the start of its buffer");
    }
    if (static_cast<std::size_t>(highest) >= buffer_elements) {
      detail::raise(function, name,
                    "has shape and strides that reach past the end of its buffer (needs " +
                        std::to_string(highest + 1) + " elements, has " + std::to_string(buffer_elements) +
                        ")");
    }
  }
  return tensor_view<T, Rank>(data, shape, strides);
}

/// A row-major view of a contiguous buffer of exactly shape's element count.
template <class T, std::size_t Rank>
tensor_view<T, Rank> make_view(T* data, const std::array<std::size_t, Rank>& shape,
                               std::string_view name = "tensor") {
  detail::checked_element_count(shape, name);  // before the strides, which would overflow too
  return make_view(data, shape, row_major_strides(shape), name);
}

/// A view over a contiguous container holding shape's element count (std::vector, xt::xtensor).
template <std::size_t Rank, class Container>
requires requires(Container& c) {
  c.data();
  c.size();
}
auto make_view(Container& container, const std::array<std::size_t, Rank>& shape,
               std::string_view name = "tensor") {
  const std::size_t count = detail::checked_element_count(shape, name);
  if (count != container.size()) {
    detail::raise(
        "make_view", name,
        "has " + std::to_string(container.size()) + " elements but the shape needs " + std::to_string(count));
  }
  return make_view(container.data(), shape, row_major_strides(shape), name, container.size());
}

}  // namespace infoscale

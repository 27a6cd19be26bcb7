#pragma once
// An array read from a file: element type, shape and strides, and its bytes, which stay in the
// memory mapping (or the caller's buffer) with a handle that keeps them alive. Typed access goes
// through tensor_view, so the same validation as for any foreign memory applies.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/io/dtype.hpp"

namespace infoscale::io {

/// One stored array. Copies share the bytes.
struct array {
  std::string name;  ///< the file (npy) or "file:tensor" (safetensors), used in messages
  element_type type = element_type::float32;
  std::vector<std::size_t> shape;
  std::vector<std::ptrdiff_t> strides;  ///< in elements; row-major unless the file said otherwise
  std::span<const std::byte> bytes;     ///< exactly size() * size_of(type) bytes
  std::shared_ptr<const void> owner;    ///< keeps `bytes` alive (null: the caller's buffer)

  [[nodiscard]] std::size_t rank() const noexcept { return shape.size(); }
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 1;
    for (const std::size_t e : shape) n *= e;  // bounded by the reader
    return n;
  }

  /// True when the elements are laid out in row-major order without gaps.
  [[nodiscard]] bool row_major() const noexcept {
    std::ptrdiff_t expected = 1;
    for (std::size_t axis = shape.size(); axis-- > 0;) {
      if (shape[axis] > 1 && strides[axis] != expected) return false;
      expected *= static_cast<std::ptrdiff_t>(shape[axis]);
    }
    return true;
  }

  /// A typed view of rank exactly Rank. T must match the stored type (no conversion happens).
  template <class T, std::size_t Rank>
  [[nodiscard]] tensor_view<const T, Rank> view() const {
    check_type<T>();
    if (rank() != Rank) {
      infoscale::detail::raise("io::array::view", name,
                               "has rank " + std::to_string(rank()) + ", not " + std::to_string(Rank));
    }
    std::array<std::size_t, Rank> s{};
    std::array<std::ptrdiff_t, Rank> st{};
    for (std::size_t axis = 0; axis < Rank; ++axis) {
      s[axis] = shape[axis];
      st[axis] = strides[axis];
    }
    return make_view(typed<T>(), s, st, name, bytes.size() / sizeof(T));
  }

  /// The array as rows x last axis, leading axes merged (a [batch, sequence, vocabulary] logit dump
  /// becomes (batch * sequence) x vocabulary); a vector becomes one row.
  template <class T>
  [[nodiscard]] matrix_view<const T> matrix() const {
    check_type<T>();
    if (rank() == 0) infoscale::detail::raise("io::array::matrix", name, "is a scalar, not a matrix");
    std::size_t rows = 1;
    for (std::size_t axis = 0; axis + 1 < rank(); ++axis) rows *= shape[axis];
    const std::size_t columns = shape.back();
    std::ptrdiff_t row_stride = rank() == 1 ? static_cast<std::ptrdiff_t>(columns) : strides[rank() - 2];
    // Leading axes merge into one only if each steps over exactly the next one's extent.
    for (std::size_t axis = 0; axis + 2 < rank(); ++axis) {
      if (shape[axis] > 1 &&
          strides[axis] != strides[axis + 1] * static_cast<std::ptrdiff_t>(shape[axis + 1])) {
        infoscale::detail::raise(
            "io::array::matrix", name,
            "has a layout (Fortran order?) whose leading axes cannot be merged into rows");
      }
    }
    if (rows <= 1) row_stride = static_cast<std::ptrdiff_t>(columns);
    return make_view(typed<T>(), std::array<std::size_t, 2>{rows, columns},
                     std::array<std::ptrdiff_t, 2>{row_stride, strides.back()}, name,
                     bytes.size() / sizeof(T));
  }

  /// All elements in row-major order, for contiguous arrays of any type (token ids, say).
  template <class T>
  [[nodiscard]] std::span<const T> values() const {
    check_type<T>();
    if (!row_major())
      infoscale::detail::raise("io::array::values", name, "is not stored in row-major (C) order");
    return {typed<T>(), size()};
  }

  /// Integer ids widened to int64 (int32 or int64 storage, any rank, row-major).
  [[nodiscard]] std::vector<std::int64_t> to_int64() const {
    if (type == element_type::int64) {
      const auto v = values<std::int64_t>();
      return {v.begin(), v.end()};
    }
    if (type == element_type::int32) {
      const auto v = values<std::int32_t>();
      return {v.begin(), v.end()};
    }
    infoscale::detail::raise(
        "io::array::to_int64", name,
        "holds " + std::string(name_of(type)) + " values, not integer token ids (I32 or I64)");
  }

 private:
  template <class T>
  void check_type() const {
    if (element_type_of<T> != type) {
      infoscale::detail::raise("io::array", name,
                               "holds " + std::string(name_of(type)) + " elements, not " +
                                   std::string(name_of(element_type_of<T>)));
    }
  }
  template <class T>
  const T* typed() const {
    // The readers guarantee alignment (they copy misaligned data); empty arrays may be null.
    return reinterpret_cast<const T*>(bytes.data());
  }
};

/// Calls f(view) with a tensor_view<const T, Rank> for the stored floating type T (float, double,
/// float16 or bfloat16); integer arrays raise. Every branch of f must return the same type.
template <std::size_t Rank, class F>
decltype(auto) visit_view(const array& a, F&& f) {
  switch (a.type) {
    case element_type::float16:
      return std::forward<F>(f)(a.view<float16, Rank>());
    case element_type::bfloat16:
      return std::forward<F>(f)(a.view<bfloat16, Rank>());
    case element_type::float32:
      return std::forward<F>(f)(a.view<float, Rank>());
    case element_type::float64:
      return std::forward<F>(f)(a.view<double, Rank>());
    default:
      infoscale::detail::raise("io::visit_view", a.name,
                               "holds " + std::string(name_of(a.type)) + " values, not floating point");
  }
}

/// As visit_view, with the array seen as a matrix (leading axes merged; see array::matrix).
template <class F>
decltype(auto) visit_matrix(const array& a, F&& f) {
  switch (a.type) {
    case element_type::float16:
      return std::forward<F>(f)(a.matrix<float16>());
    case element_type::bfloat16:
      return std::forward<F>(f)(a.matrix<bfloat16>());
    case element_type::float32:
      return std::forward<F>(f)(a.matrix<float>());
    case element_type::float64:
      return std::forward<F>(f)(a.matrix<double>());
    default:
      infoscale::detail::raise("io::visit_matrix", a.name,
                               "holds " + std::string(name_of(a.type)) + " values, not floating point");
  }
}

namespace detail {

/// Points `a.bytes` at aligned memory: misaligned data (a safetensors header whose length is not
/// a multiple of 8, a caller's unaligned buffer) is copied once into an owned, aligned buffer,
/// because forming a misaligned T* is undefined behaviour.
inline void ensure_aligned(array& a) {
  const std::size_t alignment = size_of(a.type);
  if (a.bytes.empty() || reinterpret_cast<std::uintptr_t>(a.bytes.data()) % alignment == 0) return;
  // operator new aligns to __STDCPP_DEFAULT_NEW_ALIGNMENT__ (>= 8), enough for every element type.
  std::shared_ptr<std::byte[]> copy(new std::byte[a.bytes.size()]);
  std::memcpy(copy.get(), a.bytes.data(), a.bytes.size());
  a.bytes = std::span<const std::byte>(copy.get(), a.bytes.size());
  a.owner = std::shared_ptr<const void>(copy, copy.get());
}

}  // namespace detail
}  // namespace infoscale::io

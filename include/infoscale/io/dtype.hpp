#pragma once
// Element types a file can hold. A superset of infoscale::dtype: files also carry integer arrays
// (target token ids), which no kernel reads as floating point.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"

namespace infoscale::io {

/// The element type of a stored array.
enum class element_type { float16, bfloat16, float32, float64, int32, int64 };

/// Bytes per element.
[[nodiscard]] constexpr std::size_t size_of(element_type type) {
  switch (type) {
    case element_type::float16:
    case element_type::bfloat16:
      return 2;
    case element_type::float32:
    case element_type::int32:
      return 4;
    case element_type::float64:
    case element_type::int64:
      return 8;
  }
  return 0;
}

/// The name used in messages and by safetensors (F16, BF16, F32, F64, I32, I64).
[[nodiscard]] constexpr std::string_view name_of(element_type type) {
  switch (type) {
    case element_type::float16:
      return "F16";
    case element_type::bfloat16:
      return "BF16";
    case element_type::float32:
      return "F32";
    case element_type::float64:
      return "F64";
    case element_type::int32:
      return "I32";
    case element_type::int64:
      return "I64";
  }
  return "?";
}

/// The safetensors dtype string, if infoscale reads it.
[[nodiscard]] constexpr std::optional<element_type> element_type_from_name(std::string_view name) {
  for (const element_type t : {element_type::float16, element_type::bfloat16, element_type::float32,
                               element_type::float64, element_type::int32, element_type::int64}) {
    if (name_of(t) == name) return t;
  }
  return std::nullopt;
}

[[nodiscard]] constexpr bool is_floating(element_type type) {
  return type != element_type::int32 && type != element_type::int64;
}

/// The kernels' dtype of a floating element type.
[[nodiscard]] constexpr std::optional<dtype> floating_dtype(element_type type) {
  switch (type) {
    case element_type::float16:
      return dtype::float16;
    case element_type::bfloat16:
      return dtype::bfloat16;
    case element_type::float32:
      return dtype::float32;
    case element_type::float64:
      return dtype::float64;
    default:
      return std::nullopt;
  }
}

/// The element type of a C++ type (float, double, float16, bfloat16, int32_t, int64_t).
template <class T>
inline constexpr element_type element_type_of = [] {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, float16>) {
    return element_type::float16;
  } else if constexpr (std::is_same_v<U, bfloat16>) {
    return element_type::bfloat16;
  } else if constexpr (std::is_same_v<U, float>) {
    return element_type::float32;
  } else if constexpr (std::is_same_v<U, double>) {
    return element_type::float64;
  } else if constexpr (std::is_same_v<U, std::int32_t>) {
    return element_type::int32;
  } else {
    static_assert(std::is_same_v<U, std::int64_t>, "no file element type for this C++ type");
    return element_type::int64;
  }
}();

}  // namespace infoscale::io

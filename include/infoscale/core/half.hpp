#pragma once
// 16-bit floating-point storage types (IEEE binary16 and bfloat16). They are only storage: every
// kernel converts them to float on load, so fp16/bf16 activations are read without a copy.

#include <bit>
#include <cstdint>
#include <type_traits>

#include "infoscale/core/config.hpp"

namespace infoscale {

/// IEEE 754 binary16, stored as its bit pattern.
struct float16 {
  std::uint16_t bits = 0;
};

/// bfloat16: the upper half of an IEEE binary32.
struct bfloat16 {
  std::uint16_t bits = 0;
};

/// Widens a binary16 value exactly (subnormals, infinities and NaN included).
INFOSCALE_HOST_DEVICE constexpr float to_float(float16 h) {
  const std::uint32_t sign = std::uint32_t(h.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (h.bits >> 10) & 0x1fu;
  std::uint32_t mantissa = h.bits & 0x3ffu;
  std::uint32_t bits = 0;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise the mantissa
    std::uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

/// Widens a bfloat16 value exactly.
INFOSCALE_HOST_DEVICE constexpr float to_float(bfloat16 b) {
  return std::bit_cast<float>(std::uint32_t(b.bits) << 16);
}

/// Rounds a float to the nearest binary16 (ties to even); overflow gives infinity.
constexpr float16 to_float16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t exponent = (bits >> 23) & 0xffu;
  const std::uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) {
    return {static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0u))};
  }
  const int e = static_cast<int>(exponent) - 127 + 15;
  if (e >= 0x1f) return {static_cast<std::uint16_t>(sign | 0x7c00u)};
  if (e <= 0) {  // subnormal or zero in binary16
    if (e < -10) return {sign};
    const std::uint32_t full = mantissa | 0x800000u;
    const int shift = 14 - e;
    std::uint32_t half_mantissa = full >> shift;
    const std::uint32_t rest = full & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half_mantissa & 1u))) ++half_mantissa;
    return {static_cast<std::uint16_t>(sign | half_mantissa)};
  }
  std::uint32_t result = (static_cast<std::uint32_t>(e) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (result & 1u))) ++result;  // may carry into infinity
  return {static_cast<std::uint16_t>(sign | result)};
}

/// Rounds a float to the nearest bfloat16 (ties to even); NaN stays NaN.
constexpr bfloat16 to_bfloat16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return {static_cast<std::uint16_t>((bits >> 16) | 0x40u)};
  const std::uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return {static_cast<std::uint16_t>((bits + rounding) >> 16)};
}

namespace detail {

/// Every storage type a kernel reads, widened to double for accumulation.
template <class T>
INFOSCALE_HOST_DEVICE constexpr double widen(T value) {
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    return static_cast<double>(to_float(value));
  } else {
    return static_cast<double>(value);
  }
}

}  // namespace detail

/// The element types infoscale reads from foreign memory.
template <class T>
concept StorageFloat = std::is_same_v < std::remove_cv_t<T>,
float > || std::is_same_v<std::remove_cv_t<T>, double> || std::is_same_v<std::remove_cv_t<T>, float16> ||
    std::is_same_v<std::remove_cv_t<T>, bfloat16>;

}  // namespace infoscale

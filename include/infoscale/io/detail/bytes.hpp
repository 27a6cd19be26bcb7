#pragma once
// Overflow-safe size arithmetic and little-endian reads for the file parsers. Every offset and
// size that comes from a file goes through these before it is used to form a pointer.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>

namespace infoscale::io::detail {

/// a * b, or nothing when it does not fit in size_t.
[[nodiscard]] constexpr std::optional<std::size_t> checked_multiply(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return std::nullopt;
  return a * b;
}

/// a + b, or nothing when it does not fit in size_t.
[[nodiscard]] constexpr std::optional<std::size_t> checked_add(std::size_t a, std::size_t b) {
  if (b > std::numeric_limits<std::size_t>::max() - a) return std::nullopt;
  return a + b;
}

/// Product of a shape, or nothing on overflow. The limit keeps element offsets representable as
/// ptrdiff_t (what tensor_view's strides use) even after multiplying by the element size.
template <class Range>
[[nodiscard]] constexpr std::optional<std::size_t> element_count(const Range& shape) {
  constexpr auto limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max() / 16);
  std::size_t count = 1;
  bool empty = false;
  for (const std::size_t n : shape) {
    if (n == 0) {
      empty = true;
      continue;
    }
    if (n > limit) return std::nullopt;
    const auto next = checked_multiply(count, n);
    if (!next || *next > limit) return std::nullopt;
    count = *next;
  }
  return empty ? 0 : count;
}

/// Reads an unsigned little-endian integer of N bytes at `offset`; the caller checked the bounds.
template <std::size_t N>
[[nodiscard]] std::uint64_t read_little_endian(std::span<const std::byte> bytes, std::size_t offset) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < N; ++i) {
    value |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

}  // namespace infoscale::io::detail

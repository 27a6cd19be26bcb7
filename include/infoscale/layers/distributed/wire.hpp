#pragma once
// The byte format of the mergeable layer states (layers/distributed/): little-endian fixed-width
// fields after a header (8-byte magic, format version, the state's kind) and an FNV-1a 64-bit
// checksum of everything before it, so a truncated, corrupted or foreign buffer is refused with
// the field it failed on instead of being read as numbers.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale::detail {

static_assert(std::endian::native == std::endian::little, "the layer-state format is little-endian");

inline constexpr char state_magic[8] = {'I', 'S', 'L', 'S', 'T', 'A', 'T', 'E'};
inline constexpr std::uint32_t state_version =
    3;  // 2: attention states name their first layer pair; 3: ridge predictions

inline std::uint64_t fnv1a64(std::span<const std::byte> bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::byte b : bytes) {
    h ^= static_cast<std::uint64_t>(b);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class byte_writer {
 public:
  byte_writer(std::uint32_t kind) {
    raw(state_magic, sizeof state_magic);
    u32(state_version);
    u32(kind);
  }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  template <class T>
  void array(std::span<const T> v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  /// The buffer with its checksum appended.
  std::vector<std::byte> finish() {
    const std::uint64_t sum = fnv1a64(out_);
    raw(&sum, sizeof sum);
    return std::move(out_);
  }

 private:
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<std::byte> out_;
};

/// Reads a buffer written by byte_writer; every failure names `function`'s argument 'bytes', the
/// field and the offset.
class byte_reader {
 public:
  byte_reader(std::span<const std::byte> bytes, std::uint32_t kind, std::string_view kind_name,
              std::string_view function)
      : bytes_(bytes), function_(function) {
    constexpr std::size_t header = sizeof state_magic + 8, trailer = 8;
    if (bytes.size() < header + trailer)
      fail("is " + std::to_string(bytes.size()) +
           " bytes long, shorter than a state's header and checksum (" + std::to_string(header + trailer) +
           ")");
    if (std::memcmp(bytes.data(), state_magic, sizeof state_magic) != 0)
      fail("does not start with the magic 'ISLSTATE': not an infoscale layer state");
    pos_ = sizeof state_magic;
    const std::uint32_t version = u32("version");
    if (version != state_version)
      fail("has format version " + std::to_string(version) + "; this build reads version " +
           std::to_string(state_version));
    const std::uint32_t got = u32("kind");
    if (got != kind)
      fail("holds a state of kind " + std::to_string(got) + ", not a " + std::string(kind_name));
    std::uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + bytes.size() - trailer, trailer);
    if (stored != fnv1a64(bytes.first(bytes.size() - trailer)))
      fail("fails its checksum: the buffer is corrupted or truncated");
    end_ = bytes.size() - trailer;
  }
  std::uint32_t u32(std::string_view field) { return scalar<std::uint32_t>(field); }
  std::uint64_t u64(std::string_view field) { return scalar<std::uint64_t>(field); }
  double f64(std::string_view field) { return scalar<double>(field); }
  std::string str(std::string_view field) {
    const std::uint64_t n = u64(field);
    need(n, field);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> array(std::string_view field, std::uint64_t expected) {
    const std::uint64_t n = u64(field);
    if (n != expected)
      fail("has " + std::to_string(n) + " entries in '" + std::string(field) + "' where its header implies " +
           std::to_string(expected));
    if (n > remaining() / sizeof(T))  // before n * sizeof(T), which could wrap
      fail("is truncated: '" + std::string(field) + "' needs " + std::to_string(n) + " entries of " +
           std::to_string(sizeof(T)) + " bytes at offset " + std::to_string(pos_) + ", " +
           std::to_string(remaining()) + " bytes remain");
    std::vector<T> v(n);
    if (n != 0) std::memcpy(v.data(), bytes_.data() + pos_, n * sizeof(T));  // data() may be null when empty
    pos_ += n * sizeof(T);
    return v;
  }
  /// A count bounded by what the rest of the buffer can hold (each entry >= `entry_bytes`), so a
  /// corrupt count is an error, not an allocation of petabytes.
  std::uint64_t count(std::string_view field, std::uint64_t entry_bytes) {
    const std::uint64_t n = u64(field);
    if (entry_bytes != 0 && n > (end_ - pos_) / entry_bytes)
      fail("claims " + std::to_string(n) + " entries in '" + std::string(field) + "', more than its " +
           std::to_string(end_ - pos_) + " remaining bytes hold");
    return n;
  }
  void done() const {
    if (pos_ != end_)
      fail("has " + std::to_string(end_ - pos_) +
           " bytes after the last field: not a state this build wrote");
  }
  [[noreturn]] void fail(const std::string& problem) const { raise(function_, "bytes", problem); }

 private:
  template <class T>
  T scalar(std::string_view field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  [[nodiscard]] std::size_t remaining() const { return (end_ == 0 ? bytes_.size() : end_) - pos_; }
  void need(std::uint64_t n, std::string_view field) const {
    const std::size_t end = end_ == 0 ? bytes_.size() : end_;
    if (n > end - pos_)
      fail("is truncated: '" + std::string(field) + "' needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + ", " + std::to_string(end - pos_) + " remain");
  }
  std::span<const std::byte> bytes_;
  std::string_view function_;
  std::size_t pos_ = 0, end_ = 0;
};

}  // namespace infoscale::detail

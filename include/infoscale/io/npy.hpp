#pragma once
// NumPy .npy reader (format versions 1.0, 2.0 and 3.0, numpy/lib/format.py). The header is a Python
// dict literal; it is parsed by a small strict parser rather than trusted. Little-endian f2, f4, f8,
// i4, i8; bfloat16 as ml_dtypes stores it ('<V2', which is ambiguous, so only with an explicit
// override); C order, or Fortran order expressed as strides (no copy). Every size from the file is
// checked with overflow-safe arithmetic before a pointer is formed; a bad file raises
// infoscale::error naming the file and the problem.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/io/array.hpp"
#include "infoscale/io/detail/bytes.hpp"
#include "infoscale/io/dtype.hpp"
#include "infoscale/io/mapped_file.hpp"

namespace infoscale::io {

static_assert(std::endian::native == std::endian::little, "the readers assume a little-endian host");

/// Choices the file cannot make for itself.
struct npy_options {
  /// How to read an untyped 16-bit element ('<V2' / '|V2': what numpy writes for ml_dtypes'
  /// bfloat16): float16 or bfloat16. Unset, such files are rejected as ambiguous.
  std::optional<element_type> void16_as;
};

/// The parsed header of an .npy file.
struct npy_header {
  int major_version = 1;
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  ///< bytes from the start of the file to the data
};

namespace detail {

inline constexpr std::string_view npy_function = "read_npy";

[[noreturn]] inline void npy_fail(std::string_view file, const std::string& problem) {
  infoscale::detail::raise(npy_function, file, problem);
}

/// A strict parser for the one dict literal numpy writes:
///   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class npy_dict_parser {
 public:
  npy_dict_parser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  void parse(npy_header& header) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      const std::string key = string_literal();
      skip_space();
      expect(':');
      skip_space();
      auto once = [&](bool& seen) {
        if (seen) fail("repeats the key '" + key + "'");
        seen = true;
      };
      if (key == "descr") {
        once(seen_descr);
        if (peek() == '[') fail("has a structured dtype (a list descr), which is not supported");
        header.descr = string_literal();
      } else if (key == "fortran_order") {
        once(seen_order);
        header.fortran_order = boolean();
      } else if (key == "shape") {
        once(seen_shape);
        header.shape = tuple();
      } else {
        fail("has an unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      expect('}');
      break;
    }
    skip_space();
    if (pos_ != text_.size()) fail("has trailing characters after the header dict");
    if (!seen_descr || !seen_order || !seen_shape) {
      fail("has a header without one of 'descr', 'fortran_order', 'shape'");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    npy_fail(file_, problem + " (header character " + std::to_string(pos_) + ")");
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail(std::string("has a malformed header: expected '") + c + "'");
    ++pos_;
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("has a malformed header: expected a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') fail("has an escape sequence in a header string, which numpy never writes");
      out.push_back(text_[pos_++]);
    }
    expect(quote);
    return out;
  }
  bool boolean() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("has a malformed header: 'fortran_order' must be True or False");
  }
  std::size_t integer() {
    if (peek() < '0' || peek() > '9')
      fail("has a malformed header: expected a non-negative integer in 'shape'");
    std::size_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto next = checked_multiply(value, 10);
      const auto digit = static_cast<std::size_t>(peek() - '0');
      if (!next || !checked_add(*next, digit)) fail("has a dimension in 'shape' that overflows");
      value = *next + digit;
      ++pos_;
    }
    if (peek() == 'L') ++pos_;  // Python 2 long literals
    return value;
  }
  std::vector<std::size_t> tuple() {
    expect('(');
    std::vector<std::size_t> out;
    for (;;) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        break;
      }
      out.push_back(integer());
      if (out.size() > 32) fail("has more than 32 dimensions (numpy's limit)");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(')');
      break;
    }
    return out;
  }

  std::string_view text_;
  std::string_view file_;
  std::size_t pos_ = 0;
};

inline element_type npy_element_type(const std::string& descr, const npy_options& options,
                                     std::string_view file) {
  if (descr.size() >= 2 && (descr[0] == '<' || descr[0] == '|' || descr[0] == '=')) {
    const std::string_view code = std::string_view(descr).substr(1);
    if (code == "f2") return element_type::float16;
    if (code == "f4") return element_type::float32;
    if (code == "f8") return element_type::float64;
    if (code == "i4") return element_type::int32;
    if (code == "i8") return element_type::int64;
    if (code == "V2") {
      if (!options.void16_as) {
        npy_fail(file, "has dtype '" + descr +
                           "': untyped 16-bit data (ml_dtypes bfloat16 is saved this way) is ambiguous; say "
                           "bfloat16 or float16 explicitly (npy_options::void16_as, or --dtype)");
      }
      if (*options.void16_as != element_type::bfloat16 && *options.void16_as != element_type::float16) {
        npy_fail(file, "has 16-bit data but the requested dtype override is not float16 or bfloat16");
      }
      return *options.void16_as;
    }
  }
  if (!descr.empty() && descr[0] == '>') {
    npy_fail(file, "has big-endian dtype '" + descr + "', which is not supported (save it with astype('<" +
                       descr.substr(1) + "'))");
  }
  npy_fail(file,
           "has unsupported dtype '" + descr + "' (supported: <f2, <f4, <f8, <i4, <i8, and V2 as bfloat16)");
}

}  // namespace detail

/// Parses the prefix and header of an .npy image; `file` names it in messages.
[[nodiscard]] inline npy_header parse_npy_header(std::span<const std::byte> bytes, std::string_view file) {
  using detail::npy_fail;
  static constexpr unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10) npy_fail(file, "is truncated: shorter than the 10-byte .npy prefix");
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::to_integer<unsigned char>(bytes[i]) != magic[i]) {
      npy_fail(file, "is not an .npy file (wrong magic string)");
    }
  }
  npy_header header;
  header.major_version = std::to_integer<int>(bytes[6]);
  std::size_t prefix = 0;
  std::size_t header_length = 0;
  if (header.major_version == 1) {
    prefix = 10;
    header_length = detail::read_little_endian<2>(bytes, 8);
  } else if (header.major_version == 2 || header.major_version == 3) {
    if (bytes.size() < 12) npy_fail(file, "is truncated: shorter than the 12-byte .npy 2.0 prefix");
    prefix = 12;
    header_length = detail::read_little_endian<4>(bytes, 8);
  } else {
    npy_fail(file, "has unsupported .npy format version " + std::to_string(header.major_version) + "." +
                       std::to_string(std::to_integer<int>(bytes[7])));
  }
  if (header_length > bytes.size() - prefix) {
    npy_fail(file, "has a header length (" + std::to_string(header_length) +
                       " bytes) past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), header_length);
  // Version 1 and 2 headers are latin-1, version 3 UTF-8; the keys and values infoscale accepts are
  // ASCII either way, so a byte-wise parse is exact.
  detail::npy_dict_parser(text, file).parse(header);
  header.data_offset = prefix + header_length;
  return header;
}

/// Parses a whole .npy image held in memory. The returned array points into `bytes` (unless the
/// data was misaligned and had to be copied, in which case it owns the copy); the caller keeps
/// `bytes` alive. This is the fuzzed entry point.
[[nodiscard]] inline array parse_npy(std::span<const std::byte> bytes, std::string_view file = "<memory>",
                                     const npy_options& options = {}) {
  using detail::npy_fail;
  const npy_header header = parse_npy_header(bytes, file);
  array a;
  a.name = std::string(file);
  a.type = detail::npy_element_type(header.descr, options, file);
  a.shape = header.shape;
  const auto count = detail::element_count(a.shape);
  if (!count) npy_fail(file, "has a shape whose element count overflows");
  const auto needed = detail::checked_multiply(*count, size_of(a.type));
  if (!needed) npy_fail(file, "has a shape whose byte size overflows");
  const std::size_t available = bytes.size() - header.data_offset;
  if (*needed > available) {
    npy_fail(file, "is truncated: the shape needs " + std::to_string(*needed) + " data bytes but " +
                       std::to_string(available) + " follow the header");
  }
  if (*needed < available) {
    npy_fail(file, "has " + std::to_string(available - *needed) +
                       " bytes after the data that its shape does not account for");
  }
  a.strides.assign(a.shape.size(), 1);
  std::ptrdiff_t stride = 1;
  if (header.fortran_order) {  // column-major: the first axis is contiguous
    for (std::size_t axis = 0; axis < a.shape.size(); ++axis) {
      a.strides[axis] = stride;
      stride *= static_cast<std::ptrdiff_t>(a.shape[axis] > 0 ? a.shape[axis] : 1);
    }
  } else {
    for (std::size_t axis = a.shape.size(); axis-- > 0;) {
      a.strides[axis] = stride;
      stride *= static_cast<std::ptrdiff_t>(a.shape[axis] > 0 ? a.shape[axis] : 1);
    }
  }
  a.bytes = bytes.subspan(header.data_offset, *needed);
  detail::ensure_aligned(a);
  return a;
}

/// Reads an .npy file, memory-mapped; the array keeps the mapping alive.
[[nodiscard]] inline array load_npy(const std::filesystem::path& path, const npy_options& options = {}) {
  auto file = std::make_shared<mapped_file>(path);
  array a = parse_npy(file->bytes(), file->path(), options);
  if (!a.owner) a.owner = file;
  return a;
}

}  // namespace infoscale::io

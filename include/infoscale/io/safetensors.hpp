#pragma once
// safetensors reader (https://github.com/huggingface/safetensors, format described in its
// README): an 8-byte little-endian header length N, N bytes of JSON, then the data. The JSON maps
// tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data start)
// plus an optional "__metadata__" string-to-string map. Validation follows the reference
// implementation (safetensors/src/tensor.rs, Metadata::validate): the header is at most 100 MB,
// every end offset is within the file, ranges sorted by begin tile the data exactly (no overlap,
// no gap, nothing after the last), and each range is product(shape) * itemsize bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
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

/// The tensors of a safetensors file, in the order of their data, and its metadata.
struct safetensors_file {
  std::string path;
  std::map<std::string, std::string> metadata;  ///< "__metadata__", if present
  std::vector<array> tensors;                   ///< sorted by data offset

  /// The tensor called `name`; raises naming the file and listing what it holds when absent.
  [[nodiscard]] const array& at(std::string_view name) const {
    for (const array& a : tensors) {
      if (a.name.size() > path.size() && std::string_view(a.name).substr(path.size() + 1) == name) return a;
    }
    std::string known;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      if (known.size() > 300) {
        known += ", ... (" + std::to_string(tensors.size() - i) + " more)";
        break;
      }
      known += (known.empty() ? "" : ", ") + tensors[i].name.substr(path.size() + 1);
    }
    infoscale::detail::raise("read_safetensors", path,
                             "has no tensor named '" + std::string(name) + "' (it has: " + known + ")");
  }
  /// The bare tensor names, in data order.
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const array& a : tensors) out.push_back(a.name.substr(path.size() + 1));
    return out;
  }
};

namespace detail {

inline constexpr std::size_t safetensors_max_header = 100'000'000;  // as the reference implementation

[[noreturn]] inline void safetensors_fail(std::string_view file, const std::string& problem) {
  infoscale::detail::raise("read_safetensors", file, problem);
}

inline std::size_t json_size(const nlohmann::json& value, std::string_view file, const std::string& what) {
  if (!value.is_number_unsigned())
    safetensors_fail(file, "has " + what + " that is not a non-negative integer");
  const auto v = value.get<std::uint64_t>();
  if (v > std::numeric_limits<std::size_t>::max()) safetensors_fail(file, "has " + what + " that overflows");
  return static_cast<std::size_t>(v);
}

}  // namespace detail

/// Parses a whole safetensors image held in memory; the tensors point into `bytes` (misaligned
/// ones are copied) and the caller keeps `bytes` alive. This is the fuzzed entry point.
[[nodiscard]] inline safetensors_file parse_safetensors(std::span<const std::byte> bytes,
                                                        std::string_view file = "<memory>") {
  using detail::safetensors_fail;
  if (bytes.size() < 8) safetensors_fail(file, "is truncated: shorter than the 8-byte header length");
  const std::uint64_t header_length = detail::read_little_endian<8>(bytes, 0);
  if (header_length > bytes.size() - 8) {
    safetensors_fail(file, "has a header length (" + std::to_string(header_length) +
                               " bytes) past the end of the file (" + std::to_string(bytes.size()) +
                               " bytes)");
  }
  if (header_length > detail::safetensors_max_header) {
    safetensors_fail(file, "has a header longer than 100 MB (" + std::to_string(header_length) + " bytes)");
  }
  const auto header_size = static_cast<std::size_t>(header_length);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), header_size);
  if (text.empty() || text.front() != '{') safetensors_fail(file, "has a header that is not a JSON object");
  // No exceptions from the parser: a discarded value marks a syntax error. Nesting depth is bounded
  // by the header size, and nlohmann's parser is iterative (SAX with an explicit stack).
  const nlohmann::json header = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (header.is_discarded()) safetensors_fail(file, "has a header that is not valid JSON");
  if (!header.is_object()) safetensors_fail(file, "has a header that is not a JSON object");

  safetensors_file out;
  out.path = std::string(file);
  const std::span<const std::byte> data = bytes.subspan(8 + header_size);
  struct range {
    std::size_t begin, end;
    std::size_t index;
  };
  std::vector<range> ranges;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) safetensors_fail(file, "has '__metadata__' that is not an object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string())
          safetensors_fail(file, "has '__metadata__' entry '" + mk + "' that is not a string");
        out.metadata.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!value.is_object()) safetensors_fail(file, "has " + where + " whose entry is not an object");
    for (const auto& [field, unused] : value.items()) {
      if (field != "dtype" && field != "shape" && field != "data_offsets") {
        safetensors_fail(file, "has " + where + " with an unknown field '" + field + "'");
      }
    }
    const auto dtype_it = value.find("dtype");
    const auto shape_it = value.find("shape");
    const auto offsets_it = value.find("data_offsets");
    if (dtype_it == value.end() || !dtype_it->is_string()) {
      safetensors_fail(file, "has " + where + " without a string 'dtype'");
    }
    if (shape_it == value.end() || !shape_it->is_array()) {
      safetensors_fail(file, "has " + where + " without an array 'shape'");
    }
    if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      safetensors_fail(file, "has " + where + " without a two-element 'data_offsets'");
    }
    const auto dtype_name = dtype_it->get<std::string>();
    const auto type = element_type_from_name(dtype_name);
    if (!type) {
      safetensors_fail(file, "has " + where + " with unsupported dtype '" + dtype_name +
                                 "' (supported: F16, BF16, F32, F64, I32, I64)");
    }
    array a;
    a.name = out.path + ":" + key;
    a.type = *type;
    for (const auto& dim : *shape_it) a.shape.push_back(detail::json_size(dim, file, where + " a dimension"));
    const std::size_t begin = detail::json_size((*offsets_it)[0], file, where + " a data offset");
    const std::size_t end = detail::json_size((*offsets_it)[1], file, where + " a data offset");
    if (begin > end) {
      safetensors_fail(file, "has " + where + " with data_offsets out of order (begin " +
                                 std::to_string(begin) + " > end " + std::to_string(end) + ")");
    }
    if (end > data.size()) {
      safetensors_fail(file, "has " + where + " whose data ends at " + std::to_string(end) +
                                 ", past the end of the data (" + std::to_string(data.size()) + " bytes)");
    }
    const auto count = detail::element_count(a.shape);
    const auto needed = count ? detail::checked_multiply(*count, size_of(a.type)) : std::nullopt;
    if (!needed) safetensors_fail(file, "has " + where + " whose shape overflows");
    if (*needed != end - begin) {
      safetensors_fail(file, "has " + where + " whose shape needs " + std::to_string(*needed) +
                                 " bytes but its " + "data_offsets span " + std::to_string(end - begin));
    }
    a.strides.assign(a.shape.size(), 1);
    std::ptrdiff_t stride = 1;
    for (std::size_t axis = a.shape.size(); axis-- > 0;) {
      a.strides[axis] = stride;
      stride *= static_cast<std::ptrdiff_t>(a.shape[axis] > 0 ? a.shape[axis] : 1);
    }
    a.bytes = data.subspan(begin, end - begin);
    ranges.push_back({begin, end, out.tensors.size()});
    out.tensors.push_back(std::move(a));
  }
  std::stable_sort(ranges.begin(), ranges.end(), [](const range& x, const range& y) {
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  std::size_t expected = 0;
  for (const range& r : ranges) {
    const std::string& name = out.tensors[r.index].name;
    if (r.begin < expected) {
      safetensors_fail(file, "has overlapping data: '" + name.substr(out.path.size() + 1) + "' starts at " +
                                 std::to_string(r.begin) + " inside the previous tensor (which ends at " +
                                 std::to_string(expected) + ")");
    }
    if (r.begin > expected) {
      safetensors_fail(file, "has a gap in the data before '" + name.substr(out.path.size() + 1) +
                                 "' (bytes " + std::to_string(expected) + " to " + std::to_string(r.begin) +
                                 " belong to no tensor)");
    }
    expected = r.end;
  }
  if (expected != data.size()) {
    safetensors_fail(file, "has " + std::to_string(data.size() - expected) +
                               " bytes after the last tensor's data that no tensor accounts for");
  }
  std::vector<array> sorted;
  sorted.reserve(ranges.size());
  for (const range& r : ranges) {
    sorted.push_back(std::move(out.tensors[r.index]));
    detail::ensure_aligned(sorted.back());
  }
  out.tensors = std::move(sorted);
  return out;
}

/// Reads a safetensors file, memory-mapped; every tensor keeps the mapping alive.
[[nodiscard]] inline safetensors_file load_safetensors(const std::filesystem::path& path) {
  auto file = std::make_shared<mapped_file>(path);
  safetensors_file out = parse_safetensors(file->bytes(), file->path());
  for (array& a : out.tensors) {
    if (!a.owner) a.owner = file;
  }
  return out;
}

}  // namespace infoscale::io

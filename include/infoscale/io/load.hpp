#pragma once
// One entry point for "an array from this file": the format is decided by the file's first bytes
// (the .npy magic, or else safetensors), not by its extension, so a misnamed file still reads or
// fails with a message about its content.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/io/array.hpp"
#include "infoscale/io/mapped_file.hpp"
#include "infoscale/io/npy.hpp"
#include "infoscale/io/safetensors.hpp"

namespace infoscale::io {

/// Which array of a file to read, and how to read what the file leaves ambiguous.
struct load_options {
  std::string tensor;  ///< safetensors: the tensor's name; may be empty when the file holds one tensor
  npy_options npy{};
};

/// True when `bytes` start with the .npy magic string.
[[nodiscard]] inline bool looks_like_npy(std::span<const std::byte> bytes) {
  return bytes.size() >= 6 && std::to_integer<unsigned char>(bytes[0]) == 0x93 &&
         std::string_view(reinterpret_cast<const char*>(bytes.data()) + 1, 5) == "NUMPY";
}

/// True when `bytes` could be a safetensors file: an 8-byte header length, then a JSON object.
[[nodiscard]] inline bool looks_like_safetensors(std::span<const std::byte> bytes) {
  return bytes.size() >= 9 && std::to_integer<unsigned char>(bytes[8]) == '{';
}

/// `names` joined by ", ", cut after about `limit` characters with a count of the rest, so a file
/// with 200,000 tensors gives a one-line message, not megabytes.
[[nodiscard]] inline std::string join_names(const std::vector<std::string>& names, std::size_t limit = 300) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (out.size() > limit) return out + ", ... (" + std::to_string(names.size() - i) + " more)";
    out += (out.empty() ? "" : ", ") + names[i];
  }
  return out;
}

/// Reads one array from an .npy or safetensors file, memory-mapped.
[[nodiscard]] inline array load_array(const std::filesystem::path& path, const load_options& options = {}) {
  auto file = std::make_shared<mapped_file>(path);
  if (looks_like_npy(file->bytes())) {
    if (!options.tensor.empty()) {
      infoscale::detail::raise("load_array", file->path(),
                               "is an .npy file holding one array; a tensor name ('" + options.tensor +
                                   "') only applies to safetensors");
    }
    array a = parse_npy(file->bytes(), file->path(), options.npy);
    if (!a.owner) a.owner = file;
    return a;
  }
  if (!looks_like_safetensors(file->bytes())) {
    // Neither magic: say which format the bytes resemble instead of a safetensors header error.
    const auto b = file->bytes();
    const std::string_view text(reinterpret_cast<const char*>(b.data()),
                                std::min<std::size_t>(b.size(), 128));
    const bool npy_like = (!b.empty() && std::to_integer<unsigned char>(b[0]) == 0x93) ||
                          text.substr(std::min<std::size_t>(1, text.size()), 5) == "NUMPY" ||
                          text.find("'descr'") != std::string_view::npos;
    infoscale::detail::raise("load_array", file->path(),
                             b.empty() ? std::string("is empty: neither an .npy nor a safetensors file")
                             : npy_like
                                 ? std::string("looks like an .npy file, but its magic is corrupted (an "
                                               ".npy file starts with the 6 bytes \\x93NUMPY)")
                                 : std::string("is neither an .npy file (which starts with \\x93NUMPY) "
                                               "nor a safetensors file (an 8-byte header length, then '{')"));
  }
  safetensors_file st = parse_safetensors(file->bytes(), file->path());
  if (options.tensor.empty() && st.tensors.size() != 1) {
    const std::string names = join_names(st.names());
    infoscale::detail::raise("load_array", file->path(),
                             "holds " + std::to_string(st.tensors.size()) + " tensors; name one (" +
                                 (names.empty() ? std::string("none") : names) + ")");
  }
  array a = options.tensor.empty() ? st.tensors.front() : st.at(options.tensor);
  if (!a.owner) a.owner = file;
  return a;
}

}  // namespace infoscale::io

#pragma once
// One entry point for "an array from this file": the format is decided by the file's first bytes
// (the .npy magic, or else safetensors), not by its extension, so a misnamed file still reads or
// fails with a message about its content.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

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
  safetensors_file st = parse_safetensors(file->bytes(), file->path());
  if (options.tensor.empty() && st.tensors.size() != 1) {
    std::string names;
    for (const auto& n : st.names()) names += (names.empty() ? "" : ", ") + n;
    infoscale::detail::raise("load_array", file->path(),
                             "holds " + std::to_string(st.tensors.size()) + " tensors; name one (" +
                                 (names.empty() ? std::string("none") : names) + ")");
  }
  array a = options.tensor.empty() ? st.tensors.front() : st.at(options.tensor);
  if (!a.owner) a.owner = file;
  return a;
}

}  // namespace infoscale::io

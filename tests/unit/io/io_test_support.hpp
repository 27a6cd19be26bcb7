#pragma once
// Helpers for the reader tests: fixture bytes, hand-built images, and "raises naming X".

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <infoscale/core/error.hpp>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace infoscale::test::io {

using bytes = std::vector<std::byte>;

inline std::string fixture(const std::string& name) {
  return std::string(INFOSCALE_FIXTURES_DIR) + "/io/" + name;
}

inline bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes out(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = static_cast<std::byte>(raw[i]);
  return out;
}

inline void append(bytes& out, std::string_view text) {
  for (const char c : text) out.push_back(static_cast<std::byte>(c));
}

inline void append_le(bytes& out, std::uint64_t value, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xff));
}

/// An .npy image with the given header dict text (padded with spaces and a newline) and data.
inline bytes make_npy(std::string_view dict, std::size_t data_bytes, int version = 1) {
  bytes out;
  out.push_back(std::byte{0x93});
  append(out, "NUMPY");
  out.push_back(static_cast<std::byte>(version));
  out.push_back(std::byte{0});
  const std::size_t prefix = version == 1 ? 10 : 12;
  std::string header(dict);
  while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  append_le(out, header.size(), version == 1 ? 2 : 4);
  append(out, header);
  for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::byte>(i));
  return out;
}

/// A safetensors image from its header JSON and a data blob of `data_bytes` bytes.
inline bytes make_safetensors(std::string_view json, std::size_t data_bytes) {
  bytes out;
  append_le(out, json.size(), 8);
  append(out, json);
  for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::byte>(0));
  return out;
}

/// Runs f, which must raise infoscale::error whose message names `file` and contains `problem`.
template <class F>
void check_raises(F&& f, std::string_view file, std::string_view problem) {
  try {
    f();
    FAIL("no error raised; expected one containing '" << std::string(problem) << "'");
  } catch (const infoscale::error& e) {
    const std::string message = e.what();
    INFO("message: " << message);
    CHECK(message.find(std::string(file)) != std::string::npos);
    CHECK(message.find(std::string(problem)) != std::string::npos);
  }
}

}  // namespace infoscale::test::io

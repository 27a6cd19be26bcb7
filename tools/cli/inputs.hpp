#pragma once
// Reading the program's inputs: logits (rows x vocabulary, leading axes merged) and target token
// ids, from .npy or safetensors, with the options a user may need to disambiguate.

#include <cstddef>
#include <cstdint>
#include <infoscale/core/error.hpp>
#include <infoscale/io/load.hpp>
#include <string>
#include <vector>

#include "progress.hpp"

namespace infoscale::cli {

/// Where an array lives: a file, and for safetensors the tensor's name.
struct array_source {
  std::string path;
  std::string tensor;
  std::string dtype;  ///< "", "bfloat16" or "float16": how to read untyped 16-bit .npy data
};

/// Thrown for inputs that are wrong for the command (not the file's fault): exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string describe_shape(const io::array& a) {
  std::string shape;
  for (const std::size_t n : a.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(n);
  return shape;
}

inline io::array load_logits(const array_source& source) {
  io::load_options options;
  options.tensor = source.tensor;
  if (source.dtype == "bfloat16") options.npy.void16_as = io::element_type::bfloat16;
  if (source.dtype == "float16") options.npy.void16_as = io::element_type::float16;
  io::array a = io::load_array(source.path, options);
  if (!io::is_floating(a.type)) {
    infoscale::detail::raise(
        "load_logits", source.path,
        "holds " + std::string(io::name_of(a.type)) + " values, not floating-point logits");
  }
  if (a.rank() < 2) {
    infoscale::detail::raise(
        "load_logits", source.path,
        "has rank " + std::to_string(a.rank()) + "; logits need at least 2 axes (positions x vocabulary)");
  }
  for (std::size_t axis = 0; axis < a.rank(); ++axis) {
    if (a.shape[axis] == 0) {
      infoscale::detail::raise("load_logits", source.path,
                               "is empty (shape " + describe_shape(a) + ", axis " + std::to_string(axis) +
                                   " has length 0): there is no next-token distribution to analyse");
    }
  }
  return a;
}

inline std::vector<std::int64_t> load_targets(const array_source& source, std::size_t rows) {
  io::load_options options;
  options.tensor = source.tensor;
  const auto ids = io::load_array(source.path, options).to_int64();
  if (ids.size() != rows) {
    infoscale::detail::raise("load_targets", source.path,
                             "has " + std::to_string(ids.size()) + " token ids but the logits have " +
                                 std::to_string(rows) + " rows");
  }
  return ids;
}

inline std::string describe(const io::array& a) {
  return std::string(io::name_of(a.type)) + ", " + describe_shape(a);
}

/// Rows [begin, begin + count) of a matrix view.
template <class T>
matrix_view<const T> row_block(const matrix_view<const T>& m, std::size_t begin, std::size_t count) {
  return matrix_view<const T>(m.data() + static_cast<std::ptrdiff_t>(begin) * m.stride(0),
                              {count, m.extent(1)}, m.strides());
}

/// Calls f(block, first_row) over blocks of rows, advancing a progress bar.
template <class T, class F>
void for_row_blocks(const matrix_view<const T>& m, progress& bar, F&& f) {
  // About 16M elements a block: large enough for the thread pool, small enough for a live bar.
  const std::size_t per_block =
      std::max<std::size_t>(1, (std::size_t{1} << 24) / std::max<std::size_t>(1, m.extent(1)));
  for (std::size_t begin = 0; begin < m.extent(0); begin += per_block) {
    const std::size_t count = std::min(per_block, m.extent(0) - begin);
    f(row_block(m, begin, count), begin);
    bar.advance(count);
  }
}

}  // namespace infoscale::cli

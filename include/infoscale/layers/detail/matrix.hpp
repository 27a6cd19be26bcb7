#pragma once
// Internals shared by the layer analyses: copying strided views of any storage type into double
// Eigen matrices (the one place fp16/bf16/float are widened), centring, and the checks every
// entry point runs before any work.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"

namespace infoscale::detail {

/// Matrices with at least this many entries are widened and centred on OpenMP threads; smaller
/// passes are too short to pay for a thread team. One constant, so the two passes switch together.
inline constexpr std::size_t parallel_matrix_entries = std::size_t{1} << 20;

inline Eigen::Index idx_of(std::size_t n) {
  return static_cast<Eigen::Index>(n);
}

/// Widens a (tokens x features) view into a column-major double matrix.
/// Copied in 64 x 64 tiles: a row-major view into a column-major matrix is a transpose, and
/// element order would make one side stride by a whole row or column on every access. Large
/// matrices are copied by column tiles on OpenMP threads (a copy: the same on any thread count).
template <class T>
Eigen::MatrixXd to_matrix(const matrix_view<T>& x) {
  const std::size_t rows = x.extent(0), columns = x.extent(1);
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(columns));
  constexpr std::size_t tile = 64;
  const T* data = x.data();
  const std::ptrdiff_t row_stride = x.stride(0), column_stride = x.stride(1);
  const auto copy_tile_columns = [&](std::size_t t) {
    const std::size_t j0 = t * tile, j1 = std::min(columns, j0 + tile);
    for (std::size_t i0 = 0; i0 < rows; i0 += tile) {
      const std::size_t i1 = std::min(rows, i0 + tile);
      for (std::size_t j = j0; j < j1; ++j) {
        double* column = m.data() + static_cast<std::ptrdiff_t>(j * rows);
        const T* source = data + static_cast<std::ptrdiff_t>(j) * column_stride;
        for (std::size_t i = i0; i < i1; ++i)
          column[i] = widen(source[static_cast<std::ptrdiff_t>(i) * row_stride]);
      }
    }
  };
  const std::size_t tiles = (columns + tile - 1) / tile;
  if (rows * columns >= parallel_matrix_entries) {
    for_each_index(par, tiles, copy_tile_columns);
  } else {
    for_each_index(seq, tiles, copy_tile_columns);
  }
  return m;
}

/// Subtracts each column's mean in place (two-pass: the mean first, in double).
inline void centre_columns(Eigen::MatrixXd& m) {
  if (m.rows() == 0) return;
  const Eigen::RowVectorXd mean = m.colwise().sum() / static_cast<double>(m.rows());
  m.rowwise() -= mean;
}

/// Checks an activation matrix: non-empty, finite, and not constant (a constant representation
/// has no centred variance, so every similarity with it is 0/0).
template <class T>
void check_activations(const matrix_view<T>& x, std::string_view function, std::string_view name) {
  check_not_empty(x, function, name);
  check_finite(x, function, name);
}

inline void check_not_constant(const Eigen::MatrixXd& centred, std::string_view function,
                               std::string_view name) {
  if (centred.squaredNorm() == 0.0) {
    raise(function, name, "is constant over tokens (zero variance after centring)");
  }
}

/// The exponent e for which largest * 2^-e lies in [0.5, 1) (0 for 0, NaN or inf).
inline int exponent_of_largest(double largest) {
  if (!(largest > 0.0) || !std::isfinite(largest)) return 0;
  int exponent = 0;
  (void)std::frexp(largest, &exponent);
  return exponent;
}

/// The exponent e for which m * 2^-e has its largest |entry| in [0.5, 1) (0 for a zero matrix).
inline int scale_exponent(const Eigen::MatrixXd& m) {
  return exponent_of_largest(m.size() == 0 ? 0.0 : m.cwiseAbs().maxCoeff());
}

/// m *= 2^-exponent, exactly (only the exponents change) unless entries become subnormal. Two
/// steps: 2^-exponent alone is not representable for subnormal data (exponent < -1021).
template <class M>
void scale_by_power_of_two(M&& m, int exponent) {
  if (exponent == 0) return;
  const int half = exponent / 2;
  m *= std::ldexp(1.0, -half);
  m *= std::ldexp(1.0, half - exponent);
}

/// Multiplies m by the power of two that brings its largest |entry| into [0.5, 1); 0 stays 0.
/// Scale-invariant quantities are therefore unchanged bit for bit in the normal range.
inline void normalise_scale(Eigen::MatrixXd& m) {
  scale_by_power_of_two(m, scale_exponent(m));
}

/// Column-centres activations for a scale-invariant similarity (CKA): scaled to unit size before
/// and after centring, so the fourth powers in the Grams and cross-products neither overflow
/// (X * 1e154 used to give NaN, X * 1e75 zero) nor underflow (X * 1e-90 gave inf). Raises for a
/// constant representation.
inline void centre_for_similarity(Eigen::MatrixXd& m, std::string_view function, std::string_view name) {
  // Column by column on OpenMP threads, each column in cache for all its steps: the same
  // arithmetic as scaling, centring and rescaling the whole matrix in turn.
  const auto columns = static_cast<std::size_t>(m.cols());
  const auto parallel = [&](const auto& body) {
    if (static_cast<std::size_t>(m.size()) >= parallel_matrix_entries) {
      for_each_index(par, columns, body);
    } else {
      for_each_index(seq, columns, body);
    }
  };
  std::vector<double> magnitude(columns);
  parallel([&](std::size_t j) { magnitude[j] = m.col(static_cast<Eigen::Index>(j)).cwiseAbs().maxCoeff(); });
  const double largest = columns == 0 ? 0.0 : *std::max_element(magnitude.begin(), magnitude.end());
  const int exponent = exponent_of_largest(largest);
  // A column constant to working precision keeps only the rounding of its mean (~ n eps |x|): zero
  // it, so that a constant representation is reported as constant rather than compared as noise.
  const double slack = 4.0 * static_cast<double>(m.rows()) * std::numeric_limits<double>::epsilon();
  std::vector<double> centred_magnitude(columns);
  parallel([&](std::size_t jj) {
    const auto j = static_cast<Eigen::Index>(jj);
    auto column = m.col(j);
    Eigen::Matrix<double, 1, 1> size{magnitude[jj]};
    scale_by_power_of_two(column, exponent);
    scale_by_power_of_two(size, exponent);
    column.array() -= column.sum() / static_cast<double>(m.rows());
    const double spread = column.cwiseAbs().maxCoeff();
    if (spread <= slack * size(0)) column.setZero();
    centred_magnitude[jj] = spread <= slack * size(0) ? 0.0 : spread;
  });
  const double centred_largest =
      columns == 0 ? 0.0 : *std::max_element(centred_magnitude.begin(), centred_magnitude.end());
  if (!(centred_largest > 0.0))
    raise(function, name, "is constant over tokens (zero variance after centring)");
  const int centred_exponent = exponent_of_largest(centred_largest);
  parallel([&](std::size_t j) {
    auto column = m.col(static_cast<Eigen::Index>(j));
    scale_by_power_of_two(column, centred_exponent);
  });
}

template <class T, class U>
void check_same_tokens(const matrix_view<T>& x, const matrix_view<U>& y, std::string_view function,
                       std::string_view name_y) {
  if (x.extent(0) != y.extent(0)) {
    raise(function, name_y,
          "has " + std::to_string(y.extent(0)) + " tokens but the first layer has " +
              std::to_string(x.extent(0)));
  }
}

/// Sequence lengths must be positive and add up to the token count.
inline void check_sequence_lengths(std::span<const std::size_t> lengths, std::size_t tokens,
                                   std::string_view function) {
  if (lengths.empty()) raise(function, "sequence_lengths", "is empty");
  std::size_t total = 0;
  for (const std::size_t n : lengths) {
    if (n == 0) raise(function, "sequence_lengths", "contains a sequence of length 0");
    total += n;
  }
  if (total != tokens) {
    raise(
        function, "sequence_lengths",
        "adds up to " + std::to_string(total) + " tokens but the activations have " + std::to_string(tokens));
  }
}

}  // namespace infoscale::detail

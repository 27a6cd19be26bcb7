#pragma once
// Narrow-float activations (float, bfloat16, binary16), centred over tokens and stored
// feature-major: column t of the result is token t's features, so a row-major (tokens x features)
// input is widened by a straight stream instead of a tiled transpose, and the token means are
// vector sums over features. Two passes read the narrow input (its sums and magnitudes, then the
// centred copy); the double matrix is written once. This is linear CKA's input path: before it,
// the check, the transposing copy and the centring passes cost a quarter of linear_cka's time on
// 10,000 x 1,024 float32 activations.
//
// It gives centre_for_similarity's numbers without its power-of-two rescalings: for narrow floats
// those only ever changed exponents (|x| <= 3.4e38 and |x| >= 2^-149, so the Grams' fourth powers
// stay within 1e-180 .. 1e170 in double), and every scale-invariant quantity computed from them
// (CKA) is the same bit for bit with or without them.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale::detail {

/// The storage types for which the feature-major path applies (see the header comment).
template <class T>
inline constexpr bool is_narrow_float =
    std::is_same_v<std::remove_cv_t<T>, float> || std::is_same_v<std::remove_cv_t<T>, bfloat16> ||
    std::is_same_v<std::remove_cv_t<T>, float16>;

/// Tokens per chunk of the two passes: fixed, so the sums' order (and every rounding) is the same
/// on any thread count.
inline constexpr std::size_t feature_major_chunk = 256;

/// x (tokens x features, any strides) centred over tokens, as a features x tokens matrix; raises
/// (naming `function` and `name`) for empty, non-finite or constant input, as check_activations
/// and centre_for_similarity do. A feature constant to working precision is zeroed, as there.
template <class T>
requires is_narrow_float<T> Eigen::MatrixXd centred_feature_major(const matrix_view<T>& x,
                                                                  std::string_view function,
                                                                  std::string_view name) {
  check_not_empty(x, function, name);
  const std::size_t tokens = x.extent(0), features = x.extent(1);
  const T* data = x.data();
  const std::ptrdiff_t row_stride = x.stride(0), column_stride = x.stride(1);
  const std::size_t chunks = (tokens + feature_major_chunk - 1) / feature_major_chunk;
  const auto run = [&](const auto& body) {
    if (tokens * features >= parallel_matrix_entries) {
      for_each_index(par, chunks, body);
    } else {
      for_each_index(seq, chunks, body);
    }
  };
  // visit(t, row, stride) for each token of a chunk; the stride is the constant 1 for contiguous
  // rows (the common case), so that the loops over features vectorise.
  const auto each_token = [&](std::size_t chunk, const auto& visit) {
    const std::size_t end = std::min(tokens, (chunk + 1) * feature_major_chunk);
    for (std::size_t t = chunk * feature_major_chunk; t < end; ++t) {
      const T* row = data + static_cast<std::ptrdiff_t>(t) * row_stride;
      if (column_stride == 1)
        visit(t, row, std::integral_constant<std::ptrdiff_t, 1>{});
      else
        visit(t, row, column_stride);
    }
  };
  // Pass 1: per chunk, the features' sums and largest magnitudes. A NaN or infinity makes a sum
  // non-finite (a sum of finite narrow floats cannot overflow a double).
  std::vector<double> sums(chunks * features, 0.0), magnitudes(chunks * features, 0.0);
  run([&](std::size_t chunk) {
    double* sum = sums.data() + chunk * features;
    double* magnitude = magnitudes.data() + chunk * features;
    each_token(chunk, [&](std::size_t, const T* row, auto stride) {
      for (std::size_t j = 0; j < features; ++j) {
        const double value = widen(row[static_cast<std::ptrdiff_t>(j) * stride]);
        sum[j] += value;
        magnitude[j] = std::max(magnitude[j], std::abs(value));
      }
    });
  });
  std::vector<double> mean(features, 0.0), size(features, 0.0);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    for (std::size_t j = 0; j < features; ++j) {
      mean[j] += sums[chunk * features + j];
      size[j] = std::max(size[j], magnitudes[chunk * features + j]);
    }
  }
  for (std::size_t j = 0; j < features; ++j) {
    if (!std::isfinite(mean[j])) check_finite(x, function, name);  // raises, naming the entry
    mean[j] /= static_cast<double>(tokens);
  }
  // Pass 2: the centred copy, one column per token, and each chunk's largest centred magnitude.
  Eigen::MatrixXd m(idx_of(features), idx_of(tokens));
  std::vector<double> spreads(chunks * features, 0.0);
  run([&](std::size_t chunk) {
    double* spread = spreads.data() + chunk * features;
    each_token(chunk, [&](std::size_t t, const T* row, auto stride) {
      double* column = m.data() + t * features;
      for (std::size_t j = 0; j < features; ++j) {
        const double centred = widen(row[static_cast<std::ptrdiff_t>(j) * stride]) - mean[j];
        column[j] = centred;
        spread[j] = std::max(spread[j], std::abs(centred));
      }
    });
  });
  // A feature constant to working precision keeps only the rounding of its mean (~ n eps |x|):
  // zeroed, so that a constant representation is reported as constant (centre_for_similarity's rule).
  const double slack = 4.0 * static_cast<double>(tokens) * std::numeric_limits<double>::epsilon();
  bool varies = false;
  for (std::size_t j = 0; j < features; ++j) {
    double spread = 0.0;
    for (std::size_t chunk = 0; chunk < chunks; ++chunk)
      spread = std::max(spread, spreads[chunk * features + j]);
    if (spread <= slack * size[j]) {
      m.row(idx_of(j)).setZero();
    } else {
      varies = true;
    }
  }
  if (!varies) raise(function, name, "is constant over tokens (zero variance after centring)");
  return m;
}

}  // namespace infoscale::detail

#pragma once
// Plug-in (histogram) estimate of I(X; Y): each dimension is cut into `bins` equal-width bins
// between its sample minimum and maximum (numpy.histogram's convention: the last bin is closed),
// a sample's cell is its tuple of bin indices, and I = H(X_b) + H(Y_b) - H(X_b, Y_b) over the
// occupied cells, nats.
//
// Bias: the plug-in entropy underestimates by about (m - 1) / (2n) for m occupied cells (Miller
// 1955), so the plug-in MI is biased UPWARDS by about (m_xy - m_x - m_y + 1) / (2n), i.e.
// (B_x - 1)(B_y - 1) / (2n) when all cells are occupied; miller_madow = true adds the per-entropy
// corrections (m - 1) / (2n), removing that first-order term. The estimate also depends on the
// binning (a discretised MI, not the continuous one), and it is invariant only to monotone maps
// that keep the bins.
//
// Failure mode in high dimension: the number of cells grows as bins^d, so once bins^d >> n almost
// every sample occupies its own cell in X, in Y and in (X, Y), and the estimate saturates at
// about ln n whatever the dependence: independent 8-dimensional X and Y give ~ln n, not 0.

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/info/mutual_information_samples.hpp"

namespace infoscale {

/// Options of the binning estimator.
struct binning_options {
  std::size_t bins = 10;      ///< equal-width bins per dimension
  bool miller_madow = false;  ///< add the (m - 1) / (2n) correction to each entropy
};

namespace detail {

/// numpy.histogram's bin of v for equal-width bins on [lo, hi], the last bin closed.
inline std::uint32_t equal_width_bin(double v, double lo, double hi, std::size_t bins) {
  if (!(hi > lo)) return 0;
  const double norm = static_cast<double>(bins) / (hi - lo);  // numpy multiplies by bins / range
  auto b = static_cast<std::size_t>((v - lo) * norm);
  if (b >= bins) b = bins - 1;
  // The same edge corrections numpy applies after the division.
  const auto edge = [&](std::size_t e) {
    return lo + (hi - lo) * static_cast<double>(e) / static_cast<double>(bins);
  };
  if (b > 0 && v < edge(b)) --b;
  if (b + 1 < bins && v >= edge(b + 1)) ++b;
  return static_cast<std::uint32_t>(b);
}

inline std::vector<std::vector<std::uint32_t>> cell_indices(const dense_samples& s, std::size_t bins) {
  std::vector<std::vector<std::uint32_t>> cells(s.rows, std::vector<std::uint32_t>(s.columns));
  for (std::size_t j = 0; j < s.columns; ++j) {
    double lo = s(0, j), hi = s(0, j);
    for (std::size_t i = 1; i < s.rows; ++i) {
      lo = std::min(lo, s(i, j));
      hi = std::max(hi, s(i, j));
    }
    for (std::size_t i = 0; i < s.rows; ++i) cells[i][j] = equal_width_bin(s(i, j), lo, hi, bins);
  }
  return cells;
}

struct plug_in_entropy {
  double value = 0.0;
  std::size_t occupied = 0;
};

inline plug_in_entropy entropy_of_cells(const std::vector<std::vector<std::uint32_t>>& cells) {
  std::map<std::vector<std::uint32_t>, std::size_t> counts;
  for (const auto& c : cells) ++counts[c];
  const auto n = static_cast<double>(cells.size());
  compensated_sum h;
  for (const auto& [cell, count] : counts) {
    h += entr(static_cast<double>(count) / n);
  }
  return {h.value(), counts.size()};
}

}  // namespace detail

/// Binned plug-in estimate of I(X; Y) in nats from paired samples (rows of x and y).
template <class T, class U>
[[nodiscard]] double binned_mutual_information(const matrix_view<T>& x, const matrix_view<U>& y,
                                               const binning_options& options = {}) {
  constexpr std::string_view function = "binned_mutual_information";
  const auto xs = detail::dense_copy(x, function, "x");
  const auto ys = detail::dense_copy(y, function, "y");
  detail::check_paired_samples(x, y, function);
  if (options.bins < 1) detail::raise(function, "bins", "must be >= 1");
  // Cells are stored as 32-bit bin numbers: more bins would wrap around, silently merging cells.
  if (options.bins > std::numeric_limits<std::uint32_t>::max())
    detail::raise(function, "bins", "must be < 2^32, got " + std::to_string(options.bins));
  const auto cx = detail::cell_indices(xs, options.bins);
  const auto cy = detail::cell_indices(ys, options.bins);
  std::vector<std::vector<std::uint32_t>> cxy(cx.size());
  for (std::size_t i = 0; i < cx.size(); ++i) {
    cxy[i] = cx[i];
    cxy[i].insert(cxy[i].end(), cy[i].begin(), cy[i].end());
  }
  const auto hx = detail::entropy_of_cells(cx), hy = detail::entropy_of_cells(cy),
             hxy = detail::entropy_of_cells(cxy);
  double value = hx.value + hy.value - hxy.value;
  if (options.miller_madow) {
    const auto n2 = 2.0 * static_cast<double>(xs.rows);
    value += (static_cast<double>(hx.occupied) - 1.0 + static_cast<double>(hy.occupied) - 1.0 -
              (static_cast<double>(hxy.occupied) - 1.0)) /
             n2;
  }
  return value;
}

}  // namespace infoscale

#pragma once
// Peak detection on a boundary-evidence curve with scipy.signal.find_peaks semantics for the
// `prominence` argument: local maxima with strictly lower neighbours, a flat plateau reported at
// its middle sample (rounded down), the first and last samples never peaks, prominences and bases
// as scipy.signal.peak_prominences (no window). Edge mode is an opt-in extension, since a boundary
// can sit at the first or last layer pair where scipy would never report one.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

struct peak {
  std::size_t index = 0;       ///< sample of the peak (plateau middle, rounded down)
  double prominence = 0.0;     ///< height above the higher of the two bases
  std::size_t left_base = 0;   ///< scipy's left_bases
  std::size_t right_base = 0;  ///< scipy's right_bases
};

struct peak_options {
  double min_prominence = 0.0;  ///< keep peaks with prominence >= this (scipy's prominence=min)
  double max_prominence = std::numeric_limits<double>::infinity();
  bool include_edges = false;  ///< also consider the first and last samples (not scipy)
};

namespace detail {

inline void check_curve(std::span<const double> x, std::string_view function) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]))
      raise(function, "x", "contains a non-finite value at index " + std::to_string(i));
  }
}

// scipy.signal._peak_finding_utils._local_maxima_1d, line for line.
inline std::vector<std::size_t> local_maxima(std::span<const double> x) {
  std::vector<std::size_t> peaks;
  if (x.size() < 3) return peaks;
  const std::size_t i_max = x.size() - 1;
  std::size_t i = 1;
  while (i < i_max) {
    if (x[i - 1] < x[i]) {
      std::size_t ahead = i + 1;
      while (ahead < i_max && x[ahead] == x[i]) ++ahead;
      if (x[ahead] < x[i]) {
        peaks.push_back((i + ahead - 1) / 2);
        i = ahead;
      }
    }
    ++i;
  }
  return peaks;
}

// scipy.signal._peak_finding_utils._peak_prominences with wlen = None. In edge mode a peak on an
// edge plateau has no outer side: only its inner side's minimum is its reference.
enum class open_side { none, left, right };
inline peak prominence_of(std::span<const double> x, std::size_t index, open_side open = open_side::none) {
  peak p{index, 0.0, index, index};
  const double height = x[index];
  double left_min = height;
  for (std::size_t i = index + 1; i-- > 0;) {
    if (x[i] > height) break;
    if (x[i] < left_min) {
      left_min = x[i];
      p.left_base = i;
    }
  }
  double right_min = height;
  for (std::size_t i = index; i < x.size(); ++i) {
    if (x[i] > height) break;
    if (x[i] < right_min) {
      right_min = x[i];
      p.right_base = i;
    }
  }
  const double reference = open == open_side::left    ? right_min
                           : open == open_side::right ? left_min
                                                      : std::max(left_min, right_min);
  p.prominence = height - reference;
  return p;
}

}  // namespace detail

/// Prominence and bases of given peak indices: scipy.signal.peak_prominences(x, peaks).
[[nodiscard]] inline std::vector<peak> peak_prominences(std::span<const double> x,
                                                        std::span<const std::size_t> indices) {
  detail::check_curve(x, "peak_prominences");
  std::vector<peak> out;
  out.reserve(indices.size());
  for (const std::size_t i : indices) {
    if (i >= x.size()) detail::raise("peak_prominences", "peaks", "contains an index past the end of x");
    out.push_back(detail::prominence_of(x, i));  // an edge index gets prominence 0, as in scipy
  }
  return out;
}

/// Peaks of x with prominence in [min_prominence, max_prominence], in index order:
/// scipy.signal.find_peaks(x, prominence=(min, max)) with its properties; in edge mode the first
/// or last sample (or an edge plateau, at its middle) is a peak when its one neighbour is lower,
/// its prominence measured on its one side.
[[nodiscard]] inline std::vector<peak> find_peaks(std::span<const double> x,
                                                  const peak_options& options = {}) {
  constexpr std::string_view function = "find_peaks";
  detail::check_curve(x, function);
  if (std::isnan(options.min_prominence)) detail::raise(function, "min_prominence", "is NaN");
  if (std::isnan(options.max_prominence)) detail::raise(function, "max_prominence", "is NaN");
  std::vector<peak> candidates;
  for (const std::size_t i : detail::local_maxima(x)) candidates.push_back(detail::prominence_of(x, i));
  if (options.include_edges && x.size() >= 2) {
    std::size_t end = 0;  // left plateau [0, end]
    while (end + 1 < x.size() && x[end + 1] == x[0]) ++end;
    if (end + 1 < x.size() && x[end + 1] < x[0]) {
      candidates.insert(candidates.begin(), detail::prominence_of(x, end / 2, detail::open_side::left));
    }
    std::size_t begin = x.size() - 1;  // right plateau [begin, n - 1]
    while (begin > 0 && x[begin - 1] == x.back()) --begin;
    if (begin > 0 && x[begin - 1] < x.back()) {
      candidates.push_back(detail::prominence_of(x, (begin + x.size() - 1) / 2, detail::open_side::right));
    }
  }
  std::vector<peak> out;
  for (const peak& p : candidates) {
    if (p.prominence >= options.min_prominence && p.prominence <= options.max_prominence) out.push_back(p);
  }
  return out;
}

/// The `count` most prominent peaks (ties: lower index first), returned in index order.
[[nodiscard]] inline std::vector<peak> most_prominent(std::vector<peak> peaks, std::size_t count) {
  std::stable_sort(peaks.begin(), peaks.end(),
                   [](const peak& a, const peak& b) { return a.prominence > b.prominence; });
  if (peaks.size() > count) peaks.resize(count);
  std::sort(peaks.begin(), peaks.end(), [](const peak& a, const peak& b) { return a.index < b.index; });
  return peaks;
}

}  // namespace infoscale

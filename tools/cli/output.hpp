#pragma once
// Shared formatting: a summary as a text row or a JSON object.

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "statistics.hpp"

namespace infoscale::cli {

using json = nlohmann::ordered_json;

/// JSON has no infinities or NaN: they become null, which readers must treat as "not a number".
inline json number(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

/// Prints a JSON document. Strings that are not UTF-8 (a file name is any bytes on Linux) are
/// written with U+FFFD for the bad bytes instead of failing after the work is done.
inline void print_json(const json& document) {
  std::printf("%s\n", document.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

inline json to_json(const summary& s) {
  json out = {
      {"count", s.count},     {"mean", number(s.mean)},     {"standard_error", number(s.standard_error)},
      {"min", number(s.min)}, {"median", number(s.median)}, {"max", number(s.max)}};
  if (!s.percentiles.empty()) {
    json p = json::object();
    for (const auto& [fraction, value] : s.percentiles) {
      char key[16];
      std::snprintf(key, sizeof key, "%g", 100.0 * fraction);
      p[key] = number(value);
    }
    out["percentiles"] = p;
  }
  return out;
}

inline void print_summary_row(const char* label, const summary& s) {
  std::printf("%-24s %12.6f ± %-10.6f %12.6f %12.6f %12.6f\n", label, s.mean, s.standard_error, s.min,
              s.median, s.max);
}

inline void print_summary_header() {
  std::printf("%-24s %12s   %-10s %12s %12s %12s\n", "quantity", "mean", "SE", "min", "median", "max");
}

}  // namespace infoscale::cli

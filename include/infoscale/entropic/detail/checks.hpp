#pragma once
// Argument checks for the entropic module that work in both worlds: at run time a failed check throws
// infoscale::error; in constant evaluation it reaches a call to a non-constexpr function, so a
// static_assert or constexpr variable with bad input does not compile.

#include <cmath>
#include <string>
#include <string_view>

#include "infoscale/core/error.hpp"

namespace infoscale::entropic::detail {

// Out of line and non-constexpr on purpose: reaching it during constant evaluation is the compile error.
[[noreturn, gnu::cold, gnu::noinline]] inline void invalid(std::string_view function,
                                                           std::string_view argument,
                                                           std::string_view requirement, double value) {
  infoscale::detail::raise(function, argument, std::string(requirement) + ", got " + std::to_string(value));
}

// NaN fails every comparison, so each check is written so that NaN lands on the failing side.
constexpr bool is_finite(double x) {
  return x == x && x - x == 0.0;
}

constexpr void require_finite(double x, std::string_view function, std::string_view argument) {
  if (!is_finite(x)) invalid(function, argument, "must be finite", x);
}

constexpr void require_positive(double x, std::string_view function, std::string_view argument) {
  if (!(x > 0.0) || !is_finite(x)) invalid(function, argument, "must be finite and > 0", x);
}

constexpr void require_non_negative(double x, std::string_view function, std::string_view argument) {
  if (!(x >= 0.0) || !is_finite(x)) invalid(function, argument, "must be finite and >= 0", x);
}

/// A parameter count P: log2 P must be positive, so P > 1.
constexpr void require_parameters(double p, std::string_view function) {
  if (!(p > 1.0) || !is_finite(p)) invalid(function, "parameters", "must be finite and > 1", p);
}

/// A vocabulary needs at least two tokens to carry any information.
constexpr void require_vocabulary(double v, std::string_view function) {
  if (!(v >= 2.0) || !is_finite(v)) invalid(function, "vocabulary", "must be finite and >= 2", v);
}

/// A hierarchy level: n log n is positive and increasing only from n = 2 on (n = 1 has zero capacity).
constexpr void require_level(double n, std::string_view function, std::string_view argument = "n") {
  if (!(n >= 2.0) || !is_finite(n)) invalid(function, argument, "must be finite and >= 2", n);
}

constexpr void require_kappa(double kappa, std::string_view function) {
  require_positive(kappa, function, "kappa");
}

}  // namespace infoscale::entropic::detail

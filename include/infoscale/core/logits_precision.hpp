#pragma once
// How the logits kernels (entropy, log Z, U, F, S, C, varentropy) evaluate exp and accumulate.

#include <string>
#include <string_view>

#include "infoscale/core/error.hpp"

namespace infoscale {

enum class logits_precision {
  /// exp and sums in double: ~1e-13 relative, S relative even when tiny. The default, and the
  /// only mode of KL, JS and cross-entropy, where near-identical models make exactness the point.
  exact,
  /// exp and partial sums in float (core/softmax_moments.hpp states the bound): ~1e-7
  /// relative or better, about twice the exact mode's speed on fp32 logits here; for scoring
  /// fp16/bf16/fp32 logits at scale.
  fast,
};

inline std::string_view to_string(logits_precision precision) {
  return precision == logits_precision::fast ? "fast" : "exact";
}

/// "exact" or "fast"; anything else raises naming `function`'s argument.
inline logits_precision parse_logits_precision(std::string_view text, std::string_view function) {
  if (text == "exact") return logits_precision::exact;
  if (text == "fast") return logits_precision::fast;
  detail::raise(function, "precision", "must be 'exact' or 'fast', got '" + std::string(text) + "'");
}

}  // namespace infoscale

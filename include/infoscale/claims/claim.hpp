#pragma once
// One row of the claims ledger: a numbered claim of one of the three papers, what the library
// computed for it, the number it found and the verdict that number gives. Every verdict is decided
// by a comparison in the code that builds the row (never written by hand), and tests/unit/claims
// checks each row's verdict and figures against independent references.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace infoscale::claims {

enum class verdict {
  holds,         ///< the claim is true of what was computed
  fails,         ///< the computation contradicts it
  inconsistent,  ///< the paper contradicts itself (two of its own statements or numbers disagree)
  not_testable,  ///< it cannot be decided here; the row says why
  convention     ///< its truth depends on a reading the paper leaves open; the row shows both
};

inline constexpr std::array<verdict, 5> all_verdicts{verdict::holds, verdict::fails, verdict::inconsistent,
                                                     verdict::not_testable, verdict::convention};

namespace detail {
/// Per verdict, in all_verdicts' order: the words of the Markdown and the one-word JSON key.
inline constexpr std::array<std::array<std::string_view, 2>, 5> verdict_words{
    {{"holds", "holds"},
     {"fails", "fails"},
     {"inconsistent", "inconsistent"},
     {"not testable", "not_testable"},
     {"depends on a convention", "convention"}}};
}  // namespace detail

[[nodiscard]] constexpr std::string_view verdict_name(verdict v) {
  return detail::verdict_words[static_cast<std::size_t>(v)][0];
}

/// The JSON spelling of a verdict (one word).
[[nodiscard]] constexpr std::string_view verdict_key(verdict v) {
  return detail::verdict_words[static_cast<std::size_t>(v)][1];
}

struct claim {
  std::string paper;      ///< ES, TD or MS (docs/papers.md)
  std::string place;      ///< "eq. (7)", "Table 2", "§3.3.2, prediction 1.1"
  std::string statement;  ///< the claim, in one line
  std::string computed;   ///< the library call and its inputs
  std::string found;      ///< the numbers found
  verdict outcome = verdict::not_testable;
  std::string
      note;  ///< why, for not testable; both readings, for a convention; the source of real-model rows
};

/// Verdict from a decisive comparison: holds when `ok`, else `otherwise`.
[[nodiscard]] constexpr verdict holds_if(bool ok, verdict otherwise = verdict::fails) {
  return ok ? verdict::holds : otherwise;
}

/// A number with `digits` significant digits (%g), the ledger's one format, so the committed
/// Markdown does not move with a machine's last bits.
[[nodiscard]] inline std::string num(double x, int digits = 4) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x);
  std::string s = buffer;
  return s == "-0" ? "0" : s;
}

/// The rows of one ledger, and what the real-model rows read.
struct ledger {
  std::vector<claim> rows;
  std::vector<std::string> sources;  ///< inputs the real-model rows read (or that were missing)

  [[nodiscard]] std::size_t count(verdict v) const {
    std::size_t n = 0;
    for (const auto& r : rows) n += r.outcome == v ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::size_t count(std::string_view paper, verdict v) const {
    std::size_t n = 0;
    for (const auto& r : rows) n += (r.paper == paper && r.outcome == v) ? 1 : 0;
    return n;
  }
};

}  // namespace infoscale::claims

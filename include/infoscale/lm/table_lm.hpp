#pragma once
// Explicit finite models: a next-word table (a PLM) and a table of continuations (a CLM with
// finite support). Both validate their tables once: every row normalised, no end token inside a
// sentence, so every quantity computed from them is exact up to rounding.

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale {
namespace detail {

inline void check_probability_row(std::span<const double> row, std::size_t size, double tolerance,
                                  std::string_view function, const std::string& name) {
  if (row.size() != size) {
    raise(function, name,
          "has " + std::to_string(row.size()) + " entries, the vocabulary " + std::to_string(size));
  }
  compensated_sum total;
  for (std::size_t j = 0; j < row.size(); ++j) {
    if (!std::isfinite(row[j]) || row[j] < 0.0) {
      raise(function, name,
            "has an invalid probability " + std::to_string(row[j]) + " at token " + std::to_string(j));
    }
    total += row[j];
  }
  if (std::abs(total.value() - 1.0) > tolerance) {
    raise(function, name, "is not normalised: sums to " + std::to_string(total.value()));
  }
}

inline std::string context_name(const sentence& context) {
  std::string name = "rows[{";
  for (std::size_t i = 0; i < context.size(); ++i) {
    if (i > 0) name.push_back(',');
    name.append(std::to_string(context[i]));
  }
  return name + "}]";
}

}  // namespace detail

/// A PLM given by an explicit table: context -> p(. | context) over W ∪ {∅}. The next-word law after
/// a prefix is the row of the longest suffix of the prefix present in the table (back-off), so the
/// empty context must be present. A table with only contexts of length <= k is an order-k Markov
/// model; a table keyed by whole prompts is an arbitrary finite model.
class table_lm {
 public:
  table_lm(vocabulary vocab, std::map<sentence, std::vector<double>> rows, double tolerance = 1e-9)
      : vocab_(vocab), rows_(std::move(rows)) {
    constexpr std::string_view function = "table_lm";
    if (rows_.find(sentence{}) == rows_.end()) {
      detail::raise(function, "rows", "has no row for the empty context (needed to back off to)");
    }
    for (auto& [context, row] : rows_) {
      check_sentence(vocab_, context, function, "rows (a context)");
      detail::check_probability_row(row, vocab_.size(), tolerance, function, detail::context_name(context));
      order_ = std::max(order_, context.size());
      // Stored as logs once, so lookups are copies.
      for (double& p : row) p = std::log(p);
    }
  }

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  /// The longest context in the table.
  [[nodiscard]] std::size_t order() const noexcept { return order_; }

  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    const auto& row = row_for(prefix);
    std::copy(row.begin(), row.end(), out.begin());
  }

 private:
  const std::vector<double>& row_for(std::span<const token> prefix) const {
    for (std::size_t length = std::min(order_, prefix.size());; --length) {
      const sentence key(prefix.end() - static_cast<std::ptrdiff_t>(length), prefix.end());
      if (const auto it = rows_.find(key); it != rows_.end()) return it->second;
      if (length == 0) break;
    }
    return rows_.at(sentence{});
  }

  vocabulary vocab_;
  std::map<sentence, std::vector<double>> rows_;
  std::size_t order_ = 0;
};

/// A CLM given by an explicit table: for each prompt a finite list of continuations with
/// probabilities summing to 1 [paper: P_L(.|s) a distribution on sentences]. Prompts not in the table
/// are an error (the model is undefined there).
class continuation_table {
 public:
  continuation_table(vocabulary vocab, std::map<sentence, std::vector<weighted_sentence>> table,
                     double tolerance = 1e-9)
      : vocab_(vocab), table_(std::move(table)) {
    constexpr std::string_view function = "continuation_table";
    if (table_.empty()) detail::raise(function, "table", "is empty (no prompt)");
    for (auto& [prompt, support] : table_) {
      check_sentence(vocab_, prompt, function, "table (a prompt)");
      if (support.empty()) detail::raise(function, detail::context_name(prompt), "has no continuation");
      std::sort(support.begin(), support.end(),
                [](const auto& a, const auto& b) { return a.continuation < b.continuation; });
      compensated_sum total;
      for (std::size_t i = 0; i < support.size(); ++i) {
        check_sentence(vocab_, support[i].continuation, function, "table (a continuation)");
        if (i > 0 && support[i].continuation == support[i - 1].continuation) {
          detail::raise(function, detail::context_name(prompt), "lists a continuation twice");
        }
        if (!std::isfinite(support[i].probability) || support[i].probability < 0.0) {
          detail::raise(function, detail::context_name(prompt), "has an invalid probability");
        }
        total += support[i].probability;
      }
      if (std::abs(total.value() - 1.0) > tolerance) {
        detail::raise(function, detail::context_name(prompt),
                      "is not normalised: sums to " + std::to_string(total.value()));
      }
    }
  }

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }

  /// The continuations of `prompt` with their probabilities, sorted lexicographically.
  [[nodiscard]] const std::vector<weighted_sentence>& support(std::span<const token> prompt) const {
    const auto it = table_.find(sentence(prompt.begin(), prompt.end()));
    if (it == table_.end()) detail::raise("continuation_table", "prompt", "is not in the table");
    return it->second;
  }

  [[nodiscard]] double log_probability(std::span<const token> prompt,
                                       std::span<const token> continuation) const {
    const auto& s = support(prompt);
    const sentence key(continuation.begin(), continuation.end());
    const auto it =
        std::lower_bound(s.begin(), s.end(), key,
                         [](const weighted_sentence& a, const sentence& k) { return a.continuation < k; });
    if (it == s.end() || it->continuation != key) return -std::numeric_limits<double>::infinity();
    return std::log(it->probability);
  }

 private:
  vocabulary vocab_;
  std::map<sentence, std::vector<weighted_sentence>> table_;
};

}  // namespace infoscale

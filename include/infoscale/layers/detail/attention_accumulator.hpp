#pragma once
// S3's inputs as layer_analysis and layer_shard receive them: per sequence, the JS sum of each
// layer pair given so far (a whole sequence at once, or one pair for a batch from hooks) and the
// (head, query) row count. Pairs may arrive in any order, so completeness is checked only when the
// collector turns them into attention_drift_sums.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/attention_drift.hpp"

namespace infoscale::detail {

class attention_accumulator {
 public:
  /// Whose sequences the indices count, for messages: a corpus's, or one shard's (local indices).
  enum class scope { corpus, shard };

  /// `function` names the collector in errors; it must outlive the accumulator.
  attention_accumulator(std::string_view function, std::size_t sequences, scope s)
      : function_(function), scope_(s), js_(sequences), rows_(sequences, 0) {}

  [[nodiscard]] std::size_t sequences() const { return js_.size(); }

  void check_sequence(std::size_t s) const {
    if (s >= sequences())
      raise("sequence", "is " + std::to_string(s) + " but " +
                            (scope_ == scope::shard ? "the shard has " : "there are ") +
                            std::to_string(sequences()) + " sequences");
  }

  /// One sequence's attention_drift_statistics: js_sum[a] is pair a + first_pair (1 for a whole
  /// stack; a later pipeline stage's stack starts with the previous stage's last layer).
  void add_sequence(std::size_t s, const attention_drift_sums& sums, std::size_t first_pair = 1) {
    check_sequence(s);
    if (first_pair == 0) raise("first_pair", "must be >= 1 (pair 0 has no attention drift)");
    for (std::size_t a = 0; a < sums.js_sum.size(); ++a) js_[s][a + first_pair] = sums.js_sum[a];
    record_rows(s, sums.rows);
  }

  /// The JS sums of one layer pair (>= 1) for a batch of sequences.
  void add_pair_sums(std::size_t pair, std::span<const std::size_t> sequences,
                     std::span<const double> js_sums, std::span<const std::size_t> rows) {
    if (pair == 0) raise("pair", "must be >= 1 (pair 0 has no attention drift)");
    if (sequences.size() != js_sums.size() || sequences.size() != rows.size())
      raise("js_sums", "must give one sum and one row count per sequence");
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      check_sequence(sequences[i]);
      if (!std::isfinite(js_sums[i]) || js_sums[i] < 0.0) raise("js_sums", "must be finite and >= 0");
      js_[sequences[i]][pair] = js_sums[i];
      record_rows(sequences[i], rows[i]);
    }
  }

  /// Sums as complete() gives them (pair 0 a placeholder), from a state checked when collected.
  void restore(std::size_t s, const attention_drift_sums& sums) {
    check_sequence(s);
    for (std::size_t pair = 1; pair < sums.js_sum.size(); ++pair) js_[s][pair] = sums.js_sum[pair];
    rows_[s] = sums.rows;
  }

  /// Per sequence, the sums of pairs 0..layers-1 (pair 0 a placeholder: nothing attends before
  /// layer 1); every pair 1..layers-1 must have been given, and none beyond. `layers` >= 2.
  [[nodiscard]] std::vector<attention_drift_sums> complete(std::size_t layers) const {
    return complete(0, layers);
  }

  /// The same for the pairs first..end-1 of one pipeline stage (js_sum[0] is pair `first`; pair 0,
  /// where first = 0, a placeholder): every real pair of the range given, and none outside it.
  [[nodiscard]] std::vector<attention_drift_sums> complete(std::size_t first, std::size_t end) const {
    const std::string_view noun = scope_ == scope::shard ? "of shard sequence " : "of sequence ";
    const std::size_t real = end - std::max<std::size_t>(first, 1);
    std::vector<attention_drift_sums> out;
    out.reserve(sequences());
    for (std::size_t s = 0; s < sequences(); ++s) {
      const auto& got = js_[s];
      attention_drift_sums sums{std::vector<double>(end - first, 0.0), rows_[s]};
      for (std::size_t pair = std::max<std::size_t>(first, 1); pair < end; ++pair) {
        const auto it = got.find(pair);
        if (it == got.end())
          raise("attentions",
                std::string(noun) + std::to_string(s) + " lack layer pair " + std::to_string(pair) +
                    (first == 0 ? " (attention for layers 1.." + std::to_string(end) + " is needed)"
                                : " (pairs " + std::to_string(first) + ".." + std::to_string(end - 1) +
                                      " of this pipeline stage are needed; pair " + std::to_string(first) +
                                      " takes the previous stage's last layer)"));
        sums.js_sum[pair - first] = it->second;
      }
      // Every pair of the range is present, so more keys means pairs outside it.
      if (got.size() != real && first == 0)
        raise("attentions", std::string(noun) + std::to_string(s) + " cover " +
                                std::to_string(got.size() + 1) + " layers but hidden_states " +
                                std::to_string(end));
      if (got.size() != real)
        raise("attentions", std::string(noun) + std::to_string(s) + " give " + std::to_string(got.size()) +
                                " layer pairs; this pipeline stage has pairs " + std::to_string(first) +
                                ".." + std::to_string(end - 1));
      out.push_back(std::move(sums));
    }
    return out;
  }

 private:
  [[noreturn]] void raise(std::string_view argument, const std::string& problem) const {
    infoscale::detail::raise(function_, argument, problem);
  }

  void record_rows(std::size_t s, std::size_t rows) {
    if (rows == 0) raise("rows", "of sequence " + std::to_string(s) + " is 0");
    if (rows_[s] != 0 && rows_[s] != rows)
      raise("attentions", "of sequence " + std::to_string(s) + " changes its row count between layer pairs");
    rows_[s] = rows;
  }

  std::string_view function_;
  scope scope_;
  std::vector<std::map<std::size_t, double>> js_;  // per sequence: pair -> JS sum
  std::vector<std::size_t> rows_;
};

}  // namespace infoscale::detail

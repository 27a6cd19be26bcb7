#pragma once
// S3's evidence as a mergeable state: per sequence, the JS sums of every layer pair and the
// (head, query) row count (attention_drift_sums), which is all attention_evidence resamples.
// Sums over sequences are the pooled mean, so concatenating shards is exact. A pipeline stage's
// state holds the pairs of its own layers (first_pair() onwards, the pair with the previous stage's
// last layer first); append_layers joins consecutive stages.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/distributed/sequence_shard.hpp"
#include "infoscale/layers/distributed/wire.hpp"

namespace infoscale {

/// The attention pairs held beside hidden states a..a+n-1 (the layout rule of every state): a whole
/// stack or first stage (a = 0) holds pairs 0..n-2 (pair 0 a placeholder), a later stage one pair
/// per hidden state from a - 1, the first of them straddling the stages.
struct attention_pair_range {
  std::size_t first = 0, count = 0;
};
[[nodiscard]] inline attention_pair_range attention_pairs_beside(std::size_t a, std::size_t n) {
  if (a == 0) return {0, n == 0 ? 0 : n - 1};
  return {a - 1, n};
}

class attention_state {
 public:
  static constexpr std::uint32_t kind = 2;

  attention_state() = default;
  /// `pairs` JS sums per sequence, pairs first_pair.. (first_pair 0: the layout
  /// attention_evidence::set_sequence takes, pair 0 a placeholder).
  attention_state(sequence_shard shard, std::size_t pairs, std::size_t first_pair = 0)
      : shard_(std::move(shard)),
        pairs_(pairs),
        first_pair_(first_pair),
        js_(shard_.size() * pairs, 0.0),
        rows_(shard_.size(), 0) {}

  /// The sums of the held sequence at position i.
  void set_sequence(std::size_t i, const attention_drift_sums& sums) {
    constexpr std::string_view function = "attention_state::set_sequence";
    if (i >= shard_.size()) detail::raise(function, "sequence", "is out of range");
    if (sums.js_sum.size() != pairs_)
      detail::raise(
          function, "sums",
          "has " + std::to_string(sums.js_sum.size()) + " layer pairs, the state " + std::to_string(pairs_));
    if (sums.rows == 0) detail::raise(function, "sums", "has no (head, query) rows");
    for (std::size_t p = 0; p < pairs_; ++p) js_[i * pairs_ + p] = sums.js_sum[p];
    rows_[i] = sums.rows;
  }

  [[nodiscard]] const sequence_shard& shard() const { return shard_; }
  /// The sums of the held sequence at position i.
  [[nodiscard]] attention_drift_sums sums(std::size_t i) const {
    if (i >= shard_.size()) detail::raise("attention_state::sums", "i", "is out of range");
    return {{js_.begin() + static_cast<std::ptrdiff_t>(i * pairs_),
             js_.begin() + static_cast<std::ptrdiff_t>((i + 1) * pairs_)},
            rows_[i]};
  }
  [[nodiscard]] std::size_t pairs() const { return pairs_; }
  /// The layer pair of sums(i).js_sum[0]: 0 for a whole stack or a first pipeline stage.
  [[nodiscard]] std::size_t first_pair() const { return first_pair_; }

  void merge(const attention_state& other) {
    constexpr std::string_view function = "attention_state::merge";
    if (other.pairs_ != pairs_ || other.first_pair_ != first_pair_)
      detail::raise(function, "other",
                    "has " + std::to_string(other.pairs_) + " layer pairs from pair " +
                        std::to_string(other.first_pair_) + ", this state " + std::to_string(pairs_) +
                        " from " + std::to_string(first_pair_));
    shard_.merge(other.shard_, function);
    js_.insert(js_.end(), other.js_.begin(), other.js_.end());
    rows_.insert(rows_.end(), other.rows_.begin(), other.rows_.end());
  }

  /// Layer-parallel collection: appends the next pipeline stage's pairs (the same sequences, its
  /// first pair the one after this state's last, which it computed from this stage's last layer).
  void append_layers(const attention_state& next) {
    constexpr std::string_view function = "attention_state::append_layers";
    if (next.shard_.ids != shard_.ids || next.shard_.lengths != shard_.lengths ||
        next.shard_.total != shard_.total)
      detail::raise(function, "next", "holds attention of other sequences than this state");
    if (next.first_pair_ != first_pair_ + pairs_)
      detail::raise(function, "next",
                    "starts at layer pair " + std::to_string(next.first_pair_) +
                        "; this state ends at pair " + std::to_string(first_pair_ + pairs_ - 1) +
                        " (a later stage's first pair takes the previous stage's last layer)");
    if (next.rows_ != rows_)
      detail::raise(function, "next", "counts other (head, query) rows for the same sequences");
    const std::size_t n = shard_.size(), width = pairs_ + next.pairs_;
    std::vector<double> joined(n * width);
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(js_.begin() + static_cast<std::ptrdiff_t>(i * pairs_), pairs_,
                  joined.begin() + static_cast<std::ptrdiff_t>(i * width));
      std::copy_n(next.js_.begin() + static_cast<std::ptrdiff_t>(i * next.pairs_), next.pairs_,
                  joined.begin() + static_cast<std::ptrdiff_t>(i * width + pairs_));
    }
    js_ = std::move(joined);
    pairs_ = width;
  }

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    write(w);
    return w.finish();
  }
  [[nodiscard]] static attention_state deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "attention state", "attention_state::deserialize");
    auto s = read(r);
    r.done();
    return s;
  }
  void write(detail::byte_writer& w) const {
    shard_.write(w);
    w.u64(pairs_);
    w.u64(first_pair_);
    w.array(std::span<const double>(js_));
    w.array(std::span<const std::uint64_t>(rows_));
  }
  static attention_state read(detail::byte_reader& r) {
    attention_state s;
    s.shard_ = sequence_shard::read(r);
    s.pairs_ = r.count("pairs", 0);
    if (s.pairs_ > (std::uint64_t{1} << 32)) r.fail("claims " + std::to_string(s.pairs_) + " layer pairs");
    s.first_pair_ = r.u64("first pair");
    if (s.first_pair_ > (std::uint64_t{1} << 32))
      r.fail("claims its pairs start at pair " + std::to_string(s.first_pair_));
    s.js_ = r.array<double>("js sums", s.shard_.size() * s.pairs_);
    s.rows_ = r.array<std::uint64_t>("rows", s.shard_.size());
    for (const std::uint64_t n : s.rows_)
      if (n == 0) r.fail("holds a sequence without attention rows (a shard that never saw its attention)");
    return s;
  }

  /// The evidence the pipeline resamples, sequences in global order.
  [[nodiscard]] attention_evidence evidence(const resampling_plan& plan) const {
    constexpr std::string_view function = "attention_state::evidence";
    const auto order = shard_.order(function);
    if (plan.sequences() != shard_.total)
      detail::raise(function, "plan", "has a different number of sequences");
    if (first_pair_ != 0)
      detail::raise(function, "state",
                    "covers layer pairs from " + std::to_string(first_pair_) +
                        " only: append the earlier pipeline stages' states first");
    attention_evidence e(plan);
    for (std::size_t g = 0; g < order.size(); ++g) {
      e.set_sequence(g, sums(order[g]));
    }
    return e;
  }

 private:
  sequence_shard shard_;
  std::uint64_t pairs_ = 0;
  std::uint64_t first_pair_ = 0;     // the layer pair of each sequence's first sum
  std::vector<double> js_;           // [held sequence][pair]
  std::vector<std::uint64_t> rows_;  // per held sequence
};

}  // namespace infoscale

#pragma once
// One rank's collector for a data-parallel layer analysis: the sequences first..first+n-1 of a
// corpus, fed as layer_analysis is (hidden states layer by layer, attention per sequence or as
// per-batch JS sums), kept as a mergeable layer_state instead of being analysed. No layer or token
// outside the shard is ever needed.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/io/dtype.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/detail/attention_accumulator.hpp"
#include "infoscale/layers/detail/matrix.hpp"
#include "infoscale/layers/distributed/layer_state.hpp"
#include "infoscale/layers/distributed/ridge_probe_sums.hpp"

namespace infoscale {

class layer_shard {
 public:
  /// `sequence_lengths` of the shard's sequences (global indices first_sequence, ...), in the order
  /// their rows are stacked; `label_sets` per probing task one id >= 0 per shard token (mapped to
  /// classes only when the merged corpus is analysed); `causal`: the S3 mask.
  layer_shard(std::vector<std::size_t> sequence_lengths, std::size_t first_sequence,
              std::size_t total_sequences, std::vector<std::vector<std::int64_t>> label_sets,
              bool causal = false)
      : causal_(causal),
        attention_(function, sequence_lengths.size(),
                   infoscale::detail::attention_accumulator::scope::shard) {
    if (sequence_lengths.empty()) raise("sequence_lengths", "is empty");
    sequence_shard shard = sequence_shard::contiguous(
        first_sequence, {sequence_lengths.begin(), sequence_lengths.end()}, total_sequences, function);
    state_.cka = sequence_cka_state(shard);
    if (!label_sets.empty()) state_.probes.emplace(shard, std::move(label_sets));
  }

  /// Layer-parallel collection: this shard collects the hidden states after `previous.layer`
  /// (another pipeline stage's boundary()); call before the first add_hidden_layer. Its attention
  /// pairs then start with the straddling one, first_attention_pair(): the previous stage's last
  /// layer against this stage's first.
  void continue_from(const sequence_grams& previous) {
    if (hidden_layers() != 0) raise("previous", "must be given before the first hidden layer");
    if (stacked_attention_)
      raise("previous",
            "must be given before add_attention_sequence (a stage's stack starts with the previous stage's "
            "last layer)");
    if (previous.shard.ids != state_.shard().ids || previous.shard.lengths != state_.shard().lengths)
      raise("previous", "holds Grams of other sequences than this shard's");
    state_.cka = sequence_cka_state(previous);
  }
  /// The layer pair of this stage's first attention sum: 0 (a placeholder) for a whole stack or a
  /// first stage; for a stage whose hidden states start at a > 0, a - 1: attention layers a - 2
  /// (the previous stage's last) and a - 1 (this stage's first block, whose output is hidden state a).
  [[nodiscard]] std::size_t first_attention_pair() const {
    return attention_pairs_beside(state_.cka.first_layer(), hidden_layers()).first;
  }
  /// Ridge probes from normal-equation sums (ridge_probe_sums.hpp) instead of gathered features:
  /// this shard's sequences start at corpus token `first_token` of `corpus_tokens`; folds and seed
  /// as the analysis' options. Before the first hidden layer. Then, after the last: every rank's
  /// probe_sums() merged, predict_probes(merged), and state() carries predictions, not features.
  void use_ridge_sums(std::uint64_t first_token, std::uint64_t corpus_tokens, std::size_t folds,
                      std::uint64_t seed) {
    if (!state_.probes) raise("labels", "are needed for probe sums");
    if (hidden_layers() != 0) raise("first_token", "must be given before the first hidden layer");
    ridge_.emplace(state_.shard(), folds, seed, corpus_tokens,
                   ridge_probe_folds(corpus_tokens, first_token, tokens(), folds, seed),
                   state_.probes->labels(), state_.cka.first_layer());
  }
  /// This shard's normal-equation sums (use_ridge_sums), for the ranks to merge.
  [[nodiscard]] const ridge_probe_sums& probe_sums() const {
    if (!ridge_) raise("probes", "collect no normal-equation sums: call use_ridge_sums first");
    return *ridge_;
  }
  /// Fits every layer's ridge probes (alpha) on `merged`, every rank's sums, and keeps this shard's
  /// tokens' out-of-fold predictions in its state in place of their features.
  void predict_probes(const ridge_probe_sums& merged, double alpha) {
    const ridge_probe_sums& own = probe_sums();
    if (state_.probes->predicted()) raise("merged", "probes were already predicted");
    std::vector<std::vector<std::vector<std::int64_t>>> predicted;
    for (std::size_t l = 0; l < own.layers(); ++l)
      predicted.push_back(own.predict(merged, l, state_.probes->held_features(l), alpha));
    state_.probes->set_predictions(std::move(predicted), {own.folds(), own.seed(), alpha});
  }

  /// The Grams of the last hidden layer added: what the next pipeline stage needs.
  [[nodiscard]] sequence_grams boundary() const { return state_.cka.boundary(); }

  [[nodiscard]] std::size_t hidden_layers() const { return state_.cka.layers(); }
  [[nodiscard]] std::size_t tokens() const { return state_.shard().tokens(); }
  [[nodiscard]] std::size_t sequences() const { return state_.shard().size(); }

  /// Hidden state number hidden_layers() (0 = embeddings): [shard tokens, features].
  template <ExecutionPolicy P, class T>
  void add_hidden_layer(P policy, const matrix_view<T>& layer) {
    const std::size_t l = hidden_layers();
    if (l == 0) {
      state_.features = layer.extent(1);
      state_.dtype = std::string(io::name_of(io::element_type_of<std::remove_const_t<T>>));
    } else if (layer.extent(1) != state_.features) {
      raise("layer", "has " + std::to_string(layer.extent(1)) + " features in hidden layer " +
                         std::to_string(l) + " but " + std::to_string(state_.features) + " in layer 0");
    }
    try {
      state_.cka.add_layer(policy, layer);
    } catch (const error& e) {
      raise("layer", "hidden layer " + std::to_string(l) + ": " + e.what());
    }
    if (state_.probes) state_.probes->add_layer(layer);
    if (ridge_) ridge_->add_layer(layer);
  }

  /// The attention of one shard sequence (local index), every layer at once, as layer_analysis;
  /// on a continued stage (continue_from), the previous stage's last layer first, then this
  /// stage's layers.
  template <class T>
  void add_attention_sequence(std::size_t sequence, std::span<const tensor_view<T, 3>> layers,
                              std::span<const std::uint8_t> valid = {}) {
    attention_.check_sequence(sequence);
    attention_drift_sums sums;
    try {
      sums = attention_drift_statistics(layers, attention_mask{causal_, valid});
    } catch (const error& e) {
      raise("attentions", "of sequence " + std::to_string(sequence) + ": " + e.what());
    }
    attention_.add_sequence(sequence, sums, std::max<std::size_t>(first_attention_pair(), 1));
    stacked_attention_ = true;
    note_attention(std::string(io::name_of(io::element_type_of<std::remove_const_t<T>>)),
                   layers.empty() ? 0 : layers[0].extent(0), layers.empty() ? 0 : layers[0].extent(1),
                   !valid.empty());
  }

  /// The JS sums of one layer pair (>= 1, numbered over the whole model) for a batch of shard
  /// sequences (local indices).
  void add_attention_pair_sums(std::size_t pair, std::span<const std::size_t> sequences,
                               std::span<const double> js_sums, std::span<const std::size_t> rows,
                               const std::string& dtype, std::size_t heads, std::size_t positions) {
    attention_.add_pair_sums(pair, sequences, js_sums, rows);
    note_attention(dtype, heads, positions, true);
  }

  /// The shard's mergeable state; attention, when any was given, must cover every sequence and
  /// every layer pair 1..L-1 (a continued stage: its pairs, first_attention_pair() onwards).
  [[nodiscard]] layer_state state() const {
    if (ridge_ && !state_.probes->predicted())
      raise("probes",
            "collect normal-equation sums: call predict_probes with every rank's merged sums first");
    layer_state s = state_;
    if (!has_attention_) return s;
    const attention_pair_range pairs = attention_pairs_beside(state_.cka.first_layer(), hidden_layers());
    const std::size_t first = pairs.first, end = pairs.first + pairs.count;  // past this stage's last pair
    if (first == 0 && end < 2)
      raise("attentions", "need at least 3 hidden layers (embeddings and 2 layers) beside them");
    if (first > 0 && hidden_layers() == 0) raise("attentions", "came without this stage's hidden layers");
    s.attention.emplace(state_.shard(), end - first, first);
    const std::vector<attention_drift_sums> sums = attention_.complete(first, end);
    for (std::size_t i = 0; i < sums.size(); ++i) s.attention->set_sequence(i, sums[i]);
    s.attention_info = info_;
    return s;
  }

 private:
  static constexpr std::string_view function = "layer_shard";
  [[noreturn]] static void raise(std::string_view argument, const std::string& problem) {
    detail::raise(function, argument, problem);
  }
  void note_attention(const std::string& dtype, std::size_t heads, std::size_t positions, bool padding) {
    if (has_attention_ && (dtype != info_.dtype || heads != info_.heads))
      raise("attentions", "change their type or head count between calls");
    info_.dtype = dtype;
    info_.heads = heads;
    info_.positions = std::max<std::uint64_t>(info_.positions, positions);
    info_.padding = info_.padding || padding;
    info_.causal = causal_;
    has_attention_ = true;
  }

  bool causal_ = false;
  layer_state state_;
  std::optional<ridge_probe_sums> ridge_;
  infoscale::detail::attention_accumulator attention_;
  bool has_attention_ = false;
  bool stacked_attention_ = false;  // add_attention_sequence numbers its pairs from first_attention_pair()
  attention_inputs info_;
};

}  // namespace infoscale

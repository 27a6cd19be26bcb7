#pragma once
// The layer-boundary analysis of MS §4.1.1 as one object fed as a model runs: hidden states one
// layer at a time (embeddings first), attention per sequence or as per-batch JS sums, then
// report(). It never holds activations: per layer it keeps CKA's per-sequence statistics (two
// token Grams alive at a time, see cka_bootstrap.hpp), the probes' confusion matrices and, for
// attention, one sum per (sequence, layer pair).
//
// S1 = 1 / linear CKA of adjacent layers (MS eq. (3)); S2 = probe jumps (MS eq. (4)), the mean over
// label sets of k-fold out-of-fold macro-F1; S3 = attention JS drift (MS eq. (5)), pair 0 absent
// (nothing attends before layer 1); fused into E(l) (MS eq. (6)); the two most prominent peaks are
// the L-I and I-G boundaries, with percentile and BCa intervals over sequence resamples.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/io/dtype.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/layers/detail/attention_accumulator.hpp"
#include "infoscale/layers/distributed/layer_state.hpp"
#include "infoscale/layers/fusion.hpp"
#include "infoscale/layers/layer_report.hpp"
#include "infoscale/layers/peaks.hpp"
#include "infoscale/layers/pipeline.hpp"
#include "infoscale/layers/probe.hpp"

namespace infoscale {

/// The analysis' options; the defaults are the paper's (weights 1.0/0.8/0.6, prominence 0.3,
/// 1000 resamples, 95% CIs accepted below 5 layers).
struct layer_options {
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;  ///< of the bootstrap and of the probes' folds
  std::array<double, 3> weights = default_signal_weights;
  signal_normalization normalization = signal_normalization::max;
  double min_prominence = 0.3;
  bool include_edges = false;  ///< let the first and last pairs be boundaries (scipy never does)
  probe_kind probe = probe_kind::logistic;
  std::size_t folds = 5;
  /// Probes on the top k principal components of each layer (probe_options::projection); 0 = on
  /// every feature. For residual streams thousands wide (issue 18; the README measures its F1 cost).
  std::size_t probe_projection = 0;
  /// Mask keys after each query in S3. Off by default: a decoder's attention already puts no mass
  /// on later keys, so the mask changes nothing there, and an encoder's attention must not be masked.
  bool causal_mask = false;
  double confidence = 0.95;
  double max_ci_width = 5.0;  ///< layers
  /// Called as long phases advance: ("hidden states", done, total), ("attention", ...), ("bootstrap", ...).
  std::function<void(std::string_view phase, std::size_t done, std::size_t total)> progress;
};

namespace detail {

/// Most weight sets a plan may hold, and most bytes its CKA statistics may take: sizes a user
/// controls are bounded relative to the input before anything is allocated.
inline constexpr std::size_t max_resamples = 100'000;
inline constexpr double max_plan_bytes = 8.0 * 1024 * 1024 * 1024;

inline void check_layer_options(const layer_options& o, std::size_t tokens, std::size_t sequences,
                                std::string_view function) {
  for (const double w : o.weights)
    if (!std::isfinite(w) || w < 0.0) raise(function, "weights", "must be finite and >= 0");
  if (!std::isfinite(o.weights[0] + o.weights[1] + o.weights[2]) ||
      !(o.weights[0] + o.weights[1] + o.weights[2] > 0.0))
    raise(function, "weights", "must have a finite, positive sum (E(l) would be 0 or overflow)");
  if (!std::isfinite(o.min_prominence) || o.min_prominence < 0.0)
    raise(function, "min_prominence", "must be finite and >= 0");
  if (!(o.confidence > 0.0 && o.confidence < 1.0)) raise(function, "confidence", "must lie in (0, 1)");
  if (!(o.max_ci_width > 0.0) || !std::isfinite(o.max_ci_width))
    raise(function, "max_ci_width", "must be finite and > 0");
  // Each tail of the interval must hold at least half a resample: B (1 - confidence) / 2 >= 1/2.
  const auto least = static_cast<std::size_t>(std::ceil(1.0 / (1.0 - o.confidence) - 1e-9));
  if (sequences >= 2 && o.resamples != 0 && o.resamples < least)
    raise(function, "resamples",
          "is " + std::to_string(o.resamples) + ": too few for a " + format_number(100.0 * o.confidence) +
              "% interval; use 0 (no interval) or at least " + std::to_string(least));
  if (o.resamples > max_resamples)
    raise(
        function, "resamples",
        "is " + std::to_string(o.resamples) + "; at most " + std::to_string(max_resamples) + " are allowed");
  const double sets = 1.0 + static_cast<double>(o.resamples) + static_cast<double>(sequences);
  const double bytes = 8.0 * sets * (3.0 * static_cast<double>(tokens) + static_cast<double>(sequences));
  if (bytes > max_plan_bytes)
    raise(function, "resamples",
          "is " + std::to_string(o.resamples) + ": the per-resample statistics of " + std::to_string(tokens) +
              " tokens would take " + format_number(std::round(bytes / 1e9)) + " GB; use fewer resamples");
  if (o.folds < 2) raise(function, "folds", "must be >= 2");
}

inline std::string element_name(io::element_type t) {
  return std::string(io::name_of(t));
}

}  // namespace detail

class layer_analysis {
 public:
  /// `sequence_lengths`: real tokens per sequence, in the order their rows are stacked in every
  /// layer. `label_sets`: per probing task, one class id >= 0 per token (any ids: they are mapped
  /// to 0..classes-1 in increasing order, which leaves macro-F1 unchanged). `source` names the
  /// input in the report and in error messages.
  layer_analysis(std::vector<std::size_t> sequence_lengths, std::vector<std::vector<std::int64_t>> label_sets,
                 const layer_options& options, std::string source = "arrays")
      : layer_analysis(std::move(sequence_lengths), std::move(label_sets), options, std::move(source), true) {
  }

  /// The analysis of a corpus collected in shards (layers/distributed/layer_shard.hpp) and merged:
  /// S1 from the per-sequence CKA terms (the minibatch form, cka_state.hpp: a note says so), the
  /// probes fitted here on the gathered features (`policy` runs their folds), S3 from the merged JS
  /// sums. Every sequence of the corpus must be in `merged`. The same state gives the same report,
  /// bit for bit, however the corpus was sharded.
  template <ExecutionPolicy P>
  layer_analysis(P policy, const layer_state& merged, const layer_options& options, std::string source)
      : layer_analysis(ordered_lengths(merged), ordered_labels(merged), options, std::move(source), false) {
    if (merged.hidden_layers() < 1) raise("state", "holds no hidden layer");
    if (merged.attention && merged.attention_info.causal != options.causal_mask)
      raise("state", std::string("was collected with the causal mask ") +
                         (merged.attention_info.causal ? "on" : "off") + " but the options ask for it " +
                         (options.causal_mask ? "on" : "off"));
    cka_.emplace(merged.cka.evidence(plan_));
    features_ = merged.features;
    dtype_ = merged.dtype;
    hidden_ = merged.hidden_layers();
    if (probes_ && merged.probes->predicted()) {
      add_predicted_layers(*merged.probes);
    } else if (probes_) {
      for (std::size_t l = 0; l < hidden_; ++l) {
        const std::vector<double> f = merged.probes->ordered_features(l);
        add_probe_layer(policy, matrix_view<const double>(f.data(), {tokens_, features_},
                                                          {static_cast<std::ptrdiff_t>(features_), 1}));
      }
    }
    if (merged.attention) {
      const auto order = merged.shard().order(function);
      const std::size_t pairs = merged.attention->pairs();
      for (std::size_t g = 0; g < order.size(); ++g) {
        attention_.restore(g, merged.attention->sums(order[g]));
      }
      const attention_inputs& a = merged.attention_info;
      note_attention(a.dtype, pairs, a.heads, a.positions, a.padding);
    }
    notes_.push_back(
        "collected in shards and merged: S1 is the per-sequence (minibatch) CKA, sums of unbiased HSIC over "
        "sequences (Nguyen et al. 2021), not the one-Gram CKA of a single-process run");
  }

 private:
  layer_analysis(std::vector<std::size_t> sequence_lengths, std::vector<std::vector<std::int64_t>> label_sets,
                 const layer_options& options, std::string source, bool global_cka)
      : source_(std::move(source)),
        options_(options),
        lengths_(std::move(sequence_lengths)),
        plan_(lengths_.empty() ? 1 : lengths_.size(), lengths_.size() >= 2 ? options.resamples : 0,
              options.seed),
        attention_(function, lengths_.size(), infoscale::detail::attention_accumulator::scope::corpus) {
    if (lengths_.empty()) raise("sequence_lengths", "is empty");
    for (const std::size_t n : lengths_) {
      if (n == 0) raise("sequence_lengths", "has an empty sequence");
      tokens_ += n;
    }
    if (tokens_ < 2) raise("sequence_lengths", "holds fewer than 2 tokens");
    // The per-resample memory bound is the one-Gram CKA's (per token and weight set); merged
    // per-sequence CKA keeps per sequence and weight set only, so its tokens do not count.
    detail::check_layer_options(options_, global_cka ? tokens_ : 0, lengths_.size(), function);
    if (global_cka) cka_.emplace(lengths_, plan_);
    for (std::size_t t = 0; t < label_sets.size(); ++t) add_label_set(label_sets[t], t, label_sets.size());
    if (!labels_.empty()) probes_.emplace(lengths_, plan_);
  }

  static std::vector<std::size_t> ordered_lengths(const layer_state& merged) {
    const auto order = merged.shard().order("layer_analysis");
    std::vector<std::size_t> out;
    for (const std::size_t i : order) out.push_back(merged.shard().lengths[i]);
    return out;
  }
  static std::vector<std::vector<std::int64_t>> ordered_labels(const layer_state& merged) {
    std::vector<std::vector<std::int64_t>> out;
    if (merged.probes)
      for (std::size_t t = 0; t < merged.probes->tasks(); ++t)
        out.push_back(merged.probes->ordered_labels(t));
    return out;
  }

 public:
  [[nodiscard]] std::size_t hidden_layers() const { return hidden_; }
  [[nodiscard]] std::size_t tokens() const { return tokens_; }
  [[nodiscard]] std::size_t sequences() const { return lengths_.size(); }
  [[nodiscard]] const std::vector<std::size_t>& sequence_lengths() const { return lengths_; }
  [[nodiscard]] const layer_options& options() const { return options_; }

  /// A note printed before the analysis' own (where the sequences came from, say).
  void note(std::string text) { notes_.push_back(std::move(text)); }

  /// Adds hidden state number hidden_layers() (0 = embeddings): [tokens, features], rows in
  /// sequence order, read in place. The policy also runs the probes' folds.
  template <ExecutionPolicy P, class T>
  void add_hidden_layer(P policy, const matrix_view<T>& layer) {
    const std::size_t l = hidden_;
    if (layer.extent(0) != tokens_)
      raise(source_, "has " + std::to_string(layer.extent(0)) + " tokens in hidden_states layer " +
                         std::to_string(l) + " but the sequences hold " + std::to_string(tokens_));
    if (layer.extent(1) == 0) raise(source_, "has hidden_states with no features");
    if (hidden_ == 0) {
      features_ = layer.extent(1);
      dtype_ = detail::element_name(io::element_type_of<std::remove_const_t<T>>);
    } else if (layer.extent(1) != features_) {
      raise(source_, "has " + std::to_string(layer.extent(1)) + " features in hidden_states layer " +
                         std::to_string(l) + " but " + std::to_string(features_) + " in layer 0");
    }
    check_finite_layer(layer, l);
    try {
      cka_->add_layer(policy, layer);
    } catch (const error& e) {
      raise(source_, "hidden_states layer " + std::to_string(l) + ": " + e.what());
    }
    if (probes_) add_probe_layer(policy, layer);
    ++hidden_;
  }

  /// The attention of one sequence, every layer at once: layers[a] = attention of layer a + 1,
  /// [heads, T, T]; `valid` marks real positions (empty: all real).
  template <class T>
  void add_attention_sequence(std::size_t sequence, std::span<const tensor_view<T, 3>> layers,
                              std::span<const std::uint8_t> valid = {}) {
    attention_.check_sequence(sequence);
    attention_drift_sums sums;
    try {
      sums = attention_drift_statistics(layers, attention_mask{options_.causal_mask, valid});
    } catch (const error& e) {
      raise(source_, "attentions of sequence " + std::to_string(sequence) + ": " + e.what());
    }
    attention_.add_sequence(sequence, sums);
    note_attention(detail::element_name(io::element_type_of<std::remove_const_t<T>>), layers.size(),
                   layers.empty() ? 0 : layers[0].extent(0), layers.empty() ? 0 : layers[0].extent(1),
                   !valid.empty());
  }

  /// The JS sums of one layer pair for a batch of sequences (streaming from hooks): pair >= 1
  /// compares the attention of layers pair and pair + 1; rows[i] is sequence i's (head, query)
  /// row count. dtype, heads and positions describe the batch's attention tensor.
  void add_attention_pair_sums(std::size_t pair, std::span<const std::size_t> sequences,
                               std::span<const double> js_sums, std::span<const std::size_t> rows,
                               const std::string& dtype, std::size_t heads, std::size_t positions) {
    attention_.add_pair_sums(pair, sequences, js_sums, rows);
    note_attention(dtype, std::max(pair + 1, attention_layers_), heads, positions, true);
  }

  /// Overrides what the report says of the attention tensor (a dump states its own shape).
  void describe_attention(attention_description d) { description_ = std::move(d); }

  /// Fuses the signals and finds the boundaries, with bootstrap intervals when there are at least
  /// two sequences. Host policies only: `par` evaluates the resamples on threads, with results
  /// that do not depend on the thread count. `normalization` overrides the option's for this
  /// report only, so both readings of eq. (6) come from one collection.
  template <ExecutionPolicy P>
  requires(std::same_as<P, seq_t> || std::same_as<P, par_t>) [[nodiscard]] layer_report
      report(P policy, std::optional<signal_normalization> normalization = std::nullopt) const {
    const signal_normalization fusion = normalization.value_or(options_.normalization);
    if (hidden_ < 3)
      raise(source_, "has hidden_states for " + std::to_string(hidden_) +
                         " layers; at least 3 (embeddings and 2 layers) are needed");
    const std::size_t layers = hidden_ - 1;
    layer_report r;
    r.source = source_;
    r.dtype = dtype_;
    r.layers = layers;
    r.tokens = tokens_;
    r.features = features_;
    r.sequences = lengths_.size();
    r.weights = options_.weights;
    r.normalization = fusion;
    r.min_prominence = options_.min_prominence;
    r.include_edges = options_.include_edges;
    r.notes = notes_;
    const bool bootstrap = lengths_.size() >= 2;
    if (!bootstrap)
      r.notes.push_back("one sequence: no bootstrap over sequences, so no confidence intervals");
    if (probes_) {
      r.probes = probe_description{
          {classes_.begin(), classes_.end()}, options_.probe, options_.folds, options_.probe_projection};
    } else {
      r.notes.push_back(
          "no labels: S2 (probe jumps) omitted; E(l) fuses the other signals with their weights");
    }
    std::optional<attention_evidence> drift = attention(layers);
    if (drift) {
      r.attention = description_
                        ? *description_
                        : attention_description{attention_dtype_,
                                                {layers, lengths_.size(), heads_, positions_, positions_},
                                                attention_padding_,
                                                false};
      r.attention->causal_mask = options_.causal_mask;
    } else {
      r.notes.push_back("no attentions: S3 (attention drift) omitted");
    }
    const double used_weight =
        options_.weights[0] + (probes_ ? options_.weights[1] : 0.0) + (drift ? options_.weights[2] : 0.0);
    if (!(used_weight > 0.0))
      raise("weights", "give every available signal (" + r.signals() + ") weight 0: E(l) would be 0");
    for (std::size_t l = 0; l < layers; ++l) r.cka.push_back(cka_->cka(l, 0));

    boundary_options bopt;
    bopt.weights = options_.weights;
    bopt.normalization = fusion;
    bopt.s3_first_pair = 1;  // pair 0 of S3 is a placeholder
    bopt.min_prominence = options_.min_prominence;
    bopt.include_edges = options_.include_edges;
    bopt.confidence = options_.confidence;
    bopt.max_ci_width = options_.max_ci_width;
    bopt.method = interval_method::bca;
    const probe_evidence* pp = probes_ ? &*probes_ : nullptr;
    const attention_evidence* ap = drift ? &*drift : nullptr;
    if (options_.progress) options_.progress("bootstrap", 0, 1);
    const boundary_report found = detect_boundaries(policy, &*cka_, pp, ap, bopt);
    if (options_.progress) options_.progress("bootstrap", 1, 1);
    r.s1 = found.s1;
    r.s2 = found.s2;
    r.s3 = found.s3;
    r.evidence = found.evidence;
    r.peaks = found.peaks;
    if (bootstrap) {
      r.bootstrap = bootstrap_description{options_.resamples, options_.seed, options_.confidence,
                                          options_.max_ci_width, found.failed_resamples};
      r.resampled = found.resampled;
      if (found.failed_resamples != 0)
        r.notes.push_back(
            std::to_string(found.failed_resamples) +
            " resample(s) failed and count as resamples without the boundary; first: " + found.first_failure);
    }
    const char* one[] = {"one"};
    const char* two[] = {"L-I", "I-G"};
    for (std::size_t b = 0; b < found.boundaries.size(); ++b) {
      const boundary& x = found.boundaries[b];
      boundary_estimate e;
      e.name = found.boundaries.size() == 2 ? two[b] : one[0];
      e.pair = x.pair;
      e.relative_position = static_cast<double>(x.pair + 1) / static_cast<double>(layers);
      e.prominence = x.prominence;
      if (bootstrap) {
        e.detection_rate = x.detection_rate;
        e.ci_percentile = x.ci_percentile;
        e.ci_bca = x.ci_bca;
        e.accepted = x.accepted;
      } else {
        e.detection_rate = std::numeric_limits<double>::quiet_NaN();
      }
      r.boundaries.push_back(std::move(e));
    }
    if (probes_) {
      r.probe_scores = probes_->scores(0);
      r.information = information_profile(*probes_, 0);
      std::vector<std::size_t> pairs;
      std::vector<std::string> names;
      for (const boundary_estimate& e : r.boundaries) {
        pairs.push_back(e.pair);
        names.push_back(e.name);
      }
      r.kinks = information_kinks(policy, *probes_, pairs, names, bootstrap, options_.confidence);
    }
    return r;
  }

 private:
  static constexpr std::string_view function = "layers";

  [[noreturn]] void raise(std::string_view argument, const std::string& problem) const {
    detail::raise(function, argument, problem);
  }

  // The shards' out-of-fold ridge predictions (layer_shard::predict_probes), fitted with these options.
  void add_predicted_layers(const probe_state& probes) {
    const ridge_fit_description& fit = probes.fit();
    if (options_.probe != probe_kind::ridge || fit.folds != options_.folds || fit.seed != options_.seed ||
        options_.probe_projection != 0 || fit.alpha != probe_options{}.ridge_alpha)
      raise("state", "carries ridge probe predictions (" + std::to_string(fit.folds) + " folds, seed " +
                         std::to_string(fit.seed) + ", alpha " + detail::format_number(fit.alpha) +
                         ", all features) but the options ask for other probes");
    if (probes.layers() != hidden_)
      raise("state", "carries probe predictions for " + std::to_string(probes.layers()) + " of " +
                         std::to_string(hidden_) + " hidden layers");
    for (std::size_t l = 0; l < hidden_; ++l) {
      std::vector<std::vector<int>> predicted;
      for (std::size_t t = 0; t < labels_.size(); ++t) {
        const std::vector<std::int64_t> raw = probes.ordered_predictions(l, t);
        std::vector<int> dense(raw.size());
        for (std::size_t i = 0; i < raw.size(); ++i) {
          const auto& ids = class_ids_[t];
          const auto it = std::lower_bound(ids.begin(), ids.end(), raw[i]);
          if (it == ids.end() || *it != raw[i])
            raise("state", "predicts class " + std::to_string(raw[i]) + ", which no token of task " +
                               std::to_string(t) + " carries");
          dense[i] = static_cast<int>(it - ids.begin());
        }
        predicted.push_back(std::move(dense));
      }
      probes_->add_layer(labels_, predicted, classes_);
    }
    notes_.push_back(
        "probes: ridge fitted from the shards' exact normal-equation sums (ridge_probe_sums); the "
        "one-process "
        "fit on the gathered features agrees up to rounding, which can move a prediction at a near tie");
  }

  template <ExecutionPolicy P, class T>
  void add_probe_layer(P policy, const matrix_view<T>& layer) {
    probe_options popt;
    popt.kind = options_.probe;
    popt.seed = options_.seed;
    popt.folds = options_.folds;
    popt.projection = options_.probe_projection;
    probes_->add_layer(labels_,
                       cross_validated_predictions(policy, layer, std::span<const std::vector<int>>(labels_),
                                                   std::span<const int>(classes_), popt),
                       classes_);
  }

  void add_label_set(const std::vector<std::int64_t>& ids, std::size_t task, std::size_t tasks) {
    const std::string which = tasks == 1 ? "labels" : "label set " + std::to_string(task);
    if (ids.size() != tokens_)
      raise(source_, "has " + std::to_string(ids.size()) + " " +
                         (tasks == 1 ? "labels" : "labels in " + which) + " but hidden_states has " +
                         std::to_string(tokens_) + " tokens");
    std::vector<std::int64_t> distinct(ids);
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (!distinct.empty() && distinct.front() < 0)
      raise(source_, "has a negative label (" + std::to_string(distinct.front()) + ") in " + which);
    if (distinct.size() < 2) raise(source_, "has " + which + " of a single class: no probe can be scored");
    if (tokens_ < options_.folds)
      raise(source_, "has " + std::to_string(tokens_) + " tokens, fewer than the probes' " +
                         std::to_string(options_.folds) + " folds");
    std::vector<int> dense(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
      dense[i] =
          static_cast<int>(std::lower_bound(distinct.begin(), distinct.end(), ids[i]) - distinct.begin());
    labels_.push_back(std::move(dense));
    classes_.push_back(static_cast<int>(distinct.size()));
    class_ids_.push_back(std::move(distinct));
  }

  template <class T>
  void check_finite_layer(const matrix_view<T>& m, std::size_t l) const {
    for (std::size_t i = 0; i < m.extent(0); ++i) {
      for (std::size_t j = 0; j < m.extent(1); ++j) {
        const double v = detail::widen(m(i, j));
        if (!std::isfinite(v))
          raise(source_, "has a non-finite value (" + detail::format_number(v) +
                             ") in hidden_states at layer " + std::to_string(l) + ", token " +
                             std::to_string(i) + ", feature " + std::to_string(j));
      }
    }
  }

  void note_attention(const std::string& dtype, std::size_t layers, std::size_t heads, std::size_t positions,
                      bool padding) {
    attention_dtype_ = dtype;
    attention_layers_ = std::max(attention_layers_, layers);
    heads_ = heads;
    positions_ = std::max(positions_, positions);
    attention_padding_ = attention_padding_ || padding;
    has_attention_ = true;
  }

  // S3's evidence, with every (sequence, pair) checked present.
  [[nodiscard]] std::optional<attention_evidence> attention(std::size_t layers) const {
    if (!has_attention_) return std::nullopt;
    attention_evidence drift(plan_);
    std::vector<attention_drift_sums> sums = attention_.complete(layers);
    for (std::size_t s = 0; s < sums.size(); ++s) drift.set_sequence(s, std::move(sums[s]));
    return drift;
  }

  std::string source_;
  layer_options options_;
  std::vector<std::size_t> lengths_;
  std::size_t tokens_ = 0;
  resampling_plan plan_;
  std::optional<cka_evidence> cka_;
  std::optional<probe_evidence> probes_;
  std::vector<std::vector<int>> labels_;
  std::vector<std::vector<std::int64_t>> class_ids_;  // [task]: the raw id of each class
  std::vector<int> classes_;
  std::size_t hidden_ = 0, features_ = 0;
  std::string dtype_ = "F32";
  std::vector<std::string> notes_;
  infoscale::detail::attention_accumulator attention_;
  bool has_attention_ = false, attention_padding_ = false;
  std::string attention_dtype_;
  std::size_t attention_layers_ = 0, heads_ = 0, positions_ = 0;
  std::optional<attention_description> description_;
};

}  // namespace infoscale

#pragma once
// S2's inputs as a mergeable state: the token labels of every probing task and every hidden
// layer's token features, per held sequence. The probes are fitted with k-fold cross-validation
// over all tokens of the corpus (folds are a permutation of every token), which no shard can do on
// its own, so shards gather their features and the rank that merges fits the probes on them: the
// same fits on the same bits as one process. (Cost: tokens x features per layer; the exactly
// mergeable sufficient statistics of the ridge probe, which do not grow with the corpus, are the
// scalable alternative, ridge_probe_sums.hpp.) Features are stored as float32 when every layer came
// in float32 or narrower (exact: fp16/bf16 widen exactly), else as float64. A shard that fitted its
// ridge probes from the merged normal-equation sums carries its tokens' out-of-fold predictions
// instead of features (set_predictions).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/layers/detail/matrix.hpp"
#include "infoscale/layers/distributed/sequence_shard.hpp"
#include "infoscale/layers/distributed/wire.hpp"

namespace infoscale {

/// How out-of-fold predictions carried by a probe state were made: ridge probes (alpha) fitted from
/// normal-equation sums over `folds` folds of the corpus' tokens drawn with `seed`.
struct ridge_fit_description {
  std::uint64_t folds = 0, seed = 0;
  double alpha = 0.0;
  friend bool operator==(const ridge_fit_description&, const ridge_fit_description&) = default;
};

class probe_state {
 public:
  static constexpr std::uint32_t kind = 3;

  probe_state() = default;
  /// labels[t]: task t's class id (any id >= 0) of every held token, in held order.
  probe_state(sequence_shard shard, std::vector<std::vector<std::int64_t>> labels)
      : shard_(std::move(shard)), labels_(std::move(labels)) {
    for (std::size_t t = 0; t < labels_.size(); ++t) {
      if (labels_[t].size() != shard_.tokens())
        detail::raise("probe_state", "labels",
                      "label set " + std::to_string(t) + " has " + std::to_string(labels_[t].size()) +
                          " labels for " + std::to_string(shard_.tokens()) + " tokens");
      for (const std::int64_t y : labels_[t])
        if (y < 0) detail::raise("probe_state", "labels", "has a negative label (" + std::to_string(y) + ")");
    }
  }

  /// Keeps hidden layer layers() ([tokens, features], held order).
  template <class T>
  void add_layer(const matrix_view<T>& layer) {
    constexpr std::string_view function = "probe_state::add_layer";
    if (layer.extent(0) != shard_.tokens())
      detail::raise(
          function, "layer",
          "has " + std::to_string(layer.extent(0)) + " tokens, the shard " + std::to_string(shard_.tokens()));
    if (!features_.empty() && layer.extent(1) != width_)
      detail::raise(
          function, "layer",
          "has " + std::to_string(layer.extent(1)) + " features, layer 0 " + std::to_string(width_));
    width_ = layer.extent(1);
    wide_ = wide_ || sizeof(std::remove_const_t<T>) > 4;
    std::vector<double> f(layer.extent(0) * width_);
    for (std::size_t i = 0; i < layer.extent(0); ++i)
      for (std::size_t j = 0; j < width_; ++j) f[i * width_ + j] = detail::widen(layer(i, j));
    features_.push_back(std::move(f));
  }

  [[nodiscard]] const sequence_shard& shard() const { return shard_; }
  [[nodiscard]] std::size_t tasks() const { return labels_.size(); }
  /// Every task's raw labels of the held tokens, in held order.
  [[nodiscard]] const std::vector<std::vector<std::int64_t>>& labels() const { return labels_; }
  [[nodiscard]] std::size_t layers() const { return fit_ ? predicted_.size() : features_.size(); }
  /// Whether the state carries predictions (set_predictions) instead of features.
  [[nodiscard]] bool predicted() const { return fit_.has_value(); }
  [[nodiscard]] const ridge_fit_description& fit() const { return fit_.value(); }

  /// Held layer l's features [held tokens][features] row-major, as added.
  [[nodiscard]] const std::vector<double>& held_features(std::size_t l) const { return features_.at(l); }

  /// Replaces every layer's features by its out-of-fold predictions: predicted[l][t][held token],
  /// raw class ids, one layer per layer held.
  void set_predictions(std::vector<std::vector<std::vector<std::int64_t>>> predicted,
                       ridge_fit_description fit) {
    constexpr std::string_view function = "probe_state::set_predictions";
    if (predicted.size() != features_.size())
      detail::raise(function, "predicted", "must give one entry per layer held");
    for (const auto& layer : predicted) {
      if (layer.size() != tasks()) detail::raise(function, "predicted", "must give one entry per task");
      for (const auto& p : layer)
        if (p.size() != shard_.tokens())
          detail::raise(function, "predicted", "must give one class per held token");
    }
    predicted_ = std::move(predicted);
    fit_ = fit;
    features_.clear();
  }
  [[nodiscard]] std::size_t features() const { return width_; }

  void merge(const probe_state& other) {
    constexpr std::string_view function = "probe_state::merge";
    if (other.tasks() != tasks())
      detail::raise(
          function, "other",
          "has " + std::to_string(other.tasks()) + " label sets, this state " + std::to_string(tasks()));
    if (other.layers() != layers())
      detail::raise(
          function, "other",
          "has " + std::to_string(other.layers()) + " layers, this state " + std::to_string(layers()));
    if (layers() != 0 && other.width_ != width_)
      detail::raise(
          function, "other",
          "has " + std::to_string(other.width_) + " features, this state " + std::to_string(width_));
    if (other.fit_ != fit_)
      detail::raise(function, "other",
                    "carries features where this state carries predictions, or another fit");
    shard_.merge(other.shard_, function);
    for (std::size_t t = 0; t < tasks(); ++t)
      labels_[t].insert(labels_[t].end(), other.labels_[t].begin(), other.labels_[t].end());
    for (std::size_t l = 0; l < features_.size(); ++l)
      features_[l].insert(features_[l].end(), other.features_[l].begin(), other.features_[l].end());
    for (std::size_t l = 0; l < predicted_.size(); ++l)
      for (std::size_t t = 0; t < tasks(); ++t)
        predicted_[l][t].insert(predicted_[l][t].end(), other.predicted_[l][t].begin(),
                                other.predicted_[l][t].end());
    wide_ = wide_ || other.wide_;
  }

  /// Appends the next pipeline stage's layers (same sequences and labels).
  void append_layers(const probe_state& next) {
    constexpr std::string_view function = "probe_state::append_layers";
    if (next.shard_.ids != shard_.ids || next.shard_.lengths != shard_.lengths || next.labels_ != labels_)
      detail::raise(function, "next",
                    "holds other sequences or labels: a layer range must cover the same ones");
    if (layers() != 0 && next.layers() != 0 && next.width_ != width_)
      detail::raise(function, "next",
                    "has " + std::to_string(next.width_) + " features, this state " + std::to_string(width_));
    if (layers() != 0 && next.layers() != 0 && next.fit_ != fit_)
      detail::raise(function, "next",
                    "carries features where this state carries predictions, or another fit");
    if (layers() == 0) {
      width_ = next.width_;
      fit_ = next.fit_;
    }
    features_.insert(features_.end(), next.features_.begin(), next.features_.end());
    predicted_.insert(predicted_.end(), next.predicted_.begin(), next.predicted_.end());
    wide_ = wide_ || next.wide_;
  }

  /// Task t's labels, sequences in global order (after checking every sequence is held).
  [[nodiscard]] std::vector<std::int64_t> ordered_labels(std::size_t t) const {
    return gather(labels_.at(t), 1, "probe_state::ordered_labels");
  }
  /// Layer l's features [tokens][features] row-major, sequences in global order.
  [[nodiscard]] std::vector<double> ordered_features(std::size_t l) const {
    return gather(features_.at(l), width_, "probe_state::ordered_features");
  }
  /// Layer l's out-of-fold predictions of task t (raw ids), sequences in global order.
  [[nodiscard]] std::vector<std::int64_t> ordered_predictions(std::size_t l, std::size_t t) const {
    return gather(predicted_.at(l).at(t), 1, "probe_state::ordered_predictions");
  }

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    write(w);
    return w.finish();
  }
  [[nodiscard]] static probe_state deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "probe state", "probe_state::deserialize");
    auto s = read(r);
    r.done();
    return s;
  }
  void write(detail::byte_writer& w) const {
    shard_.write(w);
    w.u64(tasks());
    for (const auto& y : labels_) w.array(std::span<const std::int64_t>(y));
    w.u32(fit_ ? 1 : 0);
    if (fit_) {
      w.u64(fit_->folds);
      w.u64(fit_->seed);
      w.f64(fit_->alpha);
      w.u64(width_);
      w.u64(predicted_.size());
      for (const auto& layer : predicted_)
        for (const auto& p : layer) w.array(std::span<const std::int64_t>(p));
      return;
    }
    w.u64(layers());
    w.u64(width_);
    w.u32(wide_ ? 8 : 4);
    for (const auto& f : features_) {
      if (wide_) {
        w.array(std::span<const double>(f));
      } else {
        const std::vector<float> narrow(f.begin(), f.end());  // exact: every value came from a float
        w.array(std::span<const float>(narrow));
      }
    }
  }
  static probe_state read(detail::byte_reader& r) {
    probe_state s;
    s.shard_ = sequence_shard::read(r);
    const std::uint64_t tokens = s.shard_.tokens();
    const std::uint64_t tasks = r.count("label sets", 8);
    for (std::uint64_t t = 0; t < tasks; ++t) s.labels_.push_back(r.array<std::int64_t>("labels", tokens));
    for (const auto& y : s.labels_)
      for (const std::int64_t v : y)
        if (v < 0) r.fail("holds a negative label");
    const std::uint32_t content = r.u32("content");
    if (content > 1)
      r.fail("has content " + std::to_string(content) + ", not 0 (features) or 1 (predictions)");
    if (content == 1) {
      ridge_fit_description fit{r.u64("folds"), r.u64("seed"), r.f64("alpha")};
      s.width_ = r.u64("features");
      const std::uint64_t layers = r.count("layers", 8 * (tasks == 0 ? 1 : tasks));
      for (std::uint64_t l = 0; l < layers; ++l) {
        std::vector<std::vector<std::int64_t>> layer;
        for (std::uint64_t t = 0; t < tasks; ++t)
          layer.push_back(r.array<std::int64_t>("predictions", tokens));
        s.predicted_.push_back(std::move(layer));
      }
      s.fit_ = fit;
      return s;
    }
    const std::uint64_t layers = r.count("layers", 8);
    s.width_ = r.u64("features");
    const std::uint32_t element = r.u32("element size");
    if (element != 4 && element != 8) r.fail("has element size " + std::to_string(element) + ", not 4 or 8");
    s.wide_ = element == 8;
    for (std::uint64_t l = 0; l < layers; ++l) {
      if (s.wide_) {
        s.features_.push_back(r.array<double>("features", tokens * s.width_));
      } else {
        const auto f = r.array<float>("features", tokens * s.width_);
        s.features_.emplace_back(f.begin(), f.end());
      }
    }
    return s;
  }

 private:
  template <class V>
  std::vector<V> gather(const std::vector<V>& held, std::size_t width, std::string_view function) const {
    const auto order = shard_.order(function);
    const auto offsets = shard_.offsets();
    std::vector<V> out;
    out.reserve(held.size());
    for (const std::size_t i : order)
      out.insert(out.end(), held.begin() + static_cast<std::ptrdiff_t>(offsets[i] * width),
                 held.begin() + static_cast<std::ptrdiff_t>(offsets[i + 1] * width));
    return out;
  }

  sequence_shard shard_;
  std::vector<std::vector<std::int64_t>> labels_;                  // [task][held token]
  std::vector<std::vector<double>> features_;                      // [layer][held token * width + feature]
  std::vector<std::vector<std::vector<std::int64_t>>> predicted_;  // [layer][task][held token]
  std::optional<ridge_fit_description> fit_;                       // set: predictions, no features
  std::size_t width_ = 0;
  bool wide_ = false;
};

}  // namespace infoscale

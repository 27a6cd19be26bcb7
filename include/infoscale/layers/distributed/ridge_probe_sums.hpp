#pragma once
// The ridge probe's sufficient statistics (S2, multi-scale paper eq. (4)) as a mergeable state:
// per hidden layer and cross-validation fold the feature sums and the lower triangle of X'X, per
// probing task, fold and class the token count and the sums of that class's features. Fold f's
// probe trains on the other folds, so its normal equations are the totals minus fold f's own sums:
// no rank needs another rank's tokens, and the state grows with d^2, not with the corpus.
//
// Sums are exact fixed-point integers (units of 2^-64 in 128 bits), each sequence's tokens summed
// in double and rounded once. Merging adds integers, so every sharding and merge order gives the
// same bits; a fit from them equals the one-process ridge fit (fit_ridge_columns, which centres
// before it multiplies) up to rounding, which can move an argmax at a near tie (docs/distributed.md).

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/layers/detail/matrix.hpp"
#include "infoscale/layers/distributed/sequence_shard.hpp"
#include "infoscale/layers/distributed/wire.hpp"
#include "infoscale/layers/probe.hpp"

namespace infoscale {
namespace detail {

__extension__ typedef __int128 fixed128;  // GCC and Clang; the sums need more than 64 bits

/// x * 2^64 truncated towards zero; |x| must stay below 2^62 so that sums keep a bit of headroom.
inline fixed128 to_fixed(double x, std::string_view function) {
  const double scaled = x * 0x1p64;  // exact: a power of two
  if (!(std::abs(scaled) < 0x1p126))
    raise(function, "layer",
          "has a value or a one-sequence sum of products of magnitude " + format_number(x) +
              ": NaN, Inf or beyond the sums' fixed-point range (2^62)");
  return static_cast<fixed128>(scaled);
}

inline double from_fixed(fixed128 v) {
  return static_cast<double>(v) * 0x1p-64;
}

inline void add_fixed(fixed128& sum, fixed128 v, std::string_view function) {
  if (__builtin_add_overflow(sum, v, &sum))
    raise(function, "layer", "has sums beyond the fixed-point range (2^63): the features are too large");
}

}  // namespace detail

/// The corpus-wide fold of the `held_tokens` tokens that start at corpus token `first_token`:
/// fold_assignment over all `corpus_tokens` with the probes' seed, as layer_analysis assigns them.
[[nodiscard]] inline std::vector<std::uint32_t> ridge_probe_folds(std::uint64_t corpus_tokens,
                                                                  std::uint64_t first_token,
                                                                  std::uint64_t held_tokens,
                                                                  std::size_t folds, std::uint64_t seed) {
  constexpr std::string_view function = "ridge_probe_folds";
  if (folds < 2 || folds > corpus_tokens) detail::raise(function, "folds", "must lie in [2, corpus tokens]");
  if (first_token > corpus_tokens || held_tokens > corpus_tokens - first_token)
    detail::raise(function, "first_token",
                  "is " + std::to_string(first_token) + ": tokens up to " +
                      std::to_string(first_token + held_tokens) + " do not fit in a corpus of " +
                      std::to_string(corpus_tokens));
  const std::vector<std::size_t> all = fold_assignment(corpus_tokens, folds, seed);
  return {all.begin() + static_cast<std::ptrdiff_t>(first_token),
          all.begin() + static_cast<std::ptrdiff_t>(first_token + held_tokens)};
}

/// One fold's ridge probes of one layer, for every task: logits = w' ((x - mean) / sd) + bias.
struct ridge_fold_probes {
  Eigen::VectorXd mean, sd;
  std::vector<Eigen::MatrixXd> w;     ///< [task]: features x classes
  std::vector<Eigen::VectorXd> bias;  ///< [task]: the training targets' means
};

class ridge_probe_sums {
 public:
  static constexpr std::uint32_t kind = 6;

  ridge_probe_sums() = default;
  /// Sums over the tokens of `shard`'s sequences (in held order): fold[i] is held token i's
  /// corpus-wide fold (ridge_probe_folds), labels[t][i] its raw class id (>= 0) in task t.
  /// `first_layer` numbers the first hidden state added (a pipeline stage's first).
  ridge_probe_sums(sequence_shard shard, std::size_t folds, std::uint64_t seed, std::uint64_t corpus_tokens,
                   std::vector<std::uint32_t> fold, const std::vector<std::vector<std::int64_t>>& labels,
                   std::size_t first_layer = 0)
      : shard_(std::move(shard)),
        folds_(folds),
        seed_(seed),
        corpus_tokens_(corpus_tokens),
        first_layer_(first_layer),
        fold_(std::move(fold)) {
    constexpr std::string_view function = "ridge_probe_sums";
    const std::size_t tokens = shard_.tokens();
    if (folds_ < 2) detail::raise(function, "folds", "must be >= 2");
    if (labels.empty()) detail::raise(function, "labels", "must give at least one task");
    if (fold_.size() != tokens)
      detail::raise(
          function, "fold",
          "has " + std::to_string(fold_.size()) + " entries for " + std::to_string(tokens) + " tokens");
    fold_tokens_.assign(folds_, 0);
    for (const std::uint32_t f : fold_) {
      if (f >= folds_) detail::raise(function, "fold", "has a fold >= folds (" + std::to_string(f) + ")");
      ++fold_tokens_[f];
    }
    for (std::size_t t = 0; t < labels.size(); ++t) {
      if (labels[t].size() != tokens)
        detail::raise(function, "labels",
                      "label set " + std::to_string(t) + " has " + std::to_string(labels[t].size()) +
                          " labels for " + std::to_string(tokens) + " tokens");
      std::vector<std::int64_t> ids(labels[t]);
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      if (!ids.empty() && ids.front() < 0)
        detail::raise(function, "labels", "has a negative label (" + std::to_string(ids.front()) + ")");
      std::vector<std::uint32_t> local(tokens);
      std::vector<std::uint64_t> counts(folds_ * ids.size(), 0);
      for (std::size_t i = 0; i < tokens; ++i) {
        local[i] =
            static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), labels[t][i]) - ids.begin());
        ++counts[fold_[i] * ids.size() + local[i]];
      }
      classes_.push_back(std::move(ids));
      class_tokens_.push_back(std::move(counts));
      token_class_.push_back(std::move(local));
    }
  }

  [[nodiscard]] const sequence_shard& shard() const { return shard_; }
  [[nodiscard]] std::size_t folds() const { return folds_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] std::size_t tasks() const { return classes_.size(); }
  [[nodiscard]] std::size_t layers() const { return layers_.size(); }
  [[nodiscard]] std::size_t first_layer() const { return first_layer_; }
  [[nodiscard]] std::size_t features() const { return width_; }
  /// Task t's raw class ids, increasing (the union over every merged shard).
  [[nodiscard]] const std::vector<std::int64_t>& classes(std::size_t t) const { return classes_.at(t); }

  /// Adds the next hidden layer, [held tokens, features]: each sequence's tokens of one fold (and
  /// class) are summed in double, then rounded once into the fixed-point sums.
  template <class T>
  void add_layer(const matrix_view<T>& layer) {
    constexpr std::string_view function = "ridge_probe_sums::add_layer";
    if (fold_.size() != shard_.tokens())
      detail::raise(function, "this", "is a merged or read state: layers are added to a shard's own sums");
    if (layer.extent(0) != shard_.tokens())
      detail::raise(
          function, "layer",
          "has " + std::to_string(layer.extent(0)) + " tokens, the shard " + std::to_string(shard_.tokens()));
    if (layer.extent(1) == 0) detail::raise(function, "layer", "has no features");
    if (!layers_.empty() && layer.extent(1) != width_)
      detail::raise(
          function, "layer",
          "has " + std::to_string(layer.extent(1)) + " features, the first layer " + std::to_string(width_));
    const std::size_t d = layer.extent(1), tri = d * (d + 1) / 2;
    width_ = d;
    layer_sums s;
    s.sum.assign(folds_ * d, 0);
    s.gram.assign(folds_ * tri, 0);
    for (std::size_t t = 0; t < tasks(); ++t) s.class_sum.emplace_back(folds_ * classes_[t].size() * d, 0);
    std::vector<double> x(d), vec(d), mat(tri);
    std::vector<std::size_t> order;
    const auto offsets = shard_.offsets();
    const auto row = [&](std::size_t i) {
      for (std::size_t j = 0; j < d; ++j) x[j] = detail::widen(layer(i, j));
    };
    for (std::size_t q = 0; q < shard_.size(); ++q) {
      order.resize(offsets[q + 1] - offsets[q]);
      std::iota(order.begin(), order.end(), offsets[q]);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return fold_[a] < fold_[b]; });
      for (std::size_t r = 0; r < order.size();) {  // one run of this sequence's tokens per fold
        const std::uint32_t f = fold_[order[r]];
        std::fill(vec.begin(), vec.end(), 0.0);
        std::fill(mat.begin(), mat.end(), 0.0);
        for (; r < order.size() && fold_[order[r]] == f; ++r) {
          row(order[r]);
          for (std::size_t i = 0, k = 0; i < d; ++i) {
            vec[i] += x[i];
            for (std::size_t j = 0; j <= i; ++j, ++k) mat[k] += x[i] * x[j];
          }
        }
        for (std::size_t i = 0; i < d; ++i)
          detail::add_fixed(s.sum[f * d + i], detail::to_fixed(vec[i], function), function);
        for (std::size_t k = 0; k < tri; ++k)
          detail::add_fixed(s.gram[f * tri + k], detail::to_fixed(mat[k], function), function);
      }
      for (std::size_t t = 0; t < tasks(); ++t) {
        const std::size_t c_count = classes_[t].size();
        const auto cell = [&](std::size_t i) { return fold_[i] * c_count + token_class_[t][i]; };
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return cell(a) < cell(b); });
        for (std::size_t r = 0; r < order.size();) {  // one run per (fold, class)
          const std::size_t c = cell(order[r]);
          std::fill(vec.begin(), vec.end(), 0.0);
          for (; r < order.size() && cell(order[r]) == c; ++r) {
            row(order[r]);
            for (std::size_t i = 0; i < d; ++i) vec[i] += x[i];
          }
          for (std::size_t i = 0; i < d; ++i)
            detail::add_fixed(s.class_sum[t][c * d + i], detail::to_fixed(vec[i], function), function);
        }
      }
    }
    layers_.push_back(std::move(s));
  }

  /// Adds another shard's sums (disjoint sequences of the same corpus, folds, seed and layers).
  void merge(const ridge_probe_sums& other) {
    constexpr std::string_view function = "ridge_probe_sums::merge";
    if (other.folds_ != folds_ || other.seed_ != seed_ || other.corpus_tokens_ != corpus_tokens_)
      detail::raise(function, "other", "was collected with other folds, seed or corpus size");
    if (other.tasks() != tasks() || other.layers() != layers() || other.first_layer_ != first_layer_ ||
        (layers() != 0 && other.width_ != width_))
      detail::raise(function, "other", "holds other tasks, layers or feature counts");
    shard_.merge(other.shard_, function);
    for (std::size_t t = 0; t < tasks(); ++t) {
      std::vector<std::int64_t> both;
      std::set_union(classes_[t].begin(), classes_[t].end(), other.classes_[t].begin(),
                     other.classes_[t].end(), std::back_inserter(both));
      remap(t, both);
      const auto theirs = other.reindexed(t, both);
      for (std::size_t k = 0; k < class_tokens_[t].size(); ++k) class_tokens_[t][k] += theirs.counts[k];
      for (std::size_t l = 0; l < layers(); ++l)
        for (std::size_t k = 0; k < theirs.sums[l].size(); ++k)
          detail::add_fixed(layers_[l].class_sum[t][k], theirs.sums[l][k], function);
    }
    for (std::size_t f = 0; f < folds_; ++f) fold_tokens_[f] += other.fold_tokens_[f];
    for (std::size_t l = 0; l < layers(); ++l) {
      for (std::size_t k = 0; k < layers_[l].sum.size(); ++k)
        detail::add_fixed(layers_[l].sum[k], other.layers_[l].sum[k], function);
      for (std::size_t k = 0; k < layers_[l].gram.size(); ++k)
        detail::add_fixed(layers_[l].gram[k], other.layers_[l].gram[k], function);
    }
    fold_.clear();  // the held tokens' folds belong to one shard
    token_class_.clear();
  }

  /// Fold f's probes of layer `layer` (0 = first_layer()), every task, trained on the other folds:
  /// sklearn's RidgeClassifier (targets +-1, unpenalised intercept, alpha ||W||^2) on features
  /// standardised with the training folds' mean and sd, as fit_ridge_columns, from the sums:
  /// X_c'X_c = X'X - n m m' and X_c'T_c = 2 (S_c - m n_c) per class c. Every sequence must be held.
  [[nodiscard]] ridge_fold_probes fit(std::size_t layer, std::size_t f, double alpha) const {
    constexpr std::string_view function = "ridge_probe_sums::fit";
    (void)shard_.order(function);  // every sequence present
    if (layer >= layers()) detail::raise(function, "layer", "is not a layer of these sums");
    if (f >= folds_) detail::raise(function, "fold", "must be < folds");
    if (!(alpha > 0.0) || !std::isfinite(alpha)) detail::raise(function, "alpha", "must be finite and > 0");
    const std::size_t d = width_, tri = d * (d + 1) / 2;
    const layer_sums& s = layers_[layer];
    const auto training = [&](const std::vector<detail::fixed128>& v, std::size_t stride, std::size_t k) {
      detail::fixed128 total = 0;
      for (std::size_t g = 0; g < folds_; ++g)
        if (g != f) detail::add_fixed(total, v[g * stride + k], function);
      return detail::from_fixed(total);
    };
    std::uint64_t count = 0;
    for (std::size_t g = 0; g < folds_; ++g)
      if (g != f) count += fold_tokens_[g];
    if (count == 0) detail::raise(function, "fold", "leaves no training token");
    const double n = static_cast<double>(count);
    ridge_fold_probes p;
    p.mean.resize(detail::idx_of(d));
    p.sd.resize(detail::idx_of(d));
    for (std::size_t i = 0; i < d; ++i) p.mean(detail::idx_of(i)) = training(s.sum, d, i) / n;
    Eigen::MatrixXd gram(detail::idx_of(d), detail::idx_of(d));
    for (std::size_t i = 0, k = 0; i < d; ++i)
      for (std::size_t j = 0; j <= i; ++j, ++k) {
        const double c = training(s.gram, tri, k) - n * p.mean(detail::idx_of(i)) * p.mean(detail::idx_of(j));
        gram(detail::idx_of(i), detail::idx_of(j)) = gram(detail::idx_of(j), detail::idx_of(i)) = c;
      }
    for (std::size_t i = 0, k = 0; i < d; k += i + 2, ++i) {
      // A feature constant over the training tokens has sd 0 (scaled by 1, as the one-process fit);
      // here its centred square is rounding only, at most ~1e-12 of its raw square sum.
      const double raw = training(s.gram, tri, k), centred = gram(detail::idx_of(i), detail::idx_of(i));
      p.sd(detail::idx_of(i)) = centred > 1e-12 * raw ? std::sqrt(centred / n) : 1.0;
    }
    gram = p.sd.asDiagonal().inverse() * gram * p.sd.asDiagonal().inverse();
    gram.diagonal().array() += alpha;
    const Eigen::LDLT<Eigen::MatrixXd> solver(gram);
    for (std::size_t t = 0; t < tasks(); ++t) {
      const std::size_t c_count = classes_[t].size();
      Eigen::MatrixXd rhs(detail::idx_of(d), detail::idx_of(c_count));
      Eigen::VectorXd bias(detail::idx_of(c_count));
      for (std::size_t c = 0; c < c_count; ++c) {
        std::uint64_t nc = 0;
        for (std::size_t g = 0; g < folds_; ++g)
          if (g != f) nc += class_tokens_[t][g * c_count + c];
        bias(detail::idx_of(c)) = 2.0 * static_cast<double>(nc) / n - 1.0;
        for (std::size_t i = 0; i < d; ++i)
          rhs(detail::idx_of(i), detail::idx_of(c)) =
              2.0 *
              (training(layers_[layer].class_sum[t], c_count * d, c * d + i) -
               p.mean(detail::idx_of(i)) * static_cast<double>(nc)) /
              p.sd(detail::idx_of(i));
      }
      p.w.push_back(solver.solve(rhs));
      p.bias.push_back(std::move(bias));
    }
    return p;
  }

  /// Out-of-fold predictions of this shard's own tokens for layer `layer` from the probes fitted
  /// on `merged` (every rank's sums): [task][held token], raw class ids. `features`: the layer's
  /// [held tokens, features] row-major, as added.
  [[nodiscard]] std::vector<std::vector<std::int64_t>> predict(const ridge_probe_sums& merged,
                                                               std::size_t layer,
                                                               std::span<const double> features,
                                                               double alpha) const {
    constexpr std::string_view function = "ridge_probe_sums::predict";
    if (fold_.size() != shard_.tokens())
      detail::raise(function, "this", "is a merged or read state: predict with a shard's own sums");
    if (merged.folds_ != folds_ || merged.seed_ != seed_ || merged.corpus_tokens_ != corpus_tokens_ ||
        merged.first_layer_ != first_layer_ || merged.layers() != layers() || merged.tasks() != tasks() ||
        merged.width_ != width_)
      detail::raise(function, "merged", "is not the merge of sums like these (folds, seed, corpus, layers)");
    if (features.size() != fold_.size() * width_)
      detail::raise(function, "features", "must hold held tokens x features values");
    std::vector<std::vector<std::int64_t>> out(tasks(), std::vector<std::int64_t>(fold_.size(), 0));
    const Eigen::Index d = detail::idx_of(width_);
    for (std::size_t f = 0; f < folds_; ++f) {
      std::vector<std::size_t> held;
      for (std::size_t i = 0; i < fold_.size(); ++i)
        if (fold_[i] == f) held.push_back(i);
      if (held.empty()) continue;
      const ridge_fold_probes p = merged.fit(layer, f, alpha);
      Eigen::MatrixXd z(d, detail::idx_of(held.size()));
      for (std::size_t r = 0; r < held.size(); ++r)
        for (Eigen::Index j = 0; j < d; ++j)
          z(j, detail::idx_of(r)) =
              (features[held[r] * width_ + static_cast<std::size_t>(j)] - p.mean(j)) / p.sd(j);
      for (std::size_t t = 0; t < tasks(); ++t) {
        Eigen::MatrixXd logits = p.w[t].transpose() * z;
        logits.colwise() += p.bias[t];
        for (std::size_t r = 0; r < held.size(); ++r) {
          Eigen::Index best = 0;
          logits.col(detail::idx_of(r)).maxCoeff(&best);
          out[t][held[r]] = merged.classes_[t][static_cast<std::size_t>(best)];
        }
      }
    }
    return out;
  }

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    shard_.write(w);
    w.u64(folds_);
    w.u64(seed_);
    w.u64(corpus_tokens_);
    w.u64(first_layer_);
    w.array(std::span<const std::uint64_t>(fold_tokens_));
    w.u64(tasks());
    for (std::size_t t = 0; t < tasks(); ++t) {
      w.u64(classes_[t].size());
      w.array(std::span<const std::int64_t>(classes_[t]));
      w.array(std::span<const std::uint64_t>(class_tokens_[t]));
    }
    w.u64(layers());
    w.u64(width_);
    for (const layer_sums& s : layers_) {
      w.array(std::span<const detail::fixed128>(s.sum));
      w.array(std::span<const detail::fixed128>(s.gram));
      for (const auto& c : s.class_sum) w.array(std::span<const detail::fixed128>(c));
    }
    return w.finish();
  }
  [[nodiscard]] static ridge_probe_sums deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "ridge probe sums", "ridge_probe_sums::deserialize");
    ridge_probe_sums s;
    s.shard_ = sequence_shard::read(r);
    s.folds_ = r.count("folds", 8);
    s.seed_ = r.u64("seed");
    s.corpus_tokens_ = r.u64("corpus tokens");
    s.first_layer_ = r.u64("first layer");
    // Bounds that keep every product of sizes below 2^64 (folds x classes x features <= 2^60).
    if (s.folds_ < 2 || s.folds_ > (std::uint64_t{1} << 16))
      r.fail("has " + std::to_string(s.folds_) + " folds, not in [2, 2^16]");
    s.fold_tokens_ = r.array<std::uint64_t>("fold tokens", s.folds_);
    const std::uint64_t tasks = r.count("tasks", 16);
    std::uint64_t held = s.shard_.tokens(), in_folds = 0;
    for (const std::uint64_t n : s.fold_tokens_) in_folds += n;
    if (in_folds != held || held > s.corpus_tokens_)
      r.fail("has fold counts that do not add up to its sequences' tokens");
    for (std::uint64_t t = 0; t < tasks; ++t) {
      const std::uint64_t n = r.count("classes", 8);
      if (n > (std::uint64_t{1} << 20))
        r.fail("has " + std::to_string(n) + " classes in a task, more than 2^20");
      auto ids = r.array<std::int64_t>("classes", n);
      for (std::size_t c = 0; c < ids.size(); ++c)
        if (ids[c] < 0 || (c > 0 && ids[c] <= ids[c - 1]))
          r.fail("has class ids that are negative or not increasing");
      auto counts = r.array<std::uint64_t>("class tokens", s.folds_ * n);
      for (std::size_t f = 0; f < s.folds_; ++f) {
        std::uint64_t sum = 0;
        for (std::size_t c = 0; c < n; ++c) sum += counts[f * n + c];
        if (sum != s.fold_tokens_[f]) r.fail("has class counts that do not add up to their fold's tokens");
      }
      s.classes_.push_back(std::move(ids));
      s.class_tokens_.push_back(std::move(counts));
    }
    const std::uint64_t layers = r.count("layers", 16);
    s.width_ = r.u64("features");
    if (layers != 0 && (s.width_ == 0 || s.width_ > (std::uint64_t{1} << 24)))
      r.fail("has " + std::to_string(s.width_) + " features: not in [1, 2^24]");
    const std::uint64_t tri = s.width_ * (s.width_ + 1) / 2;
    for (std::uint64_t l = 0; l < layers; ++l) {
      layer_sums ls;
      ls.sum = r.array<detail::fixed128>("sums", s.folds_ * s.width_);
      ls.gram = r.array<detail::fixed128>("gram", s.folds_ * tri);
      for (std::uint64_t t = 0; t < tasks; ++t)
        ls.class_sum.push_back(
            r.array<detail::fixed128>("class sums", s.folds_ * s.classes_[t].size() * s.width_));
      s.layers_.push_back(std::move(ls));
    }
    r.done();
    return s;
  }

 private:
  struct layer_sums {
    std::vector<detail::fixed128> sum;                     // [fold][feature]
    std::vector<detail::fixed128> gram;                    // [fold][packed lower triangle]
    std::vector<std::vector<detail::fixed128>> class_sum;  // [task][(fold * classes + class) * d + feature]
  };
  struct reindexed_task {
    std::vector<std::uint64_t> counts;
    std::vector<std::vector<detail::fixed128>> sums;  // [layer]
  };

  // Task t's counts and class sums with its classes widened to `ids` (a superset, increasing).
  [[nodiscard]] reindexed_task reindexed(std::size_t t, const std::vector<std::int64_t>& ids) const {
    const std::vector<std::int64_t>& own = classes_[t];
    std::vector<std::size_t> to(own.size());
    for (std::size_t c = 0; c < own.size(); ++c)
      to[c] = static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), own[c]) - ids.begin());
    const std::size_t d = width_;
    reindexed_task out;
    out.counts.assign(folds_ * ids.size(), 0);
    for (std::size_t f = 0; f < folds_; ++f)
      for (std::size_t c = 0; c < own.size(); ++c)
        out.counts[f * ids.size() + to[c]] = class_tokens_[t][f * own.size() + c];
    for (const layer_sums& s : layers_) {
      std::vector<detail::fixed128> v(folds_ * ids.size() * d, 0);
      for (std::size_t f = 0; f < folds_; ++f)
        for (std::size_t c = 0; c < own.size(); ++c)
          std::copy_n(s.class_sum[t].begin() + static_cast<std::ptrdiff_t>((f * own.size() + c) * d), d,
                      v.begin() + static_cast<std::ptrdiff_t>((f * ids.size() + to[c]) * d));
      out.sums.push_back(std::move(v));
    }
    return out;
  }
  void remap(std::size_t t, const std::vector<std::int64_t>& ids) {
    reindexed_task mine = reindexed(t, ids);
    class_tokens_[t] = std::move(mine.counts);
    for (std::size_t l = 0; l < layers(); ++l) layers_[l].class_sum[t] = std::move(mine.sums[l]);
    classes_[t] = ids;
  }

  sequence_shard shard_;
  std::size_t folds_ = 0;
  std::uint64_t seed_ = 0, corpus_tokens_ = 0;
  std::size_t first_layer_ = 0, width_ = 0;
  std::vector<std::uint64_t> fold_tokens_;                // [fold]
  std::vector<std::vector<std::int64_t>> classes_;        // [task]: raw ids, increasing
  std::vector<std::vector<std::uint64_t>> class_tokens_;  // [task][fold * classes + class]
  std::vector<layer_sums> layers_;
  // A shard's own tokens (empty once merged or read): the fold and, per task, class of each.
  std::vector<std::uint32_t> fold_;
  std::vector<std::vector<std::uint32_t>> token_class_;
};

}  // namespace infoscale

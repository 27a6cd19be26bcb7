#pragma once
// Linear CKA between adjacent layers in the form that merges exactly across shards of sequences:
// the minibatch CKA of Nguyen, Raghu & Kornblith (2021, "Do wide and deep networks learn the same
// things?", eq. 3), with one sequence per minibatch,
//   CKA(l) = sum_s HSIC_1(K_s^l, K_s^l+1) / sqrt(sum_s HSIC_1(K_s^l, K_s^l) sum_s HSIC_1(K_s^l+1, K_s^l+1)),
// K_s^l the linear token Gram of sequence s at layer l and HSIC_1 the unbiased estimator of Song et
// al. (2012). Each HSIC term uses one sequence's tokens only, so a shard computes its sequences'
// terms alone, merging concatenates them, and a bootstrap resample weights them: sum_s w_s HSIC_s.
//
// This is a different estimator from cka_bootstrap.hpp's (one Gram over all tokens, centred at the
// corpus mean): that one compares tokens across sequences, which no shard can do without the other
// shards' activations. Both estimate linear CKA of the layers' token distributions; the minibatch
// form discards between-sequence similarity and needs >= 4 tokens per sequence.

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/layers/detail/matrix.hpp"
#include "infoscale/layers/distributed/sequence_shard.hpp"
#include "infoscale/layers/distributed/wire.hpp"

namespace infoscale {

/// Unbiased HSIC_1 of two n x n kernel matrices (n >= 4), Song et al. (2012) eq. (5) as Nguyen et
/// al. (2021) eq. (3) write it, with K~, L~ the kernels with zeroed diagonals:
/// [tr(K~ L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)).
[[nodiscard]] inline double unbiased_hsic(const Eigen::MatrixXd& k, const Eigen::MatrixXd& l) {
  constexpr std::string_view function = "unbiased_hsic";
  if (k.rows() != k.cols() || l.rows() != l.cols() || k.rows() != l.rows())
    detail::raise(function, "l", "must be square and of the same size as k");
  const Eigen::Index n = k.rows();
  if (n < 4)
    detail::raise(function, "k", "has " + std::to_string(n) + " rows; the unbiased HSIC needs at least 4");
  Eigen::MatrixXd kt = k, lt = l;
  kt.diagonal().setZero();
  lt.diagonal().setZero();
  const double nd = static_cast<double>(n);
  const Eigen::VectorXd kr = kt.rowwise().sum(), lr = lt.rowwise().sum();
  const double trace = (kt.array() * lt.array()).sum();
  const double middle = kr.sum() * lr.sum() / ((nd - 1.0) * (nd - 2.0));
  const double cross = 2.0 / (nd - 2.0) * kr.dot(lr);
  return (trace + middle - cross) / (nd * (nd - 3.0));
}

/// The per-sequence token Grams of one hidden state: all a pipeline stage needs from the stage
/// before it to compute the HSIC terms of the pair that straddles the two (sum_s n_s^2 doubles,
/// against n_s x d activations).
struct sequence_grams {
  static constexpr std::uint32_t kind = 5;
  sequence_shard shard;
  std::uint64_t layer = 0;  ///< the hidden state they are of
  std::vector<Eigen::MatrixXd> grams;

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    shard.write(w);
    w.u64(layer);
    for (const auto& g : grams)
      w.array(std::span<const double>(g.data(), static_cast<std::size_t>(g.size())));
    return w.finish();
  }
  [[nodiscard]] static sequence_grams deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "Gram state", "sequence_grams::deserialize");
    sequence_grams g;
    g.shard = sequence_shard::read(r);
    g.layer = r.u64("layer");
    for (const std::uint64_t n : g.shard.lengths) {
      if (n > 0xffffffffULL)
        r.fail("holds a sequence of " + std::to_string(n) + " tokens: its Gram cannot be stored");
      const auto v = r.array<double>("grams", n * n);
      g.grams.push_back(Eigen::Map<const Eigen::MatrixXd>(v.data(), detail::idx_of(n), detail::idx_of(n)));
    }
    r.done();
    return g;
  }
};

/// Per-sequence HSIC terms of every layer (self) and adjacent pair (cross) for one shard of a
/// corpus; fed layer by layer like cka_evidence, merged by concatenation.
class sequence_cka_state {
 public:
  static constexpr std::uint32_t kind = 1;
  static constexpr std::size_t min_tokens = 4;

  sequence_cka_state() = default;
  explicit sequence_cka_state(sequence_shard shard) : shard_(std::move(shard)) {
    for (std::size_t i = 0; i < shard_.size(); ++i)
      if (shard_.lengths[i] < min_tokens)
        detail::raise(
            "sequence_cka_state", "shard",
            "has sequence " + std::to_string(shard_.ids[i]) + " of " + std::to_string(shard_.lengths[i]) +
                " tokens; the per-sequence unbiased HSIC needs at least " + std::to_string(min_tokens));
  }

  /// Adds the next layer: [tokens, features], the held sequences' rows in held order. Each
  /// sequence's rows are copied into their own matrix and centred at their own mean (HSIC_1 does
  /// not depend on it; it keeps the Gram free of the large common offset of hidden states), so a
  /// term never depends on where its rows sat in the input: every shard layout gives the same bits.
  template <ExecutionPolicy P, class T>
  void add_layer(P policy, const matrix_view<T>& layer) {
    static_assert(!reads_device_memory<P>,
                  "sequence_cka_state reads host memory: use seq, par or thrust_host");
    constexpr std::string_view function = "sequence_cka_state::add_layer";
    detail::check_activations(layer, function, "layer");
    if (layer.extent(0) != shard_.tokens())
      detail::raise(function, "layer",
                    "has " + std::to_string(layer.extent(0)) + " tokens but the shard's sequences have " +
                        std::to_string(shard_.tokens()));
    if (!self_.empty() && previous_.empty())
      detail::raise(function, "layer", "cannot extend a state that was merged or deserialised");
    const auto offsets = shard_.offsets();
    std::vector<Eigen::MatrixXd> grams(shard_.size());
    std::vector<double> self(shard_.size()), cross(previous_.empty() ? 0 : shard_.size());
    for_each_index(
        policy, shard_.size(),
        [&](std::size_t s) {
          Eigen::MatrixXd x(detail::idx_of(shard_.lengths[s]), detail::idx_of(layer.extent(1)));
          for (std::size_t i = 0; i < shard_.lengths[s]; ++i)
            for (std::size_t j = 0; j < layer.extent(1); ++j)
              x(detail::idx_of(i), detail::idx_of(j)) = detail::widen(layer(offsets[s] + i, j));
          detail::centre_columns(x);
          grams[s] = x * x.transpose();
          self[s] = unbiased_hsic(grams[s], grams[s]);
          if (!previous_.empty()) cross[s] = unbiased_hsic(previous_[s], grams[s]);
        },
        1);
    if (!previous_.empty()) cross_.push_back(std::move(cross));
    self_.push_back(std::move(self));
    previous_ = std::move(grams);
  }
  template <class T>
  void add_layer(const matrix_view<T>& layer) {
    add_layer(seq, layer);
  }

  /// Layer-parallel collection: a state for the hidden states after `previous.layer`, of the same
  /// sequences, whose first add_layer also gives the pair (previous.layer, previous.layer + 1).
  explicit sequence_cka_state(const sequence_grams& previous) : sequence_cka_state(previous.shard) {
    if (previous.grams.size() != shard_.size())
      detail::raise("sequence_cka_state", "previous", "holds Grams of another number of sequences");
    for (std::size_t s = 0; s < shard_.size(); ++s)
      if (previous.grams[s].rows() != detail::idx_of(shard_.lengths[s]) ||
          previous.grams[s].cols() != previous.grams[s].rows())
        detail::raise("sequence_cka_state", "previous",
                      "holds a Gram of the wrong shape for sequence " + std::to_string(shard_.ids[s]));
    first_layer_ = previous.layer + 1;
    lead_ = true;
    previous_ = previous.grams;
  }

  /// The Grams of the last layer added (for the next pipeline stage's state).
  [[nodiscard]] sequence_grams boundary() const {
    if (previous_.empty())
      detail::raise("sequence_cka_state::boundary", "state",
                    "has no layer being collected (merged or deserialised)");
    return {shard_, first_layer_ + layers() - 1, previous_};
  }

  /// Appends the next pipeline stage's state (same sequences, the hidden states right after these,
  /// started from this state's boundary()).
  void append_layers(const sequence_cka_state& next) {
    constexpr std::string_view function = "sequence_cka_state::append_layers";
    if (next.shard_.ids != shard_.ids || next.shard_.lengths != shard_.lengths ||
        next.shard_.total != shard_.total)
      detail::raise(function, "next", "holds other sequences: a layer range must cover the same ones");
    if (!next.lead_)
      detail::raise(function, "next",
                    "lacks the pair that straddles the two states: start it from this state's boundary()");
    if (next.first_layer_ != first_layer_ + layers())
      detail::raise(function, "next",
                    "starts at hidden state " + std::to_string(next.first_layer_) + "; this state ends at " +
                        std::to_string(first_layer_ + layers() - 1));
    self_.insert(self_.end(), next.self_.begin(), next.self_.end());
    cross_.insert(cross_.end(), next.cross_.begin(), next.cross_.end());
    previous_ = next.previous_;
  }

  [[nodiscard]] const sequence_shard& shard() const { return shard_; }
  [[nodiscard]] std::size_t layers() const { return self_.size(); }
  [[nodiscard]] std::size_t first_layer() const { return first_layer_; }
  /// HSIC_1(K_s^l, K_s^l) and HSIC_1(K_s^l, K_s^l+1) of the held sequence at position i.
  [[nodiscard]] double self_term(std::size_t layer, std::size_t i) const { return self_.at(layer).at(i); }
  [[nodiscard]] double cross_term(std::size_t pair, std::size_t i) const { return cross_.at(pair).at(i); }

  void merge(const sequence_cka_state& other) {
    constexpr std::string_view function = "sequence_cka_state::merge";
    if (other.layers() != layers() || other.first_layer_ != first_layer_ || other.lead_ != lead_)
      detail::raise(function, "other",
                    "covers " + std::to_string(other.layers()) + " layers from hidden state " +
                        std::to_string(other.first_layer_) + ", this state " + std::to_string(layers()) +
                        " from " + std::to_string(first_layer_));
    shard_.merge(other.shard_, function);
    for (std::size_t l = 0; l < self_.size(); ++l)
      self_[l].insert(self_[l].end(), other.self_[l].begin(), other.self_[l].end());
    for (std::size_t l = 0; l < cross_.size(); ++l)
      cross_[l].insert(cross_[l].end(), other.cross_[l].begin(), other.cross_[l].end());
    previous_.clear();
  }

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    write(w);
    return w.finish();
  }
  [[nodiscard]] static sequence_cka_state deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "CKA state", "sequence_cka_state::deserialize");
    auto s = read(r);
    r.done();
    return s;
  }
  void write(detail::byte_writer& w) const {
    shard_.write(w);
    w.u64(first_layer_);
    w.u32(lead_ ? 1 : 0);
    w.u64(layers());
    for (const auto& v : self_) w.array(std::span<const double>(v));
    for (const auto& v : cross_) w.array(std::span<const double>(v));
  }
  static sequence_cka_state read(detail::byte_reader& r) {
    sequence_cka_state s;
    s.shard_ = sequence_shard::read(r);
    s.first_layer_ = r.u64("first layer");
    const std::uint32_t lead = r.u32("lead pair");
    if (lead > 1) r.fail("has " + std::to_string(lead) + " in the flag 'lead pair'");
    s.lead_ = lead == 1;
    const std::uint64_t layers = r.count("layers", 8);
    for (std::uint64_t l = 0; l < layers; ++l)
      s.self_.push_back(r.array<double>("self terms", s.shard_.size()));
    for (std::uint64_t l = 0; l + 1 < layers + (s.lead_ ? 1 : 0); ++l)
      s.cross_.push_back(r.array<double>("cross terms", s.shard_.size()));
    return s;
  }

  /// The CKA of every pair on every weight set of `plan` (weights indexed by global sequence), as
  /// the evidence the boundary pipeline reads. Sums run in global sequence order, so the result does
  /// not depend on how the corpus was sharded. A weight set whose denominator is not positive gets
  /// NaN (the fusion then fails that resample); on the full sample it is an error.
  [[nodiscard]] cka_evidence evidence(const resampling_plan& plan) const {
    constexpr std::string_view function = "sequence_cka_state::evidence";
    if (first_layer_ != 0 || lead_)
      detail::raise(function, "state",
                    "covers hidden states " + std::to_string(first_layer_) +
                        ".. only: append the earlier pipeline stages' states first");
    const auto order = shard_.order(function);
    if (plan.sequences() != shard_.total)
      detail::raise(function, "plan",
                    "has " + std::to_string(plan.sequences()) + " sequences, the state " +
                        std::to_string(shard_.total));
    if (layers() < 2) detail::raise(function, "state", "covers fewer than 2 layers");
    const std::size_t pairs = cross_.size();
    std::vector<std::vector<double>> cka(pairs, std::vector<double>(plan.size()));
    for (std::size_t k = 0; k < plan.size(); ++k) {
      const auto w = plan.weights(k);
      for (std::size_t l = 0; l < pairs; ++l) {
        double xy = 0.0, xx = 0.0, yy = 0.0;
        for (std::size_t g = 0; g < order.size(); ++g) {
          const std::size_t i = order[g];
          xy += w[g] * cross_[l][i];
          xx += w[g] * self_[l][i];
          yy += w[g] * self_[l + 1][i];
        }
        const double den = xx * yy;
        if (!(den > 0.0) && k == 0)
          detail::raise(function, "state",
                        "has a non-positive HSIC product (" + detail::format_number(den) +
                            ") at layer pair " + std::to_string(l) +
                            ": a layer without within-sequence variance");
        cka[l][k] = den > 0.0 ? xy / std::sqrt(den) : std::numeric_limits<double>::quiet_NaN();
        if (k == 0 && !(cka[l][k] > 0.0))
          detail::raise(function, "state",
                        "gives layer pair " + std::to_string(l) + " a CKA of " +
                            detail::format_number(cka[l][k]) +
                            ": S1 = 1/CKA needs CKA > 0 (the unbiased HSIC of unrelated layers can be <= 0)");
      }
    }
    return cka_evidence(plan, layers(), std::move(cka));
  }

 private:
  sequence_shard shard_;
  std::vector<std::vector<double>> self_, cross_;  // [layer][held sequence], [pair][held sequence]
  std::vector<Eigen::MatrixXd> previous_;          // the last layer's Grams, while collecting
  std::uint64_t first_layer_ = 0;                  // global index of self_[0]
  bool lead_ = false;                              // cross_[0] is the pair (first_layer_ - 1, first_layer_)
};

}  // namespace infoscale

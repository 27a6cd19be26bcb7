#pragma once
// Linear CKA between adjacent layers on every weight set of a resampling plan, from per-sequence
// sufficient statistics, so that 1000 bootstrap resamples never redo the n x d GEMMs.
//
// With tokens grouped into S sequences, a resample gives sequence s the weight w_s. For globally
// centred layers X, Y (rows x_i, y_i), per-sequence sums a_s = sum_{i in s} x_i, b_s likewise:
//   ||Xc^T W Yc||_F^2 = w^T G w - (2 / N_w) sum_i w_s(i) (P w)_i (Q w)_i + (w^T A w)(w^T B w) / N_w^2
// where G_st = <X_s X_t^T, Y_s Y_t^T>_F (block sums of the two token Grams' product), P = X [a_s],
// Q = Y [b_s], A_st = a_s . a_t, B_st = b_s . b_t and N_w = sum_s w_s n_s. The resample is
// re-centred exactly (its own mean), not at the full-sample mean. Per resample: O(S^2 + n S).
// Memory: one n x n Gram per layer (two held at a time).

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/detail/gemm.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {

/// Streams the layers of a model one at a time (each [tokens][features], same tokens) and keeps,
/// for every adjacent pair and every weight set of the plan, the linear CKA.
class cka_evidence {
 public:
  cka_evidence(std::vector<std::size_t> sequence_lengths, const resampling_plan& plan)
      : lengths_(std::move(sequence_lengths)), plan_(plan) {
    constexpr std::string_view function = "cka_evidence";
    if (plan.sequences() != lengths_.size()) {
      detail::raise(function, "plan", "has a different number of sequences than sequence_lengths");
    }
    std::size_t tokens = 0;
    for (const std::size_t n : lengths_) tokens += n;
    detail::check_sequence_lengths(lengths_, tokens, function);
    tokens_ = tokens;
    offsets_.assign(lengths_.size() + 1, 0);
    for (std::size_t s = 0; s < lengths_.size(); ++s) offsets_[s + 1] = offsets_[s] + lengths_[s];
    const auto sets = detail::idx_of(plan.size());
    const auto seqs = detail::idx_of(lengths_.size());
    weights_.resize(seqs, sets);
    for (std::size_t k = 0; k < plan.size(); ++k) {
      const auto w = plan.weights(k);
      for (std::size_t s = 0; s < w.size(); ++s) weights_(detail::idx_of(s), detail::idx_of(k)) = w[s];
    }
    token_weights_.resize(detail::idx_of(tokens_), sets);
    for (std::size_t s = 0; s < lengths_.size(); ++s) {
      for (std::size_t i = offsets_[s]; i < offsets_[s + 1]; ++i) {
        token_weights_.row(detail::idx_of(i)) = weights_.row(detail::idx_of(s));
      }
    }
    const Eigen::VectorXd n =
        Eigen::Map<const Eigen::Matrix<std::size_t, Eigen::Dynamic, 1>>(lengths_.data(), seqs).cast<double>();
    total_weight_ = (n.transpose() * weights_).transpose();
  }

  /// Evidence whose CKA values were computed elsewhere: pairs[l][k] is the CKA of pair (l, l+1) on
  /// weight set k of `plan` (layers/distributed/cka_state.hpp's per-sequence form, merged across
  /// shards). Nothing can be added to it.
  cka_evidence(const resampling_plan& plan, std::size_t layers, std::vector<std::vector<double>> pairs)
      : plan_(plan), layers_(layers), pairs_(std::move(pairs)), fixed_(true) {
    if (layers < 2 || pairs_.size() != layers - 1)
      detail::raise("cka_evidence", "pairs", "must hold one entry per adjacent layer pair");
    for (const auto& p : pairs_)
      if (p.size() != plan.size()) detail::raise("cka_evidence", "pairs", "must give one CKA per weight set");
  }

  /// Adds the next layer. The Grams are detail/gemm.hpp's (OpenBLAS or Eigen, threaded); the
  /// policy runs the per-sequence-pair block sums, each pair in its own slot (same bits on every
  /// thread count).
  template <ExecutionPolicy P, class T>
  void add_layer(P policy, const matrix_view<T>& layer) {
    static_assert(!reads_device_memory<P>, "cka_evidence reads host memory: use seq, par or thrust_host");
    constexpr std::string_view function = "cka_evidence::add_layer";
    if (fixed_) detail::raise(function, "layer", "cannot be added to evidence built from CKA values");
    detail::check_activations(layer, function, "layer");
    if (layer.extent(0) != tokens_) {
      detail::raise(function, "layer",
                    "has " + std::to_string(layer.extent(0)) + " tokens but the sequences have " +
                        std::to_string(tokens_) + " (every layer must see the same tokens)");
    }
    Eigen::MatrixXd x = detail::to_matrix(layer);
    detail::centre_for_similarity(x, function, "layer");
    state current;
    current.gram = detail::gram_of_rows(x);
    const auto seqs = detail::idx_of(lengths_.size());
    Eigen::MatrixXd sums(seqs, x.cols());
    for (Eigen::Index s = 0; s < seqs; ++s) {
      sums.row(s) = x.middleRows(detail::idx_of(offsets_[s]), detail::idx_of(lengths_[s])).colwise().sum();
    }
    current.sequence_gram = sums * sums.transpose();
    current.projected = (x * sums.transpose()) * weights_;  // n x sets: (P w) for every weight set
    x.resize(0, 0);
    const Eigen::MatrixXd g_self = block_sums(policy, current.gram, current.gram);
    current.self = quadratic_terms(g_self, current, current);
    if (layers_ > 0) {
      const Eigen::MatrixXd g_cross = block_sums(policy, previous_.gram, current.gram);
      const Eigen::VectorXd cross = quadratic_terms(g_cross, previous_, current);
      std::vector<double> cka(plan_.size());
      for (std::size_t k = 0; k < plan_.size(); ++k) {
        const auto i = detail::idx_of(k);
        cka[k] = cross(i) / std::sqrt(previous_.self(i) * current.self(i));
      }
      pairs_.push_back(std::move(cka));
    }
    previous_ = std::move(current);
    ++layers_;
  }
  template <class T>
  void add_layer(const matrix_view<T>& layer) {
    add_layer(seq, layer);
  }

  [[nodiscard]] std::size_t layers() const { return layers_; }
  [[nodiscard]] const resampling_plan& plan() const { return plan_; }

  /// Linear CKA of pair (l, l+1) on weight set k (k = 0: the full sample).
  [[nodiscard]] double cka(std::size_t pair, std::size_t set) const { return pairs_.at(pair).at(set); }

  /// S1(l) = 1 / CKA(h_l, h_l+1), multi-scale paper eq. (3), on weight set k.
  [[nodiscard]] std::vector<double> signal(std::size_t set) const {
    std::vector<double> s1(pairs_.size());
    for (std::size_t l = 0; l < pairs_.size(); ++l) s1[l] = 1.0 / pairs_[l].at(set);
    return s1;
  }

 private:
  struct state {
    Eigen::MatrixXd gram;           // centred token Gram X X^T
    Eigen::MatrixXd sequence_gram;  // A_st = a_s . a_t
    Eigen::MatrixXd projected;      // P w per weight set (n x sets)
    Eigen::VectorXd self;           // ||Xc^T W Xc||^2 per weight set
  };

  // Index s writes g(s, t) and g(t, s) for t <= s only: the slots of different s never overlap.
  template <ExecutionPolicy P>
  Eigen::MatrixXd block_sums(P policy, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const {
    const std::size_t seqs = lengths_.size();
    Eigen::MatrixXd g(detail::idx_of(seqs), detail::idx_of(seqs));
    for_each_index(
        policy, seqs,
        [&](std::size_t s) {
          for (std::size_t t = 0; t <= s; ++t) {
            const auto rs = detail::idx_of(offsets_[s]), ns = detail::idx_of(lengths_[s]);
            const auto rt = detail::idx_of(offsets_[t]), nt = detail::idx_of(lengths_[t]);
            const double v = (a.block(rs, rt, ns, nt).array() * b.block(rs, rt, ns, nt).array()).sum();
            g(detail::idx_of(s), detail::idx_of(t)) = g(detail::idx_of(t), detail::idx_of(s)) = v;
          }
        },
        1);
    return g;
  }

  // ||Xc^T W Yc||^2 for every weight set (the identity in the header comment).
  Eigen::VectorXd quadratic_terms(const Eigen::MatrixXd& g, const state& x, const state& y) const {
    const Eigen::VectorXd wgw = ((g * weights_).array() * weights_.array()).colwise().sum().transpose();
    const Eigen::VectorXd middle =
        (token_weights_.array() * x.projected.array() * y.projected.array()).colwise().sum().transpose();
    const Eigen::VectorXd wax =
        ((x.sequence_gram * weights_).array() * weights_.array()).colwise().sum().transpose();
    const Eigen::VectorXd way =
        ((y.sequence_gram * weights_).array() * weights_.array()).colwise().sum().transpose();
    const Eigen::ArrayXd nw = total_weight_.array();
    return (wgw.array() - 2.0 * middle.array() / nw + wax.array() * way.array() / (nw * nw)).matrix();
  }

  std::vector<std::size_t> lengths_;
  std::vector<std::size_t> offsets_;
  std::size_t tokens_ = 0;
  resampling_plan plan_;
  Eigen::MatrixXd weights_;        // sequences x sets
  Eigen::MatrixXd token_weights_;  // tokens x sets
  Eigen::VectorXd total_weight_;   // N_w per set
  state previous_;
  std::size_t layers_ = 0;
  std::vector<std::vector<double>> pairs_;
  bool fixed_ = false;
};

}  // namespace infoscale

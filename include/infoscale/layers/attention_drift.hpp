#pragma once
// Attention drift between adjacent layers, multi-scale paper eq. (5): the Jensen-Shannon
// divergence between each (head, query) attention row of layer l and of layer l+1, averaged over
// heads and queries; and per-head attention entropy. Causal and padding masks are applied before
// anything else: a future or padded key never enters a distribution (its mass is dropped and the
// row renormalised over the allowed keys), and padded queries are skipped.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/layers/bootstrap.hpp"

namespace infoscale {

/// Which keys a query may see. No causal mask by default, everywhere (C++, Python, the program): a
/// decoder's attention already puts no mass on later keys, so the mask changes nothing there, while
/// an encoder's attention must not be masked.
struct attention_mask {
  bool causal = false;                  ///< key j is visible to query i only if j <= i + (keys - queries)
  std::span<const std::uint8_t> valid;  ///< per key position: 1 real token, 0 padding; empty = all real
};

/// Sums behind S3 for one sequence: per adjacent layer pair the sum of JS over the (head, query)
/// rows that exist, and that row count. Summing these over sequences is exactly the pooled mean.
struct attention_drift_sums {
  std::vector<double> js_sum;
  std::size_t rows = 0;
};

/// How far a row of attention weights may sum from 1 before masking: the rounding of a softmax
/// stored as T (16-bit rows of a few thousand keys drift by up to ~2^-9), and no more, so a row of
/// scores or a tensor of the wrong layout is refused instead of renormalised into a distribution.
template <class T>
inline constexpr double attention_row_tolerance = sizeof(T) <= 2 ? 1e-2 : 1e-4;

namespace detail {

// Row (h, i) of an attention layer, masked and renormalised, into `out` (size keys). Returns false
// for a padded query.
template <class T>
bool masked_row(const tensor_view<T, 3>& a, std::size_t head, std::size_t query, const attention_mask& mask,
                std::vector<double>& out, std::string_view function) {
  const std::size_t queries = a.extent(1), keys = a.extent(2);
  const std::size_t offset = keys - queries;
  if (!mask.valid.empty() && mask.valid[query + offset] == 0) return false;
  double total = 0.0, unmasked = 0.0;
  for (std::size_t j = 0; j < keys; ++j) {
    const double v = widen(a(head, query, j));
    if (!std::isfinite(v) || v < 0.0) {
      raise(
          function, "attention",
          "has an invalid probability at head " + std::to_string(head) + ", query " + std::to_string(query));
    }
    unmasked += v;
    const bool allowed = (!mask.causal || j <= query + offset) && (mask.valid.empty() || mask.valid[j] != 0);
    out[j] = allowed ? v : 0.0;
    total += out[j];
  }
  constexpr double tolerance = attention_row_tolerance<std::remove_cv_t<T>>;
  if (!(std::abs(unmasked - 1.0) <= tolerance)) {
    raise(function, "attention",
          "has a row that sums to " + format_number(unmasked) + ", not 1 (tolerance " +
              format_number(tolerance) + ") at head " + std::to_string(head) + ", query " +
              std::to_string(query) + ": attention weights are softmax rows over the keys, before any mask");
  }
  if (!(total > 0.0)) {
    raise(function, "attention",
          "has no mass on allowed keys at head " + std::to_string(head) + ", query " + std::to_string(query));
  }
  for (double& v : out) v /= total;
  return true;
}

// MS eq. (5): JS(p || q) in nats, summed from the shared elementwise kernel.
inline double js_nats(const std::vector<double>& p, const std::vector<double>& q) {
  double sum = 0.0;
  for (std::size_t j = 0; j < p.size(); ++j) sum += jensen_shannon_term(p[j], q[j]);
  return sum;
}

template <class T>
void check_attention_layers(std::span<const tensor_view<T, 3>> layers, const attention_mask& mask,
                            std::string_view function, std::size_t min_layers) {
  if (layers.size() < min_layers) {
    raise(function, "layers", "needs at least " + std::to_string(min_layers) + " layers");
  }
  for (const auto& a : layers) {
    if (a.empty()) raise(function, "layers", "contains an empty attention tensor");
    if (a.extent(0) != layers[0].extent(0) || a.extent(1) != layers[0].extent(1) ||
        a.extent(2) != layers[0].extent(2)) {
      raise(function, "layers", "have different [heads][queries][keys] shapes");
    }
  }
  if (layers[0].extent(1) > layers[0].extent(2)) raise(function, "layers", "have more queries than keys");
  if (!mask.valid.empty() && mask.valid.size() != layers[0].extent(2)) {
    raise(function, "mask.valid", "must have one entry per key");
  }
  for (std::size_t j = 0; j < mask.valid.size(); ++j) {
    if (mask.valid[j] > 1) {
      raise(function, "mask.valid",
            "has the value " + std::to_string(mask.valid[j]) + " at key " + std::to_string(j) +
                "; a mask holds 0 (padding) or 1 (real token) only");
    }
  }
}

}  // namespace detail

/// Per-pair JS sums and the row count for one sequence's attention, layers[l] = [heads][queries][keys].
template <class T>
[[nodiscard]] attention_drift_sums attention_drift_statistics(std::span<const tensor_view<T, 3>> layers,
                                                              const attention_mask& mask = {}) {
  constexpr std::string_view function = "attention_drift";
  detail::check_attention_layers(layers, mask, function, 2);
  const std::size_t heads = layers[0].extent(0), queries = layers[0].extent(1), keys = layers[0].extent(2);
  attention_drift_sums out{std::vector<double>(layers.size() - 1, 0.0), 0};
  std::vector<double> p(keys), q(keys);
  for (std::size_t h = 0; h < heads; ++h) {
    for (std::size_t i = 0; i < queries; ++i) {
      if (!detail::masked_row(layers[0], h, i, mask, p, function)) continue;
      ++out.rows;
      for (std::size_t l = 1; l < layers.size(); ++l) {
        detail::masked_row(layers[l], h, i, mask, q, function);
        out.js_sum[l - 1] += detail::js_nats(p, q);
        std::swap(p, q);
      }
    }
  }
  if (out.rows == 0) detail::raise(function, "mask.valid", "leaves no query");
  return out;
}

/// Attention drift S3(l) = JS(A_l, A_l+1) averaged over heads and queries, multi-scale paper
/// eq. (5), nats; one value per adjacent pair.
template <class T>
[[nodiscard]] std::vector<double> attention_drift(std::span<const tensor_view<T, 3>> layers,
                                                  const attention_mask& mask = {}) {
  auto sums = attention_drift_statistics(layers, mask);
  for (double& v : sums.js_sum) v /= static_cast<double>(sums.rows);
  return sums.js_sum;
}

/// Mean Shannon entropy (nats) of each head's masked attention rows over the real queries.
template <class T>
[[nodiscard]] std::vector<double> attention_entropy(const tensor_view<T, 3>& layer,
                                                    const attention_mask& mask = {}) {
  constexpr std::string_view function = "attention_entropy";
  const std::array<tensor_view<T, 3>, 1> one{layer};
  detail::check_attention_layers(std::span<const tensor_view<T, 3>>(one), mask, function, 1);
  std::vector<double> out(layer.extent(0), 0.0);
  std::vector<double> p(layer.extent(2));
  for (std::size_t h = 0; h < layer.extent(0); ++h) {
    std::size_t rows = 0;
    for (std::size_t i = 0; i < layer.extent(1); ++i) {
      if (!detail::masked_row(layer, h, i, mask, p, function)) continue;
      ++rows;
      for (const double v : p) out[h] -= v > 0.0 ? v * std::log(v) : 0.0;
    }
    if (rows == 0) detail::raise(function, "mask.valid", "leaves no query");
    out[h] /= static_cast<double>(rows);
  }
  return out;
}

/// Per-sequence attention drift sums, resampled by weight set: S3 on set k is the weighted pooled
/// mean sum_s w_s js_s / sum_s w_s rows_s.
class attention_evidence {
 public:
  explicit attention_evidence(const resampling_plan& plan) : plan_(plan), sums_(plan.sequences()) {}

  void set_sequence(std::size_t sequence, attention_drift_sums sums) {
    if (sequence >= sums_.size())
      detail::raise("attention_evidence::set_sequence", "sequence", "is out of range");
    if (!sums_[0].js_sum.empty() && !sums.js_sum.empty() && sums.js_sum.size() != pairs()) {
      detail::raise("attention_evidence::set_sequence", "sums", "has a different number of layer pairs");
    }
    sums_[sequence] = std::move(sums);
  }
  template <class T>
  void add_sequence(std::size_t sequence, std::span<const tensor_view<T, 3>> layers,
                    const attention_mask& mask = {}) {
    set_sequence(sequence, attention_drift_statistics(layers, mask));
  }

  [[nodiscard]] const resampling_plan& plan() const { return plan_; }
  [[nodiscard]] std::size_t pairs() const {
    for (const auto& s : sums_) {
      if (!s.js_sum.empty()) return s.js_sum.size();
    }
    return 0;
  }

  [[nodiscard]] std::vector<double> signal(std::size_t set) const {
    const auto w = plan_.weights(set);
    const std::size_t n = pairs();
    std::vector<double> s3(n, 0.0);
    double rows = 0.0;
    for (std::size_t s = 0; s < sums_.size(); ++s) {
      if (sums_[s].js_sum.size() != n)
        detail::raise("attention_evidence::signal", "sequences", "were not all added");
      for (std::size_t l = 0; l < n; ++l) s3[l] += w[s] * sums_[s].js_sum[l];
      rows += w[s] * static_cast<double>(sums_[s].rows);
    }
    for (double& v : s3) v /= rows;
    return s3;
  }

 private:
  resampling_plan plan_;
  std::vector<attention_drift_sums> sums_;
};

}  // namespace infoscale

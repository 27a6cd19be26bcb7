#pragma once
// Behavioural metrics of generated text, multi-scale paper §4.2.1: Self-BLEU (BLEU-4 with
// sacrebleu's defaults: exp smoothing and effective order for sentences, closest reference
// length, clipped counts over multiple references), sentence-length variance, type-token ratio,
// coherence as mean cosine similarity of host-provided sentence embeddings, and the paired t-test.
// Sentences are pre-tokenised (whitespace-split), i.e. sacrebleu with tokenize='none'.
//
// Note: a higher Self-BLEU means LESS diversity; the paper's "+28% Self-BLEU"
// under global perturbation is therefore a diversity loss, not the gain its text describes.

#include <Eigen/Dense>
#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/layers/detail/matrix.hpp"

namespace infoscale {

using sentence_tokens = std::vector<std::string>;

/// Splits on whitespace (Python's str.split()).
[[nodiscard]] inline sentence_tokens split_words(const std::string& sentence) {
  std::istringstream in(sentence);
  sentence_tokens out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// BLEU sufficient statistics: hypothesis and reference length, matches and totals per order.
struct bleu_statistics {
  double hyp_len = 0, ref_len = 0;
  std::array<double, 4> correct{}, total{};
  bleu_statistics& operator+=(const bleu_statistics& o) {
    hyp_len += o.hyp_len;
    ref_len += o.ref_len;
    for (int n = 0; n < 4; ++n) correct[n] += o.correct[n], total[n] += o.total[n];
    return *this;
  }
};

namespace detail {
inline std::map<std::vector<std::string>, double> ngram_counts(const sentence_tokens& s) {
  std::map<std::vector<std::string>, double> c;
  for (std::size_t n = 1; n <= 4; ++n) {
    for (std::size_t i = 0; i + n <= s.size(); ++i)
      c[std::vector<std::string>(s.begin() + i, s.begin() + i + n)] += 1;
  }
  return c;
}
}  // namespace detail

/// sacrebleu BLEU._compute_segment_statistics for one hypothesis against references.
[[nodiscard]] inline bleu_statistics bleu_segment(const sentence_tokens& hypothesis,
                                                  std::span<const sentence_tokens> references) {
  if (references.empty()) detail::raise("bleu_segment", "references", "is empty");
  std::map<std::vector<std::string>, double> ref_max;
  double closest = -1, closest_diff = -1;
  const double hyp_len = static_cast<double>(hypothesis.size());
  for (const auto& r : references) {
    for (const auto& [gram, count] : detail::ngram_counts(r)) ref_max[gram] = std::max(ref_max[gram], count);
    const double len = static_cast<double>(r.size()), diff = std::abs(hyp_len - len);
    if (closest_diff < 0 || diff < closest_diff || (diff == closest_diff && len < closest)) {
      closest_diff = diff;
      closest = len;
    }
  }
  bleu_statistics s;
  s.hyp_len = hyp_len;
  s.ref_len = closest;
  for (const auto& [gram, count] : detail::ngram_counts(hypothesis)) {
    const std::size_t n = gram.size() - 1;
    s.total[n] += count;
    const auto it = ref_max.find(gram);
    if (it != ref_max.end()) s.correct[n] += std::min(count, it->second);
  }
  return s;
}

/// sacrebleu BLEU.compute_bleu with smooth_method='exp' (0-100 scale).
[[nodiscard]] inline double bleu_score(bleu_statistics s, bool effective_order) {
  const double bp =
      s.hyp_len < s.ref_len ? (s.hyp_len > 0 ? std::exp(1.0 - s.ref_len / s.hyp_len) : 0.0) : 1.0;
  bool any = false;
  for (const double c : s.correct) any = any || c > 0;
  if (!any) return 0.0;
  std::array<double, 4> precision{};
  double smooth = 1.0;
  int order = 4;
  for (int n = 1; n <= 4; ++n) {
    if (s.total[n - 1] == 0) break;
    if (effective_order) order = n;
    if (s.correct[n - 1] == 0) {
      smooth *= 2;
      precision[n - 1] = 100.0 / (smooth * s.total[n - 1]);
    } else {
      precision[n - 1] = 100.0 * s.correct[n - 1] / s.total[n - 1];
    }
  }
  double log_sum = 0.0;
  for (int n = 0; n < order; ++n) log_sum += precision[n] > 0 ? std::log(precision[n]) : -9999999999.0;
  return bp * std::exp(log_sum / order);
}

/// sacrebleu.sentence_bleu(hypothesis, references, tokenize='none').score.
[[nodiscard]] inline double sentence_bleu(const sentence_tokens& hypothesis,
                                          std::span<const sentence_tokens> references) {
  return bleu_score(bleu_segment(hypothesis, references), true);
}

/// sacrebleu.corpus_bleu(hypotheses, [references], tokenize='none').score (one reference stream).
[[nodiscard]] inline double corpus_bleu(std::span<const sentence_tokens> hypotheses,
                                        std::span<const sentence_tokens> references) {
  if (hypotheses.size() != references.size())
    detail::raise("corpus_bleu", "references", "must pair with hypotheses");
  bleu_statistics total;
  for (std::size_t i = 0; i < hypotheses.size(); ++i)
    total += bleu_segment(hypotheses[i], std::span(&references[i], 1));
  return bleu_score(total, false);
}

/// Self-BLEU: mean sentence BLEU of each sample against all the others (0-100; higher = less diverse).
[[nodiscard]] inline double self_bleu(std::span<const sentence_tokens> samples) {
  if (samples.size() < 2) detail::raise("self_bleu", "samples", "needs at least 2 samples");
  double sum = 0.0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    std::vector<sentence_tokens> others;
    for (std::size_t j = 0; j < samples.size(); ++j)
      if (j != i) others.push_back(samples[j]);
    sum += sentence_bleu(samples[i], others);
  }
  return sum / static_cast<double>(samples.size());
}

/// Population variance (ddof = 0) of sentence lengths in tokens (structural stability).
[[nodiscard]] inline double length_variance(std::span<const sentence_tokens> samples) {
  if (samples.empty()) detail::raise("length_variance", "samples", "is empty");
  double mean = 0.0;
  for (const auto& s : samples) mean += static_cast<double>(s.size());
  mean /= static_cast<double>(samples.size());
  double var = 0.0;
  for (const auto& s : samples)
    var += (static_cast<double>(s.size()) - mean) * (static_cast<double>(s.size()) - mean);
  return var / static_cast<double>(samples.size());
}

/// Type-token ratio over the whole sample: distinct tokens / tokens.
[[nodiscard]] inline double type_token_ratio(std::span<const sentence_tokens> samples) {
  std::set<std::string> types;
  std::size_t tokens = 0;
  for (const auto& s : samples) {
    types.insert(s.begin(), s.end());
    tokens += s.size();
  }
  if (tokens == 0) detail::raise("type_token_ratio", "samples", "has no tokens");
  return static_cast<double>(types.size()) / static_cast<double>(tokens);
}

/// Coherence: mean cosine similarity over all pairs i < j of sentence embeddings [sentences][dim].
template <class T>
[[nodiscard]] double coherence(const matrix_view<T>& embeddings) {
  constexpr std::string_view function = "coherence";
  detail::check_activations(embeddings, function, "embeddings");
  if (embeddings.extent(0) < 2) detail::raise(function, "embeddings", "needs at least 2 sentences");
  Eigen::MatrixXd e = detail::to_matrix(embeddings);
  for (Eigen::Index i = 0; i < e.rows(); ++i) {
    const double norm = e.row(i).norm();
    if (norm == 0.0) detail::raise(function, "embeddings", "has a zero vector (cosine undefined)");
    e.row(i) /= norm;
  }
  const Eigen::MatrixXd c = e * e.transpose();
  const double n = static_cast<double>(e.rows());
  return (c.sum() - c.trace()) / (n * (n - 1.0));
}

struct t_test_result {
  double statistic = 0.0;
  double p_value = 1.0;  ///< two-sided
  double df = 0.0;
};

/// Paired t-test of a against b (scipy.stats.ttest_rel, two-sided), Boost.Math Student's t.
[[nodiscard]] inline t_test_result paired_t_test(std::span<const double> a, std::span<const double> b) {
  constexpr std::string_view function = "paired_t_test";
  if (a.size() != b.size()) detail::raise(function, "b", "must have as many values as a");
  if (a.size() < 2) detail::raise(function, "a", "needs at least 2 pairs");
  const double n = static_cast<double>(a.size());
  double mean = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
      detail::raise(function, "a", "contains a non-finite value");
    mean += a[i] - b[i];
  }
  mean /= n;
  double ss = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) ss += (a[i] - b[i] - mean) * (a[i] - b[i] - mean);
  const double sd = std::sqrt(ss / (n - 1.0));
  if (sd == 0.0) detail::raise(function, "b", "differs from a by a constant: the t statistic is undefined");
  const double t = mean / (sd / std::sqrt(n));
  const boost::math::students_t dist(n - 1.0);
  return {t, 2.0 * boost::math::cdf(dist, -std::abs(t)), n - 1.0};
}

}  // namespace infoscale

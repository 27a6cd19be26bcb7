#pragma once
// An n-gram PLM estimated from a token corpus, with two smoothings (stated, both standard):
//  * add-k (Lidstone): p(w | g) = (c(g w) + k) / (c(g) + k V) for the longest suffix g of the last
//    n-1 tokens that occurs in the corpus as a context (back-off to shorter contexts only when a
//    context was never seen; k = 1 is Laplace).
//  * interpolated Kneser-Ney with one absolute discount D in (0, 1] (Chen & Goodman 1998, eq. 17):
//    p_l(w | g) = max(c_l(g w) - D, 0) / c_l(g) + D N1+(g .) / c_l(g) * p_{l-1}(w | g'),
//    g' = g without its first token, c = raw counts at the top order and continuation counts
//    N1+(. g w) (distinct left neighbours, the sentence start counting as one) below it, down to
//    the uniform law 1/V; a context never seen passes its lower order through unchanged.
// Each training sentence is its tokens followed by ∅ (the end token); contexts do not cross
// sentence boundaries, so the first words of a sentence are predicted from shorter contexts, as
// the first words of a continuation after a short prompt are.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <span>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale {

enum class ngram_smoothing { add_k, kneser_ney };

struct ngram_options {
  std::size_t order = 2;  ///< n: the model conditions on the last n - 1 tokens
  ngram_smoothing smoothing = ngram_smoothing::add_k;
  double k = 1.0;          ///< pseudo-count of add-k
  double discount = 0.75;  ///< D of Kneser-Ney
};

class ngram_lm {
 public:
  ngram_lm(vocabulary vocab, std::span<const sentence> corpus, ngram_options options = {})
      : vocab_(vocab), options_(options) {
    constexpr std::string_view function = "ngram_lm";
    if (corpus.empty()) detail::raise(function, "corpus", "is empty");
    if (options.order < 1) detail::raise(function, "options.order", "must be >= 1");
    if (options.smoothing == ngram_smoothing::add_k) check_positive(options.k, function, "options.k");
    if (options.smoothing == ngram_smoothing::kneser_ney &&
        (!(options.discount > 0.0) || !(options.discount <= 1.0))) {
      detail::raise(function, "options.discount", "must lie in (0, 1] (counts are integers >= 1)");
    }
    const token start = static_cast<token>(vocab.size());  // a left neighbour outside W: sentence start
    std::set<sentence> extended;                           // distinct (left, g, w) for continuation counts
    for (std::size_t s = 0; s < corpus.size(); ++s) {
      const sentence& x = corpus[s];
      check_sentence(vocab, x, function, "corpus");
      for (std::size_t i = 0; i <= x.size(); ++i) {  // predicting position i (0-based), i == size: ∅
        const token next = i < x.size() ? x[i] : vocab.end();
        const std::size_t longest = std::min(options.order - 1, i);
        for (std::size_t l = 0; l <= longest; ++l) {
          const sentence g(x.begin() + static_cast<std::ptrdiff_t>(i - l),
                           x.begin() + static_cast<std::ptrdiff_t>(i));
          raw_[g].add(next, 1.0);
          if (l < options.order - 1) {
            sentence key;
            key.push_back(i > l ? x[i - l - 1] : start);
            key.insert(key.end(), g.begin(), g.end());
            key.push_back(next);
            if (extended.insert(key).second) continuation_[g].add(next, 1.0);
          }
        }
      }
    }
  }

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  [[nodiscard]] const ngram_options& options() const noexcept { return options_; }

  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    const std::size_t v = vocab_.size();
    const std::size_t top = std::min(options_.order - 1, prefix.size());
    const auto context = [&](std::size_t l) {
      return sentence(prefix.end() - static_cast<std::ptrdiff_t>(l), prefix.end());
    };
    std::vector<double> p(v, 1.0 / static_cast<double>(v));
    if (options_.smoothing == ngram_smoothing::add_k) {
      for (std::size_t l = top + 1; l-- > 0;) {
        const auto it = raw_.find(context(l));
        if (it == raw_.end()) continue;
        const double denominator = it->second.total + options_.k * static_cast<double>(v);
        for (std::size_t w = 0; w < v; ++w)
          p[w] = (it->second.count(static_cast<token>(w)) + options_.k) / denominator;
        break;
      }
    } else {
      const double d = options_.discount;
      for (std::size_t l = 0; l <= top; ++l) {
        const auto& table = l == top ? raw_ : continuation_;
        const auto it = table.find(context(l));
        if (it == table.end()) continue;
        const counts& c = it->second;
        const double gamma = d * static_cast<double>(c.by_token.size()) / c.total;
        for (std::size_t w = 0; w < v; ++w) {
          p[w] = std::max(c.count(static_cast<token>(w)) - d, 0.0) / c.total + gamma * p[w];
        }
      }
    }
    for (std::size_t w = 0; w < v; ++w) out[w] = std::log(p[w]);
  }

 private:
  struct counts {
    std::map<token, double> by_token;
    double total = 0.0;
    void add(token w, double n) {
      by_token[w] += n;
      total += n;
    }
    [[nodiscard]] double count(token w) const {
      const auto it = by_token.find(w);
      return it == by_token.end() ? 0.0 : it->second;
    }
  };

  vocabulary vocab_;
  ngram_options options_;
  std::map<sentence, counts> raw_;
  std::map<sentence, counts> continuation_;
};

}  // namespace infoscale

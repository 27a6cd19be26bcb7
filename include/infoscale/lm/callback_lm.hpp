#pragma once
// A PLM over any host model: a callable that returns next-token logits for a prefix (a llama.cpp
// eval, an ONNX session, a PyTorch module behind a binding, a lambda over a table). The adapter
// applies log-softmax at temperature T in double precision (log-sum-exp, so logits of any size are
// safe) and checks the size and finiteness of what the callback returns.

#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/lm/concepts.hpp"

namespace infoscale {

/// A callable taking the prefix and returning a sized range of logits over W ∪ {∅}.
template <class F>
concept LogitsCallback = std::invocable<const F&, std::span<const token>> &&
    std::ranges::sized_range<std::invoke_result_t<const F&, std::span<const token>>>;

namespace detail {

/// out = log softmax(logits / T) in double (log-sum-exp), raising for a non-finite logit/T.
template <class Logits>
void log_softmax_at_temperature(const Logits& logits, std::span<double> out, double temperature,
                                std::string_view function) {
  double maximum = -std::numeric_limits<double>::infinity();
  std::size_t j = 0;
  for (const auto& z : logits) {
    const double x = static_cast<double>(widen(z)) / temperature;
    if (!std::isfinite(x))
      raise(function, "callback", "returned a non-finite logit at token " + std::to_string(j));
    out[j++] = x;
    maximum = x > maximum ? x : maximum;
  }
  compensated_sum sum;
  for (std::size_t i = 0; i < out.size(); ++i) sum += std::exp(out[i] - maximum);
  const double log_z = maximum + std::log(sum.value());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] -= log_z;
}

}  // namespace detail

template <LogitsCallback F>
class callback_lm {
 public:
  callback_lm(vocabulary vocab, F callback, double temperature = 1.0)
      : vocab_(vocab), callback_(std::move(callback)), temperature_(temperature) {
    check_positive(temperature, "callback_lm", "temperature");
  }

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  [[nodiscard]] double temperature() const noexcept { return temperature_; }

  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    const auto& logits = callback_(prefix);
    if (static_cast<std::size_t>(std::ranges::size(logits)) != vocab_.size()) {
      detail::raise("callback_lm", "callback",
                    "returned " + std::to_string(std::ranges::size(logits)) + " logits for a vocabulary of " +
                        std::to_string(vocab_.size()));
    }
    detail::log_softmax_at_temperature(logits, out, temperature_, "callback_lm");
  }

 private:
  vocabulary vocab_;
  F callback_;
  double temperature_;
};

/// A callable taking (sample ids, prefixes) and returning a sized range of rows x vocab logits,
/// row-major: a batched host model (a torch decoder with a KV cache per sample, a llama.cpp batch).
template <class F>
concept BatchedLogitsCallback =
    std::invocable<const F&, std::span<const std::size_t>, std::span<const sentence>> &&
    std::ranges::sized_range<
        std::invoke_result_t<const F&, std::span<const std::size_t>, std::span<const sentence>>>;

/// A batched PLM over a host model: the same log-softmax at temperature T and checks as
/// callback_lm, row by row; a single prefix is a batch of one (sample id 0).
template <BatchedLogitsCallback F>
class batched_callback_lm {
 public:
  batched_callback_lm(vocabulary vocab, F callback, double temperature = 1.0)
      : vocab_(vocab), callback_(std::move(callback)), temperature_(temperature) {
    check_positive(temperature, "batched_callback_lm", "temperature");
  }

  [[nodiscard]] vocabulary vocab() const noexcept { return vocab_; }
  [[nodiscard]] double temperature() const noexcept { return temperature_; }

  void next_log_probabilities_batch(std::span<const std::size_t> sample_ids,
                                    std::span<const sentence> prefixes, std::span<double> out) const {
    constexpr std::string_view function = "batched_callback_lm";
    const auto& logits = callback_(sample_ids, prefixes);
    const std::size_t v = vocab_.size(), rows = prefixes.size();
    if (static_cast<std::size_t>(std::ranges::size(logits)) != rows * v) {
      detail::raise(function, "callback",
                    "returned " + std::to_string(std::ranges::size(logits)) + " logits for " +
                        std::to_string(rows) + " prefixes of a vocabulary of " + std::to_string(v) +
                        " (expected rows x vocabulary)");
    }
    auto it = std::ranges::begin(logits);
    for (std::size_t r = 0; r < rows; ++r) {
      const auto first = it;
      std::advance(it, static_cast<std::ptrdiff_t>(v));
      detail::log_softmax_at_temperature(std::ranges::subrange(first, it), out.subspan(r * v, v),
                                         temperature_, function);
    }
  }

  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    const std::size_t id = 0;
    const sentence one(prefix.begin(), prefix.end());
    next_log_probabilities_batch(std::span<const std::size_t>(&id, 1), std::span<const sentence>(&one, 1),
                                 out);
  }

 private:
  vocabulary vocab_;
  F callback_;
  double temperature_;
};

}  // namespace infoscale

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
    constexpr std::string_view function = "callback_lm";
    const auto& logits = callback_(prefix);
    if (static_cast<std::size_t>(std::ranges::size(logits)) != vocab_.size()) {
      detail::raise(function, "callback",
                    "returned " + std::to_string(std::ranges::size(logits)) + " logits for a vocabulary of " +
                        std::to_string(vocab_.size()));
    }
    double maximum = -std::numeric_limits<double>::infinity();
    std::size_t j = 0;
    for (const auto& z : logits) {
      const double x = static_cast<double>(detail::widen(z)) / temperature_;
      if (!std::isfinite(x))
        detail::raise(function, "callback", "returned a non-finite logit at token " + std::to_string(j));
      out[j++] = x;
      maximum = x > maximum ? x : maximum;
    }
    compensated_sum sum;
    for (std::size_t i = 0; i < out.size(); ++i) sum += std::exp(out[i] - maximum);
    const double log_z = maximum + std::log(sum.value());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] -= log_z;
  }

 private:
  vocabulary vocab_;
  F callback_;
  double temperature_;
};

}  // namespace infoscale

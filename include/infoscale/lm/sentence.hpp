#pragma once
// Sentences over a finite vocabulary with an end token (Yang, arXiv 2407.21092, §2).
// W is a finite vocabulary and S = union of W^n, n >= 1, the countable set of sentences [standard].
// A predicative model chooses the next word or "nothing" (∅); we store ∅ as one designated token of
// the vocabulary, the end token. A continuation y = w_1..w_k (k >= 0) of a prompt never contains
// the end token: its probability already includes the final p(∅ | s y).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

/// A word of the vocabulary, by index.
using token = std::uint32_t;
/// A prompt or a continuation: a sequence of words (no end token inside).
using sentence = std::vector<token>;

/// A finite vocabulary W ∪ {∅} of `size` tokens, one of which (`end`) stands for ∅.
class vocabulary {
 public:
  /// Raises unless size >= 2 (one word besides ∅) and end < size.
  vocabulary(std::size_t size, token end) : size_(size), end_(end) {
    if (size < 2)
      detail::raise("vocabulary", "size", "must be >= 2 (at least one word besides the end token)");
    if (static_cast<std::size_t>(end) >= size) {
      detail::raise("vocabulary", "end",
                    "is token " + std::to_string(end) + ", outside the vocabulary of " +
                        std::to_string(size) + " tokens: a vocabulary needs an end token");
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] token end() const noexcept { return end_; }
  [[nodiscard]] bool contains(token t) const noexcept { return static_cast<std::size_t>(t) < size_; }
  friend bool operator==(const vocabulary&, const vocabulary&) = default;

 private:
  std::size_t size_;
  token end_;
};

/// Raises unless every token of `s` is in the vocabulary and none is the end token.
inline void check_sentence(const vocabulary& vocab, std::span<const token> s, std::string_view function,
                           std::string_view name) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!vocab.contains(s[i])) {
      detail::raise(function, name,
                    "has token " + std::to_string(s[i]) + " at position " + std::to_string(i) +
                        ", outside the vocabulary of " + std::to_string(vocab.size()));
    }
    if (s[i] == vocab.end()) {
      detail::raise(function, name,
                    "has the end token at position " + std::to_string(i) + " (a sentence ends implicitly)");
    }
  }
}

/// Raises for an empty prompt set.
inline void check_prompt_set(std::span<const sentence> prompts, std::string_view function) {
  if (prompts.empty())
    detail::raise(function, "prompts", "is empty (a prompt set needs at least one prompt)");
}

}  // namespace infoscale

#pragma once
// Compile-time description of a language model: the public facts the entropic level needs (P, V)
// plus the architecture facts a researcher reads next to them. A plain structural type, so a
// model_spec can be a template argument and the paper's tables can be static_asserted.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace infoscale::entropic {

/// A short fixed-capacity name. std::string_view is not a structural type (private members), and
/// a pointer to a string literal may not be a template argument, so the characters are stored inline.
struct fixed_name {
  static constexpr std::size_t capacity = 39;
  char data[capacity + 1] = {};

  constexpr fixed_name() = default;
  template <std::size_t N>
  requires(N <= capacity + 1) constexpr fixed_name(const char (&text)[N]) {  // NOLINT: implicit on purpose
    for (std::size_t i = 0; i + 1 < N; ++i) data[i] = text[i];
  }

  [[nodiscard]] constexpr std::string_view view() const {
    std::size_t n = 0;
    while (n < capacity && data[n] != '\0') ++n;
    return {data, n};
  }
  constexpr operator std::string_view() const { return view(); }  // NOLINT: reads like a string
  friend constexpr bool operator==(const fixed_name& a, const fixed_name& b) { return a.view() == b.view(); }
};

/// Public facts of one model. `layers` and `hidden_size` are 0 where undisclosed (GPT-4) or where
/// the source row gives only a parameter count that matches no released architecture.
struct model_spec {
  fixed_name name;
  fixed_name family;
  std::uint64_t parameters = 0;  ///< P, total trainable parameters including embeddings
  std::uint64_t vocabulary = 0;  ///< V, rows of the embedding matrix (the tokenizer's size when equal)
  int layers = 0;
  int hidden_size = 0;
};

namespace detail {
template <class M>
concept has_name = requires(const M& m) {
  { std::string_view(m.name) } -> std::same_as<std::string_view>;
};
template <class M>
concept has_size = requires(const M& m) {
  { static_cast<double>(m.parameters) } -> std::same_as<double>;
  { static_cast<double>(m.vocabulary) } -> std::same_as<double>;
};
}  // namespace detail

/// Anything that names a model and states its parameter count P and vocabulary size V: the
/// inputs of the level map, entropic-scaling eq. (1). model_spec is the library's model of it.
template <class M>
concept ModelSpec = detail::has_name<M> && detail::has_size<M>;

static_assert(ModelSpec<model_spec>);

}  // namespace infoscale::entropic

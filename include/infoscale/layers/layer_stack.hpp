#pragma once
// The layer analysis over whole stacks, laid out as a dump (`infoscale layers --help`):
//   hidden_states     [L+1, N, d]   [0] = embedding output; N = every sequence's real tokens, concatenated
//   sequence_offsets  [S+1]         sequence s holds tokens [off[s], off[s+1]) (optional)
//   attentions        [L, S, H, T, T] (optional: S3)
//   attention_mask    [S, T]        1 = real token (optional; default all real)
//   labels            [N] per label set (optional: S2)
// Sequences come from sequence_offsets, else from the attention mask, else the stack is one
// sequence (and has no bootstrap interval). plan_layer_stack checks the layout and derives them;
// add_hidden_stack and add_attention_stack feed a layer_analysis, one element type each.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/layer_analysis.hpp"

namespace infoscale {

/// The shapes and integer arrays of a stack: everything but the floating-point data.
struct layer_stack_layout {
  std::array<std::size_t, 3> hidden_shape{};
  std::optional<std::vector<std::int64_t>> sequence_offsets;
  std::optional<std::array<std::size_t, 5>> attention_shape;
  std::optional<std::vector<std::size_t>> attention_mask_shape;
  std::vector<std::int64_t> attention_mask;  ///< row-major [S, T] when attention_mask_shape is set
};

/// What plan_layer_stack derived: sequence lengths, each sequence's valid positions, notes.
struct layer_stack_plan {
  std::vector<std::size_t> lengths;
  std::vector<std::uint8_t> valid;  ///< [S, T] when there are attentions
  std::vector<std::string> notes;
};

namespace detail {

inline std::string shape_text(std::span<const std::size_t> shape) {
  std::string s;
  for (const std::size_t n : shape) s += (s.empty() ? "" : " x ") + std::to_string(n);
  return "[" + s + "]";
}

}  // namespace detail

/// Checks a stack's layout (messages name `source`, as `infoscale layers` names the dump) and
/// derives its sequences.
[[nodiscard]] inline layer_stack_plan plan_layer_stack(const layer_stack_layout& in,
                                                       const std::string& source) {
  const auto bad = [&](const std::string& problem) { detail::raise("layers", source, problem); };
  const auto [states, tokens, features] = in.hidden_shape;
  if (states < 3)
    bad("has hidden_states for " + std::to_string(states) +
        " layers; at least 3 (embeddings and 2 layers) are needed");
  if (tokens < 2 || features == 0) bad("has hidden_states with too few tokens or no features");
  const std::size_t layers = states - 1;
  layer_stack_plan plan;
  std::size_t att_sequences = 0, positions = 0;
  std::vector<std::int64_t> mask;
  if (in.attention_shape) {
    const auto& a = *in.attention_shape;
    if (a[0] != layers)
      bad("has attentions for " + std::to_string(a[0]) + " layers but hidden_states for " +
          std::to_string(layers) + " (plus embeddings)");
    if (a[3] != a[4]) bad("has attentions with different query and key counts");
    att_sequences = a[1];
    positions = a[3];
    if (att_sequences == 0 || a[2] == 0 || positions == 0) bad("has empty attentions");
    if (in.attention_mask_shape) {
      const auto& m = *in.attention_mask_shape;
      if (m.size() != 2 || m[0] != att_sequences || m[1] != positions)
        bad("has attention_mask " + detail::shape_text(m) + " but attentions " + detail::shape_text(a) +
            " (expected [sequences, T])");
      mask = in.attention_mask;
      for (const auto v : mask)
        if (v != 0 && v != 1) bad("has an attention_mask value other than 0 or 1");
    } else {
      mask.assign(att_sequences * positions, 1);
    }
  } else if (in.attention_mask_shape) {
    plan.notes.push_back("attention_mask without attentions: ignored");
  }
  const auto real_tokens = [&](std::size_t s) {
    std::size_t n = 0;
    for (std::size_t t = 0; t < positions; ++t) n += mask[s * positions + t] != 0 ? 1 : 0;
    return n;
  };

  if (in.sequence_offsets) {
    const auto& off = *in.sequence_offsets;
    if (off.size() < 2 || off.front() != 0)
      bad("has sequence_offsets that do not start at 0 or hold fewer than 2 entries");
    for (std::size_t s = 0; s + 1 < off.size(); ++s) {
      if (off[s + 1] <= off[s])
        bad("has sequence_offsets that do not increase (sequence " + std::to_string(s) +
            " is empty or negative)");
      plan.lengths.push_back(static_cast<std::size_t>(off[s + 1] - off[s]));
    }
    if (static_cast<std::uint64_t>(off.back()) != tokens)
      bad("has sequence_offsets ending at " + std::to_string(off.back()) + " but hidden_states has " +
          std::to_string(tokens) + " tokens");
  } else if (in.attention_shape) {
    std::size_t total = 0;
    for (std::size_t s = 0; s < att_sequences; ++s) total += plan.lengths.emplace_back(real_tokens(s));
    if (total != tokens)
      bad("has no sequence_offsets, and the attention mask's " + std::to_string(total) +
          " real tokens do not match hidden_states' " + std::to_string(tokens));
    plan.notes.push_back("sequences taken from the attention mask (no sequence_offsets)");
  } else {
    plan.lengths = {tokens};
  }
  if (in.attention_shape) {
    if (att_sequences != plan.lengths.size())
      bad("has attentions for " + std::to_string(att_sequences) + " sequences but " +
          std::to_string(plan.lengths.size()) + " sequences of hidden states");
    for (std::size_t s = 0; s < att_sequences; ++s) {
      if (real_tokens(s) != plan.lengths[s])
        bad("has " + std::to_string(real_tokens(s)) + " real tokens in attention_mask row " +
            std::to_string(s) + " but " + std::to_string(plan.lengths[s]) +
            " tokens in that sequence of hidden_states");
    }
    plan.valid.resize(mask.size());
    for (std::size_t i = 0; i < mask.size(); ++i) plan.valid[i] = mask[i] != 0 ? 1 : 0;
  }
  for (const auto n : plan.lengths)
    if (n == 0) bad("has an empty sequence");
  return plan;
}

/// Every hidden state of a stack [L+1, N, d], in order.
template <ExecutionPolicy P, class T>
void add_hidden_stack(P policy, layer_analysis& analysis, const tensor_view<T, 3>& hidden) {
  const auto& progress = analysis.options().progress;
  for (std::size_t l = 0; l < hidden.extent(0); ++l) {
    analysis.add_hidden_layer(policy, hidden[l]);
    if (progress) progress("hidden states", l + 1, hidden.extent(0));
  }
}

/// A rank-5 attention stack [L, S, H, T, T] with strides in elements (tensor views stop at rank 3).
template <class T>
struct attention_stack {
  const T* data = nullptr;
  std::array<std::size_t, 5> shape{};
  std::array<std::ptrdiff_t, 5> strides{};

  /// The attention of layer l + 1 for sequence s: [H, T, T].
  [[nodiscard]] tensor_view<const T, 3> at(std::size_t l, std::size_t s) const {
    return tensor_view<const T, 3>(
        data + static_cast<std::ptrdiff_t>(l) * strides[0] + static_cast<std::ptrdiff_t>(s) * strides[1],
        {shape[2], shape[3], shape[4]}, {strides[2], strides[3], strides[4]});
  }
};

/// Every sequence's attention, masked by the plan's valid positions.
template <class T>
void add_attention_stack(layer_analysis& analysis, const attention_stack<T>& attentions,
                         const layer_stack_plan& plan) {
  const std::size_t positions = attentions.shape[3];
  std::vector<tensor_view<const T, 3>> views(attentions.shape[0]);
  for (std::size_t s = 0; s < attentions.shape[1]; ++s) {
    for (std::size_t l = 0; l < views.size(); ++l) views[l] = attentions.at(l, s);
    analysis.add_attention_sequence(
        s, std::span<const tensor_view<const T, 3>>(views),
        std::span<const std::uint8_t>(plan.valid).subspan(s * positions, positions));
    if (analysis.options().progress) analysis.options().progress("attention", s + 1, attentions.shape[1]);
  }
}

}  // namespace infoscale

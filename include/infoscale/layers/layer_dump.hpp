#pragma once
// `infoscale layers DUMP` as one library call: a safetensors dump laid out as layer_stack.hpp
// describes (labels may be [N] for one label set or [K, N] for K), checked, analysed, reported.
// The command-line program and the Python module's analyse_dump both call this.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/io/safetensors.hpp"
#include "infoscale/layers/layer_analysis.hpp"
#include "infoscale/layers/layer_report.hpp"
#include "infoscale/layers/layer_stack.hpp"

namespace infoscale {

namespace detail {

inline const io::array* find_tensor(const io::safetensors_file& st, std::string_view name) {
  for (const io::array& a : st.tensors) {
    if (a.name.size() > st.path.size() && std::string_view(a.name).substr(st.path.size() + 1) == name)
      return &a;
  }
  return nullptr;
}

/// f(attention_stack<T>) for the stored floating type of a rank-5 array.
template <class F>
void visit_attention_stack(const io::array& a, F&& f) {
  const auto run = [&]<class T>(const T*) {
    attention_stack<T> s;
    s.data = reinterpret_cast<const T*>(a.bytes.data());
    for (std::size_t i = 0; i < 5; ++i) {
      s.shape[i] = a.shape[i];
      s.strides[i] = a.strides[i];
    }
    f(s);
  };
  switch (a.type) {
    case io::element_type::float16:
      return run(static_cast<const float16*>(nullptr));
    case io::element_type::bfloat16:
      return run(static_cast<const bfloat16*>(nullptr));
    case io::element_type::float32:
      return run(static_cast<const float*>(nullptr));
    case io::element_type::float64:
      return run(static_cast<const double*>(nullptr));
    default:
      raise("layers", a.name, "holds " + std::string(io::name_of(a.type)) + " values, not floating point");
  }
}

}  // namespace detail

/// Reads, checks and analyses a dump; `source` names it in the report (default: its path).
template <ExecutionPolicy P>
[[nodiscard]] layer_report analyse_layer_dump(P policy, const io::safetensors_file& st,
                                              const layer_options& options, std::string source = {}) {
  const std::string& path = st.path;
  if (source.empty()) source = path;
  const auto bad = [&](const std::string& problem) { detail::raise("layers", path, problem); };
  const io::array& hidden = st.at("hidden_states");
  if (hidden.rank() != 3)
    bad("has hidden_states of rank " + std::to_string(hidden.rank()) + " " +
        detail::shape_text(hidden.shape) + "; expected [layers + 1, tokens, features]");
  if (!io::is_floating(hidden.type))
    bad("has hidden_states of type " + std::string(io::name_of(hidden.type)) + ", not floating point");
  const io::array* attentions = detail::find_tensor(st, "attentions");
  const io::array* mask = detail::find_tensor(st, "attention_mask");
  const io::array* offsets = detail::find_tensor(st, "sequence_offsets");
  const io::array* labels = detail::find_tensor(st, "labels");

  layer_stack_layout layout;
  layout.hidden_shape = {hidden.shape[0], hidden.shape[1], hidden.shape[2]};
  if (offsets != nullptr) layout.sequence_offsets = offsets->to_int64();
  if (attentions != nullptr) {
    if (attentions->rank() != 5)
      bad("has attentions of rank " + std::to_string(attentions->rank()) + " " +
          detail::shape_text(attentions->shape) + "; expected [layers, sequences, heads, T, T]");
    if (!io::is_floating(attentions->type)) bad("has attentions that are not floating point");
    layout.attention_shape = {attentions->shape[0], attentions->shape[1], attentions->shape[2],
                              attentions->shape[3], attentions->shape[4]};
  }
  if (mask != nullptr) {
    layout.attention_mask_shape = mask->shape;
    if (attentions != nullptr) layout.attention_mask = mask->to_int64();
  }
  layer_stack_plan plan = plan_layer_stack(layout, path);

  std::vector<std::vector<std::int64_t>> label_sets;
  if (labels != nullptr) {
    const auto ids = labels->to_int64();
    const std::size_t tokens = hidden.shape[1];
    if (labels->rank() == 2 && labels->shape[1] == tokens && labels->shape[0] >= 1) {
      for (std::size_t k = 0; k < labels->shape[0]; ++k)
        label_sets.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(k * tokens),
                                ids.begin() + static_cast<std::ptrdiff_t>((k + 1) * tokens));
    } else if (labels->rank() == 1) {
      label_sets.push_back(ids);
    } else {
      bad("has labels " + detail::shape_text(labels->shape) +
          "; expected [tokens] or [label sets, tokens] with " + std::to_string(tokens) + " tokens");
    }
  }
  layer_analysis analysis(plan.lengths, std::move(label_sets), options, source);
  for (auto& n : plan.notes) analysis.note(std::move(n));
  io::visit_view<3>(hidden, [&](auto v) { add_hidden_stack(policy, analysis, v); });
  if (attentions != nullptr) {
    detail::visit_attention_stack(*attentions,
                                  [&](const auto& stack) { add_attention_stack(analysis, stack, plan); });
    analysis.describe_attention({std::string(io::name_of(attentions->type)), attentions->shape,
                                 mask != nullptr, options.causal_mask});
  }
  return analysis.report(policy);
}

/// The same from a path.
template <ExecutionPolicy P>
[[nodiscard]] layer_report analyse_layer_dump(P policy, const std::string& path, const layer_options& options,
                                              std::string source = {}) {
  return analyse_layer_dump(policy, io::load_safetensors(path), options, std::move(source));
}

}  // namespace infoscale

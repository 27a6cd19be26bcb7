#pragma once
// The methods that feed a layer collector (hidden layers in order, attention per sequence or as
// precomputed pair sums), defined once for the one-process LayerAnalysisCore and the per-rank
// LayerShardCore, whose C++ collectors share these member functions.

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.hpp"
#include "tensors.hpp"

namespace infoscale::python {

template <class Collector>
void def_layer_feeding(nb::class_<Collector>& cls, std::string_view function) {
  using namespace nb::literals;
  cls.def(
         "add_hidden_layer",
         [function](Collector& a, const array_in& layer, const std::string& policy) {
           const matrix_input in = as_strict_matrix(layer, function, "hidden_states", "[tokens, features]");
           nb::gil_scoped_release release;
           visit_dtype(in, "hidden_states", [&](auto v) {
             visit_policy(policy, function, [&](auto pol) { a.add_hidden_layer(pol, v); });
             return 0;
           });
         },
         "layer"_a, "policy"_a = "par")
      .def(
          "add_attention_sequence",
          [function](Collector& a, std::size_t sequence, const array_in& layers,
                     std::optional<int_array_in> valid) {
            const auto in = as_tensor<4>(layers, function, "attentions", "[layers, heads, queries, keys]");
            std::vector<std::uint8_t> keys;
            if (valid) {
              for (std::size_t i = 0; i < valid->shape(0); ++i) {
                const auto v = valid->data()[i];
                if (v != 0 && v != 1) detail::raise(function, "valid", "has a value other than 0 or 1");
                keys.push_back(static_cast<std::uint8_t>(v));
              }
            }
            nb::gil_scoped_release release;
            visit_type(in.type, [&](auto tag) {
              using t = typename decltype(tag)::type;
              const auto views = views_along_first<t>(in, "attentions");
              a.add_attention_sequence(sequence, std::span<const tensor_view<const t, 3>>(views),
                                       std::span<const std::uint8_t>(keys));
              return 0;
            });
          },
          "sequence"_a, "layers"_a, "valid"_a = nb::none())
      .def(
          "add_attention_pair_sums",
          [](Collector& a, std::size_t pair, std::vector<std::size_t> sequences, std::vector<double> js,
             std::vector<std::size_t> rows, const std::string& dtype_name, std::size_t heads,
             std::size_t positions) {
            a.add_attention_pair_sums(pair, sequences, js, rows, dtype_name, heads, positions);
          },
          "pair"_a, "sequences"_a, "js_sums"_a, "rows"_a, "dtype"_a, "heads"_a, "positions"_a);
}

}  // namespace infoscale::python

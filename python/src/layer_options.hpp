#pragma once
// The layer analysis' options as the bindings take them (keyword arguments with the program's
// defaults), shared by bind_layer_report.cpp and bind_distributed.cpp.

#include <nanobind/stl/array.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "infoscale/layers/layer_analysis.hpp"
#include "tensors.hpp"

namespace infoscale::python {

inline signal_normalization parse_normalization(const std::string& normalization) {
  if (normalization != "max" && normalization != "minmax")
    detail::raise("layers", "normalization", "must be 'max' or 'minmax', got '" + normalization + "'");
  return normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max;
}

inline layer_options make_options(std::size_t resamples, std::uint64_t seed, std::array<double, 3> weights,
                                  const std::string& normalization, double min_prominence, bool edges,
                                  const std::string& probe, bool causal, std::size_t folds,
                                  std::size_t probe_projection = 0) {
  layer_options o;
  o.resamples = resamples;
  o.seed = seed;
  o.weights = weights;
  o.normalization = parse_normalization(normalization);
  o.min_prominence = min_prominence;
  o.include_edges = edges;
  o.probe = parse_probe_kind(probe, "layers");
  o.causal_mask = causal;
  o.folds = folds;
  o.probe_projection = probe_projection;
  return o;
}

inline std::vector<std::vector<std::int64_t>> label_sets(const std::vector<int_array_in>& labels) {
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& l : labels) out.push_back(to_vector(l));
  return out;
}

}  // namespace infoscale::python

#define INFOSCALE_LAYER_OPTIONS                                                                           \
  "resamples"_a = 1000, "seed"_a = 0, "weights"_a = default_signal_weights, "normalization"_a = "max",    \
  "min_prominence"_a = 0.3, "edges"_a = false, "probe"_a = "logistic", "causal"_a = false, "folds"_a = 5, \
  "probe_projection"_a = 0

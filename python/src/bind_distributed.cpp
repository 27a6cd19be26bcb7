// Data-parallel layer analysis (layers/distributed/): the per-rank collector (LayerShardCore,
// fed like LayerAnalysisCore) and its mergeable, serialisable state (LayerState), bound into
// infoscale.layers. infoscale/distributed.py moves the states through torch.distributed.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "infoscale/layers/distributed/layer_shard.hpp"
#include "infoscale/layers/layer_analysis.hpp"
#include "layer_feeding.hpp"
#include "layer_options.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;
constexpr std::string_view shard_function = "layer_shard";

nb::bytes to_bytes(const std::vector<std::byte>& b) {
  return nb::bytes(reinterpret_cast<const char*>(b.data()), b.size());
}

std::vector<std::byte> from_bytes(const nb::bytes& b) {
  std::vector<std::byte> out(b.size());
  if (b.size() != 0) std::memcpy(out.data(), b.c_str(), b.size());
  return out;
}

}  // namespace

void bind_distributed(nb::module_& m) {
  nb::module_ layers = nb::borrow<nb::module_>(m.attr("layers"));

  nb::class_<layer_state>(
      layers, "LayerState",
      "One shard's mergeable evidence for the layer analysis (per-sequence CKA terms, probe\n"
      "labels and features, attention JS sums); see docs/distributed.md.")
      .def_prop_ro(
          "sequences", [](const layer_state& s) { return s.shard().size(); },
          "Sequences held (of `total_sequences`).")
      .def_prop_ro("total_sequences", [](const layer_state& s) { return s.shard().total; })
      .def_prop_ro(
          "sequence_ids", [](const layer_state& s) { return s.shard().ids; },
          "Global index of each held sequence, in held order.")
      .def_prop_ro("hidden_layers", &layer_state::hidden_layers)
      .def_prop_ro("features", [](const layer_state& s) { return s.features; })
      .def("merge", &layer_state::merge, "other"_a,
           "Appends another shard's sequences (disjoint, same layers and inputs) in place; any order gives\n"
           "the same report.")
      .def("append_layers", &layer_state::append_layers, "next"_a,
           "Layer-parallel collection: appends the next pipeline stage's state (same sequences, the hidden\n"
           "states right after these, its shard continued from this stage's boundary()).")
      .def(
          "serialize", [](const layer_state& s) { return to_bytes(s.serialize()); },
          "The state as bytes (little-endian, magic 'ISLSTATE', version, FNV-1a checksum).")
      .def_static(
          "deserialize", [](const nb::bytes& b) { return layer_state::deserialize(from_bytes(b)); }, "data"_a,
          "The state serialize() wrote; truncated, corrupted or foreign bytes raise infoscale.Error.")
      .def(
          "report",
          [](const layer_state& s, const std::string& source, std::size_t resamples, std::uint64_t seed,
             std::array<double, 3> weights, const std::string& normalization, double min_prominence,
             bool edges, const std::string& probe, bool causal, std::size_t folds,
             std::size_t probe_projection, const std::string& policy, const std::vector<std::string>& notes,
             const std::vector<std::string>& normalizations) {
            const layer_options o = make_options(resamples, seed, weights, normalization, min_prominence,
                                                 edges, probe, causal, folds, probe_projection);
            std::vector<std::optional<signal_normalization>> fusions;
            for (const auto& n : normalizations) fusions.emplace_back(parse_normalization(n));
            if (fusions.empty()) fusions.emplace_back(std::nullopt);
            nb::gil_scoped_release release;
            return visit_policy(policy, "layers", [&](auto pol) {
              layer_analysis a(pol, s, o, source);
              for (const auto& n : notes) a.note(n);
              std::vector<layer_report> out;
              for (const auto& f : fusions) out.push_back(a.report(pol, f));
              return out;
            });
          },
          "source"_a = "arrays", nb::kw_only(), INFOSCALE_LAYER_OPTIONS, "policy"_a = "par",
          "notes"_a = std::vector<std::string>{}, "normalizations"_a = std::vector<std::string>{},
          "The merged corpus' LayerReports, one per entry of `normalizations` (default: the option's):\n"
          "every sequence must be held. The probes are fitted here on the gathered features.");

  auto shard_class =
      nb::class_<layer_shard>(layers, "LayerShardCore",
                              "One rank's collector (infoscale.distributed.LayerShard wraps it): fed like\n"
                              "LayerAnalysisCore, it keeps a LayerState.")
          .def(
              "__init__",
              [](layer_shard* self, std::vector<std::size_t> lengths, std::size_t first_sequence,
                 std::size_t total_sequences, const std::vector<int_array_in>& labels, bool causal) {
                new (self) layer_shard(std::move(lengths), first_sequence, total_sequences,
                                       label_sets(labels), causal);
              },
              "sequence_lengths"_a, "first_sequence"_a, "total_sequences"_a, "labels"_a, nb::kw_only(),
              "causal"_a = false)
          .def_prop_ro("hidden_layers", &layer_shard::hidden_layers)
          .def_prop_ro("tokens", &layer_shard::tokens)
          .def_prop_ro("sequences", &layer_shard::sequences)
          .def(
              "continue_from",
              [](layer_shard& a, const nb::bytes& boundary) {
                a.continue_from(sequence_grams::deserialize(from_bytes(boundary)));
              },
              "boundary"_a,
              "Layer-parallel collection: collect the hidden states after those of the previous pipeline "
              "stage,\n"
              "whose boundary() bytes these are (the straddling pair's per-sequence Grams). Before any "
              "layer.")
          .def(
              "boundary", [](const layer_shard& a) { return to_bytes(a.boundary().serialize()); },
              "The per-sequence token Grams of the last hidden layer added, as bytes: what the next "
              "pipeline\n"
              "stage needs (sum of n_s^2 doubles, not the hidden states).")
          .def("use_ridge_sums", &layer_shard::use_ridge_sums, "first_token"_a, "corpus_tokens"_a, "folds"_a,
               "seed"_a,
               "Ridge probes from normal-equation sums instead of gathered features: this shard's tokens\n"
               "start at corpus token `first_token` of `corpus_tokens`; folds and seed as the report's. "
               "Before\n"
               "the first hidden layer (after continue_from on a pipeline stage).")
          .def(
              "probe_sums", [](const layer_shard& a) { return to_bytes(a.probe_sums().serialize()); },
              "This shard's ridge normal-equation sums as bytes (exact fixed-point integers), for every\n"
              "rank to merge: per layer and fold d(d+1)/2 + d (1 + classes) 16-byte sums.")
          .def(
              "predict_probes",
              [](layer_shard& a, const std::vector<nb::bytes>& sums, double alpha) {
                if (sums.empty()) detail::raise("layer_shard::predict_probes", "sums", "is empty");
                ridge_probe_sums merged = ridge_probe_sums::deserialize(from_bytes(sums[0]));
                for (std::size_t r = 1; r < sums.size(); ++r)
                  merged.merge(ridge_probe_sums::deserialize(from_bytes(sums[r])));
                nb::gil_scoped_release release;
                a.predict_probes(merged, alpha);
              },
              "sums"_a, "alpha"_a = 1.0,
              "Fits every layer's ridge probes on the merged `sums` (every rank's probe_sums(), any order)\n"
              "and keeps this shard's out-of-fold predictions in its state instead of its features.")
          .def("state", &layer_shard::state, "The shard's LayerState (attention checked complete).");
  def_layer_feeding(shard_class, shard_function);
}

}  // namespace infoscale::python

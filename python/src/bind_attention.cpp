// layers/: attention drift S3 (multi-scale paper eq. (5)), attention entropy, and the
// per-sequence sums behind the bootstrap (attention_evidence), including the batched pair form the
// streaming Hugging Face collector uses: one layer pair of a batch at a time, so no more than two
// layers of attention are ever held.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <span>

#include "bindings.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// Key validity (1 real, 0 padding) from an optional integer array; empty = every key is real.
/// A mask entry: 0 (padding) or 1 (real token); anything else is refused, as the CLI does, rather
/// than read as "non-zero, so real".
std::uint8_t mask_flag(std::int64_t value, std::string_view function, std::string_view name, std::size_t at) {
  if (value != 0 && value != 1) {
    detail::raise(function, name,
                  "has the value " + std::to_string(value) + " at index " + std::to_string(at) +
                      "; a mask holds 0 (padding) or 1 (real token) only");
  }
  return static_cast<std::uint8_t>(value);
}

std::vector<std::uint8_t> valid_keys(const std::optional<int_array_in>& valid, std::string_view function) {
  std::vector<std::uint8_t> out;
  if (!valid) return out;
  for (std::size_t i = 0; i < valid->shape(0); ++i)
    out.push_back(mask_flag(valid->data()[i], function, "valid", i));
  return out;
}

#define INFOSCALE_LAYERS_PARAM                                                                       \
  "layers : array_like, shape (layers, heads, queries, keys)\n"                                      \
  "    Attention probabilities of one sequence, layer by layer (rows sum to 1 over the keys); any\n" \
  "    float dtype and strides, read in place (e.g. ``attentions[:, s]`` of a dump).\n"

#define INFOSCALE_MASK_PARAMS                                                                       \
  "causal : bool, default False\n"                                                                  \
  "    Drop keys after the query (key j visible to query i iff j <= i + keys - queries) and\n"      \
  "    renormalise. Off everywhere by default: a decoder's attention has no mass there already,\n"  \
  "    and an encoder's must not be masked.\n"                                                      \
  "valid : array_like of int, shape (keys,), optional\n"                                            \
  "    1 for a real token, 0 for padding: padded keys are dropped (rows renormalised) and padded\n" \
  "    queries skipped. Default: every position is real.\n"

constexpr const char* drift_doc =
    "Attention drift S3(l) = JS(A_l, A_l+1), averaged over heads and real queries (nats),\n"
    "multi-scale paper eq. (5).\n"
    "\n"
    "Parameters\n"
    "----------\n" INFOSCALE_LAYERS_PARAM INFOSCALE_MASK_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (layers - 1,)\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On fewer than 2 layers, a negative or non-finite probability, a row with no mass on its\n"
    "    allowed keys, more queries than keys, or a mask of the wrong length.\n";

constexpr const char* statistics_doc =
    "The sums behind S3 for one sequence: per adjacent pair the sum of JS over the (head, query)\n"
    "rows that exist, and that row count (summing over sequences gives the pooled mean).\n"
    "\n"
    "Parameters\n"
    "----------\n" INFOSCALE_LAYERS_PARAM INFOSCALE_MASK_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "(numpy.ndarray of float64, shape (layers - 1,), int)\n"
    "    js_sum and rows.\n";

constexpr const char* batch_doc =
    "JS sums of one adjacent layer pair for every sequence of a batch (masked as the CLI does).\n"
    "\n"
    "Sequence b gives exactly attention_drift_statistics(stack([previous[b], current[b]]),\n"
    "causal, valid=mask[b]); summed over pairs and sequences, the result equals the whole-dump\n"
    "computation bit for bit, so attention can be reduced as a model produces it.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "previous, current : array_like, shape (batch, heads, queries, keys)\n"
    "    Attention of layers l and l+1 for the same batch; one dtype, any strides.\n"
    "mask : array_like of int, shape (batch, keys)\n"
    "    1 for real tokens, 0 for padding.\n"
    "causal : bool, default False\n"
    "\n"
    "Returns\n"
    "-------\n"
    "(numpy.ndarray of float64, shape (batch,), numpy.ndarray of int64, shape (batch,))\n"
    "    js_sum and rows per sequence.\n";

constexpr const char* evidence_doc =
    "Per-sequence attention-drift sums resampled by weight set: S3 on set k is the weighted pooled\n"
    "mean sum_s w_s js_s / sum_s w_s rows_s (the S3 evidence of detect_boundaries).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "plan : ResamplingPlan\n";

}  // namespace

void bind_attention(nb::module_& m) {
  m.def(
      "attention_drift",
      [](const array_in& layers, bool causal, std::optional<int_array_in> valid) {
        const auto in = as_tensor<4>(layers, "attention_drift", "layers", "[layers, heads, queries, keys]");
        const auto keys = valid_keys(valid, "attention_drift");
        std::vector<double> drift;
        {
          nb::gil_scoped_release release;  // re-acquired before the numpy array is made
          drift = visit_type(in.type, [&](auto tag) {
            using t = typename decltype(tag)::type;
            const auto views = views_along_first<t>(in, "layers");
            return attention_drift(std::span<const tensor_view<const t, 3>>(views),
                                   attention_mask{causal, std::span<const std::uint8_t>(keys)});
          });
        }
        return owned_vector(std::move(drift));
      },
      "layers"_a, nb::kw_only(), "causal"_a = false, "valid"_a = nb::none(), drift_doc);

  m.def(
      "attention_drift_statistics",
      [](const array_in& layers, bool causal, std::optional<int_array_in> valid) {
        const auto in =
            as_tensor<4>(layers, "attention_drift_statistics", "layers", "[layers, heads, queries, keys]");
        const auto keys = valid_keys(valid, "attention_drift_statistics");
        attention_drift_sums sums;
        {
          nb::gil_scoped_release release;
          sums = visit_type(in.type, [&](auto tag) {
            using t = typename decltype(tag)::type;
            const auto views = views_along_first<t>(in, "layers");
            return attention_drift_statistics(std::span<const tensor_view<const t, 3>>(views),
                                              attention_mask{causal, std::span<const std::uint8_t>(keys)});
          });
        }
        return std::make_pair(owned_vector(std::move(sums.js_sum)), sums.rows);
      },
      "layers"_a, nb::kw_only(), "causal"_a = false, "valid"_a = nb::none(), statistics_doc);

  m.def(
      "attention_drift_batch",
      [](const array_in& previous, const array_in& current, const int_matrix_in& mask, bool causal) {
        constexpr const char* function = "attention_drift_batch";
        const auto a = as_tensor<4>(previous, function, "previous", "[batch, heads, queries, keys]");
        const auto b = as_tensor<4>(current, function, "current", "[batch, heads, queries, keys]");
        if (a.type != b.type) detail::raise(function, "current", "has a different dtype from 'previous'");
        if (a.shape != b.shape) detail::raise(function, "current", "has a different shape from 'previous'");
        const std::size_t batch = a.shape[0], keys = a.shape[3];
        if (mask.shape(0) != batch || mask.shape(1) != keys)
          detail::raise(function, "mask",
                        "must have shape (batch, keys) = (" + std::to_string(batch) + ", " +
                            std::to_string(keys) + ")");
        std::vector<double> js(batch);
        std::vector<std::int64_t> rows(batch);
        {
          nb::gil_scoped_release release;
          visit_type(a.type, [&](auto tag) {
            using t = typename decltype(tag)::type;
            const auto first = views_along_first<t>(a, "previous");
            const auto second = views_along_first<t>(b, "current");
            std::vector<std::uint8_t> valid(keys);
            for (std::size_t s = 0; s < batch; ++s) {
              for (std::size_t k = 0; k < keys; ++k)
                valid[k] = mask_flag(mask.data()[s * keys + k], function, "mask", s * keys + k);
              const std::array<tensor_view<const t, 3>, 2> pair{first[s], second[s]};
              const auto sums =
                  attention_drift_statistics(std::span<const tensor_view<const t, 3>>(pair),
                                             attention_mask{causal, std::span<const std::uint8_t>(valid)});
              js[s] = sums.js_sum[0];
              rows[s] = static_cast<std::int64_t>(sums.rows);
            }
            return 0;
          });
        }
        return std::make_pair(owned_vector(std::move(js)), owned_array(std::move(rows), {batch}));
      },
      "previous"_a, "current"_a, "mask"_a, nb::kw_only(), "causal"_a = false, batch_doc);

  m.def(
      "attention_entropy",
      [](const array_in& layer, bool causal, std::optional<int_array_in> valid) {
        const auto in = as_tensor<3>(layer, "attention_entropy", "layer", "[heads, queries, keys]");
        const auto keys = valid_keys(valid, "attention_entropy");
        std::vector<double> entropy;
        {
          nb::gil_scoped_release release;  // re-acquired before the numpy array is made
          entropy = visit_type(in.type, [&](auto tag) {
            using t = typename decltype(tag)::type;
            return attention_entropy(typed_view<t>(in, "layer"),
                                     attention_mask{causal, std::span<const std::uint8_t>(keys)});
          });
        }
        return owned_vector(std::move(entropy));
      },
      "layer"_a, nb::kw_only(), "causal"_a = false, "valid"_a = nb::none(),
      "Mean Shannon entropy (nats) of each head's masked attention rows over the real queries.\n\n"
      "Parameters\n----------\nlayer : array_like, shape (heads, queries, keys)\n" INFOSCALE_MASK_PARAMS
      "\nReturns\n-------\nnumpy.ndarray of float64, shape (heads,)\n");

  nb::class_<attention_evidence>(m, "AttentionEvidence", evidence_doc)
      .def(nb::init<const resampling_plan&>(), "plan"_a)
      .def(
          "set_sequence",
          [](attention_evidence& self, std::size_t sequence, std::vector<double> js_sum, std::size_t rows) {
            self.set_sequence(sequence, attention_drift_sums{std::move(js_sum), rows});
          },
          "sequence"_a, "js_sum"_a, "rows"_a,
          "Sets one sequence's sums (as from attention_drift_statistics).\n\n"
          "Parameters\n----------\nsequence : int\njs_sum : sequence of float\n    One sum per layer pair.\n"
          "rows : int\n    The (head, query) rows behind the sums.\n")
      .def(
          "add_sequence",
          [](attention_evidence& self, std::size_t sequence, const array_in& layers, bool causal,
             std::optional<int_array_in> valid) {
            const auto in = as_tensor<4>(layers, "attention_evidence::add_sequence", "layers",
                                         "[layers, heads, queries, keys]");
            const auto keys = valid_keys(valid, "attention_evidence::add_sequence");
            nb::gil_scoped_release release;
            visit_type(in.type, [&](auto tag) {
              using t = typename decltype(tag)::type;
              const auto views = views_along_first<t>(in, "layers");
              self.add_sequence(sequence, std::span<const tensor_view<const t, 3>>(views),
                                attention_mask{causal, std::span<const std::uint8_t>(keys)});
              return 0;
            });
          },
          "sequence"_a, "layers"_a, nb::kw_only(), "causal"_a = false, "valid"_a = nb::none(),
          "Computes and sets one sequence's sums from its attention stack.\n")
      .def_prop_ro("plan", &attention_evidence::plan)
      .def_prop_ro("pairs", &attention_evidence::pairs, "Layer pairs (0 until a sequence is set).")
      .def(
          "signal",
          [](const attention_evidence& self, std::size_t set) { return owned_vector(self.signal(set)); },
          "set"_a = 0,
          "S3 on weight set `set`.\n\nReturns\n-------\nnumpy.ndarray of float64, shape (pairs,)\n\n"
          "Raises\n------\nValueError\n    When some sequence was never set.\n");
}

}  // namespace infoscale::python

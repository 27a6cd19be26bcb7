// layers/: the one layer-boundary pipeline (layer_analysis.hpp, layer_stack.hpp, layer_dump.hpp)
// and its report (layer_report.hpp, printed by report_format.hpp), as the program runs them.
// python/infoscale/pipeline.py only adapts arguments; nothing of the analysis is written in Python.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "infoscale/layers/layer_dump.hpp"
#include "infoscale/layers/report_format.hpp"
#include "infoscale/layers/report_svg.hpp"
#include "layer_feeding.hpp"
#include "layer_options.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;
constexpr std::string_view function = "layers";

// The safetensors name (F16, BF16, F32, F64) of a kernel dtype.
std::string dtype_text(dtype t) {
  for (const auto e : {io::element_type::float16, io::element_type::bfloat16, io::element_type::float32})
    if (io::floating_dtype(e) == t) return std::string(io::name_of(e));
  return std::string(io::name_of(io::element_type::float64));
}

nb::object attention_dict(const layer_report& r) {
  if (!r.attention) return nb::none();
  nb::dict d;
  d["dtype"] = r.attention->dtype;
  d["shape"] = r.attention->shape;
  d["padding_mask"] = r.attention->padding_mask;
  d["causal_mask"] = r.attention->causal_mask;
  return std::move(d);
}

nb::object probes_dict(const layer_report& r) {
  if (!r.probes) return nb::none();
  nb::dict d;
  d["classes"] = r.probes->classes;
  d["kind"] = std::string(name_of(r.probes->kind));
  d["folds"] = r.probes->folds;
  d["projection"] = r.probes->projection;
  return std::move(d);
}

constexpr const char* options_doc =
    "resamples : int, default 1000\n    Bootstrap resamples over sequences (0: no interval; else at least "
    "20).\n"
    "seed : int, default 0\n    Of the bootstrap and the probes' folds.\n"
    "weights : (float, float, float), default (1.0, 0.8, 0.6)\n    Of S1, S2, S3 in E(l), MS eq. (6).\n"
    "normalization : {'max', 'minmax'}, default 'max'\n"
    "    S / max S (eq. (6) as printed) or (S - min S) / (max S - min S) (the text's \"normalized\n"
    "    to [0, 1]\").\n"
    "min_prominence : float, default 0.3\nedges : bool, default False\n"
    "    Let the first and last pairs be boundaries (scipy's find_peaks never does).\n"
    "probe : {'logistic', 'mlp', 'ridge'}, default 'logistic'\n    The probe of S2 (ridge: sklearn's "
    "RidgeClassifier, closed form; the paper's 128-unit MLP is "
    "slow).\n"
    "causal : bool, default False\n"
    "    Mask keys after each query in S3 (a decoder's attention has no mass there already; an\n"
    "    encoder's must not be masked).\n"
    "folds : int, default 5\n    Of the probes' cross-validation.\n"
    "probe_projection : int, default 0\n    Probes on the top k principal components of each layer (0: "
    "every\n"
    "    feature); for residual streams thousands wide.\n";

}  // namespace

void bind_layer_report(nb::module_& m) {
  nb::class_<boundary_estimate>(m, "BoundaryEstimate", "A boundary of a LayerReport.")
      .def_ro("name", &boundary_estimate::name, "'L-I', 'I-G', or 'one' when a single boundary was found.")
      .def_ro("pair", &boundary_estimate::pair, "Layer pair l: the new regime starts at layer l + 1.")
      .def_ro("relative_position", &boundary_estimate::relative_position, "(pair + 1) / L.")
      .def_ro("prominence", &boundary_estimate::prominence)
      .def_ro("detection_rate", &boundary_estimate::detection_rate,
              "Share of resamples with it; NaN without.")
      .def_ro("ci_percentile", &boundary_estimate::ci_percentile, "None without a bootstrap.")
      .def_ro("ci_bca", &boundary_estimate::ci_bca, "None without a bootstrap.")
      .def_ro("accepted", &boundary_estimate::accepted, "BCa interval bounded and narrower than 5 layers.");

  nb::class_<layer_report>(m, "LayerReport",
                           "What `infoscale layers` prints, as an object: str(report) is its text output,\n"
                           "report.to_json() its --json output, byte for byte (one C++ formatter).")
      .def_ro("source", &layer_report::source)
      .def_ro("dtype", &layer_report::dtype)
      .def_ro("layers", &layer_report::layers)
      .def_ro("tokens", &layer_report::tokens)
      .def_ro("features", &layer_report::features)
      .def_ro("sequences", &layer_report::sequences)
      .def_ro("weights", &layer_report::weights)
      .def_prop_ro("normalization",
                   [](const layer_report& r) { return std::string(name_of(r.normalization)); })
      .def_ro("min_prominence", &layer_report::min_prominence)
      .def_ro("notes", &layer_report::notes)
      .def_prop_ro("signals", &layer_report::signals)
      .def_prop_ro(
          "cka", [](const layer_report& r) { return owned_vector(std::vector<double>(r.cka)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "s1", [](const layer_report& r) { return owned_vector(std::vector<double>(r.s1)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "s2", [](const layer_report& r) { return owned_vector(std::vector<double>(r.s2)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "s3", [](const layer_report& r) { return owned_vector(std::vector<double>(r.s3)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "evidence", [](const layer_report& r) { return owned_vector(std::vector<double>(r.evidence)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "peaks",
          [](const layer_report& r) {
            std::vector<std::pair<std::size_t, double>> out;
            for (const peak& p : r.peaks) out.emplace_back(p.index, p.prominence);
            return out;
          },
          "(pair, prominence) of every peak of E with prominence >= min_prominence.")
      .def_ro("boundaries", &layer_report::boundaries)
      .def_prop_ro(
          "resamples",
          [](const layer_report& r) -> std::optional<std::size_t> {
            if (!r.bootstrap) return std::nullopt;
            return r.bootstrap->resamples;
          },
          "None with a single sequence (no bootstrap).")
      .def_prop_ro("failed_resamples",
                   [](const layer_report& r) -> std::size_t {
                     return r.bootstrap ? r.bootstrap->failed_resamples : 0;
                   })
      .def_prop_ro("seed",
                   [](const layer_report& r) -> std::uint64_t { return r.bootstrap ? r.bootstrap->seed : 0; })
      .def_prop_ro(
          "probe_scores",
          [](const layer_report& r) { return owned_vector(std::vector<double>(r.probe_scores)); },
          nb::rv_policy::move,
          "P(l) per hidden state 0..L (mean macro-F1 over label sets); empty without labels.")
      .def_prop_ro(
          "information",
          [](const layer_report& r) { return owned_vector(std::vector<double>(r.information)); },
          nb::rv_policy::move,
          "I(Y; Yhat_l) in bits per hidden state: plug-in MI of the out-of-fold probe confusion, mean over\n"
          "label sets, a lower bound on I(X; h_l); empty without labels.")
      .def_prop_ro(
          "kinks",
          [](const layer_report& r) {
            nb::list out;
            for (const information_kink& k : r.kinks) {
              nb::dict d;
              d["boundary"] = k.boundary;
              d["pair"] = k.pair;
              d["tau"] = k.tau;
              d["slope_before"] = k.slope_before;
              d["slope_after"] = k.slope_after;
              d["jump"] = k.jump;
              d["ci"] = k.ci;
              d["discontinuous"] = k.discontinuous();
              out.append(d);
            }
            return out;
          },
          "Prediction 1.2 at each boundary: the hinge fit's slope jump of `information` and its percentile "
          "CI.")
      .def(
          "svg", [](const layer_report& r, const std::string& title) { return layer_report_svg(r, title); },
          "title"_a = "",
          "The figure of `infoscale layers --plot` (signals, E(l), boundaries with CIs) as SVG text.")
      .def_prop_ro("attention", &attention_dict, "{'dtype', 'shape', 'padding_mask', 'causal_mask'} or None.")
      .def_prop_ro("probes", &probes_dict, "{'classes', 'kind', 'folds'} or None.")
      .def("__str__", &format_text)
      .def(
          "to_json", [](const layer_report& r, int indent) { return format_json(r, indent); }, "indent"_a = 2,
          "The program's --json output (no trailing newline).")
      .def(
          "to_dict",
          [](const layer_report& r) { return nb::module_::import_("json").attr("loads")(format_json(r)); },
          "to_json() read back as a dict (NaN and infinities are None).");

  auto analysis_class =
      nb::class_<layer_analysis>(m, "LayerAnalysisCore",
                                 "The pipeline fed layer by layer (infoscale.LayerAnalysis wraps it).")
          .def(
              "__init__",
              [](layer_analysis* self, std::vector<std::size_t> lengths,
                 const std::vector<int_array_in>& labels, const std::string& source, std::size_t resamples,
                 std::uint64_t seed, std::array<double, 3> weights, const std::string& normalization,
                 double min_prominence, bool edges, const std::string& probe, bool causal, std::size_t folds,
                 std::size_t probe_projection) {
                new (self)
                    layer_analysis(std::move(lengths), label_sets(labels),
                                   make_options(resamples, seed, weights, normalization, min_prominence,
                                                edges, probe, causal, folds, probe_projection),
                                   source);
              },
              "sequence_lengths"_a, "labels"_a, "source"_a, nb::kw_only(), INFOSCALE_LAYER_OPTIONS)
          .def_prop_ro("hidden_layers", &layer_analysis::hidden_layers)
          .def_prop_ro("tokens", &layer_analysis::tokens)
          .def_prop_ro("sequences", &layer_analysis::sequences)
          .def("note", &layer_analysis::note, "text"_a)
          .def(
              "describe_attention",
              [](layer_analysis& a, const std::string& dtype_name, std::vector<std::size_t> shape,
                 bool padding_mask) {
                a.describe_attention({dtype_name, std::move(shape), padding_mask, a.options().causal_mask});
              },
              "dtype"_a, "shape"_a, "padding_mask"_a)
          .def(
              "report",
              [](const layer_analysis& a, const std::string& policy,
                 const std::optional<std::string>& normalization) {
                std::optional<signal_normalization> fusion;
                if (normalization) fusion = parse_normalization(*normalization);
                nb::gil_scoped_release release;
                return visit_policy(policy, function, [&](auto pol) { return a.report(pol, fusion); });
              },
              "policy"_a = "par", "normalization"_a = nb::none(),
              "The report; `normalization` ('max' or 'minmax') overrides the analysis' option for this "
              "call.");
  def_layer_feeding(analysis_class, function);

  m.def(
      "analyse_layer_dump",
      [](const std::string& path, const std::string& source, std::size_t resamples, std::uint64_t seed,
         std::array<double, 3> weights, const std::string& normalization, double min_prominence, bool edges,
         const std::string& probe, bool causal, std::size_t folds, std::size_t probe_projection,
         const std::string& policy) {
        const layer_options o = make_options(resamples, seed, weights, normalization, min_prominence, edges,
                                             probe, causal, folds, probe_projection);
        nb::gil_scoped_release release;
        return visit_policy(policy, function,
                            [&](auto pol) { return analyse_layer_dump(pol, path, o, source); });
      },
      "path"_a, nb::kw_only(), "source"_a = "", INFOSCALE_LAYER_OPTIONS, "policy"_a = "par",
      (std::string("`infoscale layers DUMP`: reads a safetensors dump (layout: `infoscale layers --help`),\n"
                   "checks it and returns its LayerReport.\n\nParameters\n----------\npath : str\n"
                   "source : str, default the path\n") +
       options_doc + "policy : {'par', 'seq'}\n\nReturns\n-------\nLayerReport\n")
          .c_str());

  m.def(
      "analyse_layer_stack",
      [](const array_in& hidden, std::optional<int_array_in> offsets, std::optional<array_in> attentions,
         std::optional<int_matrix_in> mask, const std::vector<int_array_in>& labels,
         const std::string& source, std::size_t resamples, std::uint64_t seed, std::array<double, 3> weights,
         const std::string& normalization, double min_prominence, bool edges, const std::string& probe,
         bool causal, std::size_t folds, std::size_t probe_projection, const std::string& policy) {
        const layer_options o = make_options(resamples, seed, weights, normalization, min_prominence, edges,
                                             probe, causal, folds, probe_projection);
        const auto h = as_tensor<3>(hidden, function, "hidden_states", "[layers + 1, tokens, features]");
        layer_stack_layout layout;
        layout.hidden_shape = h.shape;
        if (offsets) layout.sequence_offsets = to_vector(*offsets);
        std::optional<tensor_input<5>> att;
        if (attentions) {
          att = as_tensor<5>(*attentions, function, "attentions", "[layers, sequences, heads, T, T]");
          layout.attention_shape = att->shape;
        }
        if (mask) {
          layout.attention_mask_shape = std::vector<std::size_t>{mask->shape(0), mask->shape(1)};
          layout.attention_mask.assign(mask->data(), mask->data() + mask->shape(0) * mask->shape(1));
        }
        const layer_stack_plan plan = plan_layer_stack(layout, source);
        layer_analysis analysis(plan.lengths, label_sets(labels), o, source);
        for (const auto& n : plan.notes) analysis.note(n);
        nb::gil_scoped_release release;
        visit_type(h.type, [&](auto tag) {
          using t = typename decltype(tag)::type;
          visit_policy(policy, function, [&](auto pol) {
            add_hidden_stack(pol, analysis, typed_view<t, 3>(h, "hidden_states"));
          });
          return 0;
        });
        if (att) {
          visit_type(att->type, [&](auto tag) {
            using t = typename decltype(tag)::type;
            add_attention_stack(
                analysis, attention_stack<t>{static_cast<const t*>(att->data), att->shape, att->strides},
                plan);
            return 0;
          });
          analysis.describe_attention(
              {dtype_text(att->type), {att->shape.begin(), att->shape.end()}, mask.has_value(), causal});
        }
        return visit_policy(policy, function, [&](auto pol) { return analysis.report(pol); });
      },
      "hidden_states"_a, "sequence_offsets"_a = nb::none(), "attentions"_a = nb::none(),
      "attention_mask"_a = nb::none(), "labels"_a = std::vector<int_array_in>{}, nb::kw_only(),
      "source"_a = "arrays", INFOSCALE_LAYER_OPTIONS, "policy"_a = "par",
      "`infoscale layers` on arrays laid out as its dump (infoscale.analyse_layers adapts the arguments).");
}

}  // namespace infoscale::python

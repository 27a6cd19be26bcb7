// layers/study.hpp: the multi-scale study across models (Tables 1 and 3, the §3.3.2 scorecard),
// printed by study_format.hpp and drawn by study_svg.hpp; infoscale.study runs the models and calls it.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "infoscale/layers/intervention_format.hpp"
#include "infoscale/layers/intervention_study.hpp"
#include "infoscale/layers/intervention_svg.hpp"
#include "infoscale/layers/study.hpp"
#include "infoscale/layers/study_format.hpp"
#include "infoscale/layers/study_svg.hpp"

namespace infoscale::python {

using namespace nb::literals;

void bind_study(nb::module_& m) {
  nb::class_<study_report>(
      m, "StudyReport",
      "The study over several models: str() is its Markdown report, to_json() every number.")
      .def("__str__", [](const study_report& s) { return format_markdown(s); })
      .def("to_markdown", [](const study_report& s) { return format_markdown(s); })
      .def(
          "to_json", [](const study_report& s, int indent) { return format_json(s, indent); }, "indent"_a = 2)
      .def(
          "to_dict",
          [](const study_report& s) { return nb::module_::import_("json").attr("loads")(format_json(s)); },
          "to_json() read back as a dict (NaN and infinities are None).")
      .def("positions_svg", &study_positions_svg,
           "The cross-model position chart (MS Figure 10) as SVG text.")
      .def_prop_ro("notes", [](const study_report& s) { return s.notes; });

  nb::class_<intervention_summary>(
      m, "InterventionSummary",
      "Experiment 2's Table 2 of one model: str() is its Markdown, to_dict() every number, svg() the "
      "Figures 7-9 bar chart.")
      .def("__str__", [](const intervention_summary& s) { return format_markdown(s); })
      .def(
          "to_markdown",
          [](const intervention_summary& s, double alpha) { return format_markdown(s, alpha); },
          "alpha"_a = 0.05)
      .def(
          "to_dict",
          [](const intervention_summary& s) {
            return nb::module_::import_("json").attr("loads")(
                to_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
          },
          "Every number (NaN and infinities are None).")
      .def("svg", &intervention_bars_svg, "alpha"_a = 0.05)
      .def_prop_ro("model", [](const intervention_summary& s) { return s.model; })
      .def_prop_ro("family", [](const intervention_summary& s) { return s.family; })
      .def_prop_ro("notes", [](const intervention_summary& s) { return s.notes; });

  m.def(
      "scales_of",
      [](const layer_report& r) {
        const scale_layers s = scales_of(r);
        nb::dict d;
        d["L"] = s.local;
        d["I"] = s.intermediate;
        d["G"] = s.global;
        return nb::make_tuple(d, s.source);
      },
      "report"_a,
      "Experiment 2's scales from a model's Experiment 1 report: ({'L': blocks, 'I': ..., 'G': ...}, "
      "source).\n"
      "Blocks between the L-I and I-G boundaries (layer k = output of block k - 1), or equal thirds of\n"
      "depth when fewer than two were found; source says which.");

  m.def(
      "compare_interventions",
      [](std::string model, std::string family, double sigma, std::vector<std::string> metrics,
         std::vector<std::vector<double>> baseline,
         const std::vector<
             std::tuple<std::string, std::vector<std::size_t>, std::vector<std::vector<double>>>>& scales,
         std::vector<std::string> notes) {
        intervention_run run{std::move(model),   std::move(family),   sigma,
                             std::move(metrics), std::move(baseline), {},
                             std::move(notes)};
        for (const auto& [name, layers, values] : scales) run.scales.push_back({name, layers, values});
        return compare_interventions(run);
      },
      "model"_a, "family"_a, "sigma"_a, "metrics"_a, "baseline"_a, "scales"_a,
      "notes"_a = std::vector<std::string>{},
      "Experiment 2 (MS §4.2) as Table 2: per scale and metric the % change against the paired baseline,\n"
      "its paired t-test and the brittleness gamma = Delta / sigma (metric unit and percent).\n\n"
      "baseline: [metric][prompt] values (NaN = not measured for that prompt); scales: list of\n"
      "(name 'L'/'I'/'G', perturbed block indices, [metric][prompt] values paired with the baseline).");

  m.def(
      "run_study",
      [](const std::vector<std::tuple<std::string, std::string, layer_report,
                                      std::vector<std::pair<std::string, double>>>>& models,
         double cv_threshold, double drift_threshold, double confidence,
         std::vector<intervention_summary> interventions, bool structure_magnitude, double alpha,
         double brittleness_ratio, bool brittleness_in_percent) {
        std::vector<study_model> in;
        for (const auto& [name, family, report, timings] : models)
          in.push_back({name, family, report, timings});
        study_options o;
        o.cv_threshold = cv_threshold;
        o.drift_threshold = drift_threshold;
        o.confidence = confidence;
        o.interventions.structure_magnitude = structure_magnitude;
        o.interventions.alpha = alpha;
        o.interventions.brittleness_ratio = brittleness_ratio;
        o.interventions.brittleness_in_percent = brittleness_in_percent;
        return run_study(std::move(in), o, std::move(interventions));
      },
      "models"_a, nb::kw_only(), "cv_threshold"_a = 0.2, "drift_threshold"_a = 0.3, "confidence"_a = 0.95,
      "interventions"_a = std::vector<intervention_summary>{}, "structure_magnitude"_a = true,
      "alpha"_a = 0.05, "brittleness_ratio"_a = 5.0, "brittleness_in_percent"_a = true,
      "The multi-scale study (MS Tables 1-3 and the §3.3.2 scorecard) over layer reports.\n\n"
      "models: list of (name, family, LayerReport, [(phase, seconds), ...]); models of one family are its\n"
      "training runs. Thresholds: prediction 1.1 (CV of rho_L-I) and 3.2 (eq. (2) I-G drift).\n"
      "interventions: Experiment 2's InterventionSummary per model (compare_interventions), read by\n"
      "predictions 2.1 (structure_magnitude: |% change| rather than the signed increase; alpha) and 3.1\n"
      "(brittleness_ratio; gamma_L in percent per sigma or in the metric's unit).");
}

}  // namespace infoscale::python

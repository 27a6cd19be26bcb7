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
#include "infoscale/layers/study.hpp"
#include "infoscale/layers/study_format.hpp"
#include "infoscale/layers/study_svg.hpp"

namespace infoscale::python {

using namespace nb::literals;

void bind_study(nb::module_& m) {
  nb::class_<study_report>(
      m, "StudyReport",
      "The study over several models: str() is its Markdown report, to_json() every number.")
      .def("__str__", &format_markdown)
      .def("to_markdown", &format_markdown)
      .def(
          "to_json", [](const study_report& s, int indent) { return format_json(s, indent); }, "indent"_a = 2)
      .def(
          "to_dict",
          [](const study_report& s) { return nb::module_::import_("json").attr("loads")(format_json(s)); },
          "to_json() read back as a dict (NaN and infinities are None).")
      .def("positions_svg", &study_positions_svg,
           "The cross-model position chart (MS Figure 10) as SVG text.")
      .def_prop_ro("notes", [](const study_report& s) { return s.notes; });

  m.def(
      "run_study",
      [](const std::vector<std::tuple<std::string, std::string, layer_report,
                                      std::vector<std::pair<std::string, double>>>>& models,
         double cv_threshold, double drift_threshold, double confidence) {
        std::vector<study_model> in;
        for (const auto& [name, family, report, timings] : models)
          in.push_back({name, family, report, timings});
        study_options o;
        o.cv_threshold = cv_threshold;
        o.drift_threshold = drift_threshold;
        o.confidence = confidence;
        return run_study(std::move(in), o);
      },
      "models"_a, nb::kw_only(), "cv_threshold"_a = 0.2, "drift_threshold"_a = 0.3, "confidence"_a = 0.95,
      "The multi-scale study (MS Tables 1 and 3 and the §3.3.2 scorecard) over layer reports.\n\n"
      "models: list of (name, family, LayerReport, [(phase, seconds), ...]); models of one family are its\n"
      "training runs. Thresholds: prediction 1.1 (CV of rho_L-I) and 3.2 (eq. (2) I-G drift).");
}

}  // namespace infoscale::python

// io/svg_charts.hpp from Python: infoscale.svg_line_chart and infoscale.svg_scatter_panels, the
// thermo study's figures (infoscale.thermo_study), drawn by the same C++ as every other report figure.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "infoscale/io/svg_charts.hpp"

namespace infoscale::python {

using namespace nb::literals;

void bind_svg(nb::module_& m) {
  m.def(
      "svg_line_chart",
      [](const std::vector<std::string>& labels, const std::vector<std::vector<double>>& xs,
         const std::vector<std::vector<double>>& ys, const std::string& title, const std::string& xlabel,
         const std::string& ylabel, bool step, std::optional<double> threshold,
         const std::string& threshold_label) {
        if (xs.size() != labels.size() || ys.size() != labels.size())
          detail::raise("svg_line_chart", "labels",
                        "names " + std::to_string(labels.size()) + " series for " +
                            std::to_string(xs.size()) + " x and " + std::to_string(ys.size()) +
                            " y sequences");
        svg_line_chart chart{title, xlabel, ylabel, {}, step, std::nullopt};
        for (std::size_t k = 0; k < labels.size(); ++k) chart.series.push_back({labels[k], xs[k], ys[k]});
        if (threshold) chart.threshold = std::make_pair(*threshold, threshold_label);
        return render_line_chart(chart);
      },
      "labels"_a, "xs"_a, "ys"_a, nb::kw_only(), "title"_a, "xlabel"_a, "ylabel"_a, "step"_a = false,
      "threshold"_a = nb::none(), "threshold_label"_a = "",
      "An SVG line chart (560 x 360) of series k = (xs[k], ys[k]) named labels[k]; step=True draws\n"
      "staircases (CDFs); threshold draws a dashed vertical line labelled threshold_label.\n"
      "Non-finite values raise infoscale.Error.");
  m.def(
      "svg_scatter_panels",
      [](const std::vector<std::string>& titles,
         const std::vector<std::vector<std::array<double, 2>>>& points,
         const std::vector<std::vector<std::string>>& labels, const std::string& xlabel,
         const std::string& ylabel) {
        if (points.size() != titles.size() || labels.size() != titles.size())
          detail::raise("svg_scatter_panels", "titles",
                        "names " + std::to_string(titles.size()) + " panels for " +
                            std::to_string(points.size()) + " point sets and " +
                            std::to_string(labels.size()) + " label sets");
        std::vector<svg_scatter_panel> panels;
        for (std::size_t k = 0; k < titles.size(); ++k) panels.push_back({titles[k], points[k], labels[k]});
        return render_scatter_panels(panels, xlabel, ylabel);
      },
      "titles"_a, "points"_a, "labels"_a, nb::kw_only(), "xlabel"_a = "MDS 1", "ylabel"_a = "MDS 2",
      "Side-by-side SVG scatter panels (300 x 300 each, equal axis scales): panel k has the title\n"
      "titles[k] and the points points[k] ((x, y) pairs) labelled labels[k].");
}

}  // namespace infoscale::python

#pragma once
// The layer report as a figure (MS Figures 3-6; `infoscale layers --plot`): the three signals
// (each over its maximum), E(l), and the boundaries with their BCa intervals shaded.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "infoscale/io/svg_plot.hpp"
#include "infoscale/layers/layer_report.hpp"

namespace infoscale {

/// The figure of one report; `title` defaults to "infoscale layers: " and the source's file name.
[[nodiscard]] inline svg_plot layer_report_plot(const layer_report& r, std::string title = {}) {
  svg_plot plot;
  plot.title =
      title.empty() ? "infoscale layers: " + std::filesystem::path(r.source).filename().string() : title;
  plot.x_label = "layer pair l (layer l -> l+1)";
  plot.y_label = "signal / max, and E(l)";
  const auto normalised = [](std::vector<double> v) {
    double m = 0.0;
    for (const double x : v) m = std::max(m, x);
    for (double& x : v) x = m > 0.0 ? x / m : 0.0;
    return v;
  };
  plot.curves.push_back({"S1 = 1/CKA (norm.)", "#1f77b4", normalised(r.s1), true, 1.5});
  if (!r.s2.empty())
    plot.curves.push_back({"S2 probe jumps (norm.)", "#2ca02c", normalised(r.s2), true, 1.5});
  if (!r.s3.empty()) {
    auto s3 = normalised(r.s3);
    s3[0] = NAN;
    plot.curves.push_back({"S3 attention JS (norm.)", "#ff7f0e", s3, true, 1.5});
  }
  plot.curves.push_back({"E(l) fused", "#000000", r.evidence, false, 2.5});
  for (const boundary_estimate& x : r.boundaries) {
    svg_marker m{x.name, static_cast<double>(x.pair)};
    if (x.ci_bca && x.ci_bca->status != interval_status::no_estimate) {
      m.lower = x.ci_bca->lower;
      m.upper = x.ci_bca->upper;
    }
    plot.markers.push_back(m);
  }
  return plot;
}

/// The figure of one report as an SVG document.
[[nodiscard]] inline std::string layer_report_svg(const layer_report& r, std::string title = {}) {
  return render_svg(layer_report_plot(r, std::move(title)));
}

}  // namespace infoscale

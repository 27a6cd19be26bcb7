#pragma once
// The cross-model position chart (MS Figure 10): per model, its relative depth 0..100% with the
// L-I and I-G boundaries and their CIs, models grouped by family. Hand-written SVG, as io/svg_plot.hpp.

#include <string>

#include "infoscale/io/svg_plot.hpp"
#include "infoscale/layers/study.hpp"

namespace infoscale {

[[nodiscard]] inline std::string study_positions_svg(const study_report& s) {
  using detail::svg::escape_xml;
  using detail::svg::fmt;
  const double left = 170, right = 30, top = 50, row = 34, width = 760;
  const double height = top + row * static_cast<double>(s.rows.size()) + 70;
  const double pw = width - left - right;
  const auto x_of = [&](double rho) { return left + pw * rho; };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) +
                    "\" height=\"" + fmt("%.0f", height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out +=
      "<text x=\"" + fmt("%.1f", left + pw / 2) +
      "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">Boundary positions across models (relative depth)"
      "</text>\n";
  const double bottom = top + row * static_cast<double>(s.rows.size());
  for (int t = 0; t <= 10; ++t) {
    const double x = x_of(t / 10.0);
    out += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", top - 8) + "\" x2=\"" + fmt("%.1f", x) +
           "\" y2=\"" + fmt("%.1f", bottom) + "\" stroke=\"#dddddd\"/>\n";
    out += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", bottom + 16) +
           "\" text-anchor=\"middle\">" + fmt("%.0f", 10.0 * t) + "%</text>\n";
  }
  const auto marker = [&](const std::optional<study_position>& p, double y, const char* colour) {
    if (!p) return;
    if (p->ci) {
      out += "<line x1=\"" + fmt("%.1f", x_of(p->ci->lower)) + "\" y1=\"" + fmt("%.1f", y) + "\" x2=\"" +
             fmt("%.1f", x_of(p->ci->upper)) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"" + colour +
             "\" stroke-width=\"3\" stroke-opacity=\"0.45\"/>\n";
    }
    out += "<circle cx=\"" + fmt("%.1f", x_of(p->relative)) + "\" cy=\"" + fmt("%.1f", y) +
           "\" r=\"6\" fill=\"" + colour + "\"" + (p->accepted ? "" : " fill-opacity=\"0.35\"") + "/>\n";
  };
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const study_row& r = s.rows[i];
    const double y = top + row * (static_cast<double>(i) + 0.5);
    out += "<text x=\"" + fmt("%.1f", left - 8) + "\" y=\"" + fmt("%.1f", y + 4) + "\" text-anchor=\"end\">" +
           escape_xml(r.name + " (" + r.family + ")") + "</text>\n";
    out += "<line x1=\"" + fmt("%.1f", x_of(0)) + "\" y1=\"" + fmt("%.1f", y) + "\" x2=\"" +
           fmt("%.1f", x_of(1)) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"#999999\"/>\n";
    marker(r.li, y, "#d62728");
    marker(r.ig, y, "#9467bd");
    marker(r.one, y, "#7f7f7f");
  }
  const double ly = bottom + 40;
  const char* labels[] = {"L-I", "I-G", "single boundary"};
  const char* colours[] = {"#d62728", "#9467bd", "#7f7f7f"};
  for (int k = 0; k < 3; ++k) {
    const double lx = left + 150.0 * k;
    out += "<circle cx=\"" + fmt("%.1f", lx) + "\" cy=\"" + fmt("%.1f", ly) + "\" r=\"6\" fill=\"" +
           colours[k] + "\"/>\n<text x=\"" + fmt("%.1f", lx + 12) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" +
           labels[k] + "</text>\n";
  }
  out += "<text x=\"" + fmt("%.1f", left + 450) + "\" y=\"" + fmt("%.1f", ly + 4) +
         "\">bar: 95% CI; faint: not accepted</text>\n</svg>\n";
  return out;
}

}  // namespace infoscale

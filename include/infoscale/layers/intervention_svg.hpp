#pragma once
// Experiment 2's bar chart (MS Figures 7-9): per metric, one bar per perturbed scale with its
// percentage change against the baseline (L blue, I orange, G green, as the paper colours them),
// a star over bars whose paired t-test is significant. Hand-written SVG, as io/svg_plot.hpp.

#include <algorithm>
#include <cmath>
#include <string>

#include "infoscale/io/svg_plot.hpp"
#include "infoscale/layers/intervention_format.hpp"

namespace infoscale {

[[nodiscard]] inline std::string intervention_bars_svg(const intervention_summary& s, double alpha = 0.05) {
  using detail::svg::escape_xml;
  using detail::svg::fmt;
  const double width = 760, height = 420, left = 70, right = 120, top = 50, bottom = 60;
  const double pw = width - left - right, ph = height - top - bottom;
  double extent = 0.0;
  for (const auto& row : s.scales)
    for (const auto& c : row.changes)
      if (std::isfinite(c.percent_change)) extent = std::max(extent, std::abs(c.percent_change));
  if (!(extent > 0.0)) extent = 1.0;
  extent *= 1.15;
  const auto py = [&](double v) { return top + ph * (0.5 - 0.5 * v / extent); };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) +
                    "\" height=\"" + fmt("%.0f", height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" +
         escape_xml(s.model + ": behaviour under noise in one scale (sigma " + detail::format_short(s.sigma) +
                    "), % change vs baseline") +
         "</text>\n";
  for (int k = -2; k <= 2; ++k) {
    const double v = extent / 2.3 * k, y = py(v);
    out += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", y) + "\" x2=\"" +
           fmt("%.1f", left + pw) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"" +
           (k == 0 ? "#000000" : "#dddddd") + "\"/>\n";
    out += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" + fmt("%.1f", y + 4) + "\" text-anchor=\"end\">" +
           fmt("%+.1f", v) + "%</text>\n";
  }
  const std::size_t groups = std::max<std::size_t>(1, s.metrics.size());
  const std::size_t bars = std::max<std::size_t>(1, s.scales.size());
  const double group_width = pw / static_cast<double>(groups), bar_width = 0.7 * group_width / bars;
  const auto colour_of = [](const std::string& scale) {
    return scale == "L" ? "#1f77b4" : scale == "I" ? "#ff7f0e" : "#2ca02c";
  };
  for (std::size_t m = 0; m < s.metrics.size(); ++m) {
    const double x0 = left + group_width * (static_cast<double>(m) + 0.15);
    out += "<text x=\"" + fmt("%.1f", left + group_width * (m + 0.5)) + "\" y=\"" +
           fmt("%.1f", top + ph + 20) + "\" text-anchor=\"middle\">" +
           escape_xml(detail::metric_heading(s.metrics[m])) + "</text>\n";
    for (std::size_t b = 0; b < s.scales.size(); ++b) {
      const metric_change& c = s.scales[b].changes[m];
      if (!std::isfinite(c.percent_change)) continue;
      const double x = x0 + bar_width * static_cast<double>(b), y0 = py(0.0), y1 = py(c.percent_change);
      out += "<rect x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", std::min(y0, y1)) + "\" width=\"" +
             fmt("%.1f", bar_width * 0.9) + "\" height=\"" + fmt("%.1f", std::abs(y1 - y0)) + "\" fill=\"" +
             colour_of(s.scales[b].scale) + "\"/>\n";
      if (c.significant(alpha)) {
        out += "<text x=\"" + fmt("%.1f", x + bar_width * 0.45) + "\" y=\"" +
               fmt("%.1f", c.percent_change >= 0 ? y1 - 4 : y1 + 14) + "\" text-anchor=\"middle\">*</text>\n";
      }
    }
  }
  for (std::size_t b = 0; b < s.scales.size(); ++b) {
    const double y = top + 10 + 20.0 * static_cast<double>(b), x = left + pw + 15;
    out += "<rect x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", y - 9) +
           "\" width=\"12\" height=\"12\" fill=\"" + colour_of(s.scales[b].scale) + "\"/>\n<text x=\"" +
           fmt("%.1f", x + 18) + "\" y=\"" + fmt("%.1f", y + 2) + "\">" +
           escape_xml(s.scales[b].scale + " (" + detail::layer_list(s.scales[b].layers) + ")") + "</text>\n";
  }
  out += "<text x=\"" + fmt("%.1f", left + pw + 15) + "\" y=\"" + fmt("%.1f", top + 30 + 20.0 * bars) +
         "\">* p &lt; " + fmt("%g", alpha) + "</text>\n</svg>\n";
  return out;
}

}  // namespace infoscale

#pragma once
// A hand-written SVG line plot (no library): curves over an integer x axis, vertical markers with
// shaded intervals, axes with ticks, axis labels and a legend: the layer report's figures.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

struct svg_curve {
  std::string label;
  std::string colour;
  std::vector<double> y;  ///< one value per x = 0, 1, ...; NaN leaves a gap
  bool dashed = false;
  double width = 1.5;
};

struct svg_marker {
  std::string label;
  double x = 0.0;
  double lower = NAN, upper = NAN;  ///< shaded interval (NaN or infinite: none)
};

struct svg_plot {
  std::string title, x_label, y_label;
  std::vector<svg_curve> curves;
  std::vector<svg_marker> markers;
};

namespace detail::svg {

inline std::string escape_xml(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline std::string fmt(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

}  // namespace detail::svg

/// The plot as an SVG document.
inline std::string render_svg(const svg_plot& plot) {
  using detail::svg::fmt;
  const double width = 760, height = 440, left = 70, right = 180, top = 40, bottom = 60;
  const double pw = width - left - right, ph = height - top - bottom;
  std::size_t n = 0;
  double y_max = 0.0;
  for (const auto& c : plot.curves) {
    n = std::max(n, c.y.size());
    for (const double v : c.y)
      if (std::isfinite(v)) y_max = std::max(y_max, v);
  }
  if (!(y_max > 0.0)) y_max = 1.0;
  y_max *= 1.08;
  const double x_max = n > 1 ? static_cast<double>(n - 1) : 1.0;
  const auto px = [&](double x) { return left + pw * std::clamp(x, -0.5, x_max + 0.5) / x_max; };
  const auto py = [&](double y) { return top + ph * (1.0 - y / y_max); };

  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) + "\" height=\"" +
       fmt("%.0f", height) + "\" viewBox=\"0 0 " + fmt("%.0f", width) + " " + fmt("%.0f", height) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" +
       detail::svg::escape_xml(plot.title) + "</text>\n";
  // Confidence intervals (shaded) and boundary markers.
  for (const auto& m : plot.markers) {
    if (std::isfinite(m.lower) && std::isfinite(m.upper)) {
      const double a = px(m.lower - 0.1), b = px(m.upper + 0.1);
      s += "<rect x=\"" + fmt("%.1f", a) + "\" y=\"" + fmt("%.1f", top) + "\" width=\"" +
           fmt("%.1f", std::max(1.0, b - a)) + "\" height=\"" + fmt("%.1f", ph) +
           "\" fill=\"#999999\" fill-opacity=\"0.2\"/>\n";
    }
    const double x = px(m.x);
    s += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", top) + "\" x2=\"" + fmt("%.1f", x) +
         "\" y2=\"" + fmt("%.1f", top + ph) + "\" stroke=\"#444444\" stroke-dasharray=\"6,3\"/>\n";
    s += "<text x=\"" + fmt("%.1f", x + 3) + "\" y=\"" + fmt("%.1f", top + 14) + "\">" +
         detail::svg::escape_xml(m.label) + "</text>\n";
  }
  // Axes, ticks and labels.
  s += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", top + ph) + "\" x2=\"" +
       fmt("%.1f", left + pw) + "\" y2=\"" + fmt("%.1f", top + ph) + "\" stroke=\"black\"/>\n";
  s += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", top) + "\" x2=\"" + fmt("%.1f", left) +
       "\" y2=\"" + fmt("%.1f", top + ph) + "\" stroke=\"black\"/>\n";
  const std::size_t x_step = std::max<std::size_t>(1, (n + 11) / 12);
  for (std::size_t i = 0; i < n; i += x_step) {
    const double x = px(static_cast<double>(i));
    s += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", top + ph) + "\" x2=\"" + fmt("%.1f", x) +
         "\" y2=\"" + fmt("%.1f", top + ph + 5) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", top + ph + 18) +
         "\" text-anchor=\"middle\">" + std::to_string(i) + "</text>\n";
  }
  const double magnitude = std::pow(10.0, std::floor(std::log10(y_max / 5.0)));
  double y_step = magnitude;
  for (const double f : {2.0, 5.0, 10.0})
    if (y_max / y_step > 6.0) y_step = magnitude * f;
  for (double y = 0.0; y <= y_max; y += y_step) {
    const double yy = py(y);
    s += "<line x1=\"" + fmt("%.1f", left - 5) + "\" y1=\"" + fmt("%.1f", yy) + "\" x2=\"" +
         fmt("%.1f", left) + "\" y2=\"" + fmt("%.1f", yy) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + fmt("%.1f", left - 8) + "\" y=\"" + fmt("%.1f", yy + 4) + "\" text-anchor=\"end\">" +
         fmt("%g", std::round(y / y_step) * y_step) + "</text>\n";
  }
  s += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"" + fmt("%.1f", height - 15) +
       "\" text-anchor=\"middle\">" + detail::svg::escape_xml(plot.x_label) + "</text>\n";
  s += "<text transform=\"translate(18," + fmt("%.1f", top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + detail::svg::escape_xml(plot.y_label) + "</text>\n";
  // Curves (a NaN starts a new segment) with point markers.
  for (const auto& c : plot.curves) {
    std::string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < c.y.size(); ++i) {
      if (!std::isfinite(c.y[i])) {
        pen_down = false;
        continue;
      }
      path +=
          (pen_down ? " L" : " M") + fmt("%.1f", px(static_cast<double>(i))) + "," + fmt("%.1f", py(c.y[i]));
      pen_down = true;
      s += "<circle cx=\"" + fmt("%.1f", px(static_cast<double>(i))) + "\" cy=\"" + fmt("%.1f", py(c.y[i])) +
           "\" r=\"2.5\" fill=\"" + c.colour + "\"/>\n";
    }
    if (!path.empty()) {
      s += "<path d=\"" + path.substr(1) + "\" fill=\"none\" stroke=\"" + c.colour + "\" stroke-width=\"" +
           fmt("%.1f", c.width) + "\"" + (c.dashed ? " stroke-dasharray=\"4,3\"" : "") + "/>\n";
    }
  }
  // Legend.
  double ly = top + 10;
  const double lx = left + pw + 15;
  for (const auto& c : plot.curves) {
    s += "<line x1=\"" + fmt("%.1f", lx) + "\" y1=\"" + fmt("%.1f", ly) + "\" x2=\"" + fmt("%.1f", lx + 24) +
         "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"" + c.colour + "\" stroke-width=\"" +
         fmt("%.1f", c.width) + "\"" + (c.dashed ? " stroke-dasharray=\"4,3\"" : "") + "/>\n";
    s += "<text x=\"" + fmt("%.1f", lx + 30) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" +
         detail::svg::escape_xml(c.label) + "</text>\n";
    ly += 20;
  }
  if (!plot.markers.empty()) {
    s += "<line x1=\"" + fmt("%.1f", lx) + "\" y1=\"" + fmt("%.1f", ly) + "\" x2=\"" + fmt("%.1f", lx + 24) +
         "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"#444444\" stroke-dasharray=\"6,3\"/>\n";
    s += "<text x=\"" + fmt("%.1f", lx + 30) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">boundary</text>\n";
    ly += 20;
    s += "<rect x=\"" + fmt("%.1f", lx) + "\" y=\"" + fmt("%.1f", ly - 6) +
         "\" width=\"24\" height=\"12\" fill=\"#999999\" fill-opacity=\"0.2\"/>\n";
    s += "<text x=\"" + fmt("%.1f", lx + 30) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">95% CI (BCa)</text>\n";
  }
  s += "</svg>\n";
  return s;
}

inline void write_svg(const std::string& path, const svg_plot& plot) {
  std::ofstream out(path, std::ios::binary);
  out << render_svg(plot);
  out.close();
  if (!out) infoscale::detail::raise("write_svg", path, "cannot be written");
}

}  // namespace infoscale

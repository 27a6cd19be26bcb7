#pragma once
// Two hand-written SVG charts (no library) over real-valued x: a line chart of several series (a
// staircase for CDFs, a dashed threshold line), and side-by-side labelled scatter panels with equal
// axis scales (MDS maps). The thermo study's figures (infoscale.thermo_study). Axes are linear, data
// ranges padded by 4%; pixels are printed to 0.1 and tick labels to 4 significant digits, so a figure
// is a deterministic function of its data. (io/svg_plot.hpp draws the layer report's plots over
// integer layer indices.)

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/io/svg_plot.hpp"  // escape_xml, fmt

namespace infoscale {

/// One line of a chart: points (x[i], y[i]).
struct svg_series {
  std::string label;
  std::vector<double> x, y;
};

struct svg_line_chart {
  std::string title, x_label, y_label;
  std::vector<svg_series> series;
  bool step = false;  ///< draw each series as a staircase (an empirical CDF)
  /// A vertical dashed line at x with a label (e.g. a threshold), if set.
  std::optional<std::pair<double, std::string>> threshold;
};

/// One scatter panel: a title and labelled points.
struct svg_scatter_panel {
  std::string title;
  std::vector<std::array<double, 2>> points;
  std::vector<std::string> labels;  ///< one per point
};

namespace detail::svg_charts {

inline constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                          "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
inline constexpr double width = 560, height = 360, margin = 56;

inline std::string escape(const std::string& text) {
  return detail::svg::escape_xml(text);
}
inline std::string format(const char* pattern, double v) {
  return detail::svg::fmt(pattern, v);
}
inline std::string px(double v) {
  return format("%.1f", v);
}

/// The padded range of the values (0..1 when there are none; +-0.5 around a single value).
inline std::pair<double, double> padded_range(const std::vector<double>& values) {
  if (values.empty()) return {0.0, 1.0};
  double lo = *std::min_element(values.begin(), values.end());
  double hi = *std::max_element(values.begin(), values.end());
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = 0.04 * (hi - lo);
  return {lo - pad, hi + pad};
}

/// A panel at (x0, y0) of size w x h showing the data ranges xr, yr.
struct frame {
  double x0, y0, w, h;
  std::pair<double, double> xr, yr;
  [[nodiscard]] double to_x(double x) const { return x0 + (x - xr.first) / (xr.second - xr.first) * w; }
  [[nodiscard]] double to_y(double y) const { return y0 + h - (y - yr.first) / (yr.second - yr.first) * h; }

  void axes(std::vector<std::string>& out, const std::string& title, const std::string& x_label,
            const std::string& y_label) const {
    out.push_back("<rect x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" + px(w) + "\" height=\"" +
                  px(h) + "\" fill=\"none\" stroke=\"#444\"/>");
    out.push_back("<text x=\"" + px(x0 + w / 2) + "\" y=\"" + px(y0 - 10) +
                  "\" text-anchor=\"middle\" font-size=\"13\">" + escape(title) + "</text>");
    out.push_back("<text x=\"" + px(x0 + w / 2) + "\" y=\"" + px(y0 + h + 34) +
                  "\" text-anchor=\"middle\" font-size=\"11\">" + escape(x_label) + "</text>");
    out.push_back("<text x=\"" + px(x0 - 40) + "\" y=\"" + px(y0 + h / 2) +
                  "\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 " + px(x0 - 40) + " " +
                  px(y0 + h / 2) + ")\">" + escape(y_label) + "</text>");
    for (int k = 0; k < 5; ++k) {
      const double x = xr.first + (xr.second - xr.first) * k / 4;
      const double y = yr.first + (yr.second - yr.first) * k / 4;
      out.push_back("<text x=\"" + px(to_x(x)) + "\" y=\"" + px(y0 + h + 16) +
                    "\" text-anchor=\"middle\" font-size=\"10\">" + format("%.4g", x) + "</text>");
      out.push_back("<text x=\"" + px(x0 - 6) + "\" y=\"" + px(to_y(y) + 3) +
                    "\" text-anchor=\"end\" font-size=\"10\">" + format("%.4g", y) + "</text>");
    }
  }
};

inline std::string document(double w, double h, const std::vector<std::string>& body) {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + format("%.0f", w) +
                    "\" height=\"" + format("%.0f", h) + "\" viewBox=\"0 0 " + format("%.0f", w) + " " +
                    format("%.0f", h) + "\" font-family=\"sans-serif\">\n";
  for (std::size_t i = 0; i < body.size(); ++i) out += body[i] + (i + 1 < body.size() ? "\n" : "");
  return out + "\n</svg>\n";
}

inline void check_finite(const std::vector<double>& values, const char* function, const std::string& what) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      infoscale::detail::raise(function, what, "has a non-finite value at index " + std::to_string(i));
}

}  // namespace detail::svg_charts

/// The line chart as an SVG document (560 x 360; the legend right of the panel).
inline std::string render_line_chart(const svg_line_chart& chart) {
  namespace s = detail::svg_charts;
  constexpr const char* function = "render_line_chart";
  std::vector<double> xs, ys;
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const svg_series& series = chart.series[k];
    const std::string name = "series[" + std::to_string(k) + "]";
    if (series.x.size() != series.y.size())
      infoscale::detail::raise(function, name,
                               "has " + std::to_string(series.x.size()) + " x values and " +
                                   std::to_string(series.y.size()) + " y values");
    s::check_finite(series.x, function, name + ".x");
    s::check_finite(series.y, function, name + ".y");
    xs.insert(xs.end(), series.x.begin(), series.x.end());
    ys.insert(ys.end(), series.y.begin(), series.y.end());
  }
  if (chart.threshold) {
    if (!std::isfinite(chart.threshold->first))
      infoscale::detail::raise(function, "threshold", "is not finite");
    xs.push_back(chart.threshold->first);
  }
  const s::frame f{
      s::margin + 10,     34, s::width - s::margin - 150, s::height - 34 - s::margin, s::padded_range(xs),
      s::padded_range(ys)};
  std::vector<std::string> body;
  f.axes(body, chart.title, chart.x_label, chart.y_label);
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const svg_series& series = chart.series[k];
    std::string points;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (chart.step && i > 0)
        points += s::px(f.to_x(series.x[i])) + "," + s::px(f.to_y(series.y[i - 1])) + " ";
      points += s::px(f.to_x(series.x[i])) + "," + s::px(f.to_y(series.y[i])) + " ";
    }
    if (!points.empty()) points.pop_back();
    const std::string colour = s::palette[k % std::size(s::palette)];
    body.push_back("<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.6\" points=\"" +
                   points + "\"/>");
    body.push_back("<text x=\"" + s::px(f.x0 + f.w + 10) + "\" y=\"" + s::px(f.y0 + 14 + 16.0 * k) +
                   "\" font-size=\"11\" fill=\"" + colour + "\">" + s::escape(series.label) + "</text>");
  }
  if (chart.threshold) {
    const std::string x = s::px(f.to_x(chart.threshold->first));
    const double xv = f.to_x(chart.threshold->first);
    body.push_back("<line x1=\"" + x + "\" y1=\"" + s::px(f.y0) + "\" x2=\"" + x + "\" y2=\"" +
                   s::px(f.y0 + f.h) + "\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>");
    body.push_back("<text x=\"" + s::px(xv + 3) + "\" y=\"" + s::px(f.y0 + 12) +
                   "\" font-size=\"10\" fill=\"#666\">" + s::escape(chart.threshold->second) + "</text>");
  }
  return s::document(s::width, s::height, body);
}

/// Scatter panels side by side (300 x 300 each, equal scales on both axes) as an SVG document.
inline std::string render_scatter_panels(const std::vector<svg_scatter_panel>& panels,
                                         const std::string& x_label = "MDS 1",
                                         const std::string& y_label = "MDS 2") {
  namespace s = detail::svg_charts;
  constexpr const char* function = "render_scatter_panels";
  constexpr double size = 300;
  std::vector<std::string> body;
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const svg_scatter_panel& panel = panels[k];
    const std::string name = "panels[" + std::to_string(k) + "]";
    if (panel.labels.size() != panel.points.size())
      infoscale::detail::raise(function, name,
                               "has " + std::to_string(panel.points.size()) + " points and " +
                                   std::to_string(panel.labels.size()) + " labels");
    std::vector<double> values;
    for (const auto& p : panel.points) values.insert(values.end(), p.begin(), p.end());
    s::check_finite(values, function, name + ".points");
    const auto range = s::padded_range(values);
    const s::frame f{s::margin + 10 + static_cast<double>(k) * (size + 80), 34, size, size, range, range};
    f.axes(body, panel.title, x_label, y_label);
    for (std::size_t i = 0; i < panel.points.size(); ++i) {
      const double x = f.to_x(panel.points[i][0]), y = f.to_y(panel.points[i][1]);
      body.push_back("<circle cx=\"" + s::px(x) + "\" cy=\"" + s::px(y) + "\" r=\"3.5\" fill=\"" +
                     s::palette[0] + "\"/>");
      body.push_back("<text x=\"" + s::px(x + 5) + "\" y=\"" + s::px(y - 4) + "\" font-size=\"9\">" +
                     s::escape(panel.labels[i]) + "</text>");
    }
  }
  return s::document(s::margin + 10 + static_cast<double>(panels.size()) * (size + 80), size + 34 + s::margin,
                     body);
}

}  // namespace infoscale

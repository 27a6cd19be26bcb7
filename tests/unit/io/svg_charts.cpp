// io/svg_charts.hpp: pixel positions computed by hand from the layout (a 354 x 270 panel at (66, 34)
// for the line chart, 300 x 300 panels 380 apart for the scatter), escaping, and named errors.
#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/io/svg_charts.hpp>
#include <string>

using namespace infoscale;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("render_line_chart: points, staircase, threshold and legend where the layout puts them") {
  svg_line_chart chart{"CDF <of> S", "S, nats",   "fraction", {{"a&b", {0.0, 2.0}, {0.0, 1.0}}},
                       false,        std::nullopt};
  std::string svg = render_line_chart(chart);
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"360\"", 0) == 0);
  CHECK(svg.find("</svg>\n") == svg.size() - 7);
  // x in [0, 2] padded to [-0.08, 2.08] over 354 px from 66; y in [0, 1] padded to [-0.04, 1.04]
  // over 270 px, upward from 304: (0, 0) -> (79.1, 294.0), (2, 1) -> (406.9, 44.0).
  CHECK(svg.find("points=\"79.1,294.0 406.9,44.0\"") != std::string::npos);
  CHECK(svg.find("CDF &lt;of&gt; S") != std::string::npos);
  CHECK(svg.find(">a&amp;b</text>") != std::string::npos);
  CHECK(occurrences(svg, "<polyline") == 1);
  chart.step = true;
  chart.threshold = std::make_pair(1.0, std::string("eps"));
  svg = render_line_chart(chart);
  // The staircase adds (2, y of the previous point) before (2, 1); the threshold line at x = 1 -> 243.0.
  CHECK(svg.find("points=\"79.1,294.0 406.9,294.0 406.9,44.0\"") != std::string::npos);
  CHECK(svg.find("<line x1=\"243.0\" y1=\"34.0\" x2=\"243.0\" y2=\"304.0\"") != std::string::npos);
  CHECK(svg.find(">eps</text>") != std::string::npos);
  // Tick labels: five per axis, to 4 significant digits (the padded ends: -0.08 and 2.08).
  CHECK(svg.find(">-0.08</text>") != std::string::npos);
  CHECK(svg.find(">2.08</text>") != std::string::npos);
}

TEST_CASE("render_line_chart and render_scatter_panels: bad input is a named error") {
  svg_line_chart chart{"t", "x", "y", {{"a", {0.0, 1.0}, {0.0}}}, false, std::nullopt};
  CHECK_THROWS_WITH_AS(render_line_chart(chart), doctest::Contains("2 x values and 1 y values"),
                       infoscale::error);
  chart.series[0].y = {0.0, NAN};
  CHECK_THROWS_WITH_AS(render_line_chart(chart), doctest::Contains("series[0].y"), infoscale::error);
  chart.series[0].y = {0.0, 1.0};
  chart.threshold = std::make_pair(INFINITY, std::string("eps"));
  CHECK_THROWS_WITH_AS(render_line_chart(chart), doctest::Contains("threshold"), infoscale::error);
  CHECK_THROWS_WITH_AS(render_scatter_panels({{"p", {{0.0, 0.0}, {1.0, 1.0}}, {"0"}}}),
                       doctest::Contains("2 points and 1 labels"), infoscale::error);
  CHECK_THROWS_WITH_AS(render_scatter_panels({{"p", {{0.0, NAN}}, {"0"}}}),
                       doctest::Contains("panels[0].points"), infoscale::error);
}

TEST_CASE("render_scatter_panels: equal scales, panels side by side") {
  const std::string svg = render_scatter_panels(
      {{"first", {{0.0, 0.0}, {1.0, 0.5}}, {"0", "1"}}, {"second", {{2.0, 2.0}}, {"x"}}});
  // Width 66 + 2 x 380 = 826. Panel 1: both axes [0, 1] padded to [-0.04, 1.04] over 300 px:
  // (0, 0) -> (77.1, 322.9), (1, 0.5) -> (354.9, 184.0). Panel 2 (one value): [1.5, 2.5] padded by
  // 0.04, from x = 446: (2, 2) -> (596.0, 184.0).
  CHECK(svg.find("width=\"826\" height=\"390\"") != std::string::npos);
  CHECK(svg.find("<circle cx=\"77.1\" cy=\"322.9\"") != std::string::npos);
  CHECK(svg.find("<circle cx=\"354.9\" cy=\"184.0\"") != std::string::npos);
  CHECK(svg.find("<circle cx=\"596.0\" cy=\"184.0\"") != std::string::npos);
  CHECK(occurrences(svg, "<circle") == 3);
  CHECK(svg.find(">MDS 1</text>") != std::string::npos);
}

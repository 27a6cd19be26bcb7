#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/layers/intervention_format.hpp>
#include <infoscale/layers/intervention_study.hpp>
#include <infoscale/layers/intervention_svg.hpp>
#include <infoscale/layers/study.hpp>
#include <infoscale/layers/study_format.hpp>
#include <limits>
#include <string>
#include <vector>

using namespace infoscale;

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// One metric ("length_variance"), baseline values `base`, one perturbed row per scale.
intervention_run one_metric_run(std::vector<double> base,
                                std::vector<std::pair<std::string, std::vector<double>>> s,
                                std::string model = "m", std::string family = "f", double sigma = 0.1) {
  intervention_run run{model, family, sigma, {"length_variance"}, {base}, {}, {}};
  std::size_t first = 0;
  for (auto& [name, values] : s) {
    run.scales.push_back({name, {first, first + 1}, {values}});
    first += 2;
  }
  return run;
}

// A summary whose L, I, G changes of length_variance are the given percentages and p-values.
intervention_summary with_changes(std::string model, std::string family, double l, double i, double g,
                                  double p_i = 0.001, double p_l = 0.001) {
  intervention_summary s{model, family, 0.1, {"length_variance"}, {}, {}};
  const auto row = [](const char* scale, double pc, double p) {
    metric_change c;
    c.metric = "length_variance";
    c.prompts = 10;
    c.baseline = 100.0;
    c.perturbed = 100.0 + pc;
    c.percent_change = pc;
    c.p_value = p;
    c.brittleness = pc / 0.1;
    c.brittleness_percent = pc / 0.1;
    return intervention_scale_summary{scale, {0}, {c}};
  };
  s.scales = {row("L", l, p_l), row("I", i, p_i), row("G", g, 0.001)};
  return s;
}

layer_report three_layers() {
  layer_report r;
  r.layers = 6;
  r.cka.assign(6, 0.5);
  r.s1.assign(6, 2.0);
  r.evidence.assign(6, 1.0);
  return r;
}

}  // namespace

TEST_CASE("compare_interventions: means, % change, brittleness and the paired t-test, by hand") {
  // Prompt 3 is not measured in the baseline (NaN), so it leaves both conditions: pairs
  // (10, 11), (20, 22), (30, 33); differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3).
  const auto s = compare_interventions(one_metric_run({10, 20, 30, missing}, {{"L", {11, 22, 33, 5}}}));
  const metric_change& c = s.scales[0].changes[0];
  CHECK(c.prompts == 3);
  CHECK(c.baseline == doctest::Approx(20.0));
  CHECK(c.perturbed == doctest::Approx(22.0));
  CHECK(c.percent_change == doctest::Approx(10.0));
  CHECK(c.brittleness == doctest::Approx(20.0));  // (22 - 20) / 0.1
  CHECK(c.brittleness_percent == doctest::Approx(100.0));
  CHECK(c.t == doctest::Approx(2.0 * std::sqrt(3.0)));
  // Student's t with 2 degrees of freedom has F(t) = 1/2 + t / (2 sqrt(2 + t^2)): p = 1 - t / sqrt(2 + t^2).
  const double t = 2.0 * std::sqrt(3.0);
  CHECK(c.p_value == doctest::Approx(1.0 - t / std::sqrt(2.0 + t * t)).epsilon(1e-10));  // 0.07418
  CHECK_FALSE(c.significant());
  CHECK(s.find("L", "length_variance") == &c);
  CHECK(s.find("I", "length_variance") == nullptr);
}

TEST_CASE("compare_interventions: no change gives p = 1; a constant shift gives scipy's limit") {
  const auto s = compare_interventions(one_metric_run({1, 2, 3}, {{"L", {1, 2, 3}}, {"I", {2, 3, 4}}}));
  CHECK(s.scales[0].changes[0].t == 0.0);
  CHECK(s.scales[0].changes[0].p_value == 1.0);
  CHECK(std::isinf(s.scales[1].changes[0].t));
  CHECK(s.scales[1].changes[0].t > 0);
  CHECK(s.scales[1].changes[0].p_value == 0.0);
  // One measured pair: the means, no test.
  const auto one = compare_interventions(one_metric_run({1, missing}, {{"G", {3, 4}}}));
  CHECK(one.scales[0].changes[0].prompts == 1);
  CHECK(one.scales[0].changes[0].percent_change == doctest::Approx(200.0));
  CHECK(std::isnan(one.scales[0].changes[0].p_value));
}

TEST_CASE("compare_interventions: bad runs are refused, naming the argument") {
  const auto fails = [](intervention_run r, const char* text) {
    CHECK_THROWS_WITH_AS(static_cast<void>(compare_interventions(r)), doctest::Contains(text), error);
  };
  fails(one_metric_run({1, 2}, {{"L", {1, 2}}}, "m", "f", 0.0), "'sigma' must be finite and > 0");
  fails(one_metric_run({1, 2}, {{"L", {1, 2}}}, "m", "f", missing), "'sigma'");
  fails(one_metric_run({1, 2}, {{"L", {1, 2, 3}}}), "has 3 prompts, the baseline has 2");
  fails(one_metric_run({1, std::numeric_limits<double>::infinity()}, {{"L", {1, 2}}}),
        "'baseline' contains an infinity");
  fails(one_metric_run({1, 2}, {{"X", {1, 2}}}), "scale 'X': expected L, I or G");
  fails(one_metric_run({1, 2}, {{"L", {1, 2}}, {"L", {1, 2}}}), "names scale L twice");
  fails(one_metric_run({1, 2}, {}), "'scales' is empty");
  auto no_layers = one_metric_run({1, 2}, {{"L", {1, 2}}});
  no_layers.scales[0].layers.clear();
  fails(no_layers, "scale L has no layers");
  auto rows = one_metric_run({1, 2}, {{"L", {1, 2}}});
  rows.metrics.push_back("ttr");
  fails(rows, "'baseline' has 1 metric rows for 2 metrics");
}

TEST_CASE("prediction 2.1 reads Table 2's structure column; the two readings of 'degrades' differ") {
  // The paper's Qwen1.5 row (Table 2): L -7.40%, I +30.33%, G -11.43%: holds either way.
  CHECK(structure_control_prediction(with_changes("qwen", "q", -7.40, 30.33, -11.43)).outcome ==
        verdict::holds);
  // Llama-2's local collapse (-40%) against I +30%: larger in magnitude, smaller as an increase.
  const auto llama = with_changes("llama", "l", -40.0, 30.0, -5.0);
  const auto magnitude = structure_control_prediction(llama);
  CHECK(magnitude.outcome == verdict::fails);
  CHECK(magnitude.note.find("under L") != std::string::npos);
  intervention_prediction_options increase;
  increase.structure_magnitude = false;
  CHECK(structure_control_prediction(llama, increase).outcome == verdict::holds);
  // Largest but not significant is not support.
  const auto weak = structure_control_prediction(with_changes("w", "f", 1.0, 9.0, 2.0, 0.2));
  CHECK(weak.outcome == verdict::fails);
  CHECK(weak.note.find("not significant") != std::string::npos);
  // Without a G run the inequality cannot be tested.
  auto two = with_changes("t", "f", 1.0, 9.0, 2.0);
  two.scales.pop_back();
  CHECK(structure_control_prediction(two).outcome == verdict::not_testable);
}

TEST_CASE("prediction 3.1: the ratio of families' mean |gamma_L| against 5 (eq. (8): 40 / 1)") {
  // Family a: |gamma_L| = 400 and 200 (mean 300); family b: 40 (-4% / 0.1): ratio 7.5 > 5.
  const std::vector<intervention_summary> s{with_changes("a1", "a", -40, 1, 1),
                                            with_changes("a2", "a", 20, 1, 1),
                                            with_changes("b1", "b", -4, 1, 1)};
  const auto rows = local_brittleness_predictions(s);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].scope == "length_variance");
  CHECK(rows[0].value == doctest::Approx(7.5));
  CHECK(rows[0].outcome == verdict::holds);
  const auto close =
      local_brittleness_predictions({with_changes("a1", "a", -10, 1, 1), with_changes("b1", "b", -4, 1, 1)});
  CHECK(close[0].value == doctest::Approx(2.5));
  CHECK(close[0].outcome == verdict::fails);
  CHECK(local_brittleness_predictions({with_changes("a1", "a", -10, 1, 1)})[0].outcome ==
        verdict::not_testable);
  // Above 5x, but the brittle family's local change is not significant (p = 0.3): no evidence.
  const auto noise = local_brittleness_predictions(
      {with_changes("a1", "a", -40, 1, 1, 0.001, 0.3), with_changes("b1", "b", -4, 1, 1)});
  CHECK(noise[0].value == doctest::Approx(10.0));
  CHECK(noise[0].outcome == verdict::fails);
  CHECK(noise[0].note.find("not all significant") != std::string::npos);
}

TEST_CASE("run_study: Experiment 2 fills predictions 2.1 (per model) and 3.1 (per metric), and Table 2") {
  std::vector<study_model> models{{"a1", "a", three_layers(), {}}, {"b1", "b", three_layers(), {}}};
  const auto without = run_study(models);
  int not_run = 0;
  for (const auto& p : without.predictions) not_run += p.outcome == verdict::not_run ? 1 : 0;
  CHECK(not_run == 2);
  const auto with =
      run_study(models, {}, {with_changes("a1", "a", -40, 30, 5), with_changes("b1", "b", -1, 30, 5)});
  std::vector<std::string> seen;
  for (const auto& p : with.predictions) seen.push_back(p.id + ":" + p.scope + ":" + name_of(p.outcome));
  CHECK(std::find(seen.begin(), seen.end(), "2.1:a1:fails") != seen.end());
  CHECK(std::find(seen.begin(), seen.end(), "2.1:b1:holds") != seen.end());
  CHECK(std::find(seen.begin(), seen.end(), "3.1:length_variance:holds") != seen.end());  // 400 / 10
  const std::string md = format_markdown(with);
  CHECK(md.find("Experiments 1, 2 and 3") != std::string::npos);
  CHECK(md.find("| L | 0 | -40.0% (p=0.001*) |") != std::string::npos);
  CHECK(format_json(with).find("\"table2\"") != std::string::npos);
  CHECK(intervention_bars_svg(with.interventions[0]).find("<rect") != std::string::npos);
  CHECK_THROWS_WITH_AS(static_cast<void>(run_study(models, {}, {with_changes("zz", "a", 1, 2, 3)})),
                       doctest::Contains("names model 'zz', which is not in the study"), error);
}

TEST_CASE("scales_of: blocks between Experiment 1's boundaries, else equal thirds, with the source stated") {
  // Table 1's Llama-2-7B: L-I at layer 13, I-G at 16 of 32 (layer k = output of block k - 1).
  const scale_layers s = scales_between(32, 13, 16);
  CHECK(s.local.size() == 12);
  CHECK(s.local.back() == 11);
  CHECK(s.intermediate == std::vector<std::size_t>{12, 13, 14});
  CHECK(s.global.front() == 15);
  CHECK(s.global.back() == 31);
  CHECK_THROWS_WITH_AS(static_cast<void>(scales_between(12, 5, 5)),
                       doctest::Contains("2 <= li < ig <= layers"), error);
  layer_report r = three_layers();  // 6 layers, no boundary
  const scale_layers thirds = scales_of(r);
  CHECK(thirds.local == std::vector<std::size_t>{0, 1});
  CHECK(thirds.intermediate == std::vector<std::size_t>{2, 3});
  CHECK(thirds.global == std::vector<std::size_t>{4, 5});
  CHECK(thirds.source == "equal thirds of depth (Experiment 1 found no boundary)");
  boundary_estimate li, ig;
  li.name = "L-I";
  li.pair = 1;  // layer 2
  ig.name = "I-G";
  ig.pair = 3;  // layer 4
  ig.accepted = li.accepted = true;
  r.boundaries = {li, ig};
  const scale_layers found = scales_of(r);
  CHECK(found.local == std::vector<std::size_t>{0});
  CHECK(found.intermediate == std::vector<std::size_t>{1, 2});
  CHECK(found.global == std::vector<std::size_t>{3, 4, 5});
  CHECK(found.source == "boundaries at layers 2 and 4 (both accepted)");
}

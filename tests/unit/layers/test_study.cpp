#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/layers/study.hpp>
#include <infoscale/layers/study_format.hpp>
#include <infoscale/layers/study_svg.hpp>
#include <string>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// A report with boundaries starting at the given layers (0: none), as Table 1 prints them.
layer_report boundaries_at(std::size_t layers, std::size_t li, std::size_t ig) {
  layer_report r;
  r.layers = layers;
  r.cka.assign(layers, 0.5);
  r.s1.assign(layers, 2.0);
  r.evidence.assign(layers, 1.0);
  const auto add = [&](const char* name, std::size_t layer) {
    boundary_estimate b;
    b.name = name;
    b.pair = layer - 1;
    b.relative_position = static_cast<double>(layer) / static_cast<double>(layers);
    b.accepted = true;
    b.detection_rate = std::numeric_limits<double>::quiet_NaN();  // as without a bootstrap
    r.boundaries.push_back(b);
  };
  if (li != 0 && ig != 0) {
    add("L-I", li);
    add("I-G", ig);
  } else if (li != 0) {
    add("one", li);
  }
  return r;
}

}  // namespace

TEST_CASE("run_study: the paper's Table 1 positions give its Table 3 means, CVs and the eq. (2) drift") {
  // MS Table 1: Llama-2-7B and Llama-3-8B at layers 13 and 16 of 32; Qwen1.5-7B at 2 and 8 of 32,
  // Qwen2.5-7B at 2 and 20 of 28.
  std::vector<study_model> models{{"Llama-2-7B", "llama", boundaries_at(32, 13, 16), {}},
                                  {"Llama-3-8B", "llama", boundaries_at(32, 13, 16), {}},
                                  {"Qwen1.5-7B", "qwen", boundaries_at(32, 2, 8), {}},
                                  {"Qwen2.5-7B", "qwen", boundaries_at(28, 2, 20), {}}};
  const study_report s = run_study(models);
  REQUIRE(s.rows.size() == 4);
  CHECK(s.rows[0].li->layer == 13);
  CHECK(s.rows[0].li->relative == doctest::Approx(0.40625));      // "40.6%"
  CHECK(s.rows[3].ig->relative == doctest::Approx(20.0 / 28.0));  // "71.4%"
  REQUIRE(s.families.size() == 2);
  const family_summary& llama = s.families[0];
  const family_summary& qwen = s.families[1];
  CHECK(llama.li.cv == 0.0);  // Table 3: 0.00
  CHECK(llama.ig.cv == 0.0);
  // Two values: CV = |a - b| / (a + b). Table 3 prints 0.06 and 0.48 (from the rounded 6.3% and 7.1%).
  const double a = 2.0 / 32, b = 2.0 / 28, c = 8.0 / 32, d = 20.0 / 28;
  INFOSCALE_CHECK_CLOSE(qwen.li.cv, (b - a) / (a + b), 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(qwen.ig.cv, (d - c) / (c + d), 1e-14, 0.0);
  CHECK(qwen.ig.cv == doctest::Approx(0.48).epsilon(0.01));
  CHECK(qwen.li.mean == doctest::Approx(0.067).epsilon(0.01));  // "6.7%"
  CHECK(qwen.ig.mean == doctest::Approx(0.482).epsilon(0.01));  // "48.2%"
  CHECK(*qwen.ig_drift == doctest::Approx(d - c));              // 46.4 points
  // Scorecard: 1.1 holds for both families, 3.2 holds for Qwen only (as the paper reads it).
  const auto find = [&](const std::string& id, const std::string& scope) {
    for (const auto& p : s.predictions)
      if (p.id == id && p.scope == scope) return p;
    FAIL("missing prediction " << id << " " << scope);
    return prediction_result{};
  };
  CHECK(find("1.1", "llama").outcome == verdict::holds);
  CHECK(find("1.1", "qwen").outcome == verdict::holds);
  CHECK(find("3.2", "llama").outcome == verdict::fails);
  CHECK(find("3.2", "qwen").outcome == verdict::holds);
  CHECK(find("1.2", "Qwen2.5-7B").outcome == verdict::not_testable);  // no labels: no profile
  CHECK(find("2.1", "all").outcome == verdict::not_run);
  CHECK(find("3.1", "all").outcome == verdict::not_run);
  const std::string md = format_markdown(s);
  CHECK(md.find("| Qwen2.5-7B | qwen | 28 | S1 | 2 | 20 | 7.1% (no CI) | 71.4% (no CI) |") !=
        std::string::npos);
  CHECK(md.find("| qwen | Qwen1.5-7B, Qwen2.5-7B | 6.7% | 0.07 - | 48.2% | 0.48 - | 0.464 - |") !=
        std::string::npos);
  const auto json = nlohmann::json::parse(format_json(s));
  CHECK(json["table3"][1]["i_g_drift"].get<double>() == doctest::Approx(d - c));
  CHECK(json["predictions"].size() == s.predictions.size());
  CHECK(study_positions_svg(s).find("Qwen2.5-7B (qwen)") != std::string::npos);
}

TEST_CASE("run_study: CIs pair resample r across a family's models; odd families are stated, not crashed") {
  std::vector<study_model> models{{"a", "f", boundaries_at(10, 2, 6), {}},
                                  {"b", "f", boundaries_at(10, 3, 7), {}},
                                  {"single", "g", boundaries_at(12, 4, 0), {}},
                                  {"alone", "h", boundaries_at(12, 3, 9), {}}};
  // Resampled pairs: model a's L-I moves over layers 1..3, b's stays at layer 3.
  models[0].report.resampled = {{0, 5}, {1, 5}, {2, 5}, {1, 5}, {0, 5}};
  models[1].report.resampled = {{2, 6}, {2, 6}, {2, 6}, {2, 6}, {2, 6}};
  const study_report s = run_study(models);
  std::vector<double> cvs;
  for (const double pa : {0.0, 1.0, 2.0, 1.0, 0.0}) {
    const double x = (pa + 1) / 10, y = 0.3;
    cvs.push_back(std::abs(x - y) / (x + y));
  }
  const auto expected = percentile_interval(cvs, 0.95);
  REQUIRE(s.families[0].li.cv_ci);
  CHECK(s.families[0].li.cv_ci->lower == doctest::Approx(expected.lower));
  CHECK(s.families[0].li.cv_ci->upper == doctest::Approx(expected.upper));
  // The I-G drift is 0.1 on every resample (layers 6 and 7).
  CHECK(s.families[0].ig_drift_ci->lower == doctest::Approx(0.1));
  CHECK(s.families[0].ig_drift_ci->upper == doctest::Approx(0.1));
  // A boundary absent from more than 5% of the resamples has no 95% interval (bootstrap.hpp).
  models[0].report.resampled[4][0] = std::numeric_limits<double>::quiet_NaN();
  CHECK(run_study(models).families[0].li.cv_ci->status == interval_status::no_estimate);
  // One boundary: neither L-I nor I-G, said in the notes; one-model families: no CV.
  CHECK(s.rows[2].one);
  CHECK(!s.rows[2].li);
  bool noted = false;
  for (const auto& n : s.notes) noted = noted || n.find("single: one boundary only") != std::string::npos;
  CHECK(noted);
  for (const auto& p : s.predictions) {
    if (p.scope == "g" || p.scope == "h") {
      CHECK(p.outcome == verdict::not_testable);
      CHECK(p.note.find("one model") != std::string::npos);
    }
  }
  // Prediction 1.2 is tested at accepted boundaries only.
  std::vector<study_model> kinked{{"k", "f", boundaries_at(10, 2, 6), {}}};
  layer_report& kr = kinked[0].report;
  kr.bootstrap = bootstrap_description{};
  kr.information.assign(11, 1.0);
  for (const auto& b : kr.boundaries) {
    information_kink k;
    k.boundary = b.name;
    k.pair = b.pair;
    k.jump = 0.5;
    k.ci = confidence_interval{0.1, 0.9};
    kr.kinks.push_back(k);
  }
  kr.boundaries[1].accepted = false;
  const auto verdict_12 = [](const study_report& r) {
    for (const auto& p : r.predictions)
      if (p.id == "1.2") return p;
    return prediction_result{};
  };
  const auto one_tested = verdict_12(run_study(kinked));
  CHECK(one_tested.outcome == verdict::holds);
  CHECK(one_tested.measured.find("1 of 1 accepted") == 0);
  CHECK(one_tested.note.find("I-G jump 0.5 bits/layer (CI excludes 0), boundary not accepted") !=
        std::string::npos);
  kr.boundaries[0].accepted = false;
  const auto none_tested = verdict_12(run_study(kinked));
  CHECK(none_tested.outcome == verdict::not_testable);
  CHECK(none_tested.note.find("no accepted boundary") == 0);
  kr.boundaries[0].accepted = true;
  kr.kinks[0].ci = confidence_interval{-0.1, 0.9};
  CHECK(verdict_12(run_study(kinked)).outcome == verdict::fails);
  CHECK_THROWS_WITH_AS((void)run_study({}), doctest::Contains("'models'"), infoscale::error);
  std::vector<study_model> twice{{"a", "f", boundaries_at(10, 2, 6), {}},
                                 {"a", "f", boundaries_at(10, 2, 6), {}}};
  CHECK_THROWS_WITH_AS((void)run_study(twice), doctest::Contains("twice"), infoscale::error);
  std::vector<study_model> nameless{{"a", "", boundaries_at(10, 2, 6), {}}};
  CHECK_THROWS_WITH_AS((void)run_study(nameless), doctest::Contains("no family"), infoscale::error);
}

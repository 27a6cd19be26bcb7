// Eqs. (4), (5), (6), (12)-(15), §9.1 and §9.3 against hand-computed values and closed forms.

#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "close.hpp"
#include "infoscale/entropic.hpp"

namespace e = infoscale::entropic;

TEST_CASE("entropic: retention under distillation, eq. (4)") {
  // Teacher n = 41, student n = 35: exp(-(41 log2 41 - 35 log2 35) / (41 log2 41)).
  const double teacher = 41 * std::log2(41.0);
  const double student = 35 * std::log2(35.0);
  ENTROPIC_CHECK_CLOSE(e::retention(41, 35, 1.0), std::exp(-(teacher - student) / teacher), 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::retention(41, 35, 1.0), 0.833007, 0.0, 1e-6);
  ENTROPIC_CHECK_CLOSE(e::retention(41, 35, 2.5), std::exp(-2.5 * (teacher - student) / teacher), 1e-14, 0.0);
  // kappa cancels: the capacity form with any kappa gives the level form.
  ENTROPIC_CHECK_CLOSE(e::retention_from_capacities(e::capacity(41, 7.0), e::capacity(35, 7.0), 1.0),
                       e::retention(41, 35, 1.0), 1e-14, 0.0);
  CHECK(e::retention(30, 30, 3.0) == 1.0);
  CHECK(e::retention(41, 20, 0.0) == 1.0);
  // Diminishing: a larger gap retains less.
  double previous = 1.0;
  for (int student_level = 40; student_level >= 2; --student_level) {
    const double r = e::retention(41, student_level, 1.0);
    CHECK(r < previous);
    previous = r;
  }
  ENTROPIC_CHECK_CLOSE(e::retention_from_capacities(100.0, 0.0, 1.0), std::exp(-1.0), 1e-14, 0.0);
}

TEST_CASE("entropic: adjunction error ~ 1/(n log n), eq. (5)") {
  CHECK(e::adjunction_error(32) == 1.0 / 160.0);
  CHECK(e::adjunction_error(2, 3.0) == 1.5);
  ENTROPIC_CHECK_CLOSE(e::adjunction_error(30, 0.5), 0.5 / (30 * std::log2(30.0)), 1e-14, 0.0);
  CHECK(e::adjunction_error(64) < e::adjunction_error(32));
}

TEST_CASE("entropic: optimal distillation gap sqrt(n_T), eq. (14)") {
  ENTROPIC_CHECK_CLOSE(e::optimal_distillation_gap(41), std::sqrt(41.0), 1e-15, 0.0);
  CHECK(e::optimal_distillation_gap(36) == 6.0);
  CHECK(e::optimal_student_level(41) == 35);  // 41 - round(6.40)
  CHECK(e::optimal_student_level(37) == 31);  // 37 - round(6.08)
  CHECK(e::optimal_student_level(42) == 36);  // 42 - round(6.48)
  CHECK(e::optimal_student_level(4) == 2);
  // What the rule keeps: retention from GPT-4's level to its optimal student.
  MESSAGE("retention 41 -> 35 at alpha = 1: " << e::retention(41, e::optimal_student_level(41), 1.0));
}

TEST_CASE("entropic: emergence level and Table 2's ladder, eq. (6)") {
  for (double threshold = 0.0; threshold < 400.0; threshold += 3.3) {
    long n = 2;
    while (n * std::log2(static_cast<double>(n)) < threshold) ++n;
    CHECK(e::emergence_level(threshold) == n);
    // Thresholds are in kappa bits: the same threshold * kappa emerges at the same level.
    CHECK(e::emergence_level(threshold * 2.5, 2.5) == n);
  }
  const auto at_37 = e::emerged_capabilities(37);
  REQUIRE(at_37.size() == 3);
  CHECK(at_37.back().name.view() == "Multi-step reasoning");
  CHECK(e::emerged_capabilities(24).empty());
  CHECK(e::emerged_capabilities(100).size() == 5);
}

TEST_CASE("entropic: model selection, §9.1") {
  CHECK(e::select_level(0.0) == 2);
  CHECK(e::select_level(150.0) == 31);  // 30 log2 30 = 147.2 < 150 <= 153.6 = 31 log2 31
  CHECK(e::select_level(300.0, 2.0) == 31);
  // Against a search over the catalogue by hand: the least capacity reaching I_task.
  for (const double task : {0.0, 100.0, 150.0, 160.0, 200.0, 219.0, 220.0}) {
    std::optional<e::model_spec> expected;
    double best = 0.0;
    for (const auto& m : e::models::catalogue) {
      const double t = e::default_calibration.a * std::log2(static_cast<double>(m.parameters)) +
                       e::default_calibration.b * std::log2(static_cast<double>(m.vocabulary)) +
                       e::default_calibration.c;
      const double n = std::floor(t);
      const double i = n * std::log2(n);
      if (i >= task && (!expected || i < best || (i == best && m.parameters < expected->parameters))) {
        expected = m;
        best = i;
      }
    }
    const auto chosen = e::select_model<e::model_spec>(e::models::catalogue, task);
    REQUIRE(chosen.has_value() == expected.has_value());
    if (chosen) CHECK(chosen->name == expected->name);
  }
  CHECK_FALSE(e::select_model<e::model_spec>(e::models::catalogue, 1e6).has_value());
  constexpr auto compile_time = e::select_model<e::model_spec>(e::models::paper::table_1, 150.0);
  static_assert(compile_time->name == e::models::paper::gpt2_large.name);  // level 31, 153.6 bits
}

TEST_CASE("entropic: fine-tuning schedule ~ 1/(n log n) and n log n, §9.3") {
  const e::fine_tuning_schedule reference{3e-4, 32.0, 1000.0};
  const auto schedule = e::scaled_fine_tuning_schedule(41, 27, reference);
  const double ratio = 41 * std::log2(41.0) / (27 * std::log2(27.0));  // 1.710985
  ENTROPIC_CHECK_CLOSE(schedule.learning_rate, 3e-4 / ratio, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(schedule.batch_size, 32.0 * ratio, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(schedule.training_steps, 1000.0 * ratio, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(ratio, 1.710985, 0.0, 1e-6);
  // Base-free: the ratio is the same with natural logarithms.
  ENTROPIC_CHECK_CLOSE(ratio, 41 * std::log(41.0) / (27 * std::log(27.0)), 1e-14, 0.0);
  CHECK(e::scaled_fine_tuning_schedule(27, 27, reference) == reference);
}

TEST_CASE("entropic: classical law (12) and entropic law (13)") {
  CHECK(e::classical_loss(8.8e13) == doctest::Approx(1.0).epsilon(1e-15));
  for (const double n_params : {1e6, 1.17e8, 1.75e11, 1.7e12}) {
    ENTROPIC_CHECK_CLOSE(e::classical_loss(n_params), std::pow(8.8e13 / n_params, 0.076), 1e-13, 0.0);
    ENTROPIC_CHECK_CLOSE(e::classical_loss(n_params, {1e10, 0.3}), std::pow(1e10 / n_params, 0.3), 1e-13,
                         0.0);
  }
  ENTROPIC_CHECK_CLOSE(e::entropic_loss(32, 0.01), std::exp(-1.6), 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::entropic_loss(30, 0.02, 1.5, 4.0),
                       4.0 * std::exp(-0.02 * 1.5 * 30 * std::log2(30.0)), 1e-14, 0.0);
}

TEST_CASE("entropic: fitting beta of eq. (13) recovers exact data and measures the classical mismatch") {
  std::vector<double> levels;
  std::vector<double> losses;
  for (double n = 20; n <= 45; n += 1.5) {
    levels.push_back(n);
    losses.push_back(e::entropic_loss(n, 0.004, 1.0, 3.0));
  }
  const auto exact = e::fit_entropic_law(levels, losses);
  ENTROPIC_CHECK_CLOSE(exact.beta, 0.004, 1e-10, 0.0);
  ENTROPIC_CHECK_CLOSE(exact.log_prefactor, std::log(3.0), 1e-10, 0.0);
  CHECK(exact.rms_log_residual < 1e-12);

  // Kaplan's curve from 1e7 to 1e12 parameters (V = 50257), n from eq. (1)'s continuous argument.
  std::vector<double> counts;
  for (double p = 1e7; p <= 1.0001e12; p *= std::pow(10.0, 0.25)) counts.push_back(p);
  const auto fit = e::fit_entropic_law_to_classical(counts, 50257.0);
  // Reference: ordinary least squares of ln L on x = -I(n) in closed form.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const double p : counts) {
    const double t = e::default_calibration.a * std::log2(p) + e::default_calibration.b * std::log2(50257.0) +
                     e::default_calibration.c;
    const double x = -t * std::log2(t);
    const double y = 0.076 * std::log(8.8e13 / p);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = static_cast<double>(counts.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  ENTROPIC_CHECK_CLOSE(fit.beta, slope, 1e-9, 0.0);
  ENTROPIC_CHECK_CLOSE(fit.log_prefactor, (sy - slope * sx) / n, 1e-9, 1e-12);
  MESSAGE("eq. (13) fitted to Kaplan's eq. (12), 1e7..1e12 parameters: beta = "
          << fit.beta << ", prefactor = " << std::exp(fit.log_prefactor) << ", rms |ln L| residual "
          << fit.rms_log_residual << ", max " << fit.max_abs_log_residual);
  // A power law in N is linear in log N, while I(n) is n log n in it: the shapes differ measurably.
  CHECK(fit.rms_log_residual > 1e-3);
  CHECK(fit.beta > 0.0);
}

TEST_CASE("entropic: scaling limit, eq. (15)") {
  CHECK(e::scaling_limit(24.0) == 8);
  CHECK(e::scaling_limit(23.99) == 7);
  for (const double universe : {1e3, 1e6, 1e12, 1e15}) {
    const long n_max = e::scaling_limit(universe, 2.0);
    CHECK(2.0 * n_max * std::log2(static_cast<double>(n_max)) <= universe);
    CHECK(2.0 * (n_max + 1) * std::log2(static_cast<double>(n_max + 1)) > universe);
    const double continuous = e::continuous_scaling_limit(universe, 2.0);
    CHECK(std::floor(continuous) == doctest::Approx(static_cast<double>(n_max)));
  }
}

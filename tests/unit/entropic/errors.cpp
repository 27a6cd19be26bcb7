// Bad input raises infoscale::error at run time, naming the function and the argument. (The same
// checks make constant evaluation fail: tests/static/entropic_tables.cpp.)

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "infoscale/entropic.hpp"

namespace e = infoscale::entropic;

namespace {
const double not_a_number = std::numeric_limits<double>::quiet_NaN();
const double infinity = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("entropic: bad level and capacity input throws infoscale::error") {
  CHECK_THROWS_AS((void)e::level(1.0, 50257), infoscale::error);  // P <= 1
  CHECK_THROWS_AS((void)e::level(0.5, 50257), infoscale::error);
  CHECK_THROWS_AS((void)e::level(not_a_number, 50257), infoscale::error);
  CHECK_THROWS_AS((void)e::level(1e9, 1.0), infoscale::error);  // V < 2
  CHECK_THROWS_AS((void)e::level(1e9, infinity), infoscale::error);
  CHECK_THROWS_AS((void)e::level(1e9, 50257, {not_a_number, 0, 0}), infoscale::error);
  CHECK_THROWS_AS((void)e::level(1e9, 50257, {1e12, 0, 0}), infoscale::error);  // level overflows int
  CHECK_THROWS_AS((void)e::capacity(1.5), infoscale::error);                    // n < 2
  CHECK_THROWS_AS((void)e::capacity(not_a_number), infoscale::error);
  CHECK_THROWS_AS((void)e::capacity(30, 0.0), infoscale::error);  // kappa <= 0
  CHECK_THROWS_AS((void)e::capacity(30, -1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::capacity_nats(1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::minimum_level(-1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::minimum_level(1e300), infoscale::error);  // beyond any representable level
  CHECK_THROWS_AS((void)e::maximum_level(1.0), infoscale::error);    // below I(2)
  CHECK_THROWS_AS((void)e::continuous_level(-1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::continuous_level(10.0, 0.0), infoscale::error);
  try {
    (void)e::capacity(30, -2.0);
    FAIL("no throw");
  } catch (const infoscale::error& error) {
    CHECK(error.function() == "capacity");
    CHECK(error.argument() == "kappa");
    CHECK(std::string(error.what()).find("-2") != std::string::npos);
  }
}

TEST_CASE("entropic: bad formula input throws infoscale::error") {
  CHECK_THROWS_AS((void)e::emergence_level(-5.0), infoscale::error);  // threshold out of range
  CHECK_THROWS_AS((void)e::emergence_level(not_a_number), infoscale::error);
  CHECK_THROWS_AS((void)e::emergence_level(100, 0.0), infoscale::error);
  CHECK_THROWS_AS((void)e::has_emerged({"bad", 10, -1.0}, 30), infoscale::error);
  CHECK_THROWS_AS((void)e::has_emerged(e::models::paper::table_2[0], 1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::retention(30, 35, 1.0), infoscale::error);  // student above teacher
  CHECK_THROWS_AS((void)e::retention(30, 20, -1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::retention(30, 1, 1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::retention_from_capacities(0.0, 0.0, 1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::adjunction_error(1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::optimal_student_level(3), infoscale::error);
  CHECK_THROWS_AS((void)e::phase_transition_curvature(30, 0.0), infoscale::error);
  CHECK_THROWS_AS((void)e::select_level(-1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::select_model<e::model_spec>(e::models::catalogue, 10.0, -1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::scaled_fine_tuning_schedule(1.0, 27, {1e-4, 32, 100}), infoscale::error);
  CHECK_THROWS_AS((void)e::scaled_fine_tuning_schedule(30, 27, {0.0, 32, 100}), infoscale::error);
  CHECK_THROWS_AS((void)e::classical_loss(0.0), infoscale::error);
  CHECK_THROWS_AS((void)e::classical_loss(1e9, {1e13, -0.1}), infoscale::error);
  CHECK_THROWS_AS((void)e::entropic_loss(30, -0.1), infoscale::error);
  CHECK_THROWS_AS((void)e::scaling_limit(1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::model_free_energy(30, 0.0, 1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::model_free_energy(30, 1.0, -1.0), infoscale::error);
  CHECK_THROWS_AS((void)e::within_parameter_bound(1.0, 30), infoscale::error);
  CHECK_THROWS_AS((void)e::behavioural_distance(-0.1, 30, 31, 0.1), infoscale::error);
  CHECK_THROWS_AS((void)e::behavioural_distance(0.1, 30, 31, -0.1), infoscale::error);
  CHECK_THROWS_AS((void)e::distance_scaling(30, -1, 1.0), infoscale::error);
  const std::vector<double> one{1.0};
  const std::vector<double> two{1.0, 2.0};
  CHECK_THROWS_AS((void)e::fit_distance_scale(one, two), infoscale::error);
  CHECK_THROWS_AS((void)e::fit_distance_scale(std::vector<double>{0.0}, one), infoscale::error);
  CHECK_THROWS_AS((void)e::fit_entropic_law(two, one), infoscale::error);
  CHECK_THROWS_AS((void)e::fit_entropic_law(std::vector<double>{30, 30}, two), infoscale::error);
  CHECK_THROWS_AS((void)e::fit_entropic_law(std::vector<double>{30, 31}, std::vector<double>{1.0, 0.0}),
                  infoscale::error);
  // Next-token rows that are not distributions are refused by info/.
  std::vector<double> bad{0.5, 0.6};
  std::vector<double> good{0.5, 0.5};
  CHECK_THROWS_AS((void)e::behaviour_divergence(infoscale::make_view<2>(bad, {1, 2}),
                                                infoscale::make_view<2>(good, {1, 2})),
                  infoscale::error);
}

TEST_CASE("entropic: bad calibration input throws infoscale::error") {
  const std::vector<e::level_observation> none;
  CHECK_THROWS_AS((void)e::calibrate_exact(none), infoscale::error);
  CHECK_THROWS_AS((void)e::calibrate_least_squares(none), infoscale::error);
  const std::vector<e::level_observation> rows{{1.0, 50257, 27}};
  CHECK_THROWS_AS((void)e::calibrate_exact(rows), infoscale::error);
  const std::vector<e::level_observation> good{{1e8, 50257, 27}};
  CHECK_THROWS_AS((void)e::calibrate_exact(good, {.a = 1.0, .b = 0.0, .c = 0.0}), infoscale::error);
  CHECK_THROWS_AS((void)e::calibrate_exact(good, {.box = -1.0}), infoscale::error);
  CHECK_THROWS_AS((void)e::calibrate_least_squares(good, {.a = 1.0, .b = 0.0, .c = 0.0}), infoscale::error);
  const std::vector<int> levels{27, 31};
  CHECK_THROWS_AS((void)e::observations<e::model_spec>(e::models::paper::table_1, levels), infoscale::error);
}

#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/lm.hpp>
#include <infoscale/thermo/sentence_ensemble.hpp>
#include <numbers>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// Continuations "", "1", "1 2", "2 2" of the prompt "1" with probabilities 0.5, 0.3, 0.15, 0.05.
continuation_table small_clm() {
  return continuation_table(vocabulary(3, 0),
                            {{sentence{1}, {{{}, 0.5}, {{1}, 0.3}, {{1, 2}, 0.15}, {{2, 2}, 0.05}}}});
}

}  // namespace

TEST_CASE("thermo sentence: the ensemble of a finite CLM against direct sums") {
  const auto e = make_sentence_ensemble(small_clm(), sentence{1});
  REQUIRE(e.energies.size() == 4);
  const std::vector<double> p{0.5, 0.3, 0.15, 0.05};
  for (const double t : {0.3, 1.0, 2.5}) {
    // Naive sums over the four microstates (independent of the moments monoid).
    double z = 0, u_num = 0, e2_num = 0;
    for (const double pi : p) {
      const double energy = -std::log(pi), w = std::pow(pi, 1.0 / t);
      z += w;
      u_num += w * energy;
      e2_num += w * energy * energy;
    }
    const double u = u_num / z, var = e2_num / z - u * u;
    const auto s = e.at(t);
    INFO("T = " << t);
    CHECK(s.log_partition == doctest::Approx(std::log(z)).epsilon(1e-14));
    CHECK(s.internal_energy == doctest::Approx(u).epsilon(1e-13));
    CHECK(s.free_energy == doctest::Approx(-t * std::log(z)).epsilon(1e-13));
    CHECK(s.entropy == doctest::Approx((u + t * std::log(z)) / t).epsilon(1e-13));
    CHECK(s.heat_capacity == doctest::Approx(var / (t * t)).epsilon(1e-11));
  }
  // At T = 1 the ensemble is the model: Z = 1, F = 0, U = S = the entropy of P(.|s).
  const auto one = e.at(1.0);
  double h = 0;
  for (const double pi : p) h -= pi * std::log(pi);
  CHECK(one.log_partition == doctest::Approx(0.0).scale(1.0));
  CHECK(one.entropy == doctest::Approx(h).epsilon(1e-14));
  CHECK(one.internal_energy == doctest::Approx(h).epsilon(1e-14));
  const auto law = e.probabilities(1.0);
  for (std::size_t i = 0; i < 4; ++i) CHECK(law[i] == doctest::Approx(p[i]).epsilon(1e-14));
}

TEST_CASE("thermo sentence: identities by finite differences and limits") {
  const std::vector<double> energies{0.2, 1.0, 1.0, 2.5, 3.0, 0.9};
  const double h = 1e-5;
  for (const double t : {0.5, 1.3, 4.0}) {
    const auto s = ensemble_thermodynamics(energies, t);
    const auto up = ensemble_thermodynamics(energies, t + h), down = ensemble_thermodynamics(energies, t - h);
    const auto bu = ensemble_thermodynamics(energies, 1 / (1 / t + h));
    const auto bd = ensemble_thermodynamics(energies, 1 / (1 / t - h));
    INFO("T = " << t);
    CHECK(s.free_energy == doctest::Approx(s.internal_energy - t * s.entropy).epsilon(1e-13));
    INFOSCALE_CHECK_CLOSE(-(up.free_energy - down.free_energy) / (2 * h), s.entropy, 1e-7, 1e-8);
    INFOSCALE_CHECK_CLOSE(-(bu.log_partition - bd.log_partition) / (2 * h), s.internal_energy, 1e-7, 1e-8);
    INFOSCALE_CHECK_CLOSE((up.internal_energy - down.internal_energy) / (2 * h), s.heat_capacity, 1e-6, 1e-8);
    CHECK(s.heat_capacity >= 0.0);
    CHECK(s.entropy >= 0.0);
    CHECK(s.entropy <= std::log(6.0) + 1e-14);
    // A per-prompt energy shift moves U and F by the shift, not S or C.
    std::vector<double> shifted(energies);
    for (auto& x : shifted) x += 7.5;
    const auto sh = ensemble_thermodynamics(shifted, t);
    CHECK(sh.entropy == doctest::Approx(s.entropy).epsilon(1e-12));
    CHECK(sh.heat_capacity == doctest::Approx(s.heat_capacity).epsilon(1e-10));
    CHECK(sh.internal_energy == doctest::Approx(s.internal_energy + 7.5).epsilon(1e-13));
    CHECK(sh.free_energy == doctest::Approx(s.free_energy + 7.5).epsilon(1e-13));
  }
  // T -> 0: S -> log(#ground states); T -> inf: S -> log N.
  const std::vector<double> two_ground{1.0, 1.0, 2.0, 3.0};
  CHECK(ensemble_thermodynamics(two_ground, 0.01).entropy == doctest::Approx(std::log(2.0)).epsilon(1e-12));
  CHECK(ensemble_thermodynamics(two_ground, 1e6).entropy == doctest::Approx(std::log(4.0)).epsilon(1e-6));
}

TEST_CASE("thermo sentence: a PLM's enumerated ensemble at T = 1 has the entropy function as entropy") {
  const vocabulary v(3, 0);
  const table_lm m(v, {{sentence{}, {0.4, 0.35, 0.25}},
                       {sentence{1, 1}, {1.0, 0.0, 0.0}},
                       {sentence{2, 2}, {1.0, 0.0, 0.0}},
                       {sentence{1, 2}, {1.0, 0.0, 0.0}},
                       {sentence{2, 1}, {1.0, 0.0, 0.0}}});
  const sentence prompt{2};
  const auto e = make_sentence_ensemble(m, prompt);
  CHECK(e.truncated_mass == 0.0);
  CHECK(e.energies.size() == 3);  // "", "1", "2"
  const auto s = e.at(1.0);
  CHECK(s.entropy == doctest::Approx(entropy_function(m, prompt).entropy).epsilon(1e-13));
  CHECK(s.log_partition == doctest::Approx(0.0).scale(1.0));
  // With truncation, Z(1) = 1 - truncated mass.
  const std::vector<double> geometric{0.5, 0.5};
  const table_lm g(vocabulary(2, 0), {{sentence{}, geometric}});
  const auto cut = make_sentence_ensemble(g, sentence{1}, {.max_length = 5});
  CHECK(cut.truncated_mass == doctest::Approx(std::pow(0.5, 6)));
  CHECK(std::exp(cut.at(1.0).log_partition) == doctest::Approx(1 - std::pow(0.5, 6)).epsilon(1e-14));
  const std::vector<double> temps{0.5, 1.0, 2.0};
  CHECK(cut.scan(temps).size() == 3);
}

TEST_CASE("thermo sentence: bad input raises infoscale::error") {
  const std::vector<double> energies{1.0, 2.0}, none;
  CHECK_THROWS_WITH_AS(ensemble_thermodynamics(energies, 0.0), doctest::Contains("temperature"),
                       infoscale::error);
  CHECK_THROWS_AS(ensemble_thermodynamics(energies, -1.0), infoscale::error);
  CHECK_THROWS_WITH_AS(ensemble_thermodynamics(none, 1.0), doctest::Contains("energies"), infoscale::error);
  const std::vector<double> bad{1.0, NAN};
  CHECK_THROWS_AS(ensemble_thermodynamics(bad, 1.0), infoscale::error);
  const auto e = make_sentence_ensemble(small_clm(), sentence{1});
  const std::vector<double> no_temps;
  CHECK_THROWS_AS(e.scan(no_temps), infoscale::error);
  CHECK_THROWS_AS(make_sentence_ensemble(small_clm(), sentence{2}), infoscale::error);  // unknown prompt
}

// Behavioural distance (8) from next-token distributions through info/, distance scaling (9) and
// its d0 fit, model free energy (10) through thermo/, against hand-computed values.

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "close.hpp"
#include "infoscale/entropic.hpp"

namespace e = infoscale::entropic;

namespace {
// KL(p || q) and JS(p, q) in nats, written out.
double kl(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (p[k] > 0) s += p[k] * std::log(p[k] / q[k]);
  }
  return s;
}
double js(const std::vector<double>& p, const std::vector<double>& q) {
  std::vector<double> m(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) m[k] = 0.5 * (p[k] + q[k]);
  return 0.5 * kl(p, m) + 0.5 * kl(q, m);
}
}  // namespace

TEST_CASE("entropic: Beh(i, j) is the mean next-token divergence over positions") {
  // Two positions, vocabulary 3.
  std::vector<double> model_i{0.5, 0.3, 0.2, 0.9, 0.05, 0.05};
  std::vector<double> model_j{0.2, 0.3, 0.5, 0.6, 0.3, 0.1};
  const auto p_i = infoscale::make_view<2>(model_i, {2, 3});
  const auto p_j = infoscale::make_view<2>(model_j, {2, 3});
  const std::vector<double> a0(model_i.begin(), model_i.begin() + 3), a1(model_i.begin() + 3, model_i.end());
  const std::vector<double> b0(model_j.begin(), model_j.begin() + 3), b1(model_j.begin() + 3, model_j.end());
  const double expected_js = 0.5 * (js(a0, b0) + js(a1, b1));
  const double expected_kl = 0.5 * (kl(a0, b0) + kl(a1, b1));
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence(p_i, p_j), expected_js, 1e-13, 0.0);
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence(infoscale::par, p_i, p_j), expected_js, 1e-13, 0.0);
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence(p_i, p_j, e::divergence::kl), expected_kl, 1e-13, 0.0);
  CHECK(e::behaviour_divergence(p_i, p_i) == doctest::Approx(0.0));
  // JS is symmetric, KL is not.
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence(p_j, p_i), expected_js, 1e-13, 0.0);
  CHECK(std::abs(e::behaviour_divergence(p_j, p_i, e::divergence::kl) - expected_kl) > 1e-3);

  // The same distributions given as logits (log p plus a per-row shift) give the same Beh.
  std::vector<double> logits_i(model_i.size()), logits_j(model_j.size());
  for (std::size_t k = 0; k < model_i.size(); ++k) {
    logits_i[k] = std::log(model_i[k]) + (k < 3 ? 1.7 : -4.0);
    logits_j[k] = std::log(model_j[k]) + 0.3;
  }
  const auto z_i = infoscale::make_view<2>(logits_i, {2, 3});
  const auto z_j = infoscale::make_view<2>(logits_j, {2, 3});
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence_from_logits(z_i, z_j), expected_js, 1e-12, 0.0);
  ENTROPIC_CHECK_CLOSE(e::behaviour_divergence_from_logits(z_i, z_j, e::divergence::kl), expected_kl, 1e-12,
                       0.0);

  // Eq. (8) with Beh measured: Beh + lambda |I(41) - I(37)|.
  const double gap = 41 * std::log2(41.0) - 37 * std::log2(37.0);
  ENTROPIC_CHECK_CLOSE(e::behavioural_distance(infoscale::seq, p_i, p_j, 37, 41, 0.01),
                       expected_js + 0.01 * gap, 1e-13, 0.0);
  ENTROPIC_CHECK_CLOSE(
      e::behavioural_distance(infoscale::seq, p_i, p_j, 41, 37, 0.01, 2.0, e::divergence::kl),
      expected_kl + 0.02 * gap, 1e-13, 0.0);
}

TEST_CASE("entropic: behavioural distance (8) and distance scaling (9)") {
  CHECK(e::behavioural_distance(0.25, 32, 16, 0.5) == 0.25 + 0.5 * (160 - 64));
  CHECK(e::behavioural_distance(0.25, 16, 32, 0.5) == 0.25 + 0.5 * (160 - 64));
  CHECK(e::capacity_gap(8, 4, 3.0) == 48.0);
  CHECK(e::distance_scaling(16, 16, 2.0) == 2.0 * std::sqrt(160.0 - 64.0));
  CHECK(e::distance_scaling(30, 0, 2.0) == 0.0);
  ENTROPIC_CHECK_CLOSE(e::distance_scaling(27, 4, 0.3, 2.0),
                       0.3 * std::sqrt(2.0 * (31 * std::log2(31.0) - 27 * std::log2(27.0))), 1e-14, 0.0);
  // d0 fit recovers an exact square-root law, and matches the closed form on noisy data.
  std::vector<double> gaps;
  std::vector<double> exact;
  std::vector<double> noisy;
  for (int dn = 1; dn <= 10; ++dn) {
    gaps.push_back(e::capacity(25 + dn) - e::capacity(25));
    exact.push_back(e::distance_scaling(25, dn, 0.7));
    noisy.push_back(exact.back() * (1 + 0.05 * std::cos(dn)));
  }
  const auto fit = e::fit_distance_scale(gaps, exact);
  ENTROPIC_CHECK_CLOSE(fit.d0, 0.7, 1e-14, 0.0);
  CHECK(fit.rms_residual < 1e-12);
  double numerator = 0, denominator = 0;
  for (std::size_t k = 0; k < gaps.size(); ++k)
    numerator += noisy[k] * std::sqrt(gaps[k]), denominator += gaps[k];
  ENTROPIC_CHECK_CLOSE(e::fit_distance_scale(gaps, noisy).d0, numerator / denominator, 1e-13, 0.0);
}

TEST_CASE("entropic: model free energy (10) with S_n from logits through thermo/") {
  // F = I(n) - T S with S in bits.
  ENTROPIC_CHECK_CLOSE(e::model_free_energy(30, 0.7, 2.5), 30 * std::log2(30.0) - 0.7 * 2.5, 1e-14, 0.0);
  ENTROPIC_CHECK_CLOSE(e::model_free_energy(30, 0.7, 2.5, 2.0, 0.1), 0.1 * 2 * 30 * std::log2(30.0) - 1.75,
                       1e-14, 0.0);
  // Uniform logits over 8 tokens: S = 3 bits at every temperature.
  std::vector<float> uniform(3 * 8, 1.25f);
  const auto z = infoscale::make_view<2>(uniform, {3, 8});
  ENTROPIC_CHECK_CLOSE(e::output_entropy_bits(infoscale::seq, z, 0.5), 3.0, 1e-12, 0.0);
  ENTROPIC_CHECK_CLOSE(e::model_free_energy(z, 32, 2.0), 160.0 - 2.0 * 3.0, 1e-12, 0.0);
  // Two-token rows with logits (0, ln 3) at T = 1: p = (1/4, 3/4), S = H(1/4) bits.
  std::vector<double> skewed{0.0, std::log(3.0), 0.0, std::log(3.0)};
  const auto s = infoscale::make_view<2>(skewed, {2, 2});
  const double h = -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75));  // 0.811278
  ENTROPIC_CHECK_CLOSE(e::output_entropy_bits(infoscale::seq, s, 1.0), h, 1e-12, 0.0);
  ENTROPIC_CHECK_CLOSE(e::model_free_energy(infoscale::par, s, 16, 1.0), 64.0 - h, 1e-12, 0.0);
  // Training must not raise F (eq. (11)).
  CHECK(e::free_energy_non_increasing(std::vector<double>{5.0, 4.0, 4.0, 3.5}));
  CHECK_FALSE(e::free_energy_non_increasing(std::vector<double>{5.0, 4.0, 4.1}));
  CHECK(e::free_energy_non_increasing(std::vector<double>{5.0, 4.0, 4.1}, 0.2));
}

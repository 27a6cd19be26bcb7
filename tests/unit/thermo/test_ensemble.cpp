#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <infoscale/thermo.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;
using test::fixture_matrix;

TEST_CASE("Z, U, F, S, C at several temperatures equal the reference fixture (mpmath/numpy)") {
  const fixture_matrix logits(test::load_fixture("info/logits.npy"));
  const auto temperatures = test::load_fixture("info/logits_T.npy");
  const auto expected = test::load_fixture("info/logits_thermo.npy");  // [T][row][logZ, U, F, S, C]
  test::for_each_host_policy([&](auto policy) {
    for (std::size_t t = 0; t < temperatures.size(); ++t) {
      const auto states = thermodynamics(policy, logits.view(), temperatures(t));
      for (std::size_t row = 0; row < logits.rows; ++row) {
        const auto& s = states[row];
        // Absolute precision relative to the scale of the logits (rows reach |z| = 1e4).
        double scale = 1.0;
        for (std::size_t j = 0; j < logits.columns; ++j)
          scale = std::max(scale, std::abs(logits.values[row * logits.columns + j]));
        const double atol = 1e-14 * scale / temperatures(t);
        INFO("T = " << temperatures(t) << ", row " << row);
        INFOSCALE_CHECK_CLOSE(s.log_partition, expected(t, row, 0), 1e-14, atol);
        INFOSCALE_CHECK_CLOSE(s.internal_energy, expected(t, row, 1), 1e-13, atol * temperatures(t));
        INFOSCALE_CHECK_CLOSE(s.free_energy, expected(t, row, 2), 1e-14, atol * temperatures(t));
        INFOSCALE_CHECK_CLOSE(s.entropy, expected(t, row, 3), 1e-12, atol);
        INFOSCALE_CHECK_CLOSE(s.heat_capacity, expected(t, row, 4), 1e-10, 1e-12);
      }
    }
  });
  const auto h = test::load_fixture("info/logits_entropy.npy");
  const auto got = entropy_from_logits(par, logits.view());
  for (std::size_t row = 0; row < logits.rows; ++row) INFOSCALE_CHECK_CLOSE(got[row], h(row), 1e-12, 1e-10);
}

TEST_CASE(
    "thermodynamic identities hold numerically: S = (U - F)/T, U = -dlogZ/dbeta, C = dU/dT, S = -dF/dT") {
  const fixture_matrix logits(test::load_fixture("info/logits.npy"));
  const double temperature = 1.3;
  const double h = 1e-5;
  const auto at = [&](double t) { return thermodynamics(seq, logits.view(), t); };
  const auto mid = at(temperature);
  const auto up = at(temperature + h);
  const auto down = at(temperature - h);
  const auto beta_up = at(1.0 / (1.0 / temperature + h));
  const auto beta_down = at(1.0 / (1.0 / temperature - h));
  for (std::size_t row = 0; row < logits.rows; ++row) {
    if (row == 1 || row == 2) continue;  // |z| = 1e4: finite differences lose all digits there
    const auto& s = mid[row];
    CHECK(s.entropy == doctest::Approx((s.internal_energy - s.free_energy) / temperature).epsilon(1e-10));
    const double du_dt = (up[row].internal_energy - down[row].internal_energy) / (2 * h);
    const double df_dt = (up[row].free_energy - down[row].free_energy) / (2 * h);
    const double dlogz_dbeta = (beta_up[row].log_partition - beta_down[row].log_partition) / (2 * h);
    INFOSCALE_CHECK_CLOSE(du_dt, s.heat_capacity, 1e-5, 1e-6);
    INFOSCALE_CHECK_CLOSE(-df_dt, s.entropy, 1e-6, 1e-6);
    INFOSCALE_CHECK_CLOSE(-dlogz_dbeta, s.internal_energy, 1e-6, 1e-6);
    CHECK(s.heat_capacity >= 0.0);
  }
}

TEST_CASE("extreme logits: +-1e4, V = 262144, one-hot, uniform, T -> 0 and T -> inf") {
  const std::size_t v = 262144;
  std::vector<float> rows(4 * v);
  for (std::size_t j = 0; j < v; ++j) {
    rows[j] = 0.0f;                                                     // uniform
    rows[v + j] = j == 777 ? 1e4f : -1e4f;                              // one-hot: the gap underflows exp
    rows[2 * v + j] = 1e4f + static_cast<float>(j % 3);                 // three levels near +1e4
    rows[3 * v + j] = j < 3 ? 5.0f : static_cast<float>(j % 5) - 1e4f;  // three ground states
  }
  const auto z = make_view<2>(rows, {4, v});
  test::for_each_host_policy([&](auto policy) {
    const auto s1 = thermodynamics(policy, z, 1.0);
    CHECK(s1[0].entropy == doctest::Approx(std::log(double(v))).epsilon(1e-14));
    CHECK(s1[0].heat_capacity == doctest::Approx(0.0).epsilon(1e-14));
    CHECK(s1[0].log_partition == doctest::Approx(std::log(double(v))).epsilon(1e-14));
    CHECK(s1[1].entropy == 0.0);
    CHECK(s1[1].heat_capacity == 0.0);
    CHECK(s1[1].log_partition == 1e4);
    CHECK(s1[1].internal_energy == -1e4);
    // Levels 0, 1, 2 above 1e4, each on a third of the vocabulary (up to one): closed form.
    const double w0 = 87382, w1 = 87381, w2 = 87381;
    const double zsum = w0 + w1 * std::exp(1.0) + w2 * std::exp(2.0);
    const double p1 = w1 * std::exp(1.0) / zsum, p2 = w2 * std::exp(2.0) / zsum;
    const double mean = p1 + 2 * p2;
    CHECK(s1[2].log_partition == doctest::Approx(1e4 + std::log(zsum)).epsilon(1e-15));
    INFOSCALE_CHECK_CLOSE(s1[2].entropy, std::log(zsum) - mean, 1e-12, 1e-12);
    INFOSCALE_CHECK_CLOSE(s1[2].heat_capacity, p1 + 4 * p2 - mean * mean, 1e-12, 1e-12);
    // T -> 0: S -> log(number of ground states); T -> inf: S -> log V.
    const auto cold = thermodynamics(policy, z, 1e-3);
    CHECK(cold[3].entropy == doctest::Approx(std::log(3.0)).epsilon(1e-12));
    CHECK(cold[3].heat_capacity == doctest::Approx(0.0));
    const auto hot = thermodynamics(policy, z, 1e9);
    CHECK(hot[3].entropy == doctest::Approx(std::log(double(v))).epsilon(1e-9));
    CHECK(hot[2].entropy == doctest::Approx(std::log(double(v))).epsilon(1e-12));
  });
}

TEST_CASE("a constant shift of the energies moves U and F but not S or C") {
  const fixture_matrix logits(test::load_fixture("info/logits.npy"));
  auto shifted = logits;
  for (std::size_t row = 0; row < logits.rows; ++row) {
    for (std::size_t j = 0; j < logits.columns; ++j) shifted.values[row * logits.columns + j] += 3.25;
  }
  const double t = 0.7;
  const auto a = thermodynamics(seq, logits.view(), t);
  const auto b = thermodynamics(seq, shifted.view(), t);
  for (std::size_t row = 0; row < logits.rows; ++row) {
    if (row == 1 || row == 2) continue;  // 1e4 + 3.25 rounds in the fixture's doubles
    CHECK(b[row].entropy == doctest::Approx(a[row].entropy).epsilon(1e-12));
    CHECK(b[row].heat_capacity == doctest::Approx(a[row].heat_capacity).epsilon(1e-10));
    CHECK(b[row].internal_energy == doctest::Approx(a[row].internal_energy - 3.25).epsilon(1e-12));
    CHECK(b[row].free_energy == doctest::Approx(a[row].free_energy - 3.25).epsilon(1e-12));
  }
}

TEST_CASE("float, double, float16 and bfloat16 logits give the same statistics for the same values") {
  const random_stream rng(5, 5);
  const std::size_t rows = 3, v = 1000;
  std::vector<float> f(rows * v);
  std::vector<double> d(rows * v);
  std::vector<float16> h(rows * v);
  std::vector<bfloat16> b(rows * v);
  for (std::size_t i = 0; i < f.size(); ++i) {
    // Values exactly representable in all four formats: multiples of 1/8 in [-8, 8).
    const float value = static_cast<float>(static_cast<int>(rng.below(128, i)) - 64) / 8.0f;
    f[i] = value;
    d[i] = value;
    h[i] = to_float16(value);
    b[i] = to_bfloat16(value);
  }
  const auto ef = entropy_from_logits(seq, make_view<2>(f, {rows, v}));
  const auto ed = entropy_from_logits(seq, make_view<2>(d, {rows, v}));
  const auto eh = entropy_from_logits(seq, make_view<2>(h, {rows, v}));
  const auto eb = entropy_from_logits(seq, make_view<2>(b, {rows, v}));
  // Equal to rounding, not bit for bit: the dispatched AVX2/AVX-512 kernels sum in as many lanes
  // as the storage type's loads fill (16 floats, 8 doubles), so the order of the double sums, and
  // their last bits, depend on the type; the baseline build used to agree exactly.
  for (std::size_t r = 0; r < rows; ++r) {
    INFOSCALE_CHECK_CLOSE(ef[r], ed[r], 1e-15, 0.0);
    INFOSCALE_CHECK_CLOSE(eh[r], ed[r], 1e-15, 0.0);
    INFOSCALE_CHECK_CLOSE(eb[r], ed[r], 1e-15, 0.0);
  }
}

TEST_CASE("KL and JS from logits equal scipy on fixtures; cross-entropy of targets") {
  const fixture_matrix a(test::load_fixture("info/logits_pair_a.npy"));
  const fixture_matrix b(test::load_fixture("info/logits_pair_b.npy"));
  const auto kl = test::load_fixture("info/logits_pair_kl.npy");
  const auto js = test::load_fixture("info/logits_pair_js.npy");
  test::for_each_host_policy([&](auto policy) {
    const auto got_kl = kl_divergence_from_logits(policy, a.view(), b.view());
    const auto got_js = js_divergence_from_logits(policy, a.view(), b.view());
    const auto self = kl_divergence_from_logits(policy, a.view(), a.view());
    for (std::size_t row = 0; row < a.rows; ++row) {
      INFOSCALE_CHECK_CLOSE(got_kl[row], kl(row), 1e-11, 1e-14);
      INFOSCALE_CHECK_CLOSE(got_js[row], js(row), 1e-11, 1e-14);
      CHECK(self[row] == doctest::Approx(0.0).epsilon(1e-15));
    }
  });
  std::vector<double> z{0.0, std::log(3.0), 0.0, 0.0};
  const std::vector<std::int64_t> targets{1, 0};
  const auto nll =
      cross_entropy_from_logits(seq, make_view<2>(z, {2, 2}), std::span<const std::int64_t>(targets));
  CHECK(nll[0] == doctest::Approx(std::log(4.0 / 3.0)).epsilon(1e-15));
  CHECK(nll[1] == doctest::Approx(std::log(2.0)).epsilon(1e-15));
  const std::vector<std::int64_t> bad{1, 2};
  CHECK_THROWS_WITH_AS(
      cross_entropy_from_logits(seq, make_view<2>(z, {2, 2}), std::span<const std::int64_t>(bad)),
      doctest::Contains("token id 2 at row 1"), error);
}

TEST_CASE("bad logits and temperatures raise infoscale::error") {
  std::vector<double> z{1.0, 2.0, 3.0, 4.0};
  const auto zv = make_view<2>(z, {2, 2});
  test::for_each_host_policy([&](auto policy) {
    CHECK_THROWS_WITH_AS(thermodynamics(policy, zv, 0.0), doctest::Contains("'temperature'"), error);
    CHECK_THROWS_AS(thermodynamics(policy, zv, -1.0), error);
    CHECK_THROWS_AS(thermodynamics(policy, zv, NAN), error);
    z[3] = NAN;
    CHECK_THROWS_WITH_AS(entropy_from_logits(policy, zv),
                         doctest::Contains("'logits' contains NaN at flat index 1"), error);
    z[3] = -INFINITY;
    CHECK_THROWS_WITH_AS(free_energy(policy, zv), doctest::Contains("infinity"), error);
    z[3] = 4.0;
    CHECK_THROWS_AS(kl_divergence_from_logits(policy, zv, make_view<2>(z, {1, 4})), error);
    CHECK_THROWS_AS(
        entropy_from_logits(policy, make_view(z.data(), std::array<std::size_t, 2>{4, 0}, "logits")), error);
    CHECK_THROWS_AS(
        entropy_from_logits(policy, make_view(z.data(), std::array<std::size_t, 2>{0, 4}, "logits")), error);
  });
  const double temps[] = {1.0, 0.0};
  CHECK_THROWS_AS(temperature_scan(seq, zv, std::span<const double>(temps)), error);
}

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <infoscale/core.hpp>
#include <infoscale/core/detail/fast_exp.hpp>
#include <limits>
#include <string>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE("error names the function, the argument and the problem") {
  try {
    infoscale::detail::raise("entropy", "p", "row 3 sums to 0.9");
    FAIL("raise returned");
  } catch (const error& e) {
    CHECK(std::string(e.what()) == "infoscale::entropy: argument 'p' row 3 sums to 0.9");
    CHECK(e.function() == "entropy");
    CHECK(e.argument() == "p");
  }
  CHECK_THROWS_AS(infoscale::detail::raise("f", "x", "bad"), std::invalid_argument);
}

namespace {
double ulp_distance(double a, double b) {
  if (a == b) return 0.0;
  return std::abs(a - b) / (std::nextafter(std::abs(b), INFINITY) - std::abs(b));
}
}  // namespace

TEST_CASE("constexpr ln, log2, exp, sqrt agree with <cmath> to about 1 ulp") {
  double worst_ln = 0, worst_log2 = 0, worst_exp = 0, worst_sqrt = 0;
  for (int i = 0; i < 20000; ++i) {
    const double x = std::pow(10.0, -300.0 + 600.0 * i / 19999.0) * (1.0 + 0.37 * std::sin(i));
    worst_ln = std::max(worst_ln, ulp_distance(cmath::ln(x), std::log(x)));
    worst_log2 = std::max(worst_log2, ulp_distance(cmath::log2(x), std::log2(x)));
    worst_sqrt = std::max(worst_sqrt, ulp_distance(cmath::sqrt(x), std::sqrt(x)));
    const double y = -700.0 + 1400.0 * i / 19999.0;
    worst_exp = std::max(worst_exp, ulp_distance(cmath::exp(y), std::exp(y)));
  }
  INFO("worst ulp: ln " << worst_ln << ", log2 " << worst_log2 << ", exp " << worst_exp << ", sqrt "
                        << worst_sqrt);
  CHECK(worst_ln <= 1.0);
  CHECK(worst_log2 <= 2.0);
  CHECK(worst_exp <= 1.0);
  CHECK(worst_sqrt <= 1.0);
  CHECK(cmath::log2(1024.0) == 10.0);
  CHECK(cmath::log2(std::ldexp(1.0, -1074)) == -1074.0);  // smallest subnormal
  CHECK(std::isnan(cmath::ln(-1.0)));
  CHECK(cmath::ln(0.0) == -INFINITY);
  CHECK(cmath::floor(-2.5) == -3.0);
  CHECK(cmath::floor(2.0) == 2.0);
}

TEST_CASE("fast exp for softmax shifts is within 2 ulp of std::exp on [-708, 0]") {
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const double d = -708.0 * i / 200000.0;
    worst = std::max(worst, ulp_distance(infoscale::detail::exp_nonpositive(d), std::exp(d)));
  }
  INFO("worst ulp " << worst);
  CHECK(worst <= 2.0);
  CHECK(infoscale::detail::exp_nonpositive(0.0) == 1.0);
  CHECK(infoscale::detail::exp_nonpositive(-1000.0) == 0.0);
  CHECK(infoscale::detail::exp_nonpositive(-INFINITY) == 0.0);
  CHECK(std::isnan(infoscale::detail::exp_nonpositive(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("compensated sum recovers what naive summation loses") {
  compensated_sum s;
  s += 1e16;
  s += 1.0;
  s += -1e16;
  CHECK(s.value() == 1.0);
  std::vector<double> tenths(1000000, 0.1);
  double naive = 0;
  for (double v : tenths) naive += v;
  // The exact sum of 10^6 copies of the double nearest 0.1.
  const double exact = 100000.00000000000555;
  CHECK(std::abs(accurate_sum(tenths) - exact) <= 1.5e-11);
  CHECK(std::abs(naive - exact) > 1e-7);  // documents why the compensation is there
}

TEST_CASE("log_sum_exp against scipy.special.logsumexp fixture and at the extremes") {
  const auto logits = test::load_fixture("info/logits.npy");
  const auto expected = test::load_fixture("info/logits_logsumexp.npy");
  for (std::size_t row = 0; row < logits.shape(0); ++row) {
    std::vector<double> x(logits.shape(1));
    for (std::size_t j = 0; j < x.size(); ++j) x[j] = logits(row, j);
    INFOSCALE_CHECK_CLOSE(log_sum_exp(std::span<const double>(x)), expected(row), 1e-14, 1e-14);
  }
  std::vector<double> big{1e4, 1e4};
  CHECK(log_sum_exp(std::span<const double>(big)) == doctest::Approx(1e4 + std::log(2.0)).epsilon(1e-15));
  std::vector<double> small{-1e4, -1e4, -1e4};
  CHECK(log_sum_exp(std::span<const double>(small)) == doctest::Approx(-1e4 + std::log(3.0)).epsilon(1e-15));
  std::vector<double> masked{-INFINITY, -INFINITY};
  CHECK(log_sum_exp(std::span<const double>(masked)) == -INFINITY);
  std::vector<double> empty;
  CHECK_THROWS_AS(log_sum_exp(std::span<const double>(empty)), error);
  std::vector<double> nan{1.0, NAN};
  CHECK_THROWS_AS(log_sum_exp(std::span<const double>(nan)), error);
}

TEST_CASE("float16 and bfloat16 conversions are exact and round to nearest even") {
  CHECK(to_float(float16{0x3c00}) == 1.0f);
  CHECK(to_float(float16{0x7bff}) == 65504.0f);
  CHECK(to_float(float16{0x0001}) == std::ldexp(1.0f, -24));
  CHECK(to_float(float16{0xc000}) == -2.0f);
  CHECK(std::isinf(to_float(float16{0x7c00})));
  CHECK(std::isnan(to_float(float16{0x7e00})));
  CHECK(to_float(bfloat16{0x3f80}) == 1.0f);
  CHECK(to_float(bfloat16{0xc040}) == -3.0f);
  // Every finite binary16 survives a round trip through float.
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float16 h{static_cast<std::uint16_t>(bits)};
    const float f = to_float(h);
    if (std::isnan(f)) continue;
    REQUIRE(to_float16(f).bits == h.bits);
  }
  CHECK(to_float16(1.0f + std::ldexp(1.0f, -11)).bits == 0x3c00);  // tie, to even
  CHECK(to_float16(1.0f + 3 * std::ldexp(1.0f, -11)).bits == 0x3c02);
  CHECK(to_float16(70000.0f).bits == 0x7c00);
  CHECK(to_bfloat16(1.0f).bits == 0x3f80);
  CHECK(to_float(to_bfloat16(3.14159265f)) == 3.140625f);
}

TEST_CASE("make_view validates shape, strides and buffer bounds") {
  std::vector<float> buffer(12);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<float>(i);
  const auto m = make_view<2>(buffer, {3, 4}, "m");
  CHECK(m(2, 3) == 11.0f);
  CHECK(m[1](2) == 6.0f);
  CHECK(m.inner_contiguous());
  // Transposed view through strides.
  const auto t = make_view(buffer.data(), std::array<std::size_t, 2>{4, 3},
                           std::array<std::ptrdiff_t, 2>{1, 4}, "t", buffer.size());
  CHECK(t(3, 2) == 11.0f);
  CHECK_FALSE(t.inner_contiguous());
  // Reversed rows through a negative stride, starting at the last row.
  const auto r = make_view(buffer.data() + 8, std::array<std::size_t, 2>{3, 4},
                           std::array<std::ptrdiff_t, 2>{-4, 1}, "r", 4, 8);
  CHECK(r(0, 0) == 8.0f);
  CHECK(r(2, 0) == 0.0f);
  CHECK_THROWS_WITH_AS(make_view<2>(buffer, {3, 5}, "m"), doctest::Contains("'m' has 12 elements"), error);
  CHECK_THROWS_AS(make_view(buffer.data(), std::array<std::size_t, 2>{3, 4},
                            std::array<std::ptrdiff_t, 2>{5, 1}, "m", buffer.size()),
                  error);
  CHECK_THROWS_AS(make_view(buffer.data() + 8, std::array<std::size_t, 2>{3, 4},
                            std::array<std::ptrdiff_t, 2>{-4, 1}, "r", 4, 7),
                  error);
  CHECK_THROWS_AS(make_view(static_cast<float*>(nullptr), std::array<std::size_t, 1>{3}, "null"), error);
  CHECK_NOTHROW(make_view(static_cast<float*>(nullptr), std::array<std::size_t, 1>{0}, "empty"));
  CHECK_THROWS_AS(
      make_view(buffer.data(), std::array<std::size_t, 3>{1ull << 40, 1ull << 40, 1ull << 40}, "huge"),
      error);
  auto misaligned = reinterpret_cast<float*>(reinterpret_cast<char*>(buffer.data()) + 1);
  CHECK_THROWS_AS(make_view(misaligned, std::array<std::size_t, 1>{2}, "misaligned"), error);
}

TEST_CASE("check_finite and check_probability_rows name the problem") {
  std::vector<double> values{0.5, 0.5, 0.2, NAN};
  const auto v = make_view<2>(values, {2, 2});
  CHECK_THROWS_WITH_AS(check_finite(v, "f", "x"), doctest::Contains("contains NaN at flat index 3"), error);
  values[3] = 0.7;
  CHECK_THROWS_WITH_AS(check_probability_rows(v, "f", "p"), doctest::Contains("row 1 sums to 0.9"), error);
  values[3] = 0.8;
  CHECK_NOTHROW(check_probability_rows(v, "f", "p"));
  values[2] = -0.2;
  values[3] = 1.2;
  CHECK_THROWS_WITH_AS(check_probability_rows(v, "f", "p"), doctest::Contains("invalid probability"), error);
  CHECK_THROWS_AS(check_positive(0.0, "f", "temperature"), error);
  CHECK_THROWS_AS(check_positive(INFINITY, "f", "temperature"), error);
}

TEST_CASE("Philox streams: known answer, determinism, independence, distribution") {
  // Random123's known-answer vector for philox4x32-10 with zero counter and key.
  const random_stream zero(0, 0);
  const auto word = zero.bits(0);
  CHECK(word[0] == 0x6627e8d5u);
  CHECK(word[1] == 0xe169c58du);
  CHECK(word[2] == 0xbc57ac4cu);
  CHECK(word[3] == 0x9b00dbd8u);

  const random_stream a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  CHECK(a.uniform(123) == b.uniform(123));
  CHECK(a.uniform(123) != c.uniform(123));
  CHECK(a.uniform(123) != d.uniform(123));
  const int n = 200000;
  double mean = 0, m2 = 0, nmean = 0, nm2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = a.uniform(i);
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    mean += u;
    m2 += u * u;
    const double z = a.normal(i);
    nmean += z;
    nm2 += z * z;
    REQUIRE(a.below(10, i) < 10u);
  }
  mean /= n;
  nmean /= n;
  // Five standard errors.
  CHECK(std::abs(mean - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(m2 / n - mean * mean - 1.0 / 12) < 0.002);
  CHECK(std::abs(nmean) < 5 / std::sqrt(double(n)));
  CHECK(std::abs(nm2 / n - 1.0) < 5 * std::sqrt(2.0 / n));
}

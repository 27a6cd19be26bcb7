// Hostile input to the library (issue 19): exceptions inside parallel row reductions, CKA at extreme
// scales, attention rows that are not distributions and masks that are not 0/1, NaN in options.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <infoscale/core/check.hpp>
#include <infoscale/exec/reduce_rows.hpp>
#include <infoscale/layers/attention_drift.hpp>
#include <infoscale/layers/cka.hpp>
#include <infoscale/layers/peaks.hpp>
#include <infoscale/layers/probe.hpp>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../support/approx.hpp"

using namespace infoscale;

namespace {

// Row 3 and row 90 throw from reduce_block: every policy rethrows row 3's error after the loop.
struct throwing_statistic {
  using state = double;
  using result_type = double;
  static state identity() { return 0.0; }
  static state combine(const state& a, const state& b) { return a + b; }
  state reduce_block(std::size_t row, std::size_t begin, std::size_t end) const {
    if (row == 3 || row == 90) detail::raise("statistic", "row", "failed at " + std::to_string(row));
    return static_cast<double>(end - begin);
  }
  result_type finalize(std::size_t, const state& s) const { return s; }
};

template <class P>
void check_reduce_rows_rethrows(P policy, std::size_t rows, std::size_t columns) {
  std::vector<double> out(rows);
  try {
    reduce_rows(policy, throwing_statistic{}, rows, columns, std::span<double>(out));
    FAIL("no exception");
  } catch (const error& e) {
    CHECK(std::string(e.what()) == "infoscale::statistic: argument 'row' failed at 3");
  }
}

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("hostile: an exception in a row statistic never escapes a parallel region") {
  check_reduce_rows_rethrows(seq, 100, 10);
  check_reduce_rows_rethrows(par, 100, 10);    // one row per iteration
  check_reduce_rows_rethrows(par, 100, 5000);  // many blocks per row
  check_reduce_rows_rethrows(par, 91, 5000);
#if INFOSCALE_HAS_THRUST
  check_reduce_rows_rethrows(thrust_host, 100, 5000);
#endif
}

TEST_CASE("hostile: linear CKA, its matrix and S1 are scale-invariant at extreme scales") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  const std::size_t n = 40, dx = 6, dy = 4;
  std::vector<double> x(n * dx), y(n * dy);
  for (double& v : x) v = normal(rng);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < dy; ++j) y[i * dy + j] = x[i * dx + j] + 0.7 * normal(rng);
  }
  const auto view = [n](const std::vector<double>& v, std::size_t d) {
    return make_view(v.data(), std::array<std::size_t, 2>{n, d});
  };
  const double reference = linear_cka(view(x, dx), view(y, dy));
  const double debiased = debiased_linear_cka(view(x, dx), view(y, dy));
  const double rbf = rbf_cka(view(x, dx), view(y, dy));
  REQUIRE(reference > 0.1);
  REQUIRE(reference < 1.0);
  for (const double scale : {1e75, 1e154, 1e-90, 1e300, 1e-300, 1e-310}) {
    CAPTURE(scale);
    std::vector<double> xs = x, ys = y;
    for (double& v : xs) v *= scale;
    for (double& v : ys) v *= scale;
    // x * scale is itself rounded (and 1e-310 is subnormal), so agreement is to rounding, not exact.
    const double tolerance = scale < 1e-300 ? 1e-9 : 1e-13;
    INFOSCALE_CHECK_CLOSE(linear_cka(view(xs, dx), view(y, dy)), reference, tolerance, 0.0);
    INFOSCALE_CHECK_CLOSE(linear_cka(view(xs, dx), view(ys, dy)), reference, tolerance, 0.0);
    INFOSCALE_CHECK_CLOSE(debiased_linear_cka(view(xs, dx), view(ys, dy)), debiased, 100 * tolerance, 0.0);
    INFOSCALE_CHECK_CLOSE(rbf_cka(view(xs, dx), view(ys, dy)), rbf, 1e4 * tolerance, 0.0);
    linear_cka_accumulator streaming(dx, dy);
    streaming.add(view(xs, dx), view(ys, dy));
    INFOSCALE_CHECK_CLOSE(streaming.value(), reference, 1e-9, 0.0);
  }
  // Exactly power-of-two scales change nothing, bit for bit.
  std::vector<double> x2 = x;
  for (double& v : x2) v = std::ldexp(v, 700);
  CHECK(linear_cka(view(x2, dx), view(y, dy)) == reference);
  // A constant representation still raises, at any scale.
  std::vector<double> flat(n * dx, 1e300);
  CHECK(message_of([&] { (void)linear_cka(view(flat, dx), view(y, dy)); }).find("constant") !=
        std::string::npos);
}

TEST_CASE("hostile: attention rows must sum to 1 before masking; masks hold 0 or 1") {
  std::vector<double> a{1.0, 0.0, 0.5, 0.5}, tripled{3.0, 0.0, 1.5, 1.5};
  const auto view = [](const std::vector<double>& v) {
    return make_view(v.data(), std::array<std::size_t, 3>{1, 2, 2});
  };
  const std::array<tensor_view<const double, 3>, 2> bad{view(a), view(tripled)};
  CHECK(message_of([&] { (void)attention_drift(std::span<const tensor_view<const double, 3>>(bad)); }) ==
        "infoscale::attention_drift: argument 'attention' has a row that sums to 3, not 1 (tolerance 0.0001) "
        "at "
        "head 0, query 0: attention weights are softmax rows over the keys, before any mask");
  const std::array<tensor_view<const double, 3>, 2> good{view(a), view(a)};
  const std::vector<std::uint8_t> two{1, 2};
  CHECK(message_of([&] {
          (void)attention_drift(std::span<const tensor_view<const double, 3>>(good), {true, two});
        }) ==
        "infoscale::attention_drift: argument 'mask.valid' has the value 2 at key 1; a mask holds 0 "
        "(padding) or 1 (real token) only");
  std::vector<double> near{1.0 + 5e-5, 0.0, 0.5, 0.5 - 5e-5};  // within the stated 1e-4
  const std::array<tensor_view<const double, 3>, 2> close{view(a), view(near)};
  CHECK(std::isfinite(attention_drift(std::span<const tensor_view<const double, 3>>(close))[0]));
}

TEST_CASE("hostile: NaN and infinity in options are refused, naming the option") {
  const std::vector<double> p{0.5, 0.25, 0.25, 3.0};
  const auto rows = make_view(p.data(), std::array<std::size_t, 2>{1, 4});
  for (const double tolerance : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
    CHECK(message_of([&] {
            check_probability_rows(rows, "f", "p", tolerance);
          }).find("argument 'tolerance'") != std::string::npos);
  }
  std::vector<double> features(40 * 2);
  std::vector<int> labels(40);
  for (std::size_t i = 0; i < 40; ++i) {
    features[2 * i] = static_cast<double>(i % 2);
    features[2 * i + 1] = static_cast<double>(i) / 40.0;
    labels[i] = static_cast<int>(i % 2);
  }
  const auto f = make_view(features.data(), std::array<std::size_t, 2>{40, 2});
  const auto refused = [&](probe_options o, const std::string& name) {
    const std::string m = message_of([&] { (void)probe_score(f, labels, 2, o); });
    INFO(m);
    CHECK(m.find("argument '" + name + "'") != std::string::npos);
  };
  refused({.learning_rate = std::nan("")}, "options.learning_rate");
  refused({.learning_rate = std::numeric_limits<double>::infinity()}, "options.learning_rate");
  refused({.l2 = std::nan("")}, "options.l2");
  refused({.iterations = 0}, "options.iterations");
  refused({.hidden = std::size_t{1} << 40}, "options.hidden");
  const std::vector<double> curve{0.0, 1.0, 0.0, 2.0, 0.0};
  CHECK(message_of([&] {
          (void)find_peaks(curve, {0.0, std::nan(""), false});
        }).find("max_prominence") != std::string::npos);
}

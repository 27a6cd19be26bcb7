// Near-zero entropies keep full relative accuracy: confident rows (one logit 20-100 above the
// rest, V up to 262,144), rows with tied maxima and rows with two near-max entries, in float16,
// float and double, against mpmath (50+ digits) (tests/fixtures/info/make_confident_logits_fixtures.py).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <infoscale/core/softmax_moments.hpp>
#include <infoscale/info/logits.hpp>
#include <infoscale/thermo/ensemble.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// The slot values of make_confident_logits_fixtures.py (a = 100).
double slot_value(std::uint64_t j, int kind, double gap) {
  constexpr double a = 100.0;
  if (kind == 1) {
    if (j < 3) return a;
    if (j == 3) return a - 0.25;
    if (j == 4) return a - 0.5;
  } else if (kind == 2) {
    if (j == 0) return a;
    if (j == 1) return a - 30.0;
    if (j == 2) return a - 30.25;
  } else if (j == 0) {
    return a;
  }
  return a - gap - static_cast<double>(j % 64) / 4.0;
}

// Exact binary16 encoding of a value that is representable (multiples of 1/4 below 128).
float16 exact_half(double v) {
  if (v == 0.0) return float16{0};
  const std::uint16_t sign = v < 0.0 ? 0x8000u : 0u;
  int e = 0;
  const double fraction = std::frexp(std::abs(v), &e);      // in [0.5, 1)
  const double mantissa = (2.0 * fraction - 1.0) * 1024.0;  // exact for the values used here
  return float16{
      static_cast<std::uint16_t>(sign | ((e - 1 + 15) << 10) | static_cast<std::uint16_t>(mantissa))};
}

template <class T>
T stored(double v) {
  if constexpr (std::is_same_v<T, float16>) {
    return exact_half(v);
  } else {
    return static_cast<T>(v);
  }
}

template <class T>
std::vector<T> confident_row(std::size_t v, int kind, double gap) {
  std::vector<T> row(v);
  std::size_t inexact = 0;
  for (std::size_t i = 0; i < v; ++i) {
    const double value = slot_value((static_cast<std::uint64_t>(i) * 7919u) % v, kind, gap);
    row[i] = stored<T>(value);
    inexact += detail::widen(row[i]) != value;
  }
  REQUIRE(inexact == 0);
  return row;
}

}  // namespace

TEST_CASE_TEMPLATE("softmax moments: near-zero entropies to full relative accuracy against mpmath", T, double,
                   float, float16) {
  const auto params = test::load_fixture("info/confident_params.npy");  // [V, kind, gap, T]
  const auto ref = test::load_fixture("info/confident_ref.npy");        // [log Z, S, Var]
  double worst_entropy = 0.0, worst_varentropy = 0.0;
  for (std::size_t r = 0; r < params.shape(0); ++r) {
    const auto v = static_cast<std::size_t>(params(r, 0));
    const int kind = static_cast<int>(params(r, 1));
    const double gap = params(r, 2), temperature = params(r, 3);
    const auto row = confident_row<T>(v, kind, gap);
    const auto view = make_view(row.data(), std::array<std::size_t, 2>{1, v});
    test::for_each_host_policy([&](auto policy) {
      INFO("V = " << v << ", kind " << kind << ", gap " << gap << ", T = " << temperature);
      const double s = entropy_from_logits(policy, view, temperature)[0];
      const double var = varentropy_from_logits(policy, view, temperature)[0];
      const double log_z = log_partition(policy, view, temperature)[0];
      // The bound stated in the README: 1e-13 relative on S (V = 262,144 included).
      INFOSCALE_CHECK_CLOSE(s, ref(r, 1), 1e-13, 0.0);
      INFOSCALE_CHECK_CLOSE(var, ref(r, 2), 1e-12, 0.0);
      INFOSCALE_CHECK_CLOSE(log_z, ref(r, 0), 1e-15, 0.0);
      worst_entropy = std::max(worst_entropy, std::abs(s - ref(r, 1)) / ref(r, 1));
      worst_varentropy = std::max(worst_varentropy, std::abs(var - ref(r, 2)) / ref(r, 2));
    });
  }
  MESSAGE("worst relative error over " << params.shape(0) << " rows x 3 policies: S " << worst_entropy
                                       << ", Var " << worst_varentropy);
}

TEST_CASE("softmax moments: the issue's cases (logits of scale 100, a confident token)") {
  // One logit 43 above three others: S = e^-43 (1 + 43) + ... ~ 9e-18 needs log1p of the tail;
  // log(1 + t) returned only the sum of p_i (m - z_i), 1.5e-20 short in the report.
  std::vector<double> z{100.0, 57.0, 57.0 - 0.25, 57.0 - 0.5};
  const auto view = make_view(z.data(), std::array<std::size_t, 2>{1, 4});
  double tail = 0.0, weighted_gap = 0.0;
  for (std::size_t i = 1; i < 4; ++i) {
    tail += std::exp(z[i] - 100.0);
    weighted_gap += std::exp(z[i] - 100.0) * (100.0 - z[i]);
  }
  const double expected = std::log1p(tail) + weighted_gap / (1.0 + tail);  // closed form, no cancellation
  INFOSCALE_CHECK_CLOSE(entropy_from_logits(seq, view)[0], expected, 1e-14, 0.0);
  // Merging blocks: the block with the maximum and a block holding only the small terms.
  const auto high = detail::block_softmax_moments(z.data(), 1, 1, 1.0);
  const auto low = detail::block_softmax_moments(z.data() + 1, 1, 3, 1.0);
  INFOSCALE_CHECK_CLOSE(softmax_moments::combine(high, low).entropy(), expected, 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(softmax_moments::combine(low, high).entropy(), expected, 1e-14, 0.0);
  // The identity and the tail of a single entry.
  CHECK(softmax_moments::identity().weight() == 0.0);
  CHECK(high.tail == 0.0);
  CHECK(high.entropy() == 0.0);
  // Tied maxima: exactly log 2 (the tail is exactly 1).
  std::vector<double> two{5.0, 5.0};
  const auto tied = detail::block_softmax_moments(two.data(), 1, 2, 1.0);
  CHECK(tied.tail == 1.0);
  CHECK(tied.entropy() == std::log(2.0));
}

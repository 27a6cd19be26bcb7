// Run-time ISA dispatch and the fast precision mode of the logits kernels: every instruction-set
// level this CPU runs gives the baseline kernel's moments (exact mode, to rounding); the fast mode
// stays within its stated 1e-6 of mpmath's values on the confident-row fixture
// (tests/fixtures/info/make_confident_logits_fixtures.py) and of the exact mode on wide random
// rows; the float exp is within 1.5 ulp of std::exp.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <infoscale/core/detail/cpu_dispatch.hpp>
#include <infoscale/core/detail/fast_moments_avx2.hpp>
#include <infoscale/core/detail/fast_moments_avx512.hpp>
#include <infoscale/core/logits_precision.hpp>
#include <infoscale/core/random.hpp>
#include <infoscale/core/softmax_moments.hpp>
#include <infoscale/exec/detail/logits_rows.hpp>
#include <infoscale/info/logits.hpp>
#include <infoscale/thermo/ensemble.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

std::vector<infoscale::detail::isa> isa_levels_here() {
  std::vector<infoscale::detail::isa> levels{infoscale::detail::isa::baseline};
  if (infoscale::detail::supported_isa() != infoscale::detail::isa::baseline)
    levels.push_back(infoscale::detail::isa::avx2);
  if (infoscale::detail::supported_isa() == infoscale::detail::isa::avx512)
    levels.push_back(infoscale::detail::isa::avx512);
  return levels;
}

// Row moments folded over the blocks reduce_rows uses (512 exact, 16 KB fast), on one level.
template <bool Fast, class T>
softmax_moments isa_row_moments(infoscale::detail::isa level, const std::vector<T>& row, double beta) {
  softmax_moments state;
  const std::size_t size = Fast ? infoscale::detail::fast_block_bytes / sizeof(T) : block_elements;
  for (std::size_t begin = 0; begin < row.size(); begin += size) {
    const std::size_t n = std::min(size, row.size() - begin);
    state = softmax_moments::combine(
        state, infoscale::detail::block_softmax_moments_on<Fast>(level, row.data() + begin, n, beta));
  }
  return state;
}

template <class T>
std::vector<T> isa_gaussian_row(std::size_t v, double scale, double shift, std::uint64_t seed) {
  const random_stream stream(seed, 0);
  std::vector<T> row(v);
  for (std::size_t i = 0; i < v; ++i) {
    const double value = shift + scale * stream.normal(i);
    if constexpr (std::is_same_v<T, bfloat16>)
      row[i] = to_bfloat16(static_cast<float>(value));
    else if constexpr (std::is_same_v<T, float16>)
      row[i] = to_float16(static_cast<float>(value));
    else
      row[i] = static_cast<T>(value);
  }
  return row;
}

}  // namespace

TEST_CASE("exp_nonpositive_float: within 1.5 ulp of std::exp on [-86, 0]") {
  double worst = 0.0;
  // Every 61st float of [-86, 0] (18 million values); the full sweep measured 1.22 ulp.
  for (std::uint32_t bits = 0x80000000u;; bits += 61u) {
    const float d = std::bit_cast<float>(bits);
    if (d < -86.0f) break;
    const double expected = std::exp(static_cast<double>(d));
    const double ulp = std::ldexp(1.0, std::ilogb(expected) - 23);
    worst = std::max(worst, std::abs(infoscale::detail::exp_nonpositive_float(d) - expected) / ulp);
  }
  MESSAGE("worst error of the float exp: " << worst << " ulp");
  CHECK(worst < 1.5);
  CHECK(infoscale::detail::exp_nonpositive_float(0.0f) == 1.0f);
  CHECK(infoscale::detail::clamp_below(-1e30f, -86.0f) == -86.0f);
  CHECK(infoscale::detail::clamp_below(-std::numeric_limits<float>::infinity(), -86.0f) == -86.0f);
  CHECK(infoscale::detail::clamp_below(-3.0f, -86.0f) == -3.0f);
  CHECK(infoscale::detail::clamp_below(0.0f, -86.0f) == 0.0f);
  // The double exp's bit-masked clamp: below -708 is 0, -0.0 and +0.0 give 1.
  CHECK(infoscale::detail::exp_nonpositive(-709.0) == 0.0);
  CHECK(infoscale::detail::exp_nonpositive(-1e300) == 0.0);
  CHECK(infoscale::detail::exp_nonpositive(0.0) == 1.0);
  CHECK(infoscale::detail::exp_nonpositive(-0.0) == 1.0);
  INFOSCALE_CHECK_CLOSE(infoscale::detail::exp_nonpositive(-700.0), std::exp(-700.0), 4e-16, 0.0);
}

#if INFOSCALE_HAS_ISA_DISPATCH
namespace {
// A vector exp (d, out, n) swept over every 61st float of [-86, 0]: its worst error in ulp, and
// exp(-0) (a tie's weight must be exactly 1, not 1 - 2^-24).
template <class VectorExp>
void check_vector_exp(const VectorExp& vector_exp, const char* name) {
  std::vector<float> d;
  for (std::uint32_t bits = 0x80000000u;; bits += 61u) {  // every 61st float, as above
    if (std::bit_cast<float>(bits) < -86.0f) break;
    d.push_back(std::bit_cast<float>(bits));
  }
  d.push_back(-86.0f);
  std::vector<float> e(d.size());
  vector_exp(d.data(), e.data(), d.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double expected = std::exp(static_cast<double>(d[i]));
    const double ulp = std::ldexp(1.0, std::ilogb(expected) - 23);
    worst = std::max(worst, std::abs(e[i] - expected) / ulp);
  }
  MESSAGE("worst error of the " << name << " float exp: " << worst << " ulp");
  CHECK(worst < 1.5);
  CHECK(e[0] == 1.0f);
}
}  // namespace

TEST_CASE("exp_nonpositive_avx2: within 1.5 ulp of std::exp on [-86, 0], 0 in masked lanes") {
  if (infoscale::detail::supported_isa() == infoscale::detail::isa::baseline) return;  // not this CPU
  check_vector_exp(
      [](const float* d, float* e, std::size_t n) { infoscale::detail::exp_nonpositive_avx2(d, e, n); },
      "AVX2");
  CHECK(infoscale::detail::exp_nonpositive_avx2_lane(-1.0f, false) == 0.0f);  // a masked lane
}

TEST_CASE("exp_nonpositive_avx512: within 1.5 ulp of std::exp on [-86, 0]") {
  if (infoscale::detail::supported_isa() != infoscale::detail::isa::avx512) return;  // not this CPU
  check_vector_exp(
      [](const float* d, float* e, std::size_t n) { infoscale::detail::exp_nonpositive_avx512(d, e, n); },
      "AVX-512");
}
#endif

TEST_CASE_TEMPLATE("fast precision: ragged block ends and ties, every level, within 1e-6 of exact", T, float,
                   bfloat16, float16) {
  // Lengths around the AVX-512 kernel's 16-lane vectors and 128-entry groups; the maximum repeated
  // in the first and in the ragged last vector, so the tie count and the masked load both matter.
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{2}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{127},
        std::size_t{128}, std::size_t{129}, std::size_t{143}, std::size_t{300}, std::size_t{4099}}) {
    auto row = isa_gaussian_row<T>(n, 2.0, 1.0, 40 + n);
    const auto top = isa_gaussian_row<T>(1, 0.0, 12.0, 0)[0];  // above every other entry
    row[0] = top;
    row[n - 1] = top;
    for (const double beta : {1.0, 1.0 / 0.7}) {
      const auto exact = isa_row_moments<false>(infoscale::detail::isa::baseline, row, beta);
      for (const auto level : isa_levels_here()) {
        INFO("n = " << n << ", beta " << beta << ", level " << infoscale::detail::isa_name(level));
        const auto fast = infoscale::detail::block_softmax_moments_on<true>(level, row.data(), n, beta);
        CHECK(fast.max == exact.max);
        INFOSCALE_CHECK_CLOSE(fast.entropy(), exact.entropy(), 1e-6, 1e-300);
        INFOSCALE_CHECK_CLOSE(fast.log_partition(), exact.log_partition(), 1e-6, 0.0);
        INFOSCALE_CHECK_CLOSE(fast.varentropy(), exact.varentropy(), 1e-6, 1e-300);
        if (n == 1) CHECK(fast.entropy() == 0.0);
        if (n == 2)
          CHECK(fast.entropy() == doctest::Approx(std::log(2.0)).epsilon(1e-15));  // a tie, both maximal
      }
    }
  }
}

TEST_CASE("fast precision: a ragged end far from zero (the padding lanes' gaps stay finite)") {
  // n equal logits at -2e38 and T = 0.5: a padded lane read as 0 would have the gap +inf, and
  // inf * 0 would poison the sums; every level must give log n, as the exact mode does.
  for (const std::size_t n : {std::size_t{3}, std::size_t{13}, std::size_t{21}}) {
    const std::vector<float> row(n, -2e38f);
    for (const auto level : isa_levels_here()) {
      INFO("n = " << n << ", level " << infoscale::detail::isa_name(level));
      const auto fast = infoscale::detail::block_softmax_moments_on<true>(level, row.data(), n, 2.0);
      CHECK(fast.entropy() == doctest::Approx(std::log(static_cast<double>(n))).epsilon(1e-15));
      CHECK(fast.varentropy() == doctest::Approx(0.0));
    }
  }
}

TEST_CASE_TEMPLATE("ISA dispatch: every level gives the baseline kernel's moments", T, float, double,
                   bfloat16, float16) {
  MESSAGE("this CPU: " << infoscale::detail::isa_name(infoscale::detail::supported_isa())
                       << ", active: " << infoscale::detail::isa_name(infoscale::detail::active_isa()));
  for (const std::size_t v : {std::size_t{1}, std::size_t{7}, std::size_t{513}, std::size_t{32000}}) {
    for (const double scale : {0.5, 3.0, 40.0}) {
      const auto row = isa_gaussian_row<T>(v, scale, 5.0, 17 + v);
      const auto reference = isa_row_moments<false>(infoscale::detail::isa::baseline, row, 1.0 / 0.7);
      for (const auto level : isa_levels_here()) {
        INFO("V = " << v << ", scale " << scale << ", level " << infoscale::detail::isa_name(level));
        const auto m = isa_row_moments<false>(level, row, 1.0 / 0.7);
        // Lanes change the summation order and FMA contraction changes roundings: 1e-13.
        INFOSCALE_CHECK_CLOSE(m.entropy(), reference.entropy(), 1e-13, 1e-300);
        INFOSCALE_CHECK_CLOSE(m.log_partition(), reference.log_partition(), 1e-14, 0.0);
        INFOSCALE_CHECK_CLOSE(m.varentropy(), reference.varentropy(), 1e-12, 1e-300);
        CHECK(m.max == reference.max);  // the maximum is exact on every level
      }
    }
  }
}

TEST_CASE("fast precision: double logits beyond float's range") {
  // Gaps of -1e300 narrow to float only after a clamp (an out-of-range conversion is undefined):
  // those entries weigh e^-86 at most, so S is the entropy of the two near-max entries.
  std::vector<double> row(700, -1e300);
  row[3] = 1e300;
  row[600] = 1e300 - 1e285;  // a gap of -1e285, also far below -86
  row[650] = 1e300;          // a tie with the maximum: S = log 2 plus the floor
  for (const auto level : isa_levels_here()) {
    const auto m = isa_row_moments<true>(level, row, 1.0);
    INFOSCALE_CHECK_CLOSE(m.entropy(), std::log(2.0), 1e-7, 700 * 88 * std::exp(-86.0));
    CHECK(m.max == 1e300);
  }
  CHECK(infoscale::detail::clamp_below(-1e300, -1e30) == -1e30);
  CHECK(infoscale::detail::clamp_below(-5.0, -1e30) == -5.0);
}

TEST_CASE("ISA dispatch: NaN and infinity are flagged on every level, in both modes") {
  for (const auto level : isa_levels_here()) {
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()}) {
      std::vector<float> row(600, 1.0f);
      row[517] = bad;
      CHECK_FALSE(isa_row_moments<false>(level, row, 1.0).valid());
      CHECK_FALSE(isa_row_moments<true>(level, row, 1.0).valid());
    }
  }
}

TEST_CASE_TEMPLATE("fast precision: within 1e-6 of mpmath on confident rows (V up to 262,144)", T, double,
                   float) {
  const auto params = test::load_fixture("info/confident_params.npy");  // [V, kind, gap, T]
  const auto ref = test::load_fixture("info/confident_ref.npy");        // [log Z, S, Var]
  double worst_entropy = 0.0;
  for (std::size_t r = 0; r < params.shape(0); ++r) {
    const auto v = static_cast<std::size_t>(params(r, 0));
    const int kind = static_cast<int>(params(r, 1));
    const double gap = params(r, 2), temperature = params(r, 3);
    // The fixture's slots (see test_confident_rows.cpp): every value is a multiple of 1/4 below 128.
    std::vector<T> row(v);
    for (std::size_t i = 0; i < v; ++i) {
      const std::uint64_t j = (static_cast<std::uint64_t>(i) * 7919u) % v;
      double value = 100.0 - gap - static_cast<double>(j % 64) / 4.0;
      if (kind == 1 && j < 3) value = 100.0;
      if (kind == 1 && j == 3) value = 99.75;
      if (kind == 1 && j == 4) value = 99.5;
      if (kind == 2 && j == 0) value = 100.0;
      if (kind == 2 && j == 1) value = 70.0;
      if (kind == 2 && j == 2) value = 69.75;
      if (kind != 1 && kind != 2 && j == 0) value = 100.0;
      row[i] = static_cast<T>(value);
    }
    for (const auto level : isa_levels_here()) {
      INFO("V = " << v << ", kind " << kind << ", gap " << gap << ", T = " << temperature << ", level "
                  << infoscale::detail::isa_name(level));
      const auto m = isa_row_moments<true>(level, row, 1.0 / temperature);
      // Relative down to the stated floor: gaps below -86 count as -86, so each entry may add
      // up to (1 + 86) e^-86 to S and 86^2 e^-86 to Var (rows with S ~ 1e-18 stay relative).
      const double floor = static_cast<double>(v) * 88.0 * std::exp(-86.0);
      INFOSCALE_CHECK_CLOSE(m.entropy(), ref(r, 1), 1e-6, floor);
      INFOSCALE_CHECK_CLOSE(m.varentropy(), ref(r, 2), 1e-6, 88.0 * floor);
      INFOSCALE_CHECK_CLOSE(m.log_partition(), ref(r, 0), 1e-6, 0.0);
      if (ref(r, 1) > 1e6 * floor)
        worst_entropy = std::max(worst_entropy, std::abs(m.entropy() - ref(r, 1)) / ref(r, 1));
    }
  }
  MESSAGE("fast mode, worst relative error of S over the fixture's rows and levels: " << worst_entropy);
}

TEST_CASE_TEMPLATE("fast precision: within 1e-6 of the exact mode on wide random rows", T, float, double,
                   bfloat16, float16) {
  double worst = 0.0;
  for (const std::size_t v : {std::size_t{4096}, std::size_t{128256}, std::size_t{262144}}) {
    for (const double scale : {1.0, 3.0, 10.0}) {
      for (const double shift : {0.0, -1e4, 1e4}) {
        if (!std::is_same_v<T, double> && !std::is_same_v<T, float> && shift != 0.0)
          continue;  // 16-bit range
        const auto row = isa_gaussian_row<T>(v, scale, shift, 3 + v);
        const auto exact = isa_row_moments<false>(infoscale::detail::isa::baseline, row, 1.0);
        for (const auto level : isa_levels_here()) {
          INFO("V = " << v << ", scale " << scale << ", shift " << shift << ", level "
                      << infoscale::detail::isa_name(level));
          const auto fast = isa_row_moments<true>(level, row, 1.0);
          INFOSCALE_CHECK_CLOSE(fast.entropy(), exact.entropy(), 1e-6, 0.0);
          // Var = E[d^2] - E[d]^2 over gaps d to the maximum: 1e-6 of E[d^2], the cancellation.
          const double second_moment = exact.varentropy() + exact.relative_mean * exact.relative_mean;
          INFOSCALE_CHECK_CLOSE(fast.varentropy(), exact.varentropy(), 0.0, 1e-6 * second_moment);
          // log Z to 1e-6 relative to max(1, |z|): the gaps are what the float arithmetic sees.
          INFOSCALE_CHECK_CLOSE(fast.log_partition(), exact.log_partition(), 0.0,
                                1e-6 * std::max(1.0, std::abs(exact.max)));
          worst = std::max(worst, std::abs(fast.entropy() - exact.entropy()) / exact.entropy());
        }
      }
    }
  }
  MESSAGE("fast mode, worst relative error of S against the exact mode: " << worst);
}

TEST_CASE("fast precision: chosen per call; par equals seq bit for bit; exact stays the default") {
  const std::size_t rows = 6, v = 70000;
  const auto data = isa_gaussian_row<float>(rows * v, 2.0, 0.0, 99);
  const auto view = make_view(data.data(), std::array<std::size_t, 2>{rows, v});
  const auto exact = entropy_from_logits(seq, view);
  const auto exact_named = entropy_from_logits(seq, view, 1.0, logits_precision::exact);
  const auto fast = entropy_from_logits(seq, view, 1.0, logits_precision::fast);
  const auto fast_par = entropy_from_logits(par, view, 1.0, logits_precision::fast);
  const auto states = thermodynamics(seq, view, 1.3, logits_precision::fast);
  for (std::size_t r = 0; r < rows; ++r) {
    CHECK(exact[r] == exact_named[r]);
    CHECK(fast[r] == fast_par[r]);
    INFOSCALE_CHECK_CLOSE(fast[r], exact[r], 1e-6, 0.0);
    // F = U - T S on the fast mode's numbers too.
    INFOSCALE_CHECK_CLOSE(states[r].free_energy, states[r].internal_energy - 1.3 * states[r].entropy, 1e-12,
                          1e-9);
  }
  CHECK(exact != fast);  // the modes do differ: the argument is not ignored
  CHECK(parse_logits_precision("fast", "f") == logits_precision::fast);
  CHECK(parse_logits_precision("exact", "f") == logits_precision::exact);
  CHECK_THROWS_WITH_AS(parse_logits_precision("double", "entropy"), doctest::Contains("precision"),
                       infoscale::error);
}

TEST_CASE("INFOSCALE_ISA lowers the level, never raises it") {
  const char* saved = std::getenv("INFOSCALE_ISA");
  const std::string restore = saved ? saved : "";
  setenv("INFOSCALE_ISA", "baseline", 1);
  CHECK(infoscale::detail::detect_isa() == infoscale::detail::isa::baseline);
  setenv("INFOSCALE_ISA", "avx512", 1);
  CHECK(infoscale::detail::detect_isa() == infoscale::detail::supported_isa());
  setenv("INFOSCALE_ISA", "avx2", 1);
  CHECK(static_cast<int>(infoscale::detail::detect_isa()) <= static_cast<int>(infoscale::detail::isa::avx2));
  setenv("INFOSCALE_ISA", "something-else", 1);
  CHECK(infoscale::detail::detect_isa() == infoscale::detail::supported_isa());
  if (saved)
    setenv("INFOSCALE_ISA", restore.c_str(), 1);
  else
    unsetenv("INFOSCALE_ISA");
}

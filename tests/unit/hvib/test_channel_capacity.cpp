// Blahut-Arimoto channel capacity against closed forms (bits converted to nats).
#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/hvib/channel_capacity.hpp>
#include <limits>
#include <numbers>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {
double binary_entropy_bits(double p) {
  return p <= 0.0 || p >= 1.0 ? 0.0 : -p * std::log2(p) - (1.0 - p) * std::log2(1.0 - p);
}
void check_bracket(const channel_capacity_result& c) {
  CHECK(c.converged);
  CHECK(c.capacity <= c.lower_bound + 1e-15);
  CHECK(c.lower_bound <= c.upper_bound);
  CHECK(c.upper_bound - c.lower_bound < 1e-12);
  INFOSCALE_CHECK_CLOSE(c.input.sum(), 1.0, 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(c.output.sum(), 1.0, 1e-14, 0.0);
}
}  // namespace

TEST_CASE("channel capacity: binary symmetric C = 1 - H2(p), binary erasure C = 1 - e, Z-channel") {
  for (const double p : {0.0, 0.01, 0.11, 0.3, 0.5}) {
    INFO("p = " << p);
    Eigen::MatrixXd bsc(2, 2);
    bsc << 1.0 - p, p, p, 1.0 - p;
    const auto c = channel_capacity(bsc);
    check_bracket(c);
    INFOSCALE_CHECK_CLOSE(c.capacity / std::numbers::ln2, 1.0 - binary_entropy_bits(p), 1e-12, 1e-14);
    INFOSCALE_CHECK_CLOSE(c.input(0), 0.5, 1e-12, 0.0);

    Eigen::MatrixXd bec(2, 3);  // outputs 0, erasure, 1
    bec << 1.0 - p, p, 0.0, 0.0, p, 1.0 - p;
    const auto e = channel_capacity(bec);
    check_bracket(e);
    INFOSCALE_CHECK_CLOSE(e.capacity / std::numbers::ln2, 1.0 - p, 1e-12, 1e-14);

    if (p > 0.0) {  // Z-channel: 0 -> 0 always, 1 -> 0 with probability p
      Eigen::MatrixXd z(2, 2);
      z << 1.0, 0.0, p, 1.0 - p;
      const auto r = channel_capacity(z);
      check_bracket(r);
      const double exact_bits = std::log2(1.0 + (1.0 - p) * std::pow(p, p / (1.0 - p)));
      INFOSCALE_CHECK_CLOSE(r.capacity / std::numbers::ln2, exact_bits, 1e-10, 0.0);
      // the optimal input: P(X = 1) = 1 / ((1 - p) (1 + 2^{H2(p) / (1 - p)})), hand-derived
      const double one = 1.0 / ((1.0 - p) * (1.0 + std::exp2(binary_entropy_bits(p) / (1.0 - p))));
      INFOSCALE_CHECK_CLOSE(r.input(1), one, 1e-6, 0.0);
    }
  }
}

TEST_CASE("channel capacity: noiseless, useless and partly useless channels (hand-computed)") {
  const auto noiseless = channel_capacity(Eigen::MatrixXd::Identity(3, 3));
  check_bracket(noiseless);
  INFOSCALE_CHECK_CLOSE(noiseless.capacity, std::log(3.0), 1e-14, 0.0);
  Eigen::MatrixXd useless(3, 2);
  useless << 0.3, 0.7, 0.3, 0.7, 0.3, 0.7;
  CHECK(std::abs(channel_capacity(useless).capacity) < 1e-15);
  // two clean inputs and one that outputs a fair coin: C = log 2 with the third input unused
  Eigen::MatrixXd partly(3, 2);
  partly << 1.0, 0.0, 0.0, 1.0, 0.5, 0.5;
  const auto c = channel_capacity(partly, {.max_iterations = 200000, .tolerance = 1e-9});
  CHECK(c.converged);
  CHECK(c.capacity <= std::numbers::ln2 + 1e-15);  // achieved, so a lower bound
  CHECK(std::numbers::ln2 <= c.upper_bound + 1e-15);
  CHECK(c.upper_bound - c.capacity < 1e-8);
  CHECK(c.input(2) < 1e-4);
}

TEST_CASE("channel capacity: invalid channels raise") {
  CHECK_THROWS_WITH_AS((void)channel_capacity(Eigen::MatrixXd(0, 2)), doctest::Contains("'channel' is empty"),
                       error);
  Eigen::MatrixXd w(2, 2);
  w << 0.5, 0.5, 0.5, 0.6;
  CHECK_THROWS_WITH_AS((void)channel_capacity(w), doctest::Contains("'channel' row 1 sums to"), error);
  w << std::numeric_limits<double>::quiet_NaN(), 1.0, 0.5, 0.5;
  CHECK_THROWS_WITH_AS((void)channel_capacity(w), doctest::Contains("invalid probability"), error);
  w << -0.5, 1.5, 0.5, 0.5;
  CHECK_THROWS_WITH_AS((void)channel_capacity(w), doctest::Contains("invalid probability"), error);
  w << 0.5, 0.5, 0.5, 0.5;
  CHECK_THROWS_WITH_AS((void)channel_capacity(w, {.tolerance = 0.0}), doctest::Contains("tolerance"), error);
}

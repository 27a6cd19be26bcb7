// The real character-level model's fixture: numbers printed by the script that trained it
// (tests/fixtures/make_char_lm.py, numpy) are reproduced from its logits.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <infoscale/info.hpp>
#include <infoscale/thermo.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE("real char-level LM: cross-entropy and mean entropy equal the training script's figures") {
  const auto logits = test::load_fixture<float>("lm/char_lm_logits.npy");
  const auto targets = test::load_fixture<std::int64_t>("lm/char_lm_targets.npy");
  REQUIRE(logits.dimension() == 2);
  const auto view =
      make_view(logits.data(), std::array<std::size_t, 2>{logits.shape(0), logits.shape(1)}, "logits");
  const std::vector<std::int64_t> ids(targets.begin(), targets.end());
  const auto nll = cross_entropy_from_logits(par, view, std::span<const std::int64_t>(ids));
  const auto h = entropy_from_logits(par, view);
  double nll_sum = 0, h_sum = 0;
  for (std::size_t i = 0; i < nll.size(); ++i) nll_sum += nll[i], h_sum += h[i];
  const double bits = std::log(2.0) * static_cast<double>(nll.size());
  // char_lm_metrics.txt: "fixture positions ...: 2.1030 bits/char, mean entropy 2.1374 bits" (4 decimals).
  CHECK(std::abs(nll_sum / bits - 2.1030) <= 5e-5);
  CHECK(std::abs(h_sum / bits - 2.1374) <= 5e-5);
}

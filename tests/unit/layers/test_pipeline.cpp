#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// A synthetic model: `layers` layers of `tokens` x `width` activations. Inside a regime each
// layer is the previous one plus small noise (CKA near 1); at a planted boundary pair l the next
// layer is mostly fresh (CKA low). Probe predictions are correct with a per-regime probability,
// attention rows change pattern at the boundaries.
struct synthetic_model {
  std::size_t layers, sequences, length, width;
  std::vector<std::size_t> boundaries;
  std::vector<double> activations;  // [layers][tokens][width]
  std::size_t tokens() const { return sequences * length; }
  bool is_boundary(std::size_t pair) const {
    for (const auto b : boundaries)
      if (b == pair) return true;
    return false;
  }
  synthetic_model(std::size_t l, std::size_t s, std::size_t n, std::size_t d,
                  std::vector<std::size_t> planted, std::uint64_t seed)
      : layers(l),
        sequences(s),
        length(n),
        width(d),
        boundaries(std::move(planted)),
        activations(l * s * n * d) {
    const random_stream rng(seed, 0);
    const std::size_t per_layer = tokens() * width;
    for (std::size_t i = 0; i < per_layer; ++i) activations[i] = rng.normal(i);
    for (std::size_t layer = 1; layer < layers; ++layer) {
      const bool jump = is_boundary(layer - 1);
      for (std::size_t i = 0; i < per_layer; ++i) {
        const double previous = activations[(layer - 1) * per_layer + i];
        const double fresh = rng.normal(layer * per_layer + i);
        activations[layer * per_layer + i] = jump ? 0.4 * previous + fresh : previous + 0.15 * fresh;
      }
    }
  }
  tensor_view<const double, 3> stack() const {
    return make_view(activations.data(), std::array<std::size_t, 3>{layers, tokens(), width});
  }
  std::size_t regime(std::size_t layer) const {
    std::size_t r = 0;
    for (const auto b : boundaries) r += layer > b ? 1 : 0;
    return r;
  }
};

const std::vector<std::size_t> lengths_of(const synthetic_model& m) {
  return std::vector<std::size_t>(m.sequences, m.length);
}

// Probe predictions: correct with probability 0.55 / 0.75 / 0.92 per regime (a jump in P at the
// boundaries), else a uniformly wrong class.
void add_probe_layers(probe_evidence& e, const synthetic_model& m, bool flat, std::uint64_t seed) {
  const int classes = 4;
  std::vector<int> labels(m.tokens());
  const random_stream rng(seed, 1);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(rng.below(classes, i));
  const double accuracy[3] = {0.55, 0.75, 0.92};
  for (std::size_t l = 0; l < m.layers; ++l) {
    const double p = flat ? 0.75 : accuracy[m.regime(l)];
    std::vector<int> predicted(labels.size());
    const random_stream draw(seed, 100 + l);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      predicted[i] = draw.uniform(2 * i) < p
                         ? labels[i]
                         : (labels[i] + 1 + static_cast<int>(draw.below(classes - 1, 2 * i + 1))) % classes;
    }
    e.add_layer({labels}, {predicted}, {classes});
  }
}

// Attention: causal rows mixing a regime pattern (uniform / previous token / first token) with
// per-layer noise.
void add_attention(attention_evidence& e, const synthetic_model& m, bool flat, std::uint64_t seed) {
  const std::size_t heads = 2, q = m.length;
  for (std::size_t s = 0; s < m.sequences; ++s) {
    std::vector<std::vector<double>> storage(m.layers, std::vector<double>(heads * q * q));
    std::vector<tensor_view<const double, 3>> views;
    for (std::size_t l = 0; l < m.layers; ++l) {
      const random_stream rng(seed, 1000 * s + l);
      const std::size_t regime = flat ? 0 : m.regime(l);
      for (std::size_t h = 0; h < heads; ++h) {
        for (std::size_t i = 0; i < q; ++i) {
          double total = 0.0;
          for (std::size_t j = 0; j <= i; ++j) {
            double pattern = regime == 0   ? 1.0
                             : regime == 1 ? (j + 1 == i || (i == 0 && j == 0) ? 8.0 : 0.2)
                                           : (j == 0 ? 8.0 : 0.2);
            double v = pattern * std::exp(0.3 * rng.normal((h * q + i) * q + j));
            storage[l][(h * q + i) * q + j] = v;
            total += v;
          }
          for (std::size_t j = 0; j < q; ++j) storage[l][(h * q + i) * q + j] /= j <= i ? total : 1.0;
        }
      }
      views.push_back(make_view(storage[l].data(), std::array<std::size_t, 3>{heads, q, q}));
    }
    e.add_sequence(s, std::span<const tensor_view<const double, 3>>(views));
  }
}

}  // namespace

TEST_CASE("layers: ground truth: three planted regimes are recovered inside their CIs and accepted") {
  const synthetic_model m(12, 24, 8, 6, {3, 7}, 11);
  const resampling_plan plan(m.sequences, 200, 2024);
  cka_evidence cka(lengths_of(m), plan);
  for (std::size_t l = 0; l < m.layers; ++l) cka.add_layer(par, m.stack()[l]);
  probe_evidence probes(lengths_of(m), plan);
  add_probe_layers(probes, m, false, 5);
  attention_evidence attention(plan);
  add_attention(attention, m, false, 6);
  const auto report = detect_boundaries(par, &cka, &probes, &attention);
  REQUIRE(report.evidence.size() == 11);
  // S1 on the full sample equals 1/CKA computed directly
  const auto s1 = representation_change(m.stack());
  for (std::size_t l = 0; l < s1.size(); ++l) INFOSCALE_CHECK_CLOSE(report.s1[l], s1[l], 1e-10, 0.0);
  REQUIRE(report.boundaries.size() == 2);
  for (std::size_t b = 0; b < 2; ++b) {
    const auto& found = report.boundaries[b];
    INFO("boundary " << b << " at " << found.pair << ", CI [" << found.ci.lower << ", " << found.ci.upper
                     << "]");
    CHECK(found.pair == m.boundaries[b]);
    CHECK(found.ci.lower <= static_cast<double>(m.boundaries[b]));
    CHECK(found.ci.upper >= static_cast<double>(m.boundaries[b]));
    CHECK(found.accepted);
    CHECK(found.prominence >= 0.3);
  }
  // deterministic and thread-count independent
  const auto again = detect_boundaries(seq, &cka, &probes, &attention);
  CHECK(again.boundaries[0].ci.lower == report.boundaries[0].ci.lower);
  CHECK(again.boundaries[1].ci.upper == report.boundaries[1].ci.upper);
  CHECK(again.resampled == report.resampled);
  // CKA alone finds the same boundaries
  const auto cka_only = detect_boundaries(par, &cka, nullptr, nullptr);
  REQUIRE(cka_only.boundaries.size() == 2);
  CHECK(cka_only.boundaries[0].pair == 3);
  CHECK(cka_only.boundaries[1].pair == 7);
}

TEST_CASE("layers: ground truth: a stack without regime change gives no accepted boundary") {
  const synthetic_model m(12, 24, 8, 6, {}, 12);
  const resampling_plan plan(m.sequences, 200, 7);
  cka_evidence cka(lengths_of(m), plan);
  for (std::size_t l = 0; l < m.layers; ++l) cka.add_layer(m.stack()[l]);
  probe_evidence probes(lengths_of(m), plan);
  add_probe_layers(probes, m, true, 8);
  attention_evidence attention(plan);
  add_attention(attention, m, true, 9);
  const auto report = detect_boundaries(par, &cka, &probes, &attention);
  MESSAGE("no-regime stack: " << report.boundaries.size() << " candidate peak(s) before the bootstrap");
  CHECK_FALSE(
      report.boundaries.empty());  // the fused curve has peaks >= 0.3: only the bootstrap rejects them
  for (const auto& b : report.boundaries) {
    INFO("spurious peak at " << b.pair << ", CI [" << b.ci.lower << ", " << b.ci.upper << "], rate "
                             << b.detection_rate);
    CHECK_FALSE(b.accepted);
  }
}

TEST_CASE("layers: pipeline bad input: fewer than 3 layers, mismatched evidence") {
  const synthetic_model m(2, 4, 5, 3, {}, 13);
  const resampling_plan plan(m.sequences, 10, 1);
  cka_evidence cka(lengths_of(m), plan);
  for (std::size_t l = 0; l < m.layers; ++l) cka.add_layer(m.stack()[l]);
  CHECK_THROWS_AS((void)detect_boundaries(seq, &cka, nullptr, nullptr), infoscale::error);
  CHECK_THROWS_AS((void)detect_boundaries(seq, nullptr, nullptr, nullptr), infoscale::error);
  const synthetic_model big(4, 4, 5, 3, {}, 14);
  cka_evidence four(lengths_of(big), plan);
  for (std::size_t l = 0; l < big.layers; ++l) four.add_layer(big.stack()[l]);
  probe_evidence probes(lengths_of(big), plan);
  add_probe_layers(probes, m, true, 1);  // 2 layers only
  CHECK_THROWS_AS((void)detect_boundaries(seq, &four, &probes, nullptr), infoscale::error);
}

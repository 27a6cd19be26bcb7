// Detects the L-I and I-G boundaries of a small synthetic 12-layer model with two planted regime
// changes, from CKA alone (add probe_evidence / attention_evidence when the host has them).
#include <cstdio>
#include <infoscale/core/random.hpp>
#include <infoscale/layers.hpp>
#include <vector>

int main() {
  using namespace infoscale;
  const std::size_t layers = 12, sequences = 24, length = 8, width = 6, tokens = sequences * length;
  std::vector<double> h(tokens * width), next(tokens * width);
  const random_stream rng(1, 0);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = rng.normal(i);
  const resampling_plan plan(sequences, 1000, 42);
  cka_evidence cka(std::vector<std::size_t>(sequences, length), plan);
  for (std::size_t l = 0; l < layers; ++l) {
    cka.add_layer(par, make_view(h.data(), std::array<std::size_t, 2>{tokens, width}));
    const bool boundary = l == 3 || l == 7;  // regime changes between layers 3|4 and 7|8
    const random_stream noise(2, l);
    for (std::size_t i = 0; i < h.size(); ++i)
      next[i] = boundary ? 0.4 * h[i] + noise.normal(i) : h[i] + 0.15 * noise.normal(i);
    h.swap(next);
  }
  const auto report = detect_boundaries(par, &cka, nullptr, nullptr);
  std::printf("E(l):");
  for (const double e : report.evidence) std::printf(" %.2f", e);
  std::printf("\n");
  const char* names[] = {"L-I", "I-G"};
  for (std::size_t b = 0; b < report.boundaries.size(); ++b) {
    const auto& x = report.boundaries[b];
    std::printf(
        "%s boundary between layers %zu and %zu (relative %.3f), prominence %.2f, 95%% CI [%.1f, %.1f], %s\n",
        names[b], x.pair, x.pair + 1, relative_position(static_cast<double>(x.pair + 1), layers),
        x.prominence, x.ci.lower, x.ci.upper, x.accepted ? "accepted" : "rejected");
  }
  return 0;
}

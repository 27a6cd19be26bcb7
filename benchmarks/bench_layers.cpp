// Whole boundary pipeline on a synthetic dump: S1 (CKA from per-sequence statistics), S2
// (logistic probes), S3 (attention JS), fusion, peaks and 1000 bootstrap resamples.
// Usage: bench_layers [layers=32] [tokens=10000] [width=4096] [sequences=100] [resamples=1000]
// Layers are generated one at a time (only two are ever held), as a llama.cpp callback would.
// Probes read the first 128 features of each layer (a full-width 4096-d probe per layer is a
// separate cost the paper's protocol leaves to the host).
// Measured on the 2-core dev machine (AVX-512, quiet), the default build with OpenBLAS: full size
// 32 x 10,000 x 4096, 100 sequences, 1000 resamples: 253 s total (S1 183 s, the n x n Grams),
// peak RSS 2.5 GiB (before OpenBLAS, -march=native, shared machine: 537 s, S1 462 s). At
// 32 x 1000 x 128, 10 sequences, 200 resamples: 2.8 s vs 545 s for
// benchmarks/layers_reference.py (numpy/scipy, recomputing CKA per resample): ~190x.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <infoscale/core/random.hpp>
#include <infoscale/layers.hpp>
#include <vector>

using namespace infoscale;

int main(int argc, char** argv) {
  const auto arg = [&](int i, std::size_t fallback) {
    return argc > i ? static_cast<std::size_t>(std::strtoull(argv[i], nullptr, 10)) : fallback;
  };
  const std::size_t layers = arg(1, 32), tokens = arg(2, 10000), width = arg(3, 4096),
                    sequences = arg(4, 100);
  const std::size_t resamples = arg(5, 1000), length = tokens / sequences,
                    probe_width = std::min<std::size_t>(128, width);
  const std::vector<std::size_t> lengths(sequences, length);
  const std::size_t n = sequences * length;
  const resampling_plan plan(sequences, resamples, 1);
  const auto start = std::chrono::steady_clock::now();
  double cka_seconds = 0, probe_seconds = 0;
  cka_evidence cka(lengths, plan);
  probe_evidence probes(lengths, plan);
  std::vector<int> labels(n);
  const random_stream rng(7, 0);
  for (std::size_t i = 0; i < n; ++i) labels[i] = static_cast<int>(rng.below(4, i));
  std::vector<float> current(n * width), previous;
  for (std::size_t l = 0; l < layers; ++l) {
    const bool jump = l == layers / 3 || l == 2 * layers / 3;
    const random_stream noise(11, l);
    for (std::size_t i = 0; i < current.size(); ++i) {
      const double fresh = noise.normal(i) + (i % width < 4 ? 0.5 * labels[i / width] * (1.0 + l % 3) : 0.0);
      current[i] = l == 0 ? static_cast<float>(fresh)
                          : static_cast<float>(jump ? 0.4 * previous[i] + fresh : previous[i] + 0.15 * fresh);
    }
    const auto t0 = std::chrono::steady_clock::now();
    cka.add_layer(par, make_view(current.data(), std::array<std::size_t, 2>{n, width}));
    const auto t1 = std::chrono::steady_clock::now();
    const auto narrow = make_view(current.data(), std::array<std::size_t, 2>{n, probe_width},
                                  std::array<std::ptrdiff_t, 2>{static_cast<std::ptrdiff_t>(width), 1});
    const auto predicted =
        cross_validated_predictions(narrow, labels, 4, {probe_kind::logistic, 3, 1e-3, 100});
    probes.add_layer({labels}, {predicted}, {4});
    const auto t2 = std::chrono::steady_clock::now();
    cka_seconds += std::chrono::duration<double>(t1 - t0).count();
    probe_seconds += std::chrono::duration<double>(t2 - t1).count();
    previous.swap(current);
    current.resize(n * width);
  }
  // attention: 8 heads, causal, per-layer patterns
  const auto t3 = std::chrono::steady_clock::now();
  attention_evidence attention(plan);
  const std::size_t heads = 8;
  std::vector<std::vector<double>> storage(layers, std::vector<double>(heads * length * length));
  for (std::size_t s = 0; s < sequences; ++s) {
    std::vector<tensor_view<const double, 3>> views;
    for (std::size_t l = 0; l < layers; ++l) {
      const random_stream a(13, s * layers + l);
      for (std::size_t h = 0; h < heads; ++h) {
        for (std::size_t i = 0; i < length; ++i) {
          double total = 0;
          double* row = storage[l].data() + (h * length + i) * length;
          for (std::size_t j = 0; j < length; ++j) {
            row[j] = j <= i ? std::exp(0.5 * a.normal((h * length + i) * length + j) +
                                       (l > layers / 2 && j == 0 ? 2 : 0))
                            : 0;
            total += row[j];
          }
          for (std::size_t j = 0; j < length; ++j) row[j] /= total;
        }
      }
      views.push_back(make_view(storage[l].data(), std::array<std::size_t, 3>{heads, length, length}));
    }
    attention.add_sequence(s, std::span<const tensor_view<const double, 3>>(views));
  }
  const auto t4 = std::chrono::steady_clock::now();
  const auto report = detect_boundaries(par, &cka, &probes, &attention);  // both intervals, one pass
  const auto end = std::chrono::steady_clock::now();
  // What the program did before one pass gave both intervals: a bootstrap per interval method.
  boundary_options percentile_only;
  percentile_only.method = interval_method::percentile;
  const auto t5 = std::chrono::steady_clock::now();
  const auto pct = detect_boundaries(par, &cka, &probes, &attention, percentile_only);
  const auto bca = detect_boundaries(par, &cka, &probes, &attention);
  const auto t6 = std::chrono::steady_clock::now();
  const bool same =
      pct.boundaries.size() == report.boundaries.size() && bca.boundaries.size() == report.boundaries.size();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("bench_layers: %zu layers x %zu tokens x %zu wide, %zu sequences, %zu resamples\n", layers, n,
              width, sequences, resamples);
  std::printf("  S1 CKA statistics + all resample CKAs: %.2f s\n", cka_seconds);
  std::printf("  S2 probes (3-fold logistic, %zu features): %.2f s\n", probe_width, probe_seconds);
  std::printf("  S3 attention JS: %.2f s\n", std::chrono::duration<double>(t4 - t3).count());
  std::printf("  fusion + peaks + bootstrap CIs (percentile and BCa, one pass): %.2f s\n",
              std::chrono::duration<double>(end - t4).count());
  std::printf("  the same as two passes, one per interval method (before): %.2f s%s\n",
              std::chrono::duration<double>(t6 - t5).count(), same ? "" : " (DIFFERENT BOUNDARIES)");
  std::printf("  total %.2f s, peak RSS %.1f MiB\n", std::chrono::duration<double>(end - start).count(),
              usage.ru_maxrss / 1024.0);
  for (const auto& b : report.boundaries) {
    std::printf("  boundary at pair %zu, CI percentile [%.1f, %.1f], BCa [%.1f, %.1f], accepted %d\n", b.pair,
                b.ci_percentile.lower, b.ci_percentile.upper, b.ci_bca.lower, b.ci_bca.upper, b.accepted);
  }
  return 0;
}

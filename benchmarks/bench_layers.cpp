// Whole boundary pipeline on a synthetic stream (synthetic_layers.hpp): S1 (CKA from
// per-sequence statistics), S2 (probes on three label sets, 5 folds), S3 (attention JS), fusion,
// peaks and 1000 bootstrap resamples: Experiment 1's analysis at the paper's size (issue 18).
// Usage: bench_layers [layers=32] [tokens=10000] [width=4096] [sequences=100] [resamples=1000]
//                     [probe=mlp_minibatch] [projection=256]
// Layers are generated one at a time (only two are ever held), as a llama.cpp callback would.
// The probes read every feature of the layer (through its top `projection` principal components
// when projection > 0); the figures are in the README's benchmark section.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <infoscale/core/random.hpp>
#include <infoscale/layers.hpp>
#include <string>
#include <vector>

#include "synthetic_layers.hpp"

using namespace infoscale;

int main(int argc, char** argv) {
  const auto arg = [&](int i, std::size_t fallback) {
    return argc > i ? static_cast<std::size_t>(std::strtoull(argv[i], nullptr, 10)) : fallback;
  };
  const std::size_t layers = arg(1, 32), tokens = arg(2, 10000), width = arg(3, 4096),
                    sequences = arg(4, 100);
  const std::size_t resamples = arg(5, 1000), length = tokens / sequences;
  probe_options probe;
  probe.kind = parse_probe_kind(argc > 6 ? argv[6] : "mlp_minibatch", "bench_layers");
  probe.projection = arg(7, 256);
  const std::vector<std::size_t> lengths(sequences, length);
  const std::size_t n = sequences * length;
  const resampling_plan plan(sequences, resamples, 1);
  const auto start = std::chrono::steady_clock::now();
  double cka_seconds = 0, probe_seconds = 0, generate_seconds = 0;
  cka_evidence cka(lengths, plan);
  probe_evidence probes(lengths, plan);
  synthetic_layers stream(layers, n, width);
  const std::vector<std::vector<int>> label_sets(stream.labels.begin(), stream.labels.end());
  const std::vector<int> classes(stream.classes.begin(), stream.classes.end());
  for (std::size_t l = 0; l < layers; ++l) {
    const auto g0 = std::chrono::steady_clock::now();
    stream.make(l);
    const auto layer = make_view(stream.current.data(), std::array<std::size_t, 2>{n, width});
    const auto t0 = std::chrono::steady_clock::now();
    cka.add_layer(par, layer);
    const auto t1 = std::chrono::steady_clock::now();
    probes.add_layer(label_sets, cross_validated_predictions(par, layer, label_sets, classes, probe),
                     classes);
    const auto t2 = std::chrono::steady_clock::now();
    generate_seconds += std::chrono::duration<double>(t0 - g0).count();
    cka_seconds += std::chrono::duration<double>(t1 - t0).count();
    probe_seconds += std::chrono::duration<double>(t2 - t1).count();
    std::fprintf(stderr, "layer %zu: CKA %.1f s, probes %.1f s\n", l,
                 std::chrono::duration<double>(t1 - t0).count(),
                 std::chrono::duration<double>(t2 - t1).count());
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
  std::printf("  S2 probes (%s, 3 label sets, 5 folds, %zu features%s): %.2f s\n", name_of(probe.kind), width,
              probe.projection > 0
                  ? (" through " + std::to_string(probe.projection) + " principal components").c_str()
                  : "",
              probe_seconds);
  std::printf("  generating the synthetic layers: %.2f s\n", generate_seconds);
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

// The probes at scale against the exact protocol (issue 18), on synthetic_layers.hpp's stream at
// a size where the exact one runs: per layer, the mean macro-F1 over three label sets (5 folds) of
//   exact      the paper's MLP, full-batch Adam for 300 steps in double (probe_kind::mlp);
//   minibatch  the same MLP and objective by mini-batch Adam in float (probe_kind::mlp_minibatch);
//   projected  minibatch on the top `projection` principal components;
// with the differences, the S2 jumps each gives, the epochs the stopping rule used and the times.
// Usage: bench_probes [layers=8] [tokens=2000] [width=512] [projection=64] [learning_rate] [max_epochs]
//                     [batch] [exact=1] (the three before exact default to probe_options'; exact=0 skips
//                     the exact fits, to explore the others' settings quickly)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <infoscale/layers/probe.hpp>
#include <vector>

#include "synthetic_layers.hpp"

using namespace infoscale;

int main(int argc, char** argv) {
  const auto arg = [&](int i, std::size_t fallback) {
    return argc > i ? static_cast<std::size_t>(std::strtoull(argv[i], nullptr, 10)) : fallback;
  };
  const std::size_t layers = arg(1, 8), tokens = arg(2, 2000), width = arg(3, 512), projection = arg(4, 64);
  synthetic_layers stream(layers, tokens, width);
  const std::vector<std::vector<int>> sets(stream.labels.begin(), stream.labels.end());
  const std::vector<int> classes(stream.classes.begin(), stream.classes.end());
  probe_options exact, minibatch, projected;
  exact.kind = probe_kind::mlp;
  minibatch.kind = probe_kind::mlp_minibatch;
  if (argc > 5) minibatch.learning_rate = std::strtod(argv[5], nullptr);
  minibatch.max_epochs = arg(6, minibatch.max_epochs);
  minibatch.batch = arg(7, minibatch.batch);
  projected = minibatch;
  projected.projection = projection;
  const probe_options* methods[] = {&exact, &minibatch, &projected};
  std::vector<std::array<double, 3>> f1(layers);
  std::array<double, 3> seconds{};
  std::vector<std::size_t> epochs;
  for (std::size_t l = 0; l < layers; ++l) {
    stream.make(l);
    const auto view = make_view(stream.current.data(), std::array<std::size_t, 2>{tokens, width});
    for (std::size_t m = arg(8, 1) == 0 ? 1 : 0; m < 3; ++m) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto predicted = cross_validated_predictions(par, view, sets, classes, *methods[m]);
      seconds[m] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (std::size_t t = 0; t < 3; ++t) f1[l][m] += macro_f1(sets[t], predicted[t], classes[t]) / 3.0;
    }
    // Epochs the stopping rule used: the first fold of each set, on the unprojected features.
    const Eigen::MatrixXf xt = detail::to_token_columns<float>(view);
    for (std::size_t t = 0; t < 3; ++t)
      epochs.push_back(detail::fit_mlp_minibatch(xt, sets[t], classes[t], minibatch, 0).loss_curve.size());
  }
  std::printf(
      "bench_probes: %zu layers x %zu tokens x %zu wide, 3 label sets (4, 8, 3 classes), 5 folds; minibatch: "
      "rate %g, batch %zu\n",
      layers, tokens, width, minibatch.learning_rate, minibatch.batch);
  std::printf(
      "| layer | exact F1 | minibatch F1 | projected (%zu) F1 | minibatch - exact | projected - exact |\n",
      projection);
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  std::array<double, 2> worst{};
  for (std::size_t l = 0; l < layers; ++l) {
    std::printf("| %zu | %.4f | %.4f | %.4f | %+.4f | %+.4f |\n", l, f1[l][0], f1[l][1], f1[l][2],
                f1[l][1] - f1[l][0], f1[l][2] - f1[l][0]);
    for (std::size_t m = 1; m < 3; ++m) worst[m - 1] = std::max(worst[m - 1], std::abs(f1[l][m] - f1[l][0]));
  }
  std::printf("largest |F1 difference|: minibatch %.4f, projected %.4f\n", worst[0], worst[1]);
  std::printf("S2 = |P(l+1) - P(l)| / P(l) per pair (exact / minibatch / projected):\n");
  for (std::size_t l = 0; l + 1 < layers; ++l)
    std::printf("  %zu-%zu: %.4f / %.4f / %.4f\n", l, l + 1, std::abs(f1[l + 1][0] - f1[l][0]) / f1[l][0],
                std::abs(f1[l + 1][1] - f1[l][1]) / f1[l][1], std::abs(f1[l + 1][2] - f1[l][2]) / f1[l][2]);
  std::printf("seconds: exact %.2f, minibatch %.2f, projected %.2f (2 threads over label sets x folds)\n",
              seconds[0], seconds[1], seconds[2]);
  std::printf("epochs used (max %zu):", minibatch.max_epochs);
  for (const std::size_t e : epochs) std::printf(" %zu", e);
  std::printf("\n");
  return 0;
}

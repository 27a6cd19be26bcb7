#pragma once
// The benchmarks' synthetic layer stream (bench_layers, bench_probes): layer l of tokens x width
// float activations, made one at a time from the previous one, as a llama.cpp callback would
// hand them over. Regimes change at layers / 3 and 2 layers / 3 (a contraction plus fresh noise);
// elsewhere each layer adds 0.15 of fresh noise. Three label sets (4, 8 and 3 classes) are
// written into features 0-7, 8-15 and 16-23 as class patterns of +-1, each from its own onset
// layer (0, layers / 3, 2 layers / 3) on, so probes have something to find that changes with depth.
#include <array>
#include <cstddef>
#include <infoscale/core/random.hpp>
#include <vector>

struct synthetic_layers {
  std::size_t layers, tokens, width;
  std::array<int, 3> classes{4, 8, 3};
  std::array<std::vector<int>, 3> labels;
  std::vector<float> current, previous;

  synthetic_layers(std::size_t layer_count, std::size_t token_count, std::size_t features)
      : layers(layer_count), tokens(token_count), width(features), current(token_count * features) {
    for (std::size_t t = 0; t < 3; ++t) {
      const infoscale::random_stream rng(7, t);
      labels[t].resize(tokens);
      for (std::size_t i = 0; i < tokens; ++i) labels[t][i] = static_cast<int>(rng.below(classes[t], i));
    }
  }

  // +-1 pattern of class c of set t on its block's feature k.
  static double pattern(std::size_t t, int c, std::size_t k) {
    const infoscale::random_stream rng(17, t);
    return rng.below(2, static_cast<std::uint64_t>(c) * 8 + k) == 0 ? -1.0 : 1.0;
  }

  /// Makes layer l (call with l = 0, 1, ... in turn) in `current`.
  void make(std::size_t l) {
    previous.swap(current);
    current.resize(tokens * width);
    const bool jump = l == layers / 3 || l == 2 * layers / 3;
    const infoscale::random_stream noise(11, l);
    const std::array<std::size_t, 3> onset{0, layers / 3, 2 * layers / 3};
    for (std::size_t i = 0; i < tokens; ++i) {
      for (std::size_t j = 0; j < width; ++j) {
        double fresh = noise.normal(i * width + j);
        const std::size_t t = j / 8;
        if (t < 3 && l >= onset[t]) fresh += 0.5 * pattern(t, labels[t][i], j % 8) * (1.0 + (l + t) % 3);
        const std::size_t e = i * width + j;
        current[e] = l == 0
                         ? static_cast<float>(fresh)
                         : static_cast<float>(jump ? 0.4 * previous[e] + fresh : previous[e] + 0.15 * fresh);
      }
    }
  }
};

// Entropy + free energy over fp32 logits: achieved read bandwidth against this machine's one-core
// read bandwidth (measured here, by a plain vectorised sum over the same amount of memory).
//
// Usage: bench_thermo [--quick] [--json]
// Prints one line per (policy, V, rows): seconds per pass, GB/s, fraction of one-core bandwidth.
// Then the compute ceilings: the same kernel, a bare double exp and a bare float exp over one block
// that stays in L1, in "GB/s" of fp32 logits they could consume; a pass cannot beat its ceiling,
// whatever the memory does.

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <infoscale/core/detail/fast_exp.hpp>
#include <infoscale/thermo.hpp>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

template <class F>
double best_seconds(F&& f, double budget_seconds = 0.4, int min_repeats = 3) {
  double best = 1e300;
  const auto start = clock_type::now();
  for (int i = 0;; ++i) {
    const auto t0 = clock_type::now();
    f();
    const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
    best = std::min(best, dt);
    if (i + 1 >= min_repeats &&
        std::chrono::duration<double>(clock_type::now() - start).count() > budget_seconds)
      break;
  }
  return best;
}

// One core's read bandwidth: a sum with 16 independent accumulators, which compilers vectorise.
double read_bandwidth_gbs(const std::vector<float>& data) {
  volatile float sink = 0;
  const double seconds = best_seconds([&] {
    float acc[16] = {};
    const std::size_t n = data.size() / 16 * 16;
    for (std::size_t i = 0; i < n; i += 16) {
      for (int l = 0; l < 16; ++l) acc[l] += data[i + l];
    }
    float total = 0;
    for (float a : acc) total += a;
    sink = total;
  });
  (void)sink;
  return static_cast<double>(data.size() * sizeof(float)) / seconds / 1e9;
}

// exp in float, the cheapest an exp can be at float accuracy: the fast precision mode's own
// (core/detail/fast_exp.hpp), here alone to bound what a single-precision kernel could reach.
inline float exp_nonpositive_float(float d) {
  return infoscale::detail::exp_nonpositive_float(infoscale::detail::clamp_below(d, -86.0f));
}

// Elements per second of `kernel` over one L1-resident block of 2048 logits, repeated.
template <class F>
double l1_elements_per_second(const std::vector<float>& logits, F&& kernel) {
  constexpr std::size_t block = 2048, repeats = 2000;
  volatile double sink = 0;
  const double seconds = best_seconds([&] {
    double total = 0;
    for (std::size_t i = 0; i < repeats; ++i) total += kernel(logits.data(), block);
    sink = total;
  });
  (void)sink;
  return static_cast<double>(block * repeats) / seconds;
}

void print_ceilings(const std::vector<float>& logits, double bandwidth, bool json) {
  const double kernel = l1_elements_per_second(logits, [](const float* z, std::size_t n) {
    return infoscale::detail::block_softmax_moments(z, 1, n, 1.0).weight();
  });
  const double double_exp = l1_elements_per_second(logits, [](const float* z, std::size_t n) {
    double acc = 0;
#pragma omp simd reduction(+ : acc)
    for (std::size_t j = 0; j < n; ++j)
      acc += infoscale::detail::exp_nonpositive(static_cast<double>(z[j]) - 9.0);
    return acc;
  });
  const double float_exp = l1_elements_per_second(logits, [](const float* z, std::size_t n) {
    float acc = 0;
#pragma omp simd reduction(+ : acc)
    for (std::size_t j = 0; j < n; ++j) acc += exp_nonpositive_float(z[j] - 9.0f);
    return static_cast<double>(acc);
  });
  const std::pair<const char*, double> ceilings[] = {{"infoscale kernel, L1-resident", kernel},
                                                     {"bare double exp", double_exp},
                                                     {"bare float exp", float_exp}};
  if (!json) std::printf("\ncompute ceilings (one core, one 2048-element block in L1):\n");
  for (const auto& [name, rate] : ceilings) {
    const double gbs = rate * sizeof(float) / 1e9;
    if (json) {
      std::printf("{\"kind\": \"ceiling\", \"name\": \"%s\", \"elements_per_s\": %.4g, \"gbs\": %.3f}\n",
                  name, rate, gbs);
    } else {
      std::printf("%-32s %8.3f G elements/s = %6.2f GB/s of fp32 = %4.0f%% of 1-core bandwidth\n", name,
                  rate / 1e9, gbs, 100.0 * gbs / bandwidth);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--json") == 0) json = true;
  }
  const std::vector<std::size_t> vocabularies{32000, 128256, 262144};
  const std::vector<std::size_t> row_counts =
      quick ? std::vector<std::size_t>{1, 64} : std::vector<std::size_t>{1, 16, 256, 4096};
  const std::size_t largest = vocabularies.back() * row_counts.back();
  std::vector<float> logits(largest);
  std::uint32_t state = 12345;
  for (auto& z : logits) {  // an LCG: fast to fill gigabytes, logits spread like a model's (about +-8)
    state = state * 1664525u + 1013904223u;
    z = static_cast<float>(static_cast<int>(state >> 8) - (1 << 23)) * (8.0f / (1 << 23));
  }
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
  const double bandwidth = read_bandwidth_gbs(logits);
  if (json) {
    std::printf("{\"kind\": \"bandwidth\", \"gbs\": %.3f}\n", bandwidth);
  } else {
    std::printf("one-core read bandwidth (vectorised sum over %.2f GB): %.2f GB/s\n\n",
                static_cast<double>(largest * sizeof(float)) / 1e9, bandwidth);
    std::printf("%-6s %8s %6s %12s %9s %10s\n", "policy", "V", "rows", "s/pass", "GB/s", "of 1-core");
  }
  int threads = 1;
#if defined(_OPENMP)
  threads = omp_get_num_procs();
#endif
  for (const std::size_t v : vocabularies) {
    for (const std::size_t rows : row_counts) {
      const auto view = infoscale::make_view(logits.data(), std::array<std::size_t, 2>{rows, v}, "logits");
      const double bytes = static_cast<double>(rows * v * sizeof(float));
      for (const char* policy : {"seq", "par"}) {
        const bool parallel = std::strcmp(policy, "par") == 0;
#if defined(_OPENMP)
        omp_set_num_threads(parallel ? threads : 1);
#endif
        double checksum = 0;
        const double seconds = best_seconds([&] {
          // Entropy and free energy come out of the same single pass.
          const auto states = parallel ? infoscale::thermodynamics(infoscale::par, view, 1.0)
                                       : infoscale::thermodynamics(infoscale::seq, view, 1.0);
          checksum += states[0].entropy + states[0].free_energy;
        });
        const double gbs = bytes / seconds / 1e9;
        if (json) {
          std::printf(
              "{\"kind\": \"infoscale\", \"policy\": \"%s\", \"threads\": %d, \"V\": %zu, \"rows\": %zu, "
              "\"seconds\": %.6g, \"gbs\": %.3f, \"elements_per_s\": %.4g}\n",
              policy, parallel ? threads : 1, v, rows, seconds, gbs, static_cast<double>(rows * v) / seconds);
        } else {
          std::printf("%-6s %8zu %6zu %12.6f %9.2f %9.0f%%\n", policy, v, rows, seconds, gbs,
                      100.0 * gbs / bandwidth);
        }
        if (checksum != checksum) return 1;
      }
    }
  }
#if defined(_OPENMP)
  omp_set_num_threads(1);
#endif
  print_ceilings(logits, bandwidth, json);
  return 0;
}

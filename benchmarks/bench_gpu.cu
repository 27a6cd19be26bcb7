// GPU figures for scripts/gpu-check.sh: the logits kernels (exact and fast, fp32 and bf16) at
// V = 128,256 x 4096 rows, and the noise kernel of Experiment 2, on the CUDA policy, each checked
// against seq on a sample of rows before it is timed. Prints one Markdown table. Without a GPU it
// says so and exits 0 (CI compiles and links it).
#include <cuda_runtime.h>
#include <thrust/device_vector.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <infoscale/layers/intervention.hpp>
#include <infoscale/thermo.hpp>
#include <vector>

using namespace infoscale;

namespace {

template <class F>
double best_seconds(F&& f, int repeats = 5) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    cudaDeviceSynchronize();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    cudaDeviceSynchronize();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

int failures = 0;

template <class T>
void logits_rows(const char* dtype, std::size_t rows, std::size_t vocabulary) {
  std::vector<T> host(rows * vocabulary);
  const random_stream rng(7, 1);
  for (std::size_t i = 0; i < host.size(); ++i) {
    const auto v = static_cast<float>(3.0 * rng.normal(i));
    if constexpr (std::is_same_v<T, bfloat16>)
      host[i] = to_bfloat16(v);
    else
      host[i] = v;
  }
  thrust::device_vector<T> device(host.begin(), host.end());
  const std::array<std::size_t, 2> shape{rows, vocabulary};
  const auto on_device = make_view(thrust::raw_pointer_cast(device.data()), shape, "logits");
  const auto sample = make_view(host.data(), std::array<std::size_t, 2>{8, vocabulary}, "logits");
  for (const auto precision : {logits_precision::exact, logits_precision::fast}) {
    const auto got = entropy_from_logits(infoscale::cuda, on_device, 1.0, precision);
    const auto want = entropy_from_logits(seq, sample, 1.0, precision);
    const double tolerance = precision == logits_precision::fast ? 1e-6 : 1e-11;
    for (std::size_t r = 0; r < want.size(); ++r) {
      if (!(std::abs(got[r] - want[r]) <= tolerance * std::abs(want[r]))) {
        std::printf("MISMATCH %s %s row %zu: cuda %.17g, seq %.17g\n", dtype, to_string(precision).data(), r,
                    got[r], want[r]);
        ++failures;
      }
    }
    const double s =
        best_seconds([&] { (void)entropy_from_logits(infoscale::cuda, on_device, 1.0, precision); });
    const double bytes = static_cast<double>(host.size() * sizeof(T));
    std::printf("| entropy_from_logits, %s | %s | %zu x %zu | %.3f ms | %.1f GB/s | %.1f G logits/s |\n",
                to_string(precision).data(), dtype, rows, vocabulary, 1e3 * s, bytes / s / 1e9,
                static_cast<double>(host.size()) / s / 1e9);
  }
}

void noise(std::size_t tokens, std::size_t width) {
  thrust::device_vector<float> device(tokens * width, 1.0f);
  const auto view =
      make_view(thrust::raw_pointer_cast(device.data()), std::array<std::size_t, 2>{tokens, width}, "h");
  const double s =
      best_seconds([&] { (void)add_gaussian_noise_scaled(infoscale::cuda, view, 0.1, 1.0, 42); });
  std::printf("| add_gaussian_noise_scaled | fp32 | %zu x %zu | %.3f ms | %.1f GB/s | %.1f G elements/s |\n",
              tokens, width, 1e3 * s, 2.0 * 4.0 * static_cast<double>(tokens * width) / s / 1e9,
              static_cast<double>(tokens * width) / s / 1e9);
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: compiled and linked only\n");
    return 0;
  }
  cudaDeviceProp properties{};
  cudaGetDeviceProperties(&properties, 0);
  std::printf(
      "device: %s\n\n| kernel | dtype | shape | time | read+write | rate |\n|---|---|---|---:|---:|---:|\n",
      properties.name);
  logits_rows<float>("fp32", 4096, 128256);
  logits_rows<bfloat16>("bf16", 4096, 128256);
  noise(8 * 4096, 4096);
  std::printf("\n%s (%d mismatches against seq)\n", failures ? "FAILED" : "agree", failures);
  return failures ? 1 : 0;
}

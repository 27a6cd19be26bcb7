// The CUDA policy against seq. Compiled by nvcc in CI (no GPU there: compile and link only); run
// on a machine with a GPU it checks every statistic's agreement with the host reference.
#include <cuda_runtime.h>
#include <thrust/device_vector.h>

#include <cmath>
#include <cstdio>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <infoscale/thermo.hpp>
#include <vector>

using namespace infoscale;

namespace {
int failures = 0;
void expect_close(double got, double want, double tol, const char* what, std::size_t row) {
  if (!(std::abs(got - want) <= tol * (1.0 + std::abs(want)))) {
    std::printf("MISMATCH %s row %zu: cuda %.17g, seq %.17g\n", what, row, got, want);
    ++failures;
  }
}
}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: compiled and linked only\n");
    return 0;
  }
  const std::size_t rows = 64, columns = 128256;
  const random_stream rng(1, 2);
  std::vector<float> host(rows * columns), host_b(rows * columns);
  std::vector<double> p(rows * 100), q(rows * 100);
  for (std::size_t i = 0; i < host.size(); ++i) {
    host[i] = static_cast<float>(6.0 * rng.normal(i));
    host_b[i] = static_cast<float>(6.0 * rng.normal(i + host.size()));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double sp = 0, sq = 0;
    for (std::size_t j = 0; j < 100; ++j) {
      sp += p[r * 100 + j] = rng.uniform(3 * host.size() + r * 100 + j);
      sq += q[r * 100 + j] = rng.uniform(4 * host.size() + r * 100 + j);
    }
    for (std::size_t j = 0; j < 100; ++j) p[r * 100 + j] /= sp, q[r * 100 + j] /= sq;
  }
  thrust::device_vector<float> device(host.begin(), host.end()), device_b(host_b.begin(), host_b.end());
  thrust::device_vector<double> device_p(p.begin(), p.end()), device_q(q.begin(), q.end());
  const std::array<std::size_t, 2> shape{rows, columns};
  const auto on_host = make_view(host.data(), shape, "logits");
  const auto on_host_b = make_view(host_b.data(), shape, "logits");
  const auto on_device = make_view(thrust::raw_pointer_cast(device.data()), shape, "logits");
  const auto on_device_b = make_view(thrust::raw_pointer_cast(device_b.data()), shape, "logits");
  const auto pv = make_view(p.data(), std::array<std::size_t, 2>{rows, 100}, "p");
  const auto qv = make_view(q.data(), std::array<std::size_t, 2>{rows, 100}, "q");
  const auto dpv =
      make_view(thrust::raw_pointer_cast(device_p.data()), std::array<std::size_t, 2>{rows, 100}, "p");
  const auto dqv =
      make_view(thrust::raw_pointer_cast(device_q.data()), std::array<std::size_t, 2>{rows, 100}, "q");

  for (const double t : {0.5, 1.0, 2.0}) {
    const auto want = thermodynamics(seq, on_host, t);
    const auto got = thermodynamics(infoscale::cuda, on_device, t);
    for (std::size_t r = 0; r < rows; ++r) {
      expect_close(got[r].log_partition, want[r].log_partition, 1e-13, "log Z", r);
      expect_close(got[r].entropy, want[r].entropy, 1e-11, "entropy", r);
      expect_close(got[r].heat_capacity, want[r].heat_capacity, 1e-9, "heat capacity", r);
    }
  }
  {  // the fast precision mode: the same float kernel on the device as on the host
    const auto want = entropy_from_logits(seq, on_host, 1.0, logits_precision::fast);
    const auto got = entropy_from_logits(infoscale::cuda, on_device, 1.0, logits_precision::fast);
    for (std::size_t r = 0; r < rows; ++r) expect_close(got[r], want[r], 1e-6, "entropy (fast)", r);
  }
  const auto kl_want = kl_divergence_from_logits(seq, on_host, on_host_b);
  const auto kl_got = kl_divergence_from_logits(infoscale::cuda, on_device, on_device_b);
  const auto js_want = js_divergence(seq, pv, qv);
  const auto js_got = js_divergence(infoscale::cuda, dpv, dqv);
  for (std::size_t r = 0; r < rows; ++r) {
    expect_close(kl_got[r], kl_want[r], 1e-10, "KL from logits", r);
    expect_close(js_got[r], js_want[r], 1e-12, "JS", r);
  }
  bool raised = false;
  const float nan = std::nanf("");
  cudaMemcpy(thrust::raw_pointer_cast(device.data()) + 5 * columns + 7, &nan, sizeof(float),
             cudaMemcpyHostToDevice);
  try {
    (void)entropy_from_logits(infoscale::cuda, on_device);
  } catch (const error&) {
    raised = true;
  }
  if (!raised) {
    std::printf("MISMATCH: NaN in device logits did not raise\n");
    ++failures;
  }
  std::printf("cuda policy vs seq: %s (%d mismatches)\n", failures ? "FAILED" : "agree", failures);
  return failures ? 1 : 0;
}

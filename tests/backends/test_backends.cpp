// Every execution policy against seq, on random shapes, strides and element types.
#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <infoscale/thermo.hpp>
#if INFOSCALE_HAS_OPENMP
#include <omp.h>
#endif
#include <vector>

#include "../support/approx.hpp"

using namespace infoscale;

namespace {

struct strided_logits {
  std::vector<float> buffer;
  matrix_view<const float> view;
};

// rows x columns logits inside a larger buffer: padded rows and, optionally, every other column.
strided_logits make_strided(std::size_t rows, std::size_t columns, std::size_t column_step,
                            std::uint64_t seed) {
  const random_stream rng(seed, 0);
  const std::size_t row_stride = columns * column_step + 3;
  strided_logits s;
  s.buffer.resize(rows * row_stride);
  for (std::size_t i = 0; i < s.buffer.size(); ++i) {
    s.buffer[i] = static_cast<float>(8.0 * rng.normal(i) + (i % 97 == 0 ? 30.0 : 0.0));
  }
  s.view = make_view<const float, 2>(
      s.buffer.data(), {rows, columns},
      {static_cast<std::ptrdiff_t>(row_stride), static_cast<std::ptrdiff_t>(column_step)}, "logits",
      s.buffer.size());
  return s;
}

}  // namespace

TEST_CASE("softmax-moments combine is associative and has an identity") {
  const random_stream rng(9, 9);
  for (int trial = 0; trial < 200; ++trial) {
    softmax_moments parts[3];
    for (int k = 0; k < 3; ++k) {
      std::vector<double> z(1 + rng.below(40, trial * 10 + k));
      for (std::size_t j = 0; j < z.size(); ++j)
        z[j] = 20.0 * rng.normal(trial * 1000 + k * 100 + j) + 50.0 * k;
      parts[k] = detail::block_softmax_moments(z.data(), 1, z.size(), 1.0);
    }
    const auto left = softmax_moments::combine(softmax_moments::combine(parts[0], parts[1]), parts[2]);
    const auto right = softmax_moments::combine(parts[0], softmax_moments::combine(parts[1], parts[2]));
    CHECK(left.log_partition() == doctest::Approx(right.log_partition()).epsilon(1e-14));
    CHECK(left.entropy() == doctest::Approx(right.entropy()).epsilon(1e-12));
    CHECK(left.varentropy() == doctest::Approx(right.varentropy()).epsilon(1e-10));
    const auto with_identity = softmax_moments::combine(softmax_moments::identity(), parts[0]);
    CHECK(with_identity.log_partition() == parts[0].log_partition());
  }
}

TEST_CASE("par and thrust_host equal seq on random shapes and strides") {
  const std::size_t shapes[][2] = {{1, 1},   {1, 7},     {3, 511},   {5, 512},
                                   {2, 513}, {17, 1000}, {33, 4099}, {4, 32000}};
  std::uint64_t seed = 1;
  for (const auto& shape : shapes) {
    for (std::size_t step : {1, 2}) {
      const auto logits = make_strided(shape[0], shape[1], step, seed++);
      const auto other = make_strided(shape[0], shape[1], step, seed++);
      INFO("shape " << shape[0] << " x " << shape[1] << ", column step " << step);
      const auto reference = thermodynamics(seq, logits.view, 0.8);
      const auto kl_reference = kl_divergence_from_logits(seq, logits.view, other.view);
      const auto js_reference = js_divergence_from_logits(seq, logits.view, other.view);
      test::for_each_host_policy([&](auto policy) {
        const auto got = thermodynamics(policy, logits.view, 0.8);
        const auto kl = kl_divergence_from_logits(policy, logits.view, other.view);
        const auto js = js_divergence_from_logits(policy, logits.view, other.view);
        for (std::size_t row = 0; row < shape[0]; ++row) {
          INFOSCALE_CHECK_CLOSE(got[row].log_partition, reference[row].log_partition, 1e-14, 1e-13);
          INFOSCALE_CHECK_CLOSE(got[row].entropy, reference[row].entropy, 1e-12, 1e-12);
          INFOSCALE_CHECK_CLOSE(got[row].heat_capacity, reference[row].heat_capacity, 1e-10, 1e-12);
          INFOSCALE_CHECK_CLOSE(got[row].internal_energy, reference[row].internal_energy, 1e-12, 1e-12);
          INFOSCALE_CHECK_CLOSE(kl[row], kl_reference[row], 1e-11, 1e-13);
          INFOSCALE_CHECK_CLOSE(js[row], js_reference[row], 1e-11, 1e-13);
        }
      });
    }
  }
}

TEST_CASE("a row's moments do not depend on how it is split into blocks") {
  const auto logits = make_strided(1, 5000, 1, 77);
  const auto whole = detail::block_softmax_moments(logits.view.data(), 1, 5000, 1.0);
  const auto blocked = thermodynamics(seq, logits.view, 1.0)[0];
  CHECK(whole.log_partition() == doctest::Approx(blocked.log_partition).epsilon(1e-15));
  CHECK(whole.entropy() == doctest::Approx(blocked.entropy).epsilon(1e-13));
}

#if INFOSCALE_HAS_OPENMP
TEST_CASE("par shares a few long rows among threads and still returns seq's result bit for bit") {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(4);  // more threads than rows, whatever the machine has
  for (const std::size_t rows : {1, 3}) {
    for (std::size_t step : {1, 2}) {
      const auto logits = make_strided(rows, 100003, step, 900 + rows);
      INFO(rows << " rows, column step " << step);
      const auto expected = thermodynamics(seq, logits.view, 1.3);
      const auto got = thermodynamics(par, logits.view, 1.3);
      for (std::size_t row = 0; row < rows; ++row) {
        CHECK(got[row].log_partition == expected[row].log_partition);
        CHECK(got[row].entropy == expected[row].entropy);
        CHECK(got[row].heat_capacity == expected[row].heat_capacity);
      }
    }
  }
  omp_set_num_threads(saved);
}
#endif

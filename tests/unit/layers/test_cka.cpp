#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/cka.hpp>
#include <infoscale/layers/cka_bootstrap.hpp>
#include <limits>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;
using test::fixture_matrix;

namespace {
std::vector<double> normal_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  const random_stream rng(seed, 0);
  std::vector<double> v(rows * cols);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = rng.normal(i);
  return v;
}
matrix_view<const double> view(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  return make_view(v.data(), std::array<std::size_t, 2>{rows, cols});
}
}  // namespace

TEST_CASE("layers: linear, RBF and debiased CKA equal Kornblith's reference formulas (numpy fixture)") {
  const fixture_matrix x(test::load_fixture("layers/cka_x.npy"));
  const fixture_matrix y(test::load_fixture("layers/cka_y.npy"));
  const fixture_matrix wx(test::load_fixture("layers/cka_wide_x.npy"));
  const fixture_matrix wy(test::load_fixture("layers/cka_wide_y.npy"));
  const fixture_matrix weak(test::load_fixture("layers/cka_weak_y.npy"));
  const auto e = test::load_fixture("layers/cka_expected.npy");
  INFOSCALE_CHECK_CLOSE(linear_cka(x.view(), y.view()), e(0), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(cka_from_grams(gram_linear(x.view()), gram_linear(y.view()), false), e(1), 1e-12,
                        0.0);
  INFOSCALE_CHECK_CLOSE(rbf_cka(x.view(), y.view(), 1.0), e(2), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(rbf_cka(x.view(), y.view(), 0.5), e(3), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(debiased_linear_cka(x.view(), y.view()), e(4), 1e-11, 0.0);
  INFOSCALE_CHECK_CLOSE(cka_from_grams(gram_linear(x.view()), gram_linear(y.view()), true), e(5), 1e-11, 0.0);
  INFOSCALE_CHECK_CLOSE(linear_cka(wx.view(), wy.view()), e(6), 1e-12, 0.0);  // d > n: Gram route
  INFOSCALE_CHECK_CLOSE(debiased_linear_cka(wx.view(), wy.view()), e(7), 1e-11, 0.0);
  INFOSCALE_CHECK_CLOSE(rbf_cka(x.view(), y.view(), 1.0, true), e(9), 1e-12, 0.0);
  // the feature-space and U-centred debiased forms are the same estimator
  INFOSCALE_CHECK_CLOSE(e(4), e(5), 1e-12, 0.0);
  // near-independent layers: the unbiased HSIC is negative and reported as is, not NaN
  const double negative = debiased_linear_cka(x.view(), weak.view());
  INFOSCALE_CHECK_CLOSE(negative, e(8), 1e-10, 1e-14);
  CHECK(e(8) < 0.0);
  CHECK(std::isfinite(negative));
}

TEST_CASE("layers: CKA closed forms: orthogonal and isotropic-scaling invariance, CKA(X, X) = 1") {
  const std::size_t n = 30, d = 5;
  auto x = normal_matrix(n, d, 1);
  // Q: orthogonal from a QR factorisation
  const auto raw = normal_matrix(d, d, 2);
  const Eigen::MatrixXd q =
      Eigen::HouseholderQR<Eigen::MatrixXd>(Eigen::Map<const Eigen::MatrixXd>(raw.data(), d, d))
          .householderQ();
  const Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> xm(x.data(), n, d);
  const Eigen::Matrix<double, -1, -1, Eigen::RowMajor> rotated =
      7.5 * xm * q + Eigen::MatrixXd::Constant(n, d, 3.0);
  std::vector<double> r(rotated.data(), rotated.data() + rotated.size());
  INFOSCALE_CHECK_CLOSE(linear_cka(view(x, n, d), view(r, n, d)), 1.0, 1e-13, 0.0);
  INFOSCALE_CHECK_CLOSE(debiased_linear_cka(view(x, n, d), view(r, n, d)), 1.0, 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(linear_cka(view(x, n, d), view(x, n, d)), 1.0, 1e-14, 0.0);
  // RBF CKA with the median bandwidth is invariant to rotation, translation and isotropic scale
  INFOSCALE_CHECK_CLOSE(rbf_cka(view(x, n, d), view(r, n, d)), 1.0, 1e-12, 0.0);
  // float storage is widened, not accumulated in float
  std::vector<float> xf(x.begin(), x.end());
  const auto fv = make_view(xf.data(), std::array<std::size_t, 2>{n, d});
  INFOSCALE_CHECK_CLOSE(linear_cka(fv, view(x, n, d)), 1.0, 1e-7, 0.0);
}

TEST_CASE("layers: streaming CKA over token batches equals the one-shot value, even with a large mean") {
  const std::size_t n = 64, dx = 4, dy = 6;
  auto x = normal_matrix(n, dx, 3);
  auto y = normal_matrix(n, dy, 4);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < dx; ++j) y[i * dy + j] += x[i * dx + j];
  }
  for (double& v : x) v += 1e6;  // |mean| >> std: the naive uncentred sums would cancel
  linear_cka_accumulator acc(dx, dy);
  for (std::size_t begin = 0; begin < n; begin += 20) {
    const std::size_t m = std::min<std::size_t>(20, n - begin);
    acc.add(make_view(x.data() + begin * dx, std::array<std::size_t, 2>{m, dx}),
            make_view(y.data() + begin * dy, std::array<std::size_t, 2>{m, dy}));
  }
  CHECK(acc.tokens() == n);
  INFOSCALE_CHECK_CLOSE(acc.value(), linear_cka(view(x, n, dx), view(y, n, dy)), 1e-9, 0.0);
}

TEST_CASE("layers: CKA matrix and S1 = 1/CKA of adjacent layers (eq. 3) against the numpy fixture") {
  const auto stack = test::load_fixture("layers/cka_stack.npy");
  const auto expected = test::load_fixture("layers/cka_stack_matrix.npy");
  std::vector<double> values(stack.begin(), stack.end());
  const auto v = make_view(values.data(), std::array<std::size_t, 3>{4, 25, 5});
  const Eigen::MatrixXd m = cka_matrix(v);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j) INFOSCALE_CHECK_CLOSE(m(i, j), expected(i, j), 1e-12, 0.0);
  }
  const auto s1 = representation_change(v);
  REQUIRE(s1.size() == 3);
  for (std::size_t l = 0; l < 3; ++l) INFOSCALE_CHECK_CLOSE(s1[l], 1.0 / expected(l, l + 1), 1e-12, 0.0);
}

TEST_CASE(
    "layers: resampled CKA from per-sequence statistics equals CKA recomputed on the resampled tokens") {
  const std::vector<std::size_t> lengths{5, 3, 7, 4, 6};
  const std::size_t n = 25, d = 4;
  const auto a = normal_matrix(n, d, 5);
  auto b = normal_matrix(n, d, 6);
  for (std::size_t i = 0; i < n * d; ++i) b[i] = 0.5 * b[i] + std::sin(a[i]) + 2.0;
  const resampling_plan plan(lengths.size(), 12, 99);
  cka_evidence evidence(lengths, plan);
  evidence.add_layer(view(a, n, d));
  evidence.add_layer(par, view(b, n, d));
  REQUIRE(evidence.layers() == 2);
  for (std::size_t k = 0; k < plan.size(); ++k) {
    // duplicate every sequence w_s times and run the direct CKA
    const auto w = plan.weights(k);
    std::vector<double> ra, rb;
    std::size_t offset = 0;
    for (std::size_t s = 0; s < lengths.size(); ++s) {
      for (int copy = 0; copy < static_cast<int>(w[s]); ++copy) {
        ra.insert(ra.end(), a.begin() + offset * d, a.begin() + (offset + lengths[s]) * d);
        rb.insert(rb.end(), b.begin() + offset * d, b.begin() + (offset + lengths[s]) * d);
      }
      offset += lengths[s];
    }
    const std::size_t m = ra.size() / d;
    INFO("weight set " << k);
    INFOSCALE_CHECK_CLOSE(evidence.cka(0, k), linear_cka(view(ra, m, d), view(rb, m, d)), 1e-11, 0.0);
  }
}

TEST_CASE("layers: CKA bad input raises infoscale::error naming the argument") {
  const auto x = normal_matrix(10, 3, 7);
  const auto y = normal_matrix(9, 3, 8);
  CHECK_THROWS_AS((void)linear_cka(view(x, 10, 3), view(y, 9, 3)), infoscale::error);
  std::vector<double> constant(30, 2.5);
  CHECK_THROWS_AS((void)linear_cka(view(x, 10, 3), view(constant, 10, 3)), infoscale::error);
  CHECK_THROWS_WITH_AS((void)linear_cka(view(constant, 10, 3), view(x, 10, 3)), doctest::Contains("'x'"),
                       infoscale::error);
  auto nan = x;
  nan[4] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS((void)linear_cka(view(nan, 10, 3), view(x, 10, 3)), infoscale::error);
  CHECK_THROWS_AS((void)debiased_linear_cka(view(x, 3, 3), view(x, 3, 3)), infoscale::error);
  CHECK_THROWS_AS((void)rbf_cka(view(constant, 10, 3), view(x, 10, 3)), infoscale::error);
  const std::vector<std::size_t> lengths{4, 6};
  cka_evidence evidence(lengths, resampling_plan(2, 4, 1));
  CHECK_THROWS_AS(evidence.add_layer(view(y, 9, 3)), infoscale::error);  // wrong token count
  CHECK_THROWS_AS(cka_evidence({4, 5}, resampling_plan(2, 4, 1)).add_layer(view(x, 10, 3)), infoscale::error);
  CHECK_THROWS_AS(cka_evidence({4, 6}, resampling_plan(3, 4, 1)), infoscale::error);
  const auto stack = make_view(x.data(), std::array<std::size_t, 3>{1, 10, 3});
  CHECK_THROWS_AS((void)representation_change(stack), infoscale::error);  // one layer
}

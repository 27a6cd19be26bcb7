#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/cka.hpp>
#include <infoscale/layers/cka_bootstrap.hpp>
#include <limits>
#include <vector>

#if INFOSCALE_HAS_OPENMP
#include <omp.h>
#endif

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

namespace {
// Narrow-float copies of a double matrix, and the double matrix of their exact values.
template <class T>
std::vector<T> narrowed(const std::vector<double>& v) {
  std::vector<T> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, bfloat16>)
      out[i] = to_bfloat16(static_cast<float>(v[i]));
    else if constexpr (std::is_same_v<T, float16>)
      out[i] = to_float16(static_cast<float>(v[i]));
    else
      out[i] = static_cast<T>(v[i]);
  }
  return out;
}
template <class T>
std::vector<double> widened(const std::vector<T>& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = detail::widen(v[i]);
  return out;
}
}  // namespace

TEST_CASE_TEMPLATE("layers: linear CKA's feature-major path for narrow floats equals the double path", T,
                   float, bfloat16, float16) {
  // The double path (centre_for_similarity, token-major, checked against Kornblith's formulas
  // above) on the narrow values' exact doubles is the reference. They differ only in the order of
  // the means' sums: agreement to 1e-14 relative. Token counts off the 256-token chunks; a large
  // mean; features > tokens (the Gram branch); a constant feature (zeroed in both).
  struct shape {
    std::size_t n, dx, dy;
    double shift;
  };
  for (const shape s : {shape{700, 24, 16, 0.0}, shape{513, 8, 40, 300.0}, shape{30, 50, 45, -7.0}}) {
    auto x = normal_matrix(s.n, s.dx, 11);
    auto y = normal_matrix(s.n, s.dy, 12);
    for (std::size_t i = 0; i < s.n; ++i) {
      for (std::size_t j = 0; j < s.dy; ++j) y[i * s.dy + j] += 0.8 * x[i * s.dx + j % s.dx] + s.shift;
      x[i * s.dx + 3] = 2.5;  // a constant feature
    }
    const auto xn = narrowed<T>(x), yn = narrowed<T>(y);
    const auto xd = widened(xn), yd = widened(yn);
    const double reference = linear_cka(view(xd, s.n, s.dx), view(yd, s.n, s.dy));
    const double value = linear_cka(make_view(xn.data(), std::array<std::size_t, 2>{s.n, s.dx}),
                                    make_view(yn.data(), std::array<std::size_t, 2>{s.n, s.dy}));
    INFO("n = " << s.n << ", dx = " << s.dx << ", dy = " << s.dy);
    CHECK(reference > 0.1);
    INFOSCALE_CHECK_CLOSE(value, reference, 1e-14, 0.0);
  }
}

TEST_CASE(
    "layers: linear CKA's feature-major path: strided views, extreme scales, thread counts, bad input") {
  const std::size_t n = 600, d = 12;
  const auto x = normal_matrix(n, d, 21);
  auto y = normal_matrix(n, d, 22);
  for (std::size_t i = 0; i < n * d; ++i) y[i] += std::sin(3.0 * x[i]);
  const auto xf = narrowed<float>(x), yf = narrowed<float>(y);
  const auto xv = make_view(xf.data(), std::array<std::size_t, 2>{n, d});
  const auto yv = make_view(yf.data(), std::array<std::size_t, 2>{n, d});
  const double reference = linear_cka(view(widened(xf), n, d), view(widened(yf), n, d));
  // A column-major (transposed-storage) view: column stride 1 is not the contiguous case.
  std::vector<float> xt(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) xt[j * n + i] = xf[i * d + j];
  const matrix_view<const float> xcol(xt.data(), {n, d}, {1, static_cast<std::ptrdiff_t>(n)});
  INFOSCALE_CHECK_CLOSE(linear_cka(xcol, yv), reference, 1e-14, 0.0);
  // Scale-invariant at float's extremes (no rescaling is needed: the fourth powers stay in range).
  for (const float scale : {1e-30f, 1e30f}) {
    std::vector<float> xs(xf);
    for (auto& v : xs) v *= scale;
    const double scaled = linear_cka(make_view(xs.data(), std::array<std::size_t, 2>{n, d}), yv);
    INFO("scale " << scale);
    INFOSCALE_CHECK_CLOSE(scaled, reference, 1e-6, 0.0);  // the scaled floats are rounded once
    CHECK(std::isfinite(scaled));
  }
  INFOSCALE_CHECK_CLOSE(linear_cka(xv, yv), reference, 1e-14, 0.0);
  // The same bits on one thread and on several (fixed 256-token chunks), at a size (2^20 entries)
  // that runs the passes on threads.
  {
    const std::size_t tokens = 4099, features = 256;
    const auto big = narrowed<float>(normal_matrix(tokens, features, 23));
    auto other = narrowed<float>(normal_matrix(tokens, features, 24));
    for (std::size_t i = 0; i < other.size(); ++i) other[i] += 0.5f * big[i];
    const auto bv = make_view(big.data(), std::array<std::size_t, 2>{tokens, features});
    const auto ov = make_view(other.data(), std::array<std::size_t, 2>{tokens, features});
    const double many = linear_cka(bv, ov);
#if INFOSCALE_HAS_OPENMP
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const double one = linear_cka(bv, ov);
    omp_set_num_threads(threads);
    CHECK(one == many);
#endif
    INFOSCALE_CHECK_CLOSE(
        many, linear_cka(view(widened(big), tokens, features), view(widened(other), tokens, features)), 1e-14,
        0.0);
  }
  // Bad input: named, as on the double path.
  auto bad = xf;
  bad[5 * d + 2] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS((void)linear_cka(yv, make_view(bad.data(), std::array<std::size_t, 2>{n, d})),
                       doctest::Contains("'y'"), infoscale::error);
  bad[5 * d + 2] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS((void)linear_cka(make_view(bad.data(), std::array<std::size_t, 2>{n, d}), yv),
                       doctest::Contains("'x'"), infoscale::error);
  const std::vector<float> constant(n * d, 1.25f);
  CHECK_THROWS_WITH_AS((void)linear_cka(make_view(constant.data(), std::array<std::size_t, 2>{n, d}), yv),
                       doctest::Contains("constant"), infoscale::error);
  CHECK_THROWS_AS((void)linear_cka(xv, make_view(yf.data(), std::array<std::size_t, 2>{n - 1, d})),
                  infoscale::error);
  const std::vector<float> none;
  CHECK_THROWS_AS((void)linear_cka(make_view(none.data(), std::array<std::size_t, 2>{0, d}), yv),
                  infoscale::error);
}

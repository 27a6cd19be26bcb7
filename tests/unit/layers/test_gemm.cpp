// The GEMMs behind CKA (layers/detail/gemm.hpp), on whichever back end this build has (OpenBLAS
// through infoscale::blas, else Eigen): equal to a plain triple loop in long double to 1e-13,
// exactly symmetric, the same bits on 1 and 2 threads, sizes across the 128-column blocks.
#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/detail/gemm.hpp>

#if INFOSCALE_HAS_OPENMP
#include <omp.h>
#endif

using namespace infoscale;

namespace {

Eigen::MatrixXd gemm_test_matrix(Eigen::Index rows, Eigen::Index columns, std::uint64_t seed) {
  const random_stream stream(seed, 3);
  Eigen::MatrixXd m(rows, columns);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = stream.normal(static_cast<std::uint64_t>(i));
  return m;
}

// max |got - want| / max |want| against a long-double triple loop of op(A)^T op(B).
double gemm_error(const Eigen::MatrixXd& got, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                  bool by_rows) {
  double worst = 0.0, scale = 0.0;
  for (Eigen::Index i = 0; i < got.rows(); ++i) {
    for (Eigen::Index j = 0; j < got.cols(); ++j) {
      long double sum = 0.0L;
      const Eigen::Index inner = by_rows ? a.cols() : a.rows();
      for (Eigen::Index k = 0; k < inner; ++k)
        sum += by_rows ? static_cast<long double>(a(i, k)) * b(j, k)
                       : static_cast<long double>(a(k, i)) * b(k, j);
      worst = std::max(worst, std::abs(got(i, j) - static_cast<double>(sum)));
      scale = std::max(scale, std::abs(static_cast<double>(sum)));
    }
  }
  return worst / scale;
}

}  // namespace

TEST_CASE("gemm: A^T B, A^T A and A A^T against a long-double triple loop, across block edges") {
  MESSAGE("GEMM back end: " << infoscale::detail::gemm_backend());
  for (const Eigen::Index p :
       {Eigen::Index{1}, Eigen::Index{127}, Eigen::Index{128}, Eigen::Index{129}, Eigen::Index{300}}) {
    INFO("columns = " << p);
    const Eigen::MatrixXd a = gemm_test_matrix(200, p, 1 + static_cast<std::uint64_t>(p));
    const Eigen::MatrixXd b = gemm_test_matrix(200, p + 5, 2 + static_cast<std::uint64_t>(p));
    CHECK(gemm_error(infoscale::detail::product_transposed(a, b), a, b, false) < 1e-13);
    const Eigen::MatrixXd g = infoscale::detail::gram_of_columns(a);
    CHECK(gemm_error(g, a, a, false) < 1e-13);
    CHECK(g == g.transpose());  // exactly symmetric
    const Eigen::MatrixXd r = gemm_test_matrix(p, 37, 3 + static_cast<std::uint64_t>(p));
    const Eigen::MatrixXd rows = infoscale::detail::gram_of_rows(r);
    CHECK(gemm_error(rows, r, r, true) < 1e-13);
    CHECK(rows == rows.transpose());
  }
  // Empty inner dimension: zeros, not garbage.
  const Eigen::MatrixXd none(0, 4);
  CHECK(infoscale::detail::gram_of_columns(none) == Eigen::MatrixXd::Zero(4, 4));
}

TEST_CASE("gemm: the same bits on one thread and on two") {
#if INFOSCALE_HAS_OPENMP
  const Eigen::MatrixXd a = gemm_test_matrix(3000, 520, 11);
  const Eigen::MatrixXd b = gemm_test_matrix(3000, 260, 12);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Eigen::MatrixXd one_c = infoscale::detail::product_transposed(a, b);
  const Eigen::MatrixXd one_g = infoscale::detail::gram_of_columns(a);
  const Eigen::MatrixXd one_r = infoscale::detail::gram_of_rows(b.topRows(700));
  omp_set_num_threads(2);
  CHECK(infoscale::detail::product_transposed(a, b) == one_c);
  CHECK(infoscale::detail::gram_of_columns(a) == one_g);
  CHECK(infoscale::detail::gram_of_rows(b.topRows(700)) == one_r);
  omp_set_num_threads(saved);
#else
  MESSAGE("built without OpenMP: one thread only");
#endif
}

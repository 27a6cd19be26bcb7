#pragma once
// The double GEMMs of CKA: A^T B, A^T A and A A^T; and the float GEMMs of the probes at scale. With the
// optional OpenBLAS back end (target infoscale::blas, which defines INFOSCALE_HAS_BLAS) each fixed block of
// 256 output columns is one single-threaded dgemm, the blocks spread over OpenMP threads; without it, Eigen's
// GEMM (which compiles for the build's baseline ISA: 3-4x slower than OpenBLAS's run-time dispatched kernels
// on AVX-512, measured). The result does not depend on the thread count either way: OpenBLAS's
// own threads re-block the inner dimension by the partition (1 and 2 threads differ in the last
// bits, measured), so infoscale sets OpenBLAS to one thread on first use (for the whole process:
// other OpenBLAS callers in it then run single-threaded too) and partitions the work itself.
// Symmetric products are computed on and below the diagonal blocks and mirrored, so they are
// exactly symmetric.

#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <string>

#include "infoscale/exec/for_each_index.hpp"
#include "infoscale/exec/policy.hpp"

#if defined(INFOSCALE_HAS_BLAS) && INFOSCALE_HAS_BLAS
extern "C" {
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc, std::size_t transa_length,
            std::size_t transb_length);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc,
            std::size_t uplo_length, std::size_t trans_length);
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc, std::size_t transa_length,
            std::size_t transb_length);
void openblas_set_num_threads(int threads);
}
#define INFOSCALE_GEMM_USES_BLAS 1
#else
#define INFOSCALE_GEMM_USES_BLAS 0
#endif

namespace infoscale::detail {

/// Columns of the output per dgemm call: fixed, so the partition (and every rounding) is the same
/// on every thread count.
inline constexpr Eigen::Index gemm_block_columns = 256;

/// Which GEMM the layer statistics use, for reports and benchmarks.
inline std::string gemm_backend() {
  return INFOSCALE_GEMM_USES_BLAS ? "OpenBLAS" : "Eigen";
}

#if INFOSCALE_GEMM_USES_BLAS
inline void set_blas_single_threaded() {
  static const bool once = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)once;
}

/// C(rows x columns) = op(A) op(B) with column-major operands, one dgemm.
inline void blas_gemm(char transa, char transb, Eigen::Index rows, Eigen::Index columns, Eigen::Index inner,
                      const double* a, Eigen::Index lda, const double* b, Eigen::Index ldb, double* c,
                      Eigen::Index ldc) {
  const int m = static_cast<int>(rows), n = static_cast<int>(columns), k = static_cast<int>(inner);
  const int la = static_cast<int>(lda), lb = static_cast<int>(ldb), lc = static_cast<int>(ldc);
  const double one = 1.0, zero = 0.0;
  dgemm_(&transa, &transb, &m, &n, &k, &one, a, &la, b, &lb, &zero, c, &lc, 1, 1);
}

/// The lower triangle of C(order x order) = op(A) op(A)^T, one dsyrk ('N': A A^T, 'T': A^T A).
inline void blas_syrk(char trans, Eigen::Index order, Eigen::Index inner, const double* a, Eigen::Index lda,
                      double* c, Eigen::Index ldc) {
  const int n = static_cast<int>(order), k = static_cast<int>(inner);
  const int la = static_cast<int>(lda), lc = static_cast<int>(ldc);
  const double one = 1.0, zero = 0.0;
  const char lower = 'L';
  dsyrk_(&lower, &trans, &n, &k, &one, a, &la, &zero, c, &lc, 1, 1);
}

/// Runs block(j0, width) for every block of `columns` output columns, in parallel.
template <class Block>
void for_each_column_block(Eigen::Index columns, const Block& block) {
  set_blas_single_threaded();
  const auto blocks = static_cast<std::size_t>((columns + gemm_block_columns - 1) / gemm_block_columns);
  const auto body = [&](std::size_t b) {
    const Eigen::Index j0 = static_cast<Eigen::Index>(b) * gemm_block_columns;
    block(j0, std::min(gemm_block_columns, columns - j0));
  };
  // Dynamic chunks of one block: the triangular products' blocks differ in cost.
  for_each_index(par, blocks, body, 1);
}
#endif

/// A^T B for A (n x p) and B (n x q).
inline Eigen::MatrixXd product_transposed(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
#if INFOSCALE_GEMM_USES_BLAS
  Eigen::MatrixXd c(a.cols(), b.cols());
  if (c.size() == 0 || a.rows() == 0) return c.setZero();
  for_each_column_block(b.cols(), [&](Eigen::Index j0, Eigen::Index width) {
    blas_gemm('T', 'N', a.cols(), width, a.rows(), a.data(), a.rows(), b.data() + j0 * b.rows(), b.rows(),
              c.data() + j0 * c.rows(), c.rows());
  });
  return c;
#else
  return a.transpose() * b;
#endif
}

/// A B^T for A (p x n) and B (q x n): feature-major activations' cross-product.
inline Eigen::MatrixXd product_with_transposed(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
#if INFOSCALE_GEMM_USES_BLAS
  Eigen::MatrixXd c(a.rows(), b.rows());
  if (c.size() == 0 || a.cols() == 0) return c.setZero();
  for_each_column_block(b.rows(), [&](Eigen::Index j0, Eigen::Index width) {
    blas_gemm('N', 'T', a.rows(), width, a.cols(), a.data(), a.rows(), b.data() + j0, b.rows(),
              c.data() + j0 * c.rows(), c.rows());
  });
  return c;
#else
  return a * b.transpose();
#endif
}

/// Mirrors the lower triangle into the upper one.
inline void mirror_lower(Eigen::MatrixXd& g) {
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
}

/// A^T A for A (n x p): p x p, exactly symmetric.
inline Eigen::MatrixXd gram_of_columns(const Eigen::MatrixXd& a) {
  const Eigen::Index p = a.cols();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(p, p);
#if INFOSCALE_GEMM_USES_BLAS
  if (p == 0 || a.rows() == 0) return g;
  // Block j: the lower triangle of its diagonal block (dsyrk), then everything below it (dgemm).
  const Eigen::Index n = a.rows();
  for_each_column_block(p, [&](Eigen::Index j0, Eigen::Index width) {
    const double* columns = a.data() + j0 * n;
    blas_syrk('T', width, n, columns, n, g.data() + j0 * p + j0, p);
    const Eigen::Index below = j0 + width;
    if (below < p)
      blas_gemm('T', 'N', p - below, width, n, a.data() + below * n, n, columns, n, g.data() + j0 * p + below,
                p);
  });
#else
  g.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
#endif
  mirror_lower(g);
  return g;
}

/// A A^T for A (n x d): n x n, exactly symmetric.
inline Eigen::MatrixXd gram_of_rows(const Eigen::MatrixXd& a) {
  const Eigen::Index n = a.rows();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
#if INFOSCALE_GEMM_USES_BLAS
  if (n == 0 || a.cols() == 0) return g;
  const Eigen::Index d = a.cols();
  for_each_column_block(n, [&](Eigen::Index j0, Eigen::Index width) {
    blas_syrk('N', width, d, a.data() + j0, n, g.data() + j0 * n + j0, n);
    const Eigen::Index below = j0 + width;
    if (below < n)
      blas_gemm('N', 'T', n - below, width, d, a.data() + below, n, a.data() + j0, n,
                g.data() + j0 * n + below, n);
  });
#else
  g.selfadjointView<Eigen::Lower>().rankUpdate(a);
#endif
  mirror_lower(g);
  return g;
}

/// c = op(a) op(b) in float ('N' or 'T' per operand), one single-threaded call: the probes' fits
/// call it from many threads at once, each fit on its own data.
inline void float_product(char transa, char transb, const Eigen::MatrixXf& a, const Eigen::MatrixXf& b,
                          Eigen::MatrixXf& c) {
  const Eigen::Index rows = transa == 'N' ? a.rows() : a.cols(), inner = transa == 'N' ? a.cols() : a.rows();
  const Eigen::Index columns = transb == 'N' ? b.cols() : b.rows();
  c.resize(rows, columns);
  if (c.size() == 0) return;
  if (inner == 0) {
    c.setZero();
    return;
  }
#if INFOSCALE_GEMM_USES_BLAS
  set_blas_single_threaded();
  const int m = static_cast<int>(rows), n = static_cast<int>(columns), k = static_cast<int>(inner);
  const int la = static_cast<int>(a.rows()), lb = static_cast<int>(b.rows()), lc = static_cast<int>(rows);
  const float one = 1.0f, zero = 0.0f;
  sgemm_(&transa, &transb, &m, &n, &k, &one, a.data(), &la, b.data(), &lb, &zero, c.data(), &lc, 1, 1);
#else
  if (transa == 'N' && transb == 'N')
    c.noalias() = a * b;
  else if (transa == 'N')
    c.noalias() = a * b.transpose();
  else if (transb == 'N')
    c.noalias() = a.transpose() * b;
  else
    c.noalias() = a.transpose() * b.transpose();
#endif
}

/// The same for large products, on OpenMP threads: fixed blocks of gemm_block_columns output
/// columns, one single-threaded product each, so the result is the same on any thread count.
inline void float_product_parallel(char transa, char transb, const Eigen::MatrixXf& a,
                                   const Eigen::MatrixXf& b, Eigen::MatrixXf& c) {
  const Eigen::Index rows = transa == 'N' ? a.rows() : a.cols();
  const Eigen::Index columns = transb == 'N' ? b.cols() : b.rows();
  c.resize(rows, columns);
  const auto blocks = static_cast<std::size_t>((columns + gemm_block_columns - 1) / gemm_block_columns);
  for_each_index(par, blocks, [&](std::size_t block) {
    const Eigen::Index j0 = static_cast<Eigen::Index>(block) * gemm_block_columns;
    const Eigen::Index width = std::min(gemm_block_columns, columns - j0);
    // op(b)'s columns j0 .. j0 + width: b's columns ('N') or rows ('T').
    const Eigen::MatrixXf part =
        transb == 'N' ? Eigen::MatrixXf(b.middleCols(j0, width)) : Eigen::MatrixXf(b.middleRows(j0, width));
    Eigen::MatrixXf out;
    float_product(transa, transb, a, part, out);
    c.middleCols(j0, width) = out;
  });
}

}  // namespace infoscale::detail

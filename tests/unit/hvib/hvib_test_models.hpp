#pragma once
// Small random linear-Gaussian models shared by the hvib tests (entries from a seeded
// random_stream, so every run sees the same model).

#include <Eigen/Dense>
#include <infoscale/core/random.hpp>
#include <infoscale/hvib/hierarchical_chain.hpp>

namespace infoscale::test {

struct matrix_source {
  random_stream stream;
  std::uint64_t next = 0;
  Eigen::MatrixXd matrix(Eigen::Index r, Eigen::Index c, double scale = 1.0) {
    Eigen::MatrixXd m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
      for (Eigen::Index j = 0; j < c; ++j) m(i, j) = scale * stream.normal(next++);
    return m;
  }
  Eigen::VectorXd vector(Eigen::Index n, double scale = 1.0) { return matrix(n, 1, scale).col(0); }
  Eigen::MatrixXd spd(Eigen::Index n, double ridge = 0.3) {
    const Eigen::MatrixXd a = matrix(n, n, 0.5);
    return a * a.transpose() + ridge * Eigen::MatrixXd::Identity(n, n);
  }
  linear_gaussian_conditional conditional(Eigen::Index out, Eigen::Index in, double weight_scale = 0.7) {
    return linear_gaussian_conditional(matrix(out, in, weight_scale), vector(out, 0.5), spd(out));
  }
};

/// A three-scale model with dim G = 2, dim I = 3, dim L = 2, dim X = 4.
inline linear_gaussian_model three_scale_model(matrix_source& s) {
  return linear_gaussian_model{gaussian(s.vector(2), s.spd(2, 0.5)), s.conditional(3, 2), s.conditional(2, 3),
                               s.conditional(4, 7)};
}

inline linear_gaussian_posterior random_posterior(matrix_source& s) {
  return linear_gaussian_posterior{gaussian(s.vector(2), s.spd(2, 0.2)), s.conditional(3, 2, 0.4),
                                   s.conditional(2, 5, 0.4)};
}

}  // namespace infoscale::test

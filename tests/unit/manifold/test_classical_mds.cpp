// manifold/classical_mds.hpp against hand-computed configurations: collinear points (the centred
// line, by hand), a planar configuration (distances reproduced), a regular simplex.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/manifold/classical_mds.hpp>
#include <limits>

using infoscale::classical_mds;

namespace {

Eigen::MatrixXd distances_of(const Eigen::MatrixXd& points) {
  const Eigen::Index n = points.rows();
  Eigen::MatrixXd d(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) d(i, j) = (points.row(i) - points.row(j)).norm();
  return d;
}

}  // namespace

TEST_CASE("classical_mds: three points on a line at 0, 1, 3 map to their centred positions") {
  Eigen::MatrixXd x(3, 1);
  x << 0, 1, 3;
  const Eigen::MatrixXd y = classical_mds(distances_of(x));
  REQUIRE(y.rows() == 3);
  REQUIRE(y.cols() == 2);
  // Centred at 4/3; the largest-magnitude coordinate (5/3) is made positive; no second axis.
  CHECK(y(0, 0) == doctest::Approx(-4.0 / 3).epsilon(1e-12));
  CHECK(y(1, 0) == doctest::Approx(-1.0 / 3).epsilon(1e-12));
  CHECK(y(2, 0) == doctest::Approx(5.0 / 3).epsilon(1e-12));
  CHECK(y.col(1).cwiseAbs().maxCoeff() < 1e-7);  // sqrt of a rounding-level eigenvalue
}

TEST_CASE("classical_mds: a planar configuration's distances are reproduced, centred") {
  Eigen::MatrixXd x(6, 2);
  x << 0.3, -1.2, 2.0, 0.5, -0.7, 0.9, 1.1, 1.4, -1.5, -0.2, 0.4, 0.0;
  const Eigen::MatrixXd d = distances_of(x);
  const Eigen::MatrixXd y = classical_mds(d);
  CHECK((distances_of(y) - d).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(y.colwise().sum().cwiseAbs().maxCoeff() < 1e-12);
  const Eigen::MatrixXd y3 = classical_mds(d, 3);  // a third axis: B has rank 2
  CHECK(y3.col(2).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((y3.leftCols(2) - y).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("classical_mds: a regular simplex of 4 points has 3 equal axes of sqrt(1/4) radius") {
  // All distances 1: B = 1/2 J, eigenvalues 1/2 (x3) and 0; each point at distance sqrt(3/8) from the centre.
  Eigen::MatrixXd d = Eigen::MatrixXd::Ones(4, 4) - Eigen::MatrixXd::Identity(4, 4);
  const Eigen::MatrixXd y = classical_mds(d, 3);
  for (Eigen::Index i = 0; i < 4; ++i)
    CHECK(y.row(i).norm() == doctest::Approx(std::sqrt(3.0 / 8)).epsilon(1e-12));
  CHECK((distances_of(y) - d).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("classical_mds: bad distance matrices are named errors") {
  Eigen::MatrixXd d = Eigen::MatrixXd::Ones(3, 3) - Eigen::MatrixXd::Identity(3, 3);
  CHECK_THROWS_WITH_AS(classical_mds(Eigen::MatrixXd(0, 0)), doctest::Contains("is empty"), infoscale::error);
  CHECK_THROWS_WITH_AS(classical_mds(Eigen::MatrixXd::Zero(2, 3)), doctest::Contains("not square"),
                       infoscale::error);
  CHECK_THROWS_WITH_AS(classical_mds(d, 0), doctest::Contains("dimensions"), infoscale::error);
  Eigen::MatrixXd bad = d;
  bad(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(classical_mds(bad), doctest::Contains("NaN"), infoscale::error);
  bad = d;
  bad(0, 1) = bad(1, 0) = -1.0;
  CHECK_THROWS_WITH_AS(classical_mds(bad), doctest::Contains("negative"), infoscale::error);
  bad = d;
  bad(0, 1) = 2.0;
  CHECK_THROWS_WITH_AS(classical_mds(bad), doctest::Contains("not symmetric"), infoscale::error);
  bad = d;
  bad(2, 2) = 0.5;
  CHECK_THROWS_WITH_AS(classical_mds(bad), doctest::Contains("nonzero diagonal"), infoscale::error);
}

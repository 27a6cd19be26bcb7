#pragma once
// Classical (Torgerson) multidimensional scaling: a map of a few points of a moduli space from
// their distances (Yang, arXiv 2407.21092, §5: distances between the laws P_L(. | s) of prompts;
// infoscale.thermo_study draws the map). Torgerson (1952), Gower (1966): with D∘D the squared
// distances and J = I - 11ᵀ/n, B = -1/2 J (D∘D) J is the Gram matrix of a centred configuration
// when D is Euclidean; the coordinates are the top eigenvectors of B scaled by the square roots of
// their (clipped at 0) eigenvalues. Signs are fixed so that the largest-magnitude coordinate of
// each axis is positive, which makes the map a deterministic function of D.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale {

/// n x dimensions coordinates whose distances approximate `distances` (n x n: finite, >= 0,
/// symmetric to 1e-9 of its largest entry, zero diagonal). Axes beyond the rank of B are 0.
inline Eigen::MatrixXd classical_mds(const Eigen::MatrixXd& distances, std::size_t dimensions = 2) {
  constexpr const char* function = "classical_mds";
  const Eigen::Index n = distances.rows();
  if (n == 0) detail::raise(function, "distances", "is empty");
  if (distances.cols() != n)
    detail::raise(function, "distances",
                  "is " + std::to_string(n) + " x " + std::to_string(distances.cols()) + ", not square");
  if (dimensions == 0) detail::raise(function, "dimensions", "must be >= 1");
  if (!distances.allFinite()) detail::raise(function, "distances", "has a NaN or infinite entry");
  if ((distances.array() < 0.0).any()) detail::raise(function, "distances", "has a negative entry");
  const double scale = std::max(1.0, distances.maxCoeff());
  if ((distances - distances.transpose()).cwiseAbs().maxCoeff() > 1e-9 * scale)
    detail::raise(function, "distances", "is not symmetric");
  if (distances.diagonal().cwiseAbs().maxCoeff() > 1e-9 * scale)
    detail::raise(function, "distances", "has a nonzero diagonal entry");
  const Eigen::MatrixXd squared = (0.5 * (distances + distances.transpose())).array().square().matrix();
  const Eigen::MatrixXd centring =
      Eigen::MatrixXd::Identity(n, n) - Eigen::MatrixXd::Constant(n, n, 1.0 / static_cast<double>(n));
  const Eigen::MatrixXd b = -0.5 * centring * squared * centring;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(0.5 * (b + b.transpose()));
  if (eigen.info() != Eigen::Success) detail::raise(function, "distances", "gives no eigen-decomposition");
  // Eigen sorts the eigenvalues ascending: the top ones are at the end.
  Eigen::MatrixXd coordinates = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(dimensions));
  for (Eigen::Index axis = 0; axis < std::min<Eigen::Index>(n, static_cast<Eigen::Index>(dimensions));
       ++axis) {
    const Eigen::Index k = n - 1 - axis;
    Eigen::VectorXd column = eigen.eigenvectors().col(k) * std::sqrt(std::max(eigen.eigenvalues()(k), 0.0));
    Eigen::Index largest = 0;
    column.cwiseAbs().maxCoeff(&largest);
    if (column(largest) < 0.0) column = -column;
    coordinates.col(axis) = column;
  }
  return coordinates;
}

}  // namespace infoscale

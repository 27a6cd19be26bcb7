#pragma once
// Calibration of eq. (1)'s constants from observed (P, V, n) rows.
//
// Exact calibration: floor(a x + b y + c) = n with x = log2 P, y = log2 V is the pair of linear
// inequalities n <= a x + b y + c < n + 1, so the constants that reproduce every row form a convex
// polytope in (a, b, c) (or in the free subset when some are fixed). With three unknowns and a few
// dozen rows, enumerating its vertices (every 3 active constraints) is exact and cheap, and gives
// the range of each constant directly; its analytic centre is the "central point": the maximiser of
// the summed log slacks, inside every strict inequality and invariant to how the rows are ordered.
//
// Least squares: for noisy levels, fit the continuous argument to n + 1/2, the middle of the
// interval that floor maps to n.

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/entropic/level.hpp"
#include "infoscale/entropic/model_spec.hpp"

namespace infoscale::entropic {

/// One observed row of eq. (1): a model's P and V and the level it is assigned.
struct level_observation {
  double parameters = 0.0;
  double vocabulary = 0.0;
  int level = 0;
};

/// Rows pairing each model with its level, e.g. models::paper::table_1 with table_1_levels.
template <ModelSpec M>
[[nodiscard]] std::vector<level_observation> observations(std::span<const M> models,
                                                          std::span<const int> levels) {
  if (models.size() != levels.size()) {
    infoscale::detail::raise(
        "observations", "levels",
        "has " + std::to_string(levels.size()) + " entries for " + std::to_string(models.size()) + " models");
  }
  std::vector<level_observation> rows;
  rows.reserve(models.size());
  for (std::size_t i = 0; i < models.size(); ++i) {
    rows.push_back(
        {static_cast<double>(models[i].parameters), static_cast<double>(models[i].vocabulary), levels[i]});
  }
  return rows;
}

/// Constants held fixed during calibration (e.g. b = 0 to ignore the vocabulary), and the box
/// |a|, |b|, |c| <= box that stands in for "unbounded" when the rows do not pin a constant down.
struct calibration_constraints {
  std::optional<double> a{};
  std::optional<double> b{};
  std::optional<double> c{};
  double box = 1e3;
};

/// The set of constants that reproduce every observed level exactly.
struct calibration_region {
  bool feasible = false;  ///< the region has interior points (so every strict inequality can hold)
  bool bounded = true;    ///< false when a vertex lies on the search box: some constant is not pinned down
  std::vector<calibration> vertices;  ///< vertices of the closed region (fixed constants included)
  calibration lower{};                ///< per-constant minimum over the closed region
  calibration upper{};                ///< per-constant maximum over the closed region
  calibration centre{};               ///< analytic centre; reproduces every row when feasible
  double margin = 0.0;  ///< at the centre, the least distance of a row's argument to its interval's ends
  /// When infeasible: rows whose removal alone makes the rest feasible (empty if none does).
  std::vector<std::size_t> blocking_rows;
};

namespace detail {

struct linear_system {
  Eigen::MatrixXd a;  // constraints a * theta <= h over the free constants
  Eigen::VectorXd h;
  std::size_t row_constraints = 0;  // the first ones come from rows, the rest from the box
  std::array<bool, 3> free{};
};

inline linear_system build_system(std::span<const level_observation> rows,
                                  const calibration_constraints& fixed, bool with_box) {
  linear_system s;
  s.free = {!fixed.a, !fixed.b, !fixed.c};
  const int k = static_cast<int>(s.free[0]) + s.free[1] + s.free[2];
  const auto n_rows = static_cast<Eigen::Index>(rows.size());
  const Eigen::Index total = 2 * n_rows + (with_box ? 2 * k : 0);
  s.a.setZero(total, k);
  s.h.setZero(total);
  for (Eigen::Index i = 0; i < n_rows; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i)];
    const std::array<double, 3> g{cmath::log2(r.parameters), cmath::log2(r.vocabulary), 1.0};
    const std::array<std::optional<double>, 3> value{fixed.a, fixed.b, fixed.c};
    double known = 0.0;
    int column = 0;
    for (int j = 0; j < 3; ++j) {
      if (value[j]) {
        known += *value[j] * g[j];
      } else {
        s.a(2 * i, column) = -g[j];
        s.a(2 * i + 1, column) = g[j];
        ++column;
      }
    }
    s.h(2 * i) = -(r.level - known);       // argument >= n
    s.h(2 * i + 1) = r.level + 1 - known;  // argument <= n + 1 (strict; handled by needing interior)
  }
  s.row_constraints = static_cast<std::size_t>(2 * n_rows);
  if (with_box) {
    for (int j = 0; j < k; ++j) {
      s.a(2 * n_rows + 2 * j, j) = 1.0;
      s.a(2 * n_rows + 2 * j + 1, j) = -1.0;
      s.h(2 * n_rows + 2 * j) = fixed.box;
      s.h(2 * n_rows + 2 * j + 1) = fixed.box;
    }
  }
  return s;
}

inline calibration expand(const Eigen::VectorXd& theta, const linear_system& s,
                          const calibration_constraints& f) {
  std::array<double, 3> out{f.a.value_or(0.0), f.b.value_or(0.0), f.c.value_or(0.0)};
  Eigen::Index column = 0;
  for (int j = 0; j < 3; ++j) {
    if (s.free[j]) out[j] = theta(column++);
  }
  return {out[0], out[1], out[2]};
}

// Analytic centre by damped Newton on -sum log(h - A theta), from an interior start.
inline Eigen::VectorXd analytic_centre(const Eigen::MatrixXd& a, const Eigen::VectorXd& h,
                                       Eigen::VectorXd theta) {
  const auto barrier = [&](const Eigen::VectorXd& t) {
    const Eigen::VectorXd slack = h - a * t;
    if ((slack.array() <= 0.0).any()) return std::numeric_limits<double>::infinity();
    return -slack.array().log().sum();
  };
  double value = barrier(theta);
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Eigen::VectorXd inverse_slack = (h - a * theta).cwiseInverse();
    const Eigen::VectorXd gradient = a.transpose() * inverse_slack;
    const Eigen::MatrixXd hessian = a.transpose() * inverse_slack.array().square().matrix().asDiagonal() * a;
    const Eigen::VectorXd step = -hessian.ldlt().solve(gradient);
    const double decrement = -gradient.dot(step);
    if (!(decrement > 1e-24)) break;
    double t = 1.0;
    while (t > 1e-12 && !(barrier(theta + t * step) <= value - 0.25 * t * decrement)) t *= 0.5;
    if (t <= 1e-12) break;
    theta += t * step;
    value = barrier(theta);
  }
  return theta;
}

inline calibration_region exact_region(std::span<const level_observation> rows,
                                       const calibration_constraints& f) {
  calibration_region region;
  const linear_system s = build_system(rows, f, true);
  const auto k = static_cast<int>(s.a.cols());
  const auto m = static_cast<int>(s.a.rows());
  const double tolerance = 1e-9;
  std::vector<Eigen::VectorXd> points;
  std::vector<bool> on_box;
  {
    std::array<int, 3> pick{};
    // Every k-subset of the m constraints, as a k-level nested loop.
    const auto visit = [&](auto&& self, int depth, int start) -> void {
      if (depth == k) {
        Eigen::MatrixXd basis(k, k);
        Eigen::VectorXd rhs(k);
        for (int r = 0; r < k; ++r) {
          basis.row(r) = s.a.row(pick[r]);
          rhs(r) = s.h(pick[r]);
        }
        const Eigen::FullPivLU<Eigen::MatrixXd> lu(basis);
        if (lu.rank() < k) return;
        const Eigen::VectorXd point = lu.solve(rhs);
        if (((s.a * point - s.h).array() > tolerance).any()) return;
        for (const auto& p : points) {
          if ((p - point).cwiseAbs().maxCoeff() <= tolerance) return;
        }
        bool box = false;
        for (int r = 0; r < k; ++r) box = box || pick[r] >= static_cast<int>(s.row_constraints);
        points.push_back(point);
        on_box.push_back(box);
        return;
      }
      for (int i = start; i < m; ++i) {
        pick[depth] = i;
        self(self, depth + 1, i + 1);
      }
    };
    visit(visit, 0, 0);
  }
  if (points.empty()) return region;

  region.bounded = std::none_of(on_box.begin(), on_box.end(), [](bool b) { return b; });
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(k);
  for (const auto& p : points) {
    mean += p;
    region.vertices.push_back(expand(p, s, f));
  }
  mean /= static_cast<double>(points.size());
  region.lower = region.upper = region.vertices.front();
  for (const auto& v : region.vertices) {
    region.lower = {std::min(region.lower.a, v.a), std::min(region.lower.b, v.b),
                    std::min(region.lower.c, v.c)};
    region.upper = {std::max(region.upper.a, v.a), std::max(region.upper.b, v.b),
                    std::max(region.upper.c, v.c)};
  }
  // The vertex mean is interior exactly when the region has interior; without interior the strict
  // upper bounds cannot all hold (a lower bound meets an upper one), so there is no exact calibration.
  const double mean_slack = (s.h - s.a * mean).minCoeff();
  if (!(mean_slack > tolerance)) {
    region.centre = expand(mean, s, f);
    return region;
  }
  // The box only enters the barrier when the rows leave some constant free, so a bounded region's
  // centre does not depend on the box's size.
  const auto used = static_cast<Eigen::Index>(region.bounded ? s.row_constraints : s.a.rows());
  const Eigen::VectorXd centre = analytic_centre(s.a.topRows(used), s.h.head(used), mean);
  region.centre = expand(centre, s, f);
  region.margin = (s.h.head(used) - s.a.topRows(used) * centre).minCoeff();
  region.feasible = region.margin > 0.0;
  return region;
}

}  // namespace detail

/// The constants (a, b, c) of eq. (1) that reproduce every observed level exactly: a convex region,
/// its vertices, per-constant ranges, an interior centre, or infeasibility with the rows to blame.
[[nodiscard]] inline calibration_region calibrate_exact(std::span<const level_observation> rows,
                                                        const calibration_constraints& fixed = {}) {
  constexpr std::string_view function = "calibrate_exact";
  if (rows.empty()) infoscale::detail::raise(function, "rows", "is empty");
  for (const auto& r : rows) {
    detail::require_parameters(r.parameters, function);
    detail::require_vocabulary(r.vocabulary, function);
  }
  for (const auto& v : {fixed.a, fixed.b, fixed.c}) {
    if (v) detail::require_finite(*v, function, "fixed constant");
  }
  detail::require_positive(fixed.box, function, "box");
  if (fixed.a && fixed.b && fixed.c)
    infoscale::detail::raise(function, "fixed", "leaves no constant to calibrate");
  auto region = detail::exact_region(rows, fixed);
  if (!region.feasible && rows.size() > 1) {
    std::vector<level_observation> rest(rows.begin() + 1, rows.end());
    for (std::size_t drop = 0; drop < rows.size(); ++drop) {
      if (drop > 0) rest[drop - 1] = rows[drop - 1];  // rest = rows without row `drop`
      if (detail::exact_region(rest, fixed).feasible) region.blocking_rows.push_back(drop);
    }
  }
  return region;
}

/// A least-squares calibration of eq. (1) for noisy levels.
struct calibration_fit {
  calibration constants{};
  double rms_residual = 0.0;   ///< of the continuous argument against n + 1/2, in levels
  std::size_t rank = 0;        ///< of the design; below the number of free constants means not identifiable
  std::size_t exact_rows = 0;  ///< rows whose level the fitted constants reproduce
};

/// Least squares a log2 P + b log2 V + c ~ n + 1/2 over the free constants. A rank-deficient design
/// (e.g. every V equal, so b and c are confounded) gets the minimum-norm solution and reports its rank.
[[nodiscard]] inline calibration_fit calibrate_least_squares(std::span<const level_observation> rows,
                                                             const calibration_constraints& fixed = {}) {
  constexpr std::string_view function = "calibrate_least_squares";
  if (rows.empty()) infoscale::detail::raise(function, "rows", "is empty");
  const std::array<std::optional<double>, 3> value{fixed.a, fixed.b, fixed.c};
  const int k = static_cast<int>(!value[0]) + !value[1] + !value[2];
  if (k == 0) infoscale::detail::raise(function, "fixed", "leaves no constant to calibrate");
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd design(n, k);
  Eigen::VectorXd target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i)];
    detail::require_parameters(r.parameters, function);
    detail::require_vocabulary(r.vocabulary, function);
    const std::array<double, 3> g{cmath::log2(r.parameters), cmath::log2(r.vocabulary), 1.0};
    target(i) = r.level + 0.5;
    int column = 0;
    for (int j = 0; j < 3; ++j) {
      if (value[j]) {
        target(i) -= *value[j] * g[j];
      } else {
        design(i, column++) = g[j];
      }
    }
  }
  calibration_fit fit;
  std::array<double, 3> out{fixed.a.value_or(0.0), fixed.b.value_or(0.0), fixed.c.value_or(0.0)};
  const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> solver(design);
  const Eigen::VectorXd theta = solver.solve(target);
  fit.rank = static_cast<std::size_t>(solver.rank());
  const Eigen::VectorXd residual = design * theta - target;
  int column = 0;
  for (int j = 0; j < 3; ++j) {
    if (!value[j]) out[j] = theta(column++);
  }
  fit.constants = {out[0], out[1], out[2]};
  fit.rms_residual = std::sqrt(residual.squaredNorm() / static_cast<double>(n));
  for (const auto& r : rows) {
    fit.exact_rows += level(r.parameters, r.vocabulary, fit.constants) == r.level ? 1 : 0;
  }
  return fit;
}

}  // namespace infoscale::entropic

#pragma once
// Rate-distortion and information-bottleneck machinery for discrete sources, the setting of
// MS (mspgt-hvib) A.3, eqs. (20)-(23): the beta_s of the H-VIB objective are read as Lagrange
// multipliers of per-scale rate constraints (22), and the paper claims beta_s* ~ 1/H(Z_s|Z_<s) (23).
//
// - blahut_arimoto: for a slope beta >= 0, the point of R(D) where dR/dD = -beta (Blahut 1972),
//   so beta IS the Lagrange multiplier of the distortion constraint at that point.
// - conditional_blahut_arimoto: the conditional rate-distortion function R_{X|Y}(D) with the
//   parent Y known to both sides; with one common beta it is the p(y)-average of per-y points.
// - information_bottleneck: Tishby, Pereira and Bialek's (2000) self-consistent iteration for
//   min I(X;T) - beta I(T;Y); along the IB curve dI(T;Y)/dI(X;T) = 1/beta.
// - multiplier_entropy_law: computes beta* at a fixed rate fraction or distortion over several
//   sources and reports whether beta* * H(X|Y) is constant (23) or at least decreasing in H.
// - channel_capacity (hvib/channel_capacity.hpp): the other Blahut-Arimoto, the capacity of a
//   discrete memoryless channel.
// All quantities are in nats.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/log_sum_exp.hpp"
#include "infoscale/core/random.hpp"

namespace infoscale {

/// Iteration controls shared by the discrete solvers.
struct iteration_options {
  std::size_t max_iterations = 20000;
  double tolerance = 1e-12;
};

/// One point of a rate-distortion curve.
struct rate_distortion_point {
  double beta = 0.0;             ///< the Lagrange multiplier: dR/dD = -beta at this point
  double rate = 0.0;             ///< I(X; Xhat), nats
  double distortion = 0.0;       ///< E d(X, Xhat)
  Eigen::VectorXd reproduction;  ///< q(xhat)
  Eigen::MatrixXd channel;       ///< q(xhat | x), rows x
  std::size_t iterations = 0;
  bool converged = false;
};

namespace detail {

inline void check_probability_vector(const Eigen::VectorXd& p, std::string_view function,
                                     std::string_view name) {
  if (p.size() == 0) raise(function, name, "is empty");
  compensated_sum total;
  for (Eigen::Index k = 0; k < p.size(); ++k) {
    if (!std::isfinite(p(k)) || p(k) < 0.0)
      raise(function, name, "has an invalid probability at index " + std::to_string(k));
    total += p(k);
  }
  if (std::abs(total.value() - 1.0) > 1e-9) raise(function, name, "does not sum to 1");
}

inline void check_beta(double beta, std::string_view function) {
  if (!(beta >= 0.0) || !std::isfinite(beta))
    raise(function, "beta", "must be finite and >= 0, got " + std::to_string(beta));
}

/// log sum exp of a vector's entries (core's log_sum_exp; -inf entries are zero weights).
inline double log_sum_exp_row(const Eigen::VectorXd& v) {
  return log_sum_exp(std::span<const double>(v.data(), static_cast<std::size_t>(v.size())));
}

inline double shannon_entropy(const Eigen::VectorXd& p) {
  compensated_sum h;
  for (Eigen::Index k = 0; k < p.size(); ++k) h += entr(p(k));
  return h.value();
}

/// I(A; B) from a joint p(a, b), nats.
inline double mutual_information_of_joint(const Eigen::MatrixXd& joint) {
  const Eigen::VectorXd pa = joint.rowwise().sum();
  const Eigen::VectorXd pb = joint.colwise().sum().transpose();
  compensated_sum i;
  for (Eigen::Index a = 0; a < joint.rows(); ++a)
    for (Eigen::Index b = 0; b < joint.cols(); ++b)
      if (joint(a, b) > 0.0) i += rel_entr(joint(a, b), pa(a) * pb(b));
  const double v = i.value();
  return v > 0.0 ? v : 0.0;
}

}  // namespace detail

/// Blahut-Arimoto at slope beta: minimises I(X; Xhat) + beta E d(X, Xhat) over q(xhat|x).
/// `distortion` is |X| x |Xhat|. Stops when Blahut's bound max_xhat log c(xhat) on the rate's
/// distance from R(D) falls below the tolerance.
[[nodiscard]] inline rate_distortion_point blahut_arimoto(const Eigen::VectorXd& p_x,
                                                          const Eigen::MatrixXd& distortion, double beta,
                                                          const iteration_options& options = {}) {
  constexpr std::string_view function = "blahut_arimoto";
  detail::check_probability_vector(p_x, function, "p_x");
  detail::check_beta(beta, function);
  if (distortion.rows() != p_x.size() || distortion.cols() == 0) {
    detail::raise(function, "distortion",
                  "must have one row per source symbol (" + std::to_string(p_x.size()) + ")");
  }
  if (!distortion.allFinite()) detail::raise(function, "distortion", "contains NaN or an infinity");
  const Eigen::Index n = p_x.size(), m = distortion.cols();
  Eigen::VectorXd log_q = Eigen::VectorXd::Constant(m, -std::log(static_cast<double>(m)));
  Eigen::MatrixXd log_channel(n, m);
  rate_distortion_point out;
  out.beta = beta;
  for (std::size_t it = 1; it <= options.max_iterations; ++it) {
    for (Eigen::Index x = 0; x < n; ++x) {
      const Eigen::VectorXd row = log_q - beta * distortion.row(x).transpose();
      log_channel.row(x) = (row.array() - detail::log_sum_exp_row(row)).transpose();
    }
    // c(xhat) = sum_x p(x) q(xhat|x) / q(xhat); the new marginal is q(xhat) c(xhat).
    Eigen::VectorXd log_c(m);
    for (Eigen::Index j = 0; j < m; ++j) {
      if (!std::isfinite(log_q(j))) {  // q(xhat) underflowed to 0: it stays 0
        log_c(j) = -std::numeric_limits<double>::infinity();
        continue;
      }
      compensated_sum c;
      for (Eigen::Index x = 0; x < n; ++x) c += p_x(x) * std::exp(log_channel(x, j) - log_q(j));
      log_c(j) = std::log(c.value());
    }
    double gap = -std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < m; ++j)
      if (std::isfinite(log_q(j))) gap = std::max(gap, log_c(j));
    log_q += log_c;
    log_q.array() -= detail::log_sum_exp_row(log_q);
    out.iterations = it;
    if (gap < options.tolerance) {
      out.converged = true;
      break;
    }
  }
  for (Eigen::Index x = 0; x < n; ++x) {
    const Eigen::VectorXd row = log_q - beta * distortion.row(x).transpose();
    log_channel.row(x) = (row.array() - detail::log_sum_exp_row(row)).transpose();
  }
  out.reproduction = log_q.array().exp().matrix();
  out.channel = log_channel.array().exp().matrix();
  compensated_sum rate, dist;
  for (Eigen::Index x = 0; x < n; ++x)
    for (Eigen::Index j = 0; j < m; ++j) {
      const double w = p_x(x) * out.channel(x, j);
      if (w > 0.0) {
        rate += w * (log_channel(x, j) - log_q(j));
        dist += w * distortion(x, j);
      }
    }
  out.rate = std::max(0.0, rate.value());
  out.distortion = dist.value();
  return out;
}

/// The rate-distortion curve at the given slopes, one Blahut-Arimoto solve per beta.
[[nodiscard]] inline std::vector<rate_distortion_point> rate_distortion_curve(
    const Eigen::VectorXd& p_x, const Eigen::MatrixXd& distortion, const std::vector<double>& betas,
    const iteration_options& options = {}) {
  std::vector<rate_distortion_point> out;
  out.reserve(betas.size());
  for (double beta : betas) out.push_back(blahut_arimoto(p_x, distortion, beta, options));
  return out;
}

/// A point of the conditional rate-distortion function R_{X|Y}(D): `joint` is p(y, x) (rows: the
/// parent Y = Z_<s, columns: X = Z_s); one common slope beta across parents.
struct conditional_rate_distortion_point {
  double beta = 0.0;
  double rate = 0.0;                 ///< I(X; Xhat | Y)
  double distortion = 0.0;           ///< E d(X, Xhat)
  double conditional_entropy = 0.0;  ///< H(X | Y)
};

[[nodiscard]] inline conditional_rate_distortion_point conditional_blahut_arimoto(
    const Eigen::MatrixXd& joint, const Eigen::MatrixXd& distortion, double beta,
    const iteration_options& options = {}) {
  constexpr std::string_view function = "conditional_blahut_arimoto";
  if (joint.size() == 0) detail::raise(function, "joint", "is empty");
  if (!joint.allFinite() || (joint.array() < 0.0).any())
    detail::raise(function, "joint", "has an invalid probability");
  if (std::abs(joint.sum() - 1.0) > 1e-9) detail::raise(function, "joint", "does not sum to 1");
  if (distortion.rows() != joint.cols())
    detail::raise(function, "distortion", "must have one row per symbol of X");
  detail::check_beta(beta, function);
  conditional_rate_distortion_point out;
  out.beta = beta;
  for (Eigen::Index y = 0; y < joint.rows(); ++y) {
    const double py = joint.row(y).sum();
    if (py <= 0.0) continue;
    const Eigen::VectorXd p_x = joint.row(y).transpose() / py;
    const auto point = blahut_arimoto(p_x, distortion, beta, options);
    out.rate += py * point.rate;
    out.distortion += py * point.distortion;
    out.conditional_entropy += py * detail::shannon_entropy(p_x);
  }
  return out;
}

/// The multiplier beta* at which R_{X|Y} reaches `target_rate` (bisection in log beta; the rate
/// grows with beta). target_rate must lie in (0, H(X|Y)).
[[nodiscard]] inline double multiplier_at_rate(const Eigen::MatrixXd& joint,
                                               const Eigen::MatrixXd& distortion, double target_rate,
                                               const iteration_options& options = {}) {
  constexpr std::string_view function = "multiplier_at_rate";
  const double h = conditional_blahut_arimoto(joint, distortion, 0.0, options).conditional_entropy;
  if (!(target_rate > 0.0) || !(target_rate < h)) {
    detail::raise(function, "target_rate", "must lie in (0, H(X|Y)) = (0, " + std::to_string(h) + ")");
  }
  double lo = 1e-6, hi = 1e3;
  for (int it = 0; it < 80; ++it) {
    const double mid = std::sqrt(lo * hi);
    (conditional_blahut_arimoto(joint, distortion, mid, options).rate < target_rate ? lo : hi) = mid;
  }
  return std::sqrt(lo * hi);
}

/// The multiplier beta* at which E d reaches `target_distortion` (the distortion falls with beta).
[[nodiscard]] inline double multiplier_at_distortion(const Eigen::MatrixXd& joint,
                                                     const Eigen::MatrixXd& distortion,
                                                     double target_distortion,
                                                     const iteration_options& options = {}) {
  constexpr std::string_view function = "multiplier_at_distortion";
  const double d_max = conditional_blahut_arimoto(joint, distortion, 0.0, options).distortion;
  if (!(target_distortion > 0.0) || !(target_distortion < d_max)) {
    detail::raise(function, "target_distortion",
                  "must lie in (0, D_max) = (0, " + std::to_string(d_max) + ")");
  }
  double lo = 1e-6, hi = 1e3;
  for (int it = 0; it < 80; ++it) {
    const double mid = std::sqrt(lo * hi);
    (conditional_blahut_arimoto(joint, distortion, mid, options).distortion > target_distortion ? lo : hi) =
        mid;
  }
  return std::sqrt(lo * hi);
}

/// How beta* is pinned down when the law (23) is checked across sources.
enum class operating_point { rate_fraction, distortion };

/// One source in the check of (23).
struct multiplier_entropy_row {
  double conditional_entropy = 0.0;  ///< H(Z_s | Z_<s)
  double multiplier = 0.0;           ///< beta*
  double product = 0.0;              ///< beta* H, constant if (23) holds with proportionality
};

/// The verdict on beta* ~ 1/H(Z_s|Z_<s), MS eq. (23), over a family of sources.
struct multiplier_entropy_report {
  std::vector<multiplier_entropy_row> rows;
  double coefficient_of_variation = 0.0;  ///< of beta* H (population sd / mean)
  bool proportional = false;              ///< coefficient_of_variation <= tolerance
  bool decreasing = false;                ///< beta* strictly decreases as H grows (the weak reading)
};

/// Evaluates (23) on sources p(z_<s, z_s) sharing one distortion matrix, each at the same rate
/// fraction R/H(Z_s|Z_<s) = `value` or the same distortion `value`.
[[nodiscard]] inline multiplier_entropy_report multiplier_entropy_law(
    const std::vector<Eigen::MatrixXd>& joints, const Eigen::MatrixXd& distortion, operating_point kind,
    double value, double tolerance = 0.1, const iteration_options& options = {}) {
  if (joints.size() < 2) detail::raise("multiplier_entropy_law", "joints", "needs at least two sources");
  multiplier_entropy_report report;
  compensated_sum sum, sum_sq;
  for (const auto& joint : joints) {
    multiplier_entropy_row row;
    row.conditional_entropy = conditional_blahut_arimoto(joint, distortion, 0.0, options).conditional_entropy;
    row.multiplier = kind == operating_point::rate_fraction
                         ? multiplier_at_rate(joint, distortion, value * row.conditional_entropy, options)
                         : multiplier_at_distortion(joint, distortion, value, options);
    row.product = row.multiplier * row.conditional_entropy;
    sum += row.product;
    sum_sq += row.product * row.product;
    report.rows.push_back(row);
  }
  const auto n = static_cast<double>(joints.size());
  const double mean = sum.value() / n;
  report.coefficient_of_variation = std::sqrt(std::max(0.0, sum_sq.value() / n - mean * mean)) / mean;
  report.proportional = report.coefficient_of_variation <= tolerance;
  auto sorted = report.rows;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.conditional_entropy < b.conditional_entropy; });
  report.decreasing = true;
  for (std::size_t k = 1; k < sorted.size(); ++k)
    if (!(sorted[k].multiplier < sorted[k - 1].multiplier)) report.decreasing = false;
  return report;
}

/// One point of the information-bottleneck curve.
struct bottleneck_point {
  double beta = 0.0;            ///< the Lagrange multiplier of I(T;Y)
  double information_xt = 0.0;  ///< I(X; T), the compression term
  double information_ty = 0.0;  ///< I(T; Y), the relevance term
  Eigen::MatrixXd encoder;      ///< q(t | x), rows x
  std::size_t iterations = 0;
  bool converged = false;
};

/// The iterative IB algorithm at one beta, from an initial encoder q(t|x) (rows sum to 1):
///   q(t|x) ∝ q(t) exp(-beta KL(p(y|x) || q(y|t))).
[[nodiscard]] inline bottleneck_point information_bottleneck(const Eigen::MatrixXd& p_xy, double beta,
                                                             Eigen::MatrixXd encoder,
                                                             const iteration_options& options = {}) {
  constexpr std::string_view function = "information_bottleneck";
  if (p_xy.size() == 0) detail::raise(function, "p_xy", "is empty");
  if (!p_xy.allFinite() || (p_xy.array() < 0.0).any())
    detail::raise(function, "p_xy", "has an invalid probability");
  if (std::abs(p_xy.sum() - 1.0) > 1e-9) detail::raise(function, "p_xy", "does not sum to 1");
  detail::check_beta(beta, function);
  if (encoder.rows() != p_xy.rows() || encoder.cols() == 0)
    detail::raise(function, "encoder", "must have one row per x");
  if (!encoder.allFinite() || (encoder.array() < 0.0).any() ||
      ((encoder.rowwise().sum().array() - 1.0).abs() > 1e-9).any()) {
    detail::raise(function, "encoder", "rows must be probability vectors");
  }
  const Eigen::Index nx = p_xy.rows(), ny = p_xy.cols(), nt = encoder.cols();
  const Eigen::VectorXd p_x = p_xy.rowwise().sum();
  Eigen::MatrixXd p_y_given_x(nx, ny);
  for (Eigen::Index x = 0; x < nx; ++x)
    p_y_given_x.row(x) = p_x(x) > 0 ? Eigen::RowVectorXd(p_xy.row(x) / p_x(x)) : Eigen::RowVectorXd::Zero(ny);
  bottleneck_point out;
  out.beta = beta;
  Eigen::VectorXd p_t(nt);
  Eigen::MatrixXd p_y_given_t(nt, ny);
  const auto update_marginals = [&] {
    p_t = encoder.transpose() * p_x;
    const Eigen::MatrixXd joint_ty = encoder.transpose() * p_xy;
    for (Eigen::Index t = 0; t < nt; ++t)
      p_y_given_t.row(t) =
          p_t(t) > 0 ? Eigen::RowVectorXd(joint_ty.row(t) / p_t(t)) : Eigen::RowVectorXd::Zero(ny);
  };
  update_marginals();
  for (std::size_t it = 1; it <= options.max_iterations; ++it) {
    Eigen::MatrixXd next(nx, nt);
    for (Eigen::Index x = 0; x < nx; ++x) {
      Eigen::VectorXd logit(nt);
      for (Eigen::Index t = 0; t < nt; ++t) {
        if (p_t(t) <= 0.0) {
          logit(t) = -std::numeric_limits<double>::infinity();
          continue;
        }
        compensated_sum kl;
        bool infinite = false;
        for (Eigen::Index y = 0; y < ny; ++y) {
          const double a = p_y_given_x(x, y);
          if (a <= 0.0) continue;
          const double b = p_y_given_t(t, y);
          if (b <= 0.0) {
            infinite = true;
            break;
          }
          kl += rel_entr(a, b);
        }
        logit(t) = infinite ? -std::numeric_limits<double>::infinity() : std::log(p_t(t)) - beta * kl.value();
      }
      next.row(x) = (logit.array() - detail::log_sum_exp_row(logit)).exp().matrix().transpose();
    }
    const double change = (next - encoder).cwiseAbs().maxCoeff();
    encoder = next;
    update_marginals();
    out.iterations = it;
    if (change < options.tolerance) {
      out.converged = true;
      break;
    }
  }
  out.encoder = encoder;
  out.information_xt = detail::mutual_information_of_joint(p_x.asDiagonal() * encoder);
  out.information_ty = detail::mutual_information_of_joint(encoder.transpose() * p_xy);
  return out;
}

/// The IB curve over increasing betas by deterministic annealing: each solve starts from the
/// previous encoder, perturbed by 1e-3 relative noise from `stream` so clusters can split.
/// The first solve starts from a random encoder drawn from `stream`.
[[nodiscard]] inline std::vector<bottleneck_point> information_bottleneck_curve(
    const Eigen::MatrixXd& p_xy, const std::vector<double>& betas, Eigen::Index clusters,
    const random_stream& stream, const iteration_options& options = {}) {
  constexpr std::string_view function = "information_bottleneck_curve";
  if (clusters < 1) detail::raise(function, "clusters", "must be >= 1");
  if (betas.empty()) detail::raise(function, "betas", "is empty");
  for (std::size_t k = 0; k < betas.size(); ++k) {
    detail::check_beta(betas[k], function);
    if (k > 0 && !(betas[k] > betas[k - 1])) detail::raise(function, "betas", "must be strictly increasing");
  }
  const Eigen::Index nx = p_xy.rows();
  Eigen::MatrixXd encoder(nx, clusters);
  std::uint64_t draw = 0;
  for (Eigen::Index x = 0; x < nx; ++x)
    for (Eigen::Index t = 0; t < clusters; ++t) encoder(x, t) = 0.5 + stream.uniform(draw++);
  std::vector<bottleneck_point> out;
  out.reserve(betas.size());
  for (double beta : betas) {
    for (Eigen::Index x = 0; x < nx; ++x) {
      for (Eigen::Index t = 0; t < clusters; ++t)
        encoder(x, t) = (encoder(x, t) + 1e-12) * (1.0 + 1e-3 * (stream.uniform(draw++) - 0.5));
      encoder.row(x) /= encoder.row(x).sum();
    }
    out.push_back(information_bottleneck(p_xy, beta, encoder, options));
    encoder = out.back().encoder;
  }
  return out;
}

}  // namespace infoscale

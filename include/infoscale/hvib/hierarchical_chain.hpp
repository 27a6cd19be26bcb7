#pragma once
// The hierarchical chain of mspgt-hvib §3.2 / Appendix A.1-A.2:
//   generative  p(G|C) p(I|G) p(L|I) p(X|G,I,L)                                   eq. (9)
//   posterior   q(G|C,X) q(I|G,C,X) q(L|I,G,C,X)                                   eq. (10)
// with the context C and the observation X fixed, so p(G|C) is a Gaussian and the conditionals
// take their parent vectors: I's parent is G, q(L|.)'s parent is [G; I], p(L|.)'s is I, and
// p(X|.)'s is [G; I; L]. The ELBO (12)/(17) splits into the reconstruction term and
//   KL_G = KL(q(G) || p(G|C))                                                      eq. (14)
//   KL_I = E_q(G) KL(q(I|G) || p(I|G))                                             eq. (15)
//   KL_L = E_q(G,I) KL(q(L|I,G) || p(L|I))                                         eq. (16)
// and the H-VIB objective (18) weights each KL_s by beta_s. For linear-Gaussian conditionals all
// terms are closed form (and so are log p(X|C) and the exact posterior); otherwise they are
// estimated by Monte Carlo with reparameterised draws from a counter-based random_stream, with the
// inner Gaussian KLs kept in closed form (Rao-Blackwellised: lower variance, same expectation).

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/hvib/gaussian.hpp"

namespace infoscale {

/// Per-scale weights beta_G, beta_I, beta_L of the H-VIB objective, mspgt-hvib eq. (18).
struct scale_weights {
  double g = 1.0;
  double i = 1.0;
  double l = 1.0;
};

/// KL_G, KL_I, KL_L, mspgt-hvib eqs. (14)-(16), nats.
struct kl_chain {
  double g = 0.0;
  double i = 0.0;
  double l = 0.0;
  [[nodiscard]] double total() const { return g + i + l; }
};

/// The reconstruction term E_q[log p(X|G,I,L)] and the KL chain, mspgt-hvib eq. (17).
struct hvib_terms {
  double reconstruction = 0.0;
  kl_chain kl;
  /// The hierarchical ELBO, mspgt-hvib eq. (17).
  [[nodiscard]] double elbo() const { return reconstruction - kl.total(); }
};

/// H-VIB objective E_q[log p(X|G,I,L)] - sum_s beta_s KL_s, mspgt-hvib eq. (18); equals the ELBO at
/// beta = (1, 1, 1). Raises when a beta is negative or not finite.
[[nodiscard]] inline double hvib_objective(const hvib_terms& terms, const scale_weights& beta) {
  constexpr std::string_view function = "hvib_objective";
  for (const auto& [value, name] :
       {std::pair{beta.g, "beta.g"}, std::pair{beta.i, "beta.i"}, std::pair{beta.l, "beta.l"}}) {
    if (!(value >= 0.0) || !std::isfinite(value)) {
      detail::raise(function, name, "must be finite and >= 0, got " + std::to_string(value));
    }
  }
  return terms.reconstruction - (beta.g * terms.kl.g + beta.i * terms.kl.i + beta.l * terms.kl.l);
}

/// The generative side, eq. (9), at a fixed context C.
template <GaussianConditional IGivenG, GaussianConditional LGivenI, ConditionalLikelihood XGivenGIL>
struct hierarchical_model {
  gaussian g;             ///< p(G | C)
  IGivenG i_given_g;      ///< p(I | G)
  LGivenI l_given_i;      ///< p(L | I)
  XGivenGIL x_given_gil;  ///< p(X | G, I, L), parent [G; I; L]
};

/// The variational posterior, eq. (10), at fixed (C, X).
template <GaussianConditional IGivenG, GaussianConditional LGivenGI>
struct hierarchical_posterior {
  gaussian g;           ///< q(G | C, X)
  IGivenG i_given_g;    ///< q(I | G, C, X)
  LGivenGI l_given_gi;  ///< q(L | I, G, C, X), parent [G; I]
};

using linear_gaussian_model =
    hierarchical_model<linear_gaussian_conditional, linear_gaussian_conditional, linear_gaussian_conditional>;
using linear_gaussian_posterior =
    hierarchical_posterior<linear_gaussian_conditional, linear_gaussian_conditional>;

/// A joint Gaussian over stacked blocks, with the block sizes.
struct stacked_gaussian {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

namespace detail {

inline void check_dimension(Eigen::Index got, Eigen::Index expected, std::string_view function,
                            std::string_view name, std::string_view what) {
  if (got != expected) {
    raise(function, name,
          std::string(what) + " is " + std::to_string(got) + " but the chain requires " +
              std::to_string(expected));
  }
}

template <class Model>
void check_model(const Model& p, std::string_view function) {
  const Eigen::Index dg = p.g.dimension();
  check_dimension(p.i_given_g.parent_dimension(), dg, function, "model.i_given_g", "parent dimension");
  const Eigen::Index di = p.i_given_g.dimension();
  check_dimension(p.l_given_i.parent_dimension(), di, function, "model.l_given_i", "parent dimension");
  const Eigen::Index dl = p.l_given_i.dimension();
  check_dimension(p.x_given_gil.parent_dimension(), dg + di + dl, function, "model.x_given_gil",
                  "parent dimension");
}

template <class Model, class Posterior>
void check_chain(const Model& p, const Posterior& q, std::string_view function) {
  check_model(p, function);
  const Eigen::Index dg = p.g.dimension(), di = p.i_given_g.dimension(), dl = p.l_given_i.dimension();
  check_dimension(q.g.dimension(), dg, function, "posterior.g", "dimension");
  check_dimension(q.i_given_g.parent_dimension(), dg, function, "posterior.i_given_g", "parent dimension");
  check_dimension(q.i_given_g.dimension(), di, function, "posterior.i_given_g", "dimension");
  check_dimension(q.l_given_gi.parent_dimension(), dg + di, function, "posterior.l_given_gi",
                  "parent dimension");
  check_dimension(q.l_given_gi.dimension(), dl, function, "posterior.l_given_gi", "dimension");
}

inline Eigen::MatrixXd symmetrised(const Eigen::MatrixXd& m) {
  return 0.5 * (m + m.transpose());
}

/// Joint of [u; z] when u ~ N(m, S) and z | u ~ N(A u + b, Sigma); A acts on all of u.
inline stacked_gaussian append_linear(const stacked_gaussian& u, const Eigen::MatrixXd& a,
                                      const Eigen::VectorXd& b, const Eigen::MatrixXd& sigma) {
  const Eigen::Index n = u.mean.size(), k = b.size();
  stacked_gaussian out{Eigen::VectorXd(n + k), Eigen::MatrixXd(n + k, n + k)};
  out.mean << u.mean, a * u.mean + b;
  const Eigen::MatrixXd cross = a * u.covariance;  // Cov(z, u)
  out.covariance.topLeftCorner(n, n) = u.covariance;
  out.covariance.bottomLeftCorner(k, n) = cross;
  out.covariance.topRightCorner(n, k) = cross.transpose();
  out.covariance.bottomRightCorner(k, k) = symmetrised(cross * a.transpose() + sigma);
  return out;
}

/// A weight acting on a parent block placed at columns [offset, offset + w.cols()) of a wider vector.
inline Eigen::MatrixXd embedded(const Eigen::MatrixXd& w, Eigen::Index total_columns, Eigen::Index offset) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(w.rows(), total_columns);
  out.middleCols(offset, w.cols()) = w;
  return out;
}

/// E_{u ~ N(m, S)} KL(N(Aq u + bq, Sq) || N(Ap u + bp, Sp)) in closed form: the mean gap
/// D u + c (D = Aq - Ap, c = bq - bp) contributes |Lp^-1 (D m + c)|^2 + tr(Lp^-1 D S D^T Lp^-T).
inline double expected_linear_kl(const linear_gaussian_conditional& q, const Eigen::MatrixXd& p_weight,
                                 const Eigen::VectorXd& p_offset, const Eigen::MatrixXd& p_lower,
                                 const Eigen::VectorXd& u_mean, const Eigen::MatrixXd& u_covariance) {
  const auto lp = p_lower.triangularView<Eigen::Lower>();
  const Eigen::MatrixXd d = q.weight() - p_weight;
  const Eigen::VectorXd gap = lp.solve(Eigen::VectorXd(d * u_mean + q.offset() - p_offset));
  const Eigen::MatrixXd m = lp.solve(d);
  const double spread = (m * u_covariance).cwiseProduct(m).sum();
  const Eigen::MatrixXd whitened = lp.solve(q.cholesky());
  const double k = static_cast<double>(q.dimension());
  const double log_ratio =
      log_determinant_from_cholesky(p_lower) - log_determinant_from_cholesky(q.cholesky());
  const double kl = 0.5 * (whitened.squaredNorm() - k + log_ratio + gap.squaredNorm() + spread);
  return kl > 0.0 ? kl : 0.0;
}

/// Splits a joint Gaussian over [G; I; L] into the chain q(G) q(I|G) q(L|G,I).
inline linear_gaussian_posterior factorise_chain(const stacked_gaussian& joint, Eigen::Index dg,
                                                 Eigen::Index di, Eigen::Index dl,
                                                 std::string_view function) {
  const Eigen::MatrixXd& s = joint.covariance;
  const Eigen::VectorXd& m = joint.mean;
  gaussian g(m.head(dg), symmetrised(s.topLeftCorner(dg, dg)), function);
  const auto conditional = [&](Eigen::Index parent, Eigen::Index child, Eigen::Index size) {
    const Eigen::MatrixXd s_uu = s.topLeftCorner(parent, parent);
    const Eigen::MatrixXd s_zu = s.block(child, 0, size, parent);
    const Eigen::MatrixXd w = s_uu.llt().solve(s_zu.transpose()).transpose();
    const Eigen::VectorXd b = m.segment(child, size) - w * m.head(parent);
    const Eigen::MatrixXd c = symmetrised(s.block(child, child, size, size) - w * s_zu.transpose());
    return linear_gaussian_conditional(w, b, c, function);
  };
  return linear_gaussian_posterior{std::move(g), conditional(dg, dg, di), conditional(dg + di, dg + di, dl)};
}

struct running_mean {
  compensated_sum sum;
  compensated_sum sum_squares;
  void add(double v) {
    sum += v;
    sum_squares += v * v;
  }
  [[nodiscard]] double mean(double n) const { return sum.value() / n; }
  [[nodiscard]] double standard_error(double n) const {
    if (n < 2) return 0.0;
    const double mu = mean(n);
    const double var = (sum_squares.value() - n * mu * mu) / (n - 1);
    return var > 0.0 ? std::sqrt(var / n) : 0.0;
  }
};

}  // namespace detail

/// The joint Gaussian of (G, I, L) under the posterior q, blocks in that order.
[[nodiscard]] inline stacked_gaussian joint_distribution(const linear_gaussian_posterior& q) {
  const stacked_gaussian g{q.g.mean(), q.g.covariance()};
  const auto gi =
      detail::append_linear(g, q.i_given_g.weight(), q.i_given_g.offset(), q.i_given_g.covariance());
  return detail::append_linear(gi, q.l_given_gi.weight(), q.l_given_gi.offset(), q.l_given_gi.covariance());
}

/// The joint Gaussian of (G, I, L, X) under the generative model p(.|C), blocks in that order.
[[nodiscard]] inline stacked_gaussian joint_distribution(const linear_gaussian_model& p) {
  detail::check_model(p, "joint_distribution");
  const Eigen::Index dg = p.g.dimension(), di = p.i_given_g.dimension();
  const stacked_gaussian g{p.g.mean(), p.g.covariance()};
  const auto gi =
      detail::append_linear(g, p.i_given_g.weight(), p.i_given_g.offset(), p.i_given_g.covariance());
  const auto gil = detail::append_linear(gi, detail::embedded(p.l_given_i.weight(), dg + di, dg),
                                         p.l_given_i.offset(), p.l_given_i.covariance());
  return detail::append_linear(gil, p.x_given_gil.weight(), p.x_given_gil.offset(),
                               p.x_given_gil.covariance());
}

/// log p(X | C), the marginal likelihood that the ELBO bounds, mspgt-hvib eqs. (11)-(12).
[[nodiscard]] inline double log_evidence(const linear_gaussian_model& p, const Eigen::VectorXd& x) {
  constexpr std::string_view function = "log_evidence";
  const auto joint = joint_distribution(p);
  const Eigen::Index dx = p.x_given_gil.dimension();
  detail::check_vector_length(x, dx, function, "x");
  const gaussian marginal(joint.mean.tail(dx),
                          detail::symmetrised(joint.covariance.bottomRightCorner(dx, dx)), function);
  return marginal.log_density(x);
}

/// The exact posterior p(G, I, L | X, C), factorised along the chain (10); with it the ELBO equals
/// log p(X|C) (eq. (12) is tight).
[[nodiscard]] inline linear_gaussian_posterior exact_posterior(const linear_gaussian_model& p,
                                                               const Eigen::VectorXd& x) {
  constexpr std::string_view function = "exact_posterior";
  const auto joint = joint_distribution(p);
  const Eigen::Index dg = p.g.dimension(), di = p.i_given_g.dimension(), dl = p.l_given_i.dimension();
  const Eigen::Index nz = dg + di + dl, dx = p.x_given_gil.dimension();
  detail::check_vector_length(x, dx, function, "x");
  const Eigen::MatrixXd s_zz = joint.covariance.topLeftCorner(nz, nz);
  const Eigen::MatrixXd s_zx = joint.covariance.topRightCorner(nz, dx);
  const Eigen::LLT<Eigen::MatrixXd> s_xx(joint.covariance.bottomRightCorner(dx, dx));
  const stacked_gaussian posterior{
      joint.mean.head(nz) + s_zx * s_xx.solve(Eigen::VectorXd(x - joint.mean.tail(dx))),
      detail::symmetrised(s_zz - s_zx * s_xx.solve(Eigen::MatrixXd(s_zx.transpose())))};
  return detail::factorise_chain(posterior, dg, di, dl, function);
}

/// KL_G, KL_I, KL_L in closed form for linear-Gaussian conditionals, mspgt-hvib eqs. (14)-(16).
[[nodiscard]] inline kl_chain kl_terms(const linear_gaussian_model& p, const linear_gaussian_posterior& q) {
  detail::check_chain(p, q, "kl_terms");
  const Eigen::Index dg = p.g.dimension(), di = p.i_given_g.dimension();
  const auto joint = joint_distribution(q);
  kl_chain kl;
  kl.g = kl_divergence(q.g, p.g);
  kl.i = detail::expected_linear_kl(q.i_given_g, p.i_given_g.weight(), p.i_given_g.offset(),
                                    p.i_given_g.cholesky(), q.g.mean(), q.g.covariance());
  kl.l = detail::expected_linear_kl(q.l_given_gi, detail::embedded(p.l_given_i.weight(), dg + di, dg),
                                    p.l_given_i.offset(), p.l_given_i.cholesky(), joint.mean.head(dg + di),
                                    joint.covariance.topLeftCorner(dg + di, dg + di));
  return kl;
}

/// Reconstruction E_q[log p(X|G,I,L)] in closed form for a linear-Gaussian likelihood:
/// log N(x; A m + b, S) - 1/2 tr(S^-1 A Cov_q A^T).
[[nodiscard]] inline double reconstruction(const linear_gaussian_model& p, const linear_gaussian_posterior& q,
                                           const Eigen::VectorXd& x) {
  constexpr std::string_view function = "reconstruction";
  detail::check_chain(p, q, function);
  detail::check_vector_length(x, p.x_given_gil.dimension(), function, "x");
  const auto joint = joint_distribution(q);
  const auto& lik = p.x_given_gil;
  const Eigen::MatrixXd m = lik.cholesky().triangularView<Eigen::Lower>().solve(lik.weight());
  const double spread = (m * joint.covariance).cwiseProduct(m).sum();
  return lik.at(joint.mean).log_density(x) - 0.5 * spread;
}

/// All ELBO terms in closed form, mspgt-hvib eq. (17).
[[nodiscard]] inline hvib_terms elbo_terms(const linear_gaussian_model& p, const linear_gaussian_posterior& q,
                                           const Eigen::VectorXd& x) {
  return hvib_terms{reconstruction(p, q, x), kl_terms(p, q)};
}

/// KL(q(G,I,L) || p(G,I,L|C)) between the joints: what the chain (17) decomposes into KL_G + KL_I + KL_L.
[[nodiscard]] inline double joint_kl(const linear_gaussian_model& p, const linear_gaussian_posterior& q) {
  detail::check_chain(p, q, "joint_kl");
  const Eigen::Index nz = p.g.dimension() + p.i_given_g.dimension() + p.l_given_i.dimension();
  const auto qj = joint_distribution(q);
  const auto pj = joint_distribution(p);
  const gaussian a(qj.mean, qj.covariance, "joint_kl");
  const gaussian b(pj.mean.head(nz), detail::symmetrised(pj.covariance.topLeftCorner(nz, nz)), "joint_kl");
  return kl_divergence(a, b);
}

/// KL(q(G,I,L) || p(G,I,L|X,C)): the ELBO's gap, log p(X|C) - ELBO.
[[nodiscard]] inline double posterior_gap(const linear_gaussian_model& p, const linear_gaussian_posterior& q,
                                          const Eigen::VectorXd& x) {
  detail::check_chain(p, q, "posterior_gap");
  const auto qj = joint_distribution(q);
  const auto tj = joint_distribution(exact_posterior(p, x));
  return kl_divergence(gaussian(qj.mean, qj.covariance, "posterior_gap"),
                       gaussian(tj.mean, tj.covariance, "posterior_gap"));
}

/// A Monte Carlo estimate of the ELBO terms with its standard errors.
struct hvib_estimate {
  hvib_terms value;
  hvib_terms standard_error;
  std::size_t samples = 0;
};

/// ELBO terms by Monte Carlo with reparameterisation, for any Gaussian conditionals and any
/// likelihood: draw g = m + L eps, then i ~ q(I|g), l ~ q(L|g,i); KL_I and KL_L average the inner
/// closed-form Gaussian KLs at the drawn parents, the reconstruction averages log p(x|g,i,l).
/// Draw s uses indices [s*D, (s+1)*D) of `stream` (D = dim G + dim I + dim L), so the estimate
/// is a pure function of (seed, stream, samples).
template <class Model, class Posterior>
[[nodiscard]] hvib_estimate monte_carlo_elbo_terms(const Model& p, const Posterior& q,
                                                   const Eigen::VectorXd& x, std::size_t samples,
                                                   const random_stream& stream) {
  constexpr std::string_view function = "monte_carlo_elbo_terms";
  detail::check_chain(p, q, function);
  if (samples < 2) detail::raise(function, "samples", "must be >= 2 (the standard error needs two draws)");
  const Eigen::Index dg = p.g.dimension(), di = p.i_given_g.dimension(), dl = p.l_given_i.dimension();
  const auto d = static_cast<std::uint64_t>(dg + di + dl);
  detail::running_mean rec, kli, kll;
  Eigen::VectorXd gi(dg + di), gil(dg + di + dl);
  for (std::size_t s = 0; s < samples; ++s) {
    const std::uint64_t base = static_cast<std::uint64_t>(s) * d;
    const Eigen::VectorXd g = q.g.sample(stream, base);
    const gaussian qi = q.i_given_g.at(g);
    kli.add(kl_divergence(qi, p.i_given_g.at(g)));
    const Eigen::VectorXd i = qi.sample(stream, base + static_cast<std::uint64_t>(dg));
    gi << g, i;
    const gaussian ql = q.l_given_gi.at(gi);
    kll.add(kl_divergence(ql, p.l_given_i.at(i)));
    const Eigen::VectorXd l = ql.sample(stream, base + static_cast<std::uint64_t>(dg + di));
    gil << g, i, l;
    rec.add(p.x_given_gil.log_density(x, gil));
  }
  const auto n = static_cast<double>(samples);
  hvib_estimate out;
  out.samples = samples;
  out.value = hvib_terms{rec.mean(n), kl_chain{kl_divergence(q.g, p.g), kli.mean(n), kll.mean(n)}};
  out.standard_error =
      hvib_terms{rec.standard_error(n), kl_chain{0.0, kli.standard_error(n), kll.standard_error(n)}};
  return out;
}

}  // namespace infoscale

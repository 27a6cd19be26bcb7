// H-VIB on a three-scale linear-Gaussian model (mspgt-hvib §3.2, Appendix A): the ELBO terms per
// scale for the exact posterior and for a deliberately coarse one, the H-VIB objective (18) as the
// per-scale weights beta_s vary, and the information-bottleneck curve of a small discrete source.

#include <Eigen/Dense>
#include <cstdio>
#include <infoscale/hvib.hpp>
#include <vector>

int main() {
  using namespace infoscale;
  // G (2-d) -> I (3-d) -> L (4-d) -> X (6-d): each scale adds detail to the one above it.
  const random_stream stream(2024, 0);
  std::uint64_t next = 0;
  const auto matrix = [&](Eigen::Index r, Eigen::Index c, double scale) {
    Eigen::MatrixXd m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
      for (Eigen::Index j = 0; j < c; ++j) m(i, j) = scale * stream.normal(next++);
    return m;
  };
  const auto identity = [](Eigen::Index n, double v) {
    return Eigen::MatrixXd(v * Eigen::MatrixXd::Identity(n, n));
  };
  const linear_gaussian_model model{
      gaussian(Eigen::VectorXd::Zero(2), identity(2, 1.0)),
      linear_gaussian_conditional(matrix(3, 2, 0.8), Eigen::VectorXd::Zero(3), identity(3, 0.5)),
      linear_gaussian_conditional(matrix(4, 3, 0.8), Eigen::VectorXd::Zero(4), identity(4, 0.3)),
      linear_gaussian_conditional(matrix(6, 9, 0.6), Eigen::VectorXd::Zero(6), identity(6, 0.2))};
  const Eigen::VectorXd x = matrix(6, 1, 1.5).col(0);

  const double evidence = log_evidence(model, x);
  const auto exact = exact_posterior(model, x);
  // A mean-field-like posterior: the exact one with its cross-scale couplings dropped.
  const linear_gaussian_posterior coarse{
      exact.g,
      linear_gaussian_conditional(Eigen::MatrixXd::Zero(3, 2),
                                  exact.i_given_g.offset() + exact.i_given_g.weight() * exact.g.mean(),
                                  exact.i_given_g.covariance()),
      linear_gaussian_conditional(
          Eigen::MatrixXd::Zero(4, 5),
          exact.l_given_gi.offset() + exact.l_given_gi.weight().leftCols(2) * exact.g.mean() +
              exact.l_given_gi.weight().rightCols(3) *
                  (exact.i_given_g.offset() + exact.i_given_g.weight() * exact.g.mean()),
          exact.l_given_gi.covariance())};

  std::printf("log p(X|C) = %.6f\n\n", evidence);
  std::printf("%-10s %14s %10s %10s %10s %12s %12s\n", "posterior", "reconstruction", "KL_G", "KL_I", "KL_L",
              "ELBO", "gap");
  for (const auto& [name, q] : {std::pair{"exact", &exact}, std::pair{"coarse", &coarse}}) {
    const auto t = elbo_terms(model, *q, x);
    std::printf("%-10s %14.6f %10.6f %10.6f %10.6f %12.6f %12.2e\n", name, t.reconstruction, t.kl.g, t.kl.i,
                t.kl.l, t.elbo(), evidence - t.elbo());
  }

  std::printf("\nH-VIB objective (18) for the exact posterior as one beta_s varies (others 1):\n");
  std::printf("%6s %14s %14s %14s\n", "beta", "vary beta_G", "vary beta_I", "vary beta_L");
  const auto t = elbo_terms(model, exact, x);
  for (double beta : {0.0, 0.25, 0.5, 1.0, 2.0, 4.0}) {
    std::printf("%6.2f %14.6f %14.6f %14.6f\n", beta, hvib_objective(t, {beta, 1, 1}),
                hvib_objective(t, {1, beta, 1}), hvib_objective(t, {1, 1, beta}));
  }

  // Information-bottleneck curve of a small discrete source p(x, y): 4 symbols, 3 labels.
  Eigen::MatrixXd p_xy(4, 3);
  p_xy << 0.20, 0.04, 0.01, 0.05, 0.15, 0.05, 0.02, 0.08, 0.15, 0.10, 0.05, 0.10;
  std::vector<double> betas;
  for (double b = 0.5; b <= 40.0; b *= 1.25) betas.push_back(b);
  const auto curve = information_bottleneck_curve(p_xy, betas, 4, random_stream(7, 0));
  std::printf("\nIB curve (nats); I(X;Y) = %.6f\n%8s %10s %10s %14s\n",
              detail::mutual_information_of_joint(p_xy), "beta", "I(X;T)", "I(T;Y)", "slope vs 1/b");
  for (std::size_t k = 0; k < curve.size(); ++k) {
    const auto& p = curve[k];
    double slope = 0.0;
    if (k > 0 && p.information_xt - curve[k - 1].information_xt > 1e-6)
      slope =
          (p.information_ty - curve[k - 1].information_ty) / (p.information_xt - curve[k - 1].information_xt);
    std::printf("%8.3f %10.6f %10.6f %7.3f/%.3f\n", p.beta, p.information_xt, p.information_ty, slope,
                k > 0 ? 1.0 / std::sqrt(p.beta * curve[k - 1].beta) : 0.0);
  }
  return 0;
}

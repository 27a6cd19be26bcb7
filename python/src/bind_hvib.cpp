// The submodule infoscale.hvib (mspgt-hvib §3.2, App. A): Gaussians and linear-Gaussian
// conditionals, the G/I/L chain of eqs. (9)-(10) in closed form and by Monte Carlo, the ELBO
// (17) with its per-scale KL terms (14)-(16), the beta-weighted objective (18), and the
// variational information bound (19). The information bottleneck, Fisher sensitivity and the
// mutual-information estimators are bound in their own files and called from here.
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "infoscale/hvib/information_bound.hpp"
#include "tensors.hpp"

namespace infoscale::python {

void bind_bottleneck(nb::module_& m);
void bind_readout(nb::module_& m);
void bind_mutual_information(nb::module_& m);

namespace {

using namespace nb::literals;

std::pair<Eigen::VectorXd, Eigen::MatrixXd> as_pair(const stacked_gaussian& g) {
  return {g.mean, g.covariance};
}

constexpr const char* gaussian_doc =
    "N(mean, covariance), validated on construction (finite, symmetric positive definite).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "mean : array_like, shape (k,)\n"
    "covariance : array_like, shape (k, k)\n"
    "    Copied into float64.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On NaN/Inf, a non-symmetric or non-positive-definite covariance, or a length mismatch.\n";

constexpr const char* conditional_doc =
    "z | u ~ N(weight u + offset, covariance): a linear-Gaussian conditional, for which every H-VIB\n"
    "term has a closed form.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "weight : array_like, shape (k, parent_dimension)\n"
    "offset : array_like, shape (k,)\n"
    "covariance : array_like, shape (k, k)\n"
    "    Symmetric positive definite.\n";

constexpr const char* model_doc =
    "The generative side of the chain at a fixed context C, mspgt-hvib eq. (9):\n"
    "p(G|C) p(I|G) p(L|I) p(X|G,I,L).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "g : Gaussian\n"
    "    p(G | C).\n"
    "i_given_g : LinearGaussianConditional\n"
    "    p(I | G), parent G.\n"
    "l_given_i : LinearGaussianConditional\n"
    "    p(L | I), parent I.\n"
    "x_given_gil : LinearGaussianConditional\n"
    "    p(X | G, I, L), parent [G; I; L].\n";

constexpr const char* posterior_doc =
    "The variational posterior at fixed (C, X), mspgt-hvib eq. (10): q(G) q(I|G) q(L|G,I).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "g : Gaussian\n"
    "    q(G | C, X).\n"
    "i_given_g : LinearGaussianConditional\n"
    "    q(I | G, C, X), parent G.\n"
    "l_given_gi : LinearGaussianConditional\n"
    "    q(L | I, G, C, X), parent [G; I].\n";

}  // namespace

void bind_hvib(nb::module_& m) {
  nb::module_ h = m.def_submodule(
      "hvib",
      "Hierarchical variational information bottleneck (mspgt-hvib §3.2, App. A): the G/I/L chain\n"
      "of Gaussians in closed form and by Monte Carlo, the ELBO and its per-scale KL terms, the\n"
      "beta-weighted objective, the variational information bound, Blahut-Arimoto and the\n"
      "information bottleneck, the multiplier-entropy law, MI-slope kinks, Fisher sensitivity, and\n"
      "Gaussian / KSG / binning mutual-information estimators. Everything is in nats. (The row-wise\n"
      "Gaussian KLs are infoscale.gaussian_kl, gaussian_kl_diagonal and gaussian_kl_full.)");

  nb::class_<gaussian>(h, "Gaussian", gaussian_doc)
      .def(
          "__init__",
          [](gaussian* self, Eigen::VectorXd mean, Eigen::MatrixXd covariance) {
            new (self) gaussian(std::move(mean), std::move(covariance));
          },
          "mean"_a, "covariance"_a)
      .def_prop_ro(
          "mean", [](const gaussian& g) { return Eigen::VectorXd(g.mean()); }, nb::rv_policy::move)
      .def_prop_ro(
          "covariance", [](const gaussian& g) { return Eigen::MatrixXd(g.covariance()); },
          nb::rv_policy::move)
      .def_prop_ro(
          "cholesky", [](const gaussian& g) { return Eigen::MatrixXd(g.cholesky()); }, nb::rv_policy::move,
          "Lower Cholesky factor L, covariance = L L^T.")
      .def_prop_ro("dimension", &gaussian::dimension)
      .def("log_determinant", &gaussian::log_determinant, "ln det covariance.")
      .def("log_density", &gaussian::log_density, "x"_a, "log N(x; mean, covariance).")
      .def("entropy", &gaussian::entropy, "Differential entropy 1/2 ln det(2 pi e covariance), nats.")
      .def(
          "sample",
          [](const gaussian& g, std::uint64_t seed, std::uint64_t stream, std::uint64_t first_index) {
            return g.sample(random_stream(seed, stream), first_index);
          },
          "seed"_a, "stream"_a = 0, "first_index"_a = 0,
          "The reparameterised draw mean + L eps, eps_k = normal draw first_index + k of the\n"
          "counter-based stream (seed, stream).\n");
  h.def(
      "kl_divergence", [](const gaussian& a, const gaussian& b) { return kl_divergence(a, b); }, "a"_a, "b"_a,
      "KL(a || b) between two Gaussians of one dimension, nats.\n\nReturns\n-------\nfloat\n");

  nb::class_<linear_gaussian_conditional>(h, "LinearGaussianConditional", conditional_doc)
      .def(
          "__init__",
          [](linear_gaussian_conditional* self, Eigen::MatrixXd weight, Eigen::VectorXd offset,
             Eigen::MatrixXd covariance) {
            new (self)
                linear_gaussian_conditional(std::move(weight), std::move(offset), std::move(covariance));
          },
          "weight"_a, "offset"_a, "covariance"_a)
      .def_prop_ro(
          "weight", [](const linear_gaussian_conditional& c) { return Eigen::MatrixXd(c.weight()); },
          nb::rv_policy::move)
      .def_prop_ro(
          "offset", [](const linear_gaussian_conditional& c) { return Eigen::VectorXd(c.offset()); },
          nb::rv_policy::move)
      .def_prop_ro(
          "covariance", [](const linear_gaussian_conditional& c) { return Eigen::MatrixXd(c.covariance()); },
          nb::rv_policy::move)
      .def_prop_ro(
          "cholesky", [](const linear_gaussian_conditional& c) { return Eigen::MatrixXd(c.cholesky()); },
          nb::rv_policy::move)
      .def_prop_ro("dimension", &linear_gaussian_conditional::dimension)
      .def_prop_ro("parent_dimension", &linear_gaussian_conditional::parent_dimension)
      .def("at", &linear_gaussian_conditional::at, "parent"_a, "The Gaussian law given the parent vector.")
      .def("log_density", &linear_gaussian_conditional::log_density, "x"_a, "parent"_a, "log p(x | parent).");

  nb::class_<scale_weights>(h, "ScaleWeights",
                            "Per-scale weights beta_G, beta_I, beta_L of the H-VIB objective, eq. (18).")
      .def(
          "__init__",
          [](scale_weights* self, double g, double i, double l) {
            new (self) scale_weights{g, i, l};
          },
          "g"_a = 1.0, "i"_a = 1.0, "l"_a = 1.0)
      .def_rw("g", &scale_weights::g)
      .def_rw("i", &scale_weights::i)
      .def_rw("l", &scale_weights::l);
  nb::class_<kl_chain>(h, "KLChain", "KL_G, KL_I, KL_L of mspgt-hvib eqs. (14)-(16), nats.")
      .def(
          "__init__",
          [](kl_chain* self, double g, double i, double l) {
            new (self) kl_chain{g, i, l};
          },
          "g"_a = 0.0, "i"_a = 0.0, "l"_a = 0.0)
      .def_rw("g", &kl_chain::g)
      .def_rw("i", &kl_chain::i)
      .def_rw("l", &kl_chain::l)
      .def("total", &kl_chain::total, "KL_G + KL_I + KL_L.");
  nb::class_<hvib_terms>(h, "HVIBTerms",
                         "The reconstruction term E_q[log p(X|G,I,L)] and the KL chain, eq. (17).")
      .def(
          "__init__",
          [](hvib_terms* self, double reconstruction, const kl_chain& kl) {
            new (self) hvib_terms{reconstruction, kl};
          },
          "reconstruction"_a = 0.0, "kl"_a = kl_chain{})
      .def_rw("reconstruction", &hvib_terms::reconstruction)
      .def_rw("kl", &hvib_terms::kl)
      .def("elbo", &hvib_terms::elbo,
           "The hierarchical ELBO: reconstruction - (KL_G + KL_I + KL_L), eq. (17).");
  h.def("hvib_objective", &hvib_objective, "terms"_a, "beta"_a,
        "H-VIB objective E_q[log p(X|G,I,L)] - sum_s beta_s KL_s, eq. (18); the ELBO at beta = (1, 1, 1).\n\n"
        "Raises\n------\nValueError\n    When a beta is negative or not finite.\n");

  nb::class_<linear_gaussian_model>(h, "LinearGaussianModel", model_doc)
      .def(
          "__init__",
          [](linear_gaussian_model* self, const gaussian& g, const linear_gaussian_conditional& i,
             const linear_gaussian_conditional& l, const linear_gaussian_conditional& x) {
            new (self) linear_gaussian_model{g, i, l, x};
          },
          "g"_a, "i_given_g"_a, "l_given_i"_a, "x_given_gil"_a)
      .def_ro("g", &linear_gaussian_model::g)
      .def_ro("i_given_g", &linear_gaussian_model::i_given_g)
      .def_ro("l_given_i", &linear_gaussian_model::l_given_i)
      .def_ro("x_given_gil", &linear_gaussian_model::x_given_gil);
  nb::class_<linear_gaussian_posterior>(h, "LinearGaussianPosterior", posterior_doc)
      .def(
          "__init__",
          [](linear_gaussian_posterior* self, const gaussian& g, const linear_gaussian_conditional& i,
             const linear_gaussian_conditional& l) {
            new (self) linear_gaussian_posterior{g, i, l};
          },
          "g"_a, "i_given_g"_a, "l_given_gi"_a)
      .def_ro("g", &linear_gaussian_posterior::g)
      .def_ro("i_given_g", &linear_gaussian_posterior::i_given_g)
      .def_ro("l_given_gi", &linear_gaussian_posterior::l_given_gi);

  h.def(
      "joint_distribution", [](const linear_gaussian_model& p) { return as_pair(joint_distribution(p)); },
      "model"_a, "The joint Gaussian of (G, I, L, X) under the generative model, as (mean, covariance).\n");
  h.def(
      "joint_distribution", [](const linear_gaussian_posterior& q) { return as_pair(joint_distribution(q)); },
      "posterior"_a, "The joint Gaussian of (G, I, L) under the posterior, as (mean, covariance).\n");
  h.def("log_evidence", &log_evidence, "model"_a, "x"_a,
        "log p(X | C), the marginal likelihood the ELBO bounds, eqs. (11)-(12).\n");
  h.def("exact_posterior", &exact_posterior, "model"_a, "x"_a,
        "The exact posterior p(G, I, L | X, C), factorised along the chain (10); with it the ELBO equals\n"
        "log p(X|C).\n");
  h.def("kl_terms", &kl_terms, "model"_a, "posterior"_a,
        "KL_G, KL_I, KL_L in closed form, eqs. (14)-(16).\n\nReturns\n-------\nKLChain\n");
  h.def("reconstruction", &reconstruction, "model"_a, "posterior"_a, "x"_a,
        "E_q[log p(X|G,I,L)] in closed form: log N(x; A m + b, S) - 1/2 tr(S^-1 A Cov_q A^T).\n");
  h.def("elbo_terms", &elbo_terms, "model"_a, "posterior"_a, "x"_a,
        "All ELBO terms in closed form, eq. (17).\n\nReturns\n-------\nHVIBTerms\n");
  h.def("joint_kl", &joint_kl, "model"_a, "posterior"_a,
        "KL(q(G,I,L) || p(G,I,L|C)) between the joints, which the chain splits into KL_G + KL_I + KL_L.\n");
  h.def("posterior_gap", &posterior_gap, "model"_a, "posterior"_a, "x"_a,
        "KL(q(G,I,L) || p(G,I,L|X,C)) = log p(X|C) - ELBO.\n");

  nb::class_<hvib_estimate>(h, "HVIBEstimate",
                            "A Monte Carlo estimate of the ELBO terms with standard errors.")
      .def_ro("value", &hvib_estimate::value)
      .def_ro("standard_error", &hvib_estimate::standard_error)
      .def_ro("samples", &hvib_estimate::samples);
  h.def(
      "monte_carlo_elbo_terms",
      [](const linear_gaussian_model& p, const linear_gaussian_posterior& q, const Eigen::VectorXd& x,
         std::size_t samples, std::uint64_t seed, std::uint64_t stream) {
        nb::gil_scoped_release release;
        return monte_carlo_elbo_terms(p, q, x, samples, random_stream(seed, stream));
      },
      "model"_a, "posterior"_a, "x"_a, "samples"_a, "seed"_a = 0, "stream"_a = 0,
      "ELBO terms by Monte Carlo with reparameterised draws (inner Gaussian KLs in closed form); a\n"
      "pure function of (seed, stream, samples). Converges to elbo_terms.\n\n"
      "Returns\n-------\nHVIBEstimate\n");

  h.def("encoder_marginal", &encoder_marginal, "encoder"_a, "input"_a,
        "The encoder's marginal q(z) = N(A m + b, A S A^T + Sigma) for x ~ N(m, S).\n");
  h.def("gaussian_channel_information", &gaussian_channel_information, "encoder"_a, "input"_a,
        "I(X; Z) of the Gaussian channel Z = A X + b + N: 1/2 [ln det(A S A^T + Sigma) - ln det Sigma].\n");
  h.def("variational_information_bound", &variational_information_bound, "encoder"_a, "input"_a, "prior"_a,
        "The variational rate E_x KL(q(z|x) || r(z)) >= I(X; Z), eq. (19), in closed form; the gap is\n"
        "KL(q(z) || r(z)).\n");
  h.def("compose", &compose, "second"_a, "first"_a,
        "The noisy linear layer x -> second(first(x)).\n\nReturns\n-------\nLinearGaussianConditional\n");
  h.def(
      "layer_information",
      [](const std::vector<linear_gaussian_conditional>& layers, const gaussian& input) {
        return owned_vector(layer_information(layers, input));
      },
      "layers"_a, "input"_a,
      "I(X; h_l) for every layer of X -> h_1 -> ... -> h_L (noisy linear layers); non-increasing by the\n"
      "data-processing inequality, eq. (25).\n\nReturns\n-------\nnumpy.ndarray of float64\n");
  h.def(
      "rate_upper_bound",
      [](const array_in& means, const array_in& variances, const array_in& prior_means,
         const array_in& prior_variances, const std::string& policy) {
        constexpr const char* function = "rate_upper_bound";
        const matrix_input a = as_matrix(means, function, "means");
        const matrix_input b = as_matrix(variances, function, "variances");
        const matrix_input c = as_matrix(prior_means, function, "prior_means");
        const matrix_input d = as_matrix(prior_variances, function, "prior_variances");
        require_same_dtype(a, b, function, "means", "variances");
        require_same_dtype(a, c, function, "means", "prior_means");
        require_same_dtype(a, d, function, "means", "prior_variances");
        // A single prior row is broadcast over the encoder's rows (row stride 0).
        const auto broadcast = [&](matrix_input p) {
          if (p.shape[0] == 1 && a.shape[0] > 1) {
            p.shape[0] = a.shape[0];
            p.strides[0] = 0;
          }
          return p;
        };
        const matrix_input pc = broadcast(c), pd = broadcast(d);
        nb::gil_scoped_release release;
        return visit_policy(policy, function, [&](auto pol) {
          return visit_dtype(a, "means", [&](auto va) {
            using t = std::remove_const_t<typename decltype(va)::element_type>;
            return rate_upper_bound(pol, va, view_as<t>(b, "variances"), view_as<t>(pc, "prior_means"),
                                    view_as<t>(pd, "prior_variances"));
          });
        });
      },
      "means"_a, "variances"_a, "prior_means"_a, "prior_variances"_a, nb::kw_only(), "policy"_a = "par",
      "The sample VIB rate (1/n) sum_i KL(N(m_i, diag v_i) || N(r_m, diag r_v)) over an encoder's\n"
      "output rows: an unbiased estimate of the bound (19).\n\n"
      "Parameters\n----------\nmeans, variances : array_like, shape (rows, dim)\n"
      "prior_means, prior_variances : array_like, shape (rows, dim), (1, dim) or (dim,)\n"
      "    A single prior row is broadcast.\n" INFOSCALE_POLICY_DOC "\nReturns\n-------\nfloat\n");

  bind_bottleneck(h);
  bind_readout(h);
  bind_mutual_information(h);
}

}  // namespace infoscale::python

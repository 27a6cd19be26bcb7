// hvib/ (Gaussian KL terms of the hierarchical variational bound) and entropic/ (entropic scaling:
// levels, capacities, selection), the scalar formulas a Python user reaches for.
#include <nanobind/eigen/dense.h>
#include <nanobind/operators.h>

#include <cstdint>

#include "bindings.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/distillation.hpp"
#include "infoscale/entropic/emergence.hpp"
#include "infoscale/entropic/free_energy.hpp"
#include "infoscale/entropic/level.hpp"
#include "infoscale/entropic/selection.hpp"
#include "infoscale/hvib/gaussian_kl.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

constexpr const char* gaussian_kl_doc =
    "KL(N(m0, v0) || N(m1, v1)) between one-dimensional Gaussians, in nats.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "m0, v0 : float\n"
    "    Mean and variance (> 0) of the first Gaussian.\n"
    "m1, v1 : float\n"
    "    Mean and variance (> 0) of the second.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "float\n"
    "    0.5 * (v0/v1 - 1 - log(v0/v1) + (m0 - m1)**2 / v1).\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On a non-finite mean or a variance <= 0.\n";

constexpr const char* gaussian_kl_diagonal_doc =
    "KL(N(m0, diag v0) || N(m1, diag v1)) of each row, in nats.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "m0, v0, m1, v1 : array_like\n"
    "    Means and variances (not log-variances), all of one shape (rows, dim) or (dim,) and one\n"
    "    dtype; read in place whatever the strides.\n"
    "policy : {'par', 'seq'}, default 'par'\n"
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (rows,), or float when all inputs are 1-D.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On NaN/Inf, a variance <= 0, or mismatched shapes or dtypes.\n";

constexpr const char* gaussian_kl_full_doc =
    "KL(N(m0, s0) || N(m1, s1)) with full covariance matrices, in nats (Cholesky factorisation).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "m0 : array_like, shape (dim,)\n"
    "s0 : array_like, shape (dim, dim)\n"
    "    Symmetric positive definite.\n"
    "m1 : array_like, shape (dim,)\n"
    "s1 : array_like, shape (dim, dim)\n"
    "\n"
    "Returns\n"
    "-------\n"
    "float\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    When a covariance is not symmetric positive definite or the shapes disagree.\n"
    "\n"
    "Notes\n"
    "-----\n"
    "Unlike the row-wise functions, the (small) inputs are copied into float64 Eigen matrices.\n";

}  // namespace

void bind_models(nb::module_& m) {
  // ---- hvib ----
  m.def("gaussian_kl", &gaussian_kl, "m0"_a, "v0"_a, "m1"_a, "v1"_a, gaussian_kl_doc);

  m.def(
      "gaussian_kl_diagonal",
      [](const array_in& m0, const array_in& v0, const array_in& m1, const array_in& v1,
         const std::string& policy) -> rows_result {
        constexpr const char* function = "gaussian_kl_diagonal";
        const matrix_input in_m0 = as_matrix(m0, function, "m0");
        const matrix_input in_v0 = as_matrix(v0, function, "v0");
        const matrix_input in_m1 = as_matrix(m1, function, "m1");
        const matrix_input in_v1 = as_matrix(v1, function, "v1");
        require_same_dtype(in_m0, in_v0, function, "m0", "v0");
        require_same_dtype(in_m0, in_m1, function, "m0", "m1");
        require_same_dtype(in_m0, in_v1, function, "m0", "v1");
        std::vector<double> out;
        {
          nb::gil_scoped_release release;
          out = visit_policy(policy, function, [&](auto pol) {
            return visit_dtype(in_m0, "m0", [&](auto vm0) {
              using t = std::remove_const_t<typename decltype(vm0)::element_type>;
              return gaussian_kl_diagonal(pol, vm0, view_as<t>(in_v0, "v0"), view_as<t>(in_m1, "m1"),
                                          view_as<t>(in_v1, "v1"));
            });
          });
        }
        const bool vector = in_m0.is_vector && in_v0.is_vector && in_m1.is_vector && in_v1.is_vector;
        return to_rows_result(std::move(out), vector);
      },
      "m0"_a, "v0"_a, "m1"_a, "v1"_a, nb::kw_only(), "policy"_a = "par", gaussian_kl_diagonal_doc);

  m.def(
      "gaussian_kl_full",
      [](const Eigen::VectorXd& m0, const Eigen::MatrixXd& s0, const Eigen::VectorXd& m1,
         const Eigen::MatrixXd& s1) {
        nb::gil_scoped_release release;
        return gaussian_kl_full(m0, s0, m1, s1);
      },
      "m0"_a, "s0"_a, "m1"_a, "s1"_a, gaussian_kl_full_doc);

  // ---- entropic ----
  nb::module_ e = m.def_submodule(
      "entropic",
      "Entropic scaling (Kowalczyk): the model-to-level map of eq. (1), the capacity I(n) = kappa n log2 n\n"
      "of eq. (2) and its inverses, distillation retention (4), emergence (6), model free energy (10)\n"
      "and model selection (section 9.1). Capacities are in bits (kappa bits).");
  using entropic::calibration;
  nb::class_<calibration>(e, "Calibration",
                          "The constants (a, b, c) of eq. (1): n = floor(a log2 P + b log2 V + c).\n"
                          "\n"
                          "Parameters\n"
                          "----------\n"
                          "a : float, default 1.0\n"
                          "    Weight of log2 P (parameters); the paper's alpha.\n"
                          "b : float, default 0.0\n"
                          "    Weight of log2 V (vocabulary); the paper's beta.\n"
                          "c : float, default 0.0\n"
                          "    Offset; the paper's gamma.\n")
      .def(
          "__init__",
          [](calibration* self, double a, double b, double c) {
            new (self) calibration{a, b, c};
          },
          "a"_a = 1.0, "b"_a = 0.0, "c"_a = 0.0)
      .def_rw("a", &calibration::a)
      .def_rw("b", &calibration::b)
      .def_rw("c", &calibration::c)
      .def(nb::self == nb::self)
      .def("__repr__", [](const calibration& c) {
        return "Calibration(a=" + nb::cast<std::string>(nb::repr(nb::float_(c.a))) +
               ", b=" + nb::cast<std::string>(nb::repr(nb::float_(c.b))) +
               ", c=" + nb::cast<std::string>(nb::repr(nb::float_(c.c))) + ")";
      });
  e.attr("default_calibration") = nb::cast(entropic::default_calibration);

  e.def(
      "level", [](double p, double v, const calibration& c) { return entropic::level(p, v, c); },
      "parameters"_a, "vocabulary"_a, "calibration"_a = entropic::default_calibration,
      "Hierarchy level n = floor(a log2 P + b log2 V + c) of a model, eq. (1).\n\n"
      "Parameters\n----------\nparameters : float\n    P, the parameter count (> 0).\n"
      "vocabulary : float\n    V, the vocabulary size (> 0).\ncalibration : Calibration, default "
      "default_calibration\n"
      "    The constants (a, b, c); the default reproduces the paper's Table 1.\n\n"
      "Returns\n-------\nint\n\nRaises\n------\nValueError\n    On a non-positive P or V or a non-finite "
      "constant.\n");
  e.def("level_argument", &entropic::level_argument, "parameters"_a, "vocabulary"_a,
        "calibration"_a = entropic::default_calibration,
        "The continuous a log2 P + b log2 V + c before the floor of eq. (1).\n\n"
        "Returns\n-------\nfloat\n");
  e.def("capacity", &entropic::capacity, "n"_a, "kappa"_a = 1.0,
        "Entropic capacity kappa n log2 n of level n >= 2, in bits, eq. (2).\n\n"
        "Parameters\n----------\nn : float\n    Level, >= 2.\nkappa : float, default 1.0\n    Bits per level "
        "unit, > 0.\n\n"
        "Returns\n-------\nfloat\n\nRaises\n------\nValueError\n    On n < 2 or kappa <= 0.\n");
  e.def("capacity_nats", &entropic::capacity_nats, "n"_a, "kappa"_a = 1.0,
        "kappa n ln n: eq. (2) read with the natural logarithm, as in eq. (7).\n\nReturns\n-------\nfloat\n");
  e.def("capacity_slope", &entropic::capacity_slope, "n"_a, "kappa"_a = 1.0,
        "dI/dn = kappa (log2 n + 1 / ln 2), the marginal capacity of one more "
        "level.\n\nReturns\n-------\nfloat\n");
  e.def("minimum_level", &entropic::minimum_level, "required_capacity"_a, "kappa"_a = 1.0,
        "Least integer level n >= 2 with kappa n log2 n >= I (discrete inverse of eq. (2)).\n\n"
        "Returns\n-------\nint\n\nRaises\n------\nValueError\n    On I < 0 or kappa <= 0.\n");
  e.def("maximum_level", &entropic::maximum_level, "available_capacity"_a, "kappa"_a = 1.0,
        "Largest integer level n >= 2 with kappa n log2 n <= I (the bound of eq. (15)).\n\n"
        "Returns\n-------\nint\n\nRaises\n------\nValueError\n    When I < I(2) = 2 kappa.\n");
  e.def("continuous_level", &entropic::continuous_level, "required_capacity"_a, "kappa"_a = 1.0,
        "The real n >= 1 with kappa n log2 n = I (Lambert W), for I >= 0.\n\nReturns\n-------\nfloat\n");
  e.def("select_level", &entropic::select_level, "task_information"_a, "kappa"_a = 1.0,
        "Selected level n* = argmin_n {I(n) >= I_task}, section 9.1.\n\nReturns\n-------\nint\n");
  e.def("emergence_level", &entropic::emergence_level, "threshold"_a, "kappa"_a = 1.0,
        "Emergence level n_c = min{n : kappa n log2 n >= I_threshold}, eq. (6).\n\nReturns\n-------\nint\n");
  e.def("retention", &entropic::retention, "teacher_level"_a, "student_level"_a, "alpha"_a,
        "Distillation retention exp(-alpha (n_T log n_T - n_S log n_S) / (n_T log n_T)), eq. (4).\n\n"
        "Returns\n-------\nfloat\n\nRaises\n------\nValueError\n    When n_S > n_T, a level < 2 or alpha < "
        "0.\n");
  e.def("optimal_distillation_gap", &entropic::optimal_distillation_gap, "teacher_level"_a,
        "Optimal distillation gap dn = sqrt(n_T), eq. (14).\n\nReturns\n-------\nfloat\n");
  e.def("optimal_student_level", &entropic::optimal_student_level, "teacher_level"_a,
        "Student level n_T - round(sqrt(n_T)), eq. (14); needs n_T >= 4.\n\nReturns\n-------\nint\n");
  e.def(
      "model_free_energy",
      [](double n, double temperature, double output_entropy, double kappa, double energy_scale) {
        return entropic::model_free_energy(n, temperature, output_entropy, kappa, energy_scale);
      },
      "n"_a, "temperature"_a, "output_entropy"_a, "kappa"_a = 1.0, "energy_scale"_a = 1.0,
      "Model free energy F_n = energy_scale * kappa n log2 n - T S_n, eq. (10); S_n in bits.\n\n"
      "Returns\n-------\nfloat\n");
  e.def(
      "output_entropy_bits",
      [](const array_in& logits, double temperature, const std::string& policy) {
        const matrix_input in = as_matrix(logits, "output_entropy_bits", "logits");
        nb::gil_scoped_release release;
        return visit_policy(policy, "output_entropy_bits", [&](auto pol) {
          return visit_dtype(
              in, "logits", [&](auto view) { return entropic::output_entropy_bits(pol, view, temperature); });
        });
      },
      "logits"_a, "temperature"_a = 1.0, nb::kw_only(), "policy"_a = "par",
      "S_n of eq. (10): the mean over rows of the entropy of softmax(logits / T), in bits.\n\n"
      "Parameters\n----------\nlogits : array_like\n    Shape (positions, vocabulary) or (vocabulary,).\n"
      "temperature : float, default 1.0\npolicy : {'par', 'seq'}, default "
      "'par'\n\nReturns\n-------\nfloat\n");
}

}  // namespace infoscale::python

// hvib/: sensitivity of the loss to isotropic activation noise (MS A.5, eqs. (29)-(30)) for a
// softmax readout: the model-Fisher, empirical-Fisher and Hessian traces that predict the slope,
// and a Monte Carlo measurement of the loss increase to compare them with (layers/fisher.hpp).
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "infoscale/layers/fisher.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

constexpr const char* readout_doc =
    "p(y | h) = softmax(W2 tanh(W1 h + b1) + b2), or softmax(W h + b) when built by\n"
    "SoftmaxReadout.linear.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "w1 : array_like, shape (hidden, dim)\n"
    "b1 : array_like, shape (hidden,)\n"
    "w2 : array_like, shape (classes, hidden)\n"
    "    classes >= 2.\n"
    "b2 : array_like, shape (classes,)\n";

}  // namespace

void bind_readout(nb::module_& h) {
  nb::class_<softmax_readout>(h, "SoftmaxReadout", readout_doc)
      .def(
          "__init__",
          [](softmax_readout* self, Eigen::MatrixXd w1, Eigen::VectorXd b1, Eigen::MatrixXd w2,
             Eigen::VectorXd b2) {
            new (self) softmax_readout(std::move(w1), std::move(b1), std::move(w2), std::move(b2));
          },
          "w1"_a, "b1"_a, "w2"_a, "b2"_a)
      .def_static("linear", &softmax_readout::linear, "w"_a, "b"_a,
                  "A linear readout softmax(W h + b) (then the Hessian equals the Fisher for every label).")
      .def_prop_ro("input_dimension", &softmax_readout::input_dimension)
      .def_prop_ro("classes", &softmax_readout::classes)
      .def("probabilities", &softmax_readout::probabilities, "h"_a, "p(. | h).")
      .def("loss", &softmax_readout::loss, "h"_a, "y"_a, "J(h) = -log p(y | h).")
      .def("jacobian", &softmax_readout::jacobian, "h"_a, "d logits / d h.")
      .def("score", &softmax_readout::score, "h"_a, "y"_a, "grad_h log p(y | h).")
      .def("model_fisher_trace", &softmax_readout::model_fisher_trace, "h"_a,
           "Model Fisher tr F(h) = E_{y ~ p(.|h)} |grad_h log p(y|h)|^2, the F of MS eq. (30).")
      .def("empirical_fisher_trace", &softmax_readout::empirical_fisher_trace, "h"_a, "y"_a,
           "Empirical Fisher at the observed label, |grad_h log p(y|h)|^2.")
      .def("hessian_trace", &softmax_readout::hessian_trace, "h"_a, "y"_a,
           "tr of the Hessian of -log p(y | h) in h at the given label.");

  h.def("finite_difference_hessian_trace", &finite_difference_hessian_trace, "readout"_a, "h"_a, "y"_a,
        "step"_a = 1e-4,
        "Central second differences of the loss: tr H with no analytic derivative, O(step^2).\n");

  nb::class_<fisher_sensitivity_prediction>(
      h, "FisherSensitivity", "Predicted slopes dJ/d(sigma^2) at sigma = 0, averaged over data.")
      .def_ro("model_fisher_slope", &fisher_sensitivity_prediction::model_fisher_slope,
              "1/2 mean tr F (model Fisher): MS eq. (30) as the paper states it.")
      .def_ro("empirical_fisher_slope", &fisher_sensitivity_prediction::empirical_fisher_slope,
              "1/2 mean |grad_h log p(y_obs|h)|^2 (empirical Fisher at the observed labels).")
      .def_ro("hessian_slope", &fisher_sensitivity_prediction::hessian_slope,
              "1/2 mean tr H at the observed labels: the true slope on data.");
  h.def(
      "fisher_sensitivity",
      [](const softmax_readout& r, const Eigen::MatrixXd& activations,
         const std::vector<std::size_t>& labels) {
        nb::gil_scoped_release release;
        return fisher_sensitivity(r, activations, labels);
      },
      "readout"_a, "activations"_a, "labels"_a,
      "1/2 mean tr F (model Fisher), 1/2 mean empirical Fisher and 1/2 mean tr H over rows of\n"
      "activations: MS eq. (30) and its two real-data readings.\n\n"
      "Parameters\n----------\nreadout : SoftmaxReadout\nactivations : array_like, shape (samples, dim)\n"
      "labels : sequence of int\n\nReturns\n-------\nFisherSensitivity\n");

  nb::class_<noise_response>(h, "NoiseResponse", "Measured loss increase under activation noise, eq. (29).")
      .def_ro("sigma", &noise_response::sigma)
      .def_ro("loss_increase", &noise_response::loss_increase)
      .def_ro("standard_error", &noise_response::standard_error);
  h.def(
      "measured_noise_response",
      [](const softmax_readout& r, const Eigen::MatrixXd& activations, const std::vector<std::size_t>& labels,
         double sigma, std::size_t draws, std::uint64_t seed, std::uint64_t stream) {
        nb::gil_scoped_release release;
        return measured_noise_response(r, activations, labels, sigma, draws, random_stream(seed, stream));
      },
      "readout"_a, "activations"_a, "labels"_a, "sigma"_a, "draws"_a, "seed"_a = 0, "stream"_a = 0,
      "E[J(h + sigma eps)] - J(h) by Monte Carlo with `draws` antithetic pairs per sample (common random\n"
      "numbers across sigma).\n\nReturns\n-------\nNoiseResponse\n");
}

}  // namespace infoscale::python

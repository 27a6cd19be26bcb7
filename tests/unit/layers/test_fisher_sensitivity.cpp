#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <infoscale/layers/fisher.hpp>
#include <vector>

#include "../../support/approx.hpp"
#include "../hvib/hvib_test_models.hpp"

using namespace infoscale;
using test::matrix_source;

namespace {
struct setup {
  softmax_readout readout;
  Eigen::MatrixXd activations;
};
setup make_setup(std::uint64_t seed, bool hidden, Eigen::Index rows = 40) {
  matrix_source s{random_stream(seed, 0)};
  const Eigen::Index d = 6, hidden_units = 8, classes = 5;
  softmax_readout r = hidden ? softmax_readout(s.matrix(hidden_units, d, 0.8), s.vector(hidden_units, 0.3),
                                               s.matrix(classes, hidden_units, 1.2), s.vector(classes, 0.3))
                             : softmax_readout::linear(s.matrix(classes, d, 0.8), s.vector(classes, 0.3));
  return {r, s.matrix(rows, d, 0.8)};
}
}  // namespace

TEST_CASE(
    "layers: model Fisher trace by its definition, MS eq. (30), equals tr(Jac^T (diag p - p p^T) Jac)") {
  const auto [readout, h] = make_setup(41, true);
  for (Eigen::Index i = 0; i < 5; ++i) {
    const Eigen::VectorXd a = h.row(i).transpose();
    const Eigen::VectorXd p = readout.probabilities(a);
    const Eigen::MatrixXd jac = readout.jacobian(a);
    const Eigen::MatrixXd s = Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose();
    INFOSCALE_CHECK_CLOSE(readout.model_fisher_trace(a), (jac.transpose() * s * jac).trace(), 1e-12, 0);
  }
}

TEST_CASE(
    "hvib: Hessian trace equals central finite differences; E_y~p tr H = tr F exactly; linear readout: H = "
    "F") {
  const auto [readout, h] = make_setup(42, true);
  for (Eigen::Index i = 0; i < 5; ++i) {
    const Eigen::VectorXd a = h.row(i).transpose();
    const Eigen::VectorXd p = readout.probabilities(a);
    double expected_h = 0.0;
    for (std::size_t y = 0; y < 5; ++y) {
      INFOSCALE_CHECK_CLOSE(readout.hessian_trace(a, y), finite_difference_hessian_trace(readout, a, y, 1e-4),
                            1e-5, 1e-7);
      expected_h += p(Eigen::Index(y)) * readout.hessian_trace(a, y);
    }
    INFOSCALE_CHECK_CLOSE(expected_h, readout.model_fisher_trace(a), 1e-12, 1e-14);
  }
  const auto [linear, hl] = make_setup(43, false);
  for (std::size_t y = 0; y < 5; ++y) {
    const Eigen::VectorXd a = hl.row(0).transpose();
    INFOSCALE_CHECK_CLOSE(linear.hessian_trace(a, y), linear.model_fisher_trace(a), 1e-12, 0);
  }
}

TEST_CASE(
    "hvib: loss increase under isotropic noise ~ 1/2 sigma^2 tr H over a range of sigma; tr F only under "
    "model labels") {
  const auto [readout, h] = make_setup(44, true);
  const auto n = static_cast<std::size_t>(h.rows());
  // Real-data reading: labels that disagree with the model (its least likely class).
  std::vector<std::size_t> real(n), model(n);
  const random_stream labels(45, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::VectorXd p = readout.probabilities(h.row(Eigen::Index(i)).transpose());
    Eigen::Index least = 0;
    p.minCoeff(&least);
    real[i] = static_cast<std::size_t>(least);
    double u = labels.uniform(i), c = 0.0;  // a label drawn from the model itself
    model[i] = 4;
    for (std::size_t y = 0; y < 5; ++y)
      if ((c += p(Eigen::Index(y))) > u) {
        model[i] = y;
        break;
      }
  }
  const auto predicted = fisher_sensitivity(readout, h, real);
  MESSAGE("real labels: 1/2 tr F = " << predicted.model_fisher_slope
                                     << ", 1/2 tr H = " << predicted.hessian_slope);
  // On mislabelled data the Hessian's second term dominates: tr H < 0 < tr F, so small noise
  // LOWERS the loss on average, while (30) read literally predicts an increase.
  CHECK(predicted.hessian_slope < 0.0);
  CHECK(predicted.model_fisher_slope > 0.0);
  double previous_error = INFINITY;
  for (double sigma : {0.3, 0.1, 0.03, 0.01}) {
    const auto measured = measured_noise_response(readout, h, real, sigma, 1000, random_stream(46, 0));
    const double scale = sigma * sigma;
    const double ratio = measured.loss_increase / (scale * predicted.hessian_slope);
    MESSAGE("sigma " << sigma << ": measured dJ / sigma^2 = " << measured.loss_increase / scale << " +- "
                     << measured.standard_error / scale << "; 1/2 tr H = " << predicted.hessian_slope
                     << ", 1/2 tr F = " << predicted.model_fisher_slope);
    if (sigma <= 0.03) {
      INFOSCALE_CHECK_CLOSE(measured.loss_increase / scale, predicted.hessian_slope, 0.0,
                            4 * measured.standard_error / scale);
      CHECK(std::abs(measured.loss_increase / scale - predicted.model_fisher_slope) >
            10 * measured.standard_error / scale);
    }
    CHECK(std::abs(ratio - 1.0) <= previous_error + 0.02);  // the O(sigma^2) remainder shrinks
    previous_error = std::abs(ratio - 1.0);
  }
  // The slope by finite differences in sigma^2 between two small sigmas (common random numbers).
  const auto a = measured_noise_response(readout, h, real, 0.02, 1000, random_stream(46, 0));
  const auto b = measured_noise_response(readout, h, real, 0.01, 1000, random_stream(46, 0));
  const double slope = (a.loss_increase - b.loss_increase) / (0.02 * 0.02 - 0.01 * 0.01);
  INFOSCALE_CHECK_CLOSE(slope, predicted.hessian_slope, 0.0, 4 * b.standard_error / (0.01 * 0.01));
  // Labels drawn from the model: tr H averages to tr F (eq. (30) in expectation).
  const auto own = fisher_sensitivity(readout, h, model);
  MESSAGE("model labels: 1/2 tr F = " << own.model_fisher_slope << ", 1/2 tr H = " << own.hessian_slope);
  INFOSCALE_CHECK_CLOSE(own.hessian_slope, own.model_fisher_slope, 0.15, 0);
}

TEST_CASE("hvib: Fisher sensitivity rejects mismatched shapes, labels and sigma") {
  const auto [readout, h] = make_setup(47, true, 3);
  std::vector<std::size_t> labels{0, 1, 2};
  CHECK_THROWS_WITH_AS((void)fisher_sensitivity(readout, h.leftCols(5), labels),
                       doctest::Contains("'activations'"), error);
  CHECK_THROWS_WITH_AS((void)fisher_sensitivity(readout, h, {0, 1}), doctest::Contains("'labels'"), error);
  CHECK_THROWS_WITH_AS((void)fisher_sensitivity(readout, h, {0, 1, 9}), doctest::Contains("'labels'"), error);
  CHECK_THROWS_WITH_AS((void)measured_noise_response(readout, h, labels, -0.1, 10, random_stream(0, 0)),
                       doctest::Contains("'sigma'"), error);
  CHECK_THROWS_WITH_AS(softmax_readout(Eigen::MatrixXd::Ones(3, 2), Eigen::VectorXd::Zero(3),
                                       Eigen::MatrixXd::Ones(4, 2), Eigen::VectorXd::Zero(4)),
                       doctest::Contains("'w2'"), error);
}

TEST_CASE(
    "layers: one Fisher API: gradient-based model and empirical traces equal the readout's closed forms") {
  // Per-sample scores of the readout fed to the gradient functions: empirical_fisher_trace of the
  // scores at the observed labels is the readout's empirical Fisher; model_fisher_trace of every
  // class's score weighted by p is its model Fisher (MS eq. (30)).
  const auto [readout, h] = make_setup(44, true, 12);
  const Eigen::Index n = h.rows(), d = h.cols(), classes = readout.classes();
  std::vector<double> observed(static_cast<std::size_t>(n * d)),
      every(static_cast<std::size_t>(n * classes * d));
  std::vector<double> probabilities(static_cast<std::size_t>(n * classes));
  std::vector<std::size_t> labels(static_cast<std::size_t>(n));
  double model = 0.0, empirical = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::VectorXd a = h.row(i).transpose();
    const Eigen::VectorXd p = readout.probabilities(a);
    const auto y = static_cast<std::size_t>(i % classes);
    labels[static_cast<std::size_t>(i)] = y;
    const Eigen::VectorXd g = readout.score(a, y);
    std::copy(g.data(), g.data() + d, observed.begin() + i * d);
    for (Eigen::Index c = 0; c < classes; ++c) {
      const Eigen::VectorXd gc = readout.score(a, static_cast<std::size_t>(c));
      std::copy(gc.data(), gc.data() + d, every.begin() + (i * classes + c) * d);
      probabilities[static_cast<std::size_t>(i * classes + c)] = p(c);
    }
    model += readout.model_fisher_trace(a);
    empirical += readout.empirical_fisher_trace(a, y);
  }
  const auto un = static_cast<std::size_t>(n), uc = static_cast<std::size_t>(classes),
             ud = static_cast<std::size_t>(d);
  const double from_gradients =
      model_fisher_trace(make_view(every.data(), std::array<std::size_t, 3>{un, uc, ud}),
                         make_view(probabilities.data(), std::array<std::size_t, 2>{un, uc}));
  INFOSCALE_CHECK_CLOSE(from_gradients, model / static_cast<double>(n), 1e-13, 0.0);
  INFOSCALE_CHECK_CLOSE(
      empirical_fisher_trace(make_view(observed.data(), std::array<std::size_t, 2>{un, ud})),
      empirical / static_cast<double>(n), 1e-13, 0.0);
  const auto slopes = fisher_sensitivity(readout, h, labels);
  INFOSCALE_CHECK_CLOSE(slopes.model_fisher_slope, 0.5 * model / static_cast<double>(n), 1e-13, 0.0);
  INFOSCALE_CHECK_CLOSE(slopes.empirical_fisher_slope, 0.5 * empirical / static_cast<double>(n), 1e-13, 0.0);
  // The two Fishers are different quantities on these labels (not drawn from the model).
  CHECK(std::abs(slopes.model_fisher_slope - slopes.empirical_fisher_slope) >
        0.01 * slopes.model_fisher_slope);
  // Bad shapes and probabilities raise, naming the argument.
  CHECK_THROWS_WITH_AS(
      (void)model_fisher_trace(make_view(every.data(), std::array<std::size_t, 3>{un, uc, ud}),
                               make_view(probabilities.data(), std::array<std::size_t, 2>{un, uc - 1})),
      doctest::Contains("'probabilities' must be [samples, classes]"), error);
  probabilities[0] += 0.5;
  CHECK_THROWS_WITH_AS(
      (void)model_fisher_trace(make_view(every.data(), std::array<std::size_t, 3>{un, uc, ud}),
                               make_view(probabilities.data(), std::array<std::size_t, 2>{un, uc})),
      doctest::Contains("row 0 does not sum to 1"), error);
}

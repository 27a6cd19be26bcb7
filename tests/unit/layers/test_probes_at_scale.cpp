// The probes at the paper's sizes (issue 18): the randomised principal projection against an
// exact eigendecomposition, the mini-batch MLP against the full-batch fit it approximates, the
// stopping rule by hand, and the several-label-set entry point against the one-set one.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <cstdint>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/probe.hpp>
#include <vector>

using namespace infoscale;

namespace {

// tokens x features, row-major: a planted spectrum (feature scale 3^-j/4, so a clear gap after
// each component) plus small isotropic noise, in a random rotation of the features.
std::vector<double> planted_spectrum(std::size_t n, std::size_t d, std::uint64_t seed) {
  const random_stream rng(seed, 0);
  Eigen::MatrixXd latent(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  std::uint64_t draw = 0;
  for (Eigen::Index j = 0; j < latent.cols(); ++j)
    for (Eigen::Index i = 0; i < latent.rows(); ++i)
      latent(i, j) = rng.normal(draw++) * std::pow(3.0, -0.25 * static_cast<double>(j));
  Eigen::MatrixXd g(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  for (Eigen::Index j = 0; j < g.size(); ++j) g.data()[j] = rng.normal(draw++);
  const Eigen::MatrixXd rotation = Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
  const Eigen::MatrixXd x = latent * rotation.transpose();
  std::vector<double> out(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j)
      out[i * d + j] = x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  return out;
}

}  // namespace

TEST_CASE("layers: probe projection: the randomised top-k components are the exact principal components") {
  const std::size_t n = 600, d = 48, k = 6;
  const auto x = planted_spectrum(n, d, 5);
  Eigen::MatrixXf xt = detail::to_token_columns<float>(make_view(x.data(), std::array<std::size_t, 2>{n, d}));
  detail::standardise_rows(xt);
  const principal_projection p = project_principal(xt, k, 1);
  REQUIRE(p.components.rows() == static_cast<Eigen::Index>(k));
  REQUIRE(p.components.cols() == static_cast<Eigen::Index>(n));
  // Reference: eigenvectors of the d x d scatter X X^T in double (Eigen's dense solver).
  const Eigen::MatrixXd xd = xt.cast<double>();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> exact(xd * xd.transpose());
  double top = 0.0;
  for (std::size_t r = 0; r < k; ++r) {
    const Eigen::VectorXd u = exact.eigenvectors().col(static_cast<Eigen::Index>(d - 1 - r));
    const Eigen::VectorXd reference = xd.transpose() * u;  // token coordinates on component r
    const Eigen::VectorXd mine = p.components.row(static_cast<Eigen::Index>(r)).transpose().cast<double>();
    const double cosine = std::abs(mine.dot(reference)) / (mine.norm() * reference.norm());
    CHECK(cosine > 1.0 - 1e-5);
    CHECK(mine.squaredNorm() ==
          doctest::Approx(exact.eigenvalues()(static_cast<Eigen::Index>(d - 1 - r))).epsilon(1e-4));
    top += exact.eigenvalues()(static_cast<Eigen::Index>(d - 1 - r));
  }
  CHECK(p.explained == doctest::Approx(top / exact.eigenvalues().sum()).epsilon(1e-5));
  // the same draws, the same basis
  CHECK(project_principal(xt, k, 1).components == p.components);
  CHECK_THROWS_WITH_AS((void)project_principal(xt, d - 5, 1), doctest::Contains("'k'"), infoscale::error);
}

TEST_CASE(
    "layers: mini-batch MLP: with one batch of all tokens it follows the full-batch fit step for step") {
  // One batch holding every token makes each mini-batch step a full-batch step (in another token
  // order and in float), so after T steps both fits must agree to float accuracy: a check of the
  // float gradients and Adam against the double fit of probe.hpp.
  const std::size_t n = 300, d = 10;
  const int classes = 3;
  const random_stream rng(21, 0);
  Eigen::MatrixXd xt(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(n));
  std::vector<int> labels(n);
  std::uint64_t draw = 0;
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int>(i % classes);
    for (std::size_t j = 0; j < d; ++j)
      xt(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) =
          rng.normal(draw++) + (j == static_cast<std::size_t>(labels[i]) ? 1.0 : 0.0);
  }
  probe_options o{probe_kind::mlp, 5, 1e-3, 40, 16, 1e-2, 3};
  const auto full = detail::fit_mlp_columns(xt, labels, classes, o, 2);
  o.kind = probe_kind::mlp_minibatch;
  o.batch = n;
  o.max_epochs = 40;
  o.patience = 1000;
  const auto mini = detail::fit_mlp_minibatch(xt.cast<float>(), labels, classes, o, 2);
  REQUIRE(mini.loss_curve.size() == 40);
  Eigen::MatrixXf z;
  mini.model.logits(xt.cast<float>(), z);
  const Eigen::MatrixXd reference = full.logits(xt);
  CHECK((z.cast<double>() - reference).cwiseAbs().maxCoeff() < 1e-3 * reference.cwiseAbs().maxCoeff());
  // and the loss falls
  CHECK(mini.loss_curve.back() < 0.5 * mini.loss_curve.front());
}

TEST_CASE("layers: mini-batch MLP: MLPClassifier's stopping rule, by hand") {
  const std::size_t n = 120, d = 4;
  Eigen::MatrixXf xt = Eigen::MatrixXf::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(n));
  std::vector<int> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int>(i % 2);
    xt(0, static_cast<Eigen::Index>(i)) = labels[i] == 1 ? 1.0f : -1.0f;
    xt(1, static_cast<Eigen::Index>(i)) = static_cast<float>(i % 7) / 7.0f;
  }
  probe_options o{probe_kind::mlp_minibatch, 5, 1e-4, 300, 8, 1e-2, 0};
  o.batch = 32;
  o.max_epochs = 30;
  // With a huge tolerance only the first epoch improves (on an infinite best); each later one is
  // stale, and the fit stops at the patience-th stale epoch: 1 + patience epochs.
  o.tolerance = 1e9;
  o.patience = 3;
  CHECK(detail::fit_mlp_minibatch(xt, labels, 2, o, 0).loss_curve.size() == 4);
  // With patience beyond max_epochs the fit runs to max_epochs.
  o.tolerance = 0.0;
  o.patience = 1000;
  CHECK(detail::fit_mlp_minibatch(xt, labels, 2, o, 0).loss_curve.size() == 30);
  // Refused options name themselves.
  const std::vector<float> flat(n * d, 0.5f);
  const auto view = make_view(flat.data(), std::array<std::size_t, 2>{n, d});
  for (const auto& [field, set] : std::vector<std::pair<const char*, void (*)(probe_options&)>>{
           {"options.batch", [](probe_options& p) { p.batch = 0; }},
           {"options.max_epochs", [](probe_options& p) { p.max_epochs = 0; }},
           {"options.patience", [](probe_options& p) { p.patience = 0; }},
           {"options.tolerance", [](probe_options& p) { p.tolerance = -1.0; }}}) {
    probe_options bad = o;
    set(bad);
    CHECK_THROWS_WITH_AS((void)cross_validated_predictions(view, labels, 2, bad), doctest::Contains(field),
                         infoscale::error);
  }
}

TEST_CASE("layers: probes for several label sets: one projection, every policy, each set as on its own") {
  const std::size_t n = 400, d = 40;
  auto x = planted_spectrum(n, d, 9);
  std::vector<int> a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = static_cast<int>(i % 3);
    b[i] = static_cast<int>((i / 3) % 2);
    x[i * d] += 2.0 * a[i];
    x[i * d + 1] += 3.0 * b[i];
  }
  const auto view = make_view(static_cast<const double*>(x.data()), std::array<std::size_t, 2>{n, d});
  const std::vector<std::vector<int>> sets{a, b};
  const std::vector<int> classes{3, 2};
  probe_options o{probe_kind::mlp_minibatch, 4, 1e-4, 300, 16, 1e-2, 4};
  o.max_epochs = 15;
  for (const std::size_t projection : {std::size_t{0}, std::size_t{8}}) {
    o.projection = projection;
    const auto serial = cross_validated_predictions(seq, view, std::span<const std::vector<int>>(sets),
                                                    std::span<const int>(classes), o);
    CHECK(cross_validated_predictions(par, view, std::span<const std::vector<int>>(sets),
                                      std::span<const int>(classes), o) == serial);
    CHECK(cross_validated_predictions(par, view, std::span<const int>(a), 3, o) == serial[0]);
    CHECK(cross_validated_predictions(seq, view, std::span<const int>(b), 2, o) == serial[1]);
    CHECK(macro_f1(a, serial[0], 3) > 0.6);  // chance: 1/3
    CHECK(macro_f1(b, serial[1], 2) > 0.6);  // chance: 1/2
  }
  // A projection that needs more components than the data has (k + 10 > features) uses every
  // feature, as projection = 0 does.
  o.projection = d - 5;
  const auto unprojected = cross_validated_predictions(seq, view, std::span<const int>(a), 3, o);
  o.projection = 0;
  CHECK(cross_validated_predictions(seq, view, std::span<const int>(a), 3, o) == unprojected);
  CHECK_THROWS_WITH_AS((void)cross_validated_predictions(seq, view, std::span<const std::vector<int>>(sets),
                                                         std::span<const int>(classes).first(1), o),
                       doctest::Contains("'classes'"), infoscale::error);
}

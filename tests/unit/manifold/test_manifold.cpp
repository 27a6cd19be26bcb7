#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/manifold.hpp>
#include <numbers>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

using r3 = euclidean<3>;
using s2 = sphere<2>;
using t3 = torus<3>;
using r2_s2 = product<euclidean<2>, sphere<2>>;
using r2_t2 = product<euclidean<2>, torus<2>>;
using r1_s1_t2 = product<euclidean<1>, sphere<1>, torus<2>>;

static_assert(BoltzmannManifold<r3> && BoltzmannManifold<s2> && BoltzmannManifold<t3>);
static_assert(BoltzmannManifold<r2_s2> && BoltzmannManifold<r1_s1_t2>);
static_assert(r2_s2::dimension == 4 && r2_s2::coordinates == 5);
static_assert(r1_s1_t2::dimension == 4 && r1_s1_t2::coordinates == 5);
static_assert(r1_s1_t2::offset<2> == 3);
static_assert(BoltzmannManifold<product<r2_s2, t3>> && product<r2_s2, t3>::dimension == 7);

TEST_CASE_TEMPLATE("manifold: axioms of every Boltzmann manifold", M, r3, s2, t3, r2_s2, r2_t2, r1_s1_t2) {
  const random_stream rng(2024, 1);
  std::uint64_t c = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const auto x = M::random_point(rng, c, 1.5), y = M::random_point(rng, c, 1.5),
               z = M::random_point(rng, c, 1.5);
    // The pairing is symmetric.
    CHECK(M::pairing(x, y) == doctest::Approx(M::pairing(y, x)).epsilon(1e-15));
    // Distance: zero on the diagonal, symmetric, triangle inequality.
    CHECK(M::distance(x, x) == doctest::Approx(0.0).scale(1.0));
    CHECK(M::distance(x, y) == doctest::Approx(M::distance(y, x)).epsilon(1e-12));
    CHECK(M::distance(x, z) <= M::distance(x, y) + M::distance(y, z) + 1e-12);
    // Projection is idempotent on points.
    CHECK((M::project(x) - x).norm() < 1e-12);
    // exp(x, log(x, y)) = y and |log(x, y)| = d(x, y) away from the cut locus.
    if (M::unique_geodesic(x, y)) {
      const typename M::tangent v = M::log(x, y);
      CHECK(M::distance(M::exp(x, v), y) < 1e-10);
      CHECK(v.norm() == doctest::Approx(M::distance(x, y)).epsilon(1e-10));
    }
    // log(x, exp(x, v)) = v for tangent vectors shorter than the injectivity radius.
    const typename M::tangent u = M::random_tangent(x, rng, c);
    CHECK(u.norm() == doctest::Approx(1.0).epsilon(1e-12));
    const double length = std::min(2.5, 0.8 * M::injectivity_radius) * rng.uniform(c++);
    const typename M::tangent v = length * u;
    CHECK((M::log(x, M::exp(x, v)) - v).norm() < 1e-9);
    CHECK(M::distance(x, M::exp(x, v)) == doctest::Approx(length).epsilon(1e-9));
  }
}

TEST_CASE("manifold: closed forms on the sphere and the torus") {
  const s2::point e1(1, 0, 0), e2(0, 1, 0);
  CHECK(s2::distance(e1, e2) == doctest::Approx(std::numbers::pi / 2));
  CHECK((s2::exp(e1, (std::numbers::pi / 2) * e2) - e2).norm() < 1e-15);
  CHECK(s2::pairing(e1, s2::point(3, 4, 0)) == doctest::Approx(0.6));  // cosine similarity
  CHECK_THROWS_AS(s2::log(e1, s2::point(-1, 0, 0)), infoscale::error);
  CHECK_THROWS_AS(s2::project(s2::point::Zero()), infoscale::error);
  CHECK_FALSE(s2::unique_geodesic(e1, s2::point(-1, 0, 0)));
  CHECK(s2::unique_geodesic(e1, e2));
  // A product's geodesic is unique iff every factor's is: far apart in R^2 is fine, not so on the circle.
  r2_t2::point far_r, far_t, origin = r2_t2::point::Zero();
  far_r << 100, 0, 0, 0;
  far_t << 0, 0, 3.1, 0;
  CHECK(r2_t2::unique_geodesic(origin, far_r));
  CHECK_FALSE(r2_t2::unique_geodesic(origin, far_t));
  // The torus wraps: 0.1 and -3.1 are 2 pi - 3.2 apart, not 3.2.
  const torus<1>::point a(0.1), b(-3.1);
  CHECK(torus<1>::distance(a, b) == doctest::Approx(2 * std::numbers::pi - 3.2).epsilon(1e-14));
  CHECK(torus<1>::exp(a, torus<1>::tangent(2 * std::numbers::pi))(0) == doctest::Approx(0.1).epsilon(1e-14));
  const torus<2>::point p(0.3, 1.0), q(1.3, -2.0);
  CHECK(torus<2>::pairing(p, q) == doctest::Approx(std::cos(1.0) + std::cos(3.0)).epsilon(1e-15));
  // The torus pairing is the dot product of the embeddings (cos, sin) of each circle.
  const Eigen::Vector4d ep(std::cos(0.3), std::sin(0.3), std::cos(1.0), std::sin(1.0));
  const Eigen::Vector4d eq(std::cos(1.3), std::sin(1.3), std::cos(-2.0), std::sin(-2.0));
  CHECK(torus<2>::pairing(p, q) == doctest::Approx(ep.dot(eq)).epsilon(1e-14));
  // Product: the pairing and distance split by factor.
  r2_s2::point x, y;
  x << 1, 2, 1, 0, 0;
  y << -1, 0, 0, 0, 1;
  CHECK(r2_s2::pairing(x, y) == doctest::Approx(-1.0));
  CHECK(r2_s2::distance(x, y) == doctest::Approx(std::sqrt(8.0 + std::pow(std::numbers::pi / 2, 2))));
}

TEST_CASE("manifold: the transformer head softmax(W h) is the Euclidean Boltzmann distribution") {
  const random_stream rng(9, 0);
  std::uint64_t c = 0;
  constexpr int n = 6;
  const std::size_t words = 11;
  Eigen::MatrixXd w(words, n);
  Eigen::VectorXd h(n), b(words);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = 2.0 * rng.normal(c++);
  for (int i = 0; i < n; ++i) h(i) = rng.normal(c++);
  for (std::size_t i = 0; i < words; ++i) b(Eigen::Index(i)) = rng.normal(c++);
  std::vector<euclidean<n>::point> embeddings(words);
  for (std::size_t v = 0; v < words; ++v) embeddings[v] = w.row(Eigen::Index(v)).transpose();
  for (const double t : {0.3, 1.0, 3.0}) {
    const Eigen::VectorXd head = transformer_head(w, h, t);
    const auto p = boltzmann_distribution<euclidean<n>>(euclidean<n>::point(h), embeddings, t);
    for (std::size_t v = 0; v < words; ++v)
      CHECK(p[v] == doctest::Approx(head(Eigen::Index(v))).epsilon(1e-13));
    // Entropy and thermodynamics via info/ and thermo/ agree with -sum p log p.
    double entropy = 0;
    for (const double pv : p) entropy -= pv * std::log(pv);
    const std::span<const euclidean<n>::point> e(embeddings);
    CHECK(boltzmann_entropy<euclidean<n>>(h, e, t) == doctest::Approx(entropy).epsilon(1e-12));
    CHECK(boltzmann_thermodynamics<euclidean<n>>(h, e, t).entropy == doctest::Approx(entropy).epsilon(1e-12));
  }
  // With an output bias: softmax(W h + b) is R^{N+1} with h' = (h, 1), e_w = (W_w, b_w).
  const Eigen::VectorXd logits = w * h + b;
  const Eigen::VectorXd biased =
      (logits.array() - logits.maxCoeff()).exp() / (logits.array() - logits.maxCoeff()).exp().sum();
  std::vector<euclidean<n + 1>::point> augmented(words);
  for (std::size_t v = 0; v < words; ++v)
    augmented[v] << w.row(Eigen::Index(v)).transpose(), b(Eigen::Index(v));
  euclidean<n + 1>::point h1;
  h1 << h, 1.0;
  const auto pb = boltzmann_distribution<euclidean<n + 1>>(h1, augmented);
  for (std::size_t v = 0; v < words; ++v)
    CHECK(pb[v] == doctest::Approx(biased(Eigen::Index(v))).epsilon(1e-13));
  CHECK_THROWS_AS(transformer_head(w, h, 0.0), infoscale::error);
  const std::vector<euclidean<n>::point> no_words;
  CHECK_THROWS_AS(boltzmann_distribution<euclidean<n>>(h, no_words, 1.0), infoscale::error);
  CHECK_THROWS_WITH_AS(boltzmann_distribution<euclidean<n>>(h, embeddings, 0.0),
                       doctest::Contains("temperature"), infoscale::error);
}

TEST_CASE("manifold: the convexity checker accepts convex functions and refutes concave ones") {
  const auto convex = [](const r3::point& x) { return x.squaredNorm(); };
  const auto concave = [](const r3::point& x) { return -x.squaredNorm(); };
  const auto a = check_convexity<r3>(convex);
  CHECK(a.midpoint_tests == 200);
  CHECK(a.hessian_tests == 200);
  CHECK_FALSE(a.convexity_refuted());
  CHECK(a.concavity_refuted());
  CHECK(a.most_positive_curvature == doctest::Approx(2.0).epsilon(1e-5));  // d^2/dt^2 |x + t v|^2 = 2
  const auto b = check_convexity<r3>(concave);
  CHECK(b.convexity_refuted());
  CHECK(b.midpoint_violations == b.midpoint_tests);
  CHECK(b.most_negative_curvature == doctest::Approx(-2.0).epsilon(1e-5));
  CHECK_FALSE(b.midpoint_examples.empty());
  // The stored example really violates the midpoint inequality.
  const auto& ex = b.midpoint_examples.front();
  CHECK(concave((ex.a + ex.b) / 2) > (concave(ex.a) + concave(ex.b)) / 2);
  CHECK_THROWS_AS(check_convexity<r3>(convex, {.step = 0.0}), infoscale::error);
}

TEST_CASE("manifold: Conjecture 6.4 (entropy convex on the phase space) is refuted on every manifold") {
  // Theory-notes' counterexample by hand: p = softmax(U x), along x = t u the entropy is log V at
  // t = 0 and smaller on both sides, so the midpoint of t = -1, 1 lies ABOVE the chord.
  std::vector<euclidean<2>::point> e{{1, 0}, {-1, 0}, {0, 1}};
  const euclidean<2>::point u(1, 0);
  const auto f = boltzmann_entropy_function<euclidean<2>>(e, 1.0);
  CHECK(f(euclidean<2>::point::Zero()) == doctest::Approx(std::log(3.0)));
  CHECK(f(euclidean<2>::point::Zero()) > 0.5 * (f(u) + f(-u)));
  const auto check_all = [](auto tag) {
    using M = decltype(tag);
    for (const double t : {0.5, 1.0, 2.0}) {
      const auto r = check_entropy_convexity<M>(8, t, {.segments = 100, .hessian_points = 100, .seed = 3});
      INFO("T = " << t << ": midpoint " << r.midpoint_violations << "/" << r.midpoint_tests << ", Hessian "
                  << r.hessian_violations << "/" << r.hessian_tests);
      CHECK(r.convexity_refuted());
      CHECK(r.most_negative_curvature < 0.0);
      CHECK(r.worst_midpoint_gap > 0.0);
      // The reported counterexamples are genuine.
      for (const auto& ex : r.hessian_examples) CHECK(ex.gap > 0.0);
    }
  };
  check_all(euclidean<4>{});
  check_all(sphere<3>{});
  check_all(torus<3>{});
  check_all(product<euclidean<2>, sphere<2>>{});
  check_all(product<euclidean<2>, torus<2>>{});
  CHECK_THROWS_AS(check_entropy_convexity<euclidean<2>>(8, 0.0), infoscale::error);
  CHECK_THROWS_AS(check_entropy_convexity<euclidean<2>>(1, 1.0), infoscale::error);
}

TEST_CASE("convexity checker: a run-time dimension gives the compile-time space's report") {
  const auto f = [](const auto& x) { return std::sin(x(0)) * std::cos(x(1)) + 0.1 * x(2) * x(2); };
  const convexity_options o{.segments = 60, .hessian_points = 60, .seed = 3};
  const auto fixed = check_convexity<r3>(f, o);
  const auto dynamic = check_convexity(euclidean_space(3), f, o);
  CHECK(fixed.midpoint_violations == dynamic.midpoint_violations);
  CHECK(fixed.hessian_violations == dynamic.hessian_violations);
  CHECK(fixed.worst_midpoint_gap == dynamic.worst_midpoint_gap);
  CHECK(fixed.most_negative_curvature == dynamic.most_negative_curvature);
  CHECK(fixed.convexity_refuted());
  const auto convex = check_convexity(
      euclidean_space(200), [](const Eigen::VectorXd& x) { return x.squaredNorm(); }, o);
  CHECK_FALSE(convex.convexity_refuted());
  CHECK(convex.midpoint_tests == 60);
  CHECK_THROWS_AS(euclidean_space(0), infoscale::error);
  // The softmax entropy of a random linear head (the Euclidean Boltzmann manifold's entropy) in a
  // run-time dimension: not convex.
  const std::size_t d = 12, words = 6;
  const random_stream rng(17, 2);
  std::uint64_t c = 0;
  Eigen::MatrixXd w(words, d);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.normal(c++);
  const auto head_entropy = [&](const Eigen::VectorXd& x) {
    const Eigen::VectorXd p = transformer_head(w, x);
    double h = 0.0;
    for (Eigen::Index i = 0; i < p.size(); ++i)
      if (p(i) > 0.0) h -= p(i) * std::log(p(i));
    return h;
  };
  const auto head =
      check_convexity(euclidean_space(d), head_entropy, {.segments = 100, .hessian_points = 100});
  CHECK(head.convexity_refuted());
  CHECK(head.most_negative_curvature < 0.0);
}

// Boltzmann manifolds (Yang, arXiv 2407.21092, §6): a manifold with a symmetric pairing induces a
// next-word law P(w | x) ∝ exp(<x, e_w> / T). This program builds the same 6-word vocabulary on
// R^3, S^2, (S^1)^3 and the products R^2 x S^2 and R^2 x (S^1)^2, and shows for each: the pairing,
// the geodesic distance, an exp/log round trip, the word law and its thermodynamics at several T,
// and, for R^N, that the transformer head softmax(W h) is the Euclidean case.

#include <cstdio>
#include <infoscale/manifold.hpp>
#include <vector>

using namespace infoscale;

template <BoltzmannManifold M>
void demonstrate(const char* name) {
  const random_stream rng(42, 0);
  std::uint64_t counter = 0;
  std::vector<typename M::point> words;
  for (int w = 0; w < 6; ++w) words.push_back(M::random_point(rng, counter, 1.0));
  const auto x = M::random_point(rng, counter, 1.0);
  const auto y = M::random_point(rng, counter, 1.0);
  std::printf("\n== %s: dimension %zu, %zu coordinates\n", name, M::dimension, M::coordinates);
  std::printf("   <x, y> = %+.4f   <y, x> = %+.4f   d(x, y) = %.4f\n", M::pairing(x, y), M::pairing(y, x),
              M::distance(x, y));
  if (M::unique_geodesic(x, y)) {
    const typename M::tangent v = M::log(x, y);
    std::printf("   |log_x y| = %.4f, d(exp_x(log_x y), y) = %.2e\n", v.norm(), M::distance(M::exp(x, v), y));
  }
  for (const double t : {0.25, 1.0, 4.0}) {
    const auto p = boltzmann_distribution<M>(x, words, t);
    const auto s = boltzmann_thermodynamics<M>(x, std::span<const typename M::point>(words), t);
    std::printf("   T = %4.2f  P(w|x) =", t);
    for (const double pw : p) std::printf(" %.3f", pw);
    std::printf("   S = %.4f (max log 6 = %.4f)  F = %+.4f  C = %.4f\n", s.entropy, std::log(6.0),
                s.free_energy, s.heat_capacity);
  }
}

int main() {
  demonstrate<euclidean<3>>("R^3 (dot product: today's transformers)");
  demonstrate<sphere<2>>("S^2 (cosine pairing)");
  demonstrate<torus<3>>("(S^1)^3 (sum of cos(theta_i - theta'_i))");
  demonstrate<product<euclidean<2>, sphere<2>>>("R^2 x S^2");
  demonstrate<product<euclidean<2>, torus<2>>>("R^2 x (S^1)^2");

  // The transformer head: softmax(W h) with the rows of W as word points of R^N.
  Eigen::Matrix<double, 6, 3> w;
  w << 1, 0, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0, 0, -1, 0, 0.5, 0.5, 0.5;
  const euclidean<3>::point h(0.3, -1.2, 2.0);
  std::vector<euclidean<3>::point> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(w.row(i).transpose());
  const Eigen::VectorXd head = transformer_head(w, h);
  const auto p = boltzmann_distribution<euclidean<3>>(h, rows);
  double worst = 0;
  for (int i = 0; i < 6; ++i) worst = std::max(worst, std::abs(head(i) - p[std::size_t(i)]));
  std::printf("\nTransformer head softmax(W h) vs Euclidean Boltzmann law: max |difference| = %.1e\n", worst);
  return 0;
}

// Conjecture 6.4 of Yang, arXiv 2407.21092: "the entropy function for a LLM is convex on the phase
// space (R^N)^n". This program searches for counterexamples with midpoint and Hessian tests on
// sampled points and geodesic segments of each Boltzmann manifold, for word laws
// P(w | x) ∝ exp(<x, e_w> / T) with random word points, and prints a Markdown table
// (docs/convexity.md is its output). A convex function on R^d that is bounded above is constant,
// and the entropy is bounded by log V, so counterexamples are expected everywhere.
//
//   convexity_check [words = 16] [seed = 1]

#include <cstdio>
#include <infoscale/manifold.hpp>
#include <string>

using namespace infoscale;

namespace {

template <BoltzmannManifold M>
void row(const char* name, std::size_t words, std::uint64_t seed) {
  for (const double t : {0.1, 0.5, 1.0, 2.0, 10.0}) {
    const auto r =
        check_entropy_convexity<M>(words, t, {.segments = 500, .hessian_points = 500, .seed = seed});
    std::printf("| %s | %g | %zu / %zu | %zu / %zu | %.3g | %.3g | %s |\n", name, t, r.midpoint_violations,
                r.midpoint_tests, r.hessian_violations, r.hessian_tests, r.worst_midpoint_gap,
                r.most_negative_curvature, r.convexity_refuted() ? "**refuted**" : "no counterexample");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t words = argc > 1 ? std::stoul(argv[1]) : 16;
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
  std::printf("Entropy of P(w|x) = softmax(<x, e_w>/T) over %zu random words (seed %llu); 500 geodesic\n",
              words, static_cast<unsigned long long>(seed));
  std::printf("midpoint tests and 500 Hessian tests (central second difference, h = 1e-3) per row.\n\n");
  std::printf(
      "| manifold | T | midpoint violations | Hessian violations | worst f(mid) - chord | most negative "
      "curvature | convexity |\n|---|---|---|---|---|---|---|\n");
  row<euclidean<8>>("R^8", words, seed);
  row<product<euclidean<4>, euclidean<4>>>("(R^4)^2 (phase space, n = 2)", words, seed);
  row<sphere<3>>("S^3", words, seed);
  row<torus<4>>("(S^1)^4", words, seed);
  row<product<euclidean<4>, sphere<3>>>("R^4 x S^3", words, seed);
  row<product<euclidean<4>, torus<3>>>("R^4 x (S^1)^3", words, seed);
  return 0;
}

// The thermodynamics of a real language model's next-token distributions.
//
// Reads the logits of a character-level model trained on Pride and Prejudice (public domain; see
// tests/fixtures/lm/README.md), and prints, over a range of temperatures, the mean entropy S,
// internal energy U, Helmholtz free energy F = -T log Z and heat capacity C = Var(E)/T^2 of the
// 256 next-character distributions, with the model's cross-entropy on the true next characters.
//
// Usage: thermo_demo [LOGITS.npy [TARGETS.npy]]   (defaults: the shipped fixture)

#include <cmath>
#include <cstdio>
#include <infoscale/info.hpp>
#include <infoscale/thermo.hpp>
#include <string>
#include <vector>
#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

namespace {

struct mean_and_error {
  double mean = 0.0;
  double standard_error = 0.0;
};

template <class Get>
mean_and_error summarise(const std::vector<infoscale::thermodynamic_state>& states, Get get) {
  infoscale::compensated_sum sum;
  for (const auto& s : states) sum += get(s);
  const double n = static_cast<double>(states.size());
  const double mean = sum.value() / n;
  infoscale::compensated_sum squares;
  for (const auto& s : states) squares += (get(s) - mean) * (get(s) - mean);
  return {mean, std::sqrt(squares.value() / (n - 1.0) / n)};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string fixtures = INFOSCALE_FIXTURES_DIR;
  const std::string logits_path = argc > 1 ? argv[1] : fixtures + "/lm/char_lm_logits.npy";
  const std::string targets_path =
      argc > 2 ? argv[2] : (argc > 1 ? "" : fixtures + "/lm/char_lm_targets.npy");
  try {
    const auto logits = xt::load_npy<float>(logits_path);
    if (logits.dimension() != 2) {
      std::fprintf(stderr, "thermo_demo: %s: expected a 2-d array (positions x vocabulary)\n",
                   logits_path.c_str());
      return 2;
    }
    const std::size_t rows = logits.shape(0), vocabulary = logits.shape(1);
    const auto view =
        infoscale::make_view(logits.data(), std::array<std::size_t, 2>{rows, vocabulary}, "logits");
    std::printf("%s: %zu next-token distributions over a vocabulary of %zu\n\n", logits_path.c_str(), rows,
                vocabulary);
    std::printf("%7s  %16s  %11s  %11s  %16s  %9s\n", "T", "S [bits] +- SE", "U [nats]", "F [nats]",
                "C +- SE", "S(T)/lnV");
    const double log_v = std::log(static_cast<double>(vocabulary));
    for (const double t : {0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0}) {
      const auto states = infoscale::thermodynamics(infoscale::par, view, t);
      const auto s = summarise(states, [](const auto& x) { return x.entropy; });
      const auto u = summarise(states, [](const auto& x) { return x.internal_energy; });
      const auto f = summarise(states, [](const auto& x) { return x.free_energy; });
      const auto c = summarise(states, [](const auto& x) { return x.heat_capacity; });
      std::printf("%7.2f  %7.4f +- %6.4f  %11.4f  %11.4f  %7.4f +- %6.4f  %9.4f\n", t, s.mean / std::log(2.0),
                  s.standard_error / std::log(2.0), u.mean, f.mean, c.mean, c.standard_error, s.mean / log_v);
    }
    if (!targets_path.empty()) {
      const auto targets = xt::load_npy<std::int64_t>(targets_path);
      const std::vector<std::int64_t> ids(targets.begin(), targets.end());
      const auto nll =
          infoscale::cross_entropy_from_logits(infoscale::par, view, std::span<const std::int64_t>(ids));
      infoscale::compensated_sum total;
      for (double v : nll) total += v;
      std::printf("\ncross-entropy on the true next characters at T = 1: %.4f bits/char\n",
                  total.value() / static_cast<double>(nll.size()) / std::log(2.0));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "thermo_demo: %s\n", e.what());
    return 1;
  }
  return 0;
}

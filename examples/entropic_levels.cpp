// Prints the entropic-scaling catalogue (model, P, V, level n, capacity n log2 n in kappa bits, the
// capabilities of Table 2 that have emerged by eq. (6)) and answers §9.1's model-selection question
// for an information requirement given on the command line.
//
//   entropic_levels [I_task in kappa bits, default 180]

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "infoscale/entropic.hpp"

namespace e = infoscale::entropic;

int main(int argc, char** argv) try {
  char* end = nullptr;
  const double task = argc > 1 ? std::strtod(argv[1], &end) : 180.0;
  if (argc > 1 && (end == argv[1] || *end != '\0')) {
    std::fprintf(stderr, "usage: entropic_levels [I_task in kappa bits, default 180]\n");
    return 2;
  }
  const auto n_star = e::select_level(task);  // validates I_task before any output
  const e::calibration& constants = e::default_calibration;

  std::printf("Level n = floor(%.4f log2 P %+.4f log2 V %+.4f)  (calibrated on the paper's Table 1)\n",
              constants.a, constants.b, constants.c);
  std::printf("%-24s %16s %8s %6s %10s  %s\n", "model", "parameters", "vocab", "level", "I/kappa",
              "emerged (eq. 6, Table 2)");
  for (const auto& m : e::models::catalogue) {
    const int n = e::level(m, constants);
    std::string emerged;
    for (const auto& c : e::emerged_capabilities(n))
      emerged += (emerged.empty() ? "" : ", ") + std::string(c.name);
    std::printf("%-24s %16llu %8llu %6d %10.1f  %s\n", std::string(m.name).c_str(),
                static_cast<unsigned long long>(m.parameters), static_cast<unsigned long long>(m.vocabulary),
                n, e::capacity(n), emerged.empty() ? "-" : emerged.c_str());
  }

  std::printf("\nTask needs I_task = %g kappa bits:\n", task);
  std::printf("  n* = min{n : n log2 n >= I_task} = %lld (I(n*) = %.1f; continuous inverse %.3f)\n",
              static_cast<long long>(n_star), e::capacity(static_cast<double>(n_star)),
              e::continuous_level(task));
  if (const auto chosen = e::select_model<e::model_spec>(e::models::catalogue, task)) {
    std::printf("  smallest catalogue model that reaches it: %s (level %d, I = %.1f)\n",
                std::string(chosen->name).c_str(), e::level(*chosen, constants),
                e::capacity(e::level(*chosen)));
  } else {
    std::printf("  no catalogue model reaches it\n");
  }
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "entropic_levels: %s\n", error.what());
  return 1;
}

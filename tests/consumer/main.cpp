// Uses the installed headers and targets the way a downstream project would.
#include <cmath>
#include <cstdio>
#include <infoscale/infoscale.hpp>
#include <vector>

int main() {
  std::vector<float> logits{0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f, 4.0f};
  const auto view = infoscale::make_view<2>(logits, {2, 4}, "logits");
  const auto seq = infoscale::thermodynamics(infoscale::seq, view, 1.0);
  const auto par = infoscale::thermodynamics(infoscale::par, view, 1.0);
  const bool uniform_ok = std::abs(seq[0].entropy - std::log(4.0)) < 1e-14;
  const bool agree = std::abs(seq[1].free_energy - par[1].free_energy) < 1e-14;
#if INFOSCALE_HAS_THRUST
  const auto thrust = infoscale::thermodynamics(infoscale::thrust_host, view, 1.0);
  const bool thrust_ok = std::abs(seq[1].heat_capacity - thrust[1].heat_capacity) < 1e-12;
#else
  const bool thrust_ok = true;
#endif
  std::printf("consumer: entropy %.6f (log 4 = %.6f), F = %.6f: %s\n", seq[0].entropy, std::log(4.0),
              seq[1].free_energy, uniform_ok && agree && thrust_ok ? "ok" : "WRONG");
  return uniform_ok && agree && thrust_ok ? 0 : 1;
}

// Compile-time checks of the entropic-scaling paper's tables (pass by compiling): Table 1's levels
// under the default calibration, Tables 1-2's capacities against kappa n log2 n, and bad input
// being rejected in constant evaluation.

#include <cstddef>
#include <type_traits>

#include "infoscale/entropic.hpp"

namespace {

using namespace infoscale::entropic;
namespace paper = infoscale::entropic::models::paper;

// Capacities in the tables are printed as integers in units of kappa; 0.6 bits admits rounding
// (and Table 2's 179 for 179.53, which was truncated, not rounded). Entries beyond it are the
// paper's arithmetic slips, asserted below as such.
constexpr double table_tolerance = 0.6;

constexpr double distance(double a, double b) {
  return a > b ? a - b : b - a;
}
constexpr bool matches_capacity(int n, double printed) {
  return distance(capacity(n), printed) <= table_tolerance;
}

// Table 1, levels: reproduced exactly by the default calibration (a template-argument spec each).
static_assert(level_v<paper::gpt2_small> == 27);
static_assert(level_v<paper::gpt2_large> == 31);
static_assert(level_v<paper::gpt3_ada> == 29);
static_assert(level_v<paper::gpt3_davinci> == 37);
static_assert(level_v<paper::gpt4> == 41);
constexpr bool all_table_1_levels() {
  for (std::size_t i = 0; i < paper::table_1.size(); ++i) {
    if (level(paper::table_1[i]) != paper::table_1_levels[i]) return false;
  }
  return true;
}
static_assert(all_table_1_levels());
// The same rows with a = 1, b = 0 and c in [0.6172, 0.6514): n = floor(log2 P + c).
static_assert(level(paper::gpt4, calibration{1.0, 0.0, 0.635}) == 41);
static_assert(level(paper::gpt3_ada, calibration{1.0, 0.0, 0.6}) == 28);  // below the region: Ada drops

// Table 1, capacities: the rows that match kappa n log2 n ...
static_assert(matches_capacity(31, 154));  // 153.58
static_assert(matches_capacity(29, 141));  // 140.88
// ... and the rows that do not (GPT-2 Small 128.38, GPT-3 Davinci 192.75, GPT-4 219.66).
static_assert(!matches_capacity(27, 130));
static_assert(!matches_capacity(37, 196));
static_assert(!matches_capacity(41, 225));

// Table 2, capacities: all but meta-learning (247.13 printed as 249).
static_assert(matches_capacity(25, 116));
static_assert(matches_capacity(30, 147));
static_assert(matches_capacity(35, 179));
static_assert(matches_capacity(40, 213));
static_assert(!matches_capacity(45, 249));

// §9.1 / eq. (6) applied to Table 2's own thresholds gives 41 and 46 where it prints 40 and 45.
static_assert(emergence_level(116) == 25 && emergence_level(147) == 30 && emergence_level(179) == 35);
static_assert(emergence_level(213) == 41 && emergence_level(249) == 46);
static_assert(select_level(213) == 41);

// The remaining closed forms, in constant evaluation.
static_assert(capacity(2.0) == 2.0 && capacity(4.0, 0.5) == 4.0 && capacity(8.0) == 24.0);
static_assert(maximum_level(24.0) == 8 && minimum_level(24.0) == 8 && minimum_level(24.01) == 9);
static_assert(optimal_student_level(41) == 35 && optimal_student_level(27) == 22);
static_assert(retention(30, 30, 2.0) == 1.0);
static_assert(models::find("Llama-3-8B")->vocabulary == 128256);
static_assert(!models::find("GPT-5").has_value());

// Bad input is not a constant expression: each check reaches a non-constexpr raise. (A concept
// turns "would not compile" into a false value that can be asserted.)
template <double P, double V>
concept constant_level = requires {
  typename std::integral_constant<int, level(P, V)>;
};
template <double N, double Kappa>
concept constant_capacity = requires {
  typename std::integral_constant<bool, (capacity(N, Kappa) > 0)>;
};
template <double Threshold>
concept constant_emergence = requires {
  typename std::integral_constant<long, emergence_level(Threshold)>;
};

static_assert(constant_level<1.17e8, 50257.0>);
static_assert(!constant_level<1.0, 50257.0>);  // P <= 1
static_assert(!constant_level<1.17e8, 1.0>);   // V < 2
static_assert(constant_capacity<2.0, 1.0>);
static_assert(!constant_capacity<1.5, 1.0>);   // n < 2
static_assert(!constant_capacity<30.0, 0.0>);  // kappa <= 0
static_assert(!constant_capacity<30.0, -1.0>);
static_assert(constant_emergence<213.0>);
static_assert(!constant_emergence<-1.0>);  // threshold out of range

}  // namespace

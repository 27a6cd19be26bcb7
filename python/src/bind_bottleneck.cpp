// hvib/: rate-distortion and the information bottleneck for discrete sources (mspgt-hvib A.3,
// eqs. (20)-(23)) and the slope kinks of a per-layer information profile (eqs. (27)-(28)).
#include <nanobind/eigen/dense.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "bindings.hpp"
#include "infoscale/core/check.hpp"
#include "infoscale/hvib/channel_capacity.hpp"
#include "infoscale/hvib/information_bottleneck.hpp"
#include "infoscale/hvib/mi_slope_kink.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

iteration_options iterations(std::size_t max_iterations, double tolerance) {
  // A NaN tolerance never compares below a gap, so the solver would run every iteration and stop
  // unconverged; refused here (hvib/ checks its options in the library, too, once it does).
  check_non_negative(tolerance, "iteration_options", "tolerance");
  iteration_options o;
  o.max_iterations = max_iterations;
  o.tolerance = tolerance;
  return o;
}

#define INFOSCALE_ITERATION_PARAMS        \
  "max_iterations : int, default 20000\n" \
  "tolerance : float, default 1e-12\n"    \
  "    Convergence threshold (see each solver's notes).\n"

constexpr const char* blahut_doc =
    "Blahut-Arimoto at slope beta: minimises I(X; Xhat) + beta E d(X, Xhat) over q(xhat | x).\n"
    "\n"
    "beta is the Lagrange multiplier of the distortion constraint: dR/dD = -beta at the point\n"
    "found. Stops when Blahut's bound max log c(xhat) on the rate's distance from R(D) falls\n"
    "below the tolerance.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "p_x : array_like, shape (n,)\n"
    "    Source distribution (sums to 1).\n"
    "distortion : array_like, shape (n, m)\n"
    "    d(x, xhat), finite.\n"
    "beta : float\n"
    "    >= 0.\n" INFOSCALE_ITERATION_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "RateDistortionPoint\n";

constexpr const char* bottleneck_doc =
    "The iterative information bottleneck at one beta (Tishby, Pereira and Bialek 2000):\n"
    "q(t|x) proportional to q(t) exp(-beta KL(p(y|x) || q(y|t))), from an initial encoder, until the\n"
    "encoder changes by less than the tolerance (max abs).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "p_xy : array_like, shape (nx, ny)\n"
    "    Joint distribution (sums to 1).\n"
    "beta : float\n"
    "    >= 0; the multiplier of I(T; Y) in min I(X;T) - beta I(T;Y).\n"
    "encoder : array_like, shape (nx, clusters)\n"
    "    Initial q(t|x), rows summing to 1.\n" INFOSCALE_ITERATION_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "BottleneckPoint\n";

constexpr const char* kinks_doc =
    "Slope discontinuities of a per-layer information profile I(X; h_l), mspgt-hvib eqs. (27)-(28).\n"
    "\n"
    "Continuous segmented (hinge) regression I_l = a + b l + sum_k c_k (l - tau_k)_+ with the\n"
    "breakpoints searched exhaustively on the layer grid, the number of kinks chosen by BIC or AIC,\n"
    "and a seeded residual bootstrap for percentile CIs of each breakpoint.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "information : sequence of float\n"
    "    One value per layer, at least 2 * min_segment.\n"
    "max_kinks : int, default 2\n"
    "min_segment : int, default 3\n"
    "    Points per segment, breakpoints included (>= 2).\n"
    "criterion : {'bic', 'aic'}, default 'bic'\n"
    "bootstrap : int, default 200\n"
    "    Residual-bootstrap resamples (0: no CI).\n"
    "confidence : float, default 0.95\n"
    "seed : int, default 0\n"
    "positions : sequence of float, optional\n"
    "    Layer positions (strictly increasing); default 0, 1, 2, ...\n"
    "\n"
    "Returns\n"
    "-------\n"
    "KinkReport\n";

}  // namespace

void bind_bottleneck(nb::module_& h) {
  nb::class_<rate_distortion_point>(h, "RateDistortionPoint", "One point of a rate-distortion curve.")
      .def_ro("beta", &rate_distortion_point::beta, "The Lagrange multiplier: dR/dD = -beta here.")
      .def_ro("rate", &rate_distortion_point::rate, "I(X; Xhat), nats.")
      .def_ro("distortion", &rate_distortion_point::distortion, "E d(X, Xhat).")
      .def_prop_ro(
          "reproduction", [](const rate_distortion_point& p) { return Eigen::VectorXd(p.reproduction); },
          nb::rv_policy::move, "q(xhat).")
      .def_prop_ro(
          "channel", [](const rate_distortion_point& p) { return Eigen::MatrixXd(p.channel); },
          nb::rv_policy::move, "q(xhat | x), one row per x.")
      .def_ro("iterations", &rate_distortion_point::iterations)
      .def_ro("converged", &rate_distortion_point::converged);
  h.def(
      "blahut_arimoto",
      [](const Eigen::VectorXd& p_x, const Eigen::MatrixXd& distortion, double beta,
         std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return blahut_arimoto(p_x, distortion, beta, iterations(max_iterations, tolerance));
      },
      "p_x"_a, "distortion"_a, "beta"_a, nb::kw_only(), "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      blahut_doc);
  h.def(
      "rate_distortion_curve",
      [](const Eigen::VectorXd& p_x, const Eigen::MatrixXd& distortion, const std::vector<double>& betas,
         std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return rate_distortion_curve(p_x, distortion, betas, iterations(max_iterations, tolerance));
      },
      "p_x"_a, "distortion"_a, "betas"_a, nb::kw_only(), "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      "The rate-distortion curve at the given slopes, one Blahut-Arimoto solve per beta.\n\n"
      "Returns\n-------\nlist of RateDistortionPoint\n");

  nb::class_<channel_capacity_result>(h, "ChannelCapacity",
                                      "Capacity of a discrete memoryless channel and its optimal input.")
      .def_ro("capacity", &channel_capacity_result::capacity,
              "I(X; Y) at the returned input, nats (<= lower_bound <= C).")
      .def_ro("lower_bound", &channel_capacity_result::lower_bound,
              "Blahut's I_L at the last iterate (<= C).")
      .def_ro("upper_bound", &channel_capacity_result::upper_bound,
              "Blahut's I_U = max_x KL(W(.|x) || q) at the last iterate (>= C).")
      .def_prop_ro(
          "input", [](const channel_capacity_result& c) { return Eigen::VectorXd(c.input); },
          nb::rv_policy::move, "The capacity-achieving p(x).")
      .def_prop_ro(
          "output", [](const channel_capacity_result& c) { return Eigen::VectorXd(c.output); },
          nb::rv_policy::move, "q(y) = sum_x p(x) W(y | x).")
      .def_ro("iterations", &channel_capacity_result::iterations)
      .def_ro("converged", &channel_capacity_result::converged, "upper_bound - lower_bound < tolerance.");
  h.def(
      "channel_capacity",
      [](const Eigen::MatrixXd& channel, std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return channel_capacity(channel, iterations(max_iterations, tolerance));
      },
      "channel"_a, nb::kw_only(), "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      "Capacity C = max_p I(X; Y) of a discrete memoryless channel by Blahut-Arimoto, nats.\n\n"
      "Stops when Blahut's bounds I_L <= C <= I_U are closer than the tolerance.\n\n"
      "Parameters\n----------\nchannel : array_like, shape (nx, ny)\n"
      "    Row x is W(. | x): finite, >= 0, summing to 1.\nmax_iterations : int, default 20000\n"
      "tolerance : float, default 1e-12\n\nReturns\n-------\nChannelCapacity\n\n"
      "Raises\n------\nValueError\n    On an empty channel, a NaN or negative entry, or a row not summing to "
      "1.\n");

  nb::class_<conditional_rate_distortion_point>(
      h, "ConditionalRateDistortionPoint", "A point of the conditional rate-distortion function R_{X|Y}(D).")
      .def_ro("beta", &conditional_rate_distortion_point::beta)
      .def_ro("rate", &conditional_rate_distortion_point::rate, "I(X; Xhat | Y).")
      .def_ro("distortion", &conditional_rate_distortion_point::distortion)
      .def_ro("conditional_entropy", &conditional_rate_distortion_point::conditional_entropy, "H(X | Y).");
  h.def(
      "conditional_blahut_arimoto",
      [](const Eigen::MatrixXd& joint, const Eigen::MatrixXd& distortion, double beta,
         std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return conditional_blahut_arimoto(joint, distortion, beta, iterations(max_iterations, tolerance));
      },
      "joint"_a, "distortion"_a, "beta"_a, nb::kw_only(), "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      "R_{X|Y}(D) at slope beta with the parent Y known to both sides: the p(y)-average of per-y\n"
      "Blahut-Arimoto points.\n\n"
      "Parameters\n----------\njoint : array_like, shape (ny, nx)\n    p(y, x): rows are the parent Y = "
      "Z_<s.\n"
      "distortion : array_like, shape (nx, m)\nbeta : "
      "float\n\nReturns\n-------\nConditionalRateDistortionPoint\n");
  h.def(
      "multiplier_at_rate",
      [](const Eigen::MatrixXd& joint, const Eigen::MatrixXd& distortion, double target_rate,
         std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return multiplier_at_rate(joint, distortion, target_rate, iterations(max_iterations, tolerance));
      },
      "joint"_a, "distortion"_a, "target_rate"_a, nb::kw_only(), "max_iterations"_a = 20000,
      "tolerance"_a = 1e-12,
      "The multiplier beta* at which R_{X|Y} reaches target_rate in (0, H(X|Y)) (bisection in log beta).\n");
  h.def(
      "multiplier_at_distortion",
      [](const Eigen::MatrixXd& joint, const Eigen::MatrixXd& distortion, double target_distortion,
         std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return multiplier_at_distortion(joint, distortion, target_distortion,
                                        iterations(max_iterations, tolerance));
      },
      "joint"_a, "distortion"_a, "target_distortion"_a, nb::kw_only(), "max_iterations"_a = 20000,
      "tolerance"_a = 1e-12, "The multiplier beta* at which E d reaches target_distortion in (0, D_max).\n");

  nb::class_<multiplier_entropy_row>(h, "MultiplierEntropyRow", "One source in the check of eq. (23).")
      .def_ro("conditional_entropy", &multiplier_entropy_row::conditional_entropy, "H(Z_s | Z_<s).")
      .def_ro("multiplier", &multiplier_entropy_row::multiplier, "beta*.")
      .def_ro("product", &multiplier_entropy_row::product, "beta* H.");
  nb::class_<multiplier_entropy_report>(h, "MultiplierEntropyReport",
                                        "The verdict on beta* ~ 1 / H(Z_s | Z_<s), mspgt-hvib eq. (23).")
      .def_ro("rows", &multiplier_entropy_report::rows)
      .def_ro("coefficient_of_variation", &multiplier_entropy_report::coefficient_of_variation,
              "Of beta* H (population sd / mean).")
      .def_ro("proportional", &multiplier_entropy_report::proportional,
              "coefficient_of_variation <= tolerance.")
      .def_ro("decreasing", &multiplier_entropy_report::decreasing, "beta* strictly decreases as H grows.");
  h.def(
      "multiplier_entropy_law",
      [](const std::vector<Eigen::MatrixXd>& joints, const Eigen::MatrixXd& distortion,
         const std::string& kind, double value, double tolerance, std::size_t max_iterations,
         double solver_tolerance) {
        operating_point point = operating_point::rate_fraction;
        if (kind == "distortion") {
          point = operating_point::distortion;
        } else if (kind != "rate_fraction") {
          detail::raise("multiplier_entropy_law", "kind",
                        "must be 'rate_fraction' or 'distortion', got '" + kind + "'");
        }
        nb::gil_scoped_release release;
        return multiplier_entropy_law(joints, distortion, point, value, tolerance,
                                      iterations(max_iterations, solver_tolerance));
      },
      "joints"_a, "distortion"_a, "kind"_a, "value"_a, "tolerance"_a = 0.1, nb::kw_only(),
      "max_iterations"_a = 20000, "solver_tolerance"_a = 1e-12,
      "Evaluates beta* ~ 1/H(Z_s|Z_<s), eq. (23), over sources p(z_<s, z_s) sharing one distortion\n"
      "matrix, each at the same rate fraction R/H = value (kind='rate_fraction') or the same\n"
      "distortion (kind='distortion').\n\nReturns\n-------\nMultiplierEntropyReport\n");

  nb::class_<bottleneck_point>(h, "BottleneckPoint", "One point of the information-bottleneck curve.")
      .def_ro("beta", &bottleneck_point::beta)
      .def_ro("information_xt", &bottleneck_point::information_xt, "I(X; T), the compression term.")
      .def_ro("information_ty", &bottleneck_point::information_ty, "I(T; Y), the relevance term.")
      .def_prop_ro(
          "encoder", [](const bottleneck_point& p) { return Eigen::MatrixXd(p.encoder); },
          nb::rv_policy::move, "q(t | x).")
      .def_ro("iterations", &bottleneck_point::iterations)
      .def_ro("converged", &bottleneck_point::converged);
  h.def(
      "information_bottleneck",
      [](const Eigen::MatrixXd& p_xy, double beta, const Eigen::MatrixXd& encoder, std::size_t max_iterations,
         double tolerance) {
        nb::gil_scoped_release release;
        return information_bottleneck(p_xy, beta, encoder, iterations(max_iterations, tolerance));
      },
      "p_xy"_a, "beta"_a, "encoder"_a, nb::kw_only(), "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      bottleneck_doc);
  h.def(
      "information_bottleneck_curve",
      [](const Eigen::MatrixXd& p_xy, const std::vector<double>& betas, Eigen::Index clusters,
         std::uint64_t seed, std::uint64_t stream, std::size_t max_iterations, double tolerance) {
        nb::gil_scoped_release release;
        return information_bottleneck_curve(p_xy, betas, clusters, random_stream(seed, stream),
                                            iterations(max_iterations, tolerance));
      },
      "p_xy"_a, "betas"_a, "clusters"_a, "seed"_a = 0, "stream"_a = 0, nb::kw_only(),
      "max_iterations"_a = 20000, "tolerance"_a = 1e-12,
      "The IB curve over strictly increasing betas by deterministic annealing: each solve starts from\n"
      "the previous encoder perturbed by 1e-3 relative noise (seeded), the first from a random one.\n\n"
      "Returns\n-------\nlist of BottleneckPoint\n");

  nb::class_<segmented_fit>(h, "SegmentedFit", "The best continuous piecewise-linear fit with K kinks.")
      .def_ro("breakpoints", &segmented_fit::breakpoints, "tau_k, in layer units, increasing.")
      .def_ro("slopes", &segmented_fit::slopes, "Slope of each of the K + 1 segments.")
      .def_ro("slope_jumps", &segmented_fit::slope_jumps, "c_k = slope after - slope before tau_k.")
      .def_ro("rss", &segmented_fit::rss)
      .def_ro("criterion", &segmented_fit::criterion, "BIC or AIC.")
      .def_prop_ro(
          "fitted", [](const segmented_fit& f) { return Eigen::VectorXd(f.fitted); }, nb::rv_policy::move);
  nb::class_<kink_report>(h, "KinkReport", "What mi_slope_kinks found.")
      .def_ro("best", &kink_report::best, "The fit the criterion chose.")
      .def_ro("by_kinks", &kink_report::by_kinks, "Best fit for K = 0 .. max_kinks.")
      .def_ro("lower", &kink_report::lower, "CI lower end per breakpoint of `best`.")
      .def_ro("upper", &kink_report::upper, "CI upper end per breakpoint of `best`.");
  h.def(
      "mi_slope_kinks",
      [](const std::vector<double>& information, std::size_t max_kinks, std::size_t min_segment,
         const std::string& criterion, std::size_t bootstrap, double confidence, std::uint64_t seed,
         std::optional<std::vector<double>> positions) {
        kink_options o;
        o.max_kinks = max_kinks;
        o.min_segment = min_segment;
        if (criterion == "aic") {
          o.criterion = information_criterion::aic;
        } else if (criterion != "bic") {
          detail::raise("mi_slope_kinks", "criterion", "must be 'bic' or 'aic', got '" + criterion + "'");
        }
        o.bootstrap = bootstrap;
        o.confidence = confidence;
        o.seed = seed;
        nb::gil_scoped_release release;
        return mi_slope_kinks(information, o, positions.value_or(std::vector<double>{}));
      },
      "information"_a, nb::kw_only(), "max_kinks"_a = 2, "min_segment"_a = 3, "criterion"_a = "bic",
      "bootstrap"_a = 200, "confidence"_a = 0.95, "seed"_a = 0, "positions"_a = nb::none(), kinks_doc);
}

}  // namespace infoscale::python

// layers/: the boundary pipeline of the multi-scale paper §4.1.1 — resampling plans and bootstrap
// intervals (percentile, BCa), scipy-exact peak finding with prominences, fusion into E(l)
// (eq. (6)), and detect_boundaries over CKA / probe / attention evidence.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <limits>
#include <optional>

#include "bindings.hpp"
#include "infoscale/layers/pipeline.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

interval_method parse_method(const std::string& name, std::string_view function) {
  if (name == "bca") return interval_method::bca;
  if (name != "percentile")
    detail::raise(function, "method", "must be 'bca' or 'percentile', got '" + name + "'");
  return interval_method::percentile;
}

std::vector<double> as_doubles(const array_in& a, std::string_view function, std::string_view name) {
  const matrix_input in = as_matrix(a, function, name);
  if (!in.is_vector) detail::raise(function, name, "must be 1-D");
  return visit_dtype(in, name, [&](auto v) {
    std::vector<double> out(v.extent(1));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = detail::widen(v(0, i));
    return out;
  });
}

std::string format_interval(const confidence_interval& ci) {
  return "ConfidenceInterval(lower=" + nb::cast<std::string>(nb::repr(nb::float_(ci.lower))) +
         ", upper=" + nb::cast<std::string>(nb::repr(nb::float_(ci.upper))) + ", method='" +
         name_of(ci.method) + "', status='" + name_of(ci.status) + "')";
}

constexpr const char* plan_doc =
    "The weight sets every resampled signal is evaluated on: set 0 is the full sample, sets 1..B\n"
    "the bootstrap resamples (sequences drawn with replacement, counter-based Philox draws: the\n"
    "same on every machine and thread count), sets B+1..B+S the leave-one-sequence-out jackknife.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "sequences : int\n"
    "    S > 0.\n"
    "resamples : int, default 1000\n"
    "    B (the paper's 1000).\n"
    "seed : int, default 0\n";

constexpr const char* find_peaks_doc =
    "Peaks of x with prominence in [min_prominence, max_prominence], in index order.\n"
    "\n"
    "``scipy.signal.find_peaks(x, prominence=(min_prominence, max_prominence))``: local maxima\n"
    "with strictly lower neighbours, a flat plateau reported at its middle (rounded down),\n"
    "prominences and bases as ``scipy.signal.peak_prominences``. With include_edges=True the first\n"
    "or last sample is also a peak when its one neighbour is lower (not scipy), its prominence\n"
    "measured on its one side.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "x : array_like, 1-D\n"
    "    Finite values.\n"
    "min_prominence : float, default 0.0\n"
    "max_prominence : float, default inf\n"
    "include_edges : bool, default False\n"
    "\n"
    "Returns\n"
    "-------\n"
    "list of Peak\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On a non-finite value or a NaN min_prominence.\n";

constexpr const char* evidence_doc =
    "Boundary evidence E(l) = sum_i w_i S_i(l) / max_l S_i(l), multi-scale paper eq. (6).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "s1, s2, s3 : array_like, 1-D, or None\n"
    "    Representation change, probe jumps and attention drift, one value per layer pair, finite\n"
    "    and >= 0; None (or empty) skips a signal. An all-zero signal adds nothing.\n"
    "weights : (float, float, float), default (1.0, 0.8, 0.6)\n"
    "    The paper's weights; finite and >= 0.\n"
    "normalization : {'max', 'minmax'}, default 'max'\n"
    "    S / max S (eq. (6) as printed) or (S - min S) / (max S - min S) (the text's \"normalized to\n"
    "    [0, 1]\").\n"
    "s3_first_defined : int, default 0\n"
    "    Entries of s3 before it do not exist (pair 0 has no attention drift): they add 0 and take\n"
    "    no part in its range.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (pairs,)\n";

constexpr const char* detect_doc =
    "The L-I and I-G boundaries from whichever evidence is given, with bootstrap CIs.\n"
    "\n"
    "Fuses the signals into E(l) on the full sample and on every weight set of the shared plan,\n"
    "takes the (up to) two most prominent peaks with prominence >= min_prominence in layer order,\n"
    "and reads each boundary's CI from its positions over the resamples (a resample with one peak\n"
    "assigns it to the nearer full-sample boundary; more than 5% missing leaves the CI unbounded). A\n"
    "boundary is accepted when its CI is narrower than max_ci_width layers. Positions are layer-pair\n"
    "indices: boundary l lies between layers l and l+1.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "cka : CKAEvidence, optional\n"
    "probes : ProbeEvidence, optional\n"
    "attention : AttentionEvidence, optional\n"
    "    At least one; all on one resampling plan and layer count (>= 3 layers).\n"
    "weights : (float, float, float), default (1.0, 0.8, 0.6)\n"
    "min_prominence : float, default 0.3\n"
    "confidence : float, default 0.95\n"
    "max_ci_width : float, default 5.0\n"
    "method : {'bca', 'percentile'}, default 'bca'\n"
    "    BCa falls back to the percentile interval (status 'bca_degenerate_used_percentile') when\n"
    "    the bootstrap or jackknife has no spread.\n"
    "include_edges : bool, default False\n"
    "    Let the first and last pairs be boundaries.\n" INFOSCALE_POLICY_DOC
    "\n"
    "Returns\n"
    "-------\n"
    "BoundaryReport\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    When no evidence is given, the sources disagree on layers or plan, or max_ci_width <= 0.\n";

}  // namespace

void bind_boundaries(nb::module_& m) {
  nb::class_<resampling_plan>(m, "ResamplingPlan", plan_doc)
      .def(nb::init<std::size_t, std::size_t, std::uint64_t>(), "sequences"_a, "resamples"_a = 1000,
           "seed"_a = 0)
      .def_prop_ro("sequences", &resampling_plan::sequences)
      .def_prop_ro("resamples", &resampling_plan::resamples)
      .def_prop_ro("seed", &resampling_plan::seed)
      .def_prop_ro("size", &resampling_plan::size, "1 + resamples + sequences weight sets.")
      .def_prop_ro("first_jackknife", &resampling_plan::first_jackknife, "Index of the first jackknife set.")
      .def(
          "weights", [](const resampling_plan& p, std::size_t set) { return owned_vector(p.weights(set)); },
          "set"_a,
          "Weight of each sequence in weight set `set`.\n\nReturns\n-------\nnumpy.ndarray of float64\n")
      .def("__repr__", [](const resampling_plan& p) {
        return "ResamplingPlan(sequences=" + std::to_string(p.sequences()) +
               ", resamples=" + std::to_string(p.resamples()) + ", seed=" + std::to_string(p.seed()) + ")";
      });

  m.def(
      "resample_weights",
      [](std::uint64_t seed, std::uint64_t resample, std::size_t sequences) {
        return owned_vector(resample_weights(seed, resample, sequences));
      },
      "seed"_a, "resample"_a, "sequences"_a,
      "How many times each sequence is drawn in bootstrap resample `resample` (a pure function of\n"
      "(seed, resample)).\n\nReturns\n-------\nnumpy.ndarray of float64, shape (sequences,), summing to "
      "sequences\n");
  m.def(
      "jackknife_weights",
      [](std::size_t left_out, std::size_t sequences) {
        return owned_vector(jackknife_weights(left_out, sequences));
      },
      "left_out"_a, "sequences"_a, "Leave-one-out weights: every sequence once except `left_out`.\n");
  m.def(
      "percentile",
      [](const array_in& values, double q) {
        return percentile(as_doubles(values, "percentile", "values"), q);
      },
      "values"_a, "q"_a,
      "Linear-interpolation percentile, q in [0, 100]: ``numpy.percentile(values, q)``.\n\n"
      "Returns\n-------\nfloat\n");

  nb::class_<confidence_interval>(m, "ConfidenceInterval", "A bootstrap confidence interval.")
      .def_ro("lower", &confidence_interval::lower)
      .def_ro("upper", &confidence_interval::upper)
      .def_prop_ro(
          "method", [](const confidence_interval& c) { return std::string(name_of(c.method)); },
          nb::rv_policy::move, "'percentile' or 'bca'.")
      .def_prop_ro(
          "status", [](const confidence_interval& c) { return std::string(name_of(c.status)); },
          nb::rv_policy::move,
          "'ok', 'bca_degenerate_used_percentile' or 'no_estimate' (unbounded: too many resamples\n"
          "without a value).")
      .def_prop_ro("width", &confidence_interval::width)
      .def("__repr__", &format_interval);

  m.def(
      "percentile_interval",
      [](const array_in& resamples, double confidence) {
        return percentile_interval(as_doubles(resamples, "percentile_interval", "resamples"), confidence);
      },
      "resamples"_a, "confidence"_a = 0.95,
      "Percentile interval of a bootstrap distribution; NaN entries are resamples without a value.\n\n"
      "When more than 1 - confidence of them are NaN the result is (-inf, inf) with status\n"
      "'no_estimate'.\n\nReturns\n-------\nConfidenceInterval\n");
  m.def(
      "bca_interval",
      [](double theta_hat, const array_in& resamples, const array_in& jackknife, double confidence) {
        return bca_interval(theta_hat, as_doubles(resamples, "bca_interval", "resamples"),
                            as_doubles(jackknife, "bca_interval", "jackknife"), confidence);
      },
      "theta_hat"_a, "resamples"_a, "jackknife"_a, "confidence"_a = 0.95,
      "Bias-corrected and accelerated interval as ``scipy.stats.bootstrap(method='BCa')``.\n\n"
      "Parameters\n----------\ntheta_hat : float\n    The statistic on the full sample.\n"
      "resamples : array_like, 1-D\n    The bootstrap distribution.\njackknife : array_like, 1-D\n"
      "    Leave-one-out values (>= 2).\nconfidence : float, default 0.95\n\n"
      "Returns\n-------\nConfidenceInterval\n    The percentile interval with status\n"
      "    'bca_degenerate_used_percentile' when BCa is undefined.\n");

  nb::class_<peak>(m, "Peak", "A peak of a curve, with scipy's prominence and bases.")
      .def_ro("index", &peak::index, "Sample of the peak (plateau middle, rounded down).")
      .def_ro("prominence", &peak::prominence)
      .def_ro("left_base", &peak::left_base)
      .def_ro("right_base", &peak::right_base)
      .def("__repr__", [](const peak& p) {
        return "Peak(index=" + std::to_string(p.index) +
               ", prominence=" + nb::cast<std::string>(nb::repr(nb::float_(p.prominence))) +
               ", left_base=" + std::to_string(p.left_base) + ", right_base=" + std::to_string(p.right_base) +
               ")";
      });

  m.def(
      "find_peaks",
      [](const array_in& x, double min_prominence, double max_prominence, bool include_edges) {
        const auto values = as_doubles(x, "find_peaks", "x");
        return find_peaks(values, {min_prominence, max_prominence, include_edges});
      },
      "x"_a, nb::kw_only(), "min_prominence"_a = 0.0,
      "max_prominence"_a = std::numeric_limits<double>::infinity(), "include_edges"_a = false,
      find_peaks_doc);
  m.def(
      "peak_prominences",
      [](const array_in& x, const int_array_in& peaks) {
        const auto values = as_doubles(x, "peak_prominences", "x");
        std::vector<std::size_t> indices;
        for (const auto i : to_vector(peaks)) {
          if (i < 0) detail::raise("peak_prominences", "peaks", "contains a negative index");
          indices.push_back(static_cast<std::size_t>(i));
        }
        return peak_prominences(values, indices);
      },
      "x"_a, "peaks"_a,
      "Prominence and bases of given peak indices: ``scipy.signal.peak_prominences(x, peaks)``.\n\n"
      "Returns\n-------\nlist of Peak\n    An edge index gets prominence 0, as in scipy.\n");
  m.def("most_prominent", &most_prominent, "peaks"_a, "count"_a,
        "The `count` most prominent peaks (ties: lower index first), in index order.\n\n"
        "Returns\n-------\nlist of Peak\n");

  m.attr("default_signal_weights") =
      nb::make_tuple(default_signal_weights[0], default_signal_weights[1], default_signal_weights[2]);
  m.def(
      "boundary_evidence",
      [](std::optional<array_in> s1, std::optional<array_in> s2, std::optional<array_in> s3,
         std::array<double, 3> weights, const std::string& normalization, std::size_t s3_first_defined) {
        const auto get = [](const std::optional<array_in>& s, const char* name) {
          return s ? as_doubles(*s, "boundary_evidence", name) : std::vector<double>{};
        };
        if (normalization != "max" && normalization != "minmax")
          detail::raise("boundary_evidence", "normalization",
                        "must be 'max' or 'minmax', got '" + normalization + "'");
        const auto a = get(s1, "s1"), b = get(s2, "s2"), c = get(s3, "s3");
        return owned_vector(boundary_evidence(
            a, b, c, weights,
            normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max,
            s3_first_defined));
      },
      "s1"_a = nb::none(), "s2"_a = nb::none(), "s3"_a = nb::none(), nb::kw_only(),
      "weights"_a = default_signal_weights, "normalization"_a = "max", "s3_first_defined"_a = 0,
      evidence_doc);

  nb::class_<boundary>(m, "Boundary", "One detected boundary (a layer-pair index) with its bootstrap CI.")
      .def_ro("pair", &boundary::pair, "Pair index l: the boundary lies between layers l and l+1.")
      .def_ro("prominence", &boundary::prominence)
      .def_ro("ci", &boundary::ci, "The interval of `method` (it decides acceptance).")
      .def_ro("ci_percentile", &boundary::ci_percentile, "From the same resamples as ci_bca.")
      .def_ro("ci_bca", &boundary::ci_bca,
              "The percentile interval, with its status, where BCa is undefined.")
      .def_ro("detection_rate", &boundary::detection_rate, "Share of resamples in which the boundary exists.")
      .def_ro("accepted", &boundary::accepted, "CI bounded and narrower than max_ci_width.");

  nb::class_<boundary_report>(m, "BoundaryReport", "What detect_boundaries found.")
      .def_prop_ro(
          "s1", [](const boundary_report& r) { return owned_vector(std::vector<double>(r.s1)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "s2", [](const boundary_report& r) { return owned_vector(std::vector<double>(r.s2)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "s3", [](const boundary_report& r) { return owned_vector(std::vector<double>(r.s3)); },
          nb::rv_policy::move)
      .def_prop_ro(
          "evidence", [](const boundary_report& r) { return owned_vector(std::vector<double>(r.evidence)); },
          nb::rv_policy::move)
      .def_ro("peaks", &boundary_report::peaks, "Every peak of E with prominence >= min_prominence.")
      .def_ro("boundaries", &boundary_report::boundaries, "Up to two, in layer order: L-I then I-G.")
      .def_prop_ro(
          "resampled",
          [](const boundary_report& r) {
            std::vector<double> flat;
            for (const auto& row : r.resampled) flat.insert(flat.end(), row.begin(), row.end());
            return to_numpy(std::move(flat), {r.resampled.size(), 2});
          },
          nb::rv_policy::move,
          "Boundary positions in each bootstrap resample, shape (resamples, 2); NaN = absent.")
      .def_ro("failed_resamples", &boundary_report::failed_resamples,
              "Resamples whose evidence could not be formed (they count as without the boundary).");

  m.def(
      "detect_boundaries",
      [](const cka_evidence* cka, const probe_evidence* probes, const attention_evidence* attention,
         std::array<double, 3> weights, double min_prominence, double confidence, double max_ci_width,
         const std::string& method, bool include_edges, const std::string& normalization,
         const std::string& policy) {
        boundary_options o;
        o.weights = weights;
        if (normalization != "max" && normalization != "minmax")
          detail::raise("detect_boundaries", "normalization",
                        "must be 'max' or 'minmax', got '" + normalization + "'");
        o.normalization =
            normalization == "minmax" ? signal_normalization::minmax : signal_normalization::max;
        o.min_prominence = min_prominence;
        o.confidence = confidence;
        o.max_ci_width = max_ci_width;
        o.method = parse_method(method, "detect_boundaries");
        o.include_edges = include_edges;
        nb::gil_scoped_release release;
        return visit_policy(policy, "detect_boundaries",
                            [&](auto pol) { return detect_boundaries(pol, cka, probes, attention, o); });
      },
      "cka"_a = nb::none(), "probes"_a = nb::none(), "attention"_a = nb::none(), nb::kw_only(),
      "weights"_a = default_signal_weights, "min_prominence"_a = 0.3, "confidence"_a = 0.95,
      "max_ci_width"_a = 5.0, "method"_a = "bca", "include_edges"_a = false, "normalization"_a = "max",
      "policy"_a = "par", detect_doc);
}

}  // namespace infoscale::python

// info/: measures over probability rows and over logits.
#include <nanobind/stl/optional.h>

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "bindings.hpp"
#include "infoscale/core/check.hpp"
#include "infoscale/info/logits.hpp"
#include "infoscale/info/probabilities.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

using targets_in = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

template <class View>
using element_t = std::remove_const_t<typename View::element_type>;

/// One array in, one value per row out; the work runs without the GIL.
template <class Compute>
rows_result unary(const array_in& a, const char* function, const char* name, const std::string& policy,
                  Compute compute) {
  const matrix_input in = as_matrix(a, function, name);
  std::vector<double> out;
  {
    nb::gil_scoped_release release;
    out = visit_policy(policy, function, [&](auto pol) {
      return visit_dtype(in, name, [&](auto view) { return compute(pol, view); });
    });
  }
  return to_rows_result(std::move(out), in.is_vector);
}

/// Two arrays of one dtype in, one value per row pair out; the work runs without the GIL.
template <class Compute>
rows_result binary(const array_in& a, const array_in& b, const char* function, const char* name_a,
                   const char* name_b, const std::string& policy, Compute compute) {
  const matrix_input in_a = as_matrix(a, function, name_a);
  const matrix_input in_b = as_matrix(b, function, name_b);
  require_same_dtype(in_a, in_b, function, name_a, name_b);
  std::vector<double> out;
  {
    nb::gil_scoped_release release;
    out = visit_policy(policy, function, [&](auto pol) {
      return visit_dtype(in_a, name_a, [&](auto view_a) {
        const auto view_b = view_as<element_t<decltype(view_a)>>(in_b, name_b);
        return compute(pol, view_a, view_b);
      });
    });
  }
  return to_rows_result(std::move(out), in_a.is_vector && in_b.is_vector);
}

/// The normalisation tolerance: the caller's, which must be finite and >= 0 (a NaN tolerance would
/// make |sum - 1| > tol false for every row, accepting anything), or the dtype's default.
template <class View>
double tolerance_for(const std::optional<double>& tolerance, std::string_view function) {
  if (tolerance) check_non_negative(*tolerance, function, "tolerance");
  return tolerance.value_or(normalisation_tolerance<element_t<View>>);
}

// ---- docstrings (NumPy style) ----

#define INFOSCALE_PROBS_PARAMS                                                                    \
  "tolerance : float, optional\n"                                                                 \
  "    How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.\n" \
  "policy : {'par', 'seq'}, default 'par'\n"                                                      \
  "    'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.\n"

#define INFOSCALE_PAIR_RETURNS                                                                     \
  "\n"                                                                                             \
  "Returns\n"                                                                                      \
  "-------\n"                                                                                      \
  "numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.\n"                  \
  "\n"                                                                                             \
  "Raises\n"                                                                                       \
  "------\n"                                                                                       \
  "ValueError\n"                                                                                   \
  "    (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes\n" \
  "    or dtypes, or an array that is not 1-D or 2-D.\n"

#define INFOSCALE_PAIR_PARAMS                                                                      \
  "Parameters\n"                                                                                   \
  "----------\n"                                                                                   \
  "p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)\n"                       \
  "    Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,\n" \
  "    bfloat16, float32, float64. Read in place whatever the strides.\n" INFOSCALE_PROBS_PARAMS

constexpr const char* entropy_doc =
    "Shannon entropy -sum p log p of each row, in nats.\n"
    "\n"
    "Equals ``scipy.stats.entropy(p, axis=-1)`` (0 log 0 = 0).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "p : array_like (numpy array, torch CPU tensor, any DLPack producer)\n"
    "    Probability rows, shape (rows, categories) or (categories,); float16, bfloat16, float32 or\n"
    "    float64. Read in place whatever the strides (no copy).\n" INFOSCALE_PROBS_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (rows,), or float for a 1-D input.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, or an array that is\n"
    "    not 1-D or 2-D.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> infoscale.entropy(np.array([0.5, 0.5]))  # log 2\n"
    "0.6931471805599453\n";

constexpr const char* renyi_doc =
    "Renyi entropy of order alpha of each row, in nats: log(sum p**alpha) / (1 - alpha).\n"
    "\n"
    "alpha = 0 gives log |support|, alpha = 1 Shannon's entropy, alpha = inf the min-entropy\n"
    "-log max p.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "p : array_like\n"
    "    Probability rows, shape (rows, categories) or (categories,).\n"
    "alpha : float\n"
    "    Order, >= 0 (``float('inf')`` allowed).\n" INFOSCALE_PROBS_PARAMS
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (rows,), or float for a 1-D input.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On alpha < 0 or NaN, or invalid probability rows.\n";

constexpr const char* cross_entropy_doc =
    "Cross-entropy -sum p log q of each row pair, in nats (+inf where q = 0 < p).\n"
    "\n" INFOSCALE_PAIR_PARAMS INFOSCALE_PAIR_RETURNS;

constexpr const char* kl_doc =
    "Kullback-Leibler divergence KL(p || q) of each row pair, in nats.\n"
    "\n"
    "Equals ``scipy.stats.entropy(p, q, axis=-1)``; +inf where q = 0 < p.\n"
    "\n" INFOSCALE_PAIR_PARAMS INFOSCALE_PAIR_RETURNS;

constexpr const char* js_doc =
    "Jensen-Shannon divergence of each row pair, in nats, in [0, log 2].\n"
    "\n"
    "The square of ``scipy.spatial.distance.jensenshannon(p, q, axis=-1)``; see js_distance.\n"
    "\n" INFOSCALE_PAIR_PARAMS INFOSCALE_PAIR_RETURNS;

constexpr const char* js_distance_doc =
    "Jensen-Shannon distance sqrt(JS divergence) of each row pair (a metric).\n"
    "\n"
    "Equals ``scipy.spatial.distance.jensenshannon(p, q, axis=-1)``.\n"
    "\n" INFOSCALE_PAIR_PARAMS INFOSCALE_PAIR_RETURNS;

constexpr const char* tv_doc =
    "Total variation distance (1/2) sum |p - q| of each row pair, in [0, 1].\n"
    "\n" INFOSCALE_PAIR_PARAMS INFOSCALE_PAIR_RETURNS;

#define INFOSCALE_LOGITS_PARAMS                                                                      \
  "Parameters\n"                                                                                     \
  "----------\n"                                                                                     \
  "logits : array_like (numpy array, torch CPU tensor, any DLPack producer)\n"                       \
  "    Unnormalised log-probabilities, shape (rows, vocabulary) or (vocabulary,); float16,\n"        \
  "    bfloat16, float32 or float64, read in place whatever the strides. p = softmax(logits / T).\n" \
  "temperature : float, default 1.0\n"                                                               \
  "    T > 0.\n"                                                                                     \
  "policy : {'par', 'seq'}, default 'par'\n"                                                         \
  "    'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.\n"            \
  "precision : {'exact', 'fast'}, default 'exact'\n"                                                 \
  "    'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.\n"

#define INFOSCALE_LOGITS_RETURNS                                                                  \
  "\n"                                                                                            \
  "Returns\n"                                                                                     \
  "-------\n"                                                                                     \
  "numpy.ndarray of float64, shape (rows,), or float for a 1-D input.\n"                          \
  "\n"                                                                                            \
  "Raises\n"                                                                                      \
  "------\n"                                                                                      \
  "ValueError\n"                                                                                  \
  "    (infoscale.Error) on NaN/Inf logits, T <= 0, an empty axis, or an array that is not 1-D\n" \
  "    or 2-D.\n"

constexpr const char* entropy_logits_doc =
    "Entropy of softmax(logits / T) of each row, in nats, without materialising the softmax.\n"
    "\n" INFOSCALE_LOGITS_PARAMS INFOSCALE_LOGITS_RETURNS;

constexpr const char* varentropy_logits_doc =
    "Varentropy Var_p(-log p) of each row of softmax(logits / T): the variance of the surprisal.\n"
    "\n" INFOSCALE_LOGITS_PARAMS INFOSCALE_LOGITS_RETURNS;

constexpr const char* cross_entropy_logits_doc =
    "Per-token loss -log softmax(logits)[row, targets[row]], in nats.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "logits : array_like\n"
    "    Shape (rows, vocabulary) (or (vocabulary,) with one target).\n"
    "targets : numpy.ndarray of int64, shape (rows,)\n"
    "    Observed token ids in [0, vocabulary). Other integer dtypes are converted.\n"
    "policy : {'par', 'seq'}, default 'par'\n"
    "\n"
    "Returns\n"
    "-------\n"
    "numpy.ndarray of float64, shape (rows,), or float for a 1-D input.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On a target outside the vocabulary, a length mismatch, or NaN/Inf logits.\n";

#define INFOSCALE_LOGITS_PAIR_DOC(what)                                                 \
  what "\n"                                                                             \
       "\n"                                                                             \
       "Parameters\n"                                                                   \
       "----------\n"                                                                   \
       "logits_a, logits_b : array_like\n"                                              \
       "    Logits of one shape, (rows, vocabulary) or (vocabulary,), and one dtype.\n" \
       "policy : {'par', 'seq'}, default 'par'\n" INFOSCALE_LOGITS_RETURNS

}  // namespace

void bind_info(nb::module_& m) {
  m.def(
      "entropy",
      [](const array_in& p, std::optional<double> tolerance, const std::string& policy) {
        return unary(p, "entropy", "p", policy, [&](auto pol, auto view) {
          return entropy(pol, view, tolerance_for<decltype(view)>(tolerance, "entropy"));
        });
      },
      "p"_a, nb::kw_only(), "tolerance"_a = nb::none(), "policy"_a = "par", entropy_doc);

  m.def(
      "renyi_entropy",
      [](const array_in& p, double alpha, std::optional<double> tolerance, const std::string& policy) {
        return unary(p, "renyi_entropy", "p", policy, [&](auto pol, auto view) {
          return renyi_entropy(pol, view, alpha, tolerance_for<decltype(view)>(tolerance, "renyi_entropy"));
        });
      },
      "p"_a, "alpha"_a, nb::kw_only(), "tolerance"_a = nb::none(), "policy"_a = "par", renyi_doc);

#define INFOSCALE_BIND_PAIR(fn, doc)                                                                         \
  m.def(                                                                                                     \
      #fn,                                                                                                   \
      [](const array_in& p, const array_in& q, std::optional<double> tolerance, const std::string& policy) { \
        return binary(p, q, #fn, "p", "q", policy, [&](auto pol, auto view_p, auto view_q) {                 \
          return fn(pol, view_p, view_q, tolerance_for<decltype(view_p)>(tolerance, #fn));                   \
        });                                                                                                  \
      },                                                                                                     \
      "p"_a, "q"_a, nb::kw_only(), "tolerance"_a = nb::none(), "policy"_a = "par", doc)

  INFOSCALE_BIND_PAIR(cross_entropy, cross_entropy_doc);
  INFOSCALE_BIND_PAIR(kl_divergence, kl_doc);
  INFOSCALE_BIND_PAIR(js_divergence, js_doc);
  INFOSCALE_BIND_PAIR(js_distance, js_distance_doc);
  INFOSCALE_BIND_PAIR(total_variation, tv_doc);
#undef INFOSCALE_BIND_PAIR

  m.def(
      "entropy_from_logits",
      [](const array_in& logits, double temperature, const std::string& policy,
         const std::string& precision) {
        const logits_precision mode = parse_logits_precision(precision, "entropy_from_logits");
        return unary(logits, "entropy_from_logits", "logits", policy,
                     [&](auto pol, auto view) { return entropy_from_logits(pol, view, temperature, mode); });
      },
      "logits"_a, "temperature"_a = 1.0, nb::kw_only(), "policy"_a = "par", "precision"_a = "exact",
      entropy_logits_doc);

  m.def(
      "varentropy_from_logits",
      [](const array_in& logits, double temperature, const std::string& policy,
         const std::string& precision) {
        const logits_precision mode = parse_logits_precision(precision, "varentropy_from_logits");
        return unary(logits, "varentropy_from_logits", "logits", policy, [&](auto pol, auto view) {
          return varentropy_from_logits(pol, view, temperature, mode);
        });
      },
      "logits"_a, "temperature"_a = 1.0, nb::kw_only(), "policy"_a = "par", "precision"_a = "exact",
      varentropy_logits_doc);

  m.def(
      "cross_entropy_from_logits",
      [](const array_in& logits, const targets_in& targets, const std::string& policy) {
        const std::span<const std::int64_t> ids(targets.data(), targets.shape(0));
        return unary(logits, "cross_entropy_from_logits", "logits", policy,
                     [&](auto pol, auto view) { return cross_entropy_from_logits(pol, view, ids); });
      },
      "logits"_a, "targets"_a, nb::kw_only(), "policy"_a = "par", cross_entropy_logits_doc);

  m.def(
      "kl_divergence_from_logits",
      [](const array_in& a, const array_in& b, const std::string& policy) {
        return binary(a, b, "kl_divergence_from_logits", "logits_a", "logits_b", policy,
                      [&](auto pol, auto va, auto vb) { return kl_divergence_from_logits(pol, va, vb); });
      },
      "logits_a"_a, "logits_b"_a, nb::kw_only(), "policy"_a = "par",
      INFOSCALE_LOGITS_PAIR_DOC("KL(softmax(logits_a) || softmax(logits_b)) of each row pair, in nats."));

  m.def(
      "js_divergence_from_logits",
      [](const array_in& a, const array_in& b, const std::string& policy) {
        return binary(a, b, "js_divergence_from_logits", "logits_a", "logits_b", policy,
                      [&](auto pol, auto va, auto vb) { return js_divergence_from_logits(pol, va, vb); });
      },
      "logits_a"_a, "logits_b"_a, nb::kw_only(), "policy"_a = "par",
      INFOSCALE_LOGITS_PAIR_DOC(
          "Jensen-Shannon divergence between softmax(logits_a) and softmax(logits_b) of "
          "each row pair, in nats."));
}

}  // namespace infoscale::python

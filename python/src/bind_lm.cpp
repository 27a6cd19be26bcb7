// The submodule infoscale.lm: Yang's language models as CLMs/PLMs (arXiv 2407.21092 §2), the
// entropy function S_L(s) by enumeration and by (batched) Monte Carlo (§4), zero points (§4),
// moduli-space metrics (§3) and the sentence ensemble's thermodynamics (§5).
//
// Models are TableLM / NgramLM (pure C++: the GIL is released while they run) and CallbackLM /
// BatchedCallbackLM over Python callables (the GIL is held: the callback runs Python). An exception
// raised by a callback propagates unchanged; a callback returning the wrong shape, dtype or a
// non-finite logit raises infoscale.Error naming the callback.
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bindings.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/lm.hpp"
#include "infoscale/thermo/sentence_ensemble.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// Any host array of floats as a flat vector of doubles (one row).
std::vector<double> to_doubles(const array_in& a, std::string_view function, std::string_view name) {
  const matrix_input in = as_matrix(a, function, name);
  if (!in.is_vector) detail::raise(function, name, "must be 1-D");
  std::vector<double> out(in.shape[1]);
  visit_dtype(in, name, [&](auto view) {
    for (std::size_t j = 0; j < out.size(); ++j) out[j] = static_cast<double>(detail::widen(view(0, j)));
  });
  return out;
}

/// A callback's return value as an array (zero copy for numpy / DLPack, np.asarray otherwise).
array_in callback_array(nb::handle r, std::string_view function, std::string_view name) {
  array_in a;
  if (nb::try_cast<array_in>(r, a)) return a;
  nb::object converted;
  try {
    converted = nb::module_::import_("numpy").attr("asarray")(r);
  } catch (const nb::python_error&) {
    detail::raise(function, name, "returned an object that is not an array of logits");
  }
  if (!nb::try_cast<array_in>(converted, a))
    detail::raise(function, name, "returned an object that is not an array of logits");
  return a;
}

/// Copies a callback's (rows x vocab) or (vocab,) float array, checking shape and dtype.
std::vector<double> callback_logits(nb::handle r, std::size_t rows, std::size_t vocab, bool two_d,
                                    std::string_view function, std::string_view name) {
  const array_in a = callback_array(r, function, name);
  const auto dt = a.dtype();
  if (dt.code != static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float) &&
      dt.code != static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat)) {
    detail::raise(function, name,
                  "returned logits of a non-float dtype (DLPack code " + std::to_string(dt.code) +
                      "); return float32 or float64");
  }
  const std::size_t ndim = a.ndim();
  const std::string expected = two_d ? "(" + std::to_string(rows) + ", " + std::to_string(vocab) + ")"
                                     : "(" + std::to_string(vocab) + ",)";
  std::string got = "(";
  for (std::size_t i = 0; i < ndim; ++i) got += (i ? ", " : "") + std::to_string(a.shape(i));
  got += ndim == 1 ? ",)" : ")";
  const bool ok =
      two_d ? ndim == 2 && a.shape(0) == rows && a.shape(1) == vocab : ndim == 1 && a.shape(0) == vocab;
  if (!ok) detail::raise(function, name, "returned logits of shape " + got + ", expected " + expected);
  const matrix_input in = as_matrix(a, function, name);
  std::vector<double> out(rows * vocab);
  visit_dtype(in, name, [&](auto view) {
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < vocab; ++j)
        out[i * vocab + j] = static_cast<double>(detail::widen(view(i, j)));
  });
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (!std::isfinite(out[k])) {
      detail::raise(function, name,
                    "returned a non-finite logit at row " + std::to_string(k / vocab) + ", token " +
                        std::to_string(k % vocab));
    }
  }
  return out;
}

nb::ndarray<nb::numpy, std::int64_t> int64_array(std::vector<std::int64_t>&& values,
                                                 std::initializer_list<std::size_t> shape) {
  auto* owned = new std::vector<std::int64_t>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<std::int64_t>*>(p); });
  return {owned->data(), shape, owner};
}

nb::ndarray<nb::numpy, bool> bool_array(std::vector<std::uint8_t>&& values) {
  auto* owned = new std::vector<std::uint8_t>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<std::uint8_t>*>(p); });
  return {reinterpret_cast<bool*>(owned->data()), {owned->size()}, owner};
}

/// prefix(list[int]) -> 1-D logits.
struct python_logits {
  nb::object fn;
  std::size_t vocab = 0;
  std::vector<double> operator()(std::span<const token> prefix) const {
    nb::list p;
    for (const token t : prefix) p.append(nb::int_(t));
    const nb::object r = fn(p);
    return callback_logits(r, 1, vocab, false, "CallbackLM", "logits");
  }
};

/// (ids, prefixes) -> (rows, vocab) logits.
struct python_logits_batch {
  nb::object fn;
  std::size_t vocab = 0;
  std::vector<double> operator()(std::span<const std::size_t> ids, std::span<const sentence> prefixes) const {
    const std::size_t rows = prefixes.size();
    std::vector<std::int64_t> id(ids.begin(), ids.end());
    bool same = true;
    for (const auto& p : prefixes) same = same && p.size() == prefixes.front().size();
    nb::object tokens;
    if (same) {
      const std::size_t length = rows ? prefixes.front().size() : 0;
      std::vector<std::int64_t> flat;
      flat.reserve(rows * length);
      for (const auto& p : prefixes) flat.insert(flat.end(), p.begin(), p.end());
      tokens = nb::cast(int64_array(std::move(flat), {rows, length}));
    } else {
      nb::list l;
      for (const auto& p : prefixes) {
        nb::list row;
        for (const token t : p) row.append(nb::int_(t));
        l.append(row);
      }
      tokens = l;
    }
    const nb::object r = fn(nb::cast(int64_array(std::move(id), {rows})), tokens);
    return callback_logits(r, rows, vocab, true, "BatchedCallbackLM", "logits_batch");
  }
};

using py_callback_lm = callback_lm<python_logits>;
using py_batched_lm = batched_callback_lm<python_logits_batch>;
/// Any model of this module (a pointer to the bound object).
using any_model = std::variant<const table_lm*, const ngram_lm*, const py_callback_lm*, const py_batched_lm*>;

/// Calls f(model) with the GIL released for the C++ models and held for the Python callbacks.
template <class F>
decltype(auto) visit_model(const any_model& m, std::string_view function, std::string_view name, F&& f) {
  return std::visit(
      [&](auto* p) -> decltype(auto) {
        if (p == nullptr) detail::raise(function, name, "is None; pass an infoscale.lm model");
        using M = std::remove_cv_t<std::remove_pointer_t<decltype(p)>>;
        if constexpr (std::is_same_v<M, table_lm> || std::is_same_v<M, ngram_lm>) {
          nb::gil_scoped_release release;
          return f(*p);
        } else {
          return f(*p);
        }
      },
      m);
}

/// Both models, same GIL rule (held if either runs Python).
template <class F>
decltype(auto) visit_models(const any_model& a, const any_model& b, std::string_view function, F&& f) {
  return std::visit(
      [&](auto* pa, auto* pb) -> decltype(auto) {
        if (pa == nullptr) detail::raise(function, "a", "is None; pass an infoscale.lm model");
        if (pb == nullptr) detail::raise(function, "b", "is None; pass an infoscale.lm model");
        using A = std::remove_cv_t<std::remove_pointer_t<decltype(pa)>>;
        using B = std::remove_cv_t<std::remove_pointer_t<decltype(pb)>>;
        constexpr bool pure = (std::is_same_v<A, table_lm> || std::is_same_v<A, ngram_lm>)&&(
            std::is_same_v<B, table_lm> || std::is_same_v<B, ngram_lm>);
        if constexpr (pure) {
          nb::gil_scoped_release release;
          return f(*pa, *pb);
        } else {
          return f(*pa, *pb);
        }
      },
      a, b);
}

enum class metric_kind { total_variation, hellinger, js_distance, l2, fisher_rao };

metric_kind parse_metric(const std::string& s, std::string_view function) {
  if (s == "total_variation") return metric_kind::total_variation;
  if (s == "hellinger") return metric_kind::hellinger;
  if (s == "js_distance") return metric_kind::js_distance;
  if (s == "l2") return metric_kind::l2;
  if (s == "fisher_rao") return metric_kind::fisher_rao;
  detail::raise(
      function, "metric",
      "must be 'total_variation', 'hellinger', 'js_distance', 'l2' or 'fisher_rao', got '" + s + "'");
}

template <class F>
decltype(auto) visit_metric(metric_kind k, F&& f) {
  switch (k) {
    case metric_kind::hellinger:
      return f(hellinger_metric{});
    case metric_kind::js_distance:
      return f(js_distance_metric{});
    case metric_kind::l2:
      return f(l2_metric{});
    case metric_kind::fisher_rao:
      return f(fisher_rao_metric{});
    case metric_kind::total_variation:
      break;
  }
  return f(total_variation_metric{});
}

enumeration_limits make_limits(std::size_t max_length, double min_mass, std::size_t max_nodes) {
  return {max_length, min_mass, max_nodes};
}

struct continuation_distribution_py {
  std::vector<sentence> continuations;
  array_out probabilities;
  double truncated_mass = 0.0;
};

struct monte_carlo_samples_py {
  std::vector<sentence> continuations;
  array_out energies, chain_rule;
  nb::ndarray<nb::numpy, std::int64_t> lengths;
  nb::ndarray<nb::numpy, bool> cut;
};

struct monte_carlo_py {
  entropy_estimate chain_rule, direct;
  std::optional<monte_carlo_samples_py> samples;
  std::size_t rounds = 0, drawn = 0;
};

struct ensemble_state_py {
  double temperature = 1.0;
  thermodynamic_state state;
};

#define INFOSCALE_LM_MODEL_ARG                                  \
  "model : TableLM, NgramLM, CallbackLM or BatchedCallbackLM\n" \
  "    A PLM; TableLM and NgramLM run with the GIL released, the callback models call Python.\n"

#define INFOSCALE_LM_LIMITS_ARGS                                                             \
  "max_length : int, default 16\n"                                                           \
  "    Prefixes with fewer than max_length words are expanded.\n"                            \
  "min_mass : float, default 0.0\n"                                                          \
  "    Prefixes of probability below min_mass are not expanded (their mass is truncated).\n" \
  "max_nodes : int, default 2000000\n"                                                       \
  "    Bound on the expanded nodes; exceeding it raises.\n"

constexpr const char* lm_doc =
    "Language models as in Yang, 'Thermodynamics of language models' (arXiv 2407.21092): CLMs and\n"
    "PLMs (§2), the entropy function S_L(s) over full continuations by exact enumeration or Monte\n"
    "Carlo (§4), zero points (§4), moduli-space metrics (§3) and the thermodynamics of the sentence\n"
    "ensemble (§5). Vocabularies are (vocab_size, end_token): token end_token stands for ∅ (stop).\n"
    "Prompts and continuations are lists of ints that never contain the end token.";

constexpr const char* callback_doc =
    "A PLM over a Python callable returning next-token logits (Yang, arXiv 2407.21092, §2).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "vocab_size : int\n"
    "    |W ∪ {∅}| >= 2.\n"
    "end_token : int\n"
    "    The token standing for ∅ (stop), < vocab_size.\n"
    "logits : callable(prefix: list[int]) -> array_like, shape (vocab_size,)\n"
    "    Float logits (float16/bfloat16/float32/float64, numpy, torch CPU or a list) after the\n"
    "    prefix (prompt plus continuation so far). log-softmax(logits / T) is taken in float64.\n"
    "temperature : float, default 1.0\n"
    "    T > 0.\n"
    "\n"
    "Raises\n"
    "------\n"
    "infoscale.Error\n"
    "    On T <= 0, or (when called) logits of the wrong shape, dtype or with NaN/Inf, naming\n"
    "    'logits'. An exception raised by the callable propagates unchanged.\n";

constexpr const char* batched_doc =
    "A batched PLM over a Python callable (Yang, arXiv 2407.21092, §2): the Monte Carlo estimator\n"
    "asks for the next-token logits of all still-active samples of a round at once.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "vocab_size : int\n"
    "end_token : int\n"
    "logits_batch : callable(ids, prefixes) -> array_like, shape (rows, vocab_size)\n"
    "    ``ids`` is a 1-D numpy int64 array naming the Monte Carlo sample of each row (increasing\n"
    "    within a call); ``prefixes`` is a 2-D numpy int64 array (rows, length): every prefix of one\n"
    "    call has the same length (a list of lists only if a caller mixes lengths, which the\n"
    "    library's functions never do). Within a Monte Carlo round the first call has\n"
    "    prefix == prompt for every sample of the round, and each later call extends each listed\n"
    "    sample's previous prefix by exactly one token, so an adapter can keep one KV cache per\n"
    "    sample. Other functions (enumeration, next_log_probabilities) call it with one row, id 0.\n"
    "    Returns float logits, float32 or float64 (any float dtype is read).\n"
    "temperature : float, default 1.0\n"
    "    T > 0.\n"
    "\n"
    "Raises\n"
    "------\n"
    "infoscale.Error\n"
    "    On T <= 0, or a return value of the wrong shape, dtype or with NaN/Inf, naming\n"
    "    'logits_batch'. An exception raised by the callable propagates unchanged.\n";

constexpr const char* monte_carlo_doc =
    "S_L(s) by Monte Carlo over sampled continuations (Yang, arXiv 2407.21092, §4): two estimators\n"
    "from the same samples, the chain rule (mean of sum_t H(p(.|s y_<t)), end step included;\n"
    "Rao-Blackwellised, lower variance) and the direct estimator (mean of -log P(y|s)).\n"
    "\n"
    "Parameters\n"
    "----------\n" INFOSCALE_LM_MODEL_ARG
    "prompt : list[int]\n"
    "samples : int, default 1000\n"
    "    Samples drawn (the maximum when a stopping rule is set); >= 2.\n"
    "max_length : int, default 256\n"
    "    >= 1. A sample whose draw max_length + 1 is still a word is cut there (it keeps that word):\n"
    "    both estimators then estimate the entropy of the law of the first max_length + 1 symbols,\n"
    "    a lower bound on S_L(s); ``truncated_mass`` is the fraction of samples cut.\n"
    "seed, stream : int, default 0\n"
    "    Draw t of sample i is ``uniforms(seed, stream, [i * (max_length + 1) + t])``, whatever the\n"
    "    batching: a BatchedCallbackLM gives bit-for-bit the result of the same model as CallbackLM.\n"
    "batch : int, default 64\n"
    "    Samples per round (a BatchedCallbackLM gets a round's prefixes in one call per step).\n"
    "target_standard_error : float, default 0.0\n"
    "    Stopping rule, 0 = off: stop after the first round ending with at least min_samples samples\n"
    "    and a chain-rule standard error <= target (nats).\n"
    "min_samples : int, default 128\n"
    "    Of the stopping rule (capped by samples).\n"
    "record_samples : bool, default False\n"
    "    Return every sample (continuation, energy -log P(y|s), chain-rule sum, length, cut).\n"
    "\n"
    "Returns\n"
    "-------\n"
    "MonteCarloEntropy\n"
    "\n"
    "Raises\n"
    "------\n"
    "infoscale.Error\n"
    "    On samples < 2, max_length == 0, batch == 0, a negative or non-finite target, or a prompt\n"
    "    with a token outside the vocabulary or the end token.\n";

}  // namespace

void bind_lm(nb::module_& m) {
  nb::module_ lm = m.def_submodule("lm", lm_doc);

  nb::class_<table_lm>(lm, "TableLM",
                       "A PLM given by a table context -> p(.|context) over W ∪ {∅} (Yang, arXiv\n"
                       "2407.21092, §2): the row of the longest suffix of the prefix present in the\n"
                       "table is used (back-off), so the empty context () must be present.\n"
                       "\n"
                       "Parameters\n"
                       "----------\n"
                       "vocab_size : int\n"
                       "end_token : int\n"
                       "rows : dict[tuple[int, ...], sequence of float]\n"
                       "    Context -> probabilities (length vocab_size, summing to 1 within tolerance).\n"
                       "tolerance : float, default 1e-9\n")
      .def(
          "__init__",
          [](table_lm* self, std::size_t vocab_size, token end_token, const nb::dict& rows,
             double tolerance) {
            std::map<sentence, std::vector<double>> table;
            for (const auto& [key, value] : rows) {
              sentence context;
              std::vector<double> row;
              if (!nb::try_cast(key, context))
                detail::raise("table_lm", "rows", "has a key that is not a tuple of ints");
              if (!nb::try_cast(value, row))
                detail::raise("table_lm", "rows", "has a value that is not a sequence of floats");
              table[context] = std::move(row);
            }
            new (self) table_lm(vocabulary(vocab_size, end_token), std::move(table), tolerance);
          },
          "vocab_size"_a, "end_token"_a, "rows"_a, "tolerance"_a = 1e-9,
          nb::sig("def __init__(self, vocab_size: int, end_token: int, rows: dict[tuple[int, ...], "
                  "Sequence[float]], tolerance: float = 1e-09) -> None"))
      .def_prop_ro("vocab_size", [](const table_lm& t) { return t.vocab().size(); })
      .def_prop_ro("end_token", [](const table_lm& t) { return t.vocab().end(); })
      .def_prop_ro("order", &table_lm::order, "The longest context in the table.");

  nb::class_<ngram_lm>(lm, "NgramLM",
                       "An n-gram PLM estimated from a token corpus, add-k (Lidstone) or interpolated\n"
                       "Kneser-Ney smoothing; each training sentence ends with ∅ (Yang, arXiv\n"
                       "2407.21092, §2: a PLM).\n"
                       "\n"
                       "Parameters\n"
                       "----------\n"
                       "vocab_size : int\n"
                       "end_token : int\n"
                       "corpus : list[list[int]]\n"
                       "    Non-empty; sentences without the end token.\n"
                       "order : int, default 2\n"
                       "    n: the model conditions on the last n - 1 tokens.\n"
                       "smoothing : {'add_k', 'kneser_ney'}, default 'add_k'\n"
                       "k : float, default 1.0\n"
                       "    Pseudo-count of add-k (> 0).\n"
                       "discount : float, default 0.75\n"
                       "    D of Kneser-Ney, in (0, 1].\n")
      .def(
          "__init__",
          [](ngram_lm* self, std::size_t vocab_size, token end_token, const std::vector<sentence>& corpus,
             std::size_t order, const std::string& smoothing, double k, double discount) {
            ngram_options o;
            o.order = order;
            if (smoothing == "add_k") {
              o.smoothing = ngram_smoothing::add_k;
            } else if (smoothing == "kneser_ney") {
              o.smoothing = ngram_smoothing::kneser_ney;
            } else {
              detail::raise("ngram_lm", "smoothing",
                            "must be 'add_k' or 'kneser_ney', got '" + smoothing + "'");
            }
            o.k = k;
            o.discount = discount;
            new (self) ngram_lm(vocabulary(vocab_size, end_token), corpus, o);
          },
          "vocab_size"_a, "end_token"_a, "corpus"_a, nb::kw_only(), "order"_a = 2, "smoothing"_a = "add_k",
          "k"_a = 1.0, "discount"_a = 0.75)
      .def_prop_ro("vocab_size", [](const ngram_lm& t) { return t.vocab().size(); })
      .def_prop_ro("end_token", [](const ngram_lm& t) { return t.vocab().end(); })
      .def_prop_ro("order", [](const ngram_lm& t) { return t.options().order; });

  nb::class_<py_callback_lm>(lm, "CallbackLM", callback_doc)
      .def(
          "__init__",
          [](py_callback_lm* self, std::size_t vocab_size, token end_token, nb::callable logits,
             double temperature) {
            const vocabulary v(vocab_size, end_token);
            new (self)
                py_callback_lm(v, python_logits{nb::borrow<nb::object>(logits), vocab_size}, temperature);
          },
          "vocab_size"_a, "end_token"_a, "logits"_a, "temperature"_a = 1.0)
      .def_prop_ro("vocab_size", [](const py_callback_lm& t) { return t.vocab().size(); })
      .def_prop_ro("end_token", [](const py_callback_lm& t) { return t.vocab().end(); })
      .def_prop_ro("temperature", &py_callback_lm::temperature);

  nb::class_<py_batched_lm>(lm, "BatchedCallbackLM", batched_doc)
      .def(
          "__init__",
          [](py_batched_lm* self, std::size_t vocab_size, token end_token, nb::callable logits_batch,
             double temperature) {
            const vocabulary v(vocab_size, end_token);
            new (self) py_batched_lm(v, python_logits_batch{nb::borrow<nb::object>(logits_batch), vocab_size},
                                     temperature);
          },
          "vocab_size"_a, "end_token"_a, "logits_batch"_a, "temperature"_a = 1.0)
      .def_prop_ro("vocab_size", [](const py_batched_lm& t) { return t.vocab().size(); })
      .def_prop_ro("end_token", [](const py_batched_lm& t) { return t.vocab().end(); })
      .def_prop_ro("temperature", &py_batched_lm::temperature);

  nb::class_<entropy_estimate>(lm, "EntropyEstimate",
                               "An estimate of S_L(s), nats (Yang, arXiv 2407.21092, §4).\n"
                               "\n"
                               "Attributes\n"
                               "----------\n"
                               "entropy : float\n"
                               "    Enumeration: the chain-rule sum over expanded prefixes, a lower bound,\n"
                               "    exact when truncated_mass == 0. Monte Carlo: the sample mean.\n"
                               "standard_error : float\n"
                               "    0 for enumeration; sample sd / sqrt(n) for Monte Carlo.\n"
                               "truncated_mass : float\n"
                               "    Enumeration: probability of the continuations left unexpanded. Monte\n"
                               "    Carlo: the fraction of samples cut at max_length.\n"
                               "evaluations : int\n"
                               "    Next-token distributions computed (rows, for a batched model).\n")
      .def_ro("entropy", &entropy_estimate::entropy)
      .def_ro("standard_error", &entropy_estimate::standard_error)
      .def_ro("truncated_mass", &entropy_estimate::truncated_mass)
      .def_ro("evaluations", &entropy_estimate::evaluations)
      .def("__repr__", [](const entropy_estimate& e) {
        return "EntropyEstimate(entropy=" + std::to_string(e.entropy) +
               ", standard_error=" + std::to_string(e.standard_error) +
               ", truncated_mass=" + std::to_string(e.truncated_mass) +
               ", evaluations=" + std::to_string(e.evaluations) + ")";
      });

  nb::class_<monte_carlo_samples_py>(
      lm, "MonteCarloSamples",
      "The recorded Monte Carlo samples, in sample order.\n"
      "\n"
      "Attributes\n"
      "----------\n"
      "continuations : list[list[int]]\n"
      "    The words drawn (a cut sample also holds its (max_length + 1)-th word).\n"
      "energies : numpy.ndarray, float64\n"
      "    -log P(y|s), end step included (a cut sample: -log P(starts with y)).\n"
      "chain_rule : numpy.ndarray, float64\n"
      "    sum over the draws of H(p(.|s y_<t)).\n"
      "lengths : numpy.ndarray, int64\n"
      "    len(continuation).\n"
      "cut : numpy.ndarray, bool\n"
      "    Whether the sample was cut at max_length (no end step).\n")
      .def_ro("continuations", &monte_carlo_samples_py::continuations)
      .def_ro("energies", &monte_carlo_samples_py::energies, nb::rv_policy::automatic)
      .def_ro("chain_rule", &monte_carlo_samples_py::chain_rule, nb::rv_policy::automatic)
      .def_ro("lengths", &monte_carlo_samples_py::lengths, nb::rv_policy::automatic)
      .def_ro("cut", &monte_carlo_samples_py::cut, nb::rv_policy::automatic)
      .def("__len__", [](const monte_carlo_samples_py& s) { return s.continuations.size(); });

  nb::class_<monte_carlo_py>(lm, "MonteCarloEntropy",
                             "Monte Carlo estimates of S_L(s) (Yang, arXiv 2407.21092, §4).\n"
                             "\n"
                             "Attributes\n"
                             "----------\n"
                             "chain_rule : EntropyEstimate\n"
                             "    Mean of the chain-rule sums (lower variance).\n"
                             "direct : EntropyEstimate\n"
                             "    Mean of -log P(y|s).\n"
                             "samples : MonteCarloSamples or None\n"
                             "    When record_samples was True.\n"
                             "rounds : int\n"
                             "    Rounds of `batch` samples run.\n"
                             "drawn : int\n"
                             "    Samples drawn (< samples when the stopping rule fired).\n")
      .def_ro("chain_rule", &monte_carlo_py::chain_rule)
      .def_ro("direct", &monte_carlo_py::direct)
      .def_ro("samples", &monte_carlo_py::samples)
      .def_ro("rounds", &monte_carlo_py::rounds)
      .def_ro("drawn", &monte_carlo_py::drawn)
      .def("__repr__", [](const monte_carlo_py& r) {
        return "MonteCarloEntropy(chain_rule=" + std::to_string(r.chain_rule.entropy) + " +- " +
               std::to_string(r.chain_rule.standard_error) + ", direct=" + std::to_string(r.direct.entropy) +
               " +- " + std::to_string(r.direct.standard_error) + ", drawn=" + std::to_string(r.drawn) + ")";
      });

  nb::class_<continuation_distribution_py>(lm, "ContinuationDistribution",
                                           "P_L(s'|s) of every continuation within the enumeration limits\n"
                                           "(depth-first, lexicographic order), plus the mass left out.\n"
                                           "\n"
                                           "Attributes\n"
                                           "----------\n"
                                           "continuations : list[list[int]]\n"
                                           "probabilities : numpy.ndarray, float64\n"
                                           "truncated_mass : float\n")
      .def_ro("continuations", &continuation_distribution_py::continuations)
      .def_ro("probabilities", &continuation_distribution_py::probabilities, nb::rv_policy::automatic)
      .def_ro("truncated_mass", &continuation_distribution_py::truncated_mass);

  nb::class_<zero_point>(lm, "ZeroPoint",
                         "A prompt with S_L(s) < eps (Yang, arXiv 2407.21092, §4: zero points).\n"
                         "\n"
                         "Attributes\n"
                         "----------\n"
                         "prompt_index : int\n"
                         "estimate : EntropyEstimate\n"
                         "    The enumeration (a lower bound: check estimate.truncated_mass).\n"
                         "exact_zero : bool\n"
                         "    S_L(s) == 0 with nothing truncated: one continuation has probability 1.\n")
      .def_ro("prompt_index", &zero_point::prompt_index)
      .def_ro("estimate", &zero_point::estimate)
      .def_ro("exact_zero", &zero_point::exact_zero);

  nb::class_<moduli_distance_result>(
      lm, "ModuliDistance",
      "d(P_A(.|s), P_B(.|s)) on full continuations, or its supremum over a\n"
      "prompt set (Yang, arXiv 2407.21092, §3).\n"
      "\n"
      "Attributes\n"
      "----------\n"
      "distance : float\n"
      "    A lower bound on the true distance when anything is truncated (except l2).\n"
      "prompt_index : int\n"
      "    Where the supremum is attained.\n"
      "truncated_mass : float\n"
      "    The largest truncated mass of either model over the set.\n")
      .def_ro("distance", &moduli_distance_result::distance)
      .def_ro("prompt_index", &moduli_distance_result::prompt_index)
      .def_ro("truncated_mass", &moduli_distance_result::truncated_mass);

  nb::class_<ensemble_state_py>(lm, "EnsembleThermodynamics",
                                "Z, U, F, S, C of a finite sentence ensemble at temperature T (Yang, arXiv\n"
                                "2407.21092, §5; k_B = 1, nats).\n"
                                "\n"
                                "Attributes\n"
                                "----------\n"
                                "temperature : float\n"
                                "log_partition : float\n"
                                "    log Z(T) = logsumexp(-E / T).\n"
                                "internal_energy : float\n"
                                "    U = E_P[E].\n"
                                "free_energy : float\n"
                                "    F = -T log Z.\n"
                                "entropy : float\n"
                                "    S = (U - F) / T.\n"
                                "heat_capacity : float\n"
                                "    C = Var_P(E) / T**2 = dU/dT.\n")
      .def_ro("temperature", &ensemble_state_py::temperature)
      .def_prop_ro("log_partition", [](const ensemble_state_py& s) { return s.state.log_partition; })
      .def_prop_ro("internal_energy", [](const ensemble_state_py& s) { return s.state.internal_energy; })
      .def_prop_ro("free_energy", [](const ensemble_state_py& s) { return s.state.free_energy; })
      .def_prop_ro("entropy", [](const ensemble_state_py& s) { return s.state.entropy; })
      .def_prop_ro("heat_capacity", [](const ensemble_state_py& s) { return s.state.heat_capacity; })
      .def(
          "as_dict",
          [](const ensemble_state_py& s) {
            nb::dict d;
            d["temperature"] = s.temperature;
            d["log_partition"] = s.state.log_partition;
            d["internal_energy"] = s.state.internal_energy;
            d["free_energy"] = s.state.free_energy;
            d["entropy"] = s.state.entropy;
            d["heat_capacity"] = s.state.heat_capacity;
            return d;
          },
          "The six attributes as a dict.");

  lm.def(
      "next_log_probabilities",
      [](const any_model& model, const sentence& prefix) {
        auto out = visit_model(model, "next_log_probabilities", "model", [&](const auto& mm) {
          check_sentence(mm.vocab(), prefix, "next_log_probabilities", "prefix");
          return next_log_probabilities(mm, prefix);
        });
        const std::size_t n = out.size();
        return to_numpy(std::move(out), {n});
      },
      "model"_a, "prefix"_a,
      "log p(w | prefix) for every w in W ∪ {∅} (Yang, arXiv 2407.21092, §2), float64 (vocab_size,).");

  lm.def(
      "continuation_log_probability",
      [](const any_model& model, const sentence& prompt, const sentence& continuation) {
        return visit_model(model, "continuation_log_probability", "model", [&](const auto& mm) {
          return continuation_log_probability(mm, prompt, continuation);
        });
      },
      "model"_a, "prompt"_a, "continuation"_a,
      "log P_L(continuation | prompt) under the CLM a PLM induces, end step included (Yang, arXiv\n"
      "2407.21092, §2): sum_i log p(w_i | s w_<i) + log p(∅ | s w).");

  lm.def(
      "entropy_function",
      [](const any_model& model, const sentence& prompt, std::size_t max_length, double min_mass,
         std::size_t max_nodes) {
        const auto limits = make_limits(max_length, min_mass, max_nodes);
        return visit_model(model, "entropy_function", "model",
                           [&](const auto& mm) { return entropy_function(mm, prompt, limits); });
      },
      "model"_a, "prompt"_a, nb::kw_only(), "max_length"_a = 16, "min_mass"_a = 0.0,
      "max_nodes"_a = 2'000'000,
      "S_L(s) = -sum P_L(s'|s) log P_L(s'|s) over full continuations (Yang, arXiv 2407.21092, §4), by\n"
      "enumerating the prefix tree (chain rule, end step included).\n"
      "\n"
      "Parameters\n"
      "----------\n" INFOSCALE_LM_MODEL_ARG "prompt : list[int]\n" INFOSCALE_LM_LIMITS_ARGS
      "\n"
      "Returns\n"
      "-------\n"
      "EntropyEstimate\n"
      "    A lower bound on S_L(s), exact when truncated_mass == 0.\n");

  lm.def(
      "entropy_function_monte_carlo",
      [](const any_model& model, const sentence& prompt, std::size_t samples, std::size_t max_length,
         std::uint64_t seed, std::uint64_t stream, std::size_t batch, double target_standard_error,
         std::size_t min_samples, bool record_samples) {
        monte_carlo_options o;
        o.samples = samples;
        o.max_length = max_length;
        o.seed = seed;
        o.stream = stream;
        o.batch = batch;
        o.target_standard_error = target_standard_error;
        o.min_samples = min_samples;
        o.record_samples = record_samples;
        auto r = visit_model(model, "entropy_function_monte_carlo", "model",
                             [&](const auto& mm) { return monte_carlo_entropy_function(mm, prompt, o); });
        monte_carlo_py out;
        out.chain_rule = r.chain_rule;
        out.direct = r.direct;
        out.rounds = r.rounds;
        out.drawn = r.drawn;
        if (record_samples) {
          monte_carlo_samples_py s;
          std::vector<double> energy, chain;
          std::vector<std::int64_t> lengths;
          std::vector<std::uint8_t> cut;
          for (auto& x : r.samples) {
            energy.push_back(x.energy);
            chain.push_back(x.chain_rule);
            lengths.push_back(static_cast<std::int64_t>(x.continuation.size()));
            cut.push_back(x.cut ? 1 : 0);
            s.continuations.push_back(std::move(x.continuation));
          }
          const std::size_t n = energy.size();
          s.energies = to_numpy(std::move(energy), {n});
          s.chain_rule = to_numpy(std::move(chain), {n});
          s.lengths = int64_array(std::move(lengths), {n});
          s.cut = bool_array(std::move(cut));
          out.samples = std::move(s);
        }
        return out;
      },
      "model"_a, "prompt"_a, nb::kw_only(), "samples"_a = 1000, "max_length"_a = 256, "seed"_a = 0,
      "stream"_a = 0, "batch"_a = 64, "target_standard_error"_a = 0.0, "min_samples"_a = 128,
      "record_samples"_a = false, monte_carlo_doc);

  lm.def(
      "continuation_distribution",
      [](const any_model& model, const sentence& prompt, std::size_t max_length, double min_mass,
         std::size_t max_nodes) {
        const auto limits = make_limits(max_length, min_mass, max_nodes);
        auto d = visit_model(model, "continuation_distribution", "model",
                             [&](const auto& mm) { return continuation_distribution(mm, prompt, limits); });
        continuation_distribution_py out;
        std::vector<double> p;
        for (auto& a : d.atoms) {
          out.continuations.push_back(std::move(a.continuation));
          p.push_back(a.probability);
        }
        const std::size_t n = p.size();
        out.probabilities = to_numpy(std::move(p), {n});
        out.truncated_mass = d.truncated_mass;
        return out;
      },
      "model"_a, "prompt"_a, nb::kw_only(), "max_length"_a = 16, "min_mass"_a = 0.0,
      "max_nodes"_a = 2'000'000,
      "Every continuation with at most max_length words and its probability P_L(s'|s) (Yang, arXiv\n"
      "2407.21092, §2), plus the mass left out.\n"
      "\n"
      "Parameters\n"
      "----------\n" INFOSCALE_LM_MODEL_ARG "prompt : list[int]\n" INFOSCALE_LM_LIMITS_ARGS
      "\n"
      "Returns\n"
      "-------\n"
      "ContinuationDistribution\n");

  lm.def(
      "zero_points",
      [](const any_model& model, const std::vector<sentence>& prompts, double eps, std::size_t max_length,
         double min_mass, std::size_t max_nodes) {
        const auto limits = make_limits(max_length, min_mass, max_nodes);
        return visit_model(model, "zero_points", "model",
                           [&](const auto& mm) { return zero_points(mm, prompts, eps, limits); });
      },
      "model"_a, "prompts"_a, "eps"_a, nb::kw_only(), "max_length"_a = 16, "min_mass"_a = 0.0,
      "max_nodes"_a = 2'000'000,
      "The prompts with S_L(s) < eps by exact enumeration: zero and near-zero points (Yang, arXiv\n"
      "2407.21092, §4; a zero point has S_L(s) = 0).\n"
      "\n"
      "Parameters\n"
      "----------\n" INFOSCALE_LM_MODEL_ARG
      "prompts : list[list[int]]\n"
      "    Non-empty.\n"
      "eps : float\n"
      "    > 0.\n" INFOSCALE_LM_LIMITS_ARGS
      "\n"
      "Returns\n"
      "-------\n"
      "list[ZeroPoint]\n");

  lm.def(
      "moduli_distance",
      [](const any_model& a, const any_model& b, const std::variant<std::vector<sentence>, sentence>& prompts,
         const std::string& metric, std::size_t max_length, double min_mass, std::size_t max_nodes) {
        const auto limits = make_limits(max_length, min_mass, max_nodes);
        const metric_kind kind = parse_metric(metric, "moduli_distance");
        return visit_models(a, b, "moduli_distance", [&](const auto& ma, const auto& mb) {
          return visit_metric(kind, [&](auto d) {
            if (const auto* one = std::get_if<sentence>(&prompts))
              return moduli_distance(ma, mb, std::span<const token>(*one), d, limits);
            return moduli_distance(
                ma, mb, std::span<const sentence>(std::get<std::vector<sentence>>(prompts)), d, limits);
          });
        });
      },
      "a"_a, "b"_a, "prompts"_a, "metric"_a = "total_variation", nb::kw_only(), "max_length"_a = 16,
      "min_mass"_a = 0.0, "max_nodes"_a = 2'000'000,
      "The distance of two models on the moduli space of continuation laws (Yang, arXiv 2407.21092,\n"
      "§3): d(P_A(.|s), P_B(.|s)) on full continuations, or its supremum over a prompt set.\n"
      "\n"
      "Parameters\n"
      "----------\n"
      "a, b : TableLM, NgramLM, CallbackLM or BatchedCallbackLM\n"
      "    Same vocabulary.\n"
      "prompts : list[int] or list[list[int]]\n"
      "    One prompt, or a non-empty prompt set (pass [[]] for the single empty prompt; [] is an\n"
      "    empty set and raises).\n"
      "metric : {'total_variation', 'hellinger', 'js_distance', 'l2', 'fisher_rao'}\n"
      "    Default 'total_variation'. Continuations beyond the limits form one truncated atom per\n"
      "    model, so the distance is a lower bound (except l2), exact when nothing is "
      "truncated.\n" INFOSCALE_LM_LIMITS_ARGS
      "\n"
      "Returns\n"
      "-------\n"
      "ModuliDistance\n");

  lm.def(
      "next_token_distance",
      [](const any_model& a, const any_model& b, const sentence& prefix, const std::string& metric) {
        const metric_kind kind = parse_metric(metric, "next_token_distance");
        return visit_models(a, b, "next_token_distance", [&](const auto& ma, const auto& mb) {
          check_sentence(ma.vocab(), prefix, "next_token_distance", "prefix");
          return visit_metric(kind, [&](auto d) { return next_token_distance(ma, mb, prefix, d); });
        });
      },
      "a"_a, "b"_a, "prefix"_a, "metric"_a = "total_variation",
      "The distance between the next-token laws p_A(.|prefix) and p_B(.|prefix) (Yang, arXiv\n"
      "2407.21092, §3), metric as in moduli_distance.");

  lm.def(
      "distribution_distance",
      [](const array_in& p, const array_in& q, const std::string& metric) {
        constexpr std::string_view function = "distribution_distance";
        const metric_kind kind = parse_metric(metric, function);
        const auto pv = to_doubles(p, function, "p");
        const auto qv = to_doubles(q, function, "q");
        if (pv.empty()) detail::raise(function, "p", "is empty");
        if (pv.size() != qv.size())
          detail::raise(function, "q",
                        "has " + std::to_string(qv.size()) + " entries, p has " + std::to_string(pv.size()));
        for (const auto* v : {&pv, &qv}) {
          const char* name = v == &pv ? "p" : "q";
          compensated_sum total;
          for (const double x : *v) {
            if (!std::isfinite(x) || x < 0.0)
              detail::raise(function, name, "has an entry that is negative or not finite");
            total += x;
          }
          if (std::abs(total.value() - 1.0) > 1e-6)
            detail::raise(function, name, "is not normalised: sums to " + std::to_string(total.value()));
        }
        return visit_metric(
            kind, [&](auto d) { return d(std::span<const double>(pv), std::span<const double>(qv)); });
      },
      "p"_a, "q"_a, "metric"_a = "total_variation",
      "The distance between two aligned probability vectors (Yang, arXiv 2407.21092, §3: the metric\n"
      "policy of the moduli space).\n"
      "\n"
      "Parameters\n"
      "----------\n"
      "p, q : array_like, shape (n,)\n"
      "    Non-negative, each summing to 1 within 1e-6.\n"
      "metric : {'total_variation', 'hellinger', 'js_distance', 'l2', 'fisher_rao'}\n"
      "    total_variation = sum|p - q|/2; hellinger = sqrt(sum (sqrt p - sqrt q)^2 / 2);\n"
      "    js_distance = sqrt(JS divergence, nats); l2 = |p - q|_2; fisher_rao = 2 arccos(sum sqrt(p q)).\n"
      "\n"
      "Returns\n"
      "-------\n"
      "float\n");

  lm.def(
      "ensemble_thermodynamics",
      [](const array_in& energies, double temperature) {
        const auto e = to_doubles(energies, "ensemble_thermodynamics", "energies");
        ensemble_state_py out;
        out.temperature = temperature;
        out.state = ensemble_thermodynamics(e, temperature);
        return out;
      },
      "energies"_a, "temperature"_a = 1.0,
      "Z, U, F, S, C of the finite ensemble with the given energies at temperature T (Yang, arXiv\n"
      "2407.21092, §5: microstates are continuations with E = -log P_L(s'|s)).\n"
      "\n"
      "Parameters\n"
      "----------\n"
      "energies : array_like, shape (n,)\n"
      "    Finite, n >= 1 (e.g. MonteCarloSamples.energies of the distinct sampled continuations).\n"
      "temperature : float, default 1.0\n"
      "    T > 0.\n"
      "\n"
      "Returns\n"
      "-------\n"
      "EnsembleThermodynamics\n"
      "\n"
      "Raises\n"
      "------\n"
      "infoscale.Error\n"
      "    On an empty or non-finite energy list, or T <= 0.\n");

  lm.def(
      "uniforms",
      [](std::uint64_t seed, std::uint64_t stream, nb::handle counters) {
        const nb::object np = nb::module_::import_("numpy");
        const nb::object c = np.attr("ravel")(np.attr("asarray")(counters, "dtype"_a = np.attr("uint64")));
        const auto a = nb::cast<nb::ndarray<const std::uint64_t, nb::ndim<1>, nb::c_contig>>(c);
        const random_stream rng(seed, stream);
        std::vector<double> out(a.shape(0));
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = rng.uniform(a.data()[i]);
        const std::size_t n = out.size();
        return to_numpy(std::move(out), {n});
      },
      "seed"_a, "stream"_a, "counters"_a,
      nb::sig("def uniforms(seed: int, stream: int, counters: int | Sequence[int] | "
              "NDArray[numpy.uint64]) -> NDArray[numpy.float64]"),
      "The library's counter-based uniforms on (0, 1): random_stream(seed, stream).uniform(c) for each\n"
      "counter c (Philox4x32-10). Draw t of Monte Carlo sample i of entropy_function_monte_carlo is\n"
      "uniforms(seed, stream, [i * (max_length + 1) + t]), so Python code can reproduce its draws.\n"
      "\n"
      "Returns\n"
      "-------\n"
      "numpy.ndarray of float64, one entry per counter.\n");
}

}  // namespace infoscale::python

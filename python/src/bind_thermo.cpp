// thermo/: the canonical ensemble of next-token distributions (Yang, arXiv 2407.21092, §5).
#include <nanobind/stl/vector.h>

#include <vector>

#include "bindings.hpp"
#include "infoscale/thermo/ensemble.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

/// Thermodynamic functions as numpy arrays, one entry per row (and per temperature for a scan).
struct thermodynamics_arrays {
  nb::object temperature;
  array_out log_partition, internal_energy, free_energy, entropy, heat_capacity;
};

/// Lays `states` (t-major: states[t][row]) out as five arrays of shape `shape`.
thermodynamics_arrays to_arrays(const std::vector<std::vector<thermodynamic_state>>& states,
                                std::initializer_list<std::size_t> shape) {
  std::vector<double> log_z, u, f, s, c;
  for (const auto& at_t : states) {
    for (const auto& st : at_t) {
      log_z.push_back(st.log_partition);
      u.push_back(st.internal_energy);
      f.push_back(st.free_energy);
      s.push_back(st.entropy);
      c.push_back(st.heat_capacity);
    }
  }
  thermodynamics_arrays out;
  out.log_partition = to_numpy(std::move(log_z), shape);
  out.internal_energy = to_numpy(std::move(u), shape);
  out.free_energy = to_numpy(std::move(f), shape);
  out.entropy = to_numpy(std::move(s), shape);
  out.heat_capacity = to_numpy(std::move(c), shape);
  return out;
}

template <class Compute>
std::vector<std::vector<thermodynamic_state>> compute_states(const matrix_input& in,
                                                             const std::string& policy, const char* function,
                                                             Compute compute) {
  nb::gil_scoped_release release;
  return visit_policy(policy, function, [&](auto pol) {
    return visit_dtype(in, "logits", [&](auto view) { return compute(pol, view); });
  });
}

constexpr const char* class_doc =
    "Thermodynamic functions of next-token distributions (energies E_i = -logit_i, k_B = 1, nats).\n"
    "\n"
    "Attributes\n"
    "----------\n"
    "temperature : float or numpy.ndarray\n"
    "    T (a float from thermodynamics, the array of temperatures from temperature_scan).\n"
    "log_partition : numpy.ndarray\n"
    "    log Z(T) = logsumexp(logits / T).\n"
    "internal_energy : numpy.ndarray\n"
    "    U(T) = E_p[E] = -sum p_i logit_i.\n"
    "free_energy : numpy.ndarray\n"
    "    F(T) = -T log Z(T).\n"
    "entropy : numpy.ndarray\n"
    "    S(T) = (U - F) / T = -sum p log p.\n"
    "heat_capacity : numpy.ndarray\n"
    "    C(T) = Var_p(E) / T**2.\n"
    "\n"
    "Each array has shape (rows,) from thermodynamics ( () for a 1-D input) and\n"
    "(temperatures, rows) from temperature_scan ((temperatures,) for a 1-D input).\n";

constexpr const char* thermodynamics_doc =
    "Z, U, F, S and C of every row of softmax(logits / T), in one pass over the logits.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "logits : array_like (numpy array, torch CPU tensor, any DLPack producer)\n"
    "    Shape (rows, vocabulary) or (vocabulary,); float16, bfloat16, float32 or float64, read in\n"
    "    place whatever the strides.\n"
    "temperature : float, default 1.0\n"
    "    T > 0; T = 1 is the model's own distribution.\n"
    "policy : {'par', 'seq'}, default 'par'\n"
    "precision : {'exact', 'fast'}, default 'exact'\n"
    "    'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "Thermodynamics\n"
    "    Arrays of shape (rows,) (0-d for a 1-D input).\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On T <= 0, NaN/Inf logits, an empty axis, or an array that is not 1-D or 2-D.\n";

constexpr const char* scan_doc =
    "Thermodynamics at each of several temperatures (a heat-capacity curve, for instance).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    "logits : array_like\n"
    "    Shape (rows, vocabulary) or (vocabulary,).\n"
    "temperatures : sequence of float\n"
    "    Non-empty, every T > 0.\n"
    "policy : {'par', 'seq'}, default 'par'\n"
    "precision : {'exact', 'fast'}, default 'exact'\n"
    "    'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.\n"
    "\n"
    "Returns\n"
    "-------\n"
    "Thermodynamics\n"
    "    Arrays of shape (len(temperatures), rows) ((len(temperatures),) for a 1-D input);\n"
    "    ``temperature`` is the array of temperatures.\n"
    "\n"
    "Raises\n"
    "------\n"
    "ValueError\n"
    "    On an empty list, a T <= 0, or invalid logits.\n";

#define INFOSCALE_THERMO_SCALAR_DOC(what)                                     \
  what "\n"                                                                   \
       "\n"                                                                   \
       "Parameters\n"                                                         \
       "----------\n"                                                         \
       "logits : array_like\n"                                                \
       "    Shape (rows, vocabulary) or (vocabulary,).\n"                     \
       "temperature : float, default 1.0\n"                                   \
       "    T > 0.\n"                                                         \
       "policy : {'par', 'seq'}, default 'par'\n"                             \
       "precision : {'exact', 'fast'}, default 'exact'\n"                     \
       "\n"                                                                   \
       "Returns\n"                                                            \
       "-------\n"                                                            \
       "numpy.ndarray of float64, shape (rows,), or float for a 1-D input.\n" \
       "\n"                                                                   \
       "Raises\n"                                                             \
       "------\n"                                                             \
       "ValueError\n"                                                         \
       "    On T <= 0 or invalid logits.\n"

}  // namespace

void bind_thermo(nb::module_& m) {
  nb::class_<thermodynamics_arrays>(m, "Thermodynamics", class_doc)
      .def_prop_ro(
          "temperature", [](const thermodynamics_arrays& t) { return t.temperature; },
          nb::for_getter(nb::sig("def temperature(self, /) -> float | NDArray[numpy.float64]")))
      .def_prop_ro(
          "log_partition", [](const thermodynamics_arrays& t) { return t.log_partition; },
          nb::rv_policy::automatic)
      .def_prop_ro(
          "internal_energy", [](const thermodynamics_arrays& t) { return t.internal_energy; },
          nb::rv_policy::automatic)
      .def_prop_ro(
          "free_energy", [](const thermodynamics_arrays& t) { return t.free_energy; },
          nb::rv_policy::automatic)
      .def_prop_ro(
          "entropy", [](const thermodynamics_arrays& t) { return t.entropy; }, nb::rv_policy::automatic)
      .def_prop_ro(
          "heat_capacity", [](const thermodynamics_arrays& t) { return t.heat_capacity; },
          nb::rv_policy::automatic)
      .def(
          "as_dict",
          [](const thermodynamics_arrays& t) {
            nb::dict d;
            d["temperature"] = t.temperature;
            d["log_partition"] = t.log_partition;
            d["internal_energy"] = t.internal_energy;
            d["free_energy"] = t.free_energy;
            d["entropy"] = t.entropy;
            d["heat_capacity"] = t.heat_capacity;
            return d;
          },
          "The six attributes as a dict (e.g. for pandas.DataFrame).")
      .def("__repr__", [](const thermodynamics_arrays& t) {
        return "Thermodynamics(temperature=" + nb::cast<std::string>(nb::repr(t.temperature)) +
               ", shape=" + nb::cast<std::string>(nb::repr(nb::cast(t.entropy).attr("shape"))) + ")";
      });

  m.def(
      "thermodynamics",
      [](const array_in& logits, double temperature, const std::string& policy,
         const std::string& precision) {
        const matrix_input in = as_matrix(logits, "thermodynamics", "logits");
        const logits_precision mode = parse_logits_precision(precision, "thermodynamics");
        std::vector<std::vector<thermodynamic_state>> states(1);
        states[0] = compute_states(in, policy, "thermodynamics", [&](auto pol, auto view) {
                      return std::vector<std::vector<thermodynamic_state>>{
                          thermodynamics(pol, view, temperature, mode)};
                    }).front();
        thermodynamics_arrays out = in.is_vector ? to_arrays(states, {}) : to_arrays(states, {in.shape[0]});
        out.temperature = nb::float_(temperature);
        return out;
      },
      "logits"_a, "temperature"_a = 1.0, nb::kw_only(), "policy"_a = "par", "precision"_a = "exact",
      thermodynamics_doc);

  m.def(
      "temperature_scan",
      [](const array_in& logits, const std::vector<double>& temperatures, const std::string& policy,
         const std::string& precision) {
        const matrix_input in = as_matrix(logits, "temperature_scan", "logits");
        const logits_precision mode = parse_logits_precision(precision, "temperature_scan");
        const auto states = compute_states(in, policy, "temperature_scan", [&](auto pol, auto view) {
          return temperature_scan(pol, view, std::span<const double>(temperatures), mode);
        });
        const std::size_t n = temperatures.size();
        thermodynamics_arrays out =
            in.is_vector ? to_arrays(states, {n}) : to_arrays(states, {n, in.shape[0]});
        out.temperature = to_numpy(std::vector<double>(temperatures), {n}).cast();
        return out;
      },
      "logits"_a, "temperatures"_a, nb::kw_only(), "policy"_a = "par", "precision"_a = "exact", scan_doc);

#define INFOSCALE_BIND_THERMO_SCALAR(fn, doc)                                                              \
  m.def(                                                                                                   \
      #fn,                                                                                                 \
      [](const array_in& logits, double temperature, const std::string& policy,                            \
         const std::string& precision) -> rows_result {                                                    \
        const matrix_input in = as_matrix(logits, #fn, "logits");                                          \
        const logits_precision mode = parse_logits_precision(precision, #fn);                              \
        std::vector<double> out;                                                                           \
        {                                                                                                  \
          nb::gil_scoped_release release;                                                                  \
          out = visit_policy(policy, #fn, [&](auto pol) {                                                  \
            return visit_dtype(in, "logits", [&](auto view) { return fn(pol, view, temperature, mode); }); \
          });                                                                                              \
        }                                                                                                  \
        return to_rows_result(std::move(out), in.is_vector);                                               \
      },                                                                                                   \
      "logits"_a, "temperature"_a = 1.0, nb::kw_only(), "policy"_a = "par", "precision"_a = "exact", doc)

  INFOSCALE_BIND_THERMO_SCALAR(log_partition,
                               INFOSCALE_THERMO_SCALAR_DOC("log Z(T) = logsumexp(logits / T) of each row."));
  INFOSCALE_BIND_THERMO_SCALAR(
      free_energy, INFOSCALE_THERMO_SCALAR_DOC("Helmholtz free energy F(T) = -T log Z(T) of each row."));
  INFOSCALE_BIND_THERMO_SCALAR(
      heat_capacity, INFOSCALE_THERMO_SCALAR_DOC("Heat capacity C(T) = Var_p(E) / T**2 of each row."));
#undef INFOSCALE_BIND_THERMO_SCALAR
}

}  // namespace infoscale::python

// The Python module infoscale._core (re-exported by the package infoscale).
//
// Every row-wise function borrows its inputs (numpy arrays, torch CPU tensors, any DLPack
// producer) without a copy, runs with the GIL released under the policy named by `policy`
// ('par': OpenMP threads over rows; 'seq'), and returns float64 numpy arrays.
// Submodules: infoscale.entropic (bind_models.cpp), infoscale.layers (bind_layers.cpp) and
// infoscale.hvib (bind_hvib.cpp), infoscale.lm (bind_lm.cpp) and infoscale.manifold (bind_manifold.cpp).
#include <exception>
#include <new>

#include "bindings.hpp"

namespace nb = nanobind;

NB_MODULE(_core, m) {
  m.doc() =
      "infoscale: information theory and thermodynamics of language-model outputs.\n"
      "\n"
      "Row-wise functions take probability rows or logits of shape (rows, categories) (a 1-D array\n"
      "is one row and gives a float), in float16, bfloat16, float32 or float64, from numpy, torch\n"
      "(CPU) or any DLPack producer, and read them in place whatever their strides. Results are in\n"
      "nats unless named otherwise. Invalid input raises infoscale.Error, a ValueError whose message\n"
      "names the function, the argument and the problem.";

  // infoscale::error is an std::invalid_argument; it becomes infoscale.Error (a ValueError
  // subclass), with the C++ message unchanged.
  nb::exception<infoscale::error>(m, "Error", PyExc_ValueError);
  // A size the caller chose (hidden units, samples, bins, a huge array) that memory cannot hold:
  // MemoryError with a hint, instead of the bare "std::bad_alloc". Sizes that can be bounded by the
  // input are checked up front with the argument named (e.g. probe options.hidden).
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError,
                      "infoscale: out of memory (std::bad_alloc): a size argument (hidden, samples, bins, "
                      "resamples, max_iterations) or the input's shape asks for more memory than is free");
    }
  });

  infoscale::python::bind_info(m);
  infoscale::python::bind_thermo(m);
  infoscale::python::bind_models(m);
  infoscale::python::bind_layers(m);
  infoscale::python::bind_distributed(m);  // into infoscale.layers: after the LayerReport it returns
  infoscale::python::bind_hvib(m);
  infoscale::python::bind_lm(m);
  infoscale::python::bind_manifold(m);
  infoscale::python::bind_claims(m);
  infoscale::python::bind_svg(m);
}

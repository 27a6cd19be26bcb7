// The submodule infoscale.layers: layer-boundary analysis of the multi-scale paper (layers/).
// Each area is bound in its own file; this one creates the submodule and calls them.
#include "bindings.hpp"

namespace infoscale::python {

void bind_cka(nb::module_& m);
void bind_attention(nb::module_& m);
void bind_probes(nb::module_& m);
void bind_boundaries(nb::module_& m);
void bind_interventions(nb::module_& m);
void bind_behaviour(nb::module_& m);
void bind_layer_report(nb::module_& m);
void bind_study(nb::module_& m);

void bind_layers(nb::module_& m) {
  nb::module_ layers = m.def_submodule(
      "layers",
      "Layer-boundary analysis (multi-scale paper §4.1-4.3): linear/RBF/debiased CKA and S1 = 1/CKA,\n"
      "attention drift S3, probes and S2, fusion into E(l), scipy-exact peaks, percentile/BCa\n"
      "bootstrap over sequences, detect_boundaries, noise interventions, Fisher traces and\n"
      "behavioural metrics. Activations are read in place (numpy, torch CPU, any DLPack producer;\n"
      "float16/bfloat16/float32/float64, any strides) with the GIL released. The pipeline of\n"
      "`infoscale layers` on whole arrays or layer by layer is infoscale.analyse_layers /\n"
      "infoscale.LayerAnalysis.");
  // Order matters for nanobind's signatures: classes used as arguments are bound first.
  bind_boundaries(layers);
  bind_cka(layers);
  bind_attention(layers);
  bind_probes(layers);
  bind_interventions(layers);
  bind_behaviour(layers);
  bind_layer_report(layers);
  bind_study(layers);
}

}  // namespace infoscale::python

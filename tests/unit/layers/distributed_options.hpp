#pragma once
// The layer options the distributed-state tests analyse their small corpora with: few resamples,
// ridge probes on 3 folds, every peak kept.

#include <infoscale/layers/layer_analysis.hpp>

namespace infoscale::testing {

inline layer_options distributed_test_options() {
  layer_options o;
  o.resamples = 20;
  o.probe = probe_kind::ridge;
  o.folds = 3;
  o.min_prominence = 0.0;
  return o;
}

}  // namespace infoscale::testing

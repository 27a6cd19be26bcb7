#pragma once
// thermo/: the token-level and the sentence-level canonical ensembles (TD §5); the softmax-moments
// monoid they read logits with is core/softmax_moments.hpp.
#include "infoscale/thermo/ensemble.hpp"
#include "infoscale/thermo/sentence_ensemble.hpp"

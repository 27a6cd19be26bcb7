#pragma once
// thermo/: the softmax-moments monoid, the token-level and the sentence-level canonical ensembles.
#include "infoscale/thermo/ensemble.hpp"
#include "infoscale/thermo/sentence_ensemble.hpp"
#include "infoscale/thermo/softmax_moments.hpp"

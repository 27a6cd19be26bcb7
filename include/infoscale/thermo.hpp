#pragma once
// thermo/: the softmax-moments monoid and the token-level canonical ensemble.
#include "infoscale/thermo/ensemble.hpp"
#include "infoscale/thermo/softmax_moments.hpp"

#pragma once
// info/: entropy, cross-entropy, KL, JS, total variation, Rényi entropy, mutual-information estimators.
#include "infoscale/info/logits.hpp"
#include "infoscale/info/mutual_information.hpp"
#include "infoscale/info/probabilities.hpp"

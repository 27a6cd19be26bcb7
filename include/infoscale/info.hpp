#pragma once
// info/: entropy, cross-entropy, KL, JS, total variation and Rényi entropy.
#include "infoscale/info/logits.hpp"
#include "infoscale/info/probabilities.hpp"

#pragma once
// lm/: language models as conditional distributions (Yang, arXiv 2407.21092): sentences, the CLM and
// PLM concepts, finite models (tables, n-grams, host callbacks), the entropy function and its zero
// points, and metrics on the moduli space of distributions.
#include "infoscale/lm/callback_lm.hpp"
#include "infoscale/lm/concepts.hpp"
#include "infoscale/lm/entropy_function.hpp"
#include "infoscale/lm/moduli_metric.hpp"
#include "infoscale/lm/ngram_lm.hpp"
#include "infoscale/lm/sentence.hpp"
#include "infoscale/lm/table_lm.hpp"

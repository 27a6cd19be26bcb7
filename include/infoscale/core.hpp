#pragma once
// core/: errors, argument checks, numeric primitives (log-sum-exp, the softmax-moments monoid,
// the elementwise entropy terms), views over foreign memory, random streams.
#include "infoscale/core/check.hpp"
#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/config.hpp"
#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/core/eigen_view.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/log_sum_exp.hpp"
#include "infoscale/core/random.hpp"
#include "infoscale/core/softmax_moments.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/core/xtensor_view.hpp"

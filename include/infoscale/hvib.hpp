#pragma once
// hvib/: the hierarchical variational information bottleneck of MS (mspgt-hvib §3.2, Appendix A):
// Gaussian KLs, the G/I/L chain and its ELBO, the variational MI bound, rate-distortion and
// information-bottleneck solvers, channel capacity, Fisher sensitivity, MI-slope kinks, and the MI
// estimators.
#include "infoscale/hvib/gaussian.hpp"
#include "infoscale/hvib/gaussian_kl.hpp"
#include "infoscale/hvib/hierarchical_chain.hpp"
#include "infoscale/hvib/information_bottleneck.hpp"
#include "infoscale/hvib/information_bound.hpp"
#include "infoscale/hvib/mi_slope_kink.hpp"
#include "infoscale/info/mutual_information.hpp"
#include "infoscale/layers/fisher.hpp"  // Fisher sensitivity (MS A.5): one header with layers/

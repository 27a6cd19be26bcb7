#pragma once
// Mutual-information estimators from paired samples: Gaussian (log-det), KSG and binning. Each
// header states its bias and its failure mode in high dimension.
#include "infoscale/info/mutual_information_binning.hpp"
#include "infoscale/info/mutual_information_gaussian.hpp"
#include "infoscale/info/mutual_information_ksg.hpp"

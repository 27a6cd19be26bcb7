#pragma once
// Everything in infoscale but the claims ledger (infoscale/claims.hpp: an application of it all).
#include "infoscale/core.hpp"
#include "infoscale/entropic.hpp"
#include "infoscale/exec.hpp"
#include "infoscale/hvib.hpp"
#include "infoscale/info.hpp"
#include "infoscale/io.hpp"
#include "infoscale/layers.hpp"
#include "infoscale/lm.hpp"
#include "infoscale/manifold.hpp"
#include "infoscale/thermo.hpp"

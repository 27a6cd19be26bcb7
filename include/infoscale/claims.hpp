#pragma once
// The claims ledger: every numbered claim of the three papers, computed and judged (docs/claims.md).
// Not in the umbrella infoscale.hpp: it is an application of every module, ~30 s to compile, that
// code computing the quantities does not need; include this header for it.

#include "infoscale/claims/claim.hpp"
#include "infoscale/claims/entropic_claims.hpp"
#include "infoscale/claims/ledger.hpp"
#include "infoscale/claims/ledger_format.hpp"
#include "infoscale/claims/multiscale_claims.hpp"
#include "infoscale/claims/thermo_claims.hpp"

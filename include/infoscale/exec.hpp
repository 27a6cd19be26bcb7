#pragma once
// exec/: execution policies and the one dispatch point.
#include "infoscale/exec/policy.hpp"
#include "infoscale/exec/reduce_rows.hpp"

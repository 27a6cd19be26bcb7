#pragma once
// Everything in infoscale.
#include "infoscale/core.hpp"
#include "infoscale/exec.hpp"
#include "infoscale/info.hpp"
#include "infoscale/thermo.hpp"

#pragma once
// Moved: the softmax-moments monoid is shared by info/ and thermo/ and lives in core/. This
// forwarding header keeps `#include <infoscale/thermo/softmax_moments.hpp>` working.
#include "infoscale/core/softmax_moments.hpp"

#pragma once
// entropic/: the entropic-scaling framework (Kowalczyk 2025) — compile-time model specs, the level
// map (1), capacity (2) and its inverses, calibration of (1), and every formula (4)-(15).
#include "infoscale/entropic/calibration.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/catalogue.hpp"
#include "infoscale/entropic/distance.hpp"
#include "infoscale/entropic/distillation.hpp"
#include "infoscale/entropic/emergence.hpp"
#include "infoscale/entropic/fine_tuning.hpp"
#include "infoscale/entropic/free_energy.hpp"
#include "infoscale/entropic/level.hpp"
#include "infoscale/entropic/model_spec.hpp"
#include "infoscale/entropic/scaling_law.hpp"
#include "infoscale/entropic/selection.hpp"

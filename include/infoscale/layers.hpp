#pragma once
// layers/: boundary signals (CKA, probes, attention drift), fusion, peaks, bootstrap, boundary
// detection, interventions, cross-model statistics, behavioural metrics and Fisher traces
// (multi-scale paper, §4 and A.5).
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/behaviour.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cka.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/layers/cross_model.hpp"
#include "infoscale/layers/fisher.hpp"
#include "infoscale/layers/fusion.hpp"
#include "infoscale/layers/intervention.hpp"
#include "infoscale/layers/peaks.hpp"
#include "infoscale/layers/pipeline.hpp"
#include "infoscale/layers/probe.hpp"

#pragma once
// layers/: boundary signals (CKA, probes, attention drift), fusion, peaks, bootstrap, boundary
// detection, interventions, cross-model statistics, behavioural metrics and Fisher traces
// (MS §4 and A.5), and the one layer-boundary pipeline over them (layer_analysis, layer_stack,
// layer_dump, layer_report, report_format).
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/behaviour.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cka.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/layers/cross_model.hpp"
#include "infoscale/layers/fisher.hpp"
#include "infoscale/layers/fusion.hpp"
#include "infoscale/layers/information_kinks.hpp"
#include "infoscale/layers/intervention.hpp"
#include "infoscale/layers/layer_analysis.hpp"
#include "infoscale/layers/layer_dump.hpp"
#include "infoscale/layers/layer_report.hpp"
#include "infoscale/layers/layer_stack.hpp"
#include "infoscale/layers/peaks.hpp"
#include "infoscale/layers/pipeline.hpp"
#include "infoscale/layers/probe.hpp"
#include "infoscale/layers/report_format.hpp"
#include "infoscale/layers/report_svg.hpp"
#include "infoscale/layers/study.hpp"
#include "infoscale/layers/study_format.hpp"
#include "infoscale/layers/study_svg.hpp"

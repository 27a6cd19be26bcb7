#pragma once
// A falsifiable prediction's row in a scorecard (MS §3.3.2): what was claimed, what was measured
// and the verdict. Shared by the study (layers/study.hpp) and the interventions
// (layers/intervention_study.hpp).

#include <limits>
#include <optional>
#include <string>

#include "infoscale/layers/bootstrap.hpp"

namespace infoscale {

enum class verdict { holds, fails, not_testable, not_run };

[[nodiscard]] inline const char* name_of(verdict v) {
  switch (v) {
    case verdict::holds:
      return "holds";
    case verdict::fails:
      return "fails";
    case verdict::not_testable:
      return "not testable";
    case verdict::not_run:
      return "not run";
  }
  return "?";
}

struct prediction_result {
  std::string id;     ///< "1.1", "1.2", "2.1", "3.1", "3.2"
  std::string scope;  ///< the family or model it was tested on, or "all"
  std::string claim;
  std::string measured;  ///< what was computed, in words
  double value = std::numeric_limits<double>::quiet_NaN();
  std::optional<confidence_interval> ci;
  verdict outcome = verdict::not_testable;
  std::string note;
};

}  // namespace infoscale

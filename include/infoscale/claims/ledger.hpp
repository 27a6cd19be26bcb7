#pragma once
// The claims ledger: every numbered claim of the three papers, computed by the library (ES, TD, MS
// rows), with the real-model rows read from the study runners' compacted JSON. `infoscale claims`
// and `infoscale.claims()` are front ends over build_ledger / load_ledger_inputs.

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "infoscale/claims/claim.hpp"
#include "infoscale/claims/entropic_claims.hpp"
#include "infoscale/claims/multiscale_claims.hpp"
#include "infoscale/claims/thermo_claims.hpp"
#include "infoscale/core/error.hpp"

namespace infoscale::claims {

/// The real-model measurements the ledger reads; any may be absent (its rows are then not testable).
struct ledger_inputs {
  std::optional<nlohmann::json> ladder;  ///< python -m infoscale.ladder_study
  std::optional<nlohmann::json> thermo;  ///< python -m infoscale.thermo_study, summary.json
  std::optional<nlohmann::json> study;   ///< python -m infoscale.study, claims.json
  std::vector<std::string> sources;      ///< where each came from, for the report
};

/// Parses one input file; a missing file is "absent", a file that does not parse is an error naming it.
inline std::optional<nlohmann::json> read_ledger_input(const std::filesystem::path& path,
                                                       std::string_view argument) {
  if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  if (!in) infoscale::detail::raise("load_ledger_inputs", argument, "cannot open " + path.string());
  auto parsed = nlohmann::json::parse(in, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    infoscale::detail::raise("load_ledger_inputs", argument,
                             path.string() + " is not a JSON object (truncated or corrupt?)");
  return parsed;
}

/// Reads the three inputs from `folder` (ladder.json, thermo.json, study.json), as docs/claims/ holds them.
[[nodiscard]] inline ledger_inputs load_ledger_inputs(const std::filesystem::path& folder) {
  ledger_inputs in;
  const auto take = [&](const char* file, std::optional<nlohmann::json>& slot) {
    const auto path = folder / file;
    slot = read_ledger_input(path, file);
    // The file's name only: the ledger must not depend on where the inputs folder lies.
    in.sources.push_back(std::string(file) + (slot ? "" : " (missing: its rows are not testable)"));
  };
  take("ladder.json", in.ladder);
  take("thermo.json", in.thermo);
  take("study.json", in.study);
  return in;
}

/// Every row, in paper order: ES, TD, MS. A malformed input (a key missing, a wrong type) raises an
/// infoscale::error naming the input rather than writing a partial ledger.
[[nodiscard]] inline ledger build_ledger(const ledger_inputs& in) {
  ledger out;
  out.sources = in.sources;
  const auto part = [&](const char* input, auto&& rows) {
    try {
      auto r = rows();
      out.rows.insert(out.rows.end(), r.begin(), r.end());
    } catch (const nlohmann::json::exception& e) {
      infoscale::detail::raise("build_ledger", input, std::string("is malformed: ") + e.what());
    }
  };
  part("ladder", [&] { return entropic_claims(in.ladder ? &*in.ladder : nullptr); });
  part("thermo", [&] { return thermo_claims(in.thermo ? &*in.thermo : nullptr); });
  part("study", [&] { return multiscale_claims(in.study ? &*in.study : nullptr); });
  return out;
}

}  // namespace infoscale::claims

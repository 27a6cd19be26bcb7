#pragma once
// The ledger as Markdown (docs/claims.md) and JSON. Numbers are already strings with a fixed number
// of significant digits (claim.hpp's num), so the committed files do not move with a machine's last
// bits and CI can compare them byte for byte.

#include <nlohmann/json.hpp>
#include <string>

#include "infoscale/claims/claim.hpp"

namespace infoscale::claims {

namespace detail {
/// A Markdown table cell: pipes escaped, never empty.
inline std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out.empty() ? "-" : out;
}
}  // namespace detail

[[nodiscard]] inline std::string ledger_counts(const ledger& l) {
  std::string s;
  for (const auto v : all_verdicts) {
    if (!s.empty()) s += ", ";
    s += std::to_string(l.count(v)) + " " + std::string(verdict_name(v));
  }
  return s;
}

[[nodiscard]] inline std::string ledger_markdown(const ledger& l) {
  std::string out =
      "# The claims ledger\n\n"
      "<!-- written by `infoscale claims` (include/infoscale/claims/); CI regenerates it and fails on any "
      "difference. Do not edit by hand. -->\n\n"
      "Every numbered equation, table and stated prediction of the three papers (tags as in "
      "[papers.md](papers.md): ES entropic scaling, TD thermodynamics and geometry, MS multi-scale), what "
      "the "
      "library computed for it, the number found and the verdict that number gives. Each verdict comes from "
      "a "
      "comparison in the code that builds its row, and `tests/unit/claims/` checks every row against "
      "independent references. Verdicts: **holds**; **fails** (the computation contradicts it); "
      "**inconsistent** (the paper contradicts itself); **not testable** (the note says why); **depends on a "
      "convention** (the note gives both readings and the library's default).\n\n";
  out += "**" + std::to_string(l.rows.size()) + " rows: " + ledger_counts(l) + ".**\n\n";
  out += "| paper | holds | fails | inconsistent | not testable | convention |\n|---|---|---|---|---|---|\n";
  for (const char* paper : {"ES", "TD", "MS"}) {
    out += std::string("| ") + paper;
    for (const auto v : all_verdicts) out += " | " + std::to_string(l.count(paper, v));
    out += " |\n";
  }
  out += "\nReal-model rows read (from the inputs folder, `docs/claims/` by default):\n\n";
  for (const auto& s : l.sources) out += "- `" + s + "`\n";
  const auto section = [&](const char* paper, const char* title) {
    out += std::string("\n## ") + title +
           "\n\n| place | claim | computed | found | verdict | note |\n"
           "|---|---|---|---|---|---|\n";
    for (const auto& r : l.rows) {
      if (r.paper != paper) continue;
      out += "| " + detail::cell(r.place) + " | " + detail::cell(r.statement) + " | " +
             detail::cell(r.computed) + " | " + detail::cell(r.found) + " | **" +
             std::string(verdict_name(r.outcome)) + "** | " + detail::cell(r.note) + " |\n";
    }
  };
  section("ES", "ES: entropic scaling (Kowalczyk)");
  section("TD", "TD: thermodynamics and geometry (Yang, arXiv 2407.21092; from its summary)");
  section("MS", "MS: multi-scale probabilistic generation (Zhang & Dong)");
  return out;
}

[[nodiscard]] inline nlohmann::ordered_json ledger_json(const ledger& l) {
  nlohmann::ordered_json out;
  nlohmann::ordered_json counts;
  for (const auto v : all_verdicts) counts[std::string(verdict_key(v))] = l.count(v);
  out["counts"] = counts;
  out["sources"] = l.sources;
  out["rows"] = nlohmann::ordered_json::array();
  for (const auto& r : l.rows) {
    out["rows"].push_back({{"paper", r.paper},
                           {"place", r.place},
                           {"claim", r.statement},
                           {"computed", r.computed},
                           {"found", r.found},
                           {"verdict", std::string(verdict_key(r.outcome))},
                           {"note", r.note}});
  }
  return out;
}

}  // namespace infoscale::claims

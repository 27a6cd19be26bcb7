// claims/: the claims ledger from Python, infoscale.claims(inputs): the same rows `infoscale claims`
// writes to docs/claims.md, as a dict of plain Python values.
#include <nanobind/stl/string.h>

#include <string>

#include "bindings.hpp"
#include "infoscale/claims.hpp"

namespace infoscale::python {

using namespace nb::literals;

void bind_claims(nb::module_& m) {
  m.def(
      "claims",
      [](const std::string& inputs) {
        claims::ledger ledger;
        std::string markdown;
        {
          nb::gil_scoped_release release;
          ledger = claims::build_ledger(claims::load_ledger_inputs(inputs));
          markdown = claims::ledger_markdown(ledger);
        }
        nb::list rows;
        for (const auto& r : ledger.rows) {
          nb::dict row;
          row["paper"] = r.paper;
          row["place"] = r.place;
          row["claim"] = r.statement;
          row["computed"] = r.computed;
          row["found"] = r.found;
          row["verdict"] = std::string(claims::verdict_key(r.outcome));
          row["note"] = r.note;
          rows.append(row);
        }
        nb::dict counts;
        for (const auto v : claims::all_verdicts)
          counts[std::string(claims::verdict_key(v)).c_str()] = ledger.count(v);
        nb::list sources;
        for (const auto& s : ledger.sources) sources.append(s);
        nb::dict out;
        out["rows"] = rows;
        out["counts"] = counts;
        out["sources"] = sources;
        out["markdown"] = markdown;
        return out;
      },
      "inputs"_a = "docs/claims",
      "The claims ledger of the three papers, as `infoscale claims` writes docs/claims.md.\n\n"
      "Every numbered equation, table and prediction of the entropic-scaling (ES), thermodynamics (TD) and\n"
      "multi-scale (MS) papers, recomputed by the library, with a verdict: holds, fails, inconsistent,\n"
      "not_testable or convention. The real-model rows read ladder.json, thermo.json and study.json from\n"
      "the folder `inputs` (written by infoscale.ladder_study, thermo_study and study); a missing file\n"
      "makes its rows not_testable, a corrupt one raises infoscale.Error naming it.\n\n"
      "Returns a dict: rows (list of dicts with paper, place, claim, computed, found, verdict, note),\n"
      "counts (verdict -> rows), sources (the files read) and markdown (docs/claims.md's text).");
}

}  // namespace infoscale::python

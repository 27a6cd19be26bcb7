"""infoscale.claims(): the ledger of the three papers' claims, as `infoscale claims` writes it, and
the study runners' summaries it reads (thermo_study.claims_summary, study.claims_summary)."""
import json
import pathlib

import pytest

import infoscale
from infoscale import study, thermo_study

ROOT = pathlib.Path(__file__).resolve().parents[2]
INPUTS = ROOT / "docs" / "claims"


def test_ledger_equals_the_committed_markdown():
    ledger = infoscale.claims(str(INPUTS))
    assert ledger["markdown"] == (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert sum(ledger["counts"].values()) == len(ledger["rows"])
    assert {r["paper"] for r in ledger["rows"]} == {"ES", "TD", "MS"}
    assert {r["verdict"] for r in ledger["rows"]} <= {"holds", "fails", "inconsistent", "not_testable", "convention"}
    assert not any("missing" in s for s in ledger["sources"])


def test_missing_inputs_make_the_real_model_rows_not_testable(tmp_path):
    bare = infoscale.claims(str(tmp_path))
    full = infoscale.claims(str(INPUTS))
    rows = {(r["paper"], r["place"]): r["verdict"] for r in bare["rows"]}
    assert rows[("ES", "eq. (9), Proposition 6.2")] == "not_testable"
    assert rows[("TD", "§6, Conjecture 6.4 (decoders)")] == "not_testable"
    assert rows[("MS", "§3.3.2 2.1 (decoders)")] == "not_testable"
    assert all("missing" in s for s in bare["sources"])
    # The computed rows do not depend on the inputs.
    computed = {(r["paper"], r["place"], r["found"]) for r in bare["rows"] if "decoders" not in r["place"]}
    assert computed <= {(r["paper"], r["place"], r["found"]) for r in full["rows"]} | {
        (r["paper"], r["place"], r["found"]) for r in bare["rows"] if r["place"] in ("eq. (9), Proposition 6.2", "eq. (4)")}


def test_a_corrupt_input_is_an_error_naming_it(tmp_path):
    (tmp_path / "study.json").write_text('{"models": "a", "scorecard": [', encoding="utf-8")
    with pytest.raises(infoscale.Error, match="study.json"):
        infoscale.claims(str(tmp_path))
    (tmp_path / "study.json").write_text('{"models": "a"}', encoding="utf-8")  # no scorecard
    with pytest.raises(infoscale.Error, match="'study'"):
        infoscale.claims(str(tmp_path))


def test_thermo_summary_keeps_what_the_ledger_reads():
    prompt = lambda s: {"entropy": s, "standard_error": 0.1}  # noqa: E731
    data = {"options": {"eps": 1.0}, "results": {"m": {
        "entropy_function": {"end_token": {"prompts": [prompt(3.0), prompt(0.5), prompt(9.0)], "near_zero": 1}},
        "thermodynamics": {"end_token": {"prompts": [], "identity_residuals": {"F_minus_U_minus_TS": 1e-16}}},
        "next_token": {"positions": 4, "mean": 2.0, "below_eps": 0.25},
        "conjecture": {"sigma": 0.1, "around_prompts": [], "real_midpoints": {"pairs": 3, "violations": 2}, "refuted": True},
    }}}
    s = thermo_study.claims_summary(data)
    assert s["results"]["m"]["entropy_function"]["end_token"] == {"prompts": 3, "near_zero": 1, "lowest": 0.5,
                                                                  "highest": 9.0}
    assert s["results"]["m"]["conjecture"] == {"real_midpoints": {"pairs": 3, "violations": 2}, "refuted": True}
    assert "around_prompts" not in json.dumps(s)


def test_study_summary_counts_the_eq30_cells_within_two_joint_se():
    model = lambda name, peaks: {"name": name, "report": {"peaks": [{}] * peaks}}  # noqa: E731
    data = {"options": {"probe": "ridge", "texts": 4},
            "main": {"models": [model("a", 2)], "predictions": [{"id": "1.1", "scope": "f", "verdict": "holds"}]},
            "alternative": {"models": [model("a", 1)]}}
    cell = lambda measured, predicted: {"measured_model": measured, "measured_model_se": 0.3, "predicted": predicted,  # noqa: E731
                                        "predicted_se": 0.4, "ratio": measured / predicted}
    # 2 x hypot(0.3, 0.4) = 1.0: a difference of 0.9 is within, 1.1 is not.
    s = study.claims_summary(data, {"a": {"L": cell(2.9, 2.0), "I": cell(3.1, 2.0)}})
    assert s["fisher"] == {"cells": 2, "within_2se": 1, "ratio_min": 1.45, "ratio_max": 1.55}
    assert s["boundaries"] == {"a": {"max": 2, "minmax": 1}}
    assert s["scorecard"] == [{"prediction": "1.1", "scope": "f", "verdict": "holds"}]
    assert "fisher" not in study.claims_summary(data, {})

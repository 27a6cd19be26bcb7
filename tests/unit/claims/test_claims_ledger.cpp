// The claims ledger (include/infoscale/claims/): every row's verdict pinned, its figures checked
// against values computed here independently (closed forms and hand arithmetic), the real-model rows
// read from small hand-written inputs whose verdicts are known, and every numbered equation of the
// ES and MS papers covered by a row.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <infoscale/claims.hpp>
#include <infoscale/core/random.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace c = infoscale::claims;
using c::verdict;

namespace {

const c::claim& row_at(const c::ledger& l, const std::string& paper, const std::string& place) {
  for (const auto& r : l.rows)
    if (r.paper == paper && r.place == place) return r;
  FAIL("no row " << paper << " " << place);
  throw std::logic_error("unreachable");
}

bool mentions(const c::claim& r, double value, int digits = 4) {
  return r.found.find(c::num(value, digits)) != std::string::npos;
}

/// The numbers that follow `marker` in a row's `found`, in order (the ledger prints them with %g).
std::vector<double> numbers_after(const std::string& text, const std::string& marker) {
  std::vector<double> out;
  const std::regex number(marker + R"(([-+]?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number); it != std::sregex_iterator(); ++it)
    out.push_back(std::stod((*it)[1].str()));
  return out;
}

// Hand-written real-model inputs: two models of one size that behave differently (eq. 9 fails), a
// student one level below its teacher; a thermo study with one near-zero point; a study scorecard.
const char* ladder_input = R"({"models": [
  {"name": "t", "parameters": 3000000, "vocabulary": 4096, "cross_entropy_nats": 4.0, "perplexity": 54.6, "teacher": null},
  {"name": "u", "parameters": 3000000, "vocabulary": 4096, "cross_entropy_nats": 4.1, "perplexity": 60.3, "teacher": null},
  {"name": "s", "parameters": 800000, "vocabulary": 4096, "cross_entropy_nats": 5.0, "perplexity": 148.4, "teacher": "models/austen/t"}],
 "pairs": [{"a": "t", "b": "u", "js_nats": 0.05, "js_se": 0.001, "tv": 0.2, "kl_ab": 0.1, "kl_ba": 0.1},
           {"a": "t", "b": "s", "js_nats": 0.2, "js_se": 0.002, "tv": 0.4, "kl_ab": 0.5, "kl_ba": 0.5},
           {"a": "u", "b": "s", "js_nats": 0.21, "js_se": 0.002, "tv": 0.4, "kl_ab": 0.5, "kl_ba": 0.5}]})";

const char* thermo_input = R"({"options": {"eps": 1.0}, "results": {
  "m": {"entropy_function": {"end_token": {"prompts": 3, "near_zero": 1, "lowest": 0.5, "highest": 9.0}},
        "thermodynamics": {"end_token": {"identity_residuals": {"F_minus_U_minus_TS": 1e-16, "S_plus_dF_dT": -2e-9}}},
        "next_token": {"positions": 10, "mean": 3.0, "below_eps": 0.1},
        "conjecture": {"real_midpoints": {"pairs": 10, "violations": 4, "worst_gap": 0.5}, "refuted": true}}}})";

const char* study_input = R"({"models": "a, b", "scorecard": [
  {"prediction": "1.1", "scope": "fam", "verdict": "holds"},
  {"prediction": "1.2", "scope": "a", "verdict": "not testable"},
  {"prediction": "2.1", "scope": "a", "verdict": "fails"}, {"prediction": "2.1", "scope": "b", "verdict": "holds"},
  {"prediction": "3.1", "scope": "self_bleu", "verdict": "holds"}],
 "boundaries": {"a": {"max": 1, "minmax": 1}, "b": {"max": 2, "minmax": 2}},
 "fisher": {"cells": 10, "within_2se": 9, "ratio_min": 0.9, "ratio_max": 1.1}})";

c::ledger build_with_inputs() {
  c::ledger_inputs in;
  in.ladder = nlohmann::json::parse(ladder_input);
  in.thermo = nlohmann::json::parse(thermo_input);
  in.study = nlohmann::json::parse(study_input);
  return c::build_ledger(in);
}

// Each ledger is built once for the whole file: a build enumerates half a million continuations
// (TD §2), about a second under the sanitizers.
const c::ledger& with_inputs() {
  static const c::ledger ledger = build_with_inputs();
  return ledger;
}
const c::ledger& bare_ledger() {
  static const c::ledger ledger = c::build_ledger({});
  return ledger;
}

}  // namespace

TEST_CASE("claims: every row's verdict, without real-model inputs and with hand-written ones") {
  const auto& bare = bare_ledger();
  const auto& full = with_inputs();
  // (paper, place) -> verdict without inputs, and with the inputs above.
  const std::map<std::pair<std::string, std::string>, std::pair<verdict, verdict>> expected{
      {{"ES", "eq. (1), Table 1"}, {verdict::holds, verdict::holds}},  // first of two; see below
      {{"ES", "Table 1"}, {verdict::fails, verdict::fails}},
      {{"ES", "eq. (2)"}, {verdict::convention, verdict::convention}},
      {{"ES", "Table 2"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"ES", "eq. (6), §9.1, Table 2"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"ES", "eq. (7)"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"ES", "eq. (11), Theorem 7.2"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"ES", "eq. (11)"}, {verdict::convention, verdict::convention}},
      {{"ES", "eq. (8) vs eq. (9)"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"ES", "eq. (9), Proposition 6.2"}, {verdict::not_testable, verdict::fails}},
      {{"ES", "eq. (4)"}, {verdict::not_testable, verdict::not_testable}},
      {{"TD", "§2, PLM -> CLM"}, {verdict::holds, verdict::holds}},
      {{"TD", "§4, the entropy function"}, {verdict::holds, verdict::holds}},
      {{"TD", "§4, zero points"}, {verdict::holds, verdict::holds}},
      {{"TD", "§3, the moduli space"}, {verdict::holds, verdict::holds}},
      {{"TD", "§5, Z, U, F"}, {verdict::holds, verdict::holds}},
      {{"TD", "§5, energies and limits"}, {verdict::holds, verdict::holds}},
      {{"TD", "§6, Boltzmann manifolds"}, {verdict::holds, verdict::holds}},
      {{"TD", "§6, Conjecture 6.4 (proxies)"}, {verdict::fails, verdict::fails}},
      {{"TD", "§4, near-zero points (decoders)"}, {verdict::not_testable, verdict::not_testable}},
      {{"TD", "§5, identities (decoders)"}, {verdict::not_testable, verdict::holds}},
      {{"TD", "§6, Conjecture 6.4 (decoders)"}, {verdict::not_testable, verdict::fails}},
      {{"MS", "Table 1"}, {verdict::holds, verdict::holds}},
      {{"MS", "Table 3, means"}, {verdict::holds, verdict::holds}},
      {{"MS", "Table 3, CV L-I"}, {verdict::convention, verdict::convention}},
      {{"MS", "Table 3, CV I-G"}, {verdict::convention, verdict::convention}},
      {{"MS", "§3.3.2 1.1 on Table 3"}, {verdict::holds, verdict::holds}},
      {{"MS", "eq. (2), 3.2 on Table 1"}, {verdict::holds, verdict::holds}},
      {{"MS", "eq. (8)"}, {verdict::inconsistent, verdict::inconsistent}},
      {{"MS", "eqs. (3), (5)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eqs. (9)-(12)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eqs. (13)-(17)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eqs. (1), (18)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eq. (19)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eqs. (20)-(22)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eq. (23)"}, {verdict::fails, verdict::fails}},
      {{"MS", "eq. (25)"}, {verdict::holds, verdict::holds}},
      {{"MS", "eqs. (29)-(30)"}, {verdict::convention, verdict::convention}},
      {{"MS", "eq. (34)"}, {verdict::fails, verdict::fails}},
      {{"MS", "§3.3.2 1.1 (decoders)"}, {verdict::not_testable, verdict::holds}},
      {{"MS", "eq. (28), §3.3.2 1.2 (decoders)"}, {verdict::not_testable, verdict::not_testable}},
      {{"MS", "§3.3.2 2.1 (decoders)"}, {verdict::not_testable, verdict::fails}},
      {{"MS", "§3.3.2 3.1 (decoders)"}, {verdict::not_testable, verdict::holds}},
      {{"MS", "eq. (2), §3.3.2 3.2 (decoders)"}, {verdict::not_testable, verdict::not_testable}},
  };
  for (const auto& [key, v] : expected) {
    INFO(key.first << " " << key.second);
    CHECK(row_at(bare, key.first, key.second).outcome == v.first);
    CHECK(row_at(full, key.first, key.second).outcome == v.second);
  }
  // Rows that exist only with the study's inputs, and their verdicts.
  CHECK(row_at(full, "MS", "eq. (6) (decoders)").outcome == verdict::holds);   // the same peaks under both
  CHECK(row_at(full, "MS", "eq. (30) (decoders)").outcome == verdict::holds);  // 9 of 10 within 2 SE
  // The second eq. (1) row: the real GPT-2 counts admit no calibration.
  std::size_t eq1 = 0;
  for (const auto& r : bare.rows) {
    if (r.place != "eq. (1), Table 1") continue;
    CHECK(r.outcome == (eq1 == 0 ? verdict::holds : verdict::fails));
    ++eq1;
  }
  CHECK(eq1 == 2);
  // Every verdict kind occurs, every row is filled in, and the counts add up.
  std::size_t total = 0;
  for (const auto v : c::all_verdicts) {
    CHECK(full.count(v) > 0);
    total += full.count(v);
  }
  CHECK(total == full.rows.size());
  for (const auto& r : full.rows) {
    CHECK((r.paper == "ES" || r.paper == "TD" || r.paper == "MS"));
    CHECK_FALSE(r.place.empty());
    CHECK_FALSE(r.statement.empty());
    CHECK_FALSE(r.computed.empty());
    if (r.outcome == verdict::not_testable || r.outcome == verdict::convention) CHECK_FALSE(r.note.empty());
  }
}

TEST_CASE("claims: the figures of the computed rows equal independent hand and closed-form values") {
  const auto& l = bare_ledger();
  // ES eq. (1): a's range (Ada / Davinci bound), the real counts' crossing bounds.
  const auto& real = l.rows[1];
  CHECK(mentions(real, 3.0 / (std::log2(774'030'080.0) - std::log2(124'439'808.0))));  // 1.138
  CHECK(mentions(l.rows[0], 9.0 / (std::log2(175e9) - std::log2(350e6))));             // 1.004
  // Table 1: 27 log2 27 = 128.38 against the printed 130.
  CHECK(row_at(l, "ES", "eq. (2)").found.find("116.1") != std::string::npos);
  const auto& t1 = l.rows[4];
  REQUIRE(t1.place == "Table 1");
  CHECK(mentions(t1, 27 * std::log2(27.0), 5));
  CHECK(t1.found.rfind("2 of 5 match", 0) == 0);
  // eq. (7): 1/(n ln 2) at n = 30.
  CHECK(mentions(row_at(l, "ES", "eq. (7)"), 1.0 / (30 * std::log(2.0))));
  // eq. (11): exp(I) overstates 2^I by I (log2 e - 1) bits, I = 27 log2 27.
  CHECK(mentions(row_at(l, "ES", "eq. (11)"), 27 * std::log2(27.0) * (1 / std::log(2.0) - 1)));
  // MS eq. (8): 40 / 2.43 and 40 / 7.40.
  const auto& eq8 = row_at(l, "MS", "eq. (8)");
  CHECK(mentions(eq8, 40 / 2.43, 3));
  CHECK(mentions(eq8, 40 / 7.40, 3));
  // Table 3: the population CV of two values is |a - b| / (a + b); the sample CV sqrt(2) times it.
  const double li = std::abs(2.0 / 32 - 2.0 / 28) / (2.0 / 32 + 2.0 / 28);
  const double ig = std::abs(8.0 / 32 - 20.0 / 28) / (8.0 / 32 + 20.0 / 28);
  CHECK(mentions(row_at(l, "MS", "Table 3, CV L-I"), li, 3));
  CHECK(mentions(row_at(l, "MS", "Table 3, CV I-G"), ig, 3));
  CHECK(mentions(row_at(l, "MS", "Table 3, CV I-G"), ig * std::sqrt(2.0), 3));
  // eq. (19): a Gaussian channel's information 0.5 ln(1 + w^2 var / noise).
  CHECK(mentions(row_at(l, "MS", "eq. (19)"), 0.5 * std::log(1 + 0.64 / 0.5), 6));
  // eq. (25): I(X; h_1) of z = 0.9 x + N(0, 0.2).
  CHECK(mentions(row_at(l, "MS", "eq. (25)"), 0.5 * std::log(1 + 0.81 / 0.2)));
  // TD §4: the geometric PLM's S = H(p) / p(end).
  const double h = -(0.7 * std::log(0.7) + 0.2 * std::log(0.2) + 0.1 * std::log(0.1));
  CHECK(mentions(row_at(l, "TD", "§4, the entropy function"), h / 0.7, 12));
}

TEST_CASE("claims: MS eq. (30) against the analytic Hessian, eq. (34) against the sampling width") {
  const auto& l = bare_ledger();
  // (30): the row's read-out W (3 x 4) and h come from random_stream(8, 0) as in the ledger; the
  // Hessian of -log softmax(W h)_y in h is W^T (diag p - p p^T) W whatever y, so 1/2 tr H is known
  // in closed form, independently of the row's finite differences.
  const infoscale::random_stream rng(8, 0);
  Eigen::MatrixXd w(3, 4);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.normal(static_cast<std::uint64_t>(i));
  Eigen::VectorXd h(4);
  for (int i = 0; i < 4; ++i) h(i) = 0.5 * rng.normal(100 + static_cast<std::uint64_t>(i));
  Eigen::VectorXd p = (w * h).array().exp();
  p /= p.sum();
  const Eigen::MatrixXd hessian = w.transpose() * (Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose()) * w;
  // "1/2 tr H = a, 1/2 tr F(model) = b, 1/2 tr F(empirical) = c"
  const auto fisher = numbers_after(row_at(l, "MS", "eqs. (29)-(30)").found, "= ");
  REQUIRE(fisher.size() == 3);
  const double half_trace = 0.5 * hessian.trace();
  CHECK(fisher[0] == doctest::Approx(half_trace).epsilon(1e-5));  // finite differences
  CHECK(fisher[1] == doctest::Approx(half_trace).epsilon(1e-5));  // the model Fisher
  CHECK(std::abs(fisher[2] - half_trace) > 0.05 * half_trace);    // the empirical Fisher does not
  // (34): a 95% percentile interval of the mean of n standard normals has width ~ 2 x 1.96 / sqrt(n),
  // whatever the number of resamples B once B is large.
  // "n = 100: width w1 at B = 200, w2 at B = 3200 (...); n = 1600, B = 3200: w3"
  const auto& found = row_at(l, "MS", "eq. (34)").found;
  const auto at_b = numbers_after(found, "(?:width |, )");
  const auto large_n = numbers_after(found, "3200: ");
  REQUIRE(at_b.size() >= 2);
  REQUIRE(large_n.size() == 1);
  const double b200 = at_b[0], b3200 = at_b[1], n1600 = large_n[0];
  CHECK(b3200 / b200 > 0.8);
  CHECK(b3200 / b200 < 1.25);
  CHECK(b3200 == doctest::Approx(2 * 1.959964 / 10.0).epsilon(0.15));
  CHECK(b3200 / n1600 == doctest::Approx(4.0).epsilon(0.15));
}

TEST_CASE("claims: the real-model rows read their inputs") {
  const auto& l = with_inputs();
  // Levels by eq. (1) at the default calibration: t and u share one; s is below it.
  const int lt = infoscale::entropic::level(3e6, 4096), ls = infoscale::entropic::level(8e5, 4096);
  REQUIRE(lt > ls);
  const auto& eq9 = row_at(l, "ES", "eq. (9), Proposition 6.2");
  CHECK(eq9.found.rfind("1 of 1 same-level pairs", 0) == 0);
  // eq. (4): retention exp(CE_T - CE_S) = exp(-1); the alpha it implies.
  const double it = infoscale::entropic::capacity(lt), is = infoscale::entropic::capacity(ls);
  const auto& eq4 = row_at(l, "ES", "eq. (4)");
  CHECK(mentions(eq4, std::exp(-1.0)));
  CHECK(mentions(eq4, 1.0 * it / (it - is)));
  const auto& zero = row_at(l, "TD", "§4, near-zero points (decoders)");
  CHECK(zero.found.rfind("1 near-zero points in 3", 0) == 0);
  CHECK(row_at(l, "TD", "§6, Conjecture 6.4 (decoders)").found.rfind("4 of 10", 0) == 0);
  CHECK(row_at(l, "MS", "§3.3.2 2.1 (decoders)").found.rfind("1 hold, 1 fail", 0) == 0);
  // A malformed input is an error naming it, never a partial ledger.
  c::ledger_inputs bad;
  bad.thermo = nlohmann::json::parse(R"({"options": {"eps": 1}, "results": {"m": {}}})");
  CHECK_THROWS_WITH_AS((void)c::build_ledger(bad), doctest::Contains("'thermo'"), infoscale::error);
}

TEST_CASE("claims: every numbered equation of ES (1)-(15) and MS (1)-(34) has a row") {
  const auto& l = bare_ledger();
  std::map<std::string, std::set<int>> covered;
  const std::regex range(R"(\((\d+)\)-\((\d+)\))"), single(R"(\((\d+)\))");
  for (const auto& r : l.rows) {
    std::string place = r.place;
    for (std::smatch m; std::regex_search(place, m, range); place = m.suffix())
      for (int k = std::stoi(m[1]); k <= std::stoi(m[2]); ++k) covered[r.paper].insert(k);
    place = std::regex_replace(r.place, range, "");
    for (std::smatch m; std::regex_search(place, m, single); place = m.suffix())
      covered[r.paper].insert(std::stoi(m[1]));
  }
  for (int k = 1; k <= 15; ++k) CHECK_MESSAGE(covered["ES"].count(k) == 1, "ES eq. (" << k << ")");
  for (int k = 1; k <= 34; ++k) CHECK_MESSAGE(covered["MS"].count(k) == 1, "MS eq. (" << k << ")");
}

TEST_CASE("claims: Markdown and JSON carry every row; a cell's pipes are escaped") {
  const auto& l = bare_ledger();
  const auto md = c::ledger_markdown(l);
  const auto js = c::ledger_json(l);
  CHECK(js["rows"].size() == l.rows.size());
  CHECK(js["counts"]["holds"].get<std::size_t>() == l.count(verdict::holds));
  std::size_t table_rows = 0;
  for (std::size_t at = md.find("\n| "); at != std::string::npos; at = md.find("\n| ", at + 1)) ++table_rows;
  CHECK(table_rows ==
        l.rows.size() + 1 + 3 + 3);  // rows, the count table's header and 3 papers, 3 section headers
  CHECK(c::detail::cell("a | b") == "a \\| b");
  CHECK(c::detail::cell("") == "-");
  CHECK(c::num(-0.0) == "0");
  CHECK(c::num(NAN) == "NaN");
}

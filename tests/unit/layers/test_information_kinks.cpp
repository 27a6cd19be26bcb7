#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/information_kinks.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <infoscale/layers/layer_stack.hpp>
#include <infoscale/layers/report_format.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE("confusion_information_bits: closed forms") {
  // K equiprobable classes always predicted right: I = H(Y) = log2 K.
  CHECK(confusion_information_bits(Eigen::MatrixXd::Identity(4, 4) * 7.0) ==
        doctest::Approx(2.0).epsilon(1e-15));
  // Predictions independent of the labels (an outer product): I = 0.
  Eigen::VectorXd a(3), b(3);
  a << 1, 2, 5;
  b << 3, 1, 1;
  CHECK(confusion_information_bits(a * b.transpose()) == doctest::Approx(0.0));
  // A binary symmetric channel with flip probability 1/4 and uniform input: 1 - H2(1/4) bits.
  Eigen::MatrixXd c(2, 2);
  c << 3, 1, 1, 3;
  const double h2 = -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75));
  INFOSCALE_CHECK_CLOSE(confusion_information_bits(c), 1.0 - h2, 1e-15, 0.0);
  CHECK_THROWS_AS((void)confusion_information_bits(Eigen::MatrixXd::Zero(2, 2)), infoscale::error);
}

namespace {

// A planted model: 13 hidden states whose representation changes regime after pairs 3 and 8
// (fresh activations there, a small drift elsewhere), and one binary label per token that no
// state before 4 carries, that appears at state 4, grows through 8 and stays from 9 on: I(Y; h_l)
// is flat, rises, and is flat again, so its slope jumps up at tau = 3.5 and down at tau = 8.5.
struct planted_model {
  static constexpr std::size_t states = 13, sequences = 40, length = 12, width = 40;
  static constexpr std::size_t tokens = sequences * length, columns = width + 1;
  std::vector<double> h = std::vector<double>(states * tokens * columns);
  std::vector<std::int64_t> labels = std::vector<std::int64_t>(tokens);

  planted_model() {
    const random_stream rng(11, 0);
    std::uint64_t draw = 0;
    for (std::size_t i = 0; i < tokens; ++i) labels[i] = rng.uniform(draw++) < 0.5 ? 0 : 1;
    std::vector<double> label_noise(tokens);  // one draw per token and regime

    for (std::size_t l = 0; l < states; ++l) {
      const bool jump = l == 4 || l == 9;
      const double strength = l <= 3 ? 0.0 : l >= 8 ? 1.6 : 0.8 + 0.2 * static_cast<double>(l - 4);
      if (l == 0 || jump)
        for (double& v : label_noise) v = rng.normal(draw++);
      for (std::size_t t = 0; t < tokens; ++t) {
        double* row = &h[(l * tokens + t) * columns];
        for (std::size_t j = 0; j < width; ++j) {
          const double fresh = rng.normal(draw++);
          row[j] = l == 0 ? fresh : jump ? fresh : row[j - tokens * columns] + 0.15 * fresh;
        }
        row[width] = strength * (labels[t] == 1 ? 1.0 : -1.0) + label_noise[t];
      }
    }
  }
};

}  // namespace

TEST_CASE("layer_analysis: a planted model gives its two boundaries and the information kinks there") {
  const planted_model m;
  layer_options o;
  o.resamples = 200;
  o.seed = 5;
  const std::vector<std::size_t> lengths(planted_model::sequences, planted_model::length);
  layer_analysis analysis(lengths, {m.labels}, o, "planted");
  add_hidden_stack(
      par, analysis,
      make_view(m.h.data(), std::array<std::size_t, 3>{planted_model::states, planted_model::tokens,
                                                       planted_model::columns}));
  const layer_report r = analysis.report(par);
  REQUIRE(r.boundaries.size() == 2);
  CHECK(r.boundaries[0].pair == 3);
  CHECK(r.boundaries[1].pair == 8);
  // The profile: about 0 bits before state 4 (chance), about half a bit from 8 on.
  REQUIRE(r.information.size() == planted_model::states);
  REQUIRE(r.probe_scores.size() == planted_model::states);
  CHECK(r.information[2] < 0.05);
  CHECK(r.information[10] > 0.4);
  REQUIRE(r.kinks.size() == 2);
  CHECK(r.kinks[0].tau == 3.5);
  CHECK(r.kinks[0].jump > 0.0);
  CHECK(r.kinks[1].jump < 0.0);
  CHECK(r.kinks[0].discontinuous());
  CHECK(r.kinks[1].discontinuous());
  CHECK(r.kinks[0].jump == doctest::Approx(r.kinks[0].slope_after - r.kinks[0].slope_before));
  // The full-sample fit is the one information_kinks gives on set 0, and seq == par bit for bit.
  layer_analysis again(lengths, {m.labels}, o, "planted");
  add_hidden_stack(
      seq, again,
      make_view(m.h.data(), std::array<std::size_t, 3>{planted_model::states, planted_model::tokens,
                                                       planted_model::columns}));
  CHECK(format_json(again.report(seq)) == format_json(r));
  const std::string text = format_text(r);
  CHECK(text.find("slope of I at each boundary") != std::string::npos);
  CHECK(to_json(r).contains("kinks"));
}

TEST_CASE("information_kinks: a straight profile has no kink, and bad arguments are named") {
  // Labels as decodable at every state: I_l is flat up to noise, every jump's CI covers 0 or is tiny.
  const resampling_plan plan(4, 0, 0);
  probe_evidence e(std::vector<std::size_t>(4, 2), plan);
  const std::vector<std::vector<int>> labels{{0, 1, 0, 1, 0, 1, 0, 1}};
  for (int l = 0; l < 5; ++l) e.add_layer(labels, labels, {2});
  const std::vector<std::size_t> pairs{1};
  const std::vector<std::string> names{"one"};
  const auto k = information_kinks(seq, e, pairs, names, false);
  REQUIRE(k.size() == 1);
  INFOSCALE_CHECK_CLOSE(k[0].jump, 0.0, 0.0, 1e-12);
  CHECK(!k[0].ci);
  CHECK(!k[0].discontinuous());
  const std::vector<std::size_t> past{4};
  CHECK_THROWS_WITH_AS((void)information_kinks(seq, e, past, names, false), doctest::Contains("'pairs'"),
                       infoscale::error);
  CHECK_THROWS_WITH_AS((void)information_kinks(seq, e, pairs, std::vector<std::string>{}, false),
                       doctest::Contains("'names'"), infoscale::error);
}

#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <infoscale/layers/layer_stack.hpp>
#include <infoscale/layers/report_format.hpp>
#include <string>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// Layers of `tokens` x `width` Gaussian activations; hidden state l+1 is mostly fresh after the
// planted pairs, else the previous state plus small noise.
std::vector<double> planted_stack(std::size_t states, std::size_t tokens, std::size_t width,
                                  const std::vector<std::size_t>& jumps, std::uint64_t seed) {
  const random_stream rng(seed, 0);
  const std::size_t per = tokens * width;
  std::vector<double> h(states * per);
  for (std::size_t i = 0; i < per; ++i) h[i] = rng.normal(i);
  for (std::size_t l = 1; l < states; ++l) {
    bool jump = false;
    for (const auto j : jumps) jump = jump || j + 1 == l;
    for (std::size_t i = 0; i < per; ++i) {
      const double fresh = rng.normal(l * per + i);
      h[l * per + i] = jump ? 0.4 * h[(l - 1) * per + i] + fresh : h[(l - 1) * per + i] + 0.15 * fresh;
    }
  }
  return h;
}

}  // namespace

TEST_CASE("layer_analysis: the report of a planted stack, fed whole or layer by layer, equals the evidence") {
  const std::size_t states = 10, sequences = 12, length = 6, width = 5, tokens = sequences * length;
  const auto h = planted_stack(states, tokens, width, {2, 6}, 7);
  const auto stack = make_view(h.data(), std::array<std::size_t, 3>{states, tokens, width});
  layer_options o;
  o.resamples = 100;
  o.seed = 3;
  const std::vector<std::size_t> lengths(sequences, length);
  layer_analysis whole(lengths, {}, o, "planted");
  add_hidden_stack(par, whole, stack);
  const layer_report r = whole.report(par);
  layer_analysis streamed(lengths, {}, o, "planted");
  for (std::size_t l = 0; l < states; ++l) streamed.add_hidden_layer(seq, stack[l]);
  CHECK(format_json(streamed.report(seq)) == format_json(r));  // policies and feeding order agree bit for bit

  // The same numbers as the evidence objects and detect_boundaries run by hand.
  const resampling_plan plan(sequences, 100, 3);
  cka_evidence cka(lengths, plan);
  for (std::size_t l = 0; l < states; ++l) cka.add_layer(seq, stack[l]);
  boundary_options b;
  b.method = interval_method::percentile;
  const auto pct = detect_boundaries(seq, &cka, nullptr, nullptr, b);
  b.method = interval_method::bca;
  const auto bca = detect_boundaries(seq, &cka, nullptr, nullptr, b);
  REQUIRE(r.boundaries.size() == 2);
  REQUIRE(pct.boundaries.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(r.boundaries[i].pair == (i == 0 ? 2u : 6u));
    CHECK(r.cka[r.boundaries[i].pair] == cka.cka(r.boundaries[i].pair, 0));
    // One pass over the resamples gives what the two separate runs gave.
    CHECK(r.boundaries[i].ci_percentile->lower == pct.boundaries[i].ci.lower);
    CHECK(r.boundaries[i].ci_percentile->upper == pct.boundaries[i].ci.upper);
    CHECK(r.boundaries[i].ci_bca->lower == bca.boundaries[i].ci.lower);
    CHECK(r.boundaries[i].ci_bca->upper == bca.boundaries[i].ci.upper);
    CHECK(r.boundaries[i].ci_bca->status == bca.boundaries[i].ci.status);
    CHECK(r.boundaries[i].accepted == bca.boundaries[i].accepted);
    CHECK(r.boundaries[i].detection_rate == bca.boundaries[i].detection_rate);
  }
  CHECK(r.boundaries[0].name == "L-I");
  CHECK(r.boundaries[1].name == "I-G");
  CHECK(r.bootstrap->failed_resamples == 0);
  const std::string text = format_text(r);
  CHECK(text.find("dump: planted\n") == 0);
  CHECK(text.find("E(l) = sum of w S(l) / max S over S1, weights 1,0.8,0.6") != std::string::npos);
}

TEST_CASE("detect_boundaries: a resample whose evidence fails counts as one without the boundary") {
  // Two sequences; every probe prediction of sequence 0 is wrong, so a resample (or the jackknife
  // set) made of sequence 0 alone has P(l) = 0 and no probe jump exists (MS eq. (4) divides by P).
  // Once such a resample ended the whole report, or std::terminate under OpenMP.
  const std::size_t states = 6, length = 10, resamples = 200;
  const resampling_plan plan(2, resamples, 11);
  probe_evidence probes(std::vector<std::size_t>{length, length}, plan);
  std::vector<int> labels(2 * length);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 2);
  for (std::size_t l = 0; l < states; ++l) {
    std::vector<int> predicted(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const bool right = i >= length && (i - length) < (l == 3 ? length : length / 2 + l % 2);
      predicted[i] = right ? labels[i] : 1 - labels[i];
    }
    probes.add_layer({labels}, {predicted}, {2});
  }
  std::size_t expected = 1;  // the jackknife set that leaves out sequence 1
  for (std::size_t r = 0; r < resamples; ++r) expected += resample_weights(11, r, 2)[1] == 0.0 ? 1 : 0;
  REQUIRE(expected > 1);
  const auto one = detect_boundaries(par, nullptr, &probes, nullptr);
  CHECK(one.failed_resamples == expected);
  CHECK(one.first_failure.find("probe_jumps") != std::string::npos);
  CHECK(detect_boundaries(seq, nullptr, &probes, nullptr).failed_resamples == expected);
}

TEST_CASE("layer_analysis: options a user controls are checked and bounded before anything is allocated") {
  const std::vector<std::size_t> lengths{5, 5, 5, 5};
  const auto fails = [&](layer_options o, const char* argument) {
    try {
      layer_analysis a(lengths, {}, o);
      FAIL("no error for " << argument);
    } catch (const error& e) {
      CHECK(e.argument() == argument);
    }
  };
  layer_options o;
  o.resamples = 1;
  fails(o, "resamples");  // a "95% CI" of one resample
  o.resamples = 100'000'000;
  fails(o, "resamples");  // used to grow to 10.9 GB
  o = {};
  o.weights = {0.0, 0.0, 0.0};
  fails(o, "weights");
  o.weights = {1e308, 1e308, 1e308};
  fails(o, "weights");  // E(l) would overflow
  o = {};
  o.min_prominence = std::nan("");
  fails(o, "min_prominence");
  o = {};
  o.confidence = 1.0;
  fails(o, "confidence");
  o = {};
  o.resamples = 0;  // no interval: allowed
  CHECK_NOTHROW(layer_analysis(lengths, {}, o));
  // Labels: sparse ids are classes in order; a single class or a negative id is refused.
  CHECK_THROWS_WITH_AS(
      layer_analysis(lengths, {std::vector<std::int64_t>(20, 4)}, {}),
      "infoscale::layers: argument 'arrays' has labels of a single class: no probe can be scored", error);
  std::vector<std::int64_t> negative(20, 1);
  negative[3] = -2;
  CHECK_THROWS_WITH_AS(layer_analysis(lengths, {negative}, {}),
                       "infoscale::layers: argument 'arrays' has a negative label (-2) in labels", error);
  CHECK_THROWS_WITH_AS(layer_analysis(lengths, {std::vector<std::int64_t>(19, 1)}, {}),
                       "infoscale::layers: argument 'arrays' has 19 labels but hidden_states has 20 tokens",
                       error);
}

TEST_CASE(
    "plan_layer_stack: sequences from offsets or from the attention mask, with the program's messages") {
  layer_stack_layout in;
  in.hidden_shape = {4, 7, 3};
  in.attention_shape = std::array<std::size_t, 5>{3, 2, 1, 4, 4};
  in.attention_mask_shape = std::vector<std::size_t>{2, 4};
  in.attention_mask = {1, 1, 1, 0, 1, 1, 1, 1};
  const auto plan = plan_layer_stack(in, "d.safetensors");
  CHECK(plan.lengths == std::vector<std::size_t>{3, 4});
  CHECK(plan.notes.at(0) == "sequences taken from the attention mask (no sequence_offsets)");
  in.attention_mask[1] = 2;
  CHECK_THROWS_WITH_AS(
      (void)plan_layer_stack(in, "d.safetensors"),
      "infoscale::layers: argument 'd.safetensors' has an attention_mask value other than 0 or 1", error);
  in.attention_mask[1] = 1;
  in.sequence_offsets = std::vector<std::int64_t>{0, 4, 7};
  CHECK_THROWS_WITH_AS(
      (void)plan_layer_stack(in, "d.safetensors"),
      "infoscale::layers: argument 'd.safetensors' has 3 real tokens in attention_mask row 0 but 4 "
      "tokens in that sequence of hidden_states",
      error);
}

TEST_CASE("boundary_evidence: min-max normalisation, and entries that do not exist (by hand)") {
  const std::vector<double> s1{1.0, 1.5, 3.0}, s3{0.0, 0.2, 0.1};
  // max: 1 * s1 / 3 + 0.6 * s3 / 0.2 (the placeholder s3[0] adds 0 either way)
  const auto e = boundary_evidence(s1, {}, s3, {1.0, 0.8, 0.6}, signal_normalization::max, 1);
  INFOSCALE_CHECK_CLOSE(e[0], 1.0 / 3.0, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(e[1], 0.5 + 0.6, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(e[2], 1.0 + 0.3, 1e-15, 0.0);
  // minmax: s1 -> (0, 0.25, 1); s3 over pairs 1.. -> (-, 1, 0)
  const auto m = boundary_evidence(s1, {}, s3, {1.0, 0.8, 0.6}, signal_normalization::minmax, 1);
  INFOSCALE_CHECK_CLOSE(m[0], 0.0, 0.0, 1e-15);
  INFOSCALE_CHECK_CLOSE(m[1], 0.25 + 0.6, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(m[2], 1.0, 1e-15, 0.0);
  // Without first_defined the placeholder would count as S3's minimum.
  const auto naive = boundary_evidence(s1, {}, s3, {1.0, 0.8, 0.6}, signal_normalization::minmax, 0);
  INFOSCALE_CHECK_CLOSE(naive[2], 1.0 + 0.3, 1e-15, 0.0);
}

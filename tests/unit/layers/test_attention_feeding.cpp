#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/distributed/layer_shard.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <infoscale/layers/report_format.hpp>
#include <limits>
#include <span>
#include <string>
#include <vector>

using namespace infoscale;

// layer_analysis and layer_shard share their attention bookkeeping (detail/attention_accumulator):
// the same checks, each collector's own wording.

namespace {

constexpr std::size_t feed_states = 4, feed_sequences = 2, feed_length = 6, feed_width = 3, feed_heads = 2;

// Hidden state l: a shared base plus a little noise, so adjacent layers are similar (CKA > 0).
std::vector<double> feed_hidden(std::size_t l) {
  const random_stream base(11, 0), noise(11, l + 1);
  std::vector<double> h(feed_sequences * feed_length * feed_width);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = base.normal(i) + 0.3 * noise.normal(i);
  return h;
}

// Softmax rows for layers 1..states-1 of sequence s: [heads, length, length] each.
std::vector<std::vector<double>> feed_attention(std::size_t s) {
  const random_stream rng(12, s);
  std::vector<std::vector<double>> layers;
  std::uint64_t draw = 0;
  for (std::size_t l = 0; l + 1 < feed_states; ++l) {
    std::vector<double> a(feed_heads * feed_length * feed_length);
    for (std::size_t r = 0; r < feed_heads * feed_length; ++r) {
      double total = 0.0;
      for (std::size_t j = 0; j < feed_length; ++j)
        total += a[r * feed_length + j] = std::exp(rng.normal(draw++));
      for (std::size_t j = 0; j < feed_length; ++j) a[r * feed_length + j] /= total;
    }
    layers.push_back(std::move(a));
  }
  return layers;
}

std::vector<tensor_view<const double, 3>> feed_views(const std::vector<std::vector<double>>& layers) {
  std::vector<tensor_view<const double, 3>> views;
  for (const auto& a : layers)
    views.emplace_back(a.data(), std::array<std::size_t, 3>{feed_heads, feed_length, feed_length},
                       std::array<std::ptrdiff_t, 3>{static_cast<std::ptrdiff_t>(feed_length * feed_length),
                                                     static_cast<std::ptrdiff_t>(feed_length), 1});
  return views;
}

layer_options feed_options() {
  layer_options o;
  o.resamples = 0;
  return o;
}

layer_analysis feed_analysis() {
  layer_analysis a(std::vector<std::size_t>(feed_sequences, feed_length), {}, feed_options(), "arrays");
  for (std::size_t l = 0; l < feed_states; ++l) {
    const auto h = feed_hidden(l);
    a.add_hidden_layer(seq, matrix_view<const double>(h.data(), {feed_sequences * feed_length, feed_width},
                                                      {static_cast<std::ptrdiff_t>(feed_width), 1}));
  }
  return a;
}

layer_shard feed_shard() {
  layer_shard a(std::vector<std::size_t>(feed_sequences, feed_length), 0, feed_sequences, {});
  for (std::size_t l = 0; l < feed_states; ++l) {
    const auto h = feed_hidden(l);
    a.add_hidden_layer(seq, matrix_view<const double>(h.data(), {feed_sequences * feed_length, feed_width},
                                                      {static_cast<std::ptrdiff_t>(feed_width), 1}));
  }
  return a;
}

// Every sequence's attention through add_attention_sequence, or as its per-pair sums.
template <class Collector>
void feed_whole(Collector& c) {
  for (std::size_t s = 0; s < feed_sequences; ++s) {
    const auto layers = feed_attention(s);
    const auto views = feed_views(layers);
    c.add_attention_sequence(s, std::span<const tensor_view<const double, 3>>(views));
  }
}
template <class Collector>
void feed_pairs(Collector& c) {
  std::vector<attention_drift_sums> sums;
  for (std::size_t s = 0; s < feed_sequences; ++s) {
    const auto layers = feed_attention(s);
    const auto views = feed_views(layers);
    sums.push_back(attention_drift_statistics(std::span<const tensor_view<const double, 3>>(views)));
  }
  const std::vector<std::size_t> sequences{1, 0};  // any order
  for (std::size_t pair = feed_states - 2; pair >= 1; --pair) {
    const std::vector<double> js{sums[1].js_sum[pair - 1], sums[0].js_sum[pair - 1]};
    const std::vector<std::size_t> rows{sums[1].rows, sums[0].rows};
    c.add_attention_pair_sums(pair, sequences, js, rows, "F64", feed_heads, feed_length);
  }
}

std::string message(const char* function, const char* argument, const std::string& problem) {
  return std::string("infoscale::") + function + ": argument '" + argument + "' " + problem;
}

// The checks both collectors make on pair sums, with the collector's function name.
template <class Collector>
void check_pair_sums(Collector& c, const char* function, const std::string& out_of_range) {
  const std::vector<std::size_t> one{0}, two{0, 1}, far{5};
  const std::vector<double> js{0.5}, nan{std::numeric_limits<double>::quiet_NaN()}, negative{-1.0};
  const std::vector<std::size_t> rows{6}, other_rows{7}, no_rows{0};
  CHECK_THROWS_WITH_AS(c.add_attention_pair_sums(0, one, js, rows, "F64", 2, 3),
                       message(function, "pair", "must be >= 1 (pair 0 has no attention drift)").c_str(),
                       error);
  CHECK_THROWS_WITH_AS(
      c.add_attention_pair_sums(1, two, js, rows, "F64", 2, 3),
      message(function, "js_sums", "must give one sum and one row count per sequence").c_str(), error);
  CHECK_THROWS_WITH_AS(c.add_attention_pair_sums(1, far, js, rows, "F64", 2, 3),
                       message(function, "sequence", out_of_range).c_str(), error);
  CHECK_THROWS_WITH_AS(c.add_attention_pair_sums(1, one, nan, rows, "F64", 2, 3),
                       message(function, "js_sums", "must be finite and >= 0").c_str(), error);
  CHECK_THROWS_WITH_AS(c.add_attention_pair_sums(1, one, negative, rows, "F64", 2, 3),
                       message(function, "js_sums", "must be finite and >= 0").c_str(), error);
  CHECK_THROWS_WITH_AS(c.add_attention_pair_sums(1, one, js, no_rows, "F64", 2, 3),
                       message(function, "rows", "of sequence 0 is 0").c_str(), error);
  c.add_attention_pair_sums(1, one, js, rows, "F64", 2, 3);
  CHECK_THROWS_WITH_AS(
      c.add_attention_pair_sums(2, one, js, other_rows, "F64", 2, 3),
      message(function, "attentions", "of sequence 0 changes its row count between layer pairs").c_str(),
      error);
}

}  // namespace

TEST_CASE("layer_analysis and layer_shard: attention fed whole or as pair sums in any order gives the same") {
  layer_analysis whole = feed_analysis(), pairs = feed_analysis();
  feed_whole(whole);
  feed_pairs(pairs);
  whole.describe_attention(attention_description{"F64", {3, 2, 2, 6, 6}, false, false});
  pairs.describe_attention(attention_description{"F64", {3, 2, 2, 6, 6}, false, false});
  const layer_report r = whole.report(seq);
  REQUIRE(r.attention);
  CHECK(format_json(pairs.report(seq)) == format_json(r));

  layer_shard shard_whole = feed_shard(), shard_pairs = feed_shard();
  feed_whole(shard_whole);
  feed_pairs(shard_pairs);
  const layer_state a = shard_whole.state(), b = shard_pairs.state();
  REQUIRE(a.attention);
  REQUIRE(b.attention);
  for (std::size_t s = 0; s < feed_sequences; ++s) {
    CHECK(a.attention->sums(s).js_sum == b.attention->sums(s).js_sum);
    CHECK(a.attention->sums(s).rows == b.attention->sums(s).rows);
    CHECK(a.attention->sums(s).js_sum.at(0) == 0.0);  // pair 0: a placeholder
  }
  // The merged state's report has the one-process S3.
  const layer_report merged = layer_analysis(seq, a, feed_options(), "shards").report(seq);
  CHECK(merged.s3 == r.s3);
}

TEST_CASE("layer_analysis: attention checks and messages") {
  layer_analysis a = feed_analysis();
  check_pair_sums(a, "layers", "is 5 but there are 2 sequences");
  CHECK_THROWS_WITH_AS(a.add_attention_sequence(2, std::span<const tensor_view<const double, 3>>()),
                       message("layers", "sequence", "is 2 but there are 2 sequences").c_str(),
                       error);  // before the attention
  CHECK_THROWS_WITH_AS(
      a.add_attention_sequence(1, std::span<const tensor_view<const double, 3>>()),
      message("layers", "arrays",
              "attentions of sequence 1: infoscale::attention_drift: argument 'layers' needs at "
              "least 2 layers")
          .c_str(),
      error);

  // Completeness is checked by report(): every pair 1..layers-1 of every sequence, and none beyond.
  layer_analysis missing = feed_analysis();
  const std::vector<std::size_t> both{0, 1}, rows{12, 12};
  const std::vector<double> js{0.1, 0.2};
  missing.add_attention_pair_sums(1, both, js, rows, "F64", 2, 3);
  CHECK_THROWS_WITH_AS(
      (void)missing.report(seq),
      message("layers", "attentions", "of sequence 0 lack layer pair 2 (attention for layers 1..3 is needed)")
          .c_str(),
      error);
  missing.add_attention_pair_sums(2, both, js, rows, "F64", 2, 3);
  missing.add_attention_pair_sums(3, both, js, rows, "F64", 2, 3);
  CHECK_THROWS_WITH_AS(
      (void)missing.report(seq),
      message("layers", "attentions", "of sequence 0 cover 4 layers but hidden_states 3").c_str(), error);
}

TEST_CASE("layer_shard: attention checks and messages") {
  layer_shard a = feed_shard();
  check_pair_sums(a, "layer_shard", "is 5 but the shard has 2 sequences");
  CHECK_THROWS_WITH_AS(a.add_attention_sequence(2, std::span<const tensor_view<const double, 3>>()),
                       message("layer_shard", "sequence", "is 2 but the shard has 2 sequences").c_str(),
                       error);
  CHECK_THROWS_WITH_AS(
      a.add_attention_sequence(1, std::span<const tensor_view<const double, 3>>()),
      message("layer_shard", "attentions",
              "of sequence 1: infoscale::attention_drift: argument 'layers' needs at least 2 layers")
          .c_str(),
      error);

  layer_shard missing = feed_shard();
  const std::vector<std::size_t> both{0, 1}, rows{12, 12};
  const std::vector<double> js{0.1, 0.2};
  missing.add_attention_pair_sums(1, both, js, rows, "F64", 2, 3);
  CHECK_THROWS_WITH_AS((void)missing.state(),
                       message("layer_shard", "attentions",
                               "of shard sequence 0 lack layer pair 2 (attention for layers 1..3 is needed)")
                           .c_str(),
                       error);
  missing.add_attention_pair_sums(2, both, js, rows, "F64", 2, 3);
  missing.add_attention_pair_sums(3, both, js, rows, "F64", 2, 3);
  CHECK_THROWS_WITH_AS(
      (void)missing.state(),
      message("layer_shard", "attentions", "of shard sequence 0 cover 4 layers but hidden_states 3").c_str(),
      error);
}

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/distributed/layer_shard.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <infoscale/layers/report_format.hpp>
#include <string>
#include <vector>

#include "distributed_options.hpp"

using namespace infoscale;

namespace {

// HSIC_1 as the U-statistic it is (Song et al. 2012, Theorem 2): the mean over ordered 4-tuples of
// distinct indices of k_ij l_ij + k_ij l_qr - 2 k_ij l_iq. Independent of the closed form under test.
double dist_hsic_by_tuples(const Eigen::MatrixXd& k, const Eigen::MatrixXd& l) {
  const Eigen::Index n = k.rows();
  double sum = 0.0, count = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index q = 0; q < n; ++q)
        for (Eigen::Index r = 0; r < n; ++r) {
          if (i == j || i == q || i == r || j == q || j == r || q == r) continue;
          sum += k(i, j) * l(i, j) + k(i, j) * l(q, r) - 2.0 * k(i, j) * l(i, q);
          count += 1.0;
        }
  return sum / count;
}

struct dist_corpus {
  std::vector<std::size_t> lengths;
  std::size_t tokens = 0, width = 3, states = 5, heads = 2;
  std::vector<std::vector<double>> hidden;            // [state][token * width + j]
  std::vector<std::vector<std::int64_t>> labels;      // [task][token]
  std::vector<std::vector<std::vector<double>>> att;  // [sequence][layer] heads x n x n
};

dist_corpus dist_make_corpus() {
  dist_corpus c;
  c.lengths = {5, 4, 7, 6, 5, 8};
  for (const auto n : c.lengths) c.tokens += n;
  const random_stream rng(11, 3);
  std::uint64_t draw = 0;
  c.hidden.assign(c.states, std::vector<double>(c.tokens * c.width));
  for (std::size_t l = 0; l < c.states; ++l)
    for (std::size_t i = 0; i < c.tokens * c.width; ++i)
      c.hidden[l][i] = (l == 0 ? 0.0 : (l == 3 ? 0.3 : 0.9) * c.hidden[l - 1][i]) + rng.normal(draw++) + 2.0;
  c.labels.assign(2, std::vector<std::int64_t>(c.tokens));
  for (std::size_t i = 0; i < c.tokens; ++i) {
    c.labels[0][i] = c.hidden[2][i * c.width] > c.hidden[2][i * c.width + 1] ? 7 : 3;
    c.labels[1][i] = static_cast<std::int64_t>(rng.below(3, draw++));
  }
  for (const auto n : c.lengths) {
    std::vector<std::vector<double>> layers;
    for (std::size_t l = 0; l + 1 < c.states; ++l) {
      std::vector<double> a(c.heads * n * n);
      for (std::size_t r = 0; r < c.heads * n; ++r) {
        double total = 0.0;
        for (std::size_t j = 0; j < n; ++j) total += a[r * n + j] = std::exp(rng.normal(draw++));
        for (std::size_t j = 0; j < n; ++j) a[r * n + j] /= total;
      }
      layers.push_back(std::move(a));
    }
    c.att.push_back(std::move(layers));
  }
  return c;
}

// The state of sequences [first, first + count) of the corpus, as one rank would collect it.
layer_state dist_shard_state(const dist_corpus& c, std::size_t first, std::size_t count, bool labels = true) {
  std::size_t start = 0, tokens = 0;
  for (std::size_t s = 0; s < first; ++s) start += c.lengths[s];
  for (std::size_t s = first; s < first + count; ++s) tokens += c.lengths[s];
  std::vector<std::vector<std::int64_t>> y;
  if (labels)
    for (const auto& task : c.labels) y.emplace_back(task.begin() + start, task.begin() + start + tokens);
  layer_shard shard({c.lengths.begin() + first, c.lengths.begin() + first + count}, first, c.lengths.size(),
                    y);
  for (std::size_t l = 0; l < c.states; ++l)
    shard.add_hidden_layer(seq,
                           matrix_view<const double>(c.hidden[l].data() + start * c.width, {tokens, c.width},
                                                     {static_cast<std::ptrdiff_t>(c.width), 1}));
  for (std::size_t s = first; s < first + count; ++s) {
    const std::size_t n = c.lengths[s];
    std::vector<tensor_view<const double, 3>> views;
    for (const auto& a : c.att[s])
      views.emplace_back(a.data(), std::array<std::size_t, 3>{c.heads, n, n},
                         std::array<std::ptrdiff_t, 3>{static_cast<std::ptrdiff_t>(n * n),
                                                       static_cast<std::ptrdiff_t>(n), 1});
    shard.add_attention_sequence(s - first, std::span<const tensor_view<const double, 3>>(views));
  }
  return shard.state();
}

std::string dist_report_json(const layer_state& merged) {
  return format_json(layer_analysis(seq, merged, testing::distributed_test_options(), "shards").report(seq));
}

std::vector<std::byte> dist_resign(std::vector<std::byte> b) {
  const std::uint64_t sum = infoscale::detail::fnv1a64(std::span<const std::byte>(b).first(b.size() - 8));
  std::memcpy(b.data() + b.size() - 8, &sum, 8);
  return b;
}

}  // namespace

TEST_CASE("unbiased_hsic: the closed form equals the U-statistic over 4-tuples, and ignores a shift") {
  const random_stream rng(5, 1);
  Eigen::MatrixXd x(6, 3), y(6, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal(static_cast<std::uint64_t>(i));
  for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = rng.normal(100 + static_cast<std::uint64_t>(i));
  const Eigen::MatrixXd k = x * x.transpose(), l = y * y.transpose();
  const double h = unbiased_hsic(k, l);
  CHECK(std::abs(h - dist_hsic_by_tuples(k, l)) <= 1e-12 * std::max(1.0, std::abs(h)));
  const Eigen::MatrixXd xs = x.rowwise() + Eigen::RowVector3d(5.0, -2.0, 1.0);
  CHECK(std::abs(unbiased_hsic(xs * xs.transpose(), l) - h) <= 1e-10);
  CHECK_THROWS_WITH_AS((void)unbiased_hsic(k.topLeftCorner(3, 3), l.topLeftCorner(3, 3)),
                       doctest::Contains("at least 4"), error);
}

TEST_CASE("sequence_cka_state: CKA on every weight set is the weighted ratio of per-sequence HSIC terms") {
  const dist_corpus c = dist_make_corpus();
  const layer_state s = dist_shard_state(c, 0, c.lengths.size(), false);
  const resampling_plan plan(c.lengths.size(), 20, 0);
  const cka_evidence e = s.cka.evidence(plan);
  for (const std::size_t k : {std::size_t{0}, std::size_t{7}, plan.first_jackknife() + 2}) {
    const auto w = plan.weights(k);
    for (std::size_t pair = 0; pair + 1 < c.states; ++pair) {
      double xy = 0.0, xx = 0.0, yy = 0.0;
      std::size_t start = 0;
      for (std::size_t q = 0; q < c.lengths.size(); ++q) {
        const auto n = static_cast<Eigen::Index>(c.lengths[q]);
        const auto block = [&](std::size_t l) {
          return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                     c.hidden[l].data() + start * c.width, n, static_cast<Eigen::Index>(c.width))
              .eval();
        };
        const Eigen::MatrixXd a = block(pair), b = block(pair + 1);
        const Eigen::MatrixXd ka = a * a.transpose(), kb = b * b.transpose();
        xy += w[q] * dist_hsic_by_tuples(ka, kb);
        xx += w[q] * dist_hsic_by_tuples(ka, ka);
        yy += w[q] * dist_hsic_by_tuples(kb, kb);
        start += c.lengths[q];
      }
      const double want = xy / std::sqrt(xx * yy);
      CHECK(std::abs(e.cka(pair, k) - want) <= 1e-10);
    }
  }
}

TEST_CASE("layer_state: merging sequence shards gives the unsharded report bit for bit, in any merge order") {
  const dist_corpus c = dist_make_corpus();
  const layer_state whole = dist_shard_state(c, 0, 6);
  const std::string want = dist_report_json(whole);
  CHECK(want.find("minibatch") != std::string::npos);
  layer_state a = dist_shard_state(c, 0, 2), b = dist_shard_state(c, 2, 3), d = dist_shard_state(c, 5, 1);
  layer_state left = a;  // (a + b) + d
  left.merge(b);
  left.merge(d);
  layer_state right = b;  // d + (b) then a: another order, another grouping
  layer_state bd = b;
  bd.merge(d);
  right = d;
  right.merge(a);
  right.merge(b);
  layer_state grouped = a;
  grouped.merge(bd);
  CHECK(dist_report_json(left) == want);
  CHECK(dist_report_json(right) == want);
  CHECK(dist_report_json(grouped) == want);
  // and through the byte format
  layer_state wired = layer_state::deserialize(a.serialize());
  wired.merge(layer_state::deserialize(bd.serialize()));
  CHECK(dist_report_json(wired) == want);
  CHECK(layer_state::deserialize(whole.serialize()).serialize() == whole.serialize());
  // the attention evidence of the merged state is the one-process evidence
  const resampling_plan plan(6, 20, 0);
  const auto s3 = left.attention->evidence(plan).signal(3),
             s3_whole = whole.attention->evidence(plan).signal(3);
  CHECK(s3 == s3_whole);
}

TEST_CASE("layer_state: a missing or repeated shard, a mismatched shape and bad bytes are named errors") {
  const dist_corpus c = dist_make_corpus();
  layer_state a = dist_shard_state(c, 0, 2), b = dist_shard_state(c, 2, 4);
  CHECK_THROWS_WITH_AS(dist_report_json(a), doctest::Contains("sequence 2 is missing"), error);
  layer_state twice = a;
  CHECK_THROWS_WITH_AS(twice.merge(a), doctest::Contains("must be disjoint"), error);
  layer_state unlabelled = dist_shard_state(c, 2, 4, false);
  CHECK_THROWS_WITH_AS(layer_state(a).merge(unlabelled), doctest::Contains("labels"), error);
  sequence_cka_state short_cka = a.cka;
  CHECK_THROWS_WITH_AS(short_cka.merge(sequence_cka_state(sequence_shard::contiguous(2, {4, 4}, 6, "test"))),
                       doctest::Contains("covers 0 layers"), error);
  CHECK_THROWS_WITH_AS(layer_shard({5, 3}, 0, 6, {}), doctest::Contains("at least 4"), error);

  const auto bytes = a.serialize();
  CHECK_THROWS_WITH_AS(layer_state::deserialize(std::span<const std::byte>(bytes).first(bytes.size() - 1)),
                       doctest::Contains("checksum"), error);
  auto magic = bytes;
  magic[0] = std::byte{'X'};
  CHECK_THROWS_WITH_AS(layer_state::deserialize(magic), doctest::Contains("magic"), error);
  auto version = bytes;
  version[8] = std::byte{9};
  CHECK_THROWS_WITH_AS(layer_state::deserialize(dist_resign(version)), doctest::Contains("format version 9"),
                       error);
  auto corrupt = bytes;
  corrupt[bytes.size() / 2] ^= std::byte{1};
  CHECK_THROWS_WITH_AS(layer_state::deserialize(corrupt), doctest::Contains("corrupted"), error);
  CHECK_THROWS_WITH_AS(attention_state::deserialize(a.cka.serialize()),
                       doctest::Contains("not a attention state"), error);
  CHECK_THROWS_WITH_AS(layer_state::deserialize(std::span<const std::byte>(bytes).first(10)),
                       doctest::Contains("shorter than"), error);
  // a consistent header over a short array: the count in front of the self terms says 2, the
  // array holds 1 entry
  infoscale::detail::byte_writer w(sequence_cka_state::kind);
  sequence_shard::contiguous(0, {4, 4}, 2, "test").write(w);
  w.u64(0);  // first layer
  w.u32(0);  // no lead pair
  w.u64(1);
  const std::vector<double> one{1.0};
  w.array(std::span<const double>(one));
  CHECK_THROWS_WITH_AS(sequence_cka_state::deserialize(w.finish()),
                       doctest::Contains("where its header implies 2"), error);
}

namespace {

// Hidden states [from, to) of sequences [first, first + count), continuing from `previous` when
// given: one pipeline stage of one data-parallel rank. With `attention`, the stage's attention
// layers (those whose outputs are its hidden states), after a continued stage's previous layer.
layer_shard dist_stage(const dist_corpus& c, std::size_t first, std::size_t count, std::size_t from,
                       std::size_t to, const sequence_grams* previous, bool attention = false) {
  std::size_t start = 0, tokens = 0;
  for (std::size_t s = 0; s < first; ++s) start += c.lengths[s];
  for (std::size_t s = first; s < first + count; ++s) tokens += c.lengths[s];
  std::vector<std::vector<std::int64_t>> y;
  for (const auto& task : c.labels) y.emplace_back(task.begin() + start, task.begin() + start + tokens);
  layer_shard shard({c.lengths.begin() + first, c.lengths.begin() + first + count}, first, c.lengths.size(),
                    y);
  if (previous != nullptr) shard.continue_from(*previous);
  for (std::size_t l = from; l < to; ++l)
    shard.add_hidden_layer(seq,
                           matrix_view<const double>(c.hidden[l].data() + start * c.width, {tokens, c.width},
                                                     {static_cast<std::ptrdiff_t>(c.width), 1}));
  if (!attention) return shard;
  // Attention layer k outputs hidden state k + 1; a continued stage also sees layer from - 2.
  const std::size_t lowest = from == 0 ? 0 : from - 2;
  for (std::size_t s = first; s < first + count; ++s) {
    const std::size_t n = c.lengths[s];
    std::vector<tensor_view<const double, 3>> views;
    for (std::size_t k = lowest; k + 1 < to; ++k)
      views.emplace_back(c.att[s][k].data(), std::array<std::size_t, 3>{c.heads, n, n},
                         std::array<std::ptrdiff_t, 3>{static_cast<std::ptrdiff_t>(n * n),
                                                       static_cast<std::ptrdiff_t>(n), 1});
    shard.add_attention_sequence(s - first, std::span<const tensor_view<const double, 3>>(views));
  }
  return shard;
}

}  // namespace

TEST_CASE(
    "layer_state: pipeline stages joined by the straddling pair's Grams give the whole report bit for bit") {
  const dist_corpus c = dist_make_corpus();
  const std::string want = dist_report_json(dist_stage(c, 0, 6, 0, c.states, nullptr).state());
  // 2 data-parallel ranks x 2 pipeline stages (hidden states 0..1 | 2..4); the Grams cross the
  // stage boundary as bytes, as they would between ranks
  layer_state ranks[2];
  for (int r = 0; r < 2; ++r) {
    const std::size_t first = r == 0 ? 0 : 3, count = 3;
    layer_shard early = dist_stage(c, first, count, 0, 2, nullptr);
    const sequence_grams sent = sequence_grams::deserialize(early.boundary().serialize());
    layer_shard late = dist_stage(c, first, count, 2, c.states, &sent);
    CHECK_THROWS_WITH_AS((void)late.state().cka.evidence(resampling_plan(6, 20, 0)),
                         doctest::Contains("append the earlier pipeline stages"), error);
    ranks[r] = early.state();
    ranks[r].append_layers(layer_state::deserialize(late.state().serialize()));
  }
  ranks[0].merge(ranks[1]);
  CHECK(dist_report_json(ranks[0]) == want);

  // a later stage that did not start from the boundary lacks the straddling pair
  layer_state early = dist_stage(c, 0, 6, 0, 2, nullptr).state();
  CHECK_THROWS_WITH_AS(early.append_layers(dist_stage(c, 0, 6, 2, c.states, nullptr).state()),
                       doctest::Contains("straddles"), error);
  layer_shard stage = dist_stage(c, 0, 6, 0, 2, nullptr);
  const sequence_grams g = stage.boundary();
  layer_state twice = stage.state();
  twice.append_layers(dist_stage(c, 0, 6, 2, 3, &g).state());
  CHECK_THROWS_WITH_AS(twice.append_layers(dist_stage(c, 0, 6, 2, 3, &g).state()),
                       doctest::Contains("starts at hidden state 2"), error);
  CHECK_THROWS_WITH_AS(dist_stage(c, 0, 3, 2, 3, &g), doctest::Contains("other sequences"), error);
  CHECK_THROWS_WITH_AS(dist_shard_state(c, 0, 6).append_layers(dist_shard_state(c, 0, 6)),
                       doctest::Contains("straddles"), error);
}

TEST_CASE("layer_state: attention drift collected in pipeline stages gives the whole report bit for bit") {
  const dist_corpus c = dist_make_corpus();
  const layer_state whole = dist_shard_state(c, 0, c.lengths.size());
  REQUIRE(whole.attention.has_value());
  const std::string want = dist_report_json(whole);
  // Stages of hidden states 0..2 | 3..4: attention layers 0, 1 | 2, 3. Stage 1's first pair (2)
  // compares layer 1, the previous stage's last, with its own layer 2; 2 data ranks x 2 stages.
  layer_state ranks[2];
  for (int r = 0; r < 2; ++r) {
    const std::size_t first = r == 0 ? 0 : 3, count = 3;
    layer_shard early = dist_stage(c, first, count, 0, 3, nullptr, true);
    const sequence_grams sent = sequence_grams::deserialize(early.boundary().serialize());
    layer_shard late = dist_stage(c, first, count, 3, c.states, &sent, true);
    CHECK(early.first_attention_pair() == 0);
    CHECK(late.first_attention_pair() == 2);
    const layer_state tail = layer_state::deserialize(late.state().serialize());
    REQUIRE(tail.attention.has_value());
    CHECK(tail.attention->first_pair() == 2);
    CHECK(tail.attention->pairs() == 2);
    // the stage's own sums are those of the whole stack at pairs 2 and 3
    for (std::size_t i = 0; i < count; ++i) {
      const attention_drift_sums got = tail.attention->sums(i), all = whole.attention->sums(first + i);
      CHECK(got.rows == all.rows);
      CHECK(got.js_sum[0] == all.js_sum[2]);
      CHECK(got.js_sum[1] == all.js_sum[3]);
    }
    ranks[r] = early.state();
    ranks[r].append_layers(tail);
  }
  ranks[0].merge(ranks[1]);
  CHECK(dist_report_json(ranks[0]) == want);

  // a stage without the previous stage's last layer lacks the straddling pair
  layer_shard stage = dist_stage(c, 0, 6, 0, 3, nullptr, true);
  const sequence_grams g = stage.boundary();
  CHECK_THROWS_WITH_AS(
      (void)dist_stage(c, 0, 6, 3, c.states, &g, true).state().attention->evidence(resampling_plan(6, 20, 0)),
      doctest::Contains("append the earlier pipeline stages"), error);
  layer_shard late = dist_stage(c, 0, 6, 3, c.states, &g);
  const std::size_t n = c.lengths[0];
  std::vector<tensor_view<const double, 3>> own;
  for (std::size_t k = 2; k < 4; ++k)
    own.emplace_back(
        c.att[0][k].data(), std::array<std::size_t, 3>{c.heads, n, n},
        std::array<std::ptrdiff_t, 3>{static_cast<std::ptrdiff_t>(n * n), static_cast<std::ptrdiff_t>(n), 1});
  late.add_attention_sequence(0, std::span<const tensor_view<const double, 3>>(own));
  for (std::size_t s = 1; s < 6; ++s) {  // the others complete, so only sequence 0 is short
    const std::size_t m = c.lengths[s];
    std::vector<tensor_view<const double, 3>> views;
    for (std::size_t k = 1; k < 4; ++k)
      views.emplace_back(c.att[s][k].data(), std::array<std::size_t, 3>{c.heads, m, m},
                         std::array<std::ptrdiff_t, 3>{static_cast<std::ptrdiff_t>(m * m),
                                                       static_cast<std::ptrdiff_t>(m), 1});
    late.add_attention_sequence(s, std::span<const tensor_view<const double, 3>>(views));
  }
  CHECK_THROWS_WITH_AS((void)late.state(), doctest::Contains("previous stage's last layer"), error);
  // pairs must continue where the earlier stage's end, and stages agree on attention
  layer_state head = stage.state();
  CHECK_THROWS_WITH_AS(head.append_layers(dist_stage(c, 0, 6, 3, c.states, &g).state()),
                       doctest::Contains("has attention where this state has none"), error);
  layer_state skipped = dist_stage(c, 0, 6, 0, 2, nullptr).state();
  attention_state early_pairs(skipped.shard(), 2, 0), gap(skipped.shard(), 2, 3);
  CHECK_THROWS_WITH_AS(early_pairs.append_layers(gap), doctest::Contains("starts at layer pair 3"), error);
  // a stage's state that claims pairs its hidden states do not have is refused when read
  layer_state bad = layer_state::deserialize(dist_stage(c, 0, 6, 3, c.states, &g, true).state().serialize());
  bad.attention = attention_state(bad.shard(), 3, 2);
  for (std::size_t i = 0; i < 6; ++i) bad.attention->set_sequence(i, {{0.1, 0.2, 0.3}, 4});
  CHECK_THROWS_WITH_AS((void)layer_state::deserialize(bad.serialize()),
                       doctest::Contains("holds attention pairs 2..5"), error);
}

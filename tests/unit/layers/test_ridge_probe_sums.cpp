#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/distributed/layer_shard.hpp>
#include <infoscale/layers/layer_analysis.hpp>
#include <limits>
#include <string>
#include <vector>

#include "distributed_options.hpp"

using namespace infoscale;

namespace {

// Six sequences, four hidden states of 4 features (feature 3 constant: its sd is 0), two tasks.
struct ridge_corpus {
  std::vector<std::size_t> lengths{5, 4, 7, 6, 5, 8};
  std::size_t tokens = 35, width = 4, states = 4;
  std::vector<std::vector<double>> hidden;        // [state][token * width + j]
  std::vector<std::vector<std::int64_t>> labels;  // [task][token]
};

ridge_corpus ridge_make_corpus() {
  ridge_corpus c;
  const random_stream rng(21, 4);
  std::uint64_t draw = 0;
  c.hidden.assign(c.states, std::vector<double>(c.tokens * c.width));
  for (std::size_t l = 0; l < c.states; ++l)
    for (std::size_t i = 0; i < c.tokens; ++i)
      for (std::size_t j = 0; j < c.width; ++j)
        c.hidden[l][i * c.width + j] =
            j == 3 ? 1.5
                   : static_cast<float>((l == 0 ? 0.0 : 0.7 * c.hidden[l - 1][i * c.width + j]) +
                                        rng.normal(draw++) + 3.0);
  c.labels.assign(2, std::vector<std::int64_t>(c.tokens));
  for (std::size_t i = 0; i < c.tokens; ++i) {
    c.labels[0][i] = c.hidden[1][i * c.width] > c.hidden[1][i * c.width + 1] ? 40 : 12;
    c.labels[1][i] = static_cast<std::int64_t>(rng.below(3, draw++));
  }
  return c;
}

std::size_t ridge_first_token(const ridge_corpus& c, std::size_t first) {
  std::size_t start = 0;
  for (std::size_t s = 0; s < first; ++s) start += c.lengths[s];
  return start;
}

layer_shard ridge_shard(const ridge_corpus& c, std::size_t first, std::size_t count, std::size_t folds = 3) {
  const std::size_t start = ridge_first_token(c, first), end = ridge_first_token(c, first + count);
  std::vector<std::vector<std::int64_t>> y;
  for (const auto& task : c.labels) y.emplace_back(task.begin() + start, task.begin() + end);
  layer_shard shard({c.lengths.begin() + first, c.lengths.begin() + first + count}, first, c.lengths.size(),
                    y);
  shard.use_ridge_sums(start, c.tokens, folds, 0);
  for (std::size_t l = 0; l < c.states; ++l)
    shard.add_hidden_layer(
        seq, matrix_view<const double>(c.hidden[l].data() + start * c.width, {end - start, c.width},
                                       {static_cast<std::ptrdiff_t>(c.width), 1}));
  return shard;
}

}  // namespace

TEST_CASE(
    "ridge_probe_sums: each fold's fit from the sums is fit_ridge_columns on that fold's training tokens") {
  const ridge_corpus c = ridge_make_corpus();
  const layer_shard shard = ridge_shard(c, 0, c.lengths.size());
  const ridge_probe_sums& sums = shard.probe_sums();
  const auto fold = fold_assignment(c.tokens, 3, 0);
  for (std::size_t l = 0; l < c.states; ++l) {
    const auto predicted = sums.predict(sums, l, c.hidden[l], 1.0);
    for (std::size_t f = 0; f < 3; ++f) {
      const ridge_fold_probes p = sums.fit(l, f, 1.0);
      // the reference: standardise the training tokens with their own mean and sd, then fit
      std::vector<Eigen::Index> train, test;
      for (std::size_t i = 0; i < c.tokens; ++i)
        (fold[i] == f ? test : train).push_back(static_cast<Eigen::Index>(i));
      const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(
          c.hidden[l].data(), static_cast<Eigen::Index>(c.tokens), static_cast<Eigen::Index>(c.width));
      Eigen::MatrixXd xtr = x(train, Eigen::all).transpose(), xte = x(test, Eigen::all).transpose();
      const Eigen::VectorXd mean = xtr.rowwise().mean();
      Eigen::VectorXd sd = (xtr.colwise() - mean).array().square().rowwise().mean().sqrt();
      for (Eigen::Index j = 0; j < sd.size(); ++j) sd(j) = sd(j) > 0.0 ? sd(j) : 1.0;
      CHECK(sd(3) == 1.0);
      CHECK(p.sd(3) == 1.0);  // the constant feature, whose centred sum of squares is rounding only
      CHECK((p.mean - mean).cwiseAbs().maxCoeff() <= 1e-12 * mean.cwiseAbs().maxCoeff());
      CHECK((p.sd - sd).cwiseAbs().maxCoeff() <= 1e-10);
      xtr = (xtr.colwise() - mean).array().colwise() / sd.array();
      xte = (xte.colwise() - mean).array().colwise() / sd.array();
      for (std::size_t t = 0; t < 2; ++t) {
        std::vector<std::int64_t> ids(c.labels[t]);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        CHECK(sums.classes(t) == ids);
        std::vector<int> y;
        for (const auto i : train)
          y.push_back(static_cast<int>(
              std::lower_bound(ids.begin(), ids.end(), c.labels[t][static_cast<std::size_t>(i)]) -
              ids.begin()));
        const auto want = detail::fit_ridge_columns(xtr, y, static_cast<int>(ids.size()), 1.0);
        // w is classes x features there, features x classes here; tolerance: the sums' X'X - n m m'
        // against the centred product, relative 1e-10 on features of size ~3
        CHECK((p.w[t] - want.w.transpose()).cwiseAbs().maxCoeff() <= 1e-10);
        CHECK((p.bias[t] - want.b).cwiseAbs().maxCoeff() <= 1e-10);
        const Eigen::MatrixXd z = want.logits(xte);
        for (std::size_t r = 0; r < test.size(); ++r) {
          Eigen::Index best = 0;
          z.col(static_cast<Eigen::Index>(r)).maxCoeff(&best);
          CHECK(predicted[t][static_cast<std::size_t>(test[r])] == ids[static_cast<std::size_t>(best)]);
        }
      }
    }
  }
}

TEST_CASE(
    "ridge_probe_sums: shards merged in any order give the same bytes, and the same report bit for bit") {
  const ridge_corpus c = ridge_make_corpus();
  const layer_shard whole = ridge_shard(c, 0, 6);
  layer_shard a = ridge_shard(c, 0, 2), b = ridge_shard(c, 2, 3), d = ridge_shard(c, 5, 1);
  ridge_probe_sums ab = a.probe_sums(), dba = d.probe_sums();
  ab.merge(b.probe_sums());
  ab.merge(d.probe_sums());
  dba.merge(ridge_probe_sums::deserialize(b.probe_sums().serialize()));
  dba.merge(a.probe_sums());
  ridge_probe_sums one = whole.probe_sums();
  // the whole shard's own sums, read back: the held tokens' folds are not part of the state
  const ridge_probe_sums read = ridge_probe_sums::deserialize(one.serialize());
  CHECK(ab.serialize() == one.serialize());  // the same sequences in the same order: the same integers
  // merged sums hold the shards in another order; their sums are the same integers
  for (std::size_t l = 0; l < c.states; ++l)
    for (std::size_t f = 0; f < 3; ++f) {
      const auto x = ab.fit(l, f, 1.0), y = dba.fit(l, f, 1.0), z = read.fit(l, f, 1.0);
      CHECK(x.mean == z.mean);
      CHECK(x.sd == z.sd);
      CHECK(x.w[1] == z.w[1]);
      CHECK(y.w[0] == z.w[0]);
    }
  // shards predict with the merged sums; their states merge into the whole's report, bit for bit
  layer_shard w1 = whole;
  w1.predict_probes(read, 1.0);
  a.predict_probes(ab, 1.0);
  b.predict_probes(dba, 1.0);
  d.predict_probes(ab, 1.0);
  layer_state merged = d.state();
  merged.merge(layer_state::deserialize(a.state().serialize()));
  merged.merge(b.state());
  const auto report = [](const layer_state& s) {
    return layer_analysis(seq, s, testing::distributed_test_options(), "shards").report(seq);
  };
  const layer_report one_shard = report(w1.state()), three = report(merged);
  CHECK(one_shard.probe_scores == three.probe_scores);
  CHECK(one_shard.s2 == three.s2);
  CHECK(one_shard.evidence == three.evidence);
  // and the same S2 as the probes fitted on the gathered features (no near tie in this corpus)
  layer_shard gathered({c.lengths.begin(), c.lengths.end()}, 0, 6, c.labels);
  for (std::size_t l = 0; l < c.states; ++l)
    gathered.add_hidden_layer(seq, matrix_view<const double>(c.hidden[l].data(), {c.tokens, c.width},
                                                             {static_cast<std::ptrdiff_t>(c.width), 1}));
  const layer_report features = report(gathered.state());
  CHECK(features.probe_scores == three.probe_scores);
  CHECK(features.s2 == three.s2);
  bool noted = false;
  for (const auto& n : three.notes) noted = noted || n.find("normal-equation") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("ridge_probe_sums: misuse, mismatched shards, bad values and bad bytes are named errors") {
  const ridge_corpus c = ridge_make_corpus();
  layer_shard a = ridge_shard(c, 0, 2), b = ridge_shard(c, 2, 4);
  CHECK_THROWS_WITH_AS((void)a.state(), doctest::Contains("predict_probes"), error);
  CHECK_THROWS_WITH_AS((void)a.probe_sums().fit(0, 0, 1.0), doctest::Contains("missing"), error);
  ridge_probe_sums merged = a.probe_sums();
  CHECK_THROWS_WITH_AS(merged.merge(a.probe_sums()), doctest::Contains("already held"), error);
  CHECK_THROWS_WITH_AS(merged.merge(ridge_shard(c, 2, 4, 4).probe_sums()), doctest::Contains("other folds"),
                       error);
  merged.merge(b.probe_sums());
  CHECK_THROWS_WITH_AS((void)merged.fit(0, 0, 0.0), doctest::Contains("alpha"), error);
  CHECK_THROWS_WITH_AS((void)merged.predict(merged, 0, c.hidden[0], 1.0), doctest::Contains("shard's own"),
                       error);
  CHECK_THROWS_WITH_AS((void)a.probe_sums().predict(merged, 0, {c.hidden[0].data(), 3}, 1.0),
                       doctest::Contains("features"), error);
  a.predict_probes(merged, 1.0);
  b.predict_probes(merged, 1.0);
  layer_state s = a.state();
  s.merge(b.state());
  layer_options logistic = testing::distributed_test_options();
  logistic.probe = probe_kind::logistic;
  CHECK_THROWS_WITH_AS(layer_analysis(seq, s, logistic, "shards"),
                       doctest::Contains("ridge probe predictions"), error);
  layer_options five = testing::distributed_test_options();
  five.folds = 5;
  CHECK_THROWS_WITH_AS(layer_analysis(seq, s, five, "shards"), doctest::Contains("other probes"), error);
  // a state of predictions does not merge with one of features
  layer_shard plain(
      {c.lengths.begin() + 2, c.lengths.end()}, 2, 6,
      {{c.labels[0].begin() + 9, c.labels[0].end()}, {c.labels[1].begin() + 9, c.labels[1].end()}});
  for (std::size_t l = 0; l < c.states; ++l)
    plain.add_hidden_layer(
        seq, matrix_view<const double>(c.hidden[l].data() + 9 * c.width, {c.tokens - 9, c.width},
                                       {static_cast<std::ptrdiff_t>(c.width), 1}));
  layer_state p = a.state();
  CHECK_THROWS_WITH_AS(p.merge(plain.state()), doctest::Contains("predictions"), error);
  // NaN and values beyond the fixed-point range
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(), 1e19}) {
    std::vector<double> h(c.hidden[0].begin(), c.hidden[0].begin() + 9 * c.width);
    h[5] = bad;
    ridge_probe_sums x(sequence_shard::contiguous(0, {5, 4}, 6, "test"), 3, 0, c.tokens,
                       ridge_probe_folds(c.tokens, 0, 9, 3, 0),
                       {{c.labels[0].begin(), c.labels[0].begin() + 9}});
    CHECK_THROWS_WITH_AS(x.add_layer(matrix_view<const double>(h.data(), {9, c.width},
                                                               {static_cast<std::ptrdiff_t>(c.width), 1})),
                         doctest::Contains("fixed-point range"), error);
  }
  CHECK_THROWS_WITH_AS((void)ridge_probe_folds(c.tokens, 30, 9, 3, 0), doctest::Contains("do not fit"),
                       error);
  // bytes: truncated, corrupted counts (checksum re-signed), foreign kind
  std::vector<std::byte> bytes = merged.serialize();
  CHECK(ridge_probe_sums::deserialize(bytes).serialize() == bytes);
  for (const std::size_t cut : {std::size_t{3}, std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    CHECK_THROWS_AS((void)ridge_probe_sums::deserialize(std::span<const std::byte>(bytes).first(cut)), error);
  }
  const auto resign = [](std::vector<std::byte> v) {
    const std::uint64_t sum = infoscale::detail::fnv1a64(std::span<const std::byte>(v).first(v.size() - 8));
    std::memcpy(v.data() + v.size() - 8, &sum, 8);
    return v;
  };
  for (std::size_t at = 16; at + 8 < bytes.size(); at += 37) {
    std::vector<std::byte> v = bytes;
    v[at] = std::byte{0xff};
    v[at + 1] = std::byte{0xff};
    v[at + 7] = std::byte{0x7f};
    try {
      (void)ridge_probe_sums::deserialize(resign(v));  // may parse (a sum changed), or fail by name
    } catch (const error&) {
    }
  }
  CHECK_THROWS_WITH_AS((void)ridge_probe_sums::deserialize(a.state().serialize()),
                       doctest::Contains("not a ridge"), error);
}

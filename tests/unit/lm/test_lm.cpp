#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <infoscale/lm.hpp>
#include <map>
#include <numbers>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

namespace {

// p(∅) = q, the m other words (1 - q)/m each, whatever the prefix: lengths are geometric and
// S_L = [h(q) + (1 - q) log m] / q in closed form (h the binary entropy).
table_lm geometric_model(std::size_t m, double q) {
  std::vector<double> row(m + 1, (1.0 - q) / static_cast<double>(m));
  row[0] = q;
  return table_lm(vocabulary(m + 1, 0), {{sentence{}, row}});
}
double binary_entropy(double q) {
  return -q * std::log(q) - (1 - q) * std::log(1 - q);
}

// A random finite model on V = 4 (end = 0): random rows for every context of length <= 1 and ∅
// forced after any 2-token context, so every prompt has finitely many continuations.
table_lm random_finite_model(std::uint64_t seed) {
  const random_stream rng(seed, 7);
  std::uint64_t counter = 0;
  const std::size_t v = 4;
  std::map<sentence, std::vector<double>> rows;
  const auto random_row = [&] {
    std::vector<double> row(v);
    double total = 0;
    for (auto& p : row) total += (p = -std::log(rng.uniform(counter++)));  // Dirichlet(1)
    for (auto& p : row) p /= total;
    if (rng.uniform(counter++) < 0.3) {  // sometimes a zero, to exercise disjoint supports
      row[1 + rng.below(v - 1, counter++)] = 0.0;
      total = 0;
      for (auto p : row) total += p;
      for (auto& p : row) p /= total;
    }
    return row;
  };
  rows[{}] = random_row();
  for (token a = 1; a < v; ++a) {
    rows[{a}] = random_row();
    for (token b = 1; b < v; ++b) rows[{a, b}] = {1.0, 0.0, 0.0, 0.0};
  }
  return table_lm(vocabulary(v, 0), rows);
}

}  // namespace

TEST_CASE("lm: vocabulary and sentences reject bad input") {
  CHECK_THROWS_AS(vocabulary(4, 4), infoscale::error);  // no end token inside the vocabulary
  CHECK_THROWS_WITH_AS(vocabulary(4, 9), doctest::Contains("'end'"), infoscale::error);
  CHECK_THROWS_AS(vocabulary(1, 0), infoscale::error);
  const vocabulary v(3, 0);
  const sentence with_end{1, 0, 2};
  CHECK_THROWS_WITH_AS(check_sentence(v, with_end, "f", "prompt"), doctest::Contains("end token"),
                       infoscale::error);
  const sentence outside{5};
  CHECK_THROWS_AS(check_sentence(v, outside, "f", "prompt"), infoscale::error);
}

TEST_CASE("lm: table models validate normalisation and back off to the longest known suffix") {
  const vocabulary v(3, 0);
  CHECK_THROWS_WITH_AS(table_lm(v, {{sentence{}, {0.5, 0.4, 0.2}}}), doctest::Contains("not normalised"),
                       infoscale::error);
  CHECK_THROWS_WITH_AS(table_lm(v, {{sentence{1}, {0.5, 0.5, 0.0}}}), doctest::Contains("empty context"),
                       infoscale::error);
  CHECK_THROWS_AS(table_lm(v, {{sentence{}, {0.5, 0.5}}}), infoscale::error);  // wrong length
  CHECK_THROWS_AS(table_lm(v, {{sentence{}, {1.5, -0.5, 0.0}}}), infoscale::error);
  CHECK_THROWS_AS(continuation_table(v, {{sentence{1}, {{{2}, 0.5}, {{1}, 0.4}}}}), infoscale::error);
  CHECK_THROWS_AS(continuation_table(v, {{sentence{1}, {{{2}, 0.5}, {{2}, 0.5}}}}), infoscale::error);

  const table_lm m(
      v,
      {{sentence{}, {0.5, 0.25, 0.25}}, {sentence{1}, {0.0, 0.0, 1.0}}, {sentence{2, 2}, {0.9, 0.1, 0.0}}});
  CHECK(m.order() == 2);
  const sentence p1{2, 1};  // longest known suffix {1}
  CHECK(std::exp(next_log_probabilities(m, p1)[2]) == doctest::Approx(1.0));
  const sentence p2{1, 2, 2};  // {2, 2}
  CHECK(std::exp(next_log_probabilities(m, p2)[0]) == doctest::Approx(0.9));
  const sentence p3{2};  // back to {}
  CHECK(std::exp(next_log_probabilities(m, p3)[0]) == doctest::Approx(0.5));
  // The induced CLM: P("2" | {1}) = p(2|1) p(∅|1 2) = 1 * 0.5.
  const sentence prompt{1}, y{2};
  CHECK(continuation_log_probability(m, prompt, y) == doctest::Approx(std::log(0.5)));
  static_assert(PredicativeLM<table_lm>);
  static_assert(CausalLM<induced_clm<table_lm>>);
  static_assert(FiniteCausalLM<continuation_table>);
  CHECK(induced_clm(m).log_probability(prompt, y) == doctest::Approx(std::log(0.5)));
}

TEST_CASE("lm: n-gram add-k and Kneser-Ney match hand-computed values") {
  // V = 5: ∅ = 0, a = 1, b = 2, c = 3, d = 4 (d never occurs). Corpus: "a b", "a c", "b".
  const vocabulary v(5, 0);
  const std::vector<sentence> corpus{{1, 2}, {1, 3}, {2}};
  // Raw counts: c(.) = {∅:3, a:2, b:2, c:1} (8); c(a .) = {b:1, c:1}; c(b .) = {∅:2}; c(c .) = {∅:1}.
  const ngram_lm addk(v, corpus, {.order = 2, .smoothing = ngram_smoothing::add_k, .k = 1.0});
  const sentence after_a{1}, after_d{4}, empty{};
  const std::vector<double> expect_a{1 / 7., 1 / 7., 2 / 7., 2 / 7., 1 / 7.};  // (c + 1) / (2 + 5)
  const std::vector<double> expect_d{4 / 13., 3 / 13., 3 / 13., 2 / 13.,
                                     1 / 13.};  // unseen: back off to c(.)
  const auto la = next_log_probabilities(addk, after_a);
  const auto ld = next_log_probabilities(addk, after_d);
  for (std::size_t w = 0; w < 5; ++w) {
    CHECK(std::exp(la[w]) == doctest::Approx(expect_a[w]).epsilon(1e-14));
    CHECK(std::exp(ld[w]) == doctest::Approx(expect_d[w]).epsilon(1e-14));
  }
  // Kneser-Ney, D = 0.5. Continuation counts N1+(. w), sentence start a left neighbour:
  // {∅:2 (b∅, c∅), a:1 (<s>a), b:2 (ab, <s>b), c:1 (ac)}, total 6, 4 types.
  // p0(w) = max(N - .5, 0)/6 + .5*4/6 * 1/5; p(w|a) = max(c - .5, 0)/2 + .5*2/2 * p0(w).
  const ngram_lm kn(v, corpus, {.order = 2, .smoothing = ngram_smoothing::kneser_ney, .discount = 0.5});
  const std::vector<double> p0{1.5 / 6 + 1 / 15., 0.5 / 6 + 1 / 15., 1.5 / 6 + 1 / 15., 0.5 / 6 + 1 / 15.,
                               1 / 15.};
  const std::vector<double> raw_a{0, 0, 1, 1, 0};
  const std::vector<double> raw_top{3, 2, 2, 1, 0};  // empty prefix: raw unigram counts at the top order
  const auto ka = next_log_probabilities(kn, after_a);
  const auto ke = next_log_probabilities(kn, empty);
  double sum_a = 0, sum_e = 0;
  for (std::size_t w = 0; w < 5; ++w) {
    const double expected_a = std::max(raw_a[w] - 0.5, 0.0) / 2 + 0.5 * p0[w];
    const double expected_e = std::max(raw_top[w] - 0.5, 0.0) / 8 + 0.5 * 4 / 8 * 0.2;
    CHECK(std::exp(ka[w]) == doctest::Approx(expected_a).epsilon(1e-14));
    CHECK(std::exp(ke[w]) == doctest::Approx(expected_e).epsilon(1e-14));
    sum_a += std::exp(ka[w]);
    sum_e += std::exp(ke[w]);
  }
  CHECK(std::exp(ka[2]) == doctest::Approx(0.408333333333333).epsilon(1e-12));  // by hand
  CHECK(sum_a == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(sum_e == doctest::Approx(1.0).epsilon(1e-14));
  const std::vector<sentence> none;
  CHECK_THROWS_AS(ngram_lm(v, none), infoscale::error);
  CHECK_THROWS_AS(ngram_lm(v, corpus, {.smoothing = ngram_smoothing::kneser_ney, .discount = 1.5}),
                  infoscale::error);
}

TEST_CASE("lm: the callback adapter equals log-softmax and rejects bad callbacks") {
  const vocabulary v(3, 0);
  const auto logits = [](std::span<const token> prefix) {
    return std::vector<float>{1.0f, 2.0f, static_cast<float>(prefix.size())};
  };
  const callback_lm m(v, logits, 2.0);
  static_assert(PredicativeLM<callback_lm<decltype(logits)>>);
  const sentence prefix{1, 2, 1};
  const auto l = next_log_probabilities(m, prefix);
  const double z = std::exp(0.5) + std::exp(1.0) + std::exp(1.5);
  CHECK(std::exp(l[0]) == doctest::Approx(std::exp(0.5) / z).epsilon(1e-14));
  CHECK(std::exp(l[2]) == doctest::Approx(std::exp(1.5) / z).epsilon(1e-14));
  CHECK_THROWS_AS(callback_lm(v, logits, 0.0), infoscale::error);
  const callback_lm wrong(v, [](std::span<const token>) { return std::vector<double>{0.0, 1.0}; });
  CHECK_THROWS_WITH_AS(next_log_probabilities(wrong, prefix), doctest::Contains("callback"),
                       infoscale::error);
  const callback_lm nan(v, [](std::span<const token>) { return std::vector<double>{0.0, NAN, 1.0}; });
  CHECK_THROWS_AS(next_log_probabilities(nan, prefix), infoscale::error);
  // A callback returning a table's log-probabilities is the same model: same entropy function.
  const auto table = random_finite_model(3);
  const callback_lm wrapped(table.vocab(), [&](std::span<const token> p) {
    std::vector<double> out(4);
    table.next_log_probabilities(p, out);
    for (auto& x : out) x = std::max(x, -700.0);  // finite stand-in for log 0
    return out;
  });
  const sentence prompt{2};
  // exp(-700) is not 0: prune those branches by mass (they carry < 1e-250 in all).
  const auto w = entropy_function(wrapped, prompt, {.max_length = 8, .min_mass = 1e-250});
  CHECK(w.truncated_mass < 1e-250);
  CHECK(w.entropy == doctest::Approx(entropy_function(table, prompt).entropy).epsilon(1e-12));
}

TEST_CASE("lm: exact entropy function of the geometric model against its closed form and truncated mass") {
  const std::size_t m = 3;
  const double q = 0.4;
  const auto model = geometric_model(m, q);
  const double step = binary_entropy(q) + (1 - q) * std::log(double(m));  // H of every step
  const double closed = step / q;
  const sentence prompt{1, 2};
  for (const std::size_t length : {0u, 1u, 5u, 9u}) {
    const auto e = entropy_function(model, prompt, {.max_length = length});
    // Nodes up to depth L are expanded: lower bound = step * sum_{t<=L} (1-q)^t, mass cut (1-q)^{L+1}.
    CHECK(e.truncated_mass == doctest::Approx(std::pow(1 - q, length + 1)).epsilon(1e-12));
    CHECK(e.entropy == doctest::Approx(step * (1 - std::pow(1 - q, length + 1)) / q).epsilon(1e-12));
    CHECK(e.entropy <= closed);
  }
  // One word only: the tree is a path, deep enough to converge (cut mass 0.7^201 ~ 1e-31).
  const auto path = geometric_model(1, 0.3);
  const sentence one{1};
  const auto deep = entropy_function(path, one, {.max_length = 200});
  CHECK(deep.truncated_mass < 1e-30);
  CHECK(deep.entropy == doctest::Approx(binary_entropy(0.3) / 0.3).epsilon(1e-13));
  CHECK_THROWS_AS(entropy_function(model, prompt, {.max_length = 64, .max_nodes = 10}), infoscale::error);
}

TEST_CASE("lm: Monte Carlo entropy function is within its standard error of the closed form") {
  const auto model = geometric_model(4, 0.25);
  const double closed = (binary_entropy(0.25) + 0.75 * std::log(4.0)) / 0.25;
  const sentence prompt{3};
  const auto e =
      entropy_function_monte_carlo(model, prompt, {.samples = 4000, .max_length = 400, .seed = 11});
  INFO("MC " << e.entropy << " +- " << e.standard_error << ", closed " << closed);
  CHECK(e.standard_error > 0.0);
  CHECK(std::abs(e.entropy - closed) < 4.0 * e.standard_error);
  // The standard error is that of a geometric count: sd = step * sqrt(1 - q) / q, here / sqrt(n).
  const double step = binary_entropy(0.25) + 0.75 * std::log(4.0);
  CHECK(e.standard_error == doctest::Approx(step * std::sqrt(0.75) / 0.25 / std::sqrt(4000.0)).epsilon(0.1));
  CHECK(e.truncated_mass == 0.0);
  // Same seed, same answer; another stream, another sample.
  const auto again =
      entropy_function_monte_carlo(model, prompt, {.samples = 4000, .max_length = 400, .seed = 11});
  CHECK(again.entropy == e.entropy);
  const auto other = entropy_function_monte_carlo(
      model, prompt, {.samples = 4000, .max_length = 400, .seed = 11, .stream = 1});
  CHECK(other.entropy != e.entropy);
  CHECK_THROWS_AS(entropy_function_monte_carlo(model, prompt, {.samples = 1}), infoscale::error);
}

TEST_CASE("lm: entropy by enumeration equals -sum P log P over full continuations (chain rule)") {
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const auto model = random_finite_model(seed);
    for (const sentence& prompt : {sentence{}, sentence{1}, sentence{3}}) {
      const auto e = entropy_function(model, prompt, {.max_length = 8});
      const auto d = continuation_distribution(model, prompt, {.max_length = 8});
      CHECK(e.truncated_mass == 0.0);
      double total = 0, direct = 0;
      for (const auto& a : d.atoms) {
        total += a.probability;
        direct -= a.probability * std::log(a.probability);
        CHECK(continuation_log_probability(model, prompt, a.continuation) ==
              doctest::Approx(std::log(a.probability)).epsilon(1e-12));
      }
      CHECK(total == doctest::Approx(1.0).epsilon(1e-13));
      CHECK(e.entropy == doctest::Approx(direct).epsilon(1e-12));
      // Bounds: 0 <= S <= log(#continuations).
      CHECK(e.entropy <= std::log(double(d.atoms.size())) + 1e-12);
    }
  }
}

TEST_CASE("lm: zero and near-zero points over a prompt set") {
  const vocabulary v(3, 0);
  // After 1 always 2; after 2 always ∅: prompts ending in 1 or 2 have one continuation (zero points).
  // After "2 2": ∅ with 0.999, else "1 2": S = h(0.001) ~ 0.0079 nats (near zero).
  const table_lm m(v, {{sentence{}, {0.5, 0.25, 0.25}},
                       {sentence{1}, {0.0, 0.0, 1.0}},
                       {sentence{2}, {1.0, 0.0, 0.0}},
                       {sentence{2, 2}, {0.999, 0.001, 0.0}}});
  const std::vector<sentence> prompts{{1}, {2}, {2, 2}, {}, {2, 1}};
  const auto found = zero_points(m, prompts, 0.01);
  REQUIRE(found.size() == 4);
  CHECK(found[0].prompt_index == 0);
  CHECK(found[0].exact_zero);
  CHECK(found[1].exact_zero);
  CHECK(found[2].prompt_index == 2);
  CHECK_FALSE(found[2].exact_zero);
  CHECK(found[2].estimate.entropy == doctest::Approx(binary_entropy(0.001)).epsilon(1e-12));
  CHECK(found[3].prompt_index == 4);
  // The empty prompt: continuations "", "1 2", "2" with 1/2, 1/4, 1/4: S = 1.5 log 2, not flagged.
  const sentence empty{};
  CHECK(entropy_function(m, empty).entropy == doctest::Approx(1.5 * std::numbers::ln2).epsilon(1e-14));
  const std::vector<sentence> none;
  CHECK_THROWS_WITH_AS(zero_points(m, none, 0.1), doctest::Contains("prompts"), infoscale::error);
  CHECK_THROWS_AS(zero_points(m, prompts, 0.0), infoscale::error);
}

TEST_CASE("lm: distribution metrics satisfy the metric axioms and their closed forms") {
  const random_stream rng(5, 0);
  std::uint64_t counter = 0;
  const auto random_distribution = [&] {
    std::vector<double> p(6);
    double total = 0;
    for (auto& x : p) total += (x = rng.uniform(counter++) < 0.2 ? 0.0 : -std::log(rng.uniform(counter++)));
    if (total == 0) p[0] = total = 1;
    for (auto& x : p) x /= total;
    return p;
  };
  const auto check_axioms = [&](auto metric, double upper) {
    for (int trial = 0; trial < 300; ++trial) {
      const auto p = random_distribution(), q = random_distribution(), r = random_distribution();
      const double pq = metric(p, q), qp = metric(q, p), pr = metric(p, r), qr = metric(q, r);
      CHECK(metric(p, p) == doctest::Approx(0.0));
      CHECK(pq >= 0.0);
      CHECK(pq <= upper + 1e-12);
      CHECK(pq == doctest::Approx(qp).epsilon(1e-14));
      CHECK(pr <= pq + qr + 1e-12);
    }
  };
  check_axioms(total_variation_metric{}, 1.0);
  check_axioms(hellinger_metric{}, 1.0);
  check_axioms(js_distance_metric{}, std::sqrt(std::numbers::ln2));
  check_axioms(l2_metric{}, std::sqrt(2.0));
  check_axioms(fisher_rao_metric{}, std::numbers::pi);
  // Disjoint supports reach the maxima.
  const std::vector<double> a{1, 0}, b{0, 1};
  CHECK(total_variation_metric{}(a, b) == 1.0);
  CHECK(hellinger_metric{}(a, b) == doctest::Approx(1.0));
  CHECK(js_distance_metric{}(a, b) == doctest::Approx(std::sqrt(std::numbers::ln2)));
  CHECK(l2_metric{}(a, b) == doctest::Approx(std::sqrt(2.0)));
  CHECK(fisher_rao_metric{}(a, b) == doctest::Approx(std::numbers::pi));
  // Against the definitions and info/ (independent code paths).
  for (int trial = 0; trial < 50; ++trial) {
    const auto p = random_distribution(), q = random_distribution();
    double bc = 0;
    for (std::size_t i = 0; i < p.size(); ++i) bc += std::sqrt(p[i] * q[i]);
    CHECK(fisher_rao_metric{}(p, q) == doctest::Approx(2 * std::acos(std::min(1.0, bc))).epsilon(1e-7));
    CHECK(hellinger_metric{}(p, q) == doctest::Approx(std::sqrt(std::max(0.0, 1 - bc))).epsilon(1e-9));
    std::vector<double> pq(p);
    pq.insert(pq.end(), q.begin(), q.end());
    const auto pv = make_view(p.data(), std::array<std::size_t, 2>{1, 6});
    const auto qv = make_view(q.data(), std::array<std::size_t, 2>{1, 6});
    CHECK(total_variation_metric{}(p, q) == doctest::Approx(total_variation(seq, pv, qv)[0]).epsilon(1e-13));
    CHECK(js_distance_metric{}(p, q) == doctest::Approx(js_distance(seq, pv, qv)[0]).epsilon(1e-12));
  }
}

TEST_CASE("lm: moduli-space distances between random finite models are metrics; sup over prompts") {
  const std::vector<sentence> prompts{{}, {1}, {2}, {3}};
  const auto run = [&](auto metric) {
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      const auto a = random_finite_model(3 * seed), b = random_finite_model(3 * seed + 1),
                 c = random_finite_model(3 * seed + 2);
      double sup = 0;
      for (const auto& s : prompts) {
        const double ab = moduli_distance(a, b, std::span<const token>(s), metric).distance;
        const double ba = moduli_distance(b, a, std::span<const token>(s), metric).distance;
        const double ac = moduli_distance(a, c, std::span<const token>(s), metric).distance;
        const double bc = moduli_distance(b, c, std::span<const token>(s), metric).distance;
        CHECK(moduli_distance(a, a, std::span<const token>(s), metric).distance == doctest::Approx(0.0));
        CHECK(ab == doctest::Approx(ba).epsilon(1e-14));
        CHECK(ac <= ab + bc + 1e-12);
        sup = std::max(sup, ab);
      }
      const auto whole = moduli_distance(a, b, prompts, metric);
      CHECK(whole.distance == sup);
      CHECK(whole.truncated_mass == 0.0);
      CHECK(moduli_distance(a, b, std::span<const token>(prompts[whole.prompt_index]), metric).distance ==
            sup);
      // The sup distance is itself a metric on models.
      CHECK(moduli_distance(a, c, prompts, metric).distance <=
            whole.distance + moduli_distance(b, c, prompts, metric).distance + 1e-12);
    }
  };
  run(total_variation_metric{});
  run(hellinger_metric{});
  run(js_distance_metric{});
  run(l2_metric{});
  run(fisher_rao_metric{});
  // A PLM and the explicit CLM of its continuations are the same point of the moduli space.
  const auto a = random_finite_model(1);
  const sentence s{2};
  const auto d = continuation_distribution(a, s);
  const continuation_table table(a.vocab(), {{s, d.atoms}});
  CHECK(moduli_distance(a, table, std::span<const token>(s)).distance == doctest::Approx(0.0).scale(1.0));
  const std::vector<sentence> none;
  CHECK_THROWS_AS(moduli_distance(a, a, none), infoscale::error);
  CHECK_THROWS_AS(moduli_distance(a, geometric_model(2, 0.5), std::span<const token>(s)), infoscale::error);
}

TEST_CASE("lm: truncated moduli distances are lower bounds that grow with the enumeration depth") {
  const auto a = geometric_model(2, 0.3), b = geometric_model(2, 0.5);
  const sentence s{1};
  // Exact TV between the two geometric length laws (words are uniform in both):
  // TV = 1/2 sum_k |0.3*0.7^k - 0.5*0.5^k| (each length k spread over 2^k equal sequences).
  double tv = 0;
  for (int k = 0; k < 200; ++k) tv += 0.5 * std::abs(0.3 * std::pow(0.7, k) - 0.5 * std::pow(0.5, k));
  double previous = 0;
  for (const std::size_t length : {0u, 2u, 4u, 8u, 16u}) {
    const auto r =
        moduli_distance(a, b, std::span<const token>(s), total_variation_metric{}, {.max_length = length});
    CHECK(r.distance >= previous - 1e-15);
    CHECK(r.distance <= tv + 1e-12);
    CHECK(r.truncated_mass == doctest::Approx(std::pow(0.7, length + 1)));
    previous = r.distance;
  }
  CHECK(previous == doctest::Approx(tv).epsilon(1e-3));
  const sentence empty{};
  CHECK(next_token_distance(a, b, empty) == doctest::Approx(0.2));  // |0.3 - 0.5|/2 + 2 * |0.35 - 0.25|/2
}

namespace {

/// A model seen through the batched interface, which records what it was asked.
struct batched_view {
  const table_lm* model;
  mutable std::size_t calls = 0;
  mutable bool ascending = true;
  [[nodiscard]] vocabulary vocab() const { return model->vocab(); }
  void next_log_probabilities(std::span<const token> prefix, std::span<double> out) const {
    model->next_log_probabilities(prefix, out);
  }
  void next_log_probabilities_batch(std::span<const std::size_t> ids, std::span<const sentence> prefixes,
                                    std::span<double> out) const {
    ++calls;
    const std::size_t v = model->vocab().size();
    for (std::size_t r = 0; r < prefixes.size(); ++r) {
      if (r > 0 && ids[r] <= ids[r - 1]) ascending = false;
      model->next_log_probabilities(std::span<const token>(prefixes[r]), out.subspan(r * v, v));
    }
  }
};
static_assert(BatchedPredicativeLM<batched_view>);
static_assert(!BatchedPredicativeLM<table_lm>);

}  // namespace

TEST_CASE("lm: batched Monte Carlo gives the sequential draws; direct and chain-rule estimators agree") {
  const auto model = geometric_model(4, 0.25);
  const double closed = (binary_entropy(0.25) + 0.75 * std::log(4.0)) / 0.25;
  const sentence prompt{3};
  const monte_carlo_options o{
      .samples = 1000, .max_length = 400, .seed = 5, .batch = 7, .record_samples = true};
  const auto seq = monte_carlo_entropy_function(model, prompt, o);
  const batched_view view{&model};
  const auto bat = monte_carlo_entropy_function(view, prompt, o);
  CHECK(view.calls > 0);
  CHECK(view.ascending);
  CHECK(bat.chain_rule.entropy == seq.chain_rule.entropy);
  CHECK(bat.direct.entropy == seq.direct.entropy);
  CHECK(bat.rounds == (1000 + 6) / 7);
  REQUIRE(bat.samples.size() == 1000);
  for (std::size_t i = 0; i < 1000; ++i) CHECK(bat.samples[i].continuation == seq.samples[i].continuation);
  // The old entry point is the chain-rule estimate, whatever the batch.
  CHECK(
      entropy_function_monte_carlo(model, prompt, {.samples = 1000, .max_length = 400, .seed = 5}).entropy ==
      seq.chain_rule.entropy);
  // Both estimators are unbiased for the closed form; the chain rule has the smaller error.
  CHECK(std::abs(seq.direct.entropy - closed) < 4.0 * seq.direct.standard_error);
  CHECK(std::abs(seq.chain_rule.entropy - closed) < 4.0 * seq.chain_rule.standard_error);
  CHECK(seq.chain_rule.standard_error < seq.direct.standard_error);
  // Each sample's energy is -log P(y|s) as the model scores it.
  for (std::size_t i = 0; i < 20; ++i) {
    const auto& s = seq.samples[i];
    CHECK(s.energy ==
          doctest::Approx(-continuation_log_probability(model, prompt, s.continuation)).epsilon(1e-12));
  }
}

TEST_CASE("lm: Monte Carlo cut samples keep their last draw; the stopping rule stops after a round") {
  const auto model = geometric_model(4, 0.25);
  const sentence prompt{3};
  const auto r =
      monte_carlo_entropy_function(model, prompt, {.samples = 400, .max_length = 2, .record_samples = true});
  std::size_t cut = 0;
  for (const auto& s : r.samples) {
    if (s.cut) {
      ++cut;
      CHECK(s.continuation.size() == 3);  // max_length words and the observed start of the tail
      // -log P(the continuation starts with these 3 words), no end step.
      double logp = 0.0;
      sentence prefix = prompt;
      for (const token w : s.continuation) {
        logp += next_log_probabilities(model, prefix)[w];
        prefix.push_back(w);
      }
      CHECK(s.energy == doctest::Approx(-logp).epsilon(1e-12));
    } else {
      CHECK(s.continuation.size() <= 2);
    }
  }
  // P(cut) = P(no end in 3 draws) = 0.75^3.
  CHECK(r.chain_rule.truncated_mass == doctest::Approx(static_cast<double>(cut) / 400.0));
  CHECK(r.drawn == 400);
  CHECK(std::abs(r.chain_rule.truncated_mass - 0.421875) < 4.0 * std::sqrt(0.421875 * 0.578125 / 400.0));
  const auto stopped = monte_carlo_entropy_function(
      model, prompt,
      {.samples = 100000, .max_length = 400, .batch = 50, .target_standard_error = 0.2, .min_samples = 100});
  CHECK(stopped.chain_rule.standard_error <= 0.2);
  CHECK(stopped.rounds < 2000);
  CHECK(stopped.rounds >= 2);
  CHECK(stopped.drawn == 50 * stopped.rounds);  // whole rounds of the batch, stopped early
  CHECK(stopped.samples.empty());
  CHECK_THROWS_WITH_AS(monte_carlo_entropy_function(model, prompt, {.batch = 0}),
                       doctest::Contains("options.batch"), infoscale::error);
  CHECK_THROWS_WITH_AS(monte_carlo_entropy_function(model, prompt, {.max_length = 0}),
                       doctest::Contains("options.max_length"), infoscale::error);
  CHECK_THROWS_WITH_AS(monte_carlo_entropy_function(model, prompt, {.samples = 1}),
                       doctest::Contains("options.samples"), infoscale::error);
  CHECK_THROWS_AS(monte_carlo_entropy_function(model, prompt, {.target_standard_error = INFINITY}),
                  infoscale::error);
  CHECK_THROWS_AS(monte_carlo_entropy_function(model, prompt, {.target_standard_error = -1.0}),
                  infoscale::error);
}

TEST_CASE("lm: the batched callback adapter equals the single-prefix one and checks the batch shape") {
  const vocabulary vocab(3, 2);
  const auto logits_of = [](std::span<const token> p) {
    return std::vector<double>{0.1 * static_cast<double>(p.size()), -0.5, 0.3};
  };
  const callback_lm single(vocab, logits_of, 0.7);
  const batched_callback_lm batched(
      vocab,
      [&](std::span<const std::size_t>, std::span<const sentence> prefixes) {
        std::vector<double> all;
        for (const auto& p : prefixes) {
          const auto row = logits_of(p);
          all.insert(all.end(), row.begin(), row.end());
        }
        return all;
      },
      0.7);
  static_assert(BatchedPredicativeLM<decltype(batched)>);
  const sentence a{0, 1};
  CHECK(next_log_probabilities(batched, a) == next_log_probabilities(single, a));
  const auto r1 = monte_carlo_entropy_function(single, sentence{0}, {.samples = 50, .max_length = 8});
  const auto r2 =
      monte_carlo_entropy_function(batched, sentence{0}, {.samples = 50, .max_length = 8, .batch = 16});
  CHECK(r1.chain_rule.entropy == r2.chain_rule.entropy);
  const batched_callback_lm wrong(vocab, [](std::span<const std::size_t>, std::span<const sentence>) {
    return std::vector<double>(5, 0.0);
  });
  CHECK_THROWS_WITH_AS(next_log_probabilities(wrong, a), doctest::Contains("rows x vocabulary"),
                       infoscale::error);
}

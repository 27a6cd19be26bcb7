#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/behaviour.hpp>
#include <infoscale/layers/fisher.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE(
    "layers: Self-BLEU, sentence and corpus BLEU equal sacrebleu (tokenize='none'); ttest_rel equals scipy") {
  std::ifstream in(std::string(INFOSCALE_FIXTURES_DIR) + "/layers/behaviour.json");
  REQUIRE(in.good());
  const auto j = nlohmann::json::parse(in);
  std::vector<sentence_tokens> samples;
  for (const auto& s : j["sentences"]) samples.push_back(split_words(s.get<std::string>()));
  const auto expected = j["sentence_bleu_vs_others"].get<std::vector<double>>();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    std::vector<sentence_tokens> others;
    for (std::size_t k = 0; k < samples.size(); ++k)
      if (k != i) others.push_back(samples[k]);
    INFO("sentence " << i);
    INFOSCALE_CHECK_CLOSE(sentence_bleu(samples[i], others), expected[i], 1e-12, 1e-12);
  }
  INFOSCALE_CHECK_CLOSE(self_bleu(samples), j["self_bleu"].get<double>(), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(corpus_bleu(std::span(samples).subspan(0, 5), std::span(samples).subspan(5, 5)),
                        j["corpus_bleu"].get<double>(), 1e-12, 1e-12);
  const auto a = j["ttest_a"].get<std::vector<double>>();
  const auto b = j["ttest_b"].get<std::vector<double>>();
  const auto t = paired_t_test(a, b);
  INFOSCALE_CHECK_CLOSE(t.statistic, j["ttest_t"].get<double>(), 1e-12, 0.0);
  INFOSCALE_CHECK_CLOSE(t.p_value, j["ttest_p"].get<double>(), 1e-10, 0.0);
  CHECK_THROWS_AS((void)paired_t_test(a, std::span(b).subspan(1)), infoscale::error);
}

TEST_CASE("layers: length variance, type-token ratio and coherence by hand") {
  const std::vector<sentence_tokens> s{split_words("a b c"), split_words("a a"), split_words("d")};
  INFOSCALE_CHECK_CLOSE(length_variance(s), 2.0 / 3.0, 1e-15, 0.0);  // lengths 3, 2, 1
  INFOSCALE_CHECK_CLOSE(type_token_ratio(s), 4.0 / 6.0, 1e-15, 0.0);
  // embeddings (1,0), (0,1), (1,1): cosines 0, 1/sqrt2, 1/sqrt2
  std::vector<double> e{1, 0, 0, 1, 2, 2};
  INFOSCALE_CHECK_CLOSE(coherence(make_view(e.data(), std::array<std::size_t, 2>{3, 2})),
                        std::sqrt(2.0) / 3.0, 1e-15, 0.0);
  std::vector<double> zero{1, 0, 0, 0};
  CHECK_THROWS_AS((void)coherence(make_view(zero.data(), std::array<std::size_t, 2>{2, 2})),
                  infoscale::error);
  // the paper's Table 2 direction issue: Self-BLEU up means less diversity (identical samples -> 100)
  const std::vector<sentence_tokens> same{split_words("the cat sat on the mat"),
                                          split_words("the cat sat on the mat")};
  INFOSCALE_CHECK_CLOSE(self_bleu(same), 100.0, 1e-12, 0.0);
}

TEST_CASE("layers: Fisher trace exact and Hutchinson: exact for diagonal F, unbiased in general") {
  // orthogonal gradient columns -> F diagonal -> every Rademacher probe gives tr F exactly
  std::vector<double> g{3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0};  // 4 samples x 3 dims, orthogonal columns
  const auto gv = make_view(g.data(), std::array<std::size_t, 2>{4, 3});
  INFOSCALE_CHECK_CLOSE(empirical_fisher_trace(gv), 14.0 / 4.0, 1e-15, 0.0);
  INFOSCALE_CHECK_CLOSE(empirical_fisher_trace_hutchinson(gv, 3, 1), 14.0 / 4.0, 1e-14, 0.0);
  // general F: mean of many probes within 5 standard errors (variance 2 sum_{i!=j} F_ij^2 per probe)
  const std::size_t n = 20, d = 6;
  std::vector<double> r(n * d);
  const random_stream rng(4, 0);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = rng.normal(i) + (i % d == 0 ? 1.0 : 0.0);
  const auto rv = make_view(r.data(), std::array<std::size_t, 2>{n, d});
  const Eigen::MatrixXd gm = infoscale::detail::to_matrix(rv);
  const Eigen::MatrixXd f = gm.transpose() * gm / static_cast<double>(n);
  const double off = f.squaredNorm() - f.diagonal().squaredNorm();
  const std::size_t probes = 4000;
  INFOSCALE_CHECK_CLOSE(empirical_fisher_trace_hutchinson(rv, probes, 9), f.trace(), 0.0,
                        5 * std::sqrt(2 * off / probes));
  INFOSCALE_CHECK_CLOSE(noise_sensitivity(f.trace()), 0.5 * f.trace(), 1e-15, 0.0);
  CHECK_THROWS_AS((void)empirical_fisher_trace_hutchinson(rv, 0, 1), infoscale::error);
}

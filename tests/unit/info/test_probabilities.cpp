#include <doctest/doctest.h>

#include <cmath>
#include <infoscale/core/random.hpp>
#include <infoscale/info.hpp>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;
using test::fixture_matrix;

TEST_CASE("divergences over probability rows equal scipy's on fixtures, on every host policy") {
  const fixture_matrix p(test::load_fixture("info/p.npy"));
  const fixture_matrix q(test::load_fixture("info/q.npy"));
  const auto h = test::load_fixture("info/pq_entropy.npy");
  const auto ce = test::load_fixture("info/pq_cross_entropy.npy");
  const auto kl = test::load_fixture("info/pq_kl.npy");
  const auto js = test::load_fixture("info/pq_js.npy");
  const auto tv = test::load_fixture("info/pq_tv.npy");
  const auto alphas = test::load_fixture("info/pq_renyi_alpha.npy");
  const auto renyi = test::load_fixture("info/pq_renyi.npy");
  test::for_each_host_policy([&](auto policy) {
    const auto got_h = entropy(policy, p.view());
    const auto got_ce = cross_entropy(policy, p.view(), q.view());
    const auto got_kl = kl_divergence(policy, p.view(), q.view());
    const auto got_js = js_divergence(policy, p.view(), q.view());
    const auto got_jsd = js_distance(policy, p.view(), q.view());
    const auto got_tv = total_variation(policy, p.view(), q.view());
    for (std::size_t row = 0; row < p.rows; ++row) {
      INFOSCALE_CHECK_CLOSE(got_h[row], h(row), 1e-13, 1e-15);
      INFOSCALE_CHECK_CLOSE(got_ce[row], ce(row), 1e-13, 1e-15);
      INFOSCALE_CHECK_CLOSE(got_kl[row], kl(row), 1e-12, 1e-15);
      INFOSCALE_CHECK_CLOSE(got_js[row], js(row), 1e-12, 1e-15);
      INFOSCALE_CHECK_CLOSE(got_jsd[row], std::sqrt(js(row)), 1e-12, 1e-9);
      INFOSCALE_CHECK_CLOSE(got_tv[row], tv(row), 1e-13, 1e-15);
    }
    for (std::size_t a = 0; a < alphas.size(); ++a) {
      const auto got = renyi_entropy(policy, p.view(), alphas(a));
      for (std::size_t row = 0; row < p.rows; ++row)
        INFOSCALE_CHECK_CLOSE(got[row], renyi(a, row), 1e-12, 1e-14);
    }
  });
}

TEST_CASE("divergence axioms on random rows: non-negativity, identity, symmetry, bounds") {
  const random_stream rng(2026, 1);
  const std::size_t rows = 20, columns = 64;
  std::vector<double> p(rows * columns), q(rows * columns);
  for (std::size_t r = 0; r < rows; ++r) {
    double sp = 0, sq = 0;
    for (std::size_t j = 0; j < columns; ++j) {
      const double scale = 1.0 + static_cast<double>(r);
      p[r * columns + j] = std::pow(rng.uniform(2 * (r * columns + j)), scale);
      q[r * columns + j] = std::pow(rng.uniform(2 * (r * columns + j) + 1), scale);
      sp += p[r * columns + j];
      sq += q[r * columns + j];
    }
    for (std::size_t j = 0; j < columns; ++j) {
      p[r * columns + j] /= sp;
      q[r * columns + j] /= sq;
    }
  }
  const auto pv = make_view<2>(p, {rows, columns});
  const auto qv = make_view<2>(q, {rows, columns});
  const auto kl_pq = kl_divergence(seq, pv, qv);
  const auto kl_pp = kl_divergence(seq, pv, pv);
  const auto kl_qp = kl_divergence(seq, qv, pv);
  const auto js_pq = js_divergence(seq, pv, qv);
  const auto js_qp = js_divergence(seq, qv, pv);
  const auto tv_pq = total_variation(seq, pv, qv);
  const auto h = entropy(seq, pv);
  const auto ce = cross_entropy(seq, pv, qv);
  const auto r2 = renyi_entropy(seq, pv, 2.0);
  const auto r_near_1 = renyi_entropy(seq, pv, 1.0 + 1e-7);
  for (std::size_t r = 0; r < rows; ++r) {
    CHECK(kl_pq[r] > 0.0);
    CHECK(kl_pp[r] == 0.0);
    CHECK(js_pq[r] == doctest::Approx(js_qp[r]).epsilon(1e-14));
    CHECK(js_pq[r] <= std::log(2.0));
    CHECK(js_pq[r] <= 0.25 * (kl_pq[r] + kl_qp[r]) + 1e-15);  // convexity of KL in its 2nd argument
    CHECK(tv_pq[r] >= 0.0);
    CHECK(tv_pq[r] <= 1.0);
    CHECK(tv_pq[r] <= std::sqrt(0.5 * kl_pq[r]));  // Pinsker's inequality
    CHECK(ce[r] == doctest::Approx(h[r] + kl_pq[r]).epsilon(1e-13));
    CHECK(r2[r] <= h[r]);  // Rényi entropy is non-increasing in alpha
    CHECK(r_near_1[r] == doctest::Approx(h[r]).epsilon(1e-5));
    CHECK(h[r] <= std::log(double(columns)));
  }
}

TEST_CASE("exact corner cases: one-hot, uniform, disjoint supports") {
  const std::size_t v = 262144;
  std::vector<double> one_hot(v, 0.0), uniform(v, 1.0 / v);
  one_hot[12345] = 1.0;
  const auto oh = make_view<2>(one_hot, {1, v});
  const auto un = make_view<2>(uniform, {1, v});
  CHECK(entropy(par, oh)[0] == 0.0);
  CHECK(entropy(par, un)[0] == doctest::Approx(std::log(double(v))).epsilon(1e-14));
  CHECK(kl_divergence(seq, oh, un)[0] == doctest::Approx(std::log(double(v))).epsilon(1e-14));
  CHECK(std::isinf(kl_divergence(seq, un, oh)[0]));
  CHECK(std::isinf(cross_entropy(seq, un, oh)[0]));
  std::vector<double> a{1.0, 0.0}, b{0.0, 1.0};
  CHECK(js_divergence(seq, make_view<2>(a, {1, 2}), make_view<2>(b, {1, 2}))[0] ==
        doctest::Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(total_variation(seq, make_view<2>(a, {1, 2}), make_view<2>(b, {1, 2}))[0] == 1.0);
  CHECK(renyi_entropy(seq, un, 0.0)[0] == doctest::Approx(std::log(double(v))));
  CHECK(renyi_entropy(seq, oh, INFINITY)[0] == 0.0);
}

TEST_CASE("float and half-precision probability rows are read without a copy") {
  std::vector<float> pf{0.25f, 0.25f, 0.5f};
  std::vector<bfloat16> pb{to_bfloat16(0.25f), to_bfloat16(0.25f), to_bfloat16(0.5f)};
  std::vector<float16> ph{to_float16(0.25f), to_float16(0.25f), to_float16(0.5f)};
  const double expected = 1.5 * std::log(2.0);
  CHECK(entropy(seq, make_view<2>(pf, {1, 3}))[0] == doctest::Approx(expected).epsilon(1e-15));
  CHECK(entropy(seq, make_view<2>(pb, {1, 3}))[0] == doctest::Approx(expected).epsilon(1e-15));
  CHECK(entropy(seq, make_view<2>(ph, {1, 3}))[0] == doctest::Approx(expected).epsilon(1e-15));
}

TEST_CASE("bad probability input raises infoscale::error naming the argument") {
  std::vector<double> p{0.5, 0.5, 0.3, 0.7}, q{0.5, 0.5, 0.3, 0.7};
  const auto pv = make_view<2>(p, {2, 2});
  const auto qv = make_view<2>(q, {2, 2});
  test::for_each_host_policy([&](auto policy) {
    p[2] = 0.4;
    CHECK_THROWS_WITH_AS(entropy(policy, pv), doctest::Contains("'p' row 1 sums to 1.1"), error);
    p[2] = -0.3;
    p[3] = 1.3;
    CHECK_THROWS_WITH_AS(entropy(policy, pv), doctest::Contains("negative probability"), error);
    p[2] = NAN;
    CHECK_THROWS_WITH_AS(kl_divergence(policy, pv, qv), doctest::Contains("NaN or infinite value in row 1"),
                         error);
    p[2] = 0.3;
    p[3] = 0.7;
    q[0] = INFINITY;
    CHECK_THROWS_WITH_AS(js_divergence(policy, pv, qv), doctest::Contains("argument 'q'"), error);
    q[0] = 0.5;
    CHECK_NOTHROW(js_divergence(policy, pv, qv));
  });
  std::vector<double> three(6, 1.0 / 3);
  CHECK_THROWS_WITH_AS(kl_divergence(seq, pv, make_view<2>(three, {2, 3})),
                       doctest::Contains("argument 'q' has length 3"), error);
  CHECK_THROWS_AS(entropy(seq, make_view(p.data(), std::array<std::size_t, 2>{0, 4}, "p")), error);
  CHECK_THROWS_AS(renyi_entropy(seq, pv, -1.0), error);
  CHECK_THROWS_AS(renyi_entropy(seq, pv, NAN), error);
}

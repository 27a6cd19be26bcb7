#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <infoscale/core/random.hpp>
#include <infoscale/layers/attention_drift.hpp>
#include <infoscale/layers/intervention.hpp>
#include <infoscale/layers/probe.hpp>
#include <limits>
#include <vector>

#include "../../support/approx.hpp"

using namespace infoscale;

TEST_CASE("layers: attention drift is JS (nats) averaged over heads and queries, masks respected (by hand)") {
  // 1 head, 2 queries, 2 keys, causal: query 0 sees key 0 only (both layers: JS 0); query 1 sees
  // both keys: (0.5, 0.5) vs (1, 0): JS = 0.5 [0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25)] + 0.5 ln(1/0.75)
  std::vector<double> a{1.0, 0.0, 0.5, 0.5}, b{0.9, 0.1, 1.0, 0.0};  // b's row 0 leaks to a future key
  const std::array<tensor_view<const double, 3>, 2> layers{
      make_view(a.data(), std::array<std::size_t, 3>{1, 2, 2}),
      make_view(b.data(), std::array<std::size_t, 3>{1, 2, 2})};
  const double js =
      0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(0.5 / 0.25)) + 0.5 * std::log(1.0 / 0.75);
  const auto drift = attention_drift(std::span<const tensor_view<const double, 3>>(layers), {true, {}});
  REQUIRE(drift.size() == 1);
  INFOSCALE_CHECK_CLOSE(drift[0], js / 2.0, 1e-15, 0.0);  // the masked future key leaves row 0 at JS 0
  // without the causal mask row 0 differs: (1, 0) vs (0.9, 0.1)
  const double js0 =
      0.5 * std::log(1.0 / 0.95) + 0.5 * (0.9 * std::log(0.9 / 0.95) + 0.1 * std::log(0.1 / 0.05));
  const auto open =
      attention_drift(std::span<const tensor_view<const double, 3>>(layers));  // default: no mask
  INFOSCALE_CHECK_CLOSE(open[0], (js0 + js) / 2.0, 1e-15, 0.0);
  // padding: key/query 1 padded -> only query 0 counts, JS 0
  const std::vector<std::uint8_t> valid{1, 0};
  const auto padded = attention_drift(std::span<const tensor_view<const double, 3>>(layers), {true, valid});
  CHECK(padded[0] == 0.0);
  // per-head entropy: row 0 -> 0, row 1 -> ln 2
  const auto h = attention_entropy(layers[0]);
  INFOSCALE_CHECK_CLOSE(h[0], std::log(2.0) / 2.0, 1e-15, 0.0);
  std::vector<double> bad{1.0, 0.0, -0.5, 1.5};
  const std::array<tensor_view<const double, 3>, 2> broken{
      layers[0], make_view(bad.data(), std::array<std::size_t, 3>{1, 2, 2})};
  CHECK_THROWS_AS((void)attention_drift(std::span<const tensor_view<const double, 3>>(broken)),
                  infoscale::error);
  const std::array<tensor_view<const double, 3>, 1> one{layers[0]};
  CHECK_THROWS_AS((void)attention_drift(std::span<const tensor_view<const double, 3>>(one)),
                  infoscale::error);
}

TEST_CASE("layers: macro-F1 as sklearn f1_score(average='macro') and S2 = |dP|/P (eq. 4), by hand") {
  // classes 0,1,2; class 2 never occurs in labels or predictions -> excluded, as in sklearn
  const std::vector<int> labels{0, 0, 1, 1, 1, 0};
  const std::vector<int> predicted{0, 1, 1, 1, 0, 0};
  // class 0: TP 2, FP 1, FN 1 -> 4/6; class 1: TP 2, FP 1, FN 1 -> 4/6
  INFOSCALE_CHECK_CLOSE(macro_f1(labels, predicted, 3), 2.0 / 3.0, 1e-15, 0.0);
  const std::vector<int> never{0, 0, 0, 0, 0, 0};  // class 1 present in labels only: F1 0
  INFOSCALE_CHECK_CLOSE(macro_f1(labels, never, 3), (2.0 * 3 / (2.0 * 3 + 3)) / 2.0, 1e-15, 0.0);
  const std::vector<double> p{0.5, 0.6, 0.3};
  const auto s2 = probe_jumps(p);
  INFOSCALE_CHECK_CLOSE(s2[0], 0.2, 1e-14, 0.0);
  INFOSCALE_CHECK_CLOSE(s2[1], 0.5, 1e-14, 0.0);
  CHECK_THROWS_AS((void)probe_jumps(std::vector<double>{0.0, 0.5}), infoscale::error);
  CHECK_THROWS_AS((void)macro_f1(std::vector<int>{0, 3}, std::vector<int>{0, 1}, 3), infoscale::error);
}

TEST_CASE(
    "layers: probes: logistic reaches its optimum (zero gradient), the MLP separates XOR where it cannot") {
  const std::size_t n = 160;
  std::vector<double> x(n * 2);
  std::vector<int> linear(n), xor_labels(n);
  const random_stream rng(3, 0);
  for (std::size_t i = 0; i < n; ++i) {
    x[2 * i] = rng.uniform(2 * i) * 2 - 1;
    x[2 * i + 1] = rng.uniform(2 * i + 1) * 2 - 1;
    linear[i] = x[2 * i] + 0.5 * x[2 * i + 1] + 0.3 * rng.normal(n + i) > 0 ? 1 : 0;
    xor_labels[i] = (x[2 * i] > 0) != (x[2 * i + 1] > 0) ? 1 : 0;
  }
  const auto features = make_view(x.data(), std::array<std::size_t, 2>{n, 2});
  // optimality of the logistic solver: the objective's gradient vanishes at its solution
  probe_options logistic{probe_kind::logistic, 5, 1e-2, 2000};
  const Eigen::MatrixXd xm = detail::to_matrix(features);
  const auto model = detail::fit_logistic(xm, linear, 2, logistic);
  detail::linear_model g;
  const double loss = detail::logistic_objective(xm, detail::one_hot(linear, 2), model, 1e-2, &g);
  CHECK(g.w.norm() + g.b.norm() < 1e-6);
  // finite-difference check of that gradient (independent of the analytic form)
  auto shifted = model;
  shifted.w(0, 1) += 1e-6;
  const double up = detail::logistic_objective(xm, detail::one_hot(linear, 2), shifted, 1e-2, nullptr);
  CHECK(std::abs((up - loss) / 1e-6) < 1e-5);
  CHECK(probe_score(features, linear, 2, logistic) > 0.8);
  CHECK(probe_score(features, xor_labels, 2, logistic) < 0.7);
  probe_options mlp{probe_kind::mlp, 4, 1e-4, 400, 128, 2e-2, 1};
  CHECK(probe_score(features, xor_labels, 2, mlp) > 0.85);
  // seeded: the same folds and the same MLP initialisation give the same predictions
  CHECK(cross_validated_predictions(features, xor_labels, 2, mlp) ==
        cross_validated_predictions(features, xor_labels, 2, mlp));
  std::vector<int> out_of_range = linear;
  out_of_range[3] = 2;
  CHECK_THROWS_WITH_AS((void)probe_score(features, out_of_range, 2, logistic), doctest::Contains("'labels'"),
                       infoscale::error);
}

TEST_CASE("layers: probes: folds under par give the predictions of seq, for logistic and MLP") {
  // Four overlapping Gaussian classes in 12 dimensions; the MLP's products are large enough for
  // Eigen to thread them under seq (in an OpenMP build), as it must not inside par's folds.
  const std::size_t n = 320, d = 12;
  const int classes = 4;
  const random_stream rng(11, 0);
  std::vector<double> x(n * d);
  std::vector<int> labels(n);
  std::uint64_t draw = 0;
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int>(i % classes);
    for (std::size_t j = 0; j < d; ++j)
      x[i * d + j] = (j == static_cast<std::size_t>(labels[i]) ? 1.5 : 0.0) + rng.normal(draw++);
  }
  const auto features = make_view(static_cast<const double*>(x.data()), std::array<std::size_t, 2>{n, d});
  const probe_options logistic{probe_kind::logistic, 5, 1e-3, 150};
  const probe_options mlp{probe_kind::mlp, 5, 1e-4, 150, 64, 1e-2, 7};
  for (const auto& options : {logistic, mlp}) {
    const auto serial = cross_validated_predictions(seq, features, labels, classes, options);
    CHECK(cross_validated_predictions(par, features, labels, classes, options) == serial);
    CHECK(cross_validated_predictions(features, labels, classes, options) == serial);
    CHECK(probe_score(par, features, labels, classes, options) == macro_f1(labels, serial, classes));
    CHECK(macro_f1(labels, serial, classes) > 0.5);
  }
}

template <class V>
concept noise_accepts = requires(const V& v) {
  add_gaussian_noise(seq, v, 0.1, 1);
};
static_assert(noise_accepts<tensor_view<double, 2>>);
static_assert(!noise_accepts<tensor_view<const double, 2>>, "a const view must be refused at compile time");

TEST_CASE(
    "layers: Gaussian noise intervention (eq. 7): seeded, identical on every host policy, right scale") {
  const std::size_t n = 4000;
  std::vector<double> base(n);
  const random_stream rng(1, 0);
  for (std::size_t i = 0; i < n; ++i) base[i] = 3.0 + 2.0 * rng.normal(i);
  std::vector<double> reference = base;
  const double used =
      add_gaussian_noise(seq, make_view(reference.data(), std::array<std::size_t, 2>{40, 100}), 0.1, 77);
  // sd of base: population std computed independently here
  double mean = 0.0, var = 0.0;
  for (const double v : base) mean += v;
  mean /= n;
  for (const double v : base) var += (v - mean) * (v - mean);
  INFOSCALE_CHECK_CLOSE(used, 0.1 * std::sqrt(var / n), 1e-12, 0.0);
  // the added noise is N(0, used^2): its sample mean and variance
  double nm = 0.0, nv = 0.0;
  for (std::size_t i = 0; i < n; ++i) nm += reference[i] - base[i];
  nm /= n;
  for (std::size_t i = 0; i < n; ++i) nv += (reference[i] - base[i] - nm) * (reference[i] - base[i] - nm);
  INFOSCALE_CHECK_CLOSE(nm, 0.0, 0.0, 5 * used / std::sqrt(n));
  INFOSCALE_CHECK_CLOSE(std::sqrt(nv / n), used, 0.05, 0.0);
  test::for_each_host_policy([&](auto policy) {
    std::vector<double> copy = base;
    add_gaussian_noise(policy, make_view(copy.data(), std::array<std::size_t, 2>{40, 100}), 0.1, 77);
    CHECK(copy == reference);
  });
  // strided view: a transposed view perturbs element (i, j) with the draw of its own flat index
  std::vector<double> t = base;
  add_gaussian_noise(
      seq, make_view(t.data(), std::array<std::size_t, 2>{100, 40}, std::array<std::ptrdiff_t, 2>{1, 100}),
      0.1, 77);
  CHECK(t[1] - base[1] == doctest::Approx(0.1 * std::sqrt(var / n) * random_stream(77, 0).normal(40)));
  // float storage and per-layer scaling on a stack
  std::vector<float> stack(3 * 10 * 4, 1.0f);
  for (std::size_t i = 0; i < stack.size(); ++i) stack[i] += static_cast<float>(i % 7);
  const std::vector<float> before = stack;
  const std::vector<std::size_t> scale_layers{1};
  perturb_layers(par, make_view(stack.data(), std::array<std::size_t, 3>{3, 10, 4}), scale_layers, 0.1, 5);
  CHECK(std::equal(stack.begin(), stack.begin() + 40, before.begin()));
  CHECK_FALSE(std::equal(stack.begin() + 40, stack.begin() + 80, before.begin() + 40));
  CHECK(std::equal(stack.begin() + 80, stack.end(), before.begin() + 80));
  INFOSCALE_CHECK_CLOSE(brittleness(0.30, 0.34, 0.1), 0.4, 1e-12, 0.0);
  CHECK_THROWS_AS((void)brittleness(0.3, 0.4, 0.0), infoscale::error);
  std::vector<double> nan_data(10, std::numeric_limits<double>::quiet_NaN());
  CHECK_THROWS_AS(add_gaussian_noise(seq, make_view(nan_data.data(), std::array<std::size_t, 1>{10}), 0.1, 1),
                  infoscale::error);
  CHECK_THROWS_AS(add_gaussian_noise(seq, make_view(base.data(), std::array<std::size_t, 1>{10}), -0.1, 1),
                  infoscale::error);
}

TEST_CASE(
    "layers: noise per sample of a batch equals one call per slice; a fixed reference std sets its size") {
  std::vector<float> batch(3 * 5 * 4);
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<float>(i % 11) - 5.0f;
  std::vector<float> one_by_one = batch;
  const std::vector<std::uint64_t> streams{9, 4, 1u << 20};
  const auto view = make_view(batch.data(), std::array<std::size_t, 3>{3, 5, 4});
  const std::vector<double> used = add_gaussian_noise_per_sample(par, view, 0.2, 3, streams);
  const auto slices = make_view(one_by_one.data(), std::array<std::size_t, 3>{3, 5, 4});
  for (std::size_t b = 0; b < 3; ++b)
    CHECK(add_gaussian_noise(seq, slices[b], 0.2, 3, streams[b]) == used[b]);
  CHECK(batch == one_by_one);
  // With a reference std every slice gets sigma x reference, whatever its own spread.
  std::vector<double> flat(2 * 50, 0.0);
  for (std::size_t i = 50; i < flat.size(); ++i) flat[i] = static_cast<double>(i);
  const auto fixed =
      add_gaussian_noise_per_sample(seq, make_view(flat.data(), std::array<std::size_t, 3>{2, 5, 10}), 0.5, 1,
                                    std::vector<std::uint64_t>{0, 1}, 4.0);
  CHECK(fixed == std::vector<double>{2.0, 2.0});
  CHECK(flat[0] == doctest::Approx(2.0 * random_stream(1, 0).normal(0)));
  CHECK_THROWS_WITH_AS(
      static_cast<void>(add_gaussian_noise_per_sample(seq, view, 0.2, 3, std::vector<std::uint64_t>{1})),
      doctest::Contains("'streams' has 1 streams for 3 samples"), infoscale::error);
  CHECK_THROWS_WITH_AS(static_cast<void>(add_gaussian_noise_scaled(seq, view[0], 0.2, -1.0, 3)),
                       doctest::Contains("'reference_std' must be finite and >= 0"), infoscale::error);
}

TEST_CASE("layers: noise under par equals seq on both sides of the 65,536-element threshold") {
  // Below the threshold par draws on the calling thread, above it on the OpenMP team: both must
  // write seq's values exactly (counter-based draws, element-wise).
  for (const std::size_t n : {std::size_t{65535}, std::size_t{65536}, std::size_t{200003}}) {
    std::vector<float> a(n), b(n), c(n);
    for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = c[i] = static_cast<float>(i % 97) * 0.25f - 12.0f;
    const auto va = make_view(a.data(), std::array<std::size_t, 1>{n});
    const auto vb = make_view(b.data(), std::array<std::size_t, 1>{n});
    const auto vc = make_view(c.data(), std::array<std::size_t, 1>{n});
    const double std_seq = add_gaussian_noise(seq, va, 0.1, 11, 2);
    const double std_par = add_gaussian_noise(par, vb, 0.1, 11, 2);
    CHECK(std_seq == std_par);
    CHECK(a == b);
    CHECK(add_gaussian_noise_scaled(par, vc, 0.1, 3.0, 11, 2) == doctest::Approx(0.3));
    CHECK(c != std::vector<float>(n, 0.0f));
    std::vector<float> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<float>(i % 97) * 0.25f - 12.0f;
    (void)add_gaussian_noise_scaled(seq, make_view(d.data(), std::array<std::size_t, 1>{n}), 0.1, 3.0, 11, 2);
    CHECK(c == d);
  }
}

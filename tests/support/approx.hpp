#pragma once
// Shared test helpers: tolerant comparison (absolute OR relative, as xsf's tests) and fixtures.

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

namespace infoscale::test {

inline bool close(double actual, double expected, double rtol, double atol = 0.0) {
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= atol + rtol * std::abs(expected);
}

#define INFOSCALE_CHECK_CLOSE(actual, expected, rtol, atol)                                  \
  do {                                                                                       \
    const double infoscale_actual_ = (actual);                                               \
    const double infoscale_expected_ = (expected);                                           \
    INFO("actual = " << infoscale_actual_ << ", expected = " << infoscale_expected_);        \
    CHECK(::infoscale::test::close(infoscale_actual_, infoscale_expected_, (rtol), (atol))); \
  } while (false)

template <class T = double>
xt::xarray<T> load_fixture(const std::string& relative_path) {
  return xt::load_npy<T>(std::string(INFOSCALE_FIXTURES_DIR) + "/" + relative_path);
}

}  // namespace infoscale::test

#include <infoscale/core/tensor_view.hpp>
#include <infoscale/exec/policy.hpp>
#include <vector>

namespace infoscale::test {

/// Calls f(policy) for every host policy compiled into the tests.
template <class F>
void for_each_host_policy(F&& f) {
  f(seq);
  f(par);
#if INFOSCALE_HAS_THRUST
  f(thrust_host);
#endif
}

/// Copies a rank-2 fixture into a row-major vector and returns a read-only view of it.
struct fixture_matrix {
  std::vector<double> values;
  std::size_t rows = 0, columns = 0;
  explicit fixture_matrix(const xt::xarray<double>& a)
      : values(a.begin(), a.end()), rows(a.shape(0)), columns(a.shape(1)) {}
  [[nodiscard]] matrix_view<const double> view() const {
    return make_view(values.data(), std::array<std::size_t, 2>{rows, columns}, "fixture");
  }
};

}  // namespace infoscale::test

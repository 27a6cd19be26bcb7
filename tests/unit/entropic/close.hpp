#pragma once
// Tolerant comparison for the entropic tests: absolute OR relative error, as in xsf's tests.

#include <doctest/doctest.h>

#include <cmath>

namespace infoscale::entropic::test {

inline bool close(double actual, double expected, double rtol, double atol = 0.0) {
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= atol + rtol * std::abs(expected);
}

}  // namespace infoscale::entropic::test

#define ENTROPIC_CHECK_CLOSE(actual, expected, rtol, atol)                                           \
  do {                                                                                               \
    const double entropic_actual_ = (actual);                                                        \
    const double entropic_expected_ = (expected);                                                    \
    INFO("actual = " << entropic_actual_ << ", expected = " << entropic_expected_);                  \
    CHECK(::infoscale::entropic::test::close(entropic_actual_, entropic_expected_, (rtol), (atol))); \
  } while (false)

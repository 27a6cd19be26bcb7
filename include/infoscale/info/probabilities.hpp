#pragma once
// Information measures between rows of probability vectors (each row sums to 1), in nats.
// Conventions follow scipy and xsf: 0 log 0 = 0, KL = +inf where q = 0 < p; the summands are the
// elementwise kernels of core/entropy_terms.hpp (entr, rel_entr, jensen_shannon_term). Rows are validated
// (finite, >= 0, normalised within a tolerance) on every back end before the measure is taken.
//
// js_divergence is the Jensen-Shannon DIVERGENCE; scipy.spatial.distance.jensenshannon returns
// its square root (the JS distance). js_distance gives that one.

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/check.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/info/detail/pairwise_rows.hpp"

namespace infoscale {
namespace detail {

struct negated_row_minimum_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const {
    return p - p == 0.0 ? -p : std::numeric_limits<double>::infinity();
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double negated_minimum) const { return negated_minimum; }
};
struct row_sum_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const { return p; }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum; }
};

/// Checks on the policy's own memory that every row of p is a probability vector.
template <ExecutionPolicy P, class T>
void check_probabilities(P policy, const matrix_view<T>& p, std::string_view function, std::string_view name,
                         double tolerance) {
  check_not_empty(p, function, name);
  // The maximum of -p is minus the row minimum; a non-finite entry turns it into +inf.
  const auto negated_minimum = reduce_pairwise<row_reduction::max>(policy, p, p, negated_row_minimum_term{});
  const auto sums = reduce_pairwise(policy, p, p, row_sum_term{});
  for (std::size_t row = 0; row < sums.size(); ++row) {
    if (!std::isfinite(negated_minimum[row]) || !std::isfinite(sums[row])) {
      raise(function, name, "has a NaN or infinite value in row " + std::to_string(row));
    }
    if (negated_minimum[row] > 0.0) {
      raise(function, name,
            "has a negative probability (" + std::to_string(-negated_minimum[row]) + ") in row " +
                std::to_string(row));
    }
    if (std::abs(sums[row] - 1.0) > tolerance) {
      raise(function, name,
            "row " + std::to_string(row) + " sums to " + std::to_string(sums[row]) + ", not 1 (tolerance " +
                detail::format_number(tolerance) + "); normalise it first");
    }
  }
}

template <ExecutionPolicy P, class T, class U>
void check_probability_pair(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                            std::string_view function, double tolerance_p, double tolerance_q) {
  check_probabilities(policy, p, function, "p", tolerance_p);
  check_same_shape(p, q, function, "q");
  check_probabilities(policy, q, function, "q", tolerance_q);
}

struct entropy_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const { return entr(p); }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum; }
};
struct cross_entropy_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double q) const {
    if (p == 0.0) return 0.0;
    return q > 0.0 ? -p * std::log(q) : std::numeric_limits<double>::infinity();
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum; }
};
struct kl_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double q) const { return rel_entr(p, q); }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum > 0.0 ? sum : 0.0; }
};
struct js_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double q) const {
    return jensen_shannon_term(p, q);
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum > 0.0 ? sum : 0.0; }
};
struct total_variation_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double q) const {
    return 0.5 * std::fabs(p - q);
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum; }
};
struct renyi_power_term {
  double alpha;
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const {
    return p > 0.0 ? std::pow(p, alpha) : 0.0;
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const {
    return std::log(sum) / (1.0 - alpha);
  }
};
struct support_size_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const { return p > 0.0 ? 1.0 : 0.0; }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double count) const { return std::log(count); }
};
struct min_entropy_term {
  INFOSCALE_HOST_DEVICE double operator()(std::size_t, double p, double) const { return p; }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double maximum) const { return -std::log(maximum); }
};

}  // namespace detail

/// Shannon entropy -sum p log p of each row, nats (scipy.stats.entropy(p, axis=1)).
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> entropy(P policy, const matrix_view<T>& p,
                                          double tolerance = normalisation_tolerance<T>) {
  detail::check_probabilities(policy, p, "entropy", "p", tolerance);
  return detail::reduce_pairwise(policy, p, p, detail::entropy_term{});
}

/// Cross-entropy -sum p log q of each row pair, nats; +inf where q = 0 < p.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> cross_entropy(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                                                double tolerance = normalisation_tolerance<T>) {
  detail::check_probability_pair(policy, p, q, "cross_entropy", tolerance, tolerance);
  return detail::reduce_pairwise(policy, p, q, detail::cross_entropy_term{});
}

/// Kullback-Leibler divergence KL(p || q) of each row pair, nats (scipy.stats.entropy(p, q)).
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> kl_divergence(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                                                double tolerance = normalisation_tolerance<T>) {
  detail::check_probability_pair(policy, p, q, "kl_divergence", tolerance, tolerance);
  return detail::reduce_pairwise(policy, p, q, detail::kl_term{});
}

/// Jensen-Shannon divergence, nats, in [0, log 2]. The square of scipy's jensenshannon.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> js_divergence(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                                                double tolerance = normalisation_tolerance<T>) {
  detail::check_probability_pair(policy, p, q, "js_divergence", tolerance, tolerance);
  return detail::reduce_pairwise(policy, p, q, detail::js_term{});
}

/// Jensen-Shannon distance sqrt(JS divergence): scipy.spatial.distance.jensenshannon, a metric.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> js_distance(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                                              double tolerance = normalisation_tolerance<T>) {
  auto d = js_divergence(policy, p, q, tolerance);
  for (double& v : d) v = std::sqrt(v);
  return d;
}

/// Total variation distance (1/2) sum |p - q|, in [0, 1].
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> total_variation(P policy, const matrix_view<T>& p, const matrix_view<U>& q,
                                                  double tolerance = normalisation_tolerance<T>) {
  detail::check_probability_pair(policy, p, q, "total_variation", tolerance, tolerance);
  return detail::reduce_pairwise(policy, p, q, detail::total_variation_term{});
}

/// Rényi entropy of order alpha >= 0, nats: log(sum p^alpha) / (1 - alpha); alpha = 0 gives
/// log |support|, alpha = 1 Shannon's entropy, alpha = +inf the min-entropy -log max p.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> renyi_entropy(P policy, const matrix_view<T>& p, double alpha,
                                                double tolerance = normalisation_tolerance<T>) {
  if (std::isnan(alpha) || alpha < 0.0) detail::raise("renyi_entropy", "alpha", "must be >= 0 (or +inf)");
  detail::check_probabilities(policy, p, "renyi_entropy", "p", tolerance);
  if (alpha == 0.0) return detail::reduce_pairwise(policy, p, p, detail::support_size_term{});
  if (alpha == 1.0) return detail::reduce_pairwise(policy, p, p, detail::entropy_term{});
  if (std::isinf(alpha)) {
    return detail::reduce_pairwise<detail::row_reduction::max>(policy, p, p, detail::min_entropy_term{});
  }
  return detail::reduce_pairwise(policy, p, p, detail::renyi_power_term{alpha});
}

}  // namespace infoscale

#pragma once
// Information measures of next-token distributions given as logits, p = softmax(z), in nats (the
// entropies of ES, TD §5 and MS §4 all come from here or from thermo/).
// entropy, varentropy and the negative log-likelihood read the logits once (softmax moments);
// KL and JS read both rows twice: once for their log-partition functions, once for the sum, which
// then works on exact log-probabilities (no softmax is ever materialised).

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infoscale/exec/detail/logits_rows.hpp"
#include "infoscale/info/detail/pairwise_rows.hpp"

namespace infoscale {
namespace detail {

struct kl_logits_term {
  const double* log_partition_a;
  const double* log_partition_b;
  INFOSCALE_HOST_DEVICE double operator()(std::size_t row, double a, double b) const {
    const double log_p = a - log_partition_a[row];
    const double log_q = b - log_partition_b[row];
    return std::exp(log_p) * (log_p - log_q);
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum > 0.0 ? sum : 0.0; }
};

struct js_logits_term {
  const double* log_partition_a;
  const double* log_partition_b;
  INFOSCALE_HOST_DEVICE double operator()(std::size_t row, double a, double b) const {
    const double log_p = a - log_partition_a[row];
    const double log_q = b - log_partition_b[row];
    const double hi = log_p > log_q ? log_p : log_q;
    const double lo = log_p > log_q ? log_q : log_p;
    const double log_m = hi + std::log1p(std::exp(lo - hi)) - 0.69314718055994530942;
    return 0.5 * (std::exp(log_p) * (log_p - log_m) + std::exp(log_q) * (log_q - log_m));
  }
  INFOSCALE_HOST_DEVICE double finalize(std::size_t, double sum) const { return sum > 0.0 ? sum : 0.0; }
};

template <ExecutionPolicy P, class T, class U, class Term>
std::vector<double> logits_divergence(P policy, const matrix_view<T>& a, const matrix_view<U>& b,
                                      std::string_view function) {
  check_not_empty(a, function, "logits_a");
  check_same_shape(a, b, function, "logits_b");
  const auto moments_a = logits_moments(policy, a, 1.0, function, "logits_a");
  const auto moments_b = logits_moments(policy, b, 1.0, function, "logits_b");
  std::vector<double> log_z_a(moments_a.size());
  std::vector<double> log_z_b(moments_b.size());
  for (std::size_t row = 0; row < moments_a.size(); ++row) {
    log_z_a[row] = moments_a[row].log_partition();
    log_z_b[row] = moments_b[row].log_partition();
  }
  const row_constants<P> za(std::move(log_z_a));
  const row_constants<P> zb(std::move(log_z_b));
  return reduce_pairwise(policy, a, b, Term{za.data(), zb.data()});
}

}  // namespace detail

/// Entropy of softmax(z / T) per row, nats. T = 1 gives the model's own next-token entropy.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> entropy_from_logits(P policy, const matrix_view<T>& logits,
                                                      double temperature = 1.0,
                                                      logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "entropy_from_logits", "logits", precision);
  std::vector<double> out;
  out.reserve(moments.size());
  for (const auto& m : moments) out.push_back(m.entropy());
  return out;
}

/// Varentropy Var_p(-log p) per row: the variance of the surprisal.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> varentropy_from_logits(
    P policy, const matrix_view<T>& logits, double temperature = 1.0,
    logits_precision precision = logits_precision::exact) {
  const auto moments =
      detail::logits_moments(policy, logits, temperature, "varentropy_from_logits", "logits", precision);
  std::vector<double> out;
  out.reserve(moments.size());
  for (const auto& m : moments) out.push_back(m.varentropy());
  return out;
}

/// Cross-entropy of the observed tokens, -log softmax(z)[target] per row (the per-token loss).
/// Host memory only.
template <ExecutionPolicy P, class T>
[[nodiscard]] std::vector<double> cross_entropy_from_logits(P policy, const matrix_view<T>& logits,
                                                            std::span<const std::int64_t> targets) {
  static_assert(!reads_device_memory<P>,
                "cross_entropy_from_logits reads targets on the host: use a host policy");
  constexpr std::string_view function = "cross_entropy_from_logits";
  if (targets.size() != logits.extent(0)) {
    detail::raise(function, "targets",
                  "has " + std::to_string(targets.size()) + " entries but logits has " +
                      std::to_string(logits.extent(0)) + " rows");
  }
  for (std::size_t row = 0; row < targets.size(); ++row) {
    if (targets[row] < 0 || static_cast<std::size_t>(targets[row]) >= logits.extent(1)) {
      detail::raise(function, "targets",
                    "has token id " + std::to_string(targets[row]) + " at row " + std::to_string(row) +
                        ", outside the vocabulary [0, " + std::to_string(logits.extent(1)) + ")");
    }
  }
  const auto moments = detail::logits_moments(policy, logits, 1.0, function);
  std::vector<double> out(moments.size());
  for (std::size_t row = 0; row < moments.size(); ++row) {
    out[row] =
        moments[row].log_partition() - detail::widen(logits(row, static_cast<std::size_t>(targets[row])));
  }
  return out;
}

/// KL(softmax(a) || softmax(b)) per row, nats.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> kl_divergence_from_logits(P policy, const matrix_view<T>& logits_a,
                                                            const matrix_view<U>& logits_b) {
  return detail::logits_divergence<P, T, U, detail::kl_logits_term>(policy, logits_a, logits_b,
                                                                    "kl_divergence_from_logits");
}

/// Jensen-Shannon divergence between softmax(a) and softmax(b) per row, nats.
template <ExecutionPolicy P, class T, class U>
[[nodiscard]] std::vector<double> js_divergence_from_logits(P policy, const matrix_view<T>& logits_a,
                                                            const matrix_view<U>& logits_b) {
  return detail::logits_divergence<P, T, U, detail::js_logits_term>(policy, logits_a, logits_b,
                                                                    "js_divergence_from_logits");
}

}  // namespace infoscale

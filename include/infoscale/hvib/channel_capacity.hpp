#pragma once
// The capacity C = max_{p(x)} I(X; Y) of a discrete memoryless channel W(y|x), by the
// Blahut-Arimoto algorithm (Arimoto 1972, Blahut 1972), the companion of the rate-distortion
// iteration in information_bottleneck.hpp (MS A.3 reads the H-VIB rates through both). From an input
// distribution r the iteration computes q(y) = sum_x r(x) W(y|x) and D(x) = KL(W(.|x) || q), and
// multiplies r by exp(D). At every step Blahut's bounds bracket the capacity:
//   I(r) = sum_x r(x) D(x)  <=  I_L = log sum_x r(x) exp(D(x))  <=  C  <=  I_U = max_x D(x),
// so stopping when I_U - I_L < tolerance certifies C to that tolerance. In nats.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "infoscale/core/compensated_sum.hpp"
#include "infoscale/core/entropy_terms.hpp"
#include "infoscale/core/error.hpp"
#include "infoscale/core/log_sum_exp.hpp"
#include "infoscale/hvib/information_bottleneck.hpp"

namespace infoscale {

/// The capacity of a channel and the input distribution that achieves it.
struct channel_capacity_result {
  double capacity = 0.0;     ///< I(X; Y) at `input` (achieved, so <= C), nats
  double lower_bound = 0.0;  ///< Blahut's I_L at the last iterate: capacity <= I_L <= C
  double upper_bound = 0.0;  ///< Blahut's I_U = max_x KL(W(.|x) || q) at the last iterate: C <= I_U
  Eigen::VectorXd input;     ///< the capacity-achieving p(x)
  Eigen::VectorXd output;    ///< q(y) = sum_x p(x) W(y|x)
  std::size_t iterations = 0;
  bool converged = false;  ///< upper_bound - lower_bound < tolerance
};

namespace detail {

inline void check_channel(const Eigen::MatrixXd& channel, std::string_view function) {
  if (channel.rows() == 0 || channel.cols() == 0) raise(function, "channel", "is empty");
  for (Eigen::Index x = 0; x < channel.rows(); ++x) {
    compensated_sum total;
    for (Eigen::Index y = 0; y < channel.cols(); ++y) {
      const double w = channel(x, y);
      if (!std::isfinite(w) || w < 0.0) {
        raise(function, "channel",
              "has an invalid probability " + std::to_string(w) + " at row " + std::to_string(x) +
                  ", column " + std::to_string(y));
      }
      total += w;
    }
    if (std::abs(total.value() - 1.0) > 1e-9) {
      raise(function, "channel",
            "row " + std::to_string(x) + " sums to " + std::to_string(total.value()) +
                ", not 1: rows are the conditional distributions W(. | x)");
    }
  }
}

/// D(x) = KL(W(.|x) || q) for every input letter.
inline Eigen::VectorXd channel_divergences(const Eigen::MatrixXd& channel, const Eigen::VectorXd& q) {
  Eigen::VectorXd d(channel.rows());
  for (Eigen::Index x = 0; x < channel.rows(); ++x) {
    compensated_sum kl;
    for (Eigen::Index y = 0; y < channel.cols(); ++y) kl += rel_entr(channel(x, y), q(y));
    d(x) = std::max(0.0, kl.value());
  }
  return d;
}

}  // namespace detail

/// Capacity of the discrete memoryless channel `channel` (|X| x |Y|, row x is W(. | x)) by
/// Blahut-Arimoto, starting from the uniform input; stops when I_U - I_L < options.tolerance.
[[nodiscard]] inline channel_capacity_result channel_capacity(const Eigen::MatrixXd& channel,
                                                              const iteration_options& options = {}) {
  constexpr std::string_view function = "channel_capacity";
  detail::check_channel(channel, function);
  if (!(options.tolerance > 0.0)) detail::raise(function, "options.tolerance", "must be > 0");
  const Eigen::Index n = channel.rows();
  Eigen::VectorXd log_r = Eigen::VectorXd::Constant(n, -std::log(static_cast<double>(n)));
  channel_capacity_result out;
  Eigen::VectorXd r = log_r.array().exp().matrix();
  Eigen::VectorXd q = channel.transpose() * r;
  Eigen::VectorXd d = detail::channel_divergences(channel, q);
  for (std::size_t it = 1; it <= options.max_iterations; ++it) {
    // log r(x) + D(x): its log-sum-exp is I_L, and r exp(D) / exp(I_L) the next input.
    const Eigen::VectorXd shifted = log_r + d;
    out.lower_bound = log_sum_exp(std::span<const double>(shifted.data(), static_cast<std::size_t>(n)));
    out.upper_bound = d.maxCoeff();
    out.lower_bound = std::min(out.lower_bound, out.upper_bound);  // I_L <= I_U up to rounding
    out.iterations = it;
    if (out.upper_bound - out.lower_bound < options.tolerance) {
      out.converged = true;
      break;
    }
    log_r = shifted.array() - out.lower_bound;
    r = log_r.array().exp().matrix();
    r /= r.sum();
    q = channel.transpose() * r;
    d = detail::channel_divergences(channel, q);
  }
  out.input = r;
  out.output = q;
  compensated_sum information;  // I(X; Y) = sum_x r(x) D(x) at the final input
  for (Eigen::Index x = 0; x < n; ++x) information += r(x) * d(x);
  out.capacity = std::clamp(information.value(), 0.0, out.upper_bound);
  return out;
}

}  // namespace infoscale

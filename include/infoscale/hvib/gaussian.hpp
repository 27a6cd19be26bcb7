#pragma once
// Gaussian distributions and Gaussian conditionals, the building blocks of the hierarchical chain
// (mspgt-hvib eqs. (9)-(10)). A conditional maps its parent vector to a Gaussian: linearly
// (z | u ~ N(A u + b, S), where every chain term has a closed form) or through arbitrary functions
// (mean(u), covariance(u)), where the chain terms are estimated by Monte Carlo.

#include <Eigen/Dense>
#include <cmath>
#include <concepts>
#include <functional>
#include <numbers>
#include <string>
#include <string_view>
#include <utility>

#include "infoscale/core/random.hpp"
#include "infoscale/hvib/detail/linear_algebra.hpp"

namespace infoscale {

/// N(mean, covariance), validated on construction (finite, symmetric positive definite).
class gaussian {
 public:
  gaussian(Eigen::VectorXd mean, Eigen::MatrixXd covariance, std::string_view function = "gaussian")
      : mean_(std::move(mean)), covariance_(std::move(covariance)) {
    lower_ = detail::checked_cholesky(covariance_, function, "covariance");
    detail::check_vector_length(mean_, covariance_.rows(), function, "mean");
  }

  [[nodiscard]] const Eigen::VectorXd& mean() const { return mean_; }
  [[nodiscard]] const Eigen::MatrixXd& covariance() const { return covariance_; }
  /// Lower Cholesky factor L, covariance = L L^T.
  [[nodiscard]] const Eigen::MatrixXd& cholesky() const { return lower_; }
  [[nodiscard]] Eigen::Index dimension() const { return mean_.size(); }
  [[nodiscard]] double log_determinant() const { return detail::log_determinant_from_cholesky(lower_); }

  /// log N(x; mean, covariance).
  [[nodiscard]] double log_density(const Eigen::VectorXd& x) const {
    detail::check_vector_length(x, dimension(), "gaussian::log_density", "x");
    const Eigen::VectorXd white = lower_.triangularView<Eigen::Lower>().solve(Eigen::VectorXd(x - mean_));
    const double k = static_cast<double>(dimension());
    return -0.5 * (k * std::log(2.0 * std::numbers::pi) + log_determinant() + white.squaredNorm());
  }

  /// Differential entropy 1/2 ln det(2 pi e S), nats.
  [[nodiscard]] double entropy() const {
    const double k = static_cast<double>(dimension());
    return 0.5 * (k * std::log(2.0 * std::numbers::pi * std::numbers::e) + log_determinant());
  }

  /// The reparameterised draw mean + L eps, eps_k = stream.normal(first_index + k).
  [[nodiscard]] Eigen::VectorXd sample(const random_stream& stream, std::uint64_t first_index) const {
    Eigen::VectorXd eps(dimension());
    for (Eigen::Index k = 0; k < dimension(); ++k)
      eps(k) = stream.normal(first_index + static_cast<std::uint64_t>(k));
    return mean_ + lower_ * eps;
  }

 private:
  Eigen::VectorXd mean_;
  Eigen::MatrixXd covariance_;
  Eigen::MatrixXd lower_;
};

/// KL(a || b) between two Gaussians, nats.
[[nodiscard]] inline double kl_divergence(const gaussian& a, const gaussian& b) {
  if (a.dimension() != b.dimension()) detail::raise("kl_divergence", "b", "has a different dimension from a");
  return detail::gaussian_kl_from_cholesky(a.mean(), a.cholesky(), b.mean(), b.cholesky());
}

/// A conditional whose law given any parent vector is Gaussian.
template <class C>
concept GaussianConditional = requires(const C& c, const Eigen::VectorXd& u) {
  { c.dimension() } -> std::convertible_to<Eigen::Index>;
  { c.parent_dimension() } -> std::convertible_to<Eigen::Index>;
  { c.at(u) } -> std::same_as<gaussian>;
};

/// A likelihood p(x | u): anything with log_density(x, u) (Gaussian conditionals qualify).
template <class C>
concept ConditionalLikelihood = requires(const C& c, const Eigen::VectorXd& x, const Eigen::VectorXd& u) {
  { c.log_density(x, u) } -> std::convertible_to<double>;
  { c.parent_dimension() } -> std::convertible_to<Eigen::Index>;
};

/// z | u ~ N(weight u + offset, covariance): every H-VIB term is closed form for these.
class linear_gaussian_conditional {
 public:
  linear_gaussian_conditional(Eigen::MatrixXd weight, Eigen::VectorXd offset, Eigen::MatrixXd covariance,
                              std::string_view function = "linear_gaussian_conditional")
      : weight_(std::move(weight)),
        offset_(std::move(offset)),
        noise_(Eigen::VectorXd::Zero(offset_.size() > 0 ? offset_.size() : 0), covariance, function) {
    if (weight_.rows() != noise_.dimension()) {
      detail::raise(function, "weight",
                    "has " + std::to_string(weight_.rows()) + " rows but the covariance has dimension " +
                        std::to_string(noise_.dimension()));
    }
    detail::check_finite_matrix(weight_, function, "weight");
    detail::check_vector_length(offset_, noise_.dimension(), function, "offset");
  }

  [[nodiscard]] Eigen::Index dimension() const { return weight_.rows(); }
  [[nodiscard]] Eigen::Index parent_dimension() const { return weight_.cols(); }
  [[nodiscard]] const Eigen::MatrixXd& weight() const { return weight_; }
  [[nodiscard]] const Eigen::VectorXd& offset() const { return offset_; }
  [[nodiscard]] const Eigen::MatrixXd& covariance() const { return noise_.covariance(); }
  [[nodiscard]] const Eigen::MatrixXd& cholesky() const { return noise_.cholesky(); }

  [[nodiscard]] gaussian at(const Eigen::VectorXd& parent) const {
    detail::check_vector_length(parent, parent_dimension(), "linear_gaussian_conditional::at", "parent");
    return gaussian(weight_ * parent + offset_, noise_.covariance());
  }
  [[nodiscard]] double log_density(const Eigen::VectorXd& x, const Eigen::VectorXd& parent) const {
    return at(parent).log_density(x);
  }

 private:
  Eigen::MatrixXd weight_;
  Eigen::VectorXd offset_;
  gaussian noise_;
};

/// z | u ~ N(mean(u), covariance(u)) for arbitrary (e.g. neural) maps; chain terms by Monte Carlo.
class functional_gaussian_conditional {
 public:
  using mean_map = std::function<Eigen::VectorXd(const Eigen::VectorXd&)>;
  using covariance_map = std::function<Eigen::MatrixXd(const Eigen::VectorXd&)>;

  functional_gaussian_conditional(Eigen::Index dimension, Eigen::Index parent_dimension, mean_map mean,
                                  covariance_map covariance)
      : dimension_(dimension),
        parent_dimension_(parent_dimension),
        mean_(std::move(mean)),
        covariance_(std::move(covariance)) {
    if (dimension <= 0) detail::raise("functional_gaussian_conditional", "dimension", "must be > 0");
    if (parent_dimension < 0)
      detail::raise("functional_gaussian_conditional", "parent_dimension", "must be >= 0");
    if (!mean_ || !covariance_)
      detail::raise("functional_gaussian_conditional", "mean", "and covariance must be callable");
  }

  [[nodiscard]] Eigen::Index dimension() const { return dimension_; }
  [[nodiscard]] Eigen::Index parent_dimension() const { return parent_dimension_; }
  [[nodiscard]] gaussian at(const Eigen::VectorXd& parent) const {
    detail::check_vector_length(parent, parent_dimension_, "functional_gaussian_conditional::at", "parent");
    Eigen::VectorXd m = mean_(parent);
    detail::check_vector_length(m, dimension_, "functional_gaussian_conditional::at", "mean(parent)");
    return gaussian(std::move(m), covariance_(parent), "functional_gaussian_conditional::at");
  }
  [[nodiscard]] double log_density(const Eigen::VectorXd& x, const Eigen::VectorXd& parent) const {
    return at(parent).log_density(x);
  }

 private:
  Eigen::Index dimension_;
  Eigen::Index parent_dimension_;
  mean_map mean_;
  covariance_map covariance_;
};

/// A linear-Gaussian conditional viewed as a functional one (for checking Monte Carlo paths
/// against closed forms).
[[nodiscard]] inline functional_gaussian_conditional as_functional(const linear_gaussian_conditional& c) {
  return functional_gaussian_conditional(
      c.dimension(), c.parent_dimension(),
      [c](const Eigen::VectorXd& u) { return Eigen::VectorXd(c.weight() * u + c.offset()); },
      [c](const Eigen::VectorXd&) { return c.covariance(); });
}

}  // namespace infoscale

#pragma once
// Distillation between levels (entropic-scaling §3, §4.2, §9.2): what a student keeps of a
// teacher, how far apart an adjoint pair is, and how large a gap to distil across.

#include <cstdint>

#include "infoscale/core/constexpr_math.hpp"
#include "infoscale/entropic/capacity.hpp"
#include "infoscale/entropic/detail/checks.hpp"

namespace infoscale::entropic {

/// Retention exp(-alpha (I_T - I_S) / I_T) from the two capacities, entropic-scaling eq. (4).
[[nodiscard]] constexpr double retention_from_capacities(double teacher_capacity, double student_capacity,
                                                         double alpha) {
  constexpr std::string_view function = "retention_from_capacities";
  detail::require_positive(teacher_capacity, function, "teacher_capacity");
  detail::require_non_negative(student_capacity, function, "student_capacity");
  detail::require_non_negative(alpha, function, "alpha");
  if (student_capacity > teacher_capacity) {
    detail::invalid(function, "student_capacity", "must not exceed the teacher's capacity", student_capacity);
  }
  return cmath::exp(-alpha * (teacher_capacity - student_capacity) / teacher_capacity);
}

/// Retention exp(-alpha (n_T log n_T - n_S log n_S) / (n_T log n_T)) between levels n_S <= n_T,
/// entropic-scaling eq. (4). kappa and the logarithm's base cancel in the ratio.
[[nodiscard]] constexpr double retention(double teacher_level, double student_level, double alpha) {
  constexpr std::string_view function = "retention";
  detail::require_level(teacher_level, function, "teacher_level");
  detail::require_level(student_level, function, "student_level");
  if (student_level > teacher_level) {
    detail::invalid(function, "student_level", "must not exceed the teacher's level (Theorem 3.1: n_S < n_T)",
                    student_level);
  }
  return retention_from_capacities(capacity(teacher_level), capacity(student_level), alpha);
}

/// Adjunction error eps = constant / (n log2 n) of distillation after fine-tuning,
/// entropic-scaling eq. (5). The paper states only the scaling "~", so the constant is exposed; a
/// change of logarithm base is a change of this constant.
[[nodiscard]] constexpr double adjunction_error(double n, double constant = 1.0) {
  detail::require_level(n, "adjunction_error");
  detail::require_non_negative(constant, "adjunction_error", "constant");
  return constant / capacity(n);
}

/// Optimal distillation gap dn = sqrt(n_T), entropic-scaling eq. (14).
[[nodiscard]] constexpr double optimal_distillation_gap(double teacher_level) {
  detail::require_level(teacher_level, "optimal_distillation_gap", "teacher_level");
  return cmath::sqrt(teacher_level);
}

/// Student level n_S = n_T - dn with dn = sqrt(n_T) rounded to the nearest integer (levels are
/// integers; halves round up), entropic-scaling eq. (14). Needs n_T >= 4 so that n_S >= 2.
[[nodiscard]] constexpr std::int64_t optimal_student_level(std::int64_t teacher_level) {
  const auto gap = static_cast<std::int64_t>(
      cmath::floor(optimal_distillation_gap(static_cast<double>(teacher_level)) + 0.5));
  if (teacher_level - gap < 2) {
    detail::invalid("optimal_student_level", "teacher_level", "must be >= 4 so the student's level is >= 2",
                    static_cast<double>(teacher_level));
  }
  return teacher_level - gap;
}

}  // namespace infoscale::entropic

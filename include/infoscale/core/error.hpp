#pragma once
// The library's one exception type and the cold path that raises it.

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace infoscale {

/// Raised for any invalid argument: the message names the function, the argument and the problem.
class error : public std::invalid_argument {
 public:
  error(std::string_view function, std::string_view argument, std::string_view problem)
      : std::invalid_argument(format(function, argument, problem)),
        function_(function),
        argument_(argument) {}

  [[nodiscard]] const std::string& function() const noexcept { return function_; }
  [[nodiscard]] const std::string& argument() const noexcept { return argument_; }

 private:
  static std::string format(std::string_view function, std::string_view argument, std::string_view problem) {
    std::string message{"infoscale::"};
    message.append(function).append(": argument '").append(argument).append("' ");
    message.append(problem);
    return message;
  }

  std::string function_;
  std::string argument_;
};

namespace detail {

/// A number in messages: shortest round-trip form (1e-09, 0.25, 1.1), unlike std::to_string.
inline std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  // Prefer the shortest of %.6g..%.17g that reads back exactly.
  for (int digits = 6; digits < 17; ++digits) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buffer;
}

// Kept out of line and cold so the checks that call it stay cheap on the hot path.
[[noreturn, gnu::cold, gnu::noinline]] inline void raise(std::string_view function, std::string_view argument,
                                                         std::string_view problem) {
  throw error(function, argument, problem);
}

}  // namespace detail
}  // namespace infoscale

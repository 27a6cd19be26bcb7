#pragma once
// The library's one exception type and the cold path that raises it.

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

// Kept out of line and cold so the checks that call it stay cheap on the hot path.
[[noreturn, gnu::cold, gnu::noinline]] inline void raise(std::string_view function, std::string_view argument,
                                                         std::string_view problem) {
  throw error(function, argument, problem);
}

}  // namespace detail
}  // namespace infoscale

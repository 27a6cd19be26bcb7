// libFuzzer harness for the token-id and label file parser (io/token_lines.hpp): any input either
// parses into lines of integers that fit the id type or raises infoscale::error. Anything else
// (a crash, a sanitizer report, an id that does not round-trip) is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <infoscale/io/token_lines.hpp>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::istringstream in(text);
    const auto lines = infoscale::io::parse_integer_lines<std::int32_t>(in, "input");
    for (const auto& line : lines) {
      if (line.empty()) std::abort();  // empty lines are skipped, never returned
    }
  } catch (const infoscale::error&) {
  }
  return 0;
}

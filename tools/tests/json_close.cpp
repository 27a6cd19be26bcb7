// Compares the `infoscale ... --json` output with independent reference numbers.
// Usage: json_close ACTUAL.json REFERENCE.json
// REFERENCE holds {"checks": [{"path": [key or index, ...], "value": x, "rtol": r, "atol": a}, ...]};
// each check passes when |actual - value| <= atol + rtol |value|. Exit 0 when all pass.

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: json_close ACTUAL.json REFERENCE.json\n");
    return 2;
  }
  nlohmann::json actual, reference;
  try {
    std::ifstream(argv[1]) >> actual;
    std::ifstream(argv[2]) >> reference;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_close: %s\n", e.what());
    return 2;
  }
  int failures = 0;
  std::size_t count = 0;
  for (const auto& check : reference.at("checks")) {
    ++count;
    const nlohmann::json* node = &actual;
    std::string where;
    for (const auto& key : check.at("path")) {
      where += "/" + (key.is_string() ? key.get<std::string>() : key.dump());
      if (key.is_string() && node->is_object() && node->contains(key.get<std::string>())) {
        node = &(*node)[key.get<std::string>()];
      } else if (key.is_number_unsigned() && node->is_array() && key.get<std::size_t>() < node->size()) {
        node = &(*node)[key.get<std::size_t>()];
      } else {
        node = nullptr;
        break;
      }
    }
    const double expected = check.at("value").get<double>();
    if (node == nullptr || !node->is_number()) {
      std::fprintf(stderr, "MISSING %s (expected %.17g)\n", where.c_str(), expected);
      ++failures;
      continue;
    }
    const double value = node->get<double>();
    const double tolerance = check.value("atol", 0.0) + check.value("rtol", 1e-9) * std::abs(expected);
    if (!(std::abs(value - expected) <= tolerance)) {
      std::fprintf(stderr, "MISMATCH %s: got %.17g, numpy %.17g (tolerance %.3g)\n", where.c_str(), value,
                   expected, tolerance);
      ++failures;
    }
  }
  std::printf("json_close: %zu checks, %d failed\n", count, failures);
  return failures == 0 ? 0 : 1;
}

#pragma once
// Text files of integer sequences, one sequence per non-empty line, as the llama.cpp front ends
// read them: token ids (what a GGUF model is given, exactly: nothing is added) and per-token label
// sets (one integer class per token of the same line of the token file).

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "infoscale/core/error.hpp"

namespace infoscale::io {

/// The sequences of integers in `in`, one per non-empty line; `source` names the text in errors (a
/// path) and `what` one field ("a token id", "a label"). A field that is not an integer, or that
/// does not fit in Id, is an error naming the line.
template <class Id = std::int32_t>
std::vector<std::vector<Id>> parse_integer_lines(std::istream& in, const std::string& source,
                                                 const char* what = "a token id") {
  std::vector<std::vector<Id>> out;
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::istringstream fields(line);
    std::vector<Id> ids;
    for (std::string field; fields >> field;) {
      // from_chars, not operator>>: a field that overflows or ends the line must still be an error
      long long id = 0;
      const auto [end, status] = std::from_chars(field.data(), field.data() + field.size(), id);
      if (status == std::errc::result_out_of_range ||
          (status == std::errc{} && end == field.data() + field.size() &&
           static_cast<long long>(static_cast<Id>(id)) != id))
        infoscale::detail::raise(
            "read_integer_lines", source,
            "line " + std::to_string(number) + " holds " + field + ", too large for " + what);
      if (status != std::errc{} || end != field.data() + field.size())
        infoscale::detail::raise("read_integer_lines", source,
                                 "line " + std::to_string(number) + " holds '" + field + "', not " + what);
      ids.push_back(static_cast<Id>(id));
    }
    if (!ids.empty()) out.push_back(std::move(ids));
  }
  if (in.bad()) infoscale::detail::raise("read_integer_lines", source, "could not be read to the end");
  return out;
}

/// parse_integer_lines of the file at `path`.
template <class Id = std::int32_t>
std::vector<std::vector<Id>> read_integer_lines(const std::string& path, const char* what = "a token id") {
  std::ifstream in(path);
  if (!in) infoscale::detail::raise("read_integer_lines", path, "cannot be read");
  return parse_integer_lines<Id>(in, path, what);
}

/// Label sets read from `paths` (one class per token, a line per sequence), each flattened over the
/// sequences, after checking that line s gives lengths[s] labels and that there is a line per
/// sequence: labels that do not line up with the tokens are an error, never a silent shift.
inline std::vector<std::vector<std::int64_t>> read_label_sets(const std::vector<std::string>& paths,
                                                              const std::vector<std::size_t>& lengths) {
  std::vector<std::vector<std::int64_t>> sets;
  for (const std::string& path : paths) {
    const auto lines = read_integer_lines<std::int64_t>(path, "a label");
    if (lines.size() != lengths.size())
      infoscale::detail::raise("read_label_sets", path,
                               "has " + std::to_string(lines.size()) + " lines of labels for " +
                                   std::to_string(lengths.size()) + " sequences");
    std::vector<std::int64_t> flat;
    for (std::size_t s = 0; s < lines.size(); ++s) {
      if (lines[s].size() != lengths[s])
        infoscale::detail::raise("read_label_sets", path,
                                 "line " + std::to_string(s + 1) + " has " + std::to_string(lines[s].size()) +
                                     " labels for a sequence of " + std::to_string(lengths[s]) + " tokens");
      flat.insert(flat.end(), lines[s].begin(), lines[s].end());
    }
    sets.push_back(std::move(flat));
  }
  return sets;
}

}  // namespace infoscale::io

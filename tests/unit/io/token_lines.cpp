// io/token_lines.hpp: token-id and label files as the llama.cpp front ends read them. Expected values
// are the files' contents, written here by hand.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <infoscale/io/token_lines.hpp>
#include <string>
#include <vector>

#include "io_test_support.hpp"

namespace {

using infoscale::test::io::check_raises;

// A file in the temporary directory holding `text`, removed when the object goes.
struct text_file {
  std::string path;
  explicit text_file(const std::string& name, const std::string& text)
      : path((std::filesystem::temp_directory_path() /
              ("infoscale_" + name + "_" + std::to_string(::getpid()) + ".txt"))
                 .string()) {
    std::ofstream(path) << text;
  }
  ~text_file() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("read_integer_lines: one sequence per non-empty line, signs and spacing as written") {
  const text_file f("ids", "0 5 17\n\n  3\t42 \n-1 2\n");
  const auto lines = infoscale::io::read_integer_lines<std::int64_t>(f.path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == std::vector<std::int64_t>{0, 5, 17});
  CHECK(lines[1] == std::vector<std::int64_t>{3, 42});
  CHECK(lines[2] == std::vector<std::int64_t>{-1, 2});
  const text_file no_newline("ids_end", "7 8");
  CHECK(infoscale::io::read_integer_lines(no_newline.path) == std::vector<std::vector<std::int32_t>>{{7, 8}});
  const text_file empty("ids_empty", "");
  CHECK(infoscale::io::read_integer_lines(empty.path).empty());
}

TEST_CASE("read_integer_lines: what is not an integer or does not fit is an error naming the line") {
  const text_file word("ids_word", "1 2\n3 cat 4\n");
  check_raises([&] { (void)infoscale::io::read_integer_lines(word.path, "a token id"); }, word.path,
               "line 2 holds 'cat', not a token id");
  const text_file fraction("ids_fraction", "1.5\n");
  check_raises([&] { (void)infoscale::io::read_integer_lines(fraction.path); }, fraction.path, "line 1");
  const text_file large("ids_large", "1\n2\n4294967296\n");
  check_raises([&] { (void)infoscale::io::read_integer_lines<std::int32_t>(large.path); }, large.path,
               "line 3 holds 4294967296, too large for a token id");
  const text_file overflow("ids_overflow", "99999999999999999999999\n");
  check_raises([&] { (void)infoscale::io::read_integer_lines<std::int64_t>(overflow.path); }, overflow.path,
               "line 1 holds 99999999999999999999999, too large");
  check_raises([] { (void)infoscale::io::read_integer_lines("/nonexistent/infoscale/ids.txt"); },
               "/nonexistent/infoscale/ids.txt", "cannot be read");
}

TEST_CASE("read_label_sets: one flat set per file, lined up with the sequences' lengths") {
  const text_file pos("pos", "1 2 3\n4 5\n");
  const text_file ner("ner", "0 0 7\n0 9\n");
  const auto sets = infoscale::io::read_label_sets({pos.path, ner.path}, {3, 2});
  REQUIRE(sets.size() == 2);
  CHECK(sets[0] == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(sets[1] == std::vector<std::int64_t>{0, 0, 7, 0, 9});
  check_raises(
      [&] {
        (void)infoscale::io::read_label_sets({pos.path}, {3, 2, 4});
      },
      pos.path, "has 2 lines of labels for 3 sequences");
  check_raises(
      [&] {
        (void)infoscale::io::read_label_sets({pos.path}, {3, 3});
      },
      pos.path, "line 2 has 2 labels for a sequence of 3 tokens");
  const text_file bad("labels_bad", "1 x\n");
  check_raises([&] { (void)infoscale::io::read_label_sets({bad.path}, {2}); }, bad.path, "not a label");
}

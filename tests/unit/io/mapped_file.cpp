#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <infoscale/io/mapped_file.hpp>
#include <string>
#include <utility>
#include <vector>

#include "io_test_support.hpp"

using namespace infoscale::test::io;

TEST_CASE("io: mapped_file maps a file read-only and moves without copying") {
  const bytes expected = read_bytes(fixture("f8.npy"));
  infoscale::io::mapped_file file(fixture("f8.npy"));
  CHECK(file.is_mapped());
  REQUIRE(file.size() == expected.size());
  CHECK(std::equal(expected.begin(), expected.end(), file.bytes().begin()));
  const std::byte* data = file.bytes().data();
  infoscale::io::mapped_file moved(std::move(file));
  CHECK(moved.bytes().data() == data);
  CHECK(file.size() == 0);  // NOLINT(bugprone-use-after-move): a moved-from file is empty
  infoscale::io::mapped_file other(fixture("f4.npy"));
  other = std::move(moved);
  CHECK(other.bytes().data() == data);
}

TEST_CASE("io: mapped_file reads pipes, up to a bound, and refuses devices") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  REQUIRE(::write(ends[1], "abcdef", 6) == 6);
  ::close(ends[1]);
  const std::string through = "/dev/fd/" + std::to_string(ends[0]);
  {
    infoscale::io::mapped_file piped(through);
    CHECK_FALSE(piped.is_mapped());
    CHECK(piped.size() == 6);
  }
  ::close(ends[0]);
  REQUIRE(::pipe(ends) == 0);
  REQUIRE(::write(ends[1], "abcdef", 6) == 6);
  ::close(ends[1]);
  check_raises([&] { infoscale::io::mapped_file f("/dev/fd/" + std::to_string(ends[0]), 4); }, "/dev/fd/",
               "is a stream longer than the 4-byte limit");
  ::close(ends[0]);
  check_raises([] { infoscale::io::mapped_file f("/dev/zero"); }, "/dev/zero", "is a character device");
  check_raises([] { infoscale::io::mapped_file f("/dev/null"); }, "/dev/null", "is a character device");
}

TEST_CASE("io: a mapped file truncated while it is read is reported, not a SIGBUS") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("infoscale_shrink_" + std::to_string(::getpid()) + ".bin"))
          .string();
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    REQUIRE(out != nullptr);
    const std::vector<unsigned char> ones(1 << 20, 1);
    REQUIRE(std::fwrite(ones.data(), 1, ones.size(), out) == ones.size());
    std::fclose(out);
  }
  infoscale::io::mapped_file file(path);
  CHECK(file.intact());
  infoscale::io::check_mapped_reads();
  REQUIRE(::truncate(path.c_str(), 4096) == 0);
  std::size_t sum = 0;
  for (const std::byte b : file.bytes()) sum += std::to_integer<std::size_t>(b);
  CHECK(sum == 4096);          // the lost pages read as zeros...
  CHECK_FALSE(file.intact());  // ...and are reported
  check_raises([&] { file.check_intact(); }, path, "shrank (was truncated)");
  check_raises([] { infoscale::io::check_mapped_reads(); }, "infoscale_shrink_", "shrank");
  std::filesystem::remove(path);
}

TEST_CASE("io: mapped_file errors name the path") {
  check_raises([] { infoscale::io::mapped_file f(fixture("missing.bin")); }, "missing.bin",
               "cannot be opened: No such file");
}

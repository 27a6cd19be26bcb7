#include <infoscale/io/mapped_file.hpp>
#include <utility>

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

TEST_CASE("io: mapped_file reads streams that cannot be mapped") {
  infoscale::io::mapped_file null_device("/dev/null");
  CHECK_FALSE(null_device.is_mapped());
  CHECK(null_device.size() == 0);
}

TEST_CASE("io: mapped_file errors name the path") {
  check_raises([] { infoscale::io::mapped_file f(fixture("missing.bin")); }, "missing.bin",
               "cannot be opened: No such file");
}

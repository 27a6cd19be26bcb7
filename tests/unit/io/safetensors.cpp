#include <cstdint>
#include <infoscale/io/load.hpp>
#include <infoscale/io/safetensors.hpp>
#include <span>
#include <string>

#include "../../support/approx.hpp"
#include "io_test_support.hpp"

namespace {

using namespace infoscale::test::io;
namespace io = infoscale::io;

}  // namespace

TEST_CASE("io: safetensors written by the reference library equal numpy's data") {
  const auto values = infoscale::test::load_fixture<double>("io/values.npy");
  const auto file = io::load_safetensors(fixture("tensors.safetensors"));
  CHECK(file.metadata.at("model") == "toy");
  CHECK(file.metadata.at("note") == "reference");
  REQUIRE(file.tensors.size() == 4);

  const auto logits = file.at("logits").view<float, 2>();
  const auto half = file.at("half").view<infoscale::float16, 2>();
  const auto full = file.at("double").view<double, 2>();
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 5; ++j) {
      CHECK(logits(i, j) == static_cast<float>(values(i, j)));
      CHECK(full(i, j) == values(i, j));
      INFOSCALE_CHECK_CLOSE(infoscale::detail::widen(half(i, j)), values(i, j), 1.0 / 2048, 0.0);
    }
  }
  const auto ids = file.at("targets").to_int64();
  REQUIRE(ids.size() == 7);
  CHECK(ids[6] == 13);
  check_raises([&] { (void)file.at("missing"); }, "tensors.safetensors", "no tensor named 'missing'");
}

TEST_CASE("io: safetensors BF16 with a misaligned data section is copied to aligned memory") {
  const auto reference = infoscale::test::load_fixture<double>("io/bf16_values.npy");
  const auto values = infoscale::test::load_fixture<double>("io/values.npy");
  const auto file = io::load_safetensors(fixture("bf16.safetensors"));
  CHECK(file.metadata.empty());
  const auto w = file.at("weights").view<infoscale::bfloat16, 2>();
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 5; ++j) CHECK(infoscale::detail::widen(w(i, j)) == reference(i, j));
  }
  const auto scores = file.at("scores").view<double, 1>();
  for (std::size_t j = 0; j < 5; ++j) CHECK(scores(j) == values(0, j));
}

TEST_CASE("io: load_array reads either format by content") {
  const auto values = infoscale::test::load_fixture<double>("io/values.npy");
  CHECK(io::load_array(fixture("f8.npy")).view<double, 2>()(1, 1) == values(1, 1));
  CHECK(io::load_array(fixture("tensors.safetensors"), {.tensor = "double"}).view<double, 2>()(1, 1) ==
        values(1, 1));
  check_raises([] { (void)io::load_array(fixture("tensors.safetensors")); }, "tensors.safetensors",
               "holds 4 tensors; name one");
  check_raises([] { (void)io::load_array(fixture("f8.npy"), {.tensor = "x"}); }, "f8.npy",
               "only applies to safetensors");
}

TEST_CASE("io: safetensors bad files raise naming the file and the problem") {
  auto parse = [](const bytes& b) {
    return [b] { (void)io::parse_safetensors(std::span<const std::byte>(b.data(), b.size()), "bad.st"); };
  };
  const auto one = [&](std::string_view json, std::size_t data) {
    return parse(make_safetensors(json, data));
  };

  check_raises(parse(bytes(5)), "bad.st", "shorter than the 8-byte header length");
  bytes huge;
  append_le(huge, 1ull << 62, 8);
  check_raises(parse(huge), "bad.st", "past the end of the file");
  bytes big_header;
  append_le(big_header, 100'000'001, 8);
  big_header.resize(8 + 100'000'001, std::byte{' '});
  check_raises(parse(big_header), "bad.st", "longer than 100 MB");
  check_raises(one("", 0), "bad.st", "not a JSON object");
  check_raises(one("[1, 2]", 0), "bad.st", "not a JSON object");
  check_raises(one("{\"a\": ", 0), "bad.st", "not valid JSON");
  check_raises(one(R"({"a": 1})", 0), "bad.st", "entry is not an object");
  check_raises(one(R"({"__metadata__": [1]})", 0), "bad.st", "'__metadata__' that is not an object");
  check_raises(one(R"({"__metadata__": {"k": 1}})", 0), "bad.st", "entry 'k' that is not a string");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 0}})", 4), "bad.st",
               "unknown field 'x'");
  check_raises(one(R"({"a": {"shape": [1], "data_offsets": [0, 4]}})", 4), "bad.st",
               "without a string 'dtype'");
  check_raises(one(R"({"a": {"dtype": "F32", "data_offsets": [0, 4]}})", 4), "bad.st",
               "without an array 'shape'");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4), "bad.st",
               "two-element 'data_offsets'");
  check_raises(one(R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}})", 4), "bad.st",
               "unsupported dtype 'U8'");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4), "bad.st",
               "not a non-negative integer");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", 4), "bad.st",
               "not a non-negative integer");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4), "bad.st",
               "data_offsets out of order");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})", 4), "bad.st",
               "past the end of the data");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", 4), "bad.st",
               "shape needs 8 bytes but its data_offsets span 4");
  check_raises(
      one(R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})", 4),
      "bad.st", "shape overflows");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                       "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                   12),
               "bad.st", "overlapping data: 'b' starts at 4");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8), "bad.st",
               "gap in the data before 'a'");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 8), "bad.st",
               "4 bytes after the last tensor");
  check_raises(one(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 18446744073709551615]}})", 4),
               "bad.st", "past the end of the data");

  // Valid edge cases: no tensors at all; zero-size tensors sharing an offset; a scalar; tensors
  // listed out of data order in the JSON come back in data order.
  CHECK(io::parse_safetensors(make_safetensors("{}", 0)).tensors.empty());
  const auto edge = make_safetensors(
      R"({"z": {"dtype": "F64", "shape": [], "data_offsets": [8, 16]},
          "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]},
          "y": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}})",
      16);
  const auto parsed = io::parse_safetensors(edge);
  REQUIRE(parsed.tensors.size() == 3);
  CHECK(parsed.names() == std::vector<std::string>{"e", "y", "z"});
  CHECK(parsed.at("z").rank() == 0);
}

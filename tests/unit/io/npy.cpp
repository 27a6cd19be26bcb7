#include <cmath>
#include <cstdint>
#include <infoscale/io/npy.hpp>
#include <span>

#include "../../support/approx.hpp"
#include "io_test_support.hpp"

namespace {

using namespace infoscale::test::io;
namespace io = infoscale::io;

std::span<const std::byte> span_of(const bytes& b) {
  return {b.data(), b.size()};
}

template <class T>
void check_equals_reference(const io::array& a, const xt::xarray<double>& reference) {
  const auto view = a.view<T, 2>();
  REQUIRE(view.extent(0) == reference.shape(0));
  REQUIRE(view.extent(1) == reference.shape(1));
  for (std::size_t i = 0; i < view.extent(0); ++i) {
    for (std::size_t j = 0; j < view.extent(1); ++j) {
      CHECK(infoscale::detail::widen(view(i, j)) == reference(i, j));
    }
  }
}

}  // namespace

TEST_CASE("io: npy of each dtype equals numpy's data") {
  const auto values = infoscale::test::load_fixture<double>("io/values.npy");
  SUBCASE("float64") {
    check_equals_reference<double>(io::load_npy(fixture("f8.npy")), values);
  }
  SUBCASE("float32") {
    const xt::xarray<double> rounded = xt::cast<double>(xt::cast<float>(values));
    check_equals_reference<float>(io::load_npy(fixture("f4.npy")), rounded);
  }
  SUBCASE("float16") {
    const auto f2 = io::load_npy(fixture("f2.npy"));
    CHECK(f2.type == io::element_type::float16);
    const auto view = f2.view<infoscale::float16, 2>();
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 5; ++j) {  // binary16 keeps 11 significant bits
        INFOSCALE_CHECK_CLOSE(infoscale::detail::widen(view(i, j)), values(i, j), 1.0 / 2048, 0.0);
      }
    }
  }
  SUBCASE("bfloat16 stored as ml_dtypes does, '<V2', with the explicit override") {
    const auto reference = infoscale::test::load_fixture<double>("io/bf16_values.npy");
    const auto a = io::load_npy(fixture("bf16.npy"), {.void16_as = io::element_type::bfloat16});
    CHECK(a.type == io::element_type::bfloat16);
    check_equals_reference<infoscale::bfloat16>(a, reference);
    check_raises([] { (void)io::load_npy(fixture("bf16.npy")); }, "bf16.npy", "ambiguous");
    check_raises([] { (void)io::load_npy(fixture("bf16.npy"), {.void16_as = io::element_type::float32}); },
                 "bf16.npy", "not float16 or bfloat16");
  }
  SUBCASE("int64 and int32 token ids") {
    for (const char* name : {"i8.npy", "i4.npy"}) {
      const auto ids = io::load_npy(fixture(name)).to_int64();
      REQUIRE(ids.size() == 7);
      for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == static_cast<std::int64_t>(3 * i) - 5);
    }
    check_raises([] { (void)io::load_npy(fixture("f4.npy")).to_int64(); }, "f4.npy", "not integer token ids");
  }
}

TEST_CASE("io: npy format versions 2.0 and 3.0, Fortran order, rank 3, empty") {
  const xt::xarray<double> rounded =
      xt::cast<double>(xt::cast<float>(infoscale::test::load_fixture<double>("io/values.npy")));
  check_equals_reference<float>(io::load_npy(fixture("v2.npy")), rounded);
  check_equals_reference<float>(io::load_npy(fixture("v3.npy")), rounded);
  const auto fortran = io::load_npy(fixture("fortran.npy"));
  CHECK_FALSE(fortran.row_major());
  check_equals_reference<float>(fortran, rounded);
  const auto as_matrix = fortran.matrix<float>();  // a rank-2 Fortran array is a strided matrix
  CHECK(as_matrix(2, 4) == static_cast<float>(rounded(2, 4)));
  check_raises([&] { (void)fortran.values<float>(); }, "fortran.npy", "row-major");

  const auto rank3 = io::load_npy(fixture("rank3.npy"));
  const auto m = rank3.matrix<float>();  // (2, 3, 4) -> 6 x 4
  CHECK(m.extent(0) == 6);
  CHECK(m.extent(1) == 4);
  CHECK(m(5, 3) == 23.0f);
  CHECK(rank3.view<float, 3>()(1, 2, 3) == 23.0f);
  check_raises([&] { (void)rank3.view<float, 2>(); }, "rank3.npy", "has rank 3, not 2");
  check_raises([&] { (void)rank3.view<double, 3>(); }, "rank3.npy", "holds F32 elements, not F64");

  const auto empty = io::load_npy(fixture("empty.npy"));
  CHECK(empty.size() == 0);
  CHECK(empty.matrix<float>().extent(0) == 0);
}

TEST_CASE("io: visit_matrix dispatches on the stored type") {
  for (const char* name : {"f2.npy", "f4.npy", "f8.npy"}) {
    const auto a = io::load_npy(fixture(name));
    const double first = io::visit_matrix(a, [](auto view) { return infoscale::detail::widen(view(0, 0)); });
    const auto values = infoscale::test::load_fixture<double>("io/values.npy");
    INFOSCALE_CHECK_CLOSE(first, values(0, 0), 1e-3, 0.0);
  }
  check_raises([] { (void)io::visit_matrix(io::load_npy(fixture("i8.npy")), [](auto) { return 0; }); },
               "i8.npy", "not floating point");
}

TEST_CASE("io: npy data outlives the loader through the array's handle") {
  io::array kept;
  {
    const auto a = io::load_npy(fixture("f8.npy"));
    kept = a;
  }
  CHECK(kept.owner != nullptr);
  CHECK(kept.view<double, 2>()(0, 0) == infoscale::test::load_fixture<double>("io/values.npy")(0, 0));
}

TEST_CASE("io: npy misaligned buffer is copied, not read misaligned") {
  const bytes image = read_bytes(fixture("f8.npy"));
  bytes shifted(image.size() + 1);
  std::copy(image.begin(), image.end(), shifted.begin() + 1);
  const auto a = io::parse_npy(std::span<const std::byte>(shifted.data() + 1, image.size()), "shifted");
  CHECK(a.owner != nullptr);
  CHECK(a.view<double, 2>()(2, 4) == infoscale::test::load_fixture<double>("io/values.npy")(2, 4));
}

TEST_CASE("io: npy bad files raise naming the file and the problem") {
  const bytes good = read_bytes(fixture("f4.npy"));
  auto parse = [](const bytes& b) { return [b] { (void)io::parse_npy(span_of(b), "bad.npy"); }; };

  check_raises(parse(bytes(good.begin(), good.begin() + 5)), "bad.npy", "truncated");
  bytes magic = good;
  magic[1] = std::byte{'X'};
  check_raises(parse(magic), "bad.npy", "wrong magic");
  bytes version = good;
  version[6] = std::byte{4};
  check_raises(parse(version), "bad.npy", "unsupported .npy format version 4");
  bytes long_header = good;
  long_header[8] = std::byte{0xff};
  long_header[9] = std::byte{0xff};
  check_raises(parse(long_header), "bad.npy", "header length (65535 bytes) past the end");
  check_raises(parse(bytes(good.begin(), good.begin() + 11)), "bad.npy", "past the end of the file");
  bytes v2_short = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, 2);
  v2_short.resize(11);
  check_raises(parse(v2_short), "bad.npy", "12-byte");
  check_raises(parse(bytes(good.begin(), good.end() - 1)), "bad.npy",
               "truncated: the shape needs 60 data bytes");
  bytes trailing = good;
  trailing.push_back(std::byte{0});
  check_raises(parse(trailing), "bad.npy", "1 bytes after the data");

  const auto header = [&](std::string_view dict, std::size_t data = 4) {
    return parse(make_npy(dict, data));
  };
  check_raises(header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"), "bad.npy", "big-endian");
  check_raises(header("{'descr': '<u1', 'fortran_order': False, 'shape': (1,), }"), "bad.npy",
               "unsupported dtype '<u1'");
  check_raises(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), "bad.npy",
               "structured dtype");
  check_raises(header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }"), "bad.npy",
               "True or False");
  check_raises(header("{'descr': '<f4', 'shape': (1,), }"), "bad.npy", "without one of");
  check_raises(header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), "bad.npy",
               "repeats the key 'descr'");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}"), "bad.npy",
               "unexpected header key 'extra'");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "bad.npy",
               "non-negative integer");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"),
               "bad.npy", "overflows");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"),
               "bad.npy", "element count overflows");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) } junk"), "bad.npy",
               "trailing characters");
  check_raises(header("['descr', '<f4']"), "bad.npy", "expected '{'");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "), "bad.npy",
               "expected a string");
  check_raises(header("{'descr': 'a\\'b', 'fortran_order': False, 'shape': (1,)}"), "bad.npy", "escape");
  check_raises(header("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}"), "bad.npy", "expected '}'");
  check_raises(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}"), "bad.npy", "expected ')'");
  check_raises(
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
             "17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33)}"),
      "bad.npy", "more than 32 dimensions");

  // Accepted oddities numpy can produce: a 0-d array, Python 2 long literals, a version 2.0 header.
  const auto scalar =
      io::parse_npy(span_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8)));
  CHECK(scalar.rank() == 0);
  CHECK(scalar.size() == 1);
  check_raises([&] { (void)scalar.matrix<double>(); }, "<memory>", "scalar");
  const auto longs =
      io::parse_npy(span_of(make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2L,), }", 16, 2)));
  CHECK(longs.size() == 2);
}

TEST_CASE("io: npy files that cannot be opened name the path") {
  check_raises([] { (void)io::load_npy(fixture("no_such_file.npy")); }, "no_such_file.npy",
               "cannot be opened");
  check_raises([] { (void)io::load_npy(std::string(INFOSCALE_FIXTURES_DIR) + "/io"); }, "/io",
               "is a directory");
}

// libFuzzer harness for the .npy reader: any input either parses into an array whose every element
// can be read (ASan checks the bounds) or raises infoscale::error. Anything else is a finding.

#include <cstddef>
#include <cstdint>
#include <infoscale/io/npy.hpp>
#include <span>

namespace {

// Reads every element so out-of-bounds views are caught by AddressSanitizer.
double touch(const infoscale::io::array& a) {
  double sum = 0.0;
  // An empty array can still have a huge leading extent (shape (2e10, 0)); walking its rows would
  // only time the harness out, and there is no element to check.
  if (a.size() == 0) return sum;
  if (infoscale::io::is_floating(a.type) && a.rank() >= 1) {
    infoscale::io::visit_matrix(a, [&](auto m) {
      for (std::size_t r = 0; r < m.extent(0); ++r) {
        for (std::size_t c = 0; c < m.extent(1); ++c) sum += infoscale::detail::widen(m(r, c));
      }
    });
  } else if (!infoscale::io::is_floating(a.type)) {
    for (const auto v : a.to_int64()) sum += static_cast<double>(v);
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  for (const auto override :
       {infoscale::io::npy_options{}, infoscale::io::npy_options{infoscale::io::element_type::bfloat16}}) {
    try {
      const auto a = infoscale::io::parse_npy(bytes, "fuzz.npy", override);
      volatile double sink = touch(a);
      (void)sink;
    } catch (const infoscale::error&) {
    }
  }
  return 0;
}

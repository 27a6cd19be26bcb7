// libFuzzer harness for the safetensors reader: any input either parses into tensors whose every
// element can be read (ASan checks the bounds) or raises infoscale::error.

#include <cstddef>
#include <cstdint>
#include <infoscale/io/safetensors.hpp>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const auto file = infoscale::io::parse_safetensors(bytes, "fuzz.safetensors");
    double sum = 0.0;
    for (const auto& a : file.tensors) {
      if (a.size() == 0) continue;  // an empty tensor may still have a huge leading extent
      if (infoscale::io::is_floating(a.type) && a.rank() >= 1) {
        infoscale::io::visit_matrix(a, [&](auto m) {
          for (std::size_t r = 0; r < m.extent(0); ++r) {
            for (std::size_t c = 0; c < m.extent(1); ++c) sum += infoscale::detail::widen(m(r, c));
          }
        });
      } else if (!infoscale::io::is_floating(a.type)) {
        for (const auto v : a.to_int64()) sum += static_cast<double>(v);
      }
    }
    volatile double sink = sum;
    (void)sink;
  } catch (const infoscale::error&) {
  }
  return 0;
}

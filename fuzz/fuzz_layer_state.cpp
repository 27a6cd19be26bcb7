// libFuzzer harness for the mergeable layer states' byte format (layers/distributed/): the input is
// a state without its checksum, which the harness appends, so mutations reach the fields instead of
// failing the FNV-1a check. Any input either parses into a state that serialises back to the same
// bytes (ridge sums, Grams) and whose evidence can be read, or raises infoscale::error. Anything else is a
// finding.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <infoscale/layers/distributed/layer_state.hpp>
#include <infoscale/layers/distributed/ridge_probe_sums.hpp>
#include <span>
#include <vector>

namespace {

std::vector<std::byte> signed_bytes(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> v(size + 8);
  if (size != 0) std::memcpy(v.data(), data, size);
  const std::uint64_t sum = infoscale::detail::fnv1a64(std::span<const std::byte>(v).first(size));
  std::memcpy(v.data() + size, &sum, 8);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> bytes = signed_bytes(data, size);
  try {
    const auto s = infoscale::layer_state::deserialize(bytes);
    (void)s.serialize();  // not compared: a float32 signalling NaN comes back quiet
    if (s.probes)
      for (std::size_t t = 0; t < s.probes->tasks(); ++t) (void)s.probes->ordered_labels(t);
  } catch (const infoscale::error&) {
  }
  try {
    const auto s = infoscale::ridge_probe_sums::deserialize(bytes);
    if (s.serialize() != bytes) __builtin_trap();
    if (s.layers() != 0 && s.features() <= 64) (void)s.fit(0, 0, 1.0);
  } catch (const infoscale::error&) {
  }
  try {
    const auto g = infoscale::sequence_grams::deserialize(bytes);
    if (g.serialize() != bytes) __builtin_trap();
  } catch (const infoscale::error&) {
  }
  return 0;
}

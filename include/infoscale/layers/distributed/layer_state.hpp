#pragma once
// One shard's evidence for the whole layer analysis (MS §4.1.1), mergeable: the per-sequence CKA
// terms (cka_state.hpp), the probes' labels and features (probe_state.hpp), the attention drift
// sums (attention_state.hpp) and what the report says of the inputs. layer_analysis has a
// constructor from a merged state; merge order does not matter (readers visit global order).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/distributed/attention_state.hpp"
#include "infoscale/layers/distributed/cka_state.hpp"
#include "infoscale/layers/distributed/probe_state.hpp"
#include "infoscale/layers/distributed/sequence_shard.hpp"
#include "infoscale/layers/distributed/wire.hpp"

namespace infoscale {

/// What a report says of the attention tensors behind S3.
struct attention_inputs {
  std::string dtype;
  std::uint64_t heads = 0, positions = 0;
  bool padding = false;
  bool causal = false;
};

struct layer_state {
  static constexpr std::uint32_t kind = 4;

  std::string dtype = "F32";  ///< of the hidden states
  std::uint64_t features = 0;
  sequence_cka_state cka;
  std::optional<probe_state> probes;
  std::optional<attention_state> attention;
  attention_inputs attention_info;

  [[nodiscard]] const sequence_shard& shard() const { return cka.shard(); }
  [[nodiscard]] std::size_t hidden_layers() const { return cka.layers(); }

  void merge(const layer_state& other) {
    constexpr std::string_view function = "layer_state::merge";
    if (other.hidden_layers() != hidden_layers())
      detail::raise(function, "other",
                    "covers " + std::to_string(other.hidden_layers()) + " hidden layers, this state " +
                        std::to_string(hidden_layers()));
    if (other.features != features)
      detail::raise(function, "other",
                    "has " + std::to_string(other.features) + " features per token, this state " +
                        std::to_string(features));
    if (other.dtype != dtype)
      detail::raise(function, "other", "has hidden states of type " + other.dtype + ", this state " + dtype);
    const attention_inputs info = joined_inputs(other, function, "other");
    cka.merge(other.cka);
    if (probes) probes->merge(*other.probes);
    if (attention) attention->merge(*other.attention);
    attention_info = info;
  }

  /// Layer-parallel collection: appends the state of the next pipeline stage (the same sequences,
  /// the hidden states right after these; its CKA state started from this one's boundary Grams, its
  /// first attention pair computed from this stage's last attention layer).
  void append_layers(const layer_state& next) {
    constexpr std::string_view function = "layer_state::append_layers";
    if (next.features != features || next.dtype != dtype)
      detail::raise(function, "next", "has hidden states of another width or type");
    const attention_inputs info = joined_inputs(next, function, "next");
    // The small parts are joined on copies, so a refusal leaves this state as it was.
    sequence_cka_state cka_joined = cka;
    cka_joined.append_layers(next.cka);
    std::optional<attention_state> attention_joined = attention;
    if (attention_joined) attention_joined->append_layers(*next.attention);
    if (probes) probes->append_layers(*next.probes);
    cka = std::move(cka_joined);
    attention = std::move(attention_joined);
    attention_info = info;
  }

  [[nodiscard]] std::vector<std::byte> serialize() const {
    detail::byte_writer w(kind);
    w.str(dtype);
    w.u64(features);
    cka.write(w);
    w.u32(probes ? 1 : 0);
    if (probes) probes->write(w);
    w.u32(attention ? 1 : 0);
    if (attention) {
      attention->write(w);
      w.str(attention_info.dtype);
      w.u64(attention_info.heads);
      w.u64(attention_info.positions);
      w.u32(attention_info.padding ? 1 : 0);
      w.u32(attention_info.causal ? 1 : 0);
    }
    return w.finish();
  }

  [[nodiscard]] static layer_state deserialize(std::span<const std::byte> bytes) {
    detail::byte_reader r(bytes, kind, "layer state", "layer_state::deserialize");
    layer_state s;
    s.dtype = r.str("dtype");
    s.features = r.u64("features");
    s.cka = sequence_cka_state::read(r);
    const auto flag = [&](std::string_view field) {
      const std::uint32_t v = r.u32(field);
      if (v > 1) r.fail("has " + std::to_string(v) + " in the flag '" + std::string(field) + "'");
      return v == 1;
    };
    if (flag("has probes")) s.probes = probe_state::read(r);
    if (flag("has attention")) {
      s.attention = attention_state::read(r);
      s.attention_info.dtype = r.str("attention dtype");
      s.attention_info.heads = r.u64("heads");
      s.attention_info.positions = r.u64("positions");
      s.attention_info.padding = flag("padding");
      s.attention_info.causal = flag("causal");
    }
    r.done();
    const auto same = [&](const sequence_shard& other, std::string_view what) {
      if (other.ids != s.shard().ids || other.lengths != s.shard().lengths || other.total != s.shard().total)
        r.fail(std::string("holds a ") + std::string(what) + " state of other sequences than its CKA state");
    };
    if (s.probes) {
      same(s.probes->shard(), "probe");
      if (s.probes->layers() != s.hidden_layers())
        r.fail("holds probe features for " + std::to_string(s.probes->layers()) +
               " layers and CKA terms for " + std::to_string(s.hidden_layers()));
    }
    if (s.attention) {
      same(s.attention->shard(), "attention");
      const std::size_t a = s.cka.first_layer(), n = s.hidden_layers();
      const attention_pair_range want = attention_pairs_beside(a, n);
      if (s.attention->first_pair() != want.first || s.attention->pairs() != want.count)
        r.fail("holds attention pairs " + std::to_string(s.attention->first_pair()) + ".." +
               std::to_string(s.attention->first_pair() + s.attention->pairs()) +
               " (exclusive) beside hidden states " + std::to_string(a) + ".." + std::to_string(a + n) +
               " (exclusive)");
    }
    return s;
  }

 private:
  // Checks that `other` has the same parts as this state and attention of the same kind; returns
  // the description of both together (the longest positions, padding if either had it).
  [[nodiscard]] attention_inputs joined_inputs(const layer_state& other, std::string_view function,
                                               std::string_view argument) const {
    if (other.probes.has_value() != probes.has_value())
      detail::raise(function, argument, "has labels where this state has none, or none where it has");
    if (other.attention.has_value() != attention.has_value())
      detail::raise(function, argument, "has attention where this state has none, or none where it has");
    if (!attention) return attention_info;
    const attention_inputs& a = attention_info;
    const attention_inputs& b = other.attention_info;
    if (a.dtype != b.dtype || a.heads != b.heads || a.causal != b.causal)
      detail::raise(function, argument, "has attention of another type, head count or causal mask");
    attention_inputs joined = a;
    joined.positions = std::max(a.positions, b.positions);
    joined.padding = a.padding || b.padding;
    return joined;
  }
};

}  // namespace infoscale

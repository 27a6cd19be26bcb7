#pragma once
// Which sequences of a corpus a mergeable layer state holds: the corpus size, each held
// sequence's global index and token count, in the order the state holds them. Merging appends
// another shard's sequences (they must be disjoint); readers visit them in global order, so any
// merge order gives the same evidence, and a missing shard is an error, never a smaller corpus.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/distributed/wire.hpp"

namespace infoscale {

struct sequence_shard {
  std::uint64_t total = 0;             ///< sequences in the whole corpus
  std::vector<std::uint64_t> ids;      ///< global index of each held sequence, in held order
  std::vector<std::uint64_t> lengths;  ///< its real tokens

  /// Sequences first..first+lengths.size()-1 of a corpus of `total`.
  static sequence_shard contiguous(std::uint64_t first, std::vector<std::uint64_t> lengths,
                                   std::uint64_t total, std::string_view function) {
    if (first + lengths.size() > total)
      detail::raise(function, "first_sequence",
                    "is " + std::to_string(first) + ": sequences up to " +
                        std::to_string(first + lengths.size()) + " do not fit in a corpus of " +
                        std::to_string(total));
    for (std::size_t i = 0; i < lengths.size(); ++i)
      if (lengths[i] == 0)
        detail::raise(function, "sequence_lengths", "has an empty sequence (" + std::to_string(i) + ")");
    sequence_shard s;
    s.total = total;
    s.lengths = std::move(lengths);
    s.ids.resize(s.lengths.size());
    std::iota(s.ids.begin(), s.ids.end(), first);
    return s;
  }

  [[nodiscard]] std::size_t size() const { return ids.size(); }
  [[nodiscard]] std::uint64_t tokens() const {
    return std::accumulate(lengths.begin(), lengths.end(), std::uint64_t{0});
  }

  /// Token offset of each held sequence in held order (size() + 1 entries).
  [[nodiscard]] std::vector<std::size_t> offsets() const {
    std::vector<std::size_t> o(size() + 1, 0);
    for (std::size_t i = 0; i < size(); ++i) o[i + 1] = o[i] + lengths[i];
    return o;
  }

  void merge(const sequence_shard& other, std::string_view function) {
    if (other.total != total)
      detail::raise(function, "other",
                    "is a shard of a corpus of " + std::to_string(other.total) + " sequences, this one of " +
                        std::to_string(total));
    std::vector<std::uint64_t> mine(ids), theirs(other.ids);
    std::sort(mine.begin(), mine.end());
    std::sort(theirs.begin(), theirs.end());
    std::vector<std::uint64_t> both;
    std::set_intersection(mine.begin(), mine.end(), theirs.begin(), theirs.end(), std::back_inserter(both));
    if (!both.empty())
      detail::raise(function, "other",
                    "holds sequence " + std::to_string(both.front()) + " already held here (" +
                        std::to_string(both.size()) + " in common): shards must be disjoint");
    ids.insert(ids.end(), other.ids.begin(), other.ids.end());
    lengths.insert(lengths.end(), other.lengths.begin(), other.lengths.end());
  }

  /// Held positions in global order, after checking that every sequence 0..total-1 is held.
  [[nodiscard]] std::vector<std::size_t> order(std::string_view function) const {
    std::vector<std::size_t> pos(size());
    std::iota(pos.begin(), pos.end(), std::size_t{0});
    std::sort(pos.begin(), pos.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
    if (size() != total) {
      std::uint64_t missing = 0;
      for (const std::size_t p : pos) {
        if (ids[p] != missing) break;
        ++missing;
      }
      detail::raise(function, "state",
                    "holds " + std::to_string(size()) + " of " + std::to_string(total) +
                        " sequences (sequence " + std::to_string(missing) +
                        " is missing): merge every rank's shard first");
    }
    return pos;
  }

  void write(detail::byte_writer& w) const {
    w.u64(total);
    w.u64(size());
    w.array(std::span<const std::uint64_t>(ids));
    w.array(std::span<const std::uint64_t>(lengths));
  }
  static sequence_shard read(detail::byte_reader& r) {
    sequence_shard s;
    s.total = r.u64("total");
    const std::uint64_t n = r.count("sequences", 16);
    s.ids = r.array<std::uint64_t>("ids", n);
    s.lengths = r.array<std::uint64_t>("lengths", n);
    for (const std::uint64_t id : s.ids)
      if (id >= s.total)
        r.fail("holds sequence " + std::to_string(id) + " of a corpus of " + std::to_string(s.total));
    for (const std::uint64_t n_s : s.lengths)
      if (n_s == 0) r.fail("holds an empty sequence");
    return s;
  }
};

}  // namespace infoscale

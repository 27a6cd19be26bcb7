#pragma once
// What the fast precision mode's hand-written block kernels (fast_moments_avx2.hpp,
// fast_moments_avx512.hpp) return: a block's sums, as moments_from_block_sums takes them.

namespace infoscale::detail {

/// A block's sums over its entries below the maximum, as moments_from_block_sums takes them.
struct fast_block_sums {
  double max = 0.0;  ///< max z / T
  double tail = 0.0;
  double ties = 0.0;
  double first = 0.0;
  double second = 0.0;
  bool invalid = false;  ///< a NaN or an infinity in the block
};

}  // namespace infoscale::detail

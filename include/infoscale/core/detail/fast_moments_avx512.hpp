#pragma once
// The fast precision mode's block kernel written for AVX-512 (the level core/detail/cpu_dispatch.hpp
// picks on CPUs that have it), for float, bfloat16 and binary16 logits. It computes what
// block_softmax_moments_fast_impl computes, in the same shape (two passes over a block in L1; the
// same float exp; 16 float lanes of at most 8 terms each, flushed into double), with the three
// costs the compiler's vectorisation of the portable kernel keeps: a tie with the maximum is a
// mask register (the exp's last instruction zeroes those lanes, and an integer lane counts them)
// instead of a float select and product; 2^k is AVX-512's scalef instead of integer assembly; the
// ragged end is a masked load instead of a scalar loop. Measured in a stand-alone loop over
// 512-entry blocks (one Sapphire Rapids core): 1.4x the portable kernel's AVX-512 clone on fp32,
// 2.5x on bf16; the README gives the mode's figures with its 16 KB blocks.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "infoscale/core/detail/cpu_dispatch.hpp"
#include "infoscale/core/detail/fast_block_sums.hpp"
#include "infoscale/core/half.hpp"

#if INFOSCALE_HAS_ISA_DISPATCH
#include <immintrin.h>
#endif

// GCC 12 reports its own AVX-512 intrinsics' _mm512_undefined_* (a self-initialised register) as
// "may be used uninitialized" wherever they are inlined (GCC bug 105593, fixed in GCC 13): silenced
// for this header's kernels, which would otherwise put ~100 false warnings in every -Wall build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace infoscale::detail {

template <class T>
inline constexpr bool has_fast_avx512_kernel =
    std::is_same_v<T, float> || std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;

#if INFOSCALE_HAS_ISA_DISPATCH

/// 16 logits widened to float (exactly: bfloat16 is float's upper half, binary16 converts exactly).
template <class T>
INFOSCALE_TARGET_AVX512 inline __m512 load_floats_avx512(const T* z) {
  if constexpr (std::is_same_v<T, float>) {
    return _mm512_loadu_ps(z);
  } else {
    const __m256i halves = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(z));
    if constexpr (std::is_same_v<T, bfloat16>)
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16));
    else
      return _mm512_cvtph_ps(halves);
  }
}

/// The lanes of `keep` loaded, the others 0.0 (no memory beyond them is touched).
template <class T>
INFOSCALE_TARGET_AVX512 inline __m512 load_floats_masked_avx512(const T* z, __mmask16 keep) {
  if constexpr (std::is_same_v<T, float>) {
    return _mm512_maskz_loadu_ps(keep, z);
  } else {
    const __m256i halves = _mm256_maskz_loadu_epi16(keep, z);
    if constexpr (std::is_same_v<T, bfloat16>)
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16));
    else
      return _mm512_cvtph_ps(halves);
  }
}

/// exp(d) for -86 <= d <= 0 in the lanes of `keep`, 0 in the others: exp_nonpositive_float's
/// reduction and polynomial (fast_exp.hpp), with k = round(d log2 e) by roundscale and p 2^k by
/// scalef (exact: p 2^k is a normal float for k >= -125).
INFOSCALE_TARGET_AVX512 inline __m512 exp_nonpositive_avx512(__m512 d, __mmask16 keep) {
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(d, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), d);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(keep, p, k);
}

/// exp_nonpositive_avx512 over an array (for the tests' ulp sweep).
INFOSCALE_TARGET_AVX512 inline void exp_nonpositive_avx512(const float* d, float* out, std::size_t n) {
  std::size_t j = 0;
  for (; j + 16 <= n; j += 16)
    _mm512_storeu_ps(out + j, exp_nonpositive_avx512(_mm512_loadu_ps(d + j), 0xffff));
  if (j < n) {
    const auto keep = static_cast<__mmask16>((1u << (n - j)) - 1u);
    _mm512_mask_storeu_ps(out + j, keep, exp_nonpositive_avx512(_mm512_maskz_loadu_ps(keep, d + j), keep));
  }
}

/// The float lanes' partial sums added into the double lanes (two halves of 8).
INFOSCALE_TARGET_AVX512 inline void flush_into_avx512(__m512d wide[2], __m512 part) {
  wide[0] = _mm512_add_pd(wide[0], _mm512_cvtps_pd(_mm512_castps512_ps256(part)));
  wide[1] = _mm512_add_pd(
      wide[1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(part), 1))));
}

template <bool UnitBeta, class T>
INFOSCALE_TARGET_AVX512 fast_block_sums fast_block_sums_avx512_impl(const T* z, std::size_t n, double beta) {
  fast_block_sums sums;
  const std::size_t full = n / 16 * 16;
  const auto rest = static_cast<__mmask16>((1u << (n - full)) - 1u);
  // Pass 1: the maximum of z, and x * 0 summed, which is NaN after any NaN or infinity.
  const __m512 zero = _mm512_setzero_ps();
  __m512 high = _mm512_set1_ps(-__builtin_inff());
  __m512 poisoned = zero;
  for (std::size_t j = 0; j < full; j += 16) {
    const __m512 x = load_floats_avx512(z + j);
    high = _mm512_max_ps(high, x);
    poisoned = _mm512_fmadd_ps(x, zero, poisoned);
  }
  if (rest != 0) {
    const __m512 x = load_floats_masked_avx512(z + full, rest);
    high = _mm512_mask_max_ps(high, rest, high, x);
    poisoned = _mm512_fmadd_ps(x, zero, poisoned);
  }
  const float m = _mm512_reduce_max_ps(high);
  if (!(_mm512_reduce_add_ps(poisoned) == 0.0f)) {
    sums.invalid = true;
    return sums;
  }
  // Pass 2: weights e = exp((x - m) beta) of the entries below m, their ties with m counted apart.
  const __m512 top = _mm512_set1_ps(m);
  const __m512 scale = _mm512_set1_ps(static_cast<float>(beta));
  const __m512 floor = _mm512_set1_ps(-86.0f);  // gaps below count as -86 (see the portable kernel)
  __m512i ties = _mm512_setzero_si512();
  __m512d wide[3][2] = {};
  const std::size_t vectors = (n + 15) / 16;  // the ragged end is the last one, masked
  for (std::size_t group = 0; group < vectors; group += 8) {
    __m512 tail = zero, first = zero, second = zero;  // 8 terms per lane at most, then flushed
    const auto add = [&](__m512 x, __mmask16 valid) INFOSCALE_TARGET_AVX512 {
      const __mmask16 below = _mm512_mask_cmp_ps_mask(valid, x, top, _CMP_NEQ_UQ);
      ties = _mm512_mask_add_epi32(ties, valid & static_cast<__mmask16>(~below), ties, _mm512_set1_epi32(1));
      __m512 d = _mm512_sub_ps(x, top);
      if constexpr (!UnitBeta) d = _mm512_mul_ps(d, scale);
      d = _mm512_max_ps(d, floor);
      const __m512 e = exp_nonpositive_avx512(d, below);
      tail = _mm512_add_ps(tail, e);
      first = _mm512_fmadd_ps(d, e, first);
      second = _mm512_fmadd_ps(d, _mm512_mul_ps(d, e), second);  // d * d could overflow where e = 0
    };
    const std::size_t last = group + 8 < vectors ? group + 8 : vectors;
    const std::size_t last_full = last < full / 16 ? last : full / 16;
    for (std::size_t v = group; v < last_full; ++v) add(load_floats_avx512(z + 16 * v), 0xffff);
    if (last_full < last) {
      // The padding lanes read as m, so that their gap is 0 (not +inf, for m near -FLT_MAX and
      // T < 1) where the mask zeroes their weight: inf * 0 would poison the sums.
      add(_mm512_mask_blend_ps(rest, top, load_floats_masked_avx512(z + full, rest)), rest);
    }
    flush_into_avx512(wide[0], tail);
    flush_into_avx512(wide[1], first);
    flush_into_avx512(wide[2], second);
  }
  sums.max = static_cast<double>(m) * beta;
  sums.tail = _mm512_reduce_add_pd(_mm512_add_pd(wide[0][0], wide[0][1]));
  sums.first = _mm512_reduce_add_pd(_mm512_add_pd(wide[1][0], wide[1][1]));
  sums.second = _mm512_reduce_add_pd(_mm512_add_pd(wide[2][0], wide[2][1]));
  sums.ties = static_cast<double>(_mm512_reduce_add_epi32(ties));
  return sums;
}

/// The block's sums; T = 1 (beta = 1, the common case) skips a multiply per entry. Integer tie
/// counts are exact for n < 2^35.
template <class T>
INFOSCALE_TARGET_AVX512 fast_block_sums fast_block_sums_avx512(const T* z, std::size_t n, double beta) {
  return beta == 1.0 ? fast_block_sums_avx512_impl<true>(z, n, beta)
                     : fast_block_sums_avx512_impl<false>(z, n, beta);
}

#endif

}  // namespace infoscale::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#pragma once
// The fast precision mode's block kernel written for AVX2 + FMA (the level core/detail/cpu_dispatch.hpp
// picks on CPUs without AVX-512, such as AMD's Zen 1-3), for float and bfloat16 logits. It
// computes what block_softmax_moments_fast_impl computes, in the same shape (two passes over a
// block in L1; the same float exp; 16 float lanes, here two 8-lane registers, of at most 8 terms
// each, flushed into double), without the costs the compiler's vectorisation of the portable kernel
// keeps: a tie with the maximum is a mask (an and-not zeroes its weight, an integer lane counts
// it) instead of a float select and product; 2^k is one integer add and shift; the ragged end is
// one padded vector instead of a scalar loop. binary16 keeps the portable clone: converting it
// needs F16C, which the AVX2 level does not require.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "infoscale/core/detail/cpu_dispatch.hpp"
#include "infoscale/core/detail/fast_block_sums.hpp"
#include "infoscale/core/half.hpp"

#if INFOSCALE_HAS_ISA_DISPATCH
#include <immintrin.h>
#endif

namespace infoscale::detail {

template <class T>
inline constexpr bool has_fast_avx2_kernel = std::is_same_v<T, float> || std::is_same_v<T, bfloat16>;

#if INFOSCALE_HAS_ISA_DISPATCH

/// 8 logits widened to float (exactly: bfloat16 is float's upper half).
template <class T>
INFOSCALE_TARGET_AVX2 inline __m256 load_floats_avx2(const T* z) {
  if constexpr (std::is_same_v<T, float>) {
    return _mm256_loadu_ps(z);
  } else {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16));
  }
}

/// The first `count` (< 8) logits, the other lanes 0.0; no memory beyond them is read.
template <class T>
INFOSCALE_TARGET_AVX2 inline __m256 load_floats_partial_avx2(const T* z, std::size_t count) {
  alignas(32) unsigned char padded[8 * sizeof(T)] = {};
  std::memcpy(padded, z, count * sizeof(T));
  return load_floats_avx2(reinterpret_cast<const T*>(padded));
}

/// All bits set in the first `count` lanes.
INFOSCALE_TARGET_AVX2 inline __m256 first_lanes_avx2(std::size_t count) {
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

/// exp(d) for -86 <= d <= 0 in the lanes of `keep` (all bits set), 0 in the others, with
/// exp_nonpositive_float's Cody-Waite reduction and degree-7 Taylor polynomial (fast_exp.hpp),
/// arranged for a shorter dependency chain, which is what bounds this kernel on AVX2 CPUs:
/// k = round(d log2 e) is read from the bits of d log2 e + 1.5 * 2^23 (one FMA instead of a
/// multiply, a round and a conversion); p = 1 + r (1 + r c(r)) with c = 1/2 + r/6 + ... + r^5/5040
/// evaluated in r^2 (depth 5 instead of Horner's 7, the last two steps Horner's own); and p 2^k is
/// k added to p's exponent field (exact: p is in [0.7, 1.5) and k >= -125, so the result is a
/// normal float). The tests sweep it against std::exp, as they do the portable one.
INFOSCALE_TARGET_AVX2 inline __m256 exp_nonpositive_avx2(__m256 d, __m256 keep) {
  const __m256 magic = _mm256_set1_ps(0x1.8p23f);  // adding it rounds to an integer in the low bits
  const __m256 shifted = _mm256_fmadd_ps(d, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 k = _mm256_sub_ps(shifted, magic);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), d);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  const __m256 r2 = _mm256_mul_ps(r, r);
  const __m256 c0 = _mm256_fmadd_ps(r, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
  const __m256 c1 = _mm256_fmadd_ps(r, _mm256_set1_ps(1.0f / 120.0f), _mm256_set1_ps(1.0f / 24.0f));
  const __m256 c2 = _mm256_fmadd_ps(r, _mm256_set1_ps(1.0f / 5040.0f), _mm256_set1_ps(1.0f / 720.0f));
  const __m256 c = _mm256_fmadd_ps(_mm256_fmadd_ps(c2, r2, c1), r2, c0);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 p = _mm256_fmadd_ps(_mm256_fmadd_ps(c, r, one), r, one);
  // The low bits of `shifted` hold k in two's complement; shifted left by 23 they are k's
  // exponent increment (the constant's own bits shift out).
  const __m256i scaled =
      _mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(_mm256_castps_si256(shifted), 23));
  return _mm256_and_ps(_mm256_castsi256_ps(scaled), keep);
}

/// exp_nonpositive_avx2 over an array (for the tests' ulp sweep).
INFOSCALE_TARGET_AVX2 inline void exp_nonpositive_avx2(const float* d, float* out, std::size_t n) {
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(out + j, exp_nonpositive_avx2(_mm256_loadu_ps(d + j), all));
  for (; j < n; ++j)
    _mm_store_ss(out + j, _mm256_castps256_ps128(exp_nonpositive_avx2(_mm256_set1_ps(d[j]), all)));
}

/// One lane of exp_nonpositive_avx2, kept or masked (for the tests).
INFOSCALE_TARGET_AVX2 inline float exp_nonpositive_avx2_lane(float d, bool keep) {
  const __m256 mask = _mm256_castsi256_ps(_mm256_set1_epi32(keep ? -1 : 0));
  return _mm_cvtss_f32(_mm256_castps256_ps128(exp_nonpositive_avx2(_mm256_set1_ps(d), mask)));
}

INFOSCALE_TARGET_AVX2 inline float max_of_lanes_avx2(__m256 x) {
  __m128 half = _mm_max_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  half = _mm_max_ps(half, _mm_movehl_ps(half, half));
  half = _mm_max_ss(half, _mm_shuffle_ps(half, half, 1));
  return _mm_cvtss_f32(half);
}

INFOSCALE_TARGET_AVX2 inline float sum_of_lanes_avx2(__m256 x) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  return _mm_cvtss_f32(half);
}

/// The sum of 16 double lanes (four registers), in a fixed order.
INFOSCALE_TARGET_AVX2 inline double sum_of_lanes_avx2(const __m256d wide[4]) {
  const __m256d quad = _mm256_add_pd(_mm256_add_pd(wide[0], wide[1]), _mm256_add_pd(wide[2], wide[3]));
  const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(quad), _mm256_extractf128_pd(quad, 1));
  return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

/// Two 8-lane float partial sums (lanes 0-7 and 8-15) added into 16 double lanes.
INFOSCALE_TARGET_AVX2 inline void flush_into_avx2(__m256d wide[4], const __m256 part[2]) {
  for (int half = 0; half < 2; ++half) {
    wide[2 * half] = _mm256_add_pd(wide[2 * half], _mm256_cvtps_pd(_mm256_castps256_ps128(part[half])));
    wide[2 * half + 1] =
        _mm256_add_pd(wide[2 * half + 1], _mm256_cvtps_pd(_mm256_extractf128_ps(part[half], 1)));
  }
}

template <bool UnitBeta, class T>
INFOSCALE_TARGET_AVX2 fast_block_sums fast_block_sums_avx2_impl(const T* z, std::size_t n, double beta) {
  fast_block_sums sums;
  const std::size_t full_vectors = n / 8;
  const std::size_t rest = n - 8 * full_vectors;
  const __m256 zero = _mm256_setzero_ps();
  const __m256 valid_rest = first_lanes_avx2(rest);
  // Pass 1: the maximum of z, and x * 0 summed, which is NaN after any NaN or infinity. Two
  // registers each, so that consecutive vectors do not wait on one another.
  __m256 high[2] = {_mm256_set1_ps(-__builtin_inff()), _mm256_set1_ps(-__builtin_inff())};
  __m256 poisoned[2] = {zero, zero};
  const auto scan = [&](int half, __m256 x) INFOSCALE_TARGET_AVX2 {
    high[half] = _mm256_max_ps(high[half], x);
    poisoned[half] = _mm256_fmadd_ps(x, zero, poisoned[half]);
  };
  std::size_t scanned = 0;
  for (; scanned + 2 <= full_vectors; scanned += 2) {
    scan(0, load_floats_avx2(z + 8 * scanned));
    scan(1, load_floats_avx2(z + 8 * scanned + 8));
  }
  if (scanned < full_vectors) scan(0, load_floats_avx2(z + 8 * scanned));
  if (rest != 0) {
    const __m256 x = load_floats_partial_avx2(z + 8 * full_vectors, rest);
    high[0] = _mm256_max_ps(high[0], _mm256_blendv_ps(high[0], x, valid_rest));
    poisoned[0] = _mm256_fmadd_ps(x, zero, poisoned[0]);
  }
  const float m = max_of_lanes_avx2(_mm256_max_ps(high[0], high[1]));
  if (!(sum_of_lanes_avx2(_mm256_add_ps(poisoned[0], poisoned[1])) == 0.0f)) {
    sums.invalid = true;
    return sums;
  }
  // Pass 2: weights e = exp((x - m) beta) of the entries below m, their ties with m counted apart.
  // Vector v holds entries 8v..8v+7, so it goes to lanes 0-7 (v even) or 8-15 (v odd) of the
  // portable kernel's 16; a group of 16 vectors adds 8 terms to each lane.
  const __m256 top = _mm256_set1_ps(m);
  const __m256 scale = _mm256_set1_ps(static_cast<float>(beta));
  const __m256 floor = _mm256_set1_ps(-86.0f);  // gaps below count as -86 (see the portable kernel)
  __m256i ties = _mm256_setzero_si256();
  __m256d wide[3][4] = {};
  const std::size_t vectors = full_vectors + (rest != 0 ? 1 : 0);
  for (std::size_t group = 0; group < vectors; group += 16) {
    __m256 tail[2] = {zero, zero}, first[2] = {zero, zero}, second[2] = {zero, zero};
    // `valid` masks the padded lanes of the ragged end; full vectors skip the two ands.
    const auto add = [&]<bool Ragged>(int half, __m256 x, __m256 valid) INFOSCALE_TARGET_AVX2 {
      __m256 below = _mm256_cmp_ps(x, top, _CMP_NEQ_UQ);
      if constexpr (Ragged) below = _mm256_and_ps(below, valid);
      const __m256 tied = Ragged ? _mm256_andnot_ps(below, valid) : _mm256_cmp_ps(x, top, _CMP_EQ_OQ);
      ties = _mm256_sub_epi32(ties, _mm256_castps_si256(tied));  // a tie's lane is -1
      __m256 d = _mm256_sub_ps(x, top);
      if constexpr (!UnitBeta) d = _mm256_mul_ps(d, scale);
      d = _mm256_max_ps(d, floor);
      const __m256 e = exp_nonpositive_avx2(d, below);
      tail[half] = _mm256_add_ps(tail[half], e);
      first[half] = _mm256_fmadd_ps(d, e, first[half]);
      second[half] =
          _mm256_fmadd_ps(d, _mm256_mul_ps(d, e), second[half]);  // d * d could overflow where e = 0
    };
    const std::size_t last = group + 16 < vectors ? group + 16 : vectors;
    const std::size_t last_full = last < full_vectors ? last : full_vectors;
    std::size_t v = group;  // even: groups start at multiples of 16
    for (; v + 2 <= last_full; v += 2) {
      add.template operator()<false>(0, load_floats_avx2(z + 8 * v), zero);
      add.template operator()<false>(1, load_floats_avx2(z + 8 * v + 8), zero);
    }
    if (v < last_full) add.template operator()<false>(0, load_floats_avx2(z + 8 * v), zero);
    if (last_full < last) {
      // The padding lanes read as m, so that their gap is 0 (not a huge or infinite one) where the
      // mask zeroes their weight.
      const __m256 x =
          _mm256_blendv_ps(top, load_floats_partial_avx2(z + 8 * full_vectors, rest), valid_rest);
      if (full_vectors % 2 == 0)
        add.template operator()<true>(0, x, valid_rest);
      else
        add.template operator()<true>(1, x, valid_rest);
    }
    flush_into_avx2(wide[0], tail);
    flush_into_avx2(wide[1], first);
    flush_into_avx2(wide[2], second);
  }
  sums.max = static_cast<double>(m) * beta;
  sums.tail = sum_of_lanes_avx2(wide[0]);
  sums.first = sum_of_lanes_avx2(wide[1]);
  sums.second = sum_of_lanes_avx2(wide[2]);
  const __m128i count = _mm_add_epi32(_mm256_castsi256_si128(ties), _mm256_extracti128_si256(ties, 1));
  sums.ties = static_cast<double>(_mm_cvtsi128_si32(count)) + _mm_extract_epi32(count, 1) +
              _mm_extract_epi32(count, 2) + _mm_extract_epi32(count, 3);
  return sums;
}

/// The block's sums; T = 1 (beta = 1, the common case) skips a multiply per entry. Integer tie
/// counts are exact for n < 2^34.
template <class T>
INFOSCALE_TARGET_AVX2 fast_block_sums fast_block_sums_avx2(const T* z, std::size_t n, double beta) {
  return beta == 1.0 ? fast_block_sums_avx2_impl<true>(z, n, beta)
                     : fast_block_sums_avx2_impl<false>(z, n, beta);
}

#endif

}  // namespace infoscale::detail

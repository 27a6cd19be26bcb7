#pragma once
// Run-time instruction-set dispatch for the hot kernels. The default build targets baseline
// x86-64 (what a distribution, pip or a user's CMake gives); the kernels are also compiled, in the
// same header, for AVX2 and AVX-512 with GCC/Clang's `target` attribute, and the widest one the
// CPU supports is chosen on first use. The clones are ordinary inline templates, so every
// translation unit instantiates the same definitions (ODR-safe, no ifunc, no build flag).
// INFOSCALE_ISA=baseline|avx2|avx512 lowers the choice (never above what the CPU has): the tests
// compare every level against the baseline, and a benchmark can show each one.

#include <cstdlib>
#include <cstring>
#include <string>

#if !defined(INFOSCALE_DISABLE_ISA_DISPATCH) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define INFOSCALE_HAS_ISA_DISPATCH 1
#else
#define INFOSCALE_HAS_ISA_DISPATCH 0
#endif

#if INFOSCALE_HAS_ISA_DISPATCH
#define INFOSCALE_TARGET_AVX2 __attribute__((target("avx2,fma"), flatten))
#if defined(__clang__)
#define INFOSCALE_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"), flatten))
#else
// GCC would otherwise keep 256-bit vectors for generic tuning.
#define INFOSCALE_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,prefer-vector-width=512"), flatten))
#endif
#endif

namespace infoscale::detail {

enum class isa { baseline = 0, avx2 = 1, avx512 = 2 };

inline std::string isa_name(isa level) {
  switch (level) {
    case isa::avx512:
      return "avx512";
    case isa::avx2:
      return "avx2";
    default:
      return "baseline";
  }
}

inline isa query_cpu_isa() {
#if INFOSCALE_HAS_ISA_DISPATCH
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return isa::avx2;
#endif
  return isa::baseline;
}

/// The widest level this CPU runs (baseline where dispatch is compiled out), queried once.
inline isa supported_isa() {
  static const isa level = query_cpu_isa();
  return level;
}

/// The level the kernels use: the CPU's, lowered by INFOSCALE_ISA when it names a lower one.
inline isa detect_isa() {
  const isa cpu = supported_isa();
  const char* requested = std::getenv("INFOSCALE_ISA");
  if (requested == nullptr) return cpu;
  isa wanted = cpu;
  if (std::strcmp(requested, "baseline") == 0) wanted = isa::baseline;
  if (std::strcmp(requested, "avx2") == 0) wanted = isa::avx2;
  if (std::strcmp(requested, "avx512") == 0) wanted = isa::avx512;
  return static_cast<int>(wanted) < static_cast<int>(cpu) ? wanted : cpu;
}

/// Read once per process (a thread-safe static): later changes to INFOSCALE_ISA have no effect.
inline isa active_isa() {
  static const isa level = detect_isa();
  return level;
}

}  // namespace infoscale::detail

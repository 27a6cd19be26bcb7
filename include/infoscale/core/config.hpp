#pragma once
// Compiler and back-end switches. Each INFOSCALE_HAS_* only turns its own back end on or off; it
// never changes what another policy computes.

#if defined(__CUDACC__) || defined(__HIPCC__)
#define INFOSCALE_HOST_DEVICE __host__ __device__
#else
#define INFOSCALE_HOST_DEVICE
#endif

#if defined(_OPENMP)
#define INFOSCALE_HAS_OPENMP 1
#else
#define INFOSCALE_HAS_OPENMP 0
#endif

// Thrust's CPU back ends need CCCL's headers on the include path (target infoscale::thrust).
#if defined(INFOSCALE_ENABLE_THRUST) || defined(__CUDACC__)
#define INFOSCALE_HAS_THRUST 1
// Without nvcc Thrust's device system cannot be CUDA; infoscale names its systems explicitly, so
// this only keeps Thrust's headers compiling under a host compiler.
#if !defined(__CUDACC__) && !defined(THRUST_DEVICE_SYSTEM)
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_CPP
#endif
#else
#define INFOSCALE_HAS_THRUST 0
#endif

// The CUDA policy exists only in translation units compiled by nvcc.
#if defined(__CUDACC__)
#define INFOSCALE_HAS_CUDA 1
#else
#define INFOSCALE_HAS_CUDA 0
#endif

#if defined(NDEBUG)
#define INFOSCALE_ASSERT(condition) ((void)0)
#else
#include <cassert>
#define INFOSCALE_ASSERT(condition) assert(condition)
#endif

#pragma once
// DLPack -> infoscale views. A DLTensor from PyTorch, JAX, CuPy, numpy or ONNX Runtime becomes a
// validated tensor_view of its element type, with its strides, byte offset and device kept; a
// managed tensor is owned by dlpack_tensor, which calls the producer's deleter exactly once.
//
// Uses Debian's libdlpack-dev header (<dlpack/dlpack.h>). Versions before 1.0 lack the versioned
// managed struct and its flags; for those the struct is declared here from the DLPack 1.0
// specification (same layout), so both legacy and versioned capsules are accepted.

#include <dlpack/dlpack.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"

namespace infoscale::interop {

#if defined(DLPACK_MAJOR_VERSION) && DLPACK_MAJOR_VERSION >= 1
using dlpack_version = ::DLPackVersion;
using dlpack_managed_versioned = ::DLManagedTensorVersioned;
inline constexpr std::uint64_t dlpack_flag_read_only = DLPACK_FLAG_BITMASK_READ_ONLY;
#else
/// DLPack 1.0's version pair.
struct dlpack_version {
  std::uint32_t major;
  std::uint32_t minor;
};
/// DLPack 1.0's DLManagedTensorVersioned, for headers older than 1.0.
struct dlpack_managed_versioned {
  dlpack_version version;
  void* manager_ctx;
  void (*deleter)(dlpack_managed_versioned* self);
  std::uint64_t flags;
  DLTensor dl_tensor;
};
inline constexpr std::uint64_t dlpack_flag_read_only = 1u;
#endif

/// Where a tensor's memory lives, which decides the execution policy that may read it.
enum class memory_space { host, device };

namespace detail {

inline memory_space classify_device(const DLDevice& device, std::string_view name) {
  switch (static_cast<int>(device.device_type)) {
    case kDLCPU:
    case kDLCUDAHost:  // pinned host memory: host-readable
      return memory_space::host;
    case kDLCUDA:
    case kDLCUDAManaged:
      return memory_space::device;
    default:
      infoscale::detail::raise("dlpack", name,
                               "lives on DLPack device type " +
                                   std::to_string(static_cast<int>(device.device_type)) +
                                   "; only CPU, CUDA, CUDA host and CUDA managed memory are supported");
  }
}

inline dtype classify_dtype(const DLDataType& type, std::string_view name) {
  if (type.lanes != 1) {
    infoscale::detail::raise("dlpack", name,
                             "has vector dtype lanes = " + std::to_string(type.lanes) + "; need 1");
  }
  if (type.code == kDLFloat && type.bits == 32) return dtype::float32;
  if (type.code == kDLFloat && type.bits == 64) return dtype::float64;
  if (type.code == kDLFloat && type.bits == 16) return dtype::float16;
  if (type.code == kDLBfloat && type.bits == 16) return dtype::bfloat16;
  infoscale::detail::raise("dlpack", name,
                           "has dtype code " + std::to_string(type.code) + " with " +
                               std::to_string(type.bits) +
                               " bits; supported: float16, bfloat16, float32, float64");
}

template <class T, std::size_t Rank>
tensor_view<T, Rank> view_of(const DLTensor& tensor, std::string_view name) {
  std::array<std::size_t, Rank> shape{};
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    if (tensor.shape[axis] < 0) {
      infoscale::detail::raise("dlpack", name, "has a negative extent on axis " + std::to_string(axis));
    }
    shape[axis] = static_cast<std::size_t>(tensor.shape[axis]);
  }
  auto strides = row_major_strides(shape);  // DLPack: null strides mean compact row-major
  if (tensor.strides != nullptr) {
    for (std::size_t axis = 0; axis < Rank; ++axis)
      strides[axis] = static_cast<std::ptrdiff_t>(tensor.strides[axis]);
  }
  if (tensor.byte_offset % sizeof(T) != 0) {
    infoscale::detail::raise("dlpack", name, "has a byte_offset that is not a multiple of its element size");
  }
  auto* base = static_cast<unsigned char*>(tensor.data);
  T* first = base == nullptr ? nullptr : reinterpret_cast<T*>(base + tensor.byte_offset);
  // make_view checks alignment, overflow and that a non-empty tensor has data.
  return make_view(first, shape, strides, name);
}

}  // namespace detail

/// Calls visitor(view, memory_space) with a validated tensor_view<const T, Rank> of the tensor's
/// element type T (float, double, float16 or bfloat16) and returns what the visitor returns.
template <std::size_t Rank, class Visitor>
decltype(auto) visit_dlpack(const DLTensor& tensor, Visitor&& visitor, std::string_view name = "tensor") {
  if (tensor.ndim != static_cast<std::int32_t>(Rank)) {
    infoscale::detail::raise(
        "dlpack", name,
        "has " + std::to_string(tensor.ndim) + " dimensions, expected " + std::to_string(Rank));
  }
  const memory_space space = detail::classify_device(tensor.device, name);
  switch (detail::classify_dtype(tensor.dtype, name)) {
    case dtype::float32:
      return visitor(detail::view_of<const float, Rank>(tensor, name), space);
    case dtype::float64:
      return visitor(detail::view_of<const double, Rank>(tensor, name), space);
    case dtype::float16:
      return visitor(detail::view_of<const float16, Rank>(tensor, name), space);
    case dtype::bfloat16:
      break;
  }
  return visitor(detail::view_of<const bfloat16, Rank>(tensor, name), space);
}

/// A mutable view of a tensor of known element type T (for in-place work such as noise
/// injection); refuses a mismatched dtype.
template <class T, std::size_t Rank>
requires(!std::is_const_v<T>) tensor_view<T, Rank> mutable_view(const DLTensor& tensor,
                                                                std::string_view name = "tensor") {
  if (tensor.ndim != static_cast<std::int32_t>(Rank)) {
    infoscale::detail::raise(
        "dlpack", name,
        "has " + std::to_string(tensor.ndim) + " dimensions, expected " + std::to_string(Rank));
  }
  detail::classify_device(tensor.device, name);
  if (detail::classify_dtype(tensor.dtype, name) != dtype_of<T>) {
    infoscale::detail::raise("dlpack", name, "has a different element type than the requested view");
  }
  return detail::view_of<T, Rank>(tensor, name);
}

/// Owns a DLPack managed tensor (legacy DLManagedTensor or versioned) and calls its deleter
/// exactly once, when destroyed. Move-only.
class dlpack_tensor {
 public:
  explicit dlpack_tensor(DLManagedTensor* legacy) : legacy_(legacy) {
    if (legacy == nullptr) infoscale::detail::raise("dlpack_tensor", "managed", "is null");
  }
  explicit dlpack_tensor(dlpack_managed_versioned* versioned) : versioned_(versioned) {
    if (versioned == nullptr) infoscale::detail::raise("dlpack_tensor", "managed", "is null");
    if (const std::uint32_t major = versioned->version.major; major != 1) {
      auto* rejected = std::exchange(versioned_, nullptr);
      if (rejected->deleter != nullptr) rejected->deleter(rejected);  // ownership was handed to us
      infoscale::detail::raise("dlpack_tensor", "managed",
                               "has DLPack major version " + std::to_string(major) + "; this build reads 1");
    }
  }
  dlpack_tensor(dlpack_tensor&& other) noexcept
      : legacy_(std::exchange(other.legacy_, nullptr)),
        versioned_(std::exchange(other.versioned_, nullptr)) {}
  dlpack_tensor& operator=(dlpack_tensor&& other) noexcept {
    if (this != &other) {
      release();
      legacy_ = std::exchange(other.legacy_, nullptr);
      versioned_ = std::exchange(other.versioned_, nullptr);
    }
    return *this;
  }
  dlpack_tensor(const dlpack_tensor&) = delete;
  dlpack_tensor& operator=(const dlpack_tensor&) = delete;
  ~dlpack_tensor() { release(); }

  [[nodiscard]] const DLTensor& tensor() const {
    return legacy_ != nullptr ? legacy_->dl_tensor : versioned_->dl_tensor;
  }
  /// Only versioned capsules can say so; a legacy one is taken as writable, as DLPack < 1.0 did.
  [[nodiscard]] bool read_only() const {
    return versioned_ != nullptr && (versioned_->flags & dlpack_flag_read_only) != 0;
  }

  template <class T, std::size_t Rank>
  tensor_view<T, Rank> writable_view(std::string_view name = "tensor") const {
    if (read_only())
      infoscale::detail::raise("dlpack_tensor", name, "is read-only (DLPack flag); copy it first");
    return mutable_view<T, Rank>(tensor(), name);
  }

 private:
  void release() noexcept {
    if (legacy_ != nullptr && legacy_->deleter != nullptr) legacy_->deleter(legacy_);
    if (versioned_ != nullptr && versioned_->deleter != nullptr) versioned_->deleter(versioned_);
    legacy_ = nullptr;
    versioned_ = nullptr;
  }

  DLManagedTensor* legacy_ = nullptr;
  dlpack_managed_versioned* versioned_ = nullptr;
};

}  // namespace infoscale::interop

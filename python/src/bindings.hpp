#pragma once
// Shared plumbing of the Python module: borrowing numpy / torch memory as infoscale views, the
// dtype and policy dispatch, and returning results as numpy arrays.
//
// Zero copy: inputs are nb::ndarray<nb::ro> with no dtype, shape, order or device constraint, so
// nanobind never converts them; it hands over the producer's pointer, shape and strides (in
// elements) from the buffer protocol (numpy) or DLPack (torch tensors, jax, ...). The device is
// checked here instead of by nanobind, so that a CUDA tensor gets a message saying what to do
// rather than a bare signature mismatch; its memory is never touched.
// Those become a validated infoscale::matrix_view over the same memory: a[:, ::2], a.T, a[::-1],
// np.broadcast_to(...) and Fortran-order arrays are read in place. Outputs are std::vectors moved
// into numpy arrays that own them (no copy either).

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"

namespace infoscale::python {

namespace nb = nanobind;

/// Any array, read-only, any float dtype, any strides, any device (checked by host_dtype, which
/// every entry point calls first): never converted, never copied.
using array_in = nb::ndarray<nb::ro>;
/// A numpy array of doubles owning its buffer.
using array_out = nb::ndarray<nb::numpy, double>;
/// One row in (a 1-D array) gives a float; several rows give an array of shape (rows,).
using rows_result = std::variant<double, array_out>;

/// An input array seen as a matrix (a 1-D array is one row), before its dtype is resolved.
struct matrix_input {
  const void* data = nullptr;
  dtype type = dtype::float64;
  std::array<std::size_t, 2> shape{};
  std::array<std::ptrdiff_t, 2> strides{};
  bool is_vector = false;
};

inline const char* dtype_name(dtype t) {
  switch (t) {
    case dtype::float16:
      return "float16";
    case dtype::bfloat16:
      return "bfloat16";
    case dtype::float32:
      return "float32";
    case dtype::float64:
      return "float64";
  }
  return "?";
}

/// Raises unless the array lives in host memory. This module is compiled without CUDA (the
/// `cuda` policy exists only in code built by nvcc), so device memory cannot be read here.
template <class Array>
void require_host(const Array& a, std::string_view function, std::string_view name) {
  const int device = a.device_type();
  if (device == nb::device::cpu::value) return;
  const char* kind = device == nb::device::cuda::value           ? "a CUDA device"
                     : device == nb::device::cuda_host::value    ? "CUDA pinned host memory"
                     : device == nb::device::cuda_managed::value ? "CUDA managed memory"
                     : device == nb::device::rocm::value         ? "a ROCm device"
                     : device == nb::device::metal::value        ? "a Metal device"
                                                                 : "a non-CPU device";
  detail::raise(function, name,
                std::string("lives on ") + kind + " (DLPack device type " + std::to_string(device) + ", id " +
                    std::to_string(a.device_id()) +
                    "), but this infoscale module was built without CUDA support and reads host memory "
                    "only: copy it to the CPU first (torch: tensor.cpu())");
}

/// The element type of a host array; raises for a device array or a dtype infoscale does not read.
template <class Array>
dtype host_dtype(const Array& a, std::string_view function, std::string_view name) {
  require_host(a, function, name);
  const auto dt = a.dtype();
  const bool float_code = dt.code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float);
  const bool bfloat_code = dt.code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat);
  if (dt.lanes == 1 && float_code && dt.bits == 16) return dtype::float16;
  if (dt.lanes == 1 && float_code && dt.bits == 32) return dtype::float32;
  if (dt.lanes == 1 && float_code && dt.bits == 64) return dtype::float64;
  if (dt.lanes == 1 && bfloat_code && dt.bits == 16) return dtype::bfloat16;
  detail::raise(function, name,
                "has an unsupported dtype (DLPack code " + std::to_string(dt.code) + ", " +
                    std::to_string(dt.bits) + " bits); expected float16, bfloat16, float32 or float64");
}

/// Reads the array's dtype, shape and strides; raises infoscale::error (ValueError) for a device
/// array, a dtype infoscale does not read or a rank other than 1 or 2.
inline matrix_input as_matrix(const array_in& a, std::string_view function, std::string_view name) {
  matrix_input in;
  in.type = host_dtype(a, function, name);
  if (a.ndim() == 2) {
    in.shape = {a.shape(0), a.shape(1)};
    in.strides = {static_cast<std::ptrdiff_t>(a.stride(0)), static_cast<std::ptrdiff_t>(a.stride(1))};
  } else if (a.ndim() == 1) {
    in.is_vector = true;
    in.shape = {1, a.shape(0)};
    in.strides = {0, static_cast<std::ptrdiff_t>(a.stride(0))};
  } else {
    detail::raise(function, name,
                  "must be 1-D (one distribution) or 2-D (rows x categories), got " +
                      std::to_string(a.ndim()) + " dimensions");
  }
  in.data = a.data();
  return in;
}

/// The validated view of an input as element type T (same memory, same strides).
template <class T>
matrix_view<const T> view_as(const matrix_input& in, std::string_view name) {
  return make_view(static_cast<const T*>(in.data), in.shape, in.strides, name);
}

/// Calls f(view) with the view typed by the array's run-time dtype.
template <class F>
decltype(auto) visit_dtype(const matrix_input& in, std::string_view name, F&& f) {
  switch (in.type) {
    case dtype::float16:
      return f(view_as<float16>(in, name));
    case dtype::bfloat16:
      return f(view_as<bfloat16>(in, name));
    case dtype::float32:
      return f(view_as<float>(in, name));
    case dtype::float64:
      break;
  }
  return f(view_as<double>(in, name));
}

/// Calls f(policy) with the execution policy named by the Python argument.
template <class F>
decltype(auto) visit_policy(const std::string& policy, std::string_view function, F&& f) {
  if (policy == "seq") return f(seq);
  if (policy != "par") detail::raise(function, "policy", "must be 'par' or 'seq', got '" + policy + "'");
  return f(par);
}

/// Raises unless two inputs share a dtype (the bindings instantiate one element type per call).
inline void require_same_dtype(const matrix_input& a, const matrix_input& b, std::string_view function,
                               std::string_view name_a, std::string_view name_b) {
  if (a.type != b.type) {
    detail::raise(function, name_b,
                  std::string("has dtype ") + dtype_name(b.type) + " but '" + std::string(name_a) + "' has " +
                      dtype_name(a.type) + "; pass arrays of one dtype");
  }
}

/// Moves a vector into a numpy array that owns it.
inline array_out to_numpy(std::vector<double>&& values, std::initializer_list<std::size_t> shape) {
  auto* owned = new std::vector<double>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
  return array_out(owned->data(), shape, owner);
}

/// A float for a 1-D input, an array of shape (rows,) otherwise.
inline rows_result to_rows_result(std::vector<double>&& values, bool is_vector) {
  if (is_vector) return values.at(0);
  const std::size_t rows = values.size();
  return to_numpy(std::move(values), {rows});
}

void bind_info(nb::module_& m);
void bind_thermo(nb::module_& m);
void bind_models(nb::module_& m);
void bind_layers(nb::module_& m);
void bind_distributed(nb::module_& m);
void bind_hvib(nb::module_& m);
void bind_lm(nb::module_& m);
void bind_manifold(nb::module_& m);
void bind_claims(nb::module_& m);
void bind_svg(nb::module_& m);

}  // namespace infoscale::python

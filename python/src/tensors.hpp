#pragma once
// Inputs of any rank (stacks of layers, attention maps, integer labels) and owned outputs of any
// element type, for the layers/ and hvib/ bindings. Like as_matrix in bindings.hpp, float inputs
// are borrowed in place: a rank-3 stack [layers, tokens, features] becomes one validated
// tensor_view, a rank-4 stack [layers, heads, queries, keys] a vector of rank-3 views over the
// same memory (tensor_view stops at rank 3). Integer inputs (labels, masks) are small and are
// read into std::vectors.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace infoscale::python {

/// A host array of fixed rank seen before its dtype is resolved.
template <std::size_t Rank>
struct tensor_input {
  const void* data = nullptr;
  dtype type = dtype::float64;
  std::array<std::size_t, Rank> shape{};
  std::array<std::ptrdiff_t, Rank> strides{};
};

/// Reads dtype, shape and strides of an array that must have exactly `Rank` axes; `layout`
/// names them in the message ("[layers, tokens, features]").
template <std::size_t Rank>
tensor_input<Rank> as_tensor(const array_in& a, std::string_view function, std::string_view name,
                             std::string_view layout) {
  tensor_input<Rank> in;
  in.type = host_dtype(a, function, name);
  if (a.ndim() != Rank) {
    detail::raise(function, name,
                  "must be " + std::to_string(Rank) + "-D " + std::string(layout) + ", got " +
                      std::to_string(a.ndim()) + " dimensions");
  }
  for (std::size_t axis = 0; axis < Rank; ++axis) {
    in.shape[axis] = a.shape(axis);
    in.strides[axis] = static_cast<std::ptrdiff_t>(a.stride(axis));
  }
  in.data = a.data();
  return in;
}

/// Reads a matrix that must be 2-D (as_matrix also takes 1-D rows).
inline matrix_input as_strict_matrix(const array_in& a, std::string_view function, std::string_view name,
                                     std::string_view layout) {
  const tensor_input<2> t = as_tensor<2>(a, function, name, layout);
  matrix_input in;
  in.data = t.data;
  in.type = t.type;
  in.shape = t.shape;
  in.strides = t.strides;
  return in;
}

/// The validated view of a rank-1..3 input as element type T.
template <class T, std::size_t Rank>
tensor_view<const T, Rank> typed_view(const tensor_input<Rank>& in, std::string_view name) {
  return make_view(static_cast<const T*>(in.data), in.shape, in.strides, name);
}

/// The rank-3 views along the first axis of a rank-4 input, all over the input's memory.
template <class T>
std::vector<tensor_view<const T, 3>> views_along_first(const tensor_input<4>& in, std::string_view name) {
  std::vector<tensor_view<const T, 3>> out;
  out.reserve(in.shape[0]);
  const auto* base = static_cast<const T*>(in.data);
  for (std::size_t i = 0; i < in.shape[0]; ++i) {
    out.push_back(make_view(base + static_cast<std::ptrdiff_t>(i) * in.strides[0],
                            std::array<std::size_t, 3>{in.shape[1], in.shape[2], in.shape[3]},
                            std::array<std::ptrdiff_t, 3>{in.strides[1], in.strides[2], in.strides[3]},
                            name));
  }
  return out;
}

/// A type carried as a value, for dispatching on a run-time dtype.
template <class T>
struct type_tag {
  using type = T;
};

/// Calls f(type_tag<T>{}) with T the element type named by `t`.
template <class F>
decltype(auto) visit_type(dtype t, F&& f) {
  switch (t) {
    case dtype::float16:
      return f(type_tag<float16>{});
    case dtype::bfloat16:
      return f(type_tag<bfloat16>{});
    case dtype::float32:
      return f(type_tag<float>{});
    case dtype::float64:
      break;
  }
  return f(type_tag<double>{});
}

/// Integer (or boolean) 1-D input: converted by nanobind from any integer dtype, then copied (labels
/// and masks are small next to the activations they describe).
using int_array_in = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
/// Integer 2-D input (an attention mask [sequences, positions]).
using int_matrix_in = nb::ndarray<const std::int64_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

inline std::vector<std::int64_t> to_vector(const int_array_in& a) {
  return std::vector<std::int64_t>(a.data(), a.data() + a.shape(0));
}

/// Class labels as ints, each in [0, classes) when classes > 0 (checked again by the library).
inline std::vector<int> to_labels(const int_array_in& a, std::string_view function, std::string_view name) {
  std::vector<int> out;
  out.reserve(a.shape(0));
  for (std::size_t i = 0; i < a.shape(0); ++i) {
    const std::int64_t v = a.data()[i];
    if (v < 0 || v > 1'000'000'000)
      detail::raise(function, name,
                    "has label " + std::to_string(v) + " at index " + std::to_string(i) +
                        "; labels must lie in [0, 1e9]");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

/// Moves a vector into a numpy array of any element type that owns it.
template <class T>
nb::ndarray<nb::numpy, T> owned_array(std::vector<T>&& values, std::initializer_list<std::size_t> shape) {
  auto* owned = new std::vector<T>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(owned->data(), shape, owner);
}

/// A numpy array of doubles of any length.
inline array_out owned_vector(std::vector<double>&& values) {
  const std::size_t n = values.size();
  return to_numpy(std::move(values), {n});
}

/// The policy argument shared by every entry point that runs on threads (a macro, to be
/// concatenated into docstrings).
#define INFOSCALE_POLICY_DOC                 \
  "policy : {'par', 'seq'}, default 'par'\n" \
  "    'par' spreads the work over OpenMP threads; 'seq' is the single-threaded reference.\n"

}  // namespace infoscale::python

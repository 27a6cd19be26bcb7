#include <doctest/doctest.h>

#include <infoscale/interop/dlpack.hpp>
#include <infoscale/thermo.hpp>
#include <vector>

using namespace infoscale;
// Declarations, not a using-directive: the unity build shares this file's scope with others, and
// interop's own detail namespace would make their bare detail:: ambiguous.
using infoscale::interop::dlpack_flag_read_only;
using infoscale::interop::dlpack_managed_versioned;
using infoscale::interop::dlpack_tensor;
using infoscale::interop::memory_space;
using infoscale::interop::mutable_view;
using infoscale::interop::visit_dlpack;

namespace {

DLTensor cpu_tensor(void* data, std::int64_t* shape, std::int32_t ndim, std::int64_t* strides,
                    DLDataType type) {
  DLTensor t{};
  t.data = data;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = ndim;
  t.dtype = type;
  t.shape = shape;
  t.strides = strides;
  t.byte_offset = 0;
  return t;
}

constexpr DLDataType f32{kDLFloat, 32, 1};

struct deleter_count {
  static inline int legacy = 0;
  static inline int versioned = 0;
};

}  // namespace

TEST_CASE("dlpack: compact, strided, negative-stride and offset tensors become the right views") {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  std::int64_t shape[2] = {2, 3};
  auto compact = cpu_tensor(data.data(), shape, 2, nullptr, f32);
  const double e = visit_dlpack<2>(compact, [](auto view, memory_space space) {
    CHECK(space == memory_space::host);
    CHECK(infoscale::detail::widen(view(1, 2)) == 6.0);
    return thermodynamics(seq, view, 1.0)[0].entropy;
  });
  CHECK(e > 0.0);
  // Transposed (3 x 2) through strides, as torch.t() exports it.
  std::int64_t t_shape[2] = {3, 2};
  std::int64_t t_strides[2] = {1, 3};
  auto transposed = cpu_tensor(data.data(), t_shape, 2, t_strides, f32);
  visit_dlpack<2>(transposed,
                  [](auto view, memory_space) { CHECK(infoscale::detail::widen(view(2, 1)) == 6.0); });
  // Rows reversed with a negative stride and a byte offset to the last row (numpy's a[::-1]).
  std::int64_t r_strides[2] = {-3, 1};
  auto reversed = cpu_tensor(data.data(), shape, 2, r_strides, f32);
  reversed.byte_offset = 3 * sizeof(float);
  visit_dlpack<2>(reversed, [](auto view, memory_space) {
    CHECK(infoscale::detail::widen(view(0, 0)) == 4.0);
    CHECK(infoscale::detail::widen(view(1, 0)) == 1.0);
  });
  // A size-1 axis may carry any stride.
  std::int64_t one_shape[2] = {1, 6};
  std::int64_t one_strides[2] = {12345, 1};
  auto one_row = cpu_tensor(data.data(), one_shape, 2, one_strides, f32);
  visit_dlpack<2>(one_row,
                  [](auto view, memory_space) { CHECK(infoscale::detail::widen(view(0, 5)) == 6.0); });
}

TEST_CASE("dlpack: bf16, fp16 and fp64 dispatch to their element types; CUDA memory is flagged as device") {
  std::vector<bfloat16> b{to_bfloat16(1.5f), to_bfloat16(-2.0f)};
  std::int64_t shape[1] = {2};
  auto tb = cpu_tensor(b.data(), shape, 1, nullptr, DLDataType{kDLBfloat, 16, 1});
  visit_dlpack<1>(tb, [](auto view, memory_space) {
    CHECK(std::is_same_v<std::remove_cv_t<typename decltype(view)::element_type>, bfloat16>);
    CHECK(infoscale::detail::widen(view(1)) == -2.0);
  });
  std::vector<float16> h{to_float16(0.25f)};
  std::int64_t one[1] = {1};
  auto th = cpu_tensor(h.data(), one, 1, nullptr, DLDataType{kDLFloat, 16, 1});
  visit_dlpack<1>(th, [](auto view, memory_space) { CHECK(infoscale::detail::widen(view(0)) == 0.25); });
  std::vector<double> d{3.0};
  auto td = cpu_tensor(d.data(), one, 1, nullptr, DLDataType{kDLFloat, 64, 1});
  td.device = DLDevice{kDLCUDA, 0};
  visit_dlpack<1>(td, [](auto, memory_space space) { CHECK(space == memory_space::device); });
}

TEST_CASE("dlpack: unsupported or inconsistent tensors raise infoscale::error") {
  std::vector<float> data(6, 1.0f);
  std::int64_t shape[2] = {2, 3};
  const auto visit = [](const DLTensor& t) { visit_dlpack<2>(t, [](auto, memory_space) {}); };
  auto t = cpu_tensor(data.data(), shape, 2, nullptr, f32);
  auto wrong_rank = t;
  wrong_rank.ndim = 1;
  CHECK_THROWS_WITH_AS(visit(wrong_rank), doctest::Contains("has 1 dimensions, expected 2"), error);
  auto ints = t;
  ints.dtype = DLDataType{kDLInt, 32, 1};
  CHECK_THROWS_WITH_AS(visit(ints), doctest::Contains("supported: float16"), error);
  auto lanes = t;
  lanes.dtype = DLDataType{kDLFloat, 32, 4};
  CHECK_THROWS_WITH_AS(visit(lanes), doctest::Contains("lanes = 4"), error);
  auto opencl = t;
  opencl.device = DLDevice{kDLOpenCL, 0};
  CHECK_THROWS_WITH_AS(visit(opencl), doctest::Contains("device type 4"), error);
  auto misaligned = t;
  misaligned.byte_offset = 2;
  CHECK_THROWS_WITH_AS(visit(misaligned), doctest::Contains("byte_offset"), error);
  auto null_data = t;
  null_data.data = nullptr;
  CHECK_THROWS_WITH_AS(visit(null_data), doctest::Contains("null data pointer"), error);
  std::int64_t negative[2] = {2, -3};
  auto bad_shape = cpu_tensor(data.data(), negative, 2, nullptr, f32);
  CHECK_THROWS_WITH_AS(visit(bad_shape), doctest::Contains("negative extent"), error);
  CHECK_THROWS_AS((mutable_view<double, 2>(t)), error);
}

TEST_CASE("dlpack: managed tensors are deleted exactly once; read-only capsules refuse writable views") {
  static std::vector<float> storage{1, 2, 3, 4};
  static std::int64_t shape[2] = {2, 2};
  deleter_count::legacy = 0;
  deleter_count::versioned = 0;
  {
    auto* legacy = new DLManagedTensor{};
    legacy->dl_tensor = cpu_tensor(storage.data(), shape, 2, nullptr, f32);
    legacy->deleter = [](DLManagedTensor* self) {
      ++deleter_count::legacy;
      delete self;
    };
    dlpack_tensor owner(legacy);
    dlpack_tensor moved(std::move(owner));
    CHECK_FALSE(moved.read_only());
    auto view = moved.writable_view<float, 2>();
    view(1, 1) = 40.0f;
    CHECK(storage[3] == 40.0f);
  }
  CHECK(deleter_count::legacy == 1);
  {
    auto* versioned = new dlpack_managed_versioned{};
    versioned->version = {1, 0};
    versioned->flags = dlpack_flag_read_only;
    versioned->dl_tensor = cpu_tensor(storage.data(), shape, 2, nullptr, f32);
    versioned->deleter = [](dlpack_managed_versioned* self) {
      ++deleter_count::versioned;
      delete self;
    };
    dlpack_tensor owner(versioned);
    CHECK(owner.read_only());
    CHECK_THROWS_WITH_AS((owner.writable_view<float, 2>()), doctest::Contains("read-only"), error);
    visit_dlpack<2>(owner.tensor(),
                    [](auto view, memory_space) { CHECK(infoscale::detail::widen(view(0, 1)) == 2.0); });
  }
  CHECK(deleter_count::versioned == 1);
  auto* future = new dlpack_managed_versioned{};
  future->version = {2, 0};
  future->deleter = [](dlpack_managed_versioned* self) {
    ++deleter_count::versioned;
    delete self;
  };
  CHECK_THROWS_WITH_AS(dlpack_tensor{future}, doctest::Contains("major version 2"), error);
  CHECK(deleter_count::versioned == 2);
}

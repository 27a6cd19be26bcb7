// The adapter on hand-built ggml tensors: names, element types, strides, non-host buffers, errors.
#include <doctest/doctest.h>
#include <ggml-backend-impl.h>  // ggml's own source tree: a buffer type that is not host memory
#include <ggml.h>

#include <cmath>
#include <cstring>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/interop/llama_cpp_noise.hpp>
#include <infoscale/layers/attention_drift.hpp>
#include <infoscale/layers/intervention.hpp>
#include <infoscale/thermo.hpp>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

using namespace infoscale;
using namespace infoscale::interop;

namespace {

struct context_deleter {
  void operator()(ggml_context* c) const { ggml_free(c); }
};
using context_ptr = std::unique_ptr<ggml_context, context_deleter>;

context_ptr small_context(bool no_alloc = false) {
  ggml_init_params params{};
  params.mem_size = 1 << 20;
  params.no_alloc = no_alloc;
  return context_ptr(ggml_init(params));
}

// Value of element (token, feature): distinct, and exact in f16 and bf16.
float value(std::int64_t token, std::int64_t feature) {
  return static_cast<float>(token) * 0.5f - static_cast<float>(feature) * 0.25f + 1.0f;
}

// A [features x tokens] ggml tensor (ne0 = features) of `type` holding value(token, feature).
ggml_tensor* residual(ggml_context* ctx, ggml_type type, std::int64_t features, std::int64_t tokens,
                      const char* name) {
  ggml_tensor* t = ggml_new_tensor_2d(ctx, type, features, tokens);
  for (std::int64_t i = 0; i < tokens; ++i) {
    for (std::int64_t j = 0; j < features; ++j) {
      auto* p = static_cast<char*>(t->data) + i * t->nb[1] + j * t->nb[0];
      const float v = value(i, j);
      if (type == GGML_TYPE_F32) std::memcpy(p, &v, sizeof v);
      if (type == GGML_TYPE_F16) *reinterpret_cast<ggml_fp16_t*>(p) = ggml_fp32_to_fp16(v);
      if (type == GGML_TYPE_BF16) *reinterpret_cast<ggml_bf16_t*>(p) = ggml_fp32_to_bf16(v);
    }
  }
  ggml_set_name(t, name);
  return t;
}

void check_rows(const matrix_view<const float>& m, std::int64_t tokens, std::int64_t features,
                std::int64_t first_token = 0) {
  REQUIRE(m.extent(0) == static_cast<std::size_t>(tokens));
  REQUIRE(m.extent(1) == static_cast<std::size_t>(features));
  for (std::int64_t i = 0; i < tokens; ++i) {
    for (std::int64_t j = 0; j < features; ++j) CHECK(m(i, j) == value(first_token + i, j));
  }
}

// Both phases, as the scheduler runs them.
bool offer(llama_collector& c, ggml_tensor* t) {
  if (!llama_collector::callback(t, true, &c)) return false;
  return llama_collector::callback(t, false, &c);
}

llama_capture everything() {
  llama_capture capture;
  capture.attention = true;
  capture.keep_logits = true;
  return capture;
}

}  // namespace

TEST_CASE("llama.cpp names: back-end copies and ggml's suffixes are stripped, the layer split off") {
  CHECK(parse_llama_node_name("l_out-3") == llama_node_name{"l_out", 3});
  CHECK(parse_llama_node_name("l_out-3 (reshaped)") == llama_node_name{"l_out", 3});
  CHECK(parse_llama_node_name("l_out-12 (view) (permuted)") == llama_node_name{"l_out", 12});
  CHECK(parse_llama_node_name("CUDA0#l_out-3#0") == llama_node_name{"l_out", 3});
  CHECK(parse_llama_node_name("CUDA0#kq_soft_max-7 (view)#1") == llama_node_name{"kq_soft_max", 7});
  CHECK(parse_llama_node_name("cache_k_l0 (view) (copy of Kcur-0)") == llama_node_name{"cache_k_l0", -1});
  CHECK(parse_llama_node_name("result_output") == llama_node_name{"result_output", -1});
  CHECK(parse_llama_node_name("result_output (cont)") == llama_node_name{"result_output", -1});
  CHECK(parse_llama_node_name("node_138") == llama_node_name{"node_138", -1});
  CHECK(parse_llama_node_name("a-b") == llama_node_name{"a-b", -1});
  CHECK(parse_llama_node_name("x-") == llama_node_name{"x-", -1});
  CHECK(parse_llama_node_name("x-12345678") == llama_node_name{"x-12345678", -1});  // not a layer
  static_assert(parse_llama_node_name("l_out-0").layer == 0);
}

TEST_CASE("llama.cpp ask phase: only wanted names and layers, never a view or copy of one") {
  auto ctx = small_context();
  llama_capture capture;
  capture.layers = {1, 3};
  llama_collector c(capture);
  ggml_tensor* l1 = residual(ctx.get(), GGML_TYPE_F32, 4, 2, "l_out-1");
  CHECK(c.wants(*l1));
  CHECK(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "l_out-3")));
  CHECK_FALSE(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "l_out-2")));        // not selected
  CHECK_FALSE(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "ffn_out-1")));      // other node
  CHECK_FALSE(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "kq_soft_max-1")));  // attention off
  CHECK(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "embd")));
  CHECK(c.wants(*residual(ctx.get(), GGML_TYPE_F32, 4, 2, "result_output")));
  // ggml names a reshape of l_out-1 "l_out-1 (reshaped)": same data, so not asked for again.
  ggml_tensor* reshaped = ggml_reshape_1d(ctx.get(), l1, 8);
  CHECK(std::string(reshaped->name) == "l_out-1 (reshaped)");
  CHECK_FALSE(c.wants(*reshaped));
  CHECK_FALSE(c.wants(*ggml_cont(ctx.get(), ggml_transpose(ctx.get(), l1))));
  // A decorated name whose source has another name is the node itself (e.g. a back-end copy).
  ggml_tensor* copy = ggml_dup_tensor(ctx.get(), l1);
  ggml_set_name(copy, "CUDA0#l_out-3#0");
  CHECK(c.wants(*copy));
  CHECK(c.requests().at("l_out-1") == 1);
  CHECK(c.requests().count("l_out-1 (reshaped)") == 0);
}

using f32_tag = std::integral_constant<ggml_type, GGML_TYPE_F32>;
using f16_tag = std::integral_constant<ggml_type, GGML_TYPE_F16>;
using bf16_tag = std::integral_constant<ggml_type, GGML_TYPE_BF16>;

TEST_CASE_TEMPLATE("llama.cpp residual streams: f32, f16 and bf16 rows, appended across ubatches", T, f32_tag,
                   f16_tag, bf16_tag) {
  auto ctx = small_context();
  llama_collector c;
  // Two ubatches of 3 and 2 tokens: the second one's rows follow the first's.
  ggml_tensor* first = residual(ctx.get(), T::value, 5, 3, "l_out-0");
  REQUIRE(offer(c, first));
  ggml_tensor* second = ggml_new_tensor_2d(ctx.get(), T::value, 5, 2);
  std::memcpy(second->data,
              static_cast<char*>(residual(ctx.get(), T::value, 5, 5, "x")->data) + 3 * first->nb[1],
              ggml_nbytes(second));
  ggml_set_name(second, "l_out-0");
  REQUIRE(offer(c, second));
  c.check();
  check_rows(c.hidden_states(0), 5, 5);
  CHECK(c.sequence_lengths() == std::vector<std::size_t>{5});
}

TEST_CASE("llama.cpp strided tensors: views, transposes and permutes are read through ne/nb") {
  auto ctx = small_context();
  llama_collector c;
  // Columns 2..6 of a wider [9 x 4] tensor: row stride 9 elements, offset 2.
  ggml_tensor* wide = residual(ctx.get(), GGML_TYPE_F32, 9, 4, "wide");
  ggml_tensor* window = ggml_view_2d(ctx.get(), wide, 5, 4, wide->nb[1], 2 * sizeof(float));
  ggml_set_name(window, "l_out-0");
  REQUIRE(offer(c, window));
  const auto m = c.hidden_states(0);
  for (std::int64_t i = 0; i < 4; ++i) {
    for (std::int64_t j = 0; j < 5; ++j) CHECK(m(i, j) == value(i, j + 2));
  }
  // A [tokens x features] tensor transposed: ne0 = features with nb0 = a row of tokens.
  ggml_tensor* by_token = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F16, 3, 6);  // ne0 = 3 tokens
  for (std::int64_t j = 0; j < 6; ++j) {
    for (std::int64_t i = 0; i < 3; ++i)
      static_cast<ggml_fp16_t*>(by_token->data)[j * 3 + i] = ggml_fp32_to_fp16(value(i, j));
  }
  ggml_tensor* transposed = ggml_transpose(ctx.get(), by_token);
  ggml_set_name(transposed, "l_out-1");
  REQUIRE_FALSE(ggml_is_contiguous(transposed));
  REQUIRE(offer(c, transposed));
  check_rows(c.hidden_states(1), 3, 6);
  // Attention [keys, queries, heads] stored as [keys, heads, queries] in bf16 and permuted back,
  // against the same probabilities as a contiguous f32 tensor.
  const std::int64_t keys = 4, queries = 2, heads = 3;
  llama_collector from_bf16(everything()), from_f32(everything());
  for (llama_collector* collector : {&from_bf16, &from_f32}) {
    for (int layer = -1; layer < 2; ++layer) {
      const std::string name = layer < 0 ? "embd" : "l_out-" + std::to_string(layer);
      REQUIRE(offer(*collector, residual(ctx.get(), GGML_TYPE_F32, 5, queries, name.c_str())));
    }
  }
  std::vector<std::vector<float>> probabilities;  // per layer, [heads][queries][keys]
  for (int layer = 0; layer < 2; ++layer) {
    ggml_tensor* stored = ggml_new_tensor_3d(ctx.get(), GGML_TYPE_BF16, keys, heads, queries);
    ggml_tensor* plain = ggml_new_tensor_3d(ctx.get(), GGML_TYPE_F32, keys, queries, heads);
    std::vector<float> p(heads * queries * keys);
    for (std::int64_t h = 0; h < heads; ++h) {
      for (std::int64_t q = 0; q < queries; ++q) {
        // Rows over 4 KV cells, the last one empty as a padded cell is. Dyadic weights (k / 8) are
        // exact in bf16, so the stored rows sum to 1 (the library checks that before masking).
        const float a = 1.0f + static_cast<float>((layer + h) % 3);
        const float w[4] = {a, 4.0f - a, q > 0 ? 4.0f : 0.0f, 0.0f};
        const float total = w[0] + w[1] + w[2] + w[3];
        for (std::int64_t k = 0; k < keys; ++k) {
          const ggml_bf16_t b = ggml_fp32_to_bf16(w[k] / total);
          static_cast<ggml_bf16_t*>(stored->data)[(q * heads + h) * keys + k] = b;
          p[(h * queries + q) * keys + k] = ggml_bf16_to_fp32(b);
          static_cast<float*>(plain->data)[(h * queries + q) * keys + k] = ggml_bf16_to_fp32(b);
        }
      }
    }
    probabilities.push_back(p);
    ggml_tensor* kq = ggml_permute(ctx.get(), stored, 0, 2, 1, 3);  // ne = [keys, queries, heads]
    ggml_format_name(kq, "kq_soft_max-%d", layer);
    ggml_format_name(plain, "kq_soft_max-%d", layer);
    REQUIRE(kq->ne[1] == queries);
    REQUIRE(offer(from_bf16, kq));
    REQUIRE(offer(from_f32, plain));
  }
  // S3 per pair of hidden layers: embd -> l_out-0 has no attention (0), l_out-0 -> l_out-1 is the
  // drift of the two attention layers, as attention_drift computes it on the same probabilities.
  const std::array<tensor_view<const float, 3>, 2> layers{
      make_view(probabilities[0].data(), std::array<std::size_t, 3>{heads, queries, keys}),
      make_view(probabilities[1].data(), std::array<std::size_t, 3>{heads, queries, keys})};
  const auto expected =
      attention_drift(std::span<const tensor_view<const float, 3>>(layers), attention_mask{false, {}});
  const resampling_plan plan(1, 0);
  for (llama_collector* collector : {&from_bf16, &from_f32}) {
    const auto s3 = collector->layer_attention(plan).signal(0);
    REQUIRE(s3.size() == 2);
    CHECK(s3[0] == 0.0);
    CHECK(s3[1] == doctest::Approx(expected[0]).epsilon(1e-12));
  }
}

TEST_CASE("llama.cpp logits: per-token thermodynamics at every temperature, f16 rows widened exactly") {
  auto ctx = small_context();
  llama_capture capture;
  capture.temperatures = {0.5, 1.0, 2.0};
  capture.keep_logits = true;
  llama_collector c(capture);
  const std::int64_t vocab = 7, rows = 3;
  ggml_tensor* logits = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F16, vocab, rows);
  std::vector<float> reference(vocab * rows);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t v = 0; v < vocab; ++v) {
      const ggml_fp16_t h = ggml_fp32_to_fp16(std::sin(static_cast<float>(3 * i + v)) * 4.0f);
      static_cast<ggml_fp16_t*>(logits->data)[i * vocab + v] = h;
      reference[i * vocab + v] = ggml_fp16_to_fp32(h);
    }
  }
  ggml_set_name(logits, "result_output");
  REQUIRE(offer(c, logits));
  // A ubatch without outputs has a 0-row logits node: nothing to add.
  ggml_tensor* empty = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, vocab, 0);
  ggml_set_name(empty, "result_output");
  REQUIRE(offer(c, empty));
  const auto view = make_view(reference.data(), std::array<std::size_t, 2>{rows, vocab});
  for (std::size_t k = 0; k < 3; ++k) {
    const auto expected = infoscale::thermodynamics(par, view, capture.temperatures[k]);
    const auto& got = c.thermodynamics(k);
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].entropy == expected[i].entropy);
      CHECK(got[i].free_energy == expected[i].free_energy);
      CHECK(got[i].heat_capacity == expected[i].heat_capacity);
    }
  }
  CHECK(c.logits()(2, 6) == reference[2 * vocab + 6]);
  // Without threads: seq, to the last bit.
  capture.threads = false;
  llama_collector serial(capture);
  REQUIRE(offer(serial, logits));
  const auto expected = infoscale::thermodynamics(seq, view, 0.5);
  for (std::size_t i = 0; i < expected.size(); ++i)
    CHECK(serial.thermodynamics(0)[i].entropy == expected[i].entropy);
  CHECK(c.logits_lengths() == std::vector<std::size_t>{3});
}

namespace {

// A buffer type that says its memory is not host memory, as a GPU's does: the collector must copy
// through ggml_backend_tensor_get, which this buffer serves from its own storage.
struct device_buffer {
  static inline int reads = 0;
  static const char* name(ggml_backend_buffer_type_t) { return "fake-device"; }
  static bool is_host(ggml_backend_buffer_type_t) { return false; }
  static void get_tensor(ggml_backend_buffer_t, const ggml_tensor* t, void* out, std::size_t offset,
                         std::size_t size) {
    ++reads;
    std::memcpy(out, static_cast<const char*>(t->data) + offset, size);
  }
};

// A buffer of that type (the caller frees it); the type outlives every buffer that points at it.
ggml_backend_buffer_t fake_device_buffer() {
  static ggml_backend_buffer_type buft = [] {
    ggml_backend_buffer_type b{};
    b.iface.get_name = &device_buffer::name;
    b.iface.is_host = &device_buffer::is_host;
    return b;
  }();
  ggml_backend_buffer_i iface{};
  iface.get_tensor = &device_buffer::get_tensor;
  return ggml_backend_buffer_init(&buft, iface, nullptr, 1 << 16);
}

}  // namespace

TEST_CASE("llama.cpp non-host buffers: rows are copied with ggml_backend_tensor_get, views included") {
  ggml_backend_buffer_t buffer = fake_device_buffer();
  REQUIRE_FALSE(ggml_backend_buffer_is_host(buffer));

  auto host = small_context();
  ggml_tensor* source = residual(host.get(), GGML_TYPE_F16, 6, 3, "source");
  auto meta = small_context(true);
  ggml_tensor* t = ggml_new_tensor_2d(meta.get(), GGML_TYPE_F16, 6, 3);
  t->data = source->data;  // the "device" memory
  t->buffer = buffer;
  ggml_set_name(t, "l_out-0");
  // A non-contiguous view: columns 1..4 with the parent's row stride; its view_src holds the buffer.
  ggml_tensor* view = ggml_view_2d(meta.get(), t, 4, 3, t->nb[1], 1 * sizeof(ggml_fp16_t));
  view->data = static_cast<char*>(t->data) + sizeof(ggml_fp16_t);
  ggml_set_name(view, "l_out-1");

  llama_collector c;
  device_buffer::reads = 0;
  REQUIRE(offer(c, t));
  REQUIRE(offer(c, view));
  CHECK(device_buffer::reads == 2);
  check_rows(c.hidden_states(0), 3, 6);
  const auto m = c.hidden_states(1);
  for (std::int64_t i = 0; i < 3; ++i) {
    for (std::int64_t j = 0; j < 4; ++j) CHECK(m(i, j) == value(i, j + 1));
  }
  ggml_backend_buffer_free(buffer);
}

TEST_CASE("llama.cpp bad input: unsupported types, wrong shapes and strides raise infoscale::error") {
  auto ctx = small_context();
  const auto raises = [](llama_collector& c, ggml_tensor* t, const std::string& argument,
                         const std::string& problem) {
    CHECK(c.wants(*t));
    try {
      c.capture(*t);
      FAIL("no error for " << t->name);
    } catch (const infoscale::error& e) {
      CHECK(e.argument() == argument);
      INFO(e.what());
      CHECK(std::string(e.what()).find(problem) != std::string::npos);
    }
  };
  llama_collector c(everything());
  raises(c, ggml_set_name(ggml_new_tensor_2d(ctx.get(), GGML_TYPE_Q8_0, 64, 2), "l_out-0"), "l_out-0",
         "has ggml type q8_0; supported: f32, f16, bf16");
  raises(c, ggml_set_name(ggml_new_tensor_2d(ctx.get(), GGML_TYPE_I32, 4, 2), "result_output"),
         "result_output", "has ggml type i32");
  raises(c, ggml_set_name(ggml_new_tensor_3d(ctx.get(), GGML_TYPE_F32, 4, 2, 2), "l_out-1"), "l_out-1",
         "has extent 2 on ggml axis 2");
  raises(c, ggml_set_name(ggml_new_tensor_4d(ctx.get(), GGML_TYPE_F32, 4, 2, 2, 2), "kq_soft_max-0"),
         "kq_soft_max-0", "has extent 2 on ggml axis 3");
  // Rows of another width in a later ubatch.
  REQUIRE(offer(c, residual(ctx.get(), GGML_TYPE_F32, 4, 2, "l_out-2")));
  raises(c, residual(ctx.get(), GGML_TYPE_F32, 5, 2, "l_out-2"), "l_out-2", "has rows of 5 values");
  // A byte stride that is not a whole number of elements.
  ggml_tensor* base = residual(ctx.get(), GGML_TYPE_F32, 8, 4, "base");
  raises(c, ggml_set_name(ggml_view_2d(ctx.get(), base, 3, 2, 10, 0), "l_out-3"), "l_out-3",
         "byte stride 10 on ggml axis 1");
  // Non-finite logits.
  ggml_tensor* nan_logits = residual(ctx.get(), GGML_TYPE_F32, 4, 1, "result_output");
  static_cast<float*>(nan_logits->data)[2] = std::nanf("");
  raises(c, nan_logits, "result_output", "holds invalid logits");
  // No data.
  auto meta = small_context(true);
  raises(c, ggml_set_name(ggml_new_tensor_2d(meta.get(), GGML_TYPE_F32, 4, 2), "l_out-4"), "l_out-4",
         "has no data");
  // Through the callback: the graph stops (false), later asks say no, and check() rethrows.
  llama_collector d;
  ggml_tensor* q = ggml_set_name(ggml_new_tensor_2d(ctx.get(), GGML_TYPE_Q4_0, 32, 1), "l_out-0");
  CHECK(llama_collector::callback(q, true, &d));
  CHECK_FALSE(llama_collector::callback(q, false, &d));
  CHECK_FALSE(llama_collector::callback(residual(ctx.get(), GGML_TYPE_F32, 4, 2, "l_out-1"), true, &d));
  CHECK_THROWS_AS(d.check(), infoscale::error);
  CHECK_THROWS_WITH_AS((void)d.hidden_layers(), doctest::Contains("q4_0"), infoscale::error);
  // Attention alone: no hidden layers to pair it with.
  llama_capture attention_only = everything();
  attention_only.embeddings = attention_only.residual = false;
  llama_collector f(attention_only);
  for (int layer = 0; layer < 2; ++layer) {
    ggml_tensor* kq = ggml_new_tensor_3d(ctx.get(), GGML_TYPE_F32, 2, 1, 1);
    static_cast<float*>(kq->data)[0] = static_cast<float*>(kq->data)[1] = 0.5f;
    ggml_format_name(kq, "kq_soft_max-%d", layer);
    REQUIRE(offer(f, kq));
  }
  CHECK_THROWS_WITH_AS((void)f.layer_attention(resampling_plan(1, 0)),
                       doctest::Contains("fewer than 2 layers"), infoscale::error);
  // Options.
  llama_capture no_temperatures;
  no_temperatures.temperatures.clear();
  CHECK_THROWS_AS(llama_collector{no_temperatures}, infoscale::error);
  llama_capture cold;
  cold.temperatures = {0.0};
  CHECK_THROWS_AS(llama_collector{cold}, infoscale::error);
  // Asking for what was not captured.
  llama_collector e;
  CHECK_THROWS_WITH_AS((void)e.hidden_states(5), doctest::Contains("'l_out-5' was not captured"),
                       infoscale::error);
  CHECK_THROWS_AS((void)e.logits(), infoscale::error);
  CHECK_THROWS_WITH_AS((void)e.thermodynamics(1), doctest::Contains("past the last temperature"),
                       infoscale::error);
  CHECK_THROWS_WITH_AS((void)e.layer_attention(resampling_plan(1, 0)), doctest::Contains("flash attention"),
                       infoscale::error);
}

TEST_CASE(
    "llama.cpp noise: l_out-N of the chosen layers only, in place, with the Hugging Face hooks' draws") {
  auto ctx = small_context();
  ggml_tensor* t = residual(ctx.get(), GGML_TYPE_F32, 64, 32, "l_out-2");
  ggml_tensor* other = residual(ctx.get(), GGML_TYPE_F32, 64, 32, "l_out-1");
  std::vector<float> clean(64 * 32), expected(64 * 32);
  std::memcpy(clean.data(), t->data, clean.size() * sizeof(float));
  expected = clean;
  llama_noise_injection n({{2}, 0.5, {2.0}, 11});
  n.start_sample(3);
  CHECK_FALSE(llama_noise_injection::callback(other, true, &n));
  REQUIRE(llama_noise_injection::callback(t, true, &n));
  REQUIRE(llama_noise_injection::callback(t, false, &n));
  CHECK(n.noise_std().at(2) == std::vector<double>{1.0});
  // Sample 3, layer 2, call 0: stream ((3 * 4096 + 2) << 20) + 0, element i = [token][feature] flat i.
  const auto view = make_view(expected.data(), std::array<std::size_t, 2>{32, 64});
  add_gaussian_noise_scaled(seq, view, 0.5, 2.0, 11, ((3ULL * 4096 + 2) << 20) + 0);
  const auto* got = static_cast<const float*>(t->data);
  double sum = 0.0, squares = 0.0;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    REQUIRE(got[i] == expected[i]);
    const double d = double(got[i]) - clean[i];
    sum += d;
    squares += d * d;
  }
  // N(0, 1) draws: mean within 4 standard errors of 0, std within 4 of 1 (2048 draws).
  const double count = static_cast<double>(clean.size());
  CHECK(std::abs(sum / count) < 4.0 / std::sqrt(count));
  CHECK(std::abs(std::sqrt(squares / count) - 1.0) < 4.0 / std::sqrt(2.0 * count));
  // The next call of the same layer draws from the next stream.
  REQUIRE(llama_noise_injection::callback(t, false, &n));
  CHECK(n.noise_std().at(2).size() == 2);
  // f16 rows are written too.
  ggml_tensor* half = residual(ctx.get(), GGML_TYPE_F16, 8, 4, "l_out-2");
  const ggml_fp16_t before = static_cast<const ggml_fp16_t*>(half->data)[0];
  REQUIRE(llama_noise_injection::callback(half, false, &n));
  CHECK(static_cast<const ggml_fp16_t*>(half->data)[0] != before);
}

TEST_CASE("llama.cpp noise: device buffers, unsupported types and bad options are clear errors") {
  const auto refused = [](const llama_noise& o, const char* text) {
    CHECK_THROWS_WITH_AS(llama_noise_injection{o}, doctest::Contains(text), error);
  };
  refused({{}, 0.1, {}, 0}, "'layers' is empty");
  refused({{-1}, 0.1, {}, 0}, "'layers' has layer -1 < 0");
  refused({{0}, -1.0, {}, 0}, "'sigma' must be finite and >= 0");
  refused({{0}, std::nan(""), {}, 0}, "'sigma' must be finite and >= 0");
  refused({{0, 1}, 0.1, {1.0}, 0}, "'reference_std' has 1 values for 2 layers");
  refused({{0}, 0.1, {0.0}, 0}, "'reference_std' must be finite and > 0");

  ggml_backend_buffer_t buffer = fake_device_buffer();
  auto host = small_context();
  ggml_tensor* source = residual(host.get(), GGML_TYPE_F32, 6, 3, "source");
  auto meta = small_context(true);
  ggml_tensor* t = ggml_new_tensor_2d(meta.get(), GGML_TYPE_F32, 6, 3);
  t->data = source->data;
  t->buffer = buffer;
  ggml_set_name(t, "l_out-0");
  llama_noise_injection n({{0}, 0.1, {}, 0});
  REQUIRE(llama_noise_injection::callback(t, true, &n));
  CHECK_FALSE(llama_noise_injection::callback(t, false, &n));  // the graph stops
  CHECK_THROWS_WITH_AS(n.check(), doctest::Contains("'l_out-0' lives in a device buffer"), error);
  ggml_backend_buffer_free(buffer);

  auto ctx = small_context();
  ggml_tensor* ints = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_I32, 4, 2);
  ggml_set_name(ints, "l_out-0");
  llama_noise_injection m({{0}, 0.1, {}, 0});
  CHECK_FALSE(llama_noise_injection::callback(ints, false, &m));
  CHECK_THROWS_WITH_AS(m.check(), doctest::Contains("has ggml type i32"), error);
}

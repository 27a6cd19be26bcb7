// The adapter end to end: llama_decode on a tiny random LLaMA GGUF (make_tiny_gguf.py) with the
// collector installed, checked against what llama.cpp itself returns.
#include <doctest/doctest.h>
#include <llama-ext.h>  // llama.cpp's staging API: llama_set/get_embeddings_layer_inp (layer inputs)
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/interop/llama_cpp_noise.hpp>
#include <infoscale/layers/cka.hpp>
#include <infoscale/layers/pipeline.hpp>
#include <infoscale/thermo.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace infoscale;
using namespace infoscale::interop;

namespace {

struct model_deleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct context_deleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
using context_ptr = std::unique_ptr<llama_context, context_deleter>;

llama_model* tiny_model() {
  static const std::unique_ptr<llama_model, model_deleter> model = [] {
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    llama_backend_init();
    const char* path = std::getenv("INFOSCALE_TINY_GGUF");
    if (path == nullptr) FAIL("set INFOSCALE_TINY_GGUF to the model written by make_tiny_gguf.py");
    llama_model_params params = llama_model_default_params();
    params.progress_callback = [](float, void*) { return true; };
    llama_model* m = llama_model_load_from_file(path, params);
    if (m == nullptr) FAIL("llama.cpp could not load " << path);
    return std::unique_ptr<llama_model, model_deleter>(m);
  }();
  return model.get();
}

std::size_t n_embd() {
  return static_cast<std::size_t>(llama_model_n_embd(tiny_model()));
}
std::size_t n_vocab() {
  return static_cast<std::size_t>(llama_vocab_n_tokens(llama_model_get_vocab(tiny_model())));
}
int n_layer() {
  return llama_model_n_layer(tiny_model());
}

struct run_options {
  std::uint32_t n_ubatch = 64;
  bool flash_attention = false;
  bool embeddings = false;    // result_norm rows through llama_get_embeddings_ith
  bool layer_inputs = false;  // every layer's input through llama_get_embeddings_layer_inp
};

// Any callback with its user data: the collector's, or a spy wrapping it.
context_ptr make_context(ggml_backend_sched_eval_callback callback, void* user_data, const run_options& o) {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = 256;
  p.n_batch = 64;
  p.n_ubatch = o.n_ubatch;
  p.n_threads = 2;
  p.n_threads_batch = 2;
  p.flash_attn_type = o.flash_attention ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  p.embeddings = o.embeddings;
  p.cb_eval = callback;
  p.cb_eval_user_data = user_data;
  context_ptr ctx(llama_init_from_model(tiny_model(), p));
  REQUIRE(ctx != nullptr);
  if (o.layer_inputs) {
    for (int il = 0; il < n_layer(); ++il)
      llama_set_embeddings_layer_inp(ctx.get(), static_cast<std::uint32_t>(il), true);
  }
  return ctx;
}

context_ptr make_context(llama_collector& c, const run_options& o) {
  return make_context(&llama_collector::callback, &c, o);
}

std::vector<llama_token> tokenize(const std::string& text) {
  const llama_vocab* vocab = llama_model_get_vocab(tiny_model());
  std::vector<llama_token> tokens(text.size() + 8);
  const int n = llama_tokenize(vocab, text.data(), static_cast<std::int32_t>(text.size()), tokens.data(),
                               static_cast<std::int32_t>(tokens.size()), false, true);
  REQUIRE(n > 0);
  tokens.resize(static_cast<std::size_t>(n));
  return tokens;
}

// One sequence from position `first`; every token an output unless only_last.
void decode(llama_context* ctx, const std::vector<llama_token>& tokens, bool only_last = false,
            std::int32_t first = 0) {
  const auto n = static_cast<std::int32_t>(tokens.size());
  llama_batch batch = llama_batch_init(n, 0, 1);
  for (std::int32_t i = 0; i < n; ++i) {
    batch.token[i] = tokens[static_cast<std::size_t>(i)];
    batch.pos[i] = first + i;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = !only_last || i == n - 1;
  }
  batch.n_tokens = n;
  const int rc = llama_decode(ctx, batch);
  llama_batch_free(batch);
  REQUIRE(rc == 0);
}

const std::string prompt = "the quick brown fox jumps over the lazy dog";

// Greedy decoding: the prompt in one decode, then one token per decode; the generated ids and
// every step's logits row.
struct generation {
  std::vector<llama_token> tokens;
  std::vector<std::vector<float>> logits;
};

generation greedy(llama_context* ctx, const std::vector<llama_token>& prompt_tokens, int steps) {
  generation out;
  decode(ctx, prompt_tokens, true);
  auto position = static_cast<std::int32_t>(prompt_tokens.size());
  const std::size_t v = n_vocab();
  for (int s = 0; s < steps; ++s) {
    const float* row = llama_get_logits_ith(ctx, -1);
    REQUIRE(row != nullptr);
    out.logits.emplace_back(row, row + v);
    const auto next = static_cast<llama_token>(std::max_element(row, row + v) - row);
    out.tokens.push_back(next);
    if (s + 1 < steps) decode(ctx, {next}, true, position++);
  }
  return out;
}

generation greedy_with(llama_noise_injection* noise, int steps = 12) {
  context_ptr ctx = noise == nullptr ? make_context(nullptr, nullptr, {})
                                     : make_context(&llama_noise_injection::callback, noise, {});
  if (noise != nullptr) noise->start_sample(0);
  generation g = greedy(ctx.get(), tokenize(prompt), steps);
  if (noise != nullptr) noise->check();
  return g;
}

llama_capture everything() {
  llama_capture capture;
  capture.attention = true;
  capture.keep_logits = true;
  capture.temperatures = {0.7, 1.0, 1.5};
  return capture;
}

// Records every ask and the collector's answer; keeps copies of the attention it was given.
struct spy {
  explicit spy(llama_collector* c) : collector(c) {}
  llama_collector* collector;
  std::map<std::string, std::size_t> yes;
  std::set<std::string> seen;
  std::map<int, std::vector<float>> attention;  // layer -> [heads][queries][keys], one ubatch
  std::array<std::size_t, 3> attention_shape{};

  static bool callback(ggml_tensor* t, bool ask, void* user_data) {
    auto& s = *static_cast<spy*>(user_data);
    const bool answer = llama_collector::callback(t, ask, s.collector);
    if (ask) {
      s.seen.insert(t->name);
      if (answer) ++s.yes[t->name];
    } else if (parse_llama_node_name(t->name).base == "kq_soft_max") {
      REQUIRE(t->type == GGML_TYPE_F32);
      REQUIRE(ggml_is_contiguous(t));
      const auto* p = static_cast<const float*>(t->data);
      s.attention[parse_llama_node_name(t->name).layer].assign(p, p + ggml_nelements(t));
      s.attention_shape = {static_cast<std::size_t>(t->ne[2]), static_cast<std::size_t>(t->ne[1]),
                           static_cast<std::size_t>(t->ne[0])};
    }
    return answer;
  }
};

double max_abs_difference(const matrix_view<const float>& a, const matrix_view<const float>& b) {
  REQUIRE(a.extent(0) == b.extent(0));
  REQUIRE(a.extent(1) == b.extent(1));
  double worst = 0.0;
  for (std::size_t i = 0; i < a.extent(0); ++i) {
    for (std::size_t j = 0; j < a.extent(1); ++j)
      worst = std::max(worst, std::abs(static_cast<double>(a(i, j)) - static_cast<double>(b(i, j))));
  }
  return worst;
}

// Checks every capture of one run against llama.cpp's own outputs of the same run.
void check_against_llama(llama_context* ctx, const llama_collector& c, std::size_t tokens) {
  const std::size_t d = n_embd(), v = n_vocab();
  std::vector<int> layers{-1};
  for (int il = 0; il < n_layer(); ++il) layers.push_back(il);
  REQUIRE(c.hidden_layers() == layers);
  CHECK(c.sequence_lengths() == std::vector<std::size_t>{tokens});
  // embd and l_out-0 .. l_out-(L-2) are the inputs of layers 0 .. L-1: the same floats.
  for (int il = 0; il < n_layer(); ++il) {
    const float* reference = llama_get_embeddings_layer_inp(ctx, static_cast<std::uint32_t>(il));
    const auto captured = c.hidden_states(il - 1);
    REQUIRE(captured.extent(0) == tokens);
    REQUIRE(captured.extent(1) == d);
    for (std::size_t i = 0; i < tokens; ++i) {
      for (std::size_t j = 0; j < d; ++j) REQUIRE(captured(i, j) == reference[i * d + j]);
    }
  }
  // The last layer's output, RMS-normalised (the norm weights are ones), is result_norm.
  const auto last = c.hidden_states(n_layer() - 1);
  for (std::size_t i = 0; i < tokens; ++i) {
    const float* result_norm = llama_get_embeddings_ith(ctx, static_cast<std::int32_t>(i));
    REQUIRE(result_norm != nullptr);
    double mean_square = 0.0;
    for (std::size_t j = 0; j < d; ++j) mean_square += double(last(i, j)) * last(i, j);
    const double scale = 1.0 / std::sqrt(mean_square / static_cast<double>(d) + 1e-5);
    for (std::size_t j = 0; j < d; ++j)
      CHECK(result_norm[j] == doctest::Approx(last(i, j) * scale).epsilon(1e-5));
  }
  // Logits rows are llama_get_logits_ith's, bit for bit.
  const auto logits = c.logits();
  REQUIRE(logits.extent(0) == tokens);
  REQUIRE(logits.extent(1) == v);
  for (std::size_t i = 0; i < tokens; ++i) {
    const float* row = llama_get_logits_ith(ctx, static_cast<std::int32_t>(i));
    for (std::size_t j = 0; j < v; ++j) REQUIRE(logits(i, j) == row[j]);
  }
  // Thermodynamics of the captured rows = infoscale's thermo on llama_get_logits.
  const auto all =
      make_view(static_cast<const float*>(llama_get_logits(ctx)), std::array<std::size_t, 2>{tokens, v});
  for (std::size_t k = 0; k < c.capture_options().temperatures.size(); ++k) {
    const double t = c.capture_options().temperatures[k];
    const auto expected = infoscale::thermodynamics(par, all, t);  // the collector's policy
    const auto serial = infoscale::thermodynamics(seq, all, t);
    const auto& got = c.thermodynamics(k);
    REQUIRE(got.size() == tokens);
    for (std::size_t i = 0; i < tokens; ++i) {
      CHECK(got[i].entropy == expected[i].entropy);
      CHECK(got[i].free_energy == expected[i].free_energy);
      CHECK(got[i].internal_energy == expected[i].internal_energy);
      CHECK(got[i].heat_capacity == expected[i].heat_capacity);
      CHECK(got[i].entropy == doctest::Approx(serial[i].entropy).epsilon(1e-12));
      CHECK(got[i].heat_capacity == doctest::Approx(serial[i].heat_capacity).epsilon(1e-10));
    }
  }
}

}  // namespace

TEST_CASE("llama_decode: the ask phase says yes exactly for the wanted nodes, once per ubatch") {
  const auto tokens = tokenize(prompt);
  const std::size_t ubatches = (tokens.size() + 4) / 5;
  REQUIRE(ubatches >= 3);
  llama_collector c(everything());
  spy s(&c);
  auto ctx = make_context(&spy::callback, &s, {5});
  decode(ctx.get(), tokens);
  c.check();
  std::map<std::string, std::size_t> expected{{"embd", ubatches}, {"result_output", ubatches}};
  for (int il = 0; il < n_layer(); ++il) {
    expected["l_out-" + std::to_string(il)] = ubatches;
    expected["kq_soft_max-" + std::to_string(il)] = ubatches;
  }
  CHECK(s.yes == expected);
  CHECK(c.requests() == expected);
  // Other nodes were offered and refused, decorated look-alikes included.
  for (const char* refused : {"result_norm", "kq-0", "ffn_out-0", "Qcur-0 (view)", "cache_k_l0 (view)"})
    CHECK(s.seen.count(refused) == 1);

  // A selection: two layers, no embeddings, no logits.
  llama_capture two;
  two.embeddings = false;
  two.logits = false;
  two.layers = {1, 3};
  llama_collector selective(two);
  spy t(&selective);
  auto ctx2 = make_context(&spy::callback, &t, {64});
  decode(ctx2.get(), tokens);
  CHECK(t.yes == std::map<std::string, std::size_t>{{"l_out-1", 1}, {"l_out-3", 1}});
  CHECK(selective.hidden_layers() == std::vector<int>{1, 3});
}

TEST_CASE("llama_decode: captured streams, logits and thermodynamics equal llama.cpp's outputs") {
  const auto tokens = tokenize(prompt);
  const run_options checked{64, false, true, true};
  llama_collector one(everything());
  spy s(&one);
  auto ctx = make_context(&spy::callback, &s, checked);
  decode(ctx.get(), tokens);
  check_against_llama(ctx.get(), one, tokens.size());

  // Attention drift of the single ubatch = attention_drift on the spy's copies of kq_soft_max.
  std::vector<tensor_view<const float, 3>> attention;
  for (int il = 0; il < n_layer(); ++il)
    attention.push_back(make_view(s.attention.at(il).data(), s.attention_shape));
  const auto expected =
      attention_drift(std::span<const tensor_view<const float, 3>>(attention), attention_mask{false, {}});
  const resampling_plan plan(1, 0);
  const auto s3 = one.layer_attention(plan).signal(0);
  REQUIRE(s3.size() == static_cast<std::size_t>(n_layer()));
  CHECK(s3[0] == 0.0);  // embd -> l_out-0: no attention before layer 0
  for (int il = 0; il + 1 < n_layer(); ++il)
    CHECK(s3[il + 1] == doctest::Approx(expected[il]).epsilon(1e-12));

  // Several ubatches (5 tokens each): the same rows in the same order, and the same drift.
  llama_collector many(everything());
  auto ctx5 = make_context(many, {5, false, true, true});
  decode(ctx5.get(), tokens);
  check_against_llama(ctx5.get(), many, tokens.size());
  for (int layer = -1; layer < n_layer(); ++layer) {
    INFO("layer " << layer);
    CHECK(max_abs_difference(one.hidden_states(layer), many.hidden_states(layer)) < 1e-4);
  }
  CHECK(max_abs_difference(one.logits(), many.logits()) < 1e-3);
  const auto s3_many = many.layer_attention(plan).signal(0);
  for (std::size_t k = 0; k < s3.size(); ++k) CHECK(s3_many[k] == doctest::Approx(s3[k]).epsilon(1e-4));

  // Capturing does not change what llama.cpp computes.
  auto plain = make_context(nullptr, nullptr, checked);
  decode(plain.get(), tokens);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const float* a = llama_get_logits_ith(plain.get(), static_cast<std::int32_t>(i));
    const float* b = llama_get_logits_ith(ctx.get(), static_cast<std::int32_t>(i));
    CHECK(std::memcmp(a, b, n_vocab() * sizeof(float)) == 0);
  }
}

TEST_CASE("llama_decode: sequences are bootstrap units, and the layer report runs on the captures") {
  const std::vector<std::string> texts{"the cat sat on the mat", "in the beginning was the word",
                                       "then there were three", "a tiny random model"};
  llama_collector c(everything());
  auto ctx = make_context(c, {8});
  std::vector<std::size_t> lengths;
  for (const auto& text : texts) {
    const auto tokens = tokenize(text);
    decode(ctx.get(), tokens);
    c.end_sequence();
    c.end_sequence();  // nothing captured since: no empty sequence
    llama_memory_clear(llama_get_memory(ctx.get()), true);
    lengths.push_back(tokens.size());
  }
  CHECK(c.sequence_lengths() == lengths);
  CHECK(c.logits_lengths() == lengths);
  const resampling_plan plan(texts.size(), 200, 7);
  const cka_evidence cka = c.layer_cka(par, plan);
  const attention_evidence drift = c.layer_attention(plan);
  const std::vector<int> layers = c.hidden_layers();
  for (std::size_t k = 0; k + 1 < layers.size(); ++k) {
    CHECK(cka.cka(k, 0) ==
          doctest::Approx(linear_cka(c.hidden_states(layers[k]), c.hidden_states(layers[k + 1])))
              .epsilon(1e-9));
  }
  boundary_options options;
  options.include_edges = true;
  options.min_prominence = 0.0;
  const boundary_report report = detect_boundaries(seq, &cka, nullptr, &drift, options);
  CHECK(report.evidence.size() == layers.size() - 1);
  CHECK(report.s3.size() == layers.size() - 1);
  CHECK_FALSE(report.boundaries.empty());
}

TEST_CASE("llama_decode: only the last token as output leaves the last layer short, and says why") {
  const auto tokens = tokenize(prompt);
  llama_collector c;
  auto ctx = make_context(c, {5});  // the ubatches before the last one have no output at all
  decode(ctx.get(), tokens, /*only_last=*/true);
  CHECK(c.hidden_states(n_layer() - 1).extent(0) == 1);
  CHECK(c.hidden_states(0).extent(0) == tokens.size());
  CHECK(c.thermodynamics().size() == 1);
  CHECK_THROWS_WITH_AS((void)c.layer_cka(resampling_plan(1, 0)),
                       doctest::Contains("request an output for every token"), infoscale::error);
}

TEST_CASE("llama_decode: final_norm captures result_norm, the RMS-normalised last layer, after every l_out") {
  const auto tokens = tokenize(prompt);
  llama_capture capture;
  capture.final_norm = true;
  llama_collector c(capture);
  auto ctx = make_context(c, {});
  decode(ctx.get(), tokens);
  std::vector<int> layers{-1};
  for (int il = 0; il < n_layer(); ++il) layers.push_back(il);
  layers.push_back(llama_collector::final_norm_layer);
  std::string got;
  for (const int l : c.hidden_layers()) got += std::to_string(l) + " ";
  INFO("hidden layers: " << got);
  REQUIRE(c.hidden_layers() == layers);
  const auto norm = c.hidden_states(llama_collector::final_norm_layer);
  const auto last = c.hidden_states(n_layer() - 1);
  REQUIRE(norm.extent(0) == tokens.size());
  REQUIRE(norm.extent(1) == n_embd());
  // The tiny model's norm weights are ones, so result_norm is the last l_out over its RMS.
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    double mean_square = 0.0;
    for (std::size_t j = 0; j < n_embd(); ++j) mean_square += double(last(i, j)) * last(i, j);
    const double scale = 1.0 / std::sqrt(mean_square / static_cast<double>(n_embd()) + 1e-5);
    for (std::size_t j = 0; j < n_embd(); ++j)
      CHECK(norm(i, j) == doctest::Approx(last(i, j) * scale).epsilon(1e-5));
  }
  CHECK(c.layer_cka(resampling_plan(1, 0)).layers() == layers.size());
}

TEST_CASE("llama_decode: with flash attention there are no attention probabilities to capture") {
  llama_collector c(everything());
  spy s(&c);
  auto ctx = make_context(&spy::callback, &s, {64, true});
  decode(ctx.get(), tokenize(prompt));
  CHECK(s.seen.count("kq_soft_max-0") == 0);
  CHECK_FALSE(c.has_attention());
  CHECK(c.hidden_layers().size() == static_cast<std::size_t>(n_layer() + 1));
}

TEST_CASE("llama_decode noise: sigma 0 is exact, a seed repeats, noise in l_out-N changes what follows") {
  const generation base = greedy_with(nullptr);
  llama_noise_injection zero({{1, 2}, 0.0, {}, 5});
  const generation same = greedy_with(&zero);
  CHECK(same.tokens == base.tokens);
  CHECK(same.logits == base.logits);  // bit for bit: the callback added exact zeros
  // One forward call per decode: the prompt, then 11 single tokens.
  CHECK(zero.noise_std().at(1).size() == 12);
  CHECK(zero.noise_std().at(2).size() == 12);

  std::vector<generation> noisy;
  for (int run = 0; run < 2; ++run) {
    llama_noise_injection n({{1}, 3.0, {}, 7});
    noisy.push_back(greedy_with(&n));
  }
  CHECK(noisy[0].tokens == noisy[1].tokens);
  CHECK(noisy[0].logits == noisy[1].logits);
  CHECK(noisy[0].logits != base.logits);
  llama_noise_injection other_seed({{1}, 3.0, {}, 8});
  CHECK(greedy_with(&other_seed).logits != noisy[0].logits);
}

TEST_CASE("llama_decode noise: the 'baseline' reading gives every call noise of sigma x reference std") {
  llama_noise_injection n({{0, 3}, 0.25, {2.0, 4.0}, 1});
  static_cast<void>(greedy_with(&n, 4));
  for (const double s : n.noise_std().at(0)) CHECK(s == 0.5);
  for (const double s : n.noise_std().at(3)) CHECK(s == 1.0);
  n.validate_layers(n_layer());
  llama_noise_injection past({{n_layer()}, 0.1, {}, 0});
  CHECK_THROWS_WITH_AS(past.validate_layers(n_layer()), doctest::Contains("outside the model's 0.."), error);
}

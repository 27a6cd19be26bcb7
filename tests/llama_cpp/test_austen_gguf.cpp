// The shipped Austen LLaMA runs as llama.cpp sees them: the f16 GGUF copies (models/austen/gguf/,
// written by llama.cpp's own converter, models/scripts/make_gguf.py) against transformers' float32
// forward pass on the same fp16 weights (the fixture beside them). Logits and the adapter's captured
// hidden states (embd and every l_out-N) must agree within the tolerances below; llama.cpp's
// "gpt-2" pre-tokenizer must split the slice's text into the transformers tokenizer's ids.
#include <doctest/doctest.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <infoscale/interop/llama_cpp.hpp>
#include <infoscale/io/npy.hpp>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace infoscale;
using namespace infoscale::interop;

namespace {

std::filesystem::path austen_dir() {
  const char* dir = std::getenv("INFOSCALE_AUSTEN_GGUF");
  if (dir == nullptr) FAIL("set INFOSCALE_AUSTEN_GGUF to models/austen/gguf");
  return dir;
}

struct loaded {
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model{nullptr, llama_model_free};
  std::unique_ptr<llama_context, decltype(&llama_free)> ctx{nullptr, llama_free};
};

loaded load(const std::string& name, llama_collector& c) {
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  const auto path = austen_dir() / ("austen-" + name + "-f16.gguf");
  llama_model_params mp = llama_model_default_params();
  mp.progress_callback = [](float, void*) { return true; };
  loaded l;
  l.model.reset(llama_model_load_from_file(path.string().c_str(), mp));
  REQUIRE_MESSAGE(l.model != nullptr, "llama.cpp could not load " << path);
  llama_context_params p = llama_context_default_params();
  p.n_ctx = 64;
  p.n_batch = 64;
  p.n_ubatch = 64;
  p.n_threads = 2;
  p.n_threads_batch = 2;
  p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  p.cb_eval = &llama_collector::callback;
  p.cb_eval_user_data = &c;
  l.ctx.reset(llama_init_from_model(l.model.get(), p));
  REQUIRE(l.ctx != nullptr);
  return l;
}

std::vector<llama_token> fixture_tokens() {
  const io::array a = io::load_npy(austen_dir() / "fixture" / "tokens.npy");
  const auto v = a.values<std::int32_t>();
  return {v.begin(), v.end()};
}

void check_model(const std::string& name) {
  INFO("model " << name);
  const std::vector<llama_token> tokens = fixture_tokens();
  llama_capture capture;
  capture.keep_logits = true;
  llama_collector c(capture);
  loaded l = load(name, c);
  const auto n = static_cast<std::int32_t>(tokens.size());
  llama_batch batch = llama_batch_init(n, 0, 1);
  for (std::int32_t i = 0; i < n; ++i) {
    batch.token[i] = tokens[static_cast<std::size_t>(i)];
    batch.pos[i] = i;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = true;
  }
  batch.n_tokens = n;
  const int rc = llama_decode(l.ctx.get(), batch);
  llama_batch_free(batch);
  REQUIRE(rc == 0);
  c.check();

  const io::array ref_logits = io::load_npy(austen_dir() / "fixture" / (name + "-logits.npy"));
  const io::array ref_hidden = io::load_npy(austen_dir() / "fixture" / (name + "-hidden.npy"));
  const auto logits = c.logits();
  const auto want = ref_logits.matrix<float>();
  REQUIRE(logits.extent(0) == want.extent(0));
  REQUIRE(logits.extent(1) == want.extent(1));
  // ggml's CPU matmul with f16 weights rounds the activations to f16 too; transformers computed in
  // float32. Measured worst |difference| 1.95e-3 (llama-a) and 1.94e-3 (llama-b): 1e-2 is ~5x that.
  double worst = 0.0;
  std::size_t argmax_agree = 0;
  for (std::size_t i = 0; i < want.extent(0); ++i) {
    std::size_t a = 0, b = 0;
    for (std::size_t j = 0; j < want.extent(1); ++j) {
      worst = std::max(worst, std::abs(double(logits(i, j)) - double(want(i, j))));
      if (logits(i, j) > logits(i, a)) a = j;
      if (want(i, j) > want(i, b)) b = j;
    }
    argmax_agree += a == b;
  }
  MESSAGE(name << ": max |logit difference| " << worst);
  CHECK(worst < 1e-2);
  CHECK(argmax_agree == want.extent(0));

  // hidden: (13, tokens, width) = embd, l_out-0 .. l_out-11
  REQUIRE(ref_hidden.shape.size() == 3);
  const std::size_t layers = ref_hidden.shape[0], rows = ref_hidden.shape[1], width = ref_hidden.shape[2];
  const auto h = ref_hidden.values<float>();
  REQUIRE(c.hidden_layers().size() == layers);
  for (std::size_t k = 0; k < layers; ++k) {
    const int layer = static_cast<int>(k) - 1;
    const auto got = c.hidden_states(layer);
    REQUIRE(got.extent(0) == rows);
    REQUIRE(got.extent(1) == width);
    double diff = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < width; ++j) {
        const double r = h[(k * rows + i) * width + j];
        diff = std::max(diff, std::abs(double(got(i, j)) - r));
        scale = std::max(scale, std::abs(r));
      }
    }
    INFO("hidden state " << layer << ": max |difference| " << diff << " of max |value| " << scale);
    // embd is exact; layer outputs measured within 2.3e-4 of their largest |value| (f16 activations)
    CHECK(diff <= 1e-3 * std::max(1.0, scale));
  }
}

}  // namespace

TEST_CASE("Austen GGUF: llama.cpp's logits and captured hidden states equal transformers'") {
  check_model("llama-a");
  check_model("llama-b");
}

TEST_CASE("Austen GGUF: llama.cpp's gpt-2 pre-tokenizer gives the transformers tokenizer's ids") {
  llama_collector c;
  loaded l = load("llama-a", c);
  std::ifstream f(austen_dir() / "fixture" / "slice.txt", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(!text.empty());
  std::vector<llama_token> ids(text.size() + 8);
  const int n = llama_tokenize(llama_model_get_vocab(l.model.get()), text.data(),
                               static_cast<std::int32_t>(text.size()), ids.data(),
                               static_cast<std::int32_t>(ids.size()), false, true);
  REQUIRE(n > 0);
  ids.resize(static_cast<std::size_t>(n));
  std::vector<llama_token> want = fixture_tokens();
  want.erase(want.begin());  // the leading end-of-text token is not part of the text
  CHECK(ids == want);
}

namespace {

// llama.cpp's greedy continuation (argmax of the raw logits, one token per decode, KV cache)
// against transformers' (the fixture: make_gguf.py --greedy-only), compared step by step up to the
// first step where transformers' top two logits lie within the 1e-2 logit tolerance above: from
// such a near-tie on, either back end may rightly pick the other token.
void check_greedy(const std::string& name) {
  INFO("model " << name);
  llama_capture nothing;
  nothing.embeddings = nothing.residual = nothing.logits = false;
  llama_collector c(nothing);
  loaded l = load(name, c);
  const io::array prompts = io::load_npy(austen_dir() / "fixture" / "greedy-prompts.npy");
  const io::array want = io::load_npy(austen_dir() / "fixture" / (name + "-greedy.npy"));
  const io::array margin = io::load_npy(austen_dir() / "fixture" / (name + "-greedy-margin.npy"));
  const auto p = prompts.values<std::int32_t>();
  const auto w = want.values<std::int32_t>();
  const auto m = margin.values<float>();
  const std::size_t n_prompts = prompts.shape[0], prompt_len = prompts.shape[1], steps = want.shape[1];
  const std::size_t vocab =
      static_cast<std::size_t>(llama_vocab_n_tokens(llama_model_get_vocab(l.model.get())));
  std::size_t compared = 0;
  for (std::size_t k = 0; k < n_prompts; ++k) {
    llama_memory_clear(llama_get_memory(l.ctx.get()), true);
    std::vector<llama_token> tokens(p.begin() + static_cast<std::ptrdiff_t>(k * prompt_len),
                                    p.begin() + static_cast<std::ptrdiff_t>((k + 1) * prompt_len));
    llama_batch batch = llama_batch_init(static_cast<std::int32_t>(prompt_len), 0, 1);
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t first = s == 0 ? 0 : prompt_len + s - 1;
      const std::size_t count = s == 0 ? prompt_len : 1;
      for (std::size_t i = 0; i < count; ++i) {
        batch.token[i] = tokens[first + i];
        batch.pos[i] = static_cast<llama_pos>(first + i);
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i + 1 == count;
      }
      batch.n_tokens = static_cast<std::int32_t>(count);
      REQUIRE(llama_decode(l.ctx.get(), batch) == 0);
      const float* row = llama_get_logits_ith(l.ctx.get(), -1);
      const auto next = static_cast<llama_token>(std::max_element(row, row + vocab) - row);
      if (m[k * steps + s] < 1e-2f) break;  // a near-tie in transformers: the rest may differ
      INFO("prompt " << k << ", step " << s);
      REQUIRE(next == w[k * steps + s]);
      ++compared;
      tokens.push_back(next);
    }
    llama_batch_free(batch);
  }
  MESSAGE(name << ": " << compared << " of " << n_prompts * steps << " greedy steps compared, all equal");
  // Measured: llama-a 87 (near-ties at prompt 1 step 3 and prompt 2 step 20), llama-b 128.
  CHECK(compared >= n_prompts * steps / 2);
}

}  // namespace

TEST_CASE("Austen GGUF: greedy generations (Experiment 2's baseline) equal transformers' token for token") {
  check_greedy("llama-a");
  check_greedy("llama-b");
}

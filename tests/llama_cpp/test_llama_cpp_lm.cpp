// llama_cpp_lm and llama_cpp_batched_lm (include/infoscale/interop/llama_cpp_lm.hpp,
// llama_cpp_batched_lm.hpp): a llama.cpp model as a PLM, on the tiny random GGUF and on the shipped
// austen-llama-a GGUF. Reference values come from an independent
// route: a fresh context per sequence, the whole sequence decoded in one batch with every position
// an output, and the log-softmax written out here.
#include <doctest/doctest.h>
#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <infoscale/interop/llama_cpp_batched_lm.hpp>
#include <infoscale/interop/llama_cpp_lm.hpp>
#include <infoscale/lm/entropy_function.hpp>
#include <memory>
#include <string>
#include <vector>

using namespace infoscale;
using namespace infoscale::interop;

namespace {

struct model_deleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
using model_ptr = std::unique_ptr<llama_model, model_deleter>;

llama_model* load(const char* env, const std::string& file) {
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  const char* dir = std::getenv(env);
  if (dir == nullptr) FAIL("set " << env);
  std::filesystem::path path(dir);
  if (!file.empty()) path /= file;
  llama_model_params params = llama_model_default_params();
  params.progress_callback = [](float, void*) { return true; };
  llama_model* m = llama_model_load_from_file(path.string().c_str(), params);
  if (m == nullptr) FAIL("llama.cpp could not load " << path);
  return m;
}

llama_model* tiny() {
  static const model_ptr m(load("INFOSCALE_TINY_GGUF", ""));
  return m.get();
}
llama_model* austen() {
  static const model_ptr m(load("INFOSCALE_AUSTEN_GGUF", "austen-llama-a-f16.gguf"));
  return m.get();
}

llama_context_params context_params(std::uint32_t n_ctx = 128) {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = n_ctx;
  p.n_batch = n_ctx;
  p.n_ubatch = n_ctx;
  p.n_threads = 1;  // ggml's workers spin while waiting: one thread is faster on a shared machine
  p.n_threads_batch = 1;
  return p;
}

// F32 KV cache and no flash attention: the numerically plain configuration.
llama_context_params plain_context_params() {
  llama_context_params p = context_params();
  p.type_k = GGML_TYPE_F32;
  p.type_v = GGML_TYPE_F32;
  p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  return p;
}

std::size_t n_vocab(llama_model* m) {
  return static_cast<std::size_t>(llama_vocab_n_tokens(llama_model_get_vocab(m)));
}

// Row t: log p(. | tokens[0..t]) at temperature T, from a fresh context and one batched decode. With
// `head` set, llama_cpp_lm's schedule instead: the first `head` tokens in one decode, every later one
// in a decode of its own, logits only for each decode's last token (the output rows change the
// last layer's matmul shapes); the rows are then those of the decodes' last tokens.
std::vector<std::vector<double>> fresh_log_probabilities(
    llama_model* m, const std::vector<token>& tokens, const llama_context_params& params = context_params(),
    double temperature = 1.0, std::size_t head = static_cast<std::size_t>(-1)) {
  const auto n = static_cast<std::int32_t>(tokens.size());
  std::unique_ptr<llama_context, decltype(&llama_free)> ctx(llama_init_from_model(m, params), llama_free);
  REQUIRE(ctx != nullptr);
  llama_batch batch = llama_batch_init(n, 0, 1);
  const bool schedule = head != static_cast<std::size_t>(-1);
  const auto first = static_cast<std::int32_t>(std::min<std::size_t>(head, tokens.size()));
  std::vector<std::vector<float>> logits;
  const std::size_t v = n_vocab(m);
  for (std::int32_t start = 0; start < n;) {
    const std::int32_t count = start == 0 && first > 0 ? first : 1;
    for (std::int32_t i = 0; i < count; ++i) {
      batch.token[i] = static_cast<llama_token>(tokens[static_cast<std::size_t>(start + i)]);
      batch.pos[i] = start + i;
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = schedule ? i + 1 == count : true;
    }
    batch.n_tokens = count;
    REQUIRE(llama_decode(ctx.get(), batch) == 0);
    for (std::int32_t i = schedule ? count - 1 : 0; i < count; ++i) {
      const float* z = llama_get_logits_ith(ctx.get(), i);
      logits.emplace_back(z, z + v);
    }
    start += count;
  }
  llama_batch_free(batch);
  std::vector<std::vector<double>> rows;
  for (const std::vector<float>& z : logits) {
    std::vector<double> row(v);
    double maximum = -1e300, sum = 0.0;
    for (std::size_t j = 0; j < v; ++j) maximum = std::max(maximum, row[j] = z[j] / temperature);
    for (const double x : row) sum += std::exp(x - maximum);
    for (double& x : row) x -= maximum + std::log(sum);
    rows.push_back(std::move(row));
  }
  return rows;
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

std::vector<token> tokenize(llama_model* m, const std::string& text) {
  std::vector<llama_token> ids(text.size() + 8);
  const int n = llama_tokenize(llama_model_get_vocab(m), text.c_str(), static_cast<std::int32_t>(text.size()),
                               ids.data(), static_cast<std::int32_t>(ids.size()), false, false);
  REQUIRE(n > 0);
  return {ids.begin(), ids.begin() + n};
}

std::vector<token> concat(const std::vector<token>& a, const std::vector<token>& b) {
  std::vector<token> out(a);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// -log P(y | s) of a recorded sample from one fresh batched decode of preamble + s + y (a cut
// sample's y holds its (L + 1)-th word and no end step): the direct estimator by an independent route.
double fresh_energy(llama_model* m, const std::vector<token>& preamble, const std::vector<token>& prompt,
                    const monte_carlo_sample& sample) {
  const auto& y = sample.continuation;
  const auto rows = fresh_log_probabilities(m, concat(concat(preamble, prompt), y));
  const std::size_t base = preamble.size() + prompt.size() - 1;
  double v = 0.0;
  for (std::size_t t = 0; t < y.size(); ++t) v -= rows[base + t][y[t]];
  if (!sample.cut) v -= rows[base + y.size()][static_cast<token>(llama_vocab_eos(llama_model_get_vocab(m)))];
  return v;
}

// llama.cpp's numerics depend on the decode's shape: a token decoded alone (matrix-vector kernels)
// or inside a batch (matrix-matrix kernels, activations rounded to f16 for f16 weights) gives
// different last bits, which grow through the layers. So the cache is checked two ways:
//  - against a fresh context decoding the same tokens on the same schedule (the first call's
//    tokens in one batch, then one token per decode): only the KV reuse and removal differ, and
//    the results agree to the last double bits (measured <= 7.1e-15 on both models): 1e-12;
//  - against a fresh context decoding the whole prefix in one batch: measured 6.1e-3 (tiny) and
//    4.1e-3 (austen-llama-a) with llama.cpp's default context, 6.6e-6 on the tiny f32 model with
//    an F32 KV cache and flash attention off (the Austen f16 matmuls keep ~5e-3).
constexpr double same_schedule_tolerance = 1e-12;
constexpr double default_tolerance = 1e-2;
constexpr double plain_f32_tolerance = 2e-5;

void check_cache_reuse(llama_model* m, const std::vector<token>& preamble, const std::vector<token>& base,
                       const llama_context_params& params, double tolerance) {
  llama_cpp_lm lm(m, params, {.temperature = 0.8, .preamble = preamble});
  const std::size_t v = lm.vocab().size();
  CHECK(v == n_vocab(m));
  CHECK(lm.vocab().end() == static_cast<token>(llama_vocab_eos(llama_model_get_vocab(m))));
  // A walk: grow by one token, backtrack to a shorter common prefix, repeat a prefix, take a
  // different branch. After the first call (preamble + 1 token in one batch) every call decodes
  // exactly one token (a backtrack re-decodes the last common token for its logits).
  std::vector<std::vector<token>> walk;
  for (std::size_t k = 1; k <= base.size(); ++k) walk.emplace_back(base.begin(), base.begin() + k);
  walk.emplace_back(base.begin(), base.begin() + 2);
  walk.emplace_back(base.begin(), base.begin() + 2);
  std::vector<token> branch(base.begin(), base.begin() + 2);
  branch.push_back((base[2] + 7) % static_cast<token>(v));
  walk.push_back(branch);
  double worst = 0.0, worst_same_schedule = 0.0;
  std::vector<double> out(v);
  for (const auto& prefix : walk) {
    lm.next_log_probabilities(prefix, out);
    const auto all = concat(preamble, prefix);
    worst = std::max(worst, max_abs_difference(out, fresh_log_probabilities(m, all, params, 0.8).back()));
    const auto same = fresh_log_probabilities(m, all, params, 0.8, preamble.size() + 1);
    worst_same_schedule = std::max(worst_same_schedule, max_abs_difference(out, same.back()));
  }
  MESSAGE("largest |cached - fresh| log-probability: " << worst_same_schedule << " (same decode schedule), "
                                                       << worst << " (prefix in one batch)");
  CHECK(worst_same_schedule <= same_schedule_tolerance);
  CHECK(worst <= tolerance);
  const llama_cpp_lm_stats& s = lm.stats();
  CHECK(s.calls == walk.size());
  CHECK(s.decoded_tokens == preamble.size() + walk.size() - 1);  // one token per call after the first
  CHECK(s.reused_tokens > 0);
}

void check_continuation(llama_model* m, const std::vector<token>& preamble, const std::vector<token>& prompt,
                        const std::vector<token>& continuation) {
  llama_cpp_lm lm(m, context_params(), {.preamble = preamble});
  const double through_plm = continuation_log_probability(lm, prompt, continuation);
  double same_schedule = 0.0, one_batch = 0.0;
  std::vector<token> prefix = prompt;
  for (std::size_t i = 0; i <= continuation.size(); ++i) {  // a fresh context per step
    const auto all = concat(preamble, prefix);
    const token next = i < continuation.size() ? continuation[i] : lm.vocab().end();
    same_schedule +=
        fresh_log_probabilities(m, all, context_params(), 1.0, preamble.size() + prompt.size()).back()[next];
    one_batch += fresh_log_probabilities(m, all).back()[next];
    if (i < continuation.size()) prefix.push_back(next);
  }
  MESSAGE("log P through the PLM " << through_plm << ", fresh decodes " << same_schedule
                                   << " (same schedule), " << one_batch << " (one batch)");
  CHECK(std::abs(through_plm - same_schedule) <= 1e-10);
  // Each step's log-probability within default_tolerance (above); 8 steps at most here.
  CHECK(std::abs(through_plm - one_batch) <= 8 * default_tolerance);
  CHECK(lm.stats().decoded_tokens == preamble.size() + prompt.size() + continuation.size());
}

}  // namespace

TEST_CASE("llama_cpp_lm: cached logits equal a fresh context's, after growth and backtracking") {
  SUBCASE("tiny random GGUF") {
    const token bos = static_cast<token>(llama_vocab_bos(llama_model_get_vocab(tiny())));
    check_cache_reuse(tiny(), {bos}, {5, 17, 3, 42, 8, 11, 29, 1}, context_params(), default_tolerance);
    check_cache_reuse(tiny(), {bos}, {5, 17, 3, 42, 8, 11, 29, 1}, plain_context_params(),
                      plain_f32_tolerance);
  }
  SUBCASE("austen-llama-a") {
    check_cache_reuse(austen(), {0},
                      tokenize(austen(), "It is a truth universally acknowledged, that a single"),
                      context_params(), default_tolerance);
  }
}

TEST_CASE("llama_cpp_lm: continuation_log_probability equals the sum of fresh per-step log-probabilities") {
  check_continuation(tiny(), {}, {5, 17, 3}, {42, 8, 11});
  check_continuation(austen(), {0}, tokenize(austen(), "Mr. Darcy"), tokenize(austen(), " was not"));
}

TEST_CASE("llama_cpp_lm: a Monte Carlo sample costs one decode per token after the prompt") {
  llama_cpp_lm lm(austen(), context_params(), {.preamble = {0}});
  const auto prompt = tokenize(austen(), "She was");
  monte_carlo_options o;
  o.samples = 4;
  o.max_length = 8;
  o.batch = 1;  // one sample at a time: the single KV cache follows it
  const auto e = entropy_function_monte_carlo(lm, prompt, o);
  // The first call decodes preamble + prompt in one batch; every later call decodes one token (the
  // next word, or the prompt's last token again at the start of a sample).
  CHECK(lm.stats().decoded_tokens == 1 + prompt.size() + (e.evaluations - 1));
  CHECK(lm.stats().decodes == e.evaluations);
}

TEST_CASE("llama_cpp_lm: entropy_function_monte_carlo is reproducible and agrees with the direct estimator") {
  // 16 samples of at most 8 + 1 draws: ~145 single-token decodes of the 12-layer model per run, three
  // runs, plus 16 fresh batched decodes for the reference.
  const std::vector<token> preamble{0};
  const auto prompt = tokenize(austen(), "It is a truth universally acknowledged, that");
  monte_carlo_options o;
  o.samples = 16;
  o.max_length = 8;
  o.seed = 2407;
  o.stream = 3;
  o.batch = 1;  // one sample at a time: the single KV cache follows it
  o.record_samples = true;
  llama_cpp_lm lm(austen(), context_params(), {.preamble = preamble});
  const auto first = monte_carlo_entropy_function(lm, prompt, o);
  {
    llama_cpp_lm again(austen(), context_params(), {.preamble = preamble});
    const auto second = entropy_function_monte_carlo(again, prompt, o);
    CHECK(second.entropy == first.chain_rule.entropy);  // bit for bit
    CHECK(second.standard_error == first.chain_rule.standard_error);
    CHECK(second.evaluations == first.chain_rule.evaluations);
  }
  lm.forget();  // the same PLM from the same (empty) cache state repeats too
  CHECK(entropy_function_monte_carlo(lm, prompt, o).entropy == first.chain_rule.entropy);
  CHECK(first.chain_rule.standard_error > 0.0);

  // The direct estimator by an independent route (fresh_energy).
  REQUIRE(first.samples.size() == o.samples);
  std::vector<double> energies;
  double worst = 0.0;
  for (const auto& sample : first.samples) {
    const double v = fresh_energy(austen(), preamble, prompt, sample);
    energies.push_back(v);
    worst = std::max(worst, std::abs(v - sample.energy));
  }
  CHECK(worst <= static_cast<double>(o.max_length + 1) * default_tolerance);
  const auto direct = infoscale::detail::mean_and_standard_error(energies);
  MESSAGE("chain rule " << first.chain_rule.entropy << " +- " << first.chain_rule.standard_error
                        << ", direct (fresh) " << direct.entropy << " +- " << direct.standard_error
                        << ", cut " << first.chain_rule.truncated_mass << ", largest |energy - fresh energy| "
                        << worst);
  CHECK(std::abs(first.chain_rule.entropy - direct.entropy) <=
        4.0 * std::sqrt(first.chain_rule.standard_error * first.chain_rule.standard_error +
                        direct.standard_error * direct.standard_error));
}

TEST_CASE("llama_cpp_lm: bad prefixes and options are clear infoscale::error") {
  llama_cpp_lm lm(tiny(), context_params(32));
  std::vector<double> out(lm.vocab().size());
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities({}, out), doctest::Contains("at least one token"),
                       infoscale::error);
  const std::vector<token> long_prefix(lm.context_size() + 1, 5);
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities(long_prefix, out), doctest::Contains("n_ctx"),
                       infoscale::error);
  const std::vector<token> outside{5, static_cast<token>(lm.vocab().size())};
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities(outside, out),
                       doctest::Contains("outside llama's vocabulary"), infoscale::error);
  std::vector<double> short_out(3);
  CHECK_THROWS_AS(lm.next_log_probabilities(std::vector<token>{5}, short_out), infoscale::error);
  CHECK_THROWS_AS(llama_cpp_lm(tiny(), context_params(), {.temperature = 0.0, .preamble = {}}),
                  infoscale::error);
  CHECK_THROWS_AS(llama_cpp_lm(nullptr, context_params()), infoscale::error);
  // After the errors the PLM still works, and a borrowed context is left to its owner.
  lm.next_log_probabilities(std::vector<token>{5, 6}, out);
  CHECK(std::isfinite(out[0]));
  std::unique_ptr<llama_context, decltype(&llama_free)> ctx(llama_init_from_model(tiny(), context_params()),
                                                            llama_free);
  {
    auto borrowed = llama_cpp_lm::borrowing(tiny(), ctx.get());
    borrowed.next_log_probabilities(std::vector<token>{5, 6}, out);
  }
  CHECK(llama_n_ctx(ctx.get()) > 0);  // still alive
}

namespace {

// The batched PLM's rows come from batches of several sequences (matrix-matrix kernels), so they are
// checked against a fresh one-batch decode at default_tolerance and plain_f32_tolerance (above).
void check_batched_rows(llama_model* m, const std::vector<token>& preamble, const std::vector<token>& base,
                        const llama_context_params& params, double tolerance, llama_batched_kv layout) {
  llama_cpp_batched_lm lm(m, params, 4, {.temperature = 0.8, .preamble = preamble}, layout);
  const bool unified = layout == llama_batched_kv::unified;
  CHECK(lm.layout() == layout);
  const std::size_t v = lm.vocab().size();
  CHECK(lm.slots() == 4);
  const std::vector<token> p(base.begin(), base.begin() + 3);
  std::vector<token> q(base.begin(), base.begin() + 2);
  q.push_back((base[2] + 7) % static_cast<token>(v));
  const auto plus = [](std::vector<token> x, token t) {
    x.push_back(t);
    return x;
  };
  struct call {
    std::vector<std::size_t> ids;
    std::vector<sentence> prefixes;
    std::size_t decoded;  // tokens decoded by the call
  };
  const std::size_t n = preamble.size() + 3;
  const std::vector<call> calls{
      // p twice (unified: one group, decoded once on sequences 0 and 1), q on sequence 2
      {{0, 1, 2}, {p, p, q}, unified ? 2 * n : 3 * n},
      // each grows by a different word: three groups of one token
      {{0, 1, 2}, {plus(p, base[3]), plus(p, base[4]), plus(q, base[3])}, 3},
      // sequences 0 and 1 back to p: p's last token re-decoded (unified: once, on both)
      {{4, 5}, {p, p}, unified ? 1u : 2u},
      // sample 6 on sequence 2: q, a prefix of what it holds
      {{6}, {q}, 1},
  };
  double worst = 0.0;
  std::size_t decoded = 0;
  for (const call& c : calls) {
    std::vector<double> out(c.prefixes.size() * v);
    lm.next_log_probabilities_batch(c.ids, c.prefixes, out);
    decoded += c.decoded;
    CHECK(lm.stats().decoded_tokens == decoded);
    for (std::size_t r = 0; r < c.prefixes.size(); ++r) {
      const std::vector<double> row(out.begin() + static_cast<std::ptrdiff_t>(r * v),
                                    out.begin() + static_cast<std::ptrdiff_t>((r + 1) * v));
      worst = std::max(
          worst, max_abs_difference(
                     row, fresh_log_probabilities(m, concat(preamble, c.prefixes[r]), params, 0.8).back()));
      CHECK(std::equal(lm.cached_tokens(c.ids[r] % 4).begin(), lm.cached_tokens(c.ids[r] % 4).end(),
                       concat(preamble, c.prefixes[r]).begin()));
    }
  }
  MESSAGE("largest |batched - fresh| log-probability: " << worst);
  CHECK(worst <= tolerance);
  CHECK(lm.stats().decodes == calls.size());  // each call fits one llama_decode
  // next_log_probabilities goes through sequence 0 and matches a batched row of the same prefix.
  std::vector<double> single(v);
  lm.next_log_probabilities(plus(p, base[3]), single);
  CHECK(max_abs_difference(
            single, fresh_log_probabilities(m, concat(preamble, plus(p, base[3])), params, 0.8).back()) <=
        tolerance);
}

}  // namespace

TEST_CASE("llama_cpp_batched_lm: rows equal fresh contexts', with shared, grown and trimmed sequences") {
  SUBCASE("tiny random GGUF") {
    const token bos = static_cast<token>(llama_vocab_bos(llama_model_get_vocab(tiny())));
    for (const auto layout : {llama_batched_kv::per_sequence, llama_batched_kv::unified}) {
      check_batched_rows(tiny(), {bos}, {5, 17, 3, 42, 8}, context_params(), default_tolerance, layout);
      check_batched_rows(tiny(), {bos}, {5, 17, 3, 42, 8}, plain_context_params(), plain_f32_tolerance,
                         layout);
    }
  }
  SUBCASE("austen-llama-a") {
    for (const auto layout : {llama_batched_kv::per_sequence, llama_batched_kv::unified})
      check_batched_rows(austen(), {0}, tokenize(austen(), "It is a truth universally acknowledged"),
                         context_params(), default_tolerance, layout);
  }
}

namespace {

void check_batched_monte_carlo(llama_batched_kv layout) {
  const std::vector<token> preamble{0};
  const auto prompt = tokenize(austen(), "It is a truth universally acknowledged, that");
  monte_carlo_options o;
  o.samples = 16;
  o.max_length = 8;
  o.seed = 2407;
  o.stream = 3;
  o.record_samples = true;
  o.batch = 8;
  llama_cpp_batched_lm batched(austen(), context_params(256), 8, {.preamble = preamble}, layout);
  const auto b = monte_carlo_entropy_function(batched, prompt, o);
  // A round's step t decodes every active sample's word in one llama_decode; step 0 decodes the
  // prompt once for all 8 (round 1: preamble + prompt; round 2: its last token again).
  std::size_t decodes = 0;
  for (std::size_t round = 0; round < 2; ++round) {
    std::size_t steps = 0;
    for (std::size_t k = 8 * round; k < 8 * round + 8; ++k) {
      const auto& x = b.samples[k];
      steps = std::max(steps, x.continuation.size() + (x.cut ? 0 : 1));
    }
    decodes += steps;
  }
  CHECK(batched.stats().decodes == decodes);
  // Each recorded energy -log P(y|s) against fresh_energy.
  double worst = 0.0;
  for (const auto& sample : b.samples)
    worst = std::max(worst, std::abs(fresh_energy(austen(), preamble, prompt, sample) - sample.energy));
  MESSAGE("largest |batched energy - fresh energy| " << worst);
  CHECK(worst <= static_cast<double>(o.max_length + 1) * default_tolerance);
  {
    llama_cpp_batched_lm again(austen(), context_params(256), 8, {.preamble = preamble}, layout);
    const auto c = monte_carlo_entropy_function(again, prompt, o);
    CHECK(c.chain_rule.entropy == b.chain_rule.entropy);  // bit for bit
    CHECK(c.direct.entropy == b.direct.entropy);
  }
  // The same uniforms through the one-sequence PLM. Its single-token decodes differ from a one-batch
  // decode by up to ~4e-3 in a log-probability (above), the batched rows by 5e-5 (measured), so a
  // draw near a CDF boundary can flip and a continuation diverge (5 of 16 here): the two estimates
  // are compared as independent ones, within 4 combined standard errors.
  o.batch = 1;
  llama_cpp_lm sequential(austen(), context_params(256), {.preamble = preamble});
  const auto s = monte_carlo_entropy_function(sequential, prompt, o);
  std::size_t same = 0;
  for (std::size_t k = 0; k < o.samples; ++k) same += s.samples[k].continuation == b.samples[k].continuation;
  MESSAGE("batched " << b.chain_rule.entropy << " +- " << b.chain_rule.standard_error << ", sequential "
                     << s.chain_rule.entropy << " +- " << s.chain_rule.standard_error << "; " << same
                     << " of " << o.samples << " continuations identical; decodes " << batched.stats().decodes
                     << " vs " << sequential.stats().decodes);
  CHECK(std::abs(b.chain_rule.entropy - s.chain_rule.entropy) <=
        4.0 * std::hypot(b.chain_rule.standard_error, s.chain_rule.standard_error));
  CHECK(batched.stats().decodes * 4 < sequential.stats().decodes);
}

}  // namespace

TEST_CASE(
    "llama_cpp_batched_lm: a Monte Carlo round costs one decode per step and agrees with llama_cpp_lm") {
  SUBCASE("per-sequence KV") {
    check_batched_monte_carlo(llama_batched_kv::per_sequence);
  }
  SUBCASE("unified KV") {
    check_batched_monte_carlo(llama_batched_kv::unified);
  }
}

TEST_CASE("llama_cpp_batched_lm: bad calls and options are clear infoscale::error") {
  llama_cpp_batched_lm lm(tiny(), context_params(64), 4, {}, llama_batched_kv::unified);
  const std::size_t v = lm.vocab().size();
  std::vector<double> out(2 * v);
  const std::vector<sentence> two{{5, 6}, {5, 7}};
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{1, 5}, two, out),
                       doctest::Contains("two rows on KV sequence 1"), infoscale::error);
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0}, two, out),
                       doctest::Contains("1 entries for 2 prefixes"), infoscale::error);
  std::vector<double> short_out(v);
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, two, short_out),
                       doctest::Contains("prefixes x n_vocab"), infoscale::error);
  const std::vector<sentence> empty_row{{5}, {}};
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, empty_row, out),
                       doctest::Contains("at least one token"), infoscale::error);
  const std::vector<sentence> outside{{5}, {5, static_cast<token>(v)}};
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, outside, out),
                       doctest::Contains("outside llama's vocabulary"), infoscale::error);
  const std::vector<sentence> too_long{{5}, sentence(lm.sequence_context_size() + 1, 5)};
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, too_long, out),
                       doctest::Contains("n_ctx"), infoscale::error);
  // Four distinct sequences of n_ctx / 2 tokens need twice the cells the unified cache has.
  const std::size_t half = lm.context_size() / 2;
  std::vector<sentence> full;
  for (token t = 0; t < 4; ++t) full.push_back(sentence(half, 10 + t));
  std::vector<double> out4(4 * v);
  CHECK_THROWS_WITH_AS(lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1, 2, 3}, full, out4),
                       doctest::Contains("raise n_ctx"), infoscale::error);
  CHECK_THROWS_WITH_AS(llama_cpp_batched_lm(tiny(), context_params(), 0), doctest::Contains("slots"),
                       infoscale::error);
  CHECK_THROWS_WITH_AS(llama_cpp_batched_lm(tiny(), context_params(), llama_cpp_batched_lm::max_slots + 1),
                       doctest::Contains("LLAMA_MAX_SEQ"), infoscale::error);
  CHECK_THROWS_AS(llama_cpp_batched_lm(tiny(), context_params(), 2, {.temperature = -1.0, .preamble = {}}),
                  infoscale::error);
  CHECK_THROWS_AS(llama_cpp_batched_lm(nullptr, context_params(), 2), infoscale::error);
  // After the errors (the full cache was cleared) the PLM still works.
  lm.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, two, out);
  CHECK(std::isfinite(out[0]));
  CHECK(std::isfinite(out[v]));
  // Per sequence, a sequence has n_ctx / slots cells (at least 256: llama.cpp pads each stream).
  llama_cpp_batched_lm streams(tiny(), context_params(64), 4);
  CHECK(streams.layout() == llama_batched_kv::per_sequence);
  CHECK(streams.sequence_context_size() * 4 == streams.context_size());
  const std::vector<sentence> too_long_for_a_stream{{5}, sentence(streams.sequence_context_size() + 1, 5)};
  CHECK_THROWS_WITH_AS(
      streams.next_log_probabilities_batch(std::vector<std::size_t>{0, 1}, too_long_for_a_stream, out),
      doctest::Contains("more than a sequence's n_ctx"), infoscale::error);
}

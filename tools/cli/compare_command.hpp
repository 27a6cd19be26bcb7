#pragma once
// `infoscale compare`: how far model B's next-token distributions are from base model A's on the
// same tokens, with the statistics of llama.cpp's `llama-perplexity --kl-divergence`
// (tools/perplexity/perplexity.cpp, functions kl_divergence and log_softmax) but exact:
//  - KL(A||B) = sum_i p_A,i (log p_A,i - log p_B,i) over the whole vocabulary, from logits in
//    double: llama.cpp stores the base's log-probabilities in 16 bits and skips terms with
//    log p_base <= -16; neither happens here.
//  - "Same top p": the fraction of rows where both models' most likely token (first on ties) agree,
//    SE sqrt(p (1 - p) / (n - 1)).
//  - With targets: Δp = p_B(target) - p_A(target) (llama.cpp: p - p_base), its mean ± SE and
//    percentiles; RMS Δp = sqrt(<Δp^2>) with SE 0.5 / RMS * SE(Δp^2); PPL = exp(<nll>) with SE
//    PPL * SE(nll); ln(PPL(B)/PPL(A)) with SE sqrt(SE_B^2 + SE_A^2 - 2 cov); the ratio exp(.) with
//    SE ratio * SE(ln ratio); PPL(B) - PPL(A) with SE sqrt(..., - 2 PPL_A PPL_B cov); the
//    correlation cov / (SE_A SE_B).
// Statistics definitions: see statistics.hpp. JS divergence is reported alongside (same statistics).

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <infoscale/info/logits.hpp>
#include <infoscale/io/mapped_file.hpp>
#include <string>
#include <vector>

#include "inputs.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "statistics.hpp"

namespace infoscale::cli {

struct compare_args {
  array_source base;
  array_source other;
  array_source targets;
  bool json = false;
  bool progress = true;
};

inline CLI::App* add_compare(CLI::App& app, compare_args& args) {
  auto* cmd = app.add_subcommand(
      "compare", "KL(A||B), JS and llama.cpp's --kl-divergence statistics between two models");
  cmd->add_option("LOGITS_A", args.base.path, "Base model's logits (.npy or .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("LOGITS_B", args.other.path, "Compared model's logits, same shape")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--tensor-a", args.base.tensor, "Tensor name inside a safetensors LOGITS_A");
  cmd->add_option("--tensor-b", args.other.tensor, "Tensor name inside a safetensors LOGITS_B");
  cmd->add_option("--targets", args.targets.path, "True next-token ids (int64/int32), one per row")
      ->check(CLI::ExistingFile);
  cmd->add_option("--targets-tensor", args.targets.tensor, "Tensor name inside a safetensors targets file");
  cmd->add_flag("--json", args.json, "Machine-readable output");
  cmd->add_flag("!--no-progress", args.progress, "No progress bar");
  return cmd;
}

namespace detail {

template <class T>
std::vector<std::size_t> argmax_rows(const matrix_view<const T>& m) {
  std::vector<std::size_t> out(m.extent(0));
  for (std::size_t r = 0; r < m.extent(0); ++r) {
    double best = infoscale::detail::widen(m(r, 0));
    std::size_t at = 0;
    for (std::size_t j = 1; j < m.extent(1); ++j) {
      const double v = infoscale::detail::widen(m(r, j));
      if (v > best) {  // strict: the first maximum wins, as in llama.cpp
        best = v;
        at = j;
      }
    }
    out[r] = at;
  }
  return out;
}

}  // namespace detail

inline int run_compare(const compare_args& args) {
  const io::array a = load_logits(args.base);
  const io::array b = load_logits(args.other);
  const auto shape_a = io::visit_matrix(a, [](auto m) { return m.shape(); });
  const auto shape_b = io::visit_matrix(b, [](auto m) { return m.shape(); });
  if (shape_a != shape_b) {
    throw usage_error("LOGITS_A is " + std::to_string(shape_a[0]) + " x " + std::to_string(shape_a[1]) +
                      " but LOGITS_B is " + std::to_string(shape_b[0]) + " x " + std::to_string(shape_b[1]) +
                      ": the two models must be evaluated on the same tokens with the same vocabulary");
  }
  const std::size_t rows = shape_a[0];
  if (rows == 0) throw usage_error("the logits have no rows");
  std::vector<std::int64_t> ids;
  if (!args.targets.path.empty()) ids = load_targets(args.targets, rows);

  std::vector<double> kl, js, nll_a, nll_b;
  std::vector<std::size_t> top_a, top_b;
  progress bar("compare", 2 * rows, args.progress);
  io::visit_matrix(a, [&](auto ma) {
    io::visit_matrix(b, [&](auto mb) {
      for_row_blocks(ma, bar, [&](auto block_a, std::size_t first) {
        const auto block_b = row_block(mb, first, block_a.extent(0));
        const auto k = kl_divergence_from_logits(par, block_a, block_b);
        const auto j = js_divergence_from_logits(par, block_a, block_b);
        kl.insert(kl.end(), k.begin(), k.end());
        js.insert(js.end(), j.begin(), j.end());
      });
      for_row_blocks(ma, bar, [&](auto block_a, std::size_t first) {
        const auto block_b = row_block(mb, first, block_a.extent(0));
        const auto ta = detail::argmax_rows(block_a);
        const auto tb = detail::argmax_rows(block_b);
        top_a.insert(top_a.end(), ta.begin(), ta.end());
        top_b.insert(top_b.end(), tb.begin(), tb.end());
        if (!ids.empty()) {
          const std::span<const std::int64_t> t(ids.data() + first, block_a.extent(0));
          const auto na = cross_entropy_from_logits(par, block_a, t);
          const auto nb = cross_entropy_from_logits(par, block_b, t);
          nll_a.insert(nll_a.end(), na.begin(), na.end());
          nll_b.insert(nll_b.end(), nb.begin(), nb.end());
        }
      });
    });
  });

  io::check_mapped_reads();  // nothing computed from a file truncated under us is reported

  static constexpr double kld_fractions[] = {0.999, 0.99, 0.95, 0.90, 0.10, 0.05, 0.01, 0.001};
  static constexpr double dp_fractions[] = {0.999, 0.99, 0.95, 0.90, 0.75, 0.25, 0.10, 0.05, 0.01, 0.001};
  const summary kl_s = summarise(kl, kld_fractions);
  const summary js_s = summarise(js, kld_fractions);
  std::size_t same = 0;
  for (std::size_t r = 0; r < rows; ++r) same += top_a[r] == top_b[r] ? 1 : 0;
  const double n = static_cast<double>(rows);
  const double same_top = static_cast<double>(same) / n;
  const double same_top_se = rows > 1 ? std::sqrt(same_top * (1.0 - same_top) / (n - 1.0)) : 0.0;

  json out = {{"base", args.base.path},
              {"other", args.other.path},
              {"rows", rows},
              {"vocabulary", shape_a[1]},
              {"units", "nats"},
              {"kl_divergence", to_json(kl_s)},
              {"js_divergence", to_json(js_s)},
              {"same_top_p", {{"value", same_top}, {"standard_error", same_top_se}}}};

  // Perplexity and token-probability statistics (targets only).
  struct ppl_stats {
    mean_error log_a, log_b;
    double ppl_a, ppl_a_se, ppl_b, ppl_b_se, cov, correlation, log_ratio, log_ratio_se, ratio, ratio_se, diff,
        diff_se;
    summary dp;
    double rms, rms_se;
  } p{};
  if (!ids.empty()) {
    p.log_a = mean_and_error(nll_a);
    p.log_b = mean_and_error(nll_b);
    p.ppl_a = std::exp(p.log_a.mean);
    p.ppl_a_se = p.ppl_a * p.log_a.standard_error;
    p.ppl_b = std::exp(p.log_b.mean);
    p.ppl_b_se = p.ppl_b * p.log_b.standard_error;
    p.cov = covariance_of_means(nll_b, nll_a);
    p.correlation = p.cov / (p.log_a.standard_error * p.log_b.standard_error);
    p.log_ratio = p.log_b.mean - p.log_a.mean;
    p.log_ratio_se =
        std::sqrt(std::max(0.0, p.log_b.standard_error * p.log_b.standard_error +
                                    p.log_a.standard_error * p.log_a.standard_error - 2.0 * p.cov));
    p.ratio = std::exp(p.log_ratio);
    p.ratio_se = p.ratio * p.log_ratio_se;
    p.diff = p.ppl_b - p.ppl_a;
    p.diff_se = std::sqrt(
        std::max(0.0, p.ppl_b_se * p.ppl_b_se + p.ppl_a_se * p.ppl_a_se - 2.0 * p.ppl_a * p.ppl_b * p.cov));
    std::vector<double> dp(rows), dp2(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      dp[r] = std::exp(-nll_b[r]) - std::exp(-nll_a[r]);
      dp2[r] = dp[r] * dp[r];
    }
    p.dp = summarise(dp, dp_fractions);
    const auto mse = mean_and_error(dp2);
    p.rms = std::sqrt(mse.mean);
    p.rms_se = p.rms > 0 ? 0.5 / p.rms * mse.standard_error : 0.0;
    out["targets"] = args.targets.path;
    out["perplexity"] = {
        {"base", {{"value", number(p.ppl_a)}, {"standard_error", number(p.ppl_a_se)}}},
        {"other", {{"value", number(p.ppl_b)}, {"standard_error", number(p.ppl_b_se)}}},
        {"correlation_of_log_ppl", number(p.correlation)},
        {"log_ratio", {{"value", number(p.log_ratio)}, {"standard_error", number(p.log_ratio_se)}}},
        {"ratio", {{"value", number(p.ratio)}, {"standard_error", number(p.ratio_se)}}},
        {"difference", {{"value", number(p.diff)}, {"standard_error", number(p.diff_se)}}}};
    out["delta_p"] = to_json(p.dp);
    out["rms_delta_p"] = {{"value", number(p.rms)}, {"standard_error", number(p.rms_se)}};
  }
  if (args.json) {
    print_json(out);
    return 0;
  }

  std::printf(
      "A (base):  %s (%s)\nB (other): %s (%s)\n%zu tokens, vocabulary %zu; divergences in nats, exact "
      "(no 16-bit base, no -16 log-prob cut-off)\n",
      args.base.path.c_str(), describe(a).c_str(), args.other.path.c_str(), describe(b).c_str(), rows,
      shape_a[1]);
  if (!ids.empty()) {
    std::printf("\n====== Perplexity statistics ======\n");
    std::printf("Mean PPL(B)                : %10.6f ± %10.6f\n", p.ppl_b, p.ppl_b_se);
    std::printf("Mean PPL(A)                : %10.6f ± %10.6f\n", p.ppl_a, p.ppl_a_se);
    std::printf("Cor(ln(PPL(B)), ln(PPL(A))): %6.2f%%\n", 100.0 * p.correlation);
    std::printf("Mean ln(PPL(B)/PPL(A))     : %10.6f ± %10.6f\n", p.log_ratio, p.log_ratio_se);
    std::printf("Mean PPL(B)/PPL(A)         : %10.6f ± %10.6f\n", p.ratio, p.ratio_se);
    std::printf("Mean PPL(B)-PPL(A)         : %10.6f ± %10.6f\n", p.diff, p.diff_se);
  }
  auto print_divergence = [](const char* title, const char* tag, const summary& s) {
    std::printf("\n====== %s ======\n", title);
    std::printf("Mean    %s: %10.6f ± %10.6f\n", tag, s.mean, s.standard_error);
    std::printf("Maximum %s: %10.6f\n", tag, s.max);
    for (std::size_t i = 0; i < 4; ++i) {
      std::printf("%4.1f%%   %s: %10.6f\n", 100.0 * s.percentiles[i].first, tag, s.percentiles[i].second);
    }
    std::printf("Median  %s: %10.6f\n", tag, s.median);
    for (std::size_t i = 4; i < s.percentiles.size(); ++i) {
      std::printf("%4.1f%%   %s: %10.6f\n", 100.0 * s.percentiles[i].first, tag, s.percentiles[i].second);
    }
    std::printf("Minimum %s: %10.6f\n", tag, s.min);
  };
  print_divergence("KL divergence KL(A||B) statistics", "KLD", kl_s);
  print_divergence("Jensen-Shannon divergence statistics", "JSD", js_s);
  if (!ids.empty()) {
    std::printf("\n====== Token probability statistics (Δp = p_B - p_A of the true token) ======\n");
    std::printf("Mean    Δp: %6.3f ± %5.3f %%\n", 100.0 * p.dp.mean, 100.0 * p.dp.standard_error);
    std::printf("Maximum Δp: %6.3f%%\n", 100.0 * p.dp.max);
    for (std::size_t i = 0; i < 5; ++i) {
      std::printf("%4.1f%%   Δp: %6.3f%%\n", 100.0 * p.dp.percentiles[i].first,
                  100.0 * p.dp.percentiles[i].second);
    }
    std::printf("Median  Δp: %6.3f%%\n", 100.0 * p.dp.median);
    for (std::size_t i = 5; i < p.dp.percentiles.size(); ++i) {
      std::printf("%4.1f%%   Δp: %6.3f%%\n", 100.0 * p.dp.percentiles[i].first,
                  100.0 * p.dp.percentiles[i].second);
    }
    std::printf("Minimum Δp: %6.3f%%\n", 100.0 * p.dp.min);
    std::printf("RMS Δp    : %6.3f ± %5.3f %%\n", 100.0 * p.rms, 100.0 * p.rms_se);
  }
  std::printf("Same top p: %6.3f ± %5.3f %%\n", 100.0 * same_top, 100.0 * same_top_se);
  return 0;
}

}  // namespace infoscale::cli

// layers/: behavioural metrics of generated text (multi-scale paper §4.2.1) — sacrebleu-equal BLEU
// and Self-BLEU on whitespace-split sentences, length variance, type-token ratio, coherence of
// sentence embeddings, and the paired t-test.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "infoscale/layers/behaviour.hpp"
#include "tensors.hpp"

namespace infoscale::python {
namespace {

using namespace nb::literals;

std::vector<sentence_tokens> split_all(const std::vector<std::string>& sentences) {
  std::vector<sentence_tokens> out;
  out.reserve(sentences.size());
  for (const auto& s : sentences) out.push_back(split_words(s));
  return out;
}

}  // namespace

void bind_behaviour(nb::module_& m) {
  m.def(
      "sentence_bleu",
      [](const std::string& hypothesis, const std::vector<std::string>& references) {
        const auto refs = split_all(references);
        return sentence_bleu(split_words(hypothesis), refs);
      },
      "hypothesis"_a, "references"_a,
      "``sacrebleu.sentence_bleu(hypothesis, references, tokenize='none').score`` (0-100): BLEU-4\n"
      "with exp smoothing and effective order; sentences are split on whitespace.\n\n"
      "Returns\n-------\nfloat\n");
  m.def(
      "corpus_bleu",
      [](const std::vector<std::string>& hypotheses, const std::vector<std::string>& references) {
        const auto h = split_all(hypotheses), r = split_all(references);
        return corpus_bleu(h, r);
      },
      "hypotheses"_a, "references"_a,
      "``sacrebleu.corpus_bleu(hypotheses, [references], tokenize='none').score`` (one reference\n"
      "stream).\n\nReturns\n-------\nfloat\n");
  m.def(
      "self_bleu", [](const std::vector<std::string>& samples) { return self_bleu(split_all(samples)); },
      "samples"_a,
      "Self-BLEU: mean sentence BLEU of each sample against all the others (0-100). Higher means LESS\n"
      "diverse.\n\nReturns\n-------\nfloat\n");
  m.def(
      "length_variance",
      [](const std::vector<std::string>& samples) { return length_variance(split_all(samples)); },
      "samples"_a,
      "Population variance (ddof = 0) of sentence lengths in words.\n\nReturns\n-------\nfloat\n");
  m.def(
      "type_token_ratio",
      [](const std::vector<std::string>& samples) { return type_token_ratio(split_all(samples)); },
      "samples"_a, "Distinct words / words over all samples.\n\nReturns\n-------\nfloat\n");
  m.def(
      "coherence",
      [](const array_in& embeddings) {
        const matrix_input in = as_strict_matrix(embeddings, "coherence", "embeddings", "[sentences, dim]");
        nb::gil_scoped_release release;
        return visit_dtype(in, "embeddings", [](auto v) { return coherence(v); });
      },
      "embeddings"_a,
      "Mean cosine similarity over all pairs i < j of sentence embeddings.\n\n"
      "Parameters\n----------\nembeddings : array_like, shape (sentences, dim)\n\nReturns\n-------\nfloat\n");

  nb::class_<t_test_result>(m, "TTestResult",
                            "A paired t-test: statistic, two-sided p-value, degrees of freedom.")
      .def_ro("statistic", &t_test_result::statistic)
      .def_ro("p_value", &t_test_result::p_value)
      .def_ro("df", &t_test_result::df);
  m.def(
      "paired_t_test",
      [](const std::vector<double>& a, const std::vector<double>& b) { return paired_t_test(a, b); }, "a"_a,
      "b"_a,
      "Paired t-test of a against b, two-sided: ``scipy.stats.ttest_rel(a, b)``.\n\n"
      "Returns\n-------\nTTestResult\n");
}

}  // namespace infoscale::python

#pragma once
// Catalogue of model specs. Two kinds of rows:
//  * models::paper::* — Table 1 of the entropic-scaling paper with the parameter counts exactly as
//    the paper prints them (117M for GPT-2 Small is the count first published by OpenAI; the
//    paper's "GPT-2 Large 1.5B" is GPT-2 XL's count; GPT-4's 1.7T is an unconfirmed estimate).
//  * released checkpoints with their public facts (parameters counted from the published weights,
//    embedding rows as vocabulary): the GPT-2 and Pythia size series and the four 7-8B models of
//    the multi-scale paper.
// Adding a model takes three lines:
//   inline constexpr infoscale::entropic::model_spec my_model{
//       .name = "My-1B", .family = "mine", .parameters = 1'100'000'000, .vocabulary = 32000,
//       .layers = 22, .hidden_size = 2048};

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "infoscale/entropic/model_spec.hpp"

namespace infoscale::entropic::models {

namespace paper {
// Vocabularies are not in Table 1: GPT-2 and GPT-3 share the 50,257-token BPE; GPT-4 uses
// cl100k_base, 100,277 ids with its special tokens.
inline constexpr model_spec gpt2_small{.name = "GPT-2 Small (paper)",
                                       .family = "GPT-2",
                                       .parameters = 117'000'000,
                                       .vocabulary = 50257,
                                       .layers = 12,
                                       .hidden_size = 768};
// 1.5B under the name "Large": the architecture of neither model is implied, so it is left unstated.
inline constexpr model_spec gpt2_large{
    .name = "GPT-2 Large (paper)", .family = "GPT-2", .parameters = 1'500'000'000, .vocabulary = 50257};
// Ada's size is not published by OpenAI; 350M is the GPT-3 paper's 24-layer, d = 1024 model.
inline constexpr model_spec gpt3_ada{.name = "GPT-3 Ada (paper)",
                                     .family = "GPT-3",
                                     .parameters = 350'000'000,
                                     .vocabulary = 50257,
                                     .layers = 24,
                                     .hidden_size = 1024};
inline constexpr model_spec gpt3_davinci{.name = "GPT-3 Davinci (paper)",
                                         .family = "GPT-3",
                                         .parameters = 175'000'000'000,
                                         .vocabulary = 50257,
                                         .layers = 96,
                                         .hidden_size = 12288};
inline constexpr model_spec gpt4{
    .name = "GPT-4 (paper)", .family = "GPT-4", .parameters = 1'700'000'000'000, .vocabulary = 100277};

/// Table 1 in the paper's row order.
inline constexpr std::array<model_spec, 5> table_1{gpt2_small, gpt2_large, gpt3_ada, gpt3_davinci, gpt4};
/// Table 1's levels n_L, row for row.
inline constexpr std::array<int, 5> table_1_levels{27, 31, 29, 37, 41};
/// Table 1's capacities I_L in units of kappa bits, row for row.
inline constexpr std::array<double, 5> table_1_capacities{130, 154, 141, 196, 225};
}  // namespace paper

// GPT-2 (Radford et al. 2019), counts of the released checkpoints (tied input/output embedding).
inline constexpr model_spec gpt2_small{.name = "GPT-2 Small",
                                       .family = "GPT-2",
                                       .parameters = 124'439'808,
                                       .vocabulary = 50257,
                                       .layers = 12,
                                       .hidden_size = 768};
inline constexpr model_spec gpt2_medium{.name = "GPT-2 Medium",
                                        .family = "GPT-2",
                                        .parameters = 354'823'168,
                                        .vocabulary = 50257,
                                        .layers = 24,
                                        .hidden_size = 1024};
inline constexpr model_spec gpt2_large{.name = "GPT-2 Large",
                                       .family = "GPT-2",
                                       .parameters = 774'030'080,
                                       .vocabulary = 50257,
                                       .layers = 36,
                                       .hidden_size = 1280};
inline constexpr model_spec gpt2_xl{.name = "GPT-2 XL",
                                    .family = "GPT-2",
                                    .parameters = 1'557'611'200,
                                    .vocabulary = 50257,
                                    .layers = 48,
                                    .hidden_size = 1600};

// Pythia (Biderman et al. 2023, Table 1 total parameters); 50,304 embedding rows (tokenizer padded).
inline constexpr model_spec pythia_70m{.name = "Pythia-70M",
                                       .family = "Pythia",
                                       .parameters = 70'426'624,
                                       .vocabulary = 50304,
                                       .layers = 6,
                                       .hidden_size = 512};
inline constexpr model_spec pythia_160m{.name = "Pythia-160M",
                                        .family = "Pythia",
                                        .parameters = 162'322'944,
                                        .vocabulary = 50304,
                                        .layers = 12,
                                        .hidden_size = 768};
inline constexpr model_spec pythia_410m{.name = "Pythia-410M",
                                        .family = "Pythia",
                                        .parameters = 405'334'016,
                                        .vocabulary = 50304,
                                        .layers = 24,
                                        .hidden_size = 1024};
inline constexpr model_spec pythia_1b{.name = "Pythia-1B",
                                      .family = "Pythia",
                                      .parameters = 1'011'781'632,
                                      .vocabulary = 50304,
                                      .layers = 16,
                                      .hidden_size = 2048};
inline constexpr model_spec pythia_1_4b{.name = "Pythia-1.4B",
                                        .family = "Pythia",
                                        .parameters = 1'414'647'808,
                                        .vocabulary = 50304,
                                        .layers = 24,
                                        .hidden_size = 2048};
inline constexpr model_spec pythia_2_8b{.name = "Pythia-2.8B",
                                        .family = "Pythia",
                                        .parameters = 2'775'208'960,
                                        .vocabulary = 50304,
                                        .layers = 32,
                                        .hidden_size = 2560};
inline constexpr model_spec pythia_6_9b{.name = "Pythia-6.9B",
                                        .family = "Pythia",
                                        .parameters = 6'857'302'016,
                                        .vocabulary = 50304,
                                        .layers = 32,
                                        .hidden_size = 4096};
inline constexpr model_spec pythia_12b{.name = "Pythia-12B",
                                       .family = "Pythia",
                                       .parameters = 11'846'072'320,
                                       .vocabulary = 50304,
                                       .layers = 36,
                                       .hidden_size = 5120};

// The multi-scale paper's models (Hugging Face checkpoints).
inline constexpr model_spec llama2_7b{.name = "Llama-2-7B",
                                      .family = "Llama",
                                      .parameters = 6'738'415'616,
                                      .vocabulary = 32000,
                                      .layers = 32,
                                      .hidden_size = 4096};
inline constexpr model_spec llama3_8b{.name = "Llama-3-8B",
                                      .family = "Llama",
                                      .parameters = 8'030'261'248,
                                      .vocabulary = 128256,
                                      .layers = 32,
                                      .hidden_size = 4096};
inline constexpr model_spec qwen1_5_7b{.name = "Qwen1.5-7B",
                                       .family = "Qwen",
                                       .parameters = 7'721'324'544,
                                       .vocabulary = 151936,
                                       .layers = 32,
                                       .hidden_size = 4096};
inline constexpr model_spec qwen2_5_7b{.name = "Qwen2.5-7B",
                                       .family = "Qwen",
                                       .parameters = 7'615'616'512,
                                       .vocabulary = 152064,
                                       .layers = 28,
                                       .hidden_size = 3584};

inline constexpr std::array<model_spec, 4> gpt2_series{gpt2_small, gpt2_medium, gpt2_large, gpt2_xl};
inline constexpr std::array<model_spec, 8> pythia_series{pythia_70m,  pythia_160m, pythia_410m, pythia_1b,
                                                         pythia_1_4b, pythia_2_8b, pythia_6_9b, pythia_12b};
inline constexpr std::array<model_spec, 4> multi_scale_models{llama2_7b, llama3_8b, qwen1_5_7b, qwen2_5_7b};

/// Every model above, paper rows first.
inline constexpr std::array<model_spec, 21> catalogue{
    paper::gpt2_small, paper::gpt2_large, paper::gpt3_ada, paper::gpt3_davinci, paper::gpt4, gpt2_small,
    gpt2_medium,       gpt2_large,        gpt2_xl,         pythia_70m,          pythia_160m, pythia_410m,
    pythia_1b,         pythia_1_4b,       pythia_2_8b,     pythia_6_9b,         pythia_12b,  llama2_7b,
    llama3_8b,         qwen1_5_7b,        qwen2_5_7b};

/// The catalogue entry with this exact name, if any (usable in constant evaluation).
[[nodiscard]] constexpr std::optional<model_spec> find(std::string_view name,
                                                       std::span<const model_spec> in = catalogue) {
  for (const auto& m : in) {
    if (m.name.view() == name) return m;
  }
  return std::nullopt;
}

}  // namespace infoscale::entropic::models

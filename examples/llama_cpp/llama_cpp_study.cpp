// The multi-scale study (Experiments 1 and 3 and the §3.3.2 scorecard) over several GGUF models
// run by llama.cpp: each model's layer report as llama_cpp_report makes it (the same collector and
// the library's one layer pipeline), then infoscale::run_study across them, printed and written as
// `infoscale study` writes it (report.md, study.json, figures/), so the study over GGUF models and
// the study over dumps are the same tables.
//
//   llama_cpp_study NAME:FAMILY:MODEL.gguf [NAME:FAMILY:MODEL.gguf ...] --tokens FILE [options]
//
// options: --labels FILE (repeatable; one label set, a line of integer classes per sequence, one per
// token; S2 = probe jumps), --probe KIND (logistic, mlp, ridge, mlp_minibatch; default logistic),
// --resamples B (1000), --seed S (0), --min-prominence P (0.3), --threads K, --ubatch N,
// --out DIR, --json (print the JSON instead of the Markdown). Models of one family are its training
// runs; every model reads the same token ids, so the family statistics get paired bootstrap CIs.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <infoscale/layers/study.hpp>
#include <infoscale/layers/study_format.hpp>
#include <infoscale/layers/study_output.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf_collection.hpp"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: llama_cpp_study NAME:FAMILY:MODEL.gguf [...] --tokens FILE [--labels FILE ...] [--probe KIND]\n"
      "       [--resamples B] [--seed S] [--min-prominence P] [--threads K] [--ubatch N] [--out DIR] "
      "[--json]\n");
  return 2;
}

struct model_spec {
  std::string name, family, path;
};

model_spec parse_spec(const std::string& spec) {
  const auto a = spec.find(':');
  const auto b = a == std::string::npos ? a : spec.find(':', a + 1);
  if (b == std::string::npos || a == 0 || b == a + 1 || b + 1 == spec.size())
    throw std::invalid_argument("MODEL '" + spec + "' is not NAME:FAMILY:MODEL.gguf");
  return {spec.substr(0, a), spec.substr(a + 1, b - a - 1), spec.substr(b + 1)};
}

// One model's layer report: loaded, every sequence decoded with the collector installed, freed.
infoscale::layer_report model_report(const model_spec& spec,
                                     const std::vector<std::vector<llama_token>>& inputs,
                                     const std::string& tokens_path, const gguf::decoder_settings& settings,
                                     const infoscale::layer_options& options,
                                     const std::vector<std::string>& label_paths) {
  llama_model* model = llama_model_load_from_file(spec.path.c_str(), gguf::quiet_model_params());
  if (model == nullptr) throw std::runtime_error("cannot load " + spec.path);
  infoscale::interop::llama_capture capture;
  capture.attention = settings.attention;
  capture.final_norm = true;  // transformers' last hidden state
  capture.logits = false;
  infoscale::interop::llama_collector collector(capture);
  llama_context_params params = gguf::context_params(settings);
  collector.install(params);
  llama_context* ctx = llama_init_from_model(model, params);
  if (ctx == nullptr) {
    llama_model_free(model);
    throw std::runtime_error("cannot create a llama.cpp context for " + spec.path);
  }
  try {
    gguf::decode_sequences(ctx, llama_model_get_vocab(model), collector, inputs, params.n_batch,
                           [&](std::size_t s) { return tokens_path + " line " + std::to_string(s + 1); });
    infoscale::layer_report report =
        gguf::layer_report(collector, model, spec.path, options, settings.attention, label_paths);
    llama_free(ctx);
    llama_model_free(model);
    return report;
  } catch (...) {
    llama_free(ctx);
    llama_model_free(model);
    throw;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> specs, label_paths;
  std::string tokens_path, out_dir;
  bool json = false;
  gguf::decoder_settings settings;
  infoscale::layer_options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--ubatch" && i + 1 < argc) {
      settings.n_ubatch = static_cast<std::uint32_t>(std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      settings.threads = std::atoi(argv[++i]);
    } else if (arg == "--resamples" && i + 1 < argc) {
      options.resamples = static_cast<std::size_t>(std::strtoull(argv[++i], nullptr, 10));
    } else if (arg == "--min-prominence" && i + 1 < argc) {
      options.min_prominence = std::strtod(argv[++i], nullptr);
    } else if (arg == "--seed" && i + 1 < argc) {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--tokens" && i + 1 < argc) {
      tokens_path = argv[++i];
    } else if (arg == "--labels" && i + 1 < argc) {
      label_paths.push_back(argv[++i]);
    } else if (arg == "--out" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--probe" && i + 1 < argc) {
      try {
        options.probe = infoscale::parse_probe_kind(argv[++i], "llama_cpp_study", "--probe");
      } catch (const infoscale::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return usage();
      }
    } else if (arg.rfind("--", 0) == 0) {
      return usage();
    } else {
      specs.push_back(arg);
    }
  }
  if (specs.empty() || tokens_path.empty() || settings.n_ubatch == 0 || settings.threads < 1) return usage();

  gguf::quiet_llama_log();
  llama_backend_init();
  int status = 0;
  try {
    const std::vector<std::vector<llama_token>> inputs = gguf::read_sequences(tokens_path);
    if (inputs.empty()) throw std::invalid_argument(tokens_path + " holds no token ids");
    std::vector<infoscale::study_model> models;
    for (const std::string& text : specs) {
      const model_spec spec = parse_spec(text);
      std::fprintf(stderr, "study: %s\n", spec.path.c_str());
      models.push_back({spec.name,
                        spec.family,
                        model_report(spec, inputs, tokens_path, settings, options, label_paths),
                        {}});
    }
    const infoscale::study_report study = infoscale::run_study(std::move(models));
    if (!out_dir.empty()) infoscale::write_study_outputs(study, out_dir);
    if (json)
      std::printf("%s\n", infoscale::format_json(study).c_str());
    else
      std::fputs(infoscale::format_markdown(study).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    status = 1;
  }
  llama_backend_free();
  return status;
}

#pragma once
// What the layer-boundary analysis (MS §4.1.1) found, as plain data: the signals per layer pair,
// the fused evidence, its peaks and up to two boundaries with their bootstrap intervals, and every
// option and note needed to read them. layers/report_format.hpp prints it (text and JSON); the
// command-line program and the Python module show this one struct.
//
// Layer numbering: hidden state 0 is the embedding output, hidden state l the output of layer
// l = 1..L. Pair l (0..L-1) is the change from hidden state l to l+1, the work of layer l+1; a
// boundary at pair l starts the new regime at layer l+1, relative position (l+1)/L.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/fusion.hpp"
#include "infoscale/layers/information_kinks.hpp"
#include "infoscale/layers/peaks.hpp"
#include "infoscale/layers/probe.hpp"

namespace infoscale {

/// A boundary as reported: the full-sample peak and its intervals over sequence resamples.
struct boundary_estimate {
  std::string name;  ///< "L-I", "I-G", or "one" when a single boundary was found
  std::size_t pair = 0;
  double relative_position = 0.0;  ///< (pair + 1) / L
  double prominence = 0.0;
  double detection_rate = 0.0;                               ///< NaN without a bootstrap
  std::optional<confidence_interval> ci_percentile, ci_bca;  ///< absent without a bootstrap
  bool accepted = false;
};

struct attention_description {
  std::string dtype;               ///< safetensors name: F16, BF16, F32, F64
  std::vector<std::size_t> shape;  ///< [layers, sequences, heads, T, T]
  bool padding_mask = false;       ///< padded positions came from an attention mask
  bool causal_mask = false;        ///< keys after the query were masked (never for an encoder)
};

struct probe_description {
  std::vector<std::size_t> classes;  ///< per label set (task)
  probe_kind kind = probe_kind::logistic;
  std::size_t folds = 5;
  std::size_t projection = 0;  ///< principal components the probes read (0: every feature)
};

struct bootstrap_description {
  std::size_t resamples = 0;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  double max_ci_width = 5.0;
  std::size_t failed_resamples = 0;
};

struct layer_report {
  std::string source;  ///< what the first line names: a dump's path, a model's name
  std::string dtype;   ///< of the hidden states
  std::size_t layers = 0, tokens = 0, features = 0, sequences = 0;
  std::array<double, 3> weights = default_signal_weights;
  signal_normalization normalization = signal_normalization::max;
  double min_prominence = 0.3;
  bool include_edges = false;
  std::vector<std::string> notes;
  std::optional<attention_description> attention;  ///< present when S3 was computed
  std::optional<probe_description> probes;         ///< present when S2 was computed
  std::optional<bootstrap_description> bootstrap;  ///< absent with a single sequence
  std::vector<double> cka, s1, s2, s3, evidence;   ///< per pair; s2/s3 empty when not computed
  std::vector<peak> peaks;                         ///< every peak of E with prominence >= min_prominence
  std::vector<boundary_estimate> boundaries;
  /// Per bootstrap resample, the pair of each boundary in that resample (NaN: absent there); slot 1
  /// is used only with two boundaries. Cross-model statistics resample from these.
  std::vector<std::array<double, 2>> resampled;
  /// Per hidden state 0..L, with probes only: P(l), the mean macro-F1 over label sets (MS eq. (4)),
  /// and I(Y; Yhat_l) in bits, the information estimate of layers/information_kinks.hpp.
  std::vector<double> probe_scores, information;
  std::vector<information_kink> kinks;  ///< prediction 1.2's test at each boundary (with probes only)

  /// "S1", "S1,S3", ...: the signals fused into E.
  [[nodiscard]] std::string signals() const {
    return std::string("S1") + (s2.empty() ? "" : ",S2") + (s3.empty() ? "" : ",S3");
  }
};

}  // namespace infoscale

#pragma once
// llama.cpp eval-callback adapter: a ggml_backend_sched_eval_callback (installed through
// llama_context_params.cb_eval / cb_eval_user_data) that feeds intermediate tensors into infoscale
// during normal inference: the residual stream (`embd`, `l_out-N`; with llama_capture::final_norm
// also `result_norm`, the last layer after the final norm, transformers' last hidden state) into
// per-layer hidden-state matrices for the layer analysis, the attention probabilities
// (`kq_soft_max-N`, present only when flash attention is off) into streaming attention-drift sums,
// and the logits (`result_output`) into per-token thermodynamics.
//
// The scheduler asks about every graph node (ask = true) and splits the graph after each node
// answered yes, so only wanted nodes get a yes. llama.cpp evaluates a batch one micro-batch
// (ubatch) at a time, in batch order when the KV cache has one stream (the default), so every
// capture appends its rows: row i of a stream is the i-th token llama.cpp processed. Captured rows
// are copied (the graph allocator reuses node memory right after the callback returns).
//
// Compiles to nothing where ggml's headers are not on the include path (INFOSCALE_HAS_GGML = 0),
// so every header of the library still compiles on its own. Only ggml.h and ggml-backend.h are
// used; llama.h is not needed (install() takes any struct with cb_eval and cb_eval_user_data).

#if __has_include(<ggml.h>) && __has_include(<ggml-backend.h>)
#define INFOSCALE_HAS_GGML 1

#include <ggml-backend.h>
#include <ggml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/half.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/attention_drift.hpp"
#include "infoscale/layers/bootstrap.hpp"
#include "infoscale/layers/cka_bootstrap.hpp"
#include "infoscale/thermo/ensemble.hpp"

namespace infoscale::interop {

/// A graph node's name without back-end decorations, split into base and layer: "l_out-3" ->
/// {"l_out", 3}; "result_output" -> {"result_output", -1}.
struct llama_node_name {
  std::string_view base;
  int layer = -1;
  friend bool operator==(const llama_node_name&, const llama_node_name&) = default;
};

/// Strips what ggml and the scheduler add to a name: the scheduler's copies between back ends
/// ("CUDA0#l_out-3#0") and ggml's suffixes for derived tensors (" (reshaped)", " (view)",
/// " (permuted)", " (transposed)", " (cont)", " (copy of x)"), then splits off a trailing "-N".
[[nodiscard]] constexpr llama_node_name parse_llama_node_name(std::string_view name) {
  if (const auto first = name.find('#'); first != std::string_view::npos) {
    const auto last = name.rfind('#');
    name = last > first ? name.substr(first + 1, last - first - 1) : name.substr(first + 1);
  }
  if (const auto suffix = name.find(" ("); suffix != std::string_view::npos) name = name.substr(0, suffix);
  const auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == name.size() || name.size() - dash > 6) return {name, -1};
  int layer = 0;
  for (const char c : name.substr(dash + 1)) {
    if (c < '0' || c > '9') return {name, -1};
    layer = layer * 10 + (c - '0');
  }
  return {name.substr(0, dash), layer};
}

/// What the collector captures. The default is what the layer report and the per-token
/// thermodynamics need, without attention.
struct llama_capture {
  bool embeddings = true;  ///< `embd`: hidden state 0 of the layer report
  bool residual = true;    ///< `l_out-N`: the output of layer N
  bool attention = false;  ///< `kq_soft_max-N`: needs flash attention off (LLAMA_FLASH_ATTN_TYPE_DISABLED)
  bool logits = true;      ///< `result_output`
  /// `result_norm`, the last layer's output after the final norm (transformers' hidden_states[L]),
  /// kept as hidden layer llama_collector::final_norm_layer, after every l_out-N. With
  /// llama_context_params.embeddings on, llama.cpp renames that node `result_embd_pooled` (pooling
  /// none) or pools it, so nothing is captured then.
  bool final_norm = false;
  std::vector<int> layers;                ///< layers N for `l_out-N` and `kq_soft_max-N`; empty = all
  std::vector<double> temperatures{1.0};  ///< thermodynamics of every logits row at each T
  bool keep_logits = false;               ///< also keep the logits rows themselves (float)
  /// Thermodynamics on OpenMP threads (`par`; ggml's workers wait while the callback runs), else `seq`.
  bool threads = true;
  // Base names of the nodes, as llama.cpp's graph builders name them.
  std::string embedding_name = "embd";
  std::string residual_name = "l_out";
  std::string attention_name = "kq_soft_max";
  std::string logits_name = "result_output";
  std::string final_norm_name = "result_norm";
};

namespace detail {

/// A tensor's elements as host memory: the node's own memory when its buffer is host memory (or it
/// lives in a plain ggml context), else a copy of its byte span through ggml_backend_tensor_get.
class llama_host_tensor {
 public:
  llama_host_tensor(const ggml_tensor& t, std::string_view name) : tensor_(t), name_(name) {
    if (t.data == nullptr) raise("has no data (not allocated or not computed)");
    const ggml_backend_buffer_t buffer = t.view_src != nullptr ? t.view_src->buffer : t.buffer;
    bytes_ = ggml_nbytes(&t);
    if (buffer == nullptr || ggml_backend_buffer_is_host(buffer)) {
      data_ = static_cast<const unsigned char*>(t.data);
    } else {
      copy_.resize(bytes_ / sizeof(double) + 1);  // double: aligned for every element type
      ggml_backend_tensor_get(&t, copy_.data(), 0, bytes_);
      data_ = reinterpret_cast<const unsigned char*>(copy_.data());
    }
  }

  /// Calls visitor(view) with a tensor_view<const T, Rank> of element type float, float16 or
  /// bfloat16 whose axis k is ggml axis `axes[k]`; every other ggml axis must have extent 1.
  template <std::size_t Rank, class Visitor>
  void visit(const std::array<int, Rank>& axes, Visitor&& visitor) const {
    for (int axis = 0; axis < GGML_MAX_DIMS; ++axis) {
      if (std::find(axes.begin(), axes.end(), axis) == axes.end() && tensor_.ne[axis] != 1) {
        raise("has extent " + std::to_string(tensor_.ne[axis]) + " on ggml axis " + std::to_string(axis) +
              " (shape " + shape_text() + "); expected 1 there");
      }
    }
    switch (tensor_.type) {
      case GGML_TYPE_F32:
        return visitor(view<const float>(axes));
      case GGML_TYPE_F16:
        return visitor(view<const float16>(axes));
      case GGML_TYPE_BF16:
        return visitor(view<const bfloat16>(axes));
      default:
        raise(std::string("has ggml type ") + ggml_type_name(tensor_.type) + "; supported: f32, f16, bf16");
    }
  }

  [[noreturn]] void raise(const std::string& problem) const {
    infoscale::detail::raise("llama_collector", name_, problem);
  }

  [[nodiscard]] std::string shape_text() const {
    std::string s;
    for (int axis = 0; axis < GGML_MAX_DIMS; ++axis)
      s += (axis == 0 ? "[" : ", ") + std::to_string(tensor_.ne[axis]);
    return s + "]";
  }

 private:
  template <class T, std::size_t Rank>
  tensor_view<T, Rank> view(const std::array<int, Rank>& axes) const {
    std::array<std::size_t, Rank> shape{};
    std::array<std::ptrdiff_t, Rank> strides{};
    for (std::size_t k = 0; k < Rank; ++k) {
      const auto axis = static_cast<std::size_t>(axes[k]);
      if (tensor_.ne[axis] < 0) raise("has a negative extent on ggml axis " + std::to_string(axis));
      if (tensor_.nb[axis] % sizeof(T) != 0) {
        raise("has byte stride " + std::to_string(tensor_.nb[axis]) + " on ggml axis " +
              std::to_string(axis) + ", not a multiple of its element size " + std::to_string(sizeof(T)));
      }
      shape[k] = static_cast<std::size_t>(tensor_.ne[axis]);
      strides[k] = static_cast<std::ptrdiff_t>(tensor_.nb[axis] / sizeof(T));
    }
    // ggml_nbytes is the span the strides reach, so make_view checks that no element lies outside.
    return make_view(reinterpret_cast<T*>(data_), shape, strides, name_, bytes_ / sizeof(T));
  }

  const ggml_tensor& tensor_;
  std::string_view name_;
  std::size_t bytes_ = 0;
  const unsigned char* data_ = nullptr;
  std::vector<double> copy_;
};

/// True when t is a view, reshape or copy of a node with the same name (l_out-3 (reshaped) of
/// l_out-3): the callback handles the original once, never its derived tensors.
inline bool derived_from_same_name(const ggml_tensor& t, const llama_node_name& name) {
  const ggml_tensor* derived_from[GGML_MAX_SRC + 1] = {t.view_src};
  std::copy(std::begin(t.src), std::end(t.src), derived_from + 1);
  return std::any_of(std::begin(derived_from), std::end(derived_from), [&](const ggml_tensor* s) {
    return s != nullptr && parse_llama_node_name(s->name) == name;
  });
}

/// Rows of one captured node across ubatches and sequences, widened to float.
struct llama_stream {
  std::size_t width = 0;
  std::vector<float> values;
  std::vector<std::size_t> ends;  ///< row count at the end of each closed sequence

  [[nodiscard]] std::size_t rows() const { return width == 0 ? 0 : values.size() / width; }

  template <class T>
  void append(const matrix_view<T>& m, const llama_host_tensor& source) {
    if (m.extent(0) == 0) return;  // a ubatch without outputs
    if (width == 0) width = m.extent(1);
    if (m.extent(1) != width) {
      source.raise("has rows of " + std::to_string(m.extent(1)) + " values but earlier ubatches had " +
                   std::to_string(width));
    }
    const std::size_t first = values.size();
    values.resize(first + m.extent(0) * width);
    float* out = values.data() + first;
    for (std::size_t i = 0; i < m.extent(0); ++i, out += width) {
      const T* row = m.data() + static_cast<std::ptrdiff_t>(i) * m.stride(0);
      const std::ptrdiff_t step = m.stride(1);
      if constexpr (std::is_same_v<std::remove_const_t<T>, float>) {
        if (step == 1) {
          std::memcpy(out, row, width * sizeof(float));
          continue;
        }
      }
      for (std::size_t j = 0; j < width; ++j)
        out[j] = static_cast<float>(infoscale::detail::widen(row[static_cast<std::ptrdiff_t>(j) * step]));
    }
  }

  /// Rows per sequence, the open (unclosed) sequence last when it holds rows.
  [[nodiscard]] std::vector<std::size_t> lengths() const {
    std::vector<std::size_t> out;
    std::size_t previous = 0;
    for (const std::size_t end : ends) {
      out.push_back(end - previous);
      previous = end;
    }
    if (rows() > previous) out.push_back(rows() - previous);
    return out;
  }
};

/// Attention-drift sums of one sequence, keyed by the lower layer of each adjacent captured pair.
struct llama_drift_sums {
  std::map<int, double> js_sum;
  std::size_t rows = 0;
};

}  // namespace detail

/// Collects what `llama_capture` names during llama_decode. Install with install(ctx_params)
/// before llama_init_from_model; call end_sequence() between independent sequences (e.g. after
/// each prompt, before llama_memory_clear). Errors inside the callback stop the graph (the
/// callback returns false) and are rethrown by check() and by every accessor, so a bad tensor is
/// an infoscale::error naming it, never undefined behaviour.
class llama_collector {
 public:
  explicit llama_collector(llama_capture capture = {}) : capture_(std::move(capture)) {
    if (capture_.temperatures.empty())
      infoscale::detail::raise("llama_collector", "temperatures", "is empty");
    for (const double t : capture_.temperatures) check_positive(t, "llama_collector", "temperatures");
    thermo_.resize(capture_.temperatures.size());
  }
  // The context keeps a pointer to the collector.
  llama_collector(const llama_collector&) = delete;
  llama_collector& operator=(const llama_collector&) = delete;

  /// The ggml_backend_sched_eval_callback. Never throws: a failure is stored for check().
  static bool callback(ggml_tensor* t, bool ask, void* user_data) noexcept {
    auto& self = *static_cast<llama_collector*>(user_data);
    if (self.failure_ || t == nullptr) return false;
    try {
      if (ask) return self.wants(*t);
      self.capture(*t);
      return true;
    } catch (...) {
      self.failure_ = std::current_exception();
      return false;  // the scheduler stops this graph split
    }
  }

  /// Points params.cb_eval / cb_eval_user_data (llama_context_params) at this collector.
  template <class Params>
  void install(Params& params) {
    params.cb_eval = &llama_collector::callback;
    params.cb_eval_user_data = this;
  }

  /// The ask phase: true only for a wanted node that is not derived from a node of the same name
  /// (a view, reshape or copy of l_out-3 is not captured twice). Counts every yes.
  [[nodiscard]] bool wants(const ggml_tensor& t) {
    const llama_node_name name = parse_llama_node_name(t.name);
    if (kind_of(name) == kind::none || detail::derived_from_same_name(t, name)) return false;
    ++requests_[t.name];
    return true;
  }

  /// The data phase: copies the node's rows (any strides; f32, f16, bf16; host or device memory).
  void capture(const ggml_tensor& t) {
    const llama_node_name name = parse_llama_node_name(t.name);
    if (ggml_nelements(&t) == 0) return;  // a ubatch without outputs: no rows, maybe no data
    const detail::llama_host_tensor host(t, t.name);
    switch (kind_of(name)) {
      case kind::hidden: {
        const bool norm = name.layer < 0 && name.base == capture_.final_norm_name;
        host.visit(std::array<int, 2>{1, 0},
                   [&](auto m) { hidden_[norm ? final_norm_layer : name.layer].append(m, host); });
        break;
      }
      case kind::attention:
        host.visit(std::array<int, 3>{2, 1, 0}, [&](auto a) { add_attention(name.layer, a, host); });
        break;
      case kind::logits:
        host.visit(std::array<int, 2>{1, 0}, [&](auto m) { add_logits(m, host); });
        break;
      case kind::none:
        host.raise("is not a node this collector asked for");
    }
  }

  /// Closes the current sequence: later tokens start a new one (its own bootstrap unit). Does
  /// nothing when nothing was captured since the last call.
  void end_sequence() {
    check();
    const auto grew = [](const detail::llama_stream& s, std::size_t rows) {
      return rows > (s.ends.empty() ? 0 : s.ends.back());
    };
    bool open = grew(logits_rows_, thermo_[0].size());
    for (const auto& [layer, stream] : hidden_) open = open || grew(stream, stream.rows());
    if (!open) return;
    for (auto& [layer, stream] : hidden_) stream.ends.push_back(stream.rows());
    logits_rows_.ends.push_back(thermo_[0].size());
    drift_.push_back(std::move(open_drift_));
    open_drift_ = {};
    previous_attention_layer_ = no_layer;
  }

  /// Rethrows the first error raised inside the callback.
  void check() const {
    if (failure_) std::rethrow_exception(failure_);
  }

  [[nodiscard]] const llama_capture& capture_options() const { return capture_; }

  /// Every node name answered yes in the ask phase, with the number of yes answers (one per ubatch).
  [[nodiscard]] const std::map<std::string, std::size_t>& requests() const { return requests_; }

  /// The key of `result_norm` among hidden_layers() (with llama_capture::final_norm): after every N.
  static constexpr int final_norm_layer = std::numeric_limits<int>::max();

  /// Layers of the captured hidden states in order: -1 is `embd`, N is `l_out-N`, final_norm_layer
  /// is `result_norm`.
  [[nodiscard]] std::vector<int> hidden_layers() const {
    check();
    std::vector<int> out;
    for (const auto& [layer, stream] : hidden_) out.push_back(layer);
    return out;
  }

  /// Hidden states of one captured layer, [tokens][features], every sequence's tokens in the order
  /// llama.cpp processed them. Valid until the next capture.
  [[nodiscard]] matrix_view<const float> hidden_states(int layer) const {
    const detail::llama_stream& s = stream(layer);
    return make_view(s.values.data(), std::array<std::size_t, 2>{s.rows(), s.width}, "hidden_states");
  }

  /// Tokens per sequence, from the first captured hidden state.
  [[nodiscard]] std::vector<std::size_t> sequence_lengths() const {
    check();
    if (hidden_.empty()) infoscale::detail::raise("llama_collector", "hidden_states", "were not captured");
    return hidden_.begin()->second.lengths();
  }

  /// The thermodynamic state of every logits row (output token) at capture_options().temperatures[t].
  [[nodiscard]] const std::vector<thermodynamic_state>& thermodynamics(std::size_t t = 0) const {
    check();
    if (t >= thermo_.size())
      infoscale::detail::raise("llama_collector::thermodynamics", "t", "is past the last temperature");
    return thermo_[t];
  }
  /// Logits rows per sequence.
  [[nodiscard]] std::vector<std::size_t> logits_lengths() const {
    check();
    std::vector<std::size_t> out;
    std::size_t previous = 0;
    for (const std::size_t end : logits_rows_.ends) {
      out.push_back(end - previous);
      previous = end;
    }
    if (thermo_[0].size() > previous) out.push_back(thermo_[0].size() - previous);
    return out;
  }
  /// The logits rows themselves, [outputs][vocabulary] (only with keep_logits).
  [[nodiscard]] matrix_view<const float> logits() const {
    check();
    if (!capture_.keep_logits) infoscale::detail::raise("llama_collector", "keep_logits", "is off");
    return make_view(logits_rows_.values.data(),
                     std::array<std::size_t, 2>{logits_rows_.rows(), logits_rows_.width}, "logits");
  }

  /// True when attention probabilities were captured (false with flash attention on).
  [[nodiscard]] bool has_attention() const {
    check();
    return attention_seen_;
  }

  /// Linear CKA of adjacent captured layers, per sequence and bootstrap weight set: S1 of the
  /// layer report (pair k = hidden layers k -> k+1 in hidden_layers() order).
  template <ExecutionPolicy P>
  [[nodiscard]] cka_evidence layer_cka(P policy, const resampling_plan& plan) const {
    const std::vector<std::size_t> lengths = sequence_lengths();
    for (const auto& [layer, s] : hidden_) {
      if (s.lengths() != lengths) {
        infoscale::detail::raise(
            "llama_collector::layer_cka", layer_name(layer),
            "holds " + std::to_string(s.rows()) + " rows but " + layer_name(hidden_.begin()->first) +
                " holds " + std::to_string(hidden_.begin()->second.rows()) +
                " (llama.cpp keeps only the output rows in the last layer: request an output for every "
                "token, llama_batch.logits[i] = 1)");
      }
    }
    cka_evidence evidence(lengths, plan);
    for (const auto& [layer, s] : hidden_) evidence.add_layer(policy, hidden_states(layer));
    return evidence;
  }
  [[nodiscard]] cka_evidence layer_cka(const resampling_plan& plan) const { return layer_cka(seq, plan); }

  /// Attention drift per pair of hidden_layers(), per sequence: S3 of the layer report. A pair
  /// without attention on both sides (`embd` -> l_out-0) gets 0, as in `infoscale layers`.
  [[nodiscard]] attention_evidence layer_attention(const resampling_plan& plan) const {
    const std::vector<attention_drift_sums> sequences = attention_sums(hidden_layers());
    if (sequences.size() != plan.sequences()) {
      infoscale::detail::raise("llama_collector::layer_attention", "plan",
                               "has " + std::to_string(plan.sequences()) + " sequences but attention was " +
                                   "captured for " + std::to_string(sequences.size()));
    }
    attention_evidence evidence(plan);
    for (std::size_t s = 0; s < sequences.size(); ++s) evidence.set_sequence(s, sequences[s]);
    return evidence;
  }

  /// Per sequence, the attention-drift sums of each pair of consecutive `layers` (keys of
  /// hidden_layers(), in order): pair k compares the attention of the layers whose outputs are
  /// layers[k] and the next captured one; a pair without attention on both sides (`embd` ->
  /// l_out-0) gets 0. What layer_attention() and a layer_analysis fed from this collector use.
  [[nodiscard]] std::vector<attention_drift_sums> attention_sums(const std::vector<int>& layers) const {
    constexpr std::string_view function = "llama_collector::attention_sums";
    if (!has_attention())
      infoscale::detail::raise(function, "attention", "was not captured (flash attention on, or not asked)");
    std::vector<detail::llama_drift_sums> sequences = drift_;
    if (!open_drift_.js_sum.empty()) sequences.push_back(open_drift_);
    if (layers.size() < 2)
      infoscale::detail::raise(function, "hidden_states",
                               "cover fewer than 2 layers: no pairs to assign S3 to");
    std::vector<attention_drift_sums> out;
    for (const detail::llama_drift_sums& seq : sequences) {
      attention_drift_sums sums{std::vector<double>(layers.size() - 1, 0.0), seq.rows};
      if (sums.rows == 0) infoscale::detail::raise(function, "attention", "has fewer than 2 captured layers");
      for (std::size_t k = 0; k + 1 < layers.size(); ++k) {
        const auto it = seq.js_sum.find(layers[k]);
        if (it != seq.js_sum.end()) sums.js_sum[k] = it->second;
      }
      out.push_back(std::move(sums));
    }
    return out;
  }

 private:
  enum class kind { none, hidden, attention, logits };
  static constexpr int no_layer = -2;  // below `embd`'s -1

  [[nodiscard]] kind kind_of(const llama_node_name& name) const {
    if (name.layer < 0) {
      if (capture_.embeddings && name.base == capture_.embedding_name) return kind::hidden;
      if (capture_.logits && name.base == capture_.logits_name) return kind::logits;
      if (capture_.final_norm && name.base == capture_.final_norm_name) return kind::hidden;
      return kind::none;
    }
    const bool selected = capture_.layers.empty() || std::find(capture_.layers.begin(), capture_.layers.end(),
                                                               name.layer) != capture_.layers.end();
    if (!selected) return kind::none;
    if (capture_.residual && name.base == capture_.residual_name) return kind::hidden;
    if (capture_.attention && name.base == capture_.attention_name) return kind::attention;
    return kind::none;
  }

  [[nodiscard]] std::string layer_name(int layer) const {
    if (layer == final_norm_layer) return capture_.final_norm_name;
    return layer < 0 ? capture_.embedding_name : capture_.residual_name + "-" + std::to_string(layer);
  }

  [[nodiscard]] const detail::llama_stream& stream(int layer) const {
    check();
    const auto it = hidden_.find(layer);
    if (it == hidden_.end())
      infoscale::detail::raise("llama_collector", layer_name(layer), "was not captured");
    return it->second;
  }

  template <class T>
  void add_logits(const matrix_view<T>& m, const detail::llama_host_tensor& source) {
    if (m.extent(0) == 0) return;
    for (std::size_t k = 0; k < thermo_.size(); ++k) {
      std::vector<thermodynamic_state> states;
      try {
        states = capture_.threads ? infoscale::thermodynamics(par, m, capture_.temperatures[k])
                                  : infoscale::thermodynamics(seq, m, capture_.temperatures[k]);
      } catch (const infoscale::error& e) {
        source.raise(std::string("holds invalid logits (") + e.what() + ")");
      }
      thermo_[k].insert(thermo_[k].end(), states.begin(), states.end());
    }
    if (capture_.keep_logits) logits_rows_.append(m, source);
  }

  // Each ubatch computes its layers in order, so a layer at or below the previous one starts a new
  // ubatch; within one, the previous captured layer's rows are compared with this one's.
  template <class T>
  void add_attention(int layer, const tensor_view<T, 3>& a, const detail::llama_host_tensor& source) {
    attention_seen_ = true;
    std::vector<float>& current = attention_scratch_[0];
    current.resize(a.size());
    std::size_t n = 0;
    for (std::size_t h = 0; h < a.extent(0); ++h) {
      for (std::size_t i = 0; i < a.extent(1); ++i) {
        for (std::size_t j = 0; j < a.extent(2); ++j)
          current[n++] = static_cast<float>(infoscale::detail::widen(a(h, i, j)));
      }
    }
    const std::array<std::size_t, 3> shape{a.extent(0), a.extent(1), a.extent(2)};
    const bool same_ubatch = layer > previous_attention_layer_ && previous_attention_layer_ != no_layer;
    if (same_ubatch && shape != attention_shape_) {
      source.raise("has shape [heads, queries, keys] = [" + std::to_string(shape[0]) + ", " +
                   std::to_string(shape[1]) + ", " + std::to_string(shape[2]) +
                   "], unlike the previous layer of the same ubatch");
    }
    if (same_ubatch && shape[1] > 0) {
      const std::array<tensor_view<const float, 3>, 2> pair{
          make_view(attention_scratch_[1].data(), attention_shape_, "attention"),
          make_view(current.data(), shape, "attention")};
      // No causal mask: llama.cpp's softmax already gives future and padded KV cells probability 0.
      const attention_drift_sums sums = attention_drift_statistics(
          std::span<const tensor_view<const float, 3>>(pair), attention_mask{false, {}});
      open_drift_.js_sum[previous_attention_layer_] += sums.js_sum[0];
      if (!rows_counted_) open_drift_.rows += sums.rows;
      rows_counted_ = true;
    } else {
      rows_counted_ = false;
    }
    std::swap(attention_scratch_[0], attention_scratch_[1]);
    attention_shape_ = shape;
    previous_attention_layer_ = layer;
  }

  llama_capture capture_;
  std::exception_ptr failure_;
  std::map<std::string, std::size_t> requests_;
  std::map<int, detail::llama_stream> hidden_;  // by layer; `embd` (-1) first, `result_norm` last
  std::vector<std::vector<thermodynamic_state>> thermo_;
  detail::llama_stream logits_rows_;  // the rows with keep_logits; sequence ends always
  std::array<std::vector<float>, 2> attention_scratch_;
  std::array<std::size_t, 3> attention_shape_{};
  int previous_attention_layer_ = no_layer;
  bool rows_counted_ = false;
  bool attention_seen_ = false;
  detail::llama_drift_sums open_drift_;
  std::vector<detail::llama_drift_sums> drift_;
};

}  // namespace infoscale::interop

#else
#define INFOSCALE_HAS_GGML 0
#endif

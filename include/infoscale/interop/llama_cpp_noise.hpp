#pragma once
// Experiment 2's noise inside llama.cpp (multi-scale paper §4.2, eq. (7)): an eval callback that
// adds seeded Gaussian noise, in place, to the residual stream `l_out-N` of the chosen layers while
// llama_decode runs, so every later layer, the KV cache and the sampled tokens see the perturbed
// state, as with infoscale.hf.interventions' forward hooks.
//
// The scheduler calls the callback with ask = true for each node and splits the graph after every
// yes; the data phase then runs after that node is computed and before any node that reads it,
// so writing the node's memory perturbs what follows. Only host memory can be written here: a
// node in a device buffer (layers offloaded to a GPU) is an infoscale::error naming it.
//
// Draws, as in the Hugging Face hooks: element i of the node ([tokens][features], row-major) at
// forward call t of layer N for sample b is draw i of Philox stream ((b * 4096 + N) << 20) + t
// under the seed, so reruns are identical and, for one unpadded sequence per decode, the two back
// ends draw the same numbers. Noise std: sigma x reference_std[k] for layer layers[k] (the
// "baseline" reading: the layer's std over an unperturbed run), or, without reference stds,
// sigma x the std of that node in that call (the "pass" reading).

#include "infoscale/interop/llama_cpp.hpp"

#if INFOSCALE_HAS_GGML

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "infoscale/core/error.hpp"
#include "infoscale/core/tensor_view.hpp"
#include "infoscale/exec/policy.hpp"
#include "infoscale/layers/intervention.hpp"

namespace infoscale::interop {

/// What llama_noise_injection perturbs, and how much.
struct llama_noise {
  std::vector<int> layers;            ///< N of the `l_out-N` nodes: one scale's layers
  double sigma = 0.1;                 ///< relative to the activation std, eq. (7)
  std::vector<double> reference_std;  ///< per layer: the std sigma multiplies; empty: each node's own
  std::uint64_t seed = 0;
  std::string residual_name = "l_out";
};

class llama_noise_injection {
 public:
  explicit llama_noise_injection(llama_noise noise) : noise_(std::move(noise)) {
    constexpr std::string_view function = "llama_noise_injection";
    if (noise_.layers.empty())
      infoscale::detail::raise(function, "layers", "is empty: a scale with no layers");
    for (const int l : noise_.layers) {
      if (l < 0) infoscale::detail::raise(function, "layers", "has layer " + std::to_string(l) + " < 0");
      if (l >= 4096)
        infoscale::detail::raise(function, "layers", "has layer " + std::to_string(l) + " >= 4096");
    }
    if (!std::isfinite(noise_.sigma) || noise_.sigma < 0.0)
      infoscale::detail::raise(function, "sigma", "must be finite and >= 0");
    if (!noise_.reference_std.empty()) {
      if (noise_.reference_std.size() != noise_.layers.size())
        infoscale::detail::raise(function, "reference_std",
                                 "has " + std::to_string(noise_.reference_std.size()) + " values for " +
                                     std::to_string(noise_.layers.size()) + " layers");
      for (const double s : noise_.reference_std)
        if (!std::isfinite(s) || s <= 0.0)
          infoscale::detail::raise(function, "reference_std", "must be finite and > 0");
    }
  }
  // The context keeps a pointer to the injection.
  llama_noise_injection(const llama_noise_injection&) = delete;
  llama_noise_injection& operator=(const llama_noise_injection&) = delete;

  /// The ggml_backend_sched_eval_callback. Never throws: a failure is stored for check() and
  /// stops the graph.
  static bool callback(ggml_tensor* t, bool ask, void* user_data) noexcept {
    auto& self = *static_cast<llama_noise_injection*>(user_data);
    if (self.failure_ || t == nullptr) return false;
    try {
      if (ask) return self.wants(*t);
      self.perturb(*t);
      return true;
    } catch (...) {
      self.failure_ = std::current_exception();
      return false;
    }
  }

  template <class Params>
  void install(Params& params) {
    params.cb_eval = &llama_noise_injection::callback;
    params.cb_eval_user_data = this;
  }

  /// Refuses layers the model does not have (pass llama_model_n_layer(model)): a layer that never
  /// appears in the graph would otherwise silently leave the run unperturbed.
  void validate_layers(int model_layers) const {
    for (const int l : noise_.layers) {
      if (l >= model_layers)
        infoscale::detail::raise("llama_noise_injection", "layers",
                                 "has layer " + std::to_string(l) + ", outside the model's 0.." +
                                     std::to_string(model_layers - 1));
    }
  }

  /// The sample the next llama_decode calls generate (its own noise streams); forward calls count
  /// from 0 again.
  void start_sample(std::uint64_t sample) {
    sample_ = sample;
    calls_.clear();
  }

  /// The ask phase: `l_out-N` for a chosen N, not a view or copy of one.
  [[nodiscard]] bool wants(const ggml_tensor& t) const {
    const llama_node_name name = parse_llama_node_name(t.name);
    return name.base == noise_.residual_name && slot_of(name.layer) >= 0 &&
           !detail::derived_from_same_name(t, name);
  }

  /// The data phase: adds the noise to the node's elements in place (f32, f16 or bf16, host memory).
  void perturb(ggml_tensor& t) {
    const llama_node_name name = parse_llama_node_name(t.name);
    const int k = slot_of(name.layer);
    if (name.base != noise_.residual_name || k < 0)
      infoscale::detail::raise("llama_noise_injection", t.name, "is not a node this injection asked for");
    if (ggml_nelements(&t) == 0) return;
    if (t.data == nullptr) infoscale::detail::raise("llama_noise_injection", t.name, "has no data");
    const ggml_backend_buffer_t buffer = t.view_src != nullptr ? t.view_src->buffer : t.buffer;
    if (buffer != nullptr && !ggml_backend_buffer_is_host(buffer)) {
      infoscale::detail::raise(
          "llama_noise_injection", t.name,
          std::string("lives in a device buffer (") + ggml_backend_buffer_name(buffer) +
              ") that this injection cannot write; keep the perturbed layers on the CPU");
    }
    for (int axis = 2; axis < GGML_MAX_DIMS; ++axis) {
      if (t.ne[axis] != 1)
        infoscale::detail::raise("llama_noise_injection", t.name,
                                 "has extent " + std::to_string(t.ne[axis]) + " on ggml axis " +
                                     std::to_string(axis) + "; expected [features, tokens]");
    }
    const std::uint64_t call = calls_[name.layer]++;
    const std::uint64_t stream = ((sample_ * 4096 + static_cast<std::uint64_t>(name.layer)) << 20) + call;
    double used = 0.0;
    switch (t.type) {
      case GGML_TYPE_F32:
        used = add(rows<float>(t), k, stream);
        break;
      case GGML_TYPE_F16:
        used = add(rows<float16>(t), k, stream);
        break;
      case GGML_TYPE_BF16:
        used = add(rows<bfloat16>(t), k, stream);
        break;
      default:
        infoscale::detail::raise(
            "llama_noise_injection", t.name,
            std::string("has ggml type ") + ggml_type_name(t.type) + "; supported: f32, f16, bf16");
    }
    noise_std_[name.layer].push_back(used);
  }

  /// Rethrows the first error raised inside the callback.
  void check() const {
    if (failure_) std::rethrow_exception(failure_);
  }

  /// Per perturbed layer, the noise std of every forward call so far (one per ubatch).
  [[nodiscard]] const std::map<int, std::vector<double>>& noise_std() const {
    check();
    return noise_std_;
  }

  [[nodiscard]] const llama_noise& options() const { return noise_; }

 private:
  [[nodiscard]] int slot_of(int layer) const {
    for (std::size_t k = 0; k < noise_.layers.size(); ++k)
      if (noise_.layers[k] == layer) return static_cast<int>(k);
    return -1;
  }

  // The node as a writable [tokens][features] view through its ggml strides.
  template <class T>
  static matrix_view<T> rows(ggml_tensor& t) {
    for (const int axis : {0, 1}) {
      if (t.nb[axis] % sizeof(T) != 0)
        infoscale::detail::raise("llama_noise_injection", t.name,
                                 "has byte stride " + std::to_string(t.nb[axis]) + " on ggml axis " +
                                     std::to_string(axis) + ", not a multiple of its element size");
    }
    return make_view(
        static_cast<T*>(t.data),
        std::array<std::size_t, 2>{static_cast<std::size_t>(t.ne[1]), static_cast<std::size_t>(t.ne[0])},
        std::array<std::ptrdiff_t, 2>{static_cast<std::ptrdiff_t>(t.nb[1] / sizeof(T)),
                                      static_cast<std::ptrdiff_t>(t.nb[0] / sizeof(T))},
        t.name, ggml_nbytes(&t) / sizeof(T));
  }

  template <class T>
  double add(const matrix_view<T>& h, int k, std::uint64_t stream) const {
    if (noise_.reference_std.empty()) return add_gaussian_noise(seq, h, noise_.sigma, noise_.seed, stream);
    return add_gaussian_noise_scaled(seq, h, noise_.sigma, noise_.reference_std[static_cast<std::size_t>(k)],
                                     noise_.seed, stream);
  }

  llama_noise noise_;
  std::exception_ptr failure_;
  std::uint64_t sample_ = 0;
  std::map<int, std::uint64_t> calls_;
  std::map<int, std::vector<double>> noise_std_;
};

}  // namespace infoscale::interop

#endif

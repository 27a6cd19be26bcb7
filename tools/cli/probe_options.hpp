#pragma once
// The probe options `layers` and `study` share (S2, multi-scale paper eq. (4)).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace infoscale::cli {

inline void add_probe_options(CLI::App* cmd, std::string& probe, std::size_t& projection) {
  cmd->add_option("--probe", probe,
                  "Probe for S2: logistic (default), mlp (the paper's 128-unit MLP, slow), ridge "
                  "(closed-form linear, fastest) or mlp_minibatch (the MLP by mini-batches, for wide layers)")
      ->check(CLI::IsMember({"logistic", "mlp", "ridge", "mlp_minibatch"}));
  cmd->add_option("--probe-projection", projection,
                  "Probes on the top K principal components of each layer (default 0: every feature)")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace infoscale::cli

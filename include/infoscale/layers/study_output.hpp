#pragma once
// The study's output folder, written the same way by every front end (the `infoscale study`
// program over dumps and, linked with llama.cpp, over GGUF models): report.md, study.json,
// figures/positions.svg (the cross-model chart, the paper's Figure 10) and figures/NAME.svg per
// model (its three signals and E(l) with the boundaries, Figures 3-6).

#include <filesystem>
#include <fstream>
#include <string>

#include "infoscale/core/error.hpp"
#include "infoscale/layers/report_svg.hpp"
#include "infoscale/layers/study.hpp"
#include "infoscale/layers/study_format.hpp"
#include "infoscale/layers/study_svg.hpp"

namespace infoscale {

namespace detail {

inline void write_study_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) raise("write_study_outputs", path.string(), "cannot be written");
}

}  // namespace detail

/// Writes the study's report, JSON and figures under `folder` (created if missing).
inline void write_study_outputs(const study_report& s, const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder / "figures");
  detail::write_study_file(folder / "report.md", format_markdown(s));
  detail::write_study_file(folder / "study.json", format_json(s) + "\n");
  detail::write_study_file(folder / "figures" / "positions.svg", study_positions_svg(s));
  for (const study_model& m : s.models)
    detail::write_study_file(folder / "figures" / (m.name + ".svg"), layer_report_svg(m.report, m.name));
}

}  // namespace infoscale

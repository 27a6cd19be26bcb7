// Thermodynamics of a real next-token distribution (Yang, arXiv 2407.21092, §5): Z, U, F, S and C of
// a character-level LM's softmax over T in [0.1, 10], as a table and an ASCII plot.
//
//   thermo_scan [logits.npy] [row] [out.csv | out.svg]
//
// Defaults: tests/fixtures/lm/char_lm_logits.npy (float32, 256 positions x 74 characters), row 0.
// Energies are E = -logit (so T = 1 is the model itself); k_B = 1, nats.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <infoscale/thermo.hpp>
#include <string>
#include <vector>
#include <xtensor/xnpy.hpp>

#ifndef INFOSCALE_FIXTURES_DIR
#define INFOSCALE_FIXTURES_DIR "tests/fixtures"
#endif

namespace {

struct series {
  const char* name;
  char mark;
  std::vector<double> values;
};

// One ASCII chart of several series against log T, each scaled to its own [min, max].
void ascii_plot(const std::vector<double>& temperatures, const std::vector<series>& lines) {
  constexpr int height = 16;
  const int width = static_cast<int>(temperatures.size());
  std::vector<std::string> grid(height, std::string(static_cast<std::size_t>(width), ' '));
  for (const auto& s : lines) {
    const auto [lo, hi] = std::minmax_element(s.values.begin(), s.values.end());
    const double span = *hi - *lo > 0 ? *hi - *lo : 1.0;
    for (int i = 0; i < width; ++i) {
      const int y = static_cast<int>(std::lround((s.values[std::size_t(i)] - *lo) / span * (height - 1)));
      grid[std::size_t(height - 1 - y)][std::size_t(i)] = s.mark;
    }
  }
  std::printf("\n  each curve scaled to its own range:");
  for (const auto& s : lines) {
    const auto [lo, hi] = std::minmax_element(s.values.begin(), s.values.end());
    std::printf("  %c = %s [%.3g, %.3g]", s.mark, s.name, *lo, *hi);
  }
  std::printf("\n");
  for (const auto& row : grid) std::printf("  |%s|\n", row.c_str());
  std::printf("  T = %-8.3g%*s%8.3g (log scale)\n", temperatures.front(), width - 14, "",
              temperatures.back());
}

void write_svg(const std::string& path, const std::vector<double>& temperatures,
               const std::vector<series>& lines) {
  std::ofstream out(path);
  const double w = 640, h = 400, pad = 40;
  const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "'>\n";
  out << "<rect width='100%' height='100%' fill='white'/>\n";
  const double lt0 = std::log10(temperatures.front()), lt1 = std::log10(temperatures.back());
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const auto [lo, hi] = std::minmax_element(lines[k].values.begin(), lines[k].values.end());
    const double span = *hi - *lo > 0 ? *hi - *lo : 1.0;
    out << "<polyline fill='none' stroke='" << colours[k % 5] << "' points='";
    for (std::size_t i = 0; i < temperatures.size(); ++i) {
      const double x = pad + (std::log10(temperatures[i]) - lt0) / (lt1 - lt0) * (w - 2 * pad);
      const double y = h - pad - (lines[k].values[i] - *lo) / span * (h - 2 * pad);
      out << x << ',' << y << ' ';
    }
    out << "'/>\n<text x='" << pad + 110 * double(k) << "' y='20' fill='" << colours[k % 5] << "'>"
        << lines[k].name << " (scaled)</text>\n";
  }
  out << "<text x='" << pad << "' y='" << h - 10 << "'>T = " << temperatures.front() << " ... "
      << temperatures.back() << " (log scale)</text>\n</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string path = argc > 1 && argv[1][0] != '\0'
                                 ? argv[1]
                                 : std::string(INFOSCALE_FIXTURES_DIR) + "/lm/char_lm_logits.npy";
    const std::size_t row = argc > 2 ? std::stoul(argv[2]) : 0;
    auto logits = xt::load_npy<float>(path);
    if (logits.dimension() != 2) {
      std::fprintf(stderr, "%s: expected a (positions, vocabulary) array\n", path.c_str());
      return 1;
    }
    const std::size_t rows = logits.shape(0), vocab = logits.shape(1);
    if (row >= rows) {
      std::fprintf(stderr, "row %zu out of range (%zu rows)\n", row, rows);
      return 1;
    }
    const auto all = infoscale::make_view(logits.data(), std::array<std::size_t, 2>{rows, vocab}, "logits");
    const auto one =
        infoscale::make_view(logits.data() + row * vocab, std::array<std::size_t, 2>{1, vocab}, "row");

    std::vector<double> temperatures;
    for (int i = 0; i <= 48; ++i) temperatures.push_back(std::pow(10.0, -1.0 + 2.0 * i / 48));
    const auto scan = infoscale::temperature_scan(infoscale::seq, one, temperatures);

    std::printf("%s: %zu positions x %zu tokens; row %zu. E = -logit, k_B = 1, nats.\n", path.c_str(), rows,
                vocab, row);
    std::printf("%9s %12s %12s %12s %10s %10s %12s\n", "T", "log Z", "U", "F", "S", "C", "mean S(rows)");
    series u{"U", 'u', {}}, f{"F", 'f', {}}, s{"S", 's', {}}, c{"C", 'c', {}};
    for (std::size_t t = 0; t < temperatures.size(); ++t) {
      const auto& st = scan[t][0];
      u.values.push_back(st.internal_energy);
      f.values.push_back(st.free_energy);
      s.values.push_back(st.entropy);
      c.values.push_back(st.heat_capacity);
      if (t % 4 == 0) {
        double mean = 0;
        for (const auto& r : infoscale::thermodynamics(infoscale::seq, all, temperatures[t]))
          mean += r.entropy;
        std::printf("%9.4f %12.5f %12.5f %12.5f %10.5f %10.5f %12.5f\n", temperatures[t], st.log_partition,
                    st.internal_energy, st.free_energy, st.entropy, st.heat_capacity, mean / double(rows));
      }
    }
    std::printf("S -> log V = %.5f as T -> inf; S(T = 10) = %.5f.\n", std::log(double(vocab)),
                scan.back()[0].entropy);
    const auto peak = std::max_element(c.values.begin(), c.values.end()) - c.values.begin();
    std::printf("Heat capacity peaks at T = %.3f (C = %.4f).\n", temperatures[std::size_t(peak)],
                c.values[std::size_t(peak)]);
    ascii_plot(temperatures, {s, c, f});

    if (argc > 3) {
      const std::string out = argv[3];
      if (out.size() > 4 && out.substr(out.size() - 4) == ".svg") {
        write_svg(out, temperatures, {u, f, s, c});
      } else {
        std::ofstream csv(out);
        csv << "T,log_Z,U,F,S,C\n";
        csv.precision(17);
        for (std::size_t t = 0; t < temperatures.size(); ++t) {
          const auto& st = scan[t][0];
          csv << temperatures[t] << ',' << st.log_partition << ',' << st.internal_energy << ','
              << st.free_energy << ',' << st.entropy << ',' << st.heat_capacity << '\n';
        }
      }
      std::printf("wrote %s\n", out.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "thermo_scan: %s\n", e.what());
    return 1;
  }
  return 0;
}

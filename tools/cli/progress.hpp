#pragma once
// A progress bar on stderr for work that takes more than a second: silent for quick runs, and
// silent when stderr is not a terminal (logs and pipes stay clean).

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace infoscale::cli {

class progress {
 public:
  progress(std::string label, std::size_t total, bool enabled = true)
      : label_(std::move(label)), total_(total), enabled_(enabled && ::isatty(2) == 1) {}
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress() {
    if (shown_) std::fprintf(stderr, "\r%*s\r", 72, "");
  }

  void advance(std::size_t done) {
    done_ += done;
    if (!enabled_) return;
    const auto now = clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double remaining = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
    std::fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%  %zu/%zu  ETA %.0fs ", label_.c_str(), filled,
                 "##############################", width - filled, "", 100.0 * fraction, done_, total_,
                 remaining);
    std::fflush(stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  std::string label_;
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  bool enabled_ = false;
  bool shown_ = false;
  clock::time_point start_ = clock::now();
  clock::time_point last_ = start_;
};

}  // namespace infoscale::cli

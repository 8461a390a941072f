#include "sim/run/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace percorsi {

Progress::Progress(std::int64_t total, std::string label, bool enabled)
    : total_(total > 0 ? total : 1), label_(std::move(label)), enabled_(enabled && isatty(2)),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::add(std::int64_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  // Nothing for the first second; then at most ten redraws a second.
  if (ms < 1000 || ms - last_draw_ms_.load() < 100) return;
  last_draw_ms_ = ms;
  draw(false);
}

void Progress::draw(bool final) {
  std::lock_guard<std::mutex> lock(mu_);
  const double f = std::min(1.0, static_cast<double>(done_.load()) / static_cast<double>(total_));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = f > 0 ? secs * (1 - f) / f : 0;
  const int width = 30, filled = static_cast<int>(f * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %s %.0fs ", label_.c_str(), bar.c_str(), 100 * f,
               final ? "done in" : "ETA", final ? secs : eta);
  if (final) std::fprintf(stderr, "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    draw(true);
    enabled_ = false;
  }
}

}  // namespace percorsi

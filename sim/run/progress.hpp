// A progress bar with ETA on stderr, for work longer than a second. Silent when stderr is
// not a terminal or when disabled (--quiet). Thread-safe: add() may be called from workers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace percorsi {

class Progress {
 public:
  Progress(std::int64_t total, std::string label, bool enabled);
  ~Progress();
  void add(std::int64_t n = 1);
  void finish();

 private:
  void draw(bool final);
  std::int64_t total_;
  std::string label_;
  bool enabled_;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::atomic<std::int64_t> last_draw_ms_{-1000};
  std::mutex mu_;
  bool drawn_ = false;
};

}  // namespace percorsi

// Shared by the libFuzzer targets (tests/fuzz/, docs/fuzzing.md): a private temporary directory
// per process, where each input is written as files before it is loaded through the public API.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace percorsi::fuzz {

// $TMPDIR/percorsi-fuzz-<tag>-<pid>, made once and emptied before each input.
inline const std::filesystem::path& work_dir(const char* tag) {
  static const std::filesystem::path dir = [tag] {
    const auto d = std::filesystem::temp_directory_path() /
                   ("percorsi-fuzz-" + std::string(tag) + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline void clear(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) std::filesystem::remove_all(e.path());
}

inline void write_file(const std::filesystem::path& p, const char* data, std::size_t size) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(size));
}

}  // namespace percorsi::fuzz

// Helpers of the tests that run the `percorsi` program: its exit code and output, and a
// temporary folder removed at the end of the test.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace percorsi::test {

struct Result {
  int code;
  std::string out;
};
// Runs `percorsi ARGS` (PERCORSI_BIN) through the shell; stdout, and stderr unless dropped.
// `launcher`: a prefix such as mpi_launcher(2).
inline Result sh(const std::string& args, bool merge_stderr = true, const std::string& launcher = "") {
  const std::string cmd = launcher + PERCORSI_BIN + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// The MPI launcher of the tests ("mpirun --oversubscribe -np N "), or "" when the build has no
// MPI or there is no launcher (PERCORSI_MPIEXEC).
inline std::string mpi_launcher(int ranks) {
#if defined(PERCORSI_HAVE_MPI) && defined(PERCORSI_MPIEXEC)
  const std::string mpiexec = PERCORSI_MPIEXEC;
  if (mpiexec.empty() || !std::filesystem::exists(mpiexec)) return "";
  const std::string root = ::geteuid() == 0 ? " --allow-run-as-root" : "";
  return mpiexec + root + " --oversubscribe -np " + std::to_string(ranks) + " ";
#else
  (void)ranks;
  return "";
#endif
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("percorsi-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace percorsi::test

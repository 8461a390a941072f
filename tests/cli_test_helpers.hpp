// Helpers of the tests that run the percorsi program (test_cli.cpp, test_trial.cpp,
// test_sensitivity.cpp, test_calibrate.cpp, test_docs.cpp): a command line's exit code and
// output, the MPI launcher, and a temporary directory removed at the end of the test.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace percorsi::cli_test {

struct Result {
  int code;
  std::string out;
};
// Runs a shell command; its stdout, with its stderr unless merge_stderr is false.
inline Result shell(const std::string& command, bool merge_stderr = true) {
  const std::string cmd = command + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// Runs `percorsi ARGS` (PERCORSI_BIN). `launcher`: a prefix such as mpi_launcher(2).
inline Result sh(const std::string& args, bool merge_stderr = true, const std::string& launcher = "") {
  return shell(launcher + PERCORSI_BIN + " " + args, merge_stderr);
}

// The MPI launcher of the tests ("mpirun --oversubscribe -np N "), or "" when the build has no
// MPI or there is no launcher (PERCORSI_MPIEXEC, empty without MPI).
inline std::string mpi_launcher(int ranks) {
#ifdef PERCORSI_MPIEXEC
  const std::string mpiexec = PERCORSI_MPIEXEC;
  if (mpiexec.empty() || !std::filesystem::exists(mpiexec)) return "";
  const std::string root = ::geteuid() == 0 ? " --allow-run-as-root" : "";
  return mpiexec + root + " --oversubscribe -np " + std::to_string(ranks) + " ";
#else
  (void)ranks;
  return "";
#endif
}

// A fresh directory under the system's temporary directory, removed with everything in it.
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

}  // namespace percorsi::cli_test

// Files that never lie (docs/files.md): every output the program writes (a results file with its
// work directory <out>.parts/, an export folder, a trial, calibration or sensitivity file) is
//   - claimed by one process at a time: an OutputLock on "<out>.lock" beside it (flock: released
//     by the kernel when the process ends, however it ends, so a lock is never stale);
//   - never replaced without --force (refuse_existing);
//   - written under a temporary name in the same folder ("<out>.tmp-<pid>") and renamed when
//     complete; temporaries of processes that are gone are removed by the next writer
//     (remove_stale_temporaries).
// Plain C++ and POSIX (no HDF5): used by the Recorder and by the commands of sim/.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace percorsi::out {

// An output refused before anything is written (exit code 2): another process is writing it, or
// it exists and --force was not given.
class OutputRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The lock of an output: "<path>.lock" beside it, held (flock, exclusive, non-blocking) for the
// object's lifetime; the lock file names the holder (pid and command line) for the message of a
// second writer. Throws OutputRefused at once when another process holds it, runtime_error when
// the lock file cannot be created. Removed when released.
class OutputLock {
 public:
  OutputLock(const std::string& path, const std::string& command_line);
  ~OutputLock();
  OutputLock(OutputLock&& o) noexcept;
  OutputLock& operator=(OutputLock&&) = delete;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  const std::string& lock_path() const { return lock_path_; }

 private:
  std::string lock_path_;
  int fd_ = -1;
};
// "<path>.lock".
std::string lock_path_of(const std::string& path);

// Throws OutputRefused when `path` exists and `force` is false ("<path>: <what> already exists
// there ...: give another --out, remove it, or add --force to replace it").
void refuse_existing(const std::string& path, bool force, const std::string& what);

// "<path>.tmp-<pid of this process>": where an output is written before it is renamed.
std::string temporary_of(const std::string& path);
// Removes "<path>.<tag>-<pid>" files and folders (tag "tmp" by default) left by processes that no
// longer exist on this machine (a writer killed mid-write). Returns the paths removed.
std::vector<std::string> remove_stale_temporaries(const std::string& path, const std::string& tag = "tmp");

// Renames `from` to `to` (same folder); throws runtime_error naming both and the reason.
void rename_into_place(const std::string& from, const std::string& to);

}  // namespace percorsi::out

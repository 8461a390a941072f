#include "output/files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace percorsi::out {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// "dir/" and "dir" name one output.
std::string without_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// What the lock file of a busy output says of its holder ("pid 123: percorsi run ..."), or "".
std::string holder_of(const std::string& lock_path) {
  std::ifstream f(lock_path);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace

std::string lock_path_of(const std::string& path) { return without_slash(path) + ".lock"; }

OutputLock::OutputLock(const std::string& path, const std::string& command_line) : lock_path_(lock_path_of(path)) {
  const fs::path parent = fs::path(lock_path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create directory '" + parent.string() + "': " + ec.message());
  // The lock file is removed by its holder on release: a file opened before that removal and
  // locked after it is a stale inode, so lock again until the locked file is the one at the path.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw std::runtime_error("cannot create the lock file '" + lock_path_ + "': " + errno_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd);
      if (e != EWOULDBLOCK && e != EINTR)
        throw std::runtime_error("cannot lock '" + lock_path_ + "': " + errno_text(e));
      const std::string who = holder_of(lock_path_);
      throw OutputRefused(path + ": another percorsi process is writing this output (" +
                          (who.empty() ? "lock " + lock_path_ : who) +
                          "): wait for it to finish, or give another --out");
    }
    struct stat held {}, at_path {};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path_.c_str(), &at_path) == 0 && held.st_ino == at_path.st_ino &&
        held.st_dev == at_path.st_dev) {
      const std::string text = "pid " + std::to_string(::getpid()) + ": " + command_line + "\n";
      if (::ftruncate(fd, 0) == 0) {
        const ssize_t n = ::write(fd, text.data(), text.size());  // only a message for others
        (void)n;
      }
      fd_ = fd;
      return;
    }
    ::close(fd);  // the holder removed it meanwhile: lock the new one
  }
  throw std::runtime_error("cannot lock '" + lock_path_ + "': it keeps being replaced");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(lock_path_.c_str());  // before unlocking: a waiting process then locks a new file
  ::close(fd_);
}

OutputLock::OutputLock(OutputLock&& o) noexcept : lock_path_(std::move(o.lock_path_)), fd_(o.fd_) { o.fd_ = -1; }

void refuse_existing(const std::string& path, bool force, const std::string& what) {
  std::error_code ec;
  if (!force && fs::exists(path, ec))
    throw OutputRefused(path + ": " + what + " already exists there, and percorsi does not overwrite outputs: give "
                               "another --out, remove it, or add --force to replace it");
}

std::string temporary_of(const std::string& path) {
  return without_slash(path) + ".tmp-" + std::to_string(::getpid());
}

std::vector<std::string> remove_stale_temporaries(const std::string& path, const std::string& tag) {
  const fs::path out(without_slash(path));
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string prefix = out.filename().string() + "." + tag + "-";
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    int pid = 0;
    const std::string rest = name.substr(prefix.size());
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (r.ec != std::errc() || r.ptr != rest.data() + rest.size() || pid <= 0) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code rec;
      fs::remove_all(e.path(), rec);
      if (!rec) removed.push_back(e.path().string());
    }
  }
  return removed;
}

void rename_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw std::runtime_error("cannot rename '" + from + "' to '" + to + "': " + ec.message());
}

}  // namespace percorsi::out

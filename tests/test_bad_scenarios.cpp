// Malformed scenario files (tests/data/bad/*) through the real program: `percorsi validate` and
// `percorsi run` must each exit with code 2, name the file and a line:column, say what is wrong
// (the substring after "expect:" on the file's first line), end normally (no signal, no
// sanitizer report, no hang) and create no results file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string kBad = std::string(PERCORSI_SOURCE_DIR) + "/tests/data/bad";

std::vector<std::string> bad_files() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kBad, ec))
    if (e.is_regular_file()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// "# what is wrong; expect: substring" -> "substring" ("" when the line has no expectation).
std::string expectation(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::getline(in, line);
  const auto at = line.find("expect: ");
  if (line.rfind("#", 0) != 0 || at == std::string::npos) return "";
  std::string e = line.substr(at + 8);
  while (!e.empty() && (e.back() == ' ' || e.back() == '\r')) e.pop_back();
  return e;
}

struct Outcome {
  bool exited = false;
  int code = -1;
  int signal = 0;
  std::string out;  // stdout and stderr
};

// Runs the percorsi program with `args` in directory `cwd`, killed after 60 s.
Outcome percorsi(const std::vector<std::string>& args, const fs::path& cwd) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    alarm(60);  // a hang ends as SIGALRM
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(PERCORSI_BIN));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(PERCORSI_BIN, argv.data());
    _exit(127);
  }
  close(fds[1]);
  Outcome o;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) o.out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  o.exited = WIFEXITED(status);
  o.code = o.exited ? WEXITSTATUS(status) : -1;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return o;
}

std::string regex_escape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("percorsi-bad-" + std::to_string(::getpid()) + "-" + tag);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  bool empty() const { return fs::is_empty(path); }
};

void expect_rejected(const fs::path& file, const std::string& expect, const std::string& tag) {
  TempDir dir(tag);
  const std::string out = (dir.path / "out.h5").string();
  const std::regex position(regex_escape(file.string()) + R"(:\d+:\d+: )");
  const std::vector<std::vector<std::string>> commands = {
      {"validate", file.string()},
      {"run", file.string(), "--quiet", "--threads", "1", "--out", out},
      {"run", file.string(), "--quiet", "--threads", "1"},  // default results/<name>.h5 under dir
  };
  for (const auto& args : commands) {
    const Outcome o = percorsi(args, dir.path);
    const std::string cmd = args[0] + (args.size() > 4 ? " (" + args.back() + ")" : "");
    ASSERT_TRUE(o.exited) << cmd << ": ended by signal " << o.signal << "\n" << o.out;
    EXPECT_EQ(o.code, 2) << cmd << "\n" << o.out;
    EXPECT_TRUE(std::regex_search(o.out, position)) << cmd << ": no " << file.string() << ":line:column: in\n" << o.out;
    EXPECT_NE(o.out.find(expect), std::string::npos) << cmd << ": expected '" << expect << "' in\n" << o.out;
    for (const char* s : {"Sanitizer", "runtime error:", "terminate called", "Segmentation"})
      EXPECT_EQ(o.out.find(s), std::string::npos) << cmd << "\n" << o.out;
    EXPECT_TRUE(dir.empty()) << cmd << ": created files in " << dir.path;
  }
}

class BadScenario : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(BadScenario, IsRejectedWithItsPosition) {
  const fs::path file = fs::path(kBad) / GetParam();
  const std::string expect = expectation(file);
  ASSERT_FALSE(expect.empty()) << file << ": the first line must be '# what is wrong; expect: <message substring>'";
  std::string tag = GetParam();
  std::replace(tag.begin(), tag.end(), '.', '_');
  expect_rejected(file, expect, tag);
}

INSTANTIATE_TEST_SUITE_P(Files, BadScenario, ::testing::ValuesIn(bad_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(BadScenarios, AtLeastFortyFilesEachSayingWhatIsWrong) {
  const auto files = bad_files();
  EXPECT_GE(files.size(), 40u);
  for (const auto& f : files) EXPECT_FALSE(expectation(fs::path(kBad) / f).empty()) << f;
}

// A file of zero bytes cannot carry the comment line: made here.
TEST(BadScenarios, ZeroByteFile) {
  TempDir src("zero-src");
  const fs::path file = src.path / "zero.yaml";
  std::ofstream(file).close();
  expect_rejected(file, "empty scenario file", "zero");
}

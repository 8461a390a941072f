// The command line: exit codes and messages for good and bad input.
#include <gtest/gtest.h>

#include "sim/engine/world.hpp"
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "output/outputs.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
struct Result {
  int code;
  std::string out;
};
Result sh(const std::string& args) {
  const std::string cmd = std::string(PERCORSI_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}
fs::path tmp(const std::string& name) {
  return fs::temp_directory_path() / ("percorsi-cli-" + std::to_string(::getpid()) + "-" + name);
}
}  // namespace

TEST(Cli, HelpAndVersion) {
  for (const char* sub : {"", "run", "compare", "validate", "info", "bench", "params"}) {
    const auto r = sh(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
  EXPECT_EQ(sh("--version").code, 0);
}

TEST(Cli, ValidateGoodAndBad) {
  auto r = sh("validate " + kSrc + "/scenarios/piemonte/housing_first.yaml");
  EXPECT_EQ(r.code, 0) << r.out;
  const fs::path bad = tmp("bad.yaml");
  std::ofstream(bad) << "seed: 1\nterritories:\n  - {name: A, shelter_bedz: 3}\n";
  r = sh("validate " + bad.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(bad.string() + ":3:15: unknown key 'shelter_bedz'"), std::string::npos) << r.out;
  r = sh("validate " + tmp("none.yaml").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("no such file"), std::string::npos) << r.out;
  fs::remove(bad);
}

TEST(Cli, BadInputLeavesNoOutput) {
  const fs::path bad = tmp("range.yaml"), out = tmp("out.h5");
  std::ofstream(bad) << "seed: 1\nreplicates: -3\nterritories:\n  - {name: A}\n";
  const auto r = sh("run " + bad.string() + " --quiet --out " + out.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(":2:13:"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(sh("run --threads -2 x.yaml").code, 2);
  EXPECT_EQ(sh("frobnicate").code, 2);
  fs::remove(bad);
}

TEST(Cli, RunInfoCompare) {
  const fs::path s = tmp("tiny.yaml"), out = tmp("tiny.h5");
  std::ofstream(s) << "extends: " << kSrc << "/scenarios/piemonte/baseline.yaml\nname: tiny\nhorizon: 20 weeks\n";
  auto r = sh("run " + s.string() + " --replicates 2 --threads 2 --quiet --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(fs::exists(out));
  r = sh("info " + out.string());
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("tiny"), std::string::npos);
  // Labels and units from the output table, beside the dataset names.
  using namespace percorsi::out;
  EXPECT_NE(r.out.find("housing_street  float64 [20, 5]  - " + spec(Series::housing_street).label_with_unit()),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  - " + spec(Headline::days_to_stable_housing).label_with_unit() + "; among "), std::string::npos)
      << r.out;
  r = sh("compare " + out.string() + " --format csv");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("stably_housed_12m"), std::string::npos);
  // Not a results file: clear message, bad-input code.
  r = sh("info " + s.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(s.string()), std::string::npos) << r.out;
  fs::remove(s);
  fs::remove(out);
}

// The benchmark prints one line per thread count and, with --phases, the time of every weekly
// phase (their sum plus set-up cannot exceed the wall time).
TEST(Cli, BenchReportsRatesAndPhases) {
  const auto r = sh("bench " + kSrc + "/scenarios/piemonte/baseline.yaml --persons 3000 --weeks 12 --threads 1 --phases --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  double wall = -1, rate = -1, rate_weeks = -1, phase_sum = 0;
  int phases = 0;
  std::vector<std::string> names;
  for (const auto& ph : percorsi::World::phases()) names.emplace_back(ph.name);
  names.emplace_back("(set-up)");
  while (std::getline(in, line)) {
    std::istringstream f(line);
    int threads = 0;
    double setup = 0;
    std::size_t rows = 0;
    if (line.rfind("       1 ", 0) == 0 && (f >> threads >> setup >> wall >> rate >> rate_weeks >> rows)) {
      EXPECT_GT(rows, 3000u);
      continue;
    }
    for (const auto& n : names)
      if (line.rfind(n + " ", 0) == 0) {
        double s = -1;
        std::istringstream(line.substr(n.size())) >> s;
        EXPECT_GE(s, 0) << line;
        phase_sum += s;
        ++phases;
      }
  }
  EXPECT_EQ(phases, static_cast<int>(names.size())) << r.out;
  EXPECT_GT(rate, 0) << r.out;
  EXPECT_GE(rate_weeks, rate) << r.out;
  EXPECT_LE(phase_sum, wall + 0.05) << r.out;  // printed to 0.01 s
  // --repeat: every run printed, then the medians.
  const auto rr = sh("bench " + kSrc + "/scenarios/piemonte/baseline.yaml --persons 2000 --weeks 4 --threads 1 --repeat 3 --quiet");
  ASSERT_EQ(rr.code, 0) << rr.out;
  std::istringstream in2(rr.out);
  int runs = 0, medians = 0;
  while (std::getline(in2, line)) {
    runs += line.rfind("       1 ", 0) == 0;
    if (line.rfind("median of 3 runs: 1 thread ", 0) == 0) {
      double m = 0;
      std::istringstream(line.substr(std::string("median of 3 runs: 1 thread ").size())) >> m;
      EXPECT_GT(m, 0) << line;
      ++medians;
    }
  }
  EXPECT_EQ(runs, 3) << rr.out;
  EXPECT_EQ(medians, 1) << rr.out;
}

// `run` never replaces a results file without --force, and always says where it wrote.
TEST(Cli, RunDoesNotOverwriteResultsWithoutForce) {
  const fs::path s = tmp("keep.yaml"), out = tmp("keep.h5");
  std::ofstream(s) << "extends: " << kSrc << "/scenarios/piemonte/baseline.yaml\nname: keep\nhorizon: 8 weeks\n";
  fs::remove(out);
  auto r = sh("run " + s.string() + " --replicates 1 --threads 1 --quiet --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("results written to " + out.string()), std::string::npos) << r.out;  // even with --quiet
  const auto before = fs::last_write_time(out);
  r = sh("run " + s.string() + " --replicates 1 --threads 1 --quiet --out " + out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(out.string() + ": a results file already exists"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
  EXPECT_EQ(fs::last_write_time(out), before);
  r = sh("run " + s.string() + " --replicates 1 --threads 1 --quiet --force --out " + out.string());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("results written to " + out.string()), std::string::npos) << r.out;
  // The default name results/<name>.h5 is protected the same way.
  const fs::path dir = tmp("default-out");
  fs::create_directories(dir / "results");
  std::ofstream(dir / "results" / "keep.h5") << "not results";
  r = sh("--version >/dev/null; cd " + dir.string() + " && " + std::string(PERCORSI_BIN) + " run " + s.string() +
         " --quiet --replicates 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("results/keep.h5: a results file already exists"), std::string::npos) << r.out;
  std::ifstream kept(dir / "results" / "keep.h5");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "not results");
  fs::remove_all(dir);
  fs::remove(s);
  fs::remove(out);
}

// --seed stands in for a scenario's missing seed, in validate, run and compare.
TEST(Cli, SeedOptionStandsInForAMissingSeed) {
  const fs::path s = tmp("noseed.yaml"), out = tmp("noseed.h5");
  std::ofstream(s) << "name: noseed\nhorizon: 4 weeks\nterritories:\n  - {name: A, initial_population: 20}\n";
  auto r = sh("validate " + s.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(s.string() + ":1:1: missing required key 'seed'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--seed"), std::string::npos) << r.out;
  r = sh("validate " + s.string() + " --seed 11");
  EXPECT_EQ(r.code, 0) << r.out;
  fs::remove(out);
  r = sh("run " + s.string() + " --seed 11 --replicates 1 --threads 1 --quiet --out " + out.string());
  EXPECT_EQ(r.code, 0) << r.out;
  r = sh("compare " + s.string() + " --seed 11 --replicates 2 --threads 1 --quiet --format csv");
  EXPECT_EQ(r.code, 0) << r.out;
  fs::remove(s);
  fs::remove(out);
}

// A name that cannot become an HDF5 group is refused by validate (it used to fail the run
// with exit code 3), at the name's line.
TEST(Cli, ValidateRefusesNamesThatAreNoGroupNames) {
  const fs::path s = tmp("slash.yaml");
  std::ofstream(s) << "seed: 1\nname: a/b\nterritories:\n  - {name: A}\n";
  const auto r = sh("validate " + s.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(s.string() + ":2:7: the scenario name 'a/b' contains '/'"), std::string::npos) << r.out;
  fs::remove(s);
}

// The command line: exit codes and messages for good and bad input.
#include <gtest/gtest.h>

#include "sim/engine/world.hpp"
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/registry/outputs.hpp"
#include "tests/cli_test_helpers.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
using percorsi::cli_test::sh;
fs::path tmp(const std::string& name) {
  return fs::temp_directory_path() / ("percorsi-cli-" + std::to_string(::getpid()) + "-" + name);
}
}  // namespace

TEST(Cli, HelpAndVersion) {
  for (const char* sub :
       {"", "run", "compare", "sensitivity", "validate", "info", "bench", "params", "calibrate", "validation"}) {
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
  EXPECT_NE(r.out.find("tiny: 2 replicates"), std::string::npos) << r.out;
  // Brief by default: horizon, territories, groups with sizes, a few headline values with their
  // reason when n/a; several files at once.
  EXPECT_NE(r.out.find("horizon 20 weeks from 2019-01-07; 5 territories: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("groups (people ever present, mean per replicate): homeless "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Stably housed 12 months after entry: n/a (horizon too short: needs 52 weeks, the run has 20)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Cost per person: "), std::string::npos) << r.out;
  EXPECT_LT(std::count(r.out.begin(), r.out.end(), '\n'), 20) << r.out;
  const auto two = sh("info " + out.string() + " " + out.string());
  EXPECT_EQ(two.code, 0);
  EXPECT_EQ(two.out, r.out + "\n" + r.out);
  // The full listing with --all: labels and units from the output table, beside the dataset names.
  r = sh("info --all " + out.string());
  EXPECT_EQ(r.code, 0);
  using namespace percorsi::out;
  EXPECT_NE(r.out.find("housing_street  float64 [20, 5]  - " + spec(Series::housing_street).label_with_unit()),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  - " + spec(Headline::days_to_stable_housing).label_with_unit() + "; among "), std::string::npos)
      << r.out;
  r = sh("compare " + out.string() + " --format csv");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("stably_housed_12m"), std::string::npos);
  // Export: tidy CSV tables.
  const fs::path dir = tmp("export");
  r = sh("export " + out.string() + " --out " + dir.string());
  EXPECT_EQ(r.code, 0) << r.out;
  auto head = [&](const std::string& f) {
    std::ifstream in(dir / f);
    std::string l1, l2;
    std::getline(in, l1);
    std::getline(in, l2);
    return l1 + "\n" + l2;
  };
  EXPECT_EQ(head("weekly.csv").rfind("scenario,replicate,week,territory,series,value\ntiny,0,0,", 0), 0u) << head("weekly.csv");
  EXPECT_EQ(head("summary.csv").rfind("scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high,", 0), 0u);
  EXPECT_EQ(head("headline.csv").rfind("scenario,replicate,indicator,value\n", 0), 0u);
  const std::string persons = head("persons.csv");
  EXPECT_EQ(persons.rfind("scenario,replicate,id,territory,", 0), 0u) << persons;
  // Labels, not codes: a territory's name, a housing state, target groups by name.
  const std::string row = persons.substr(persons.find('\n') + 1);
  EXPECT_NE(row.find(",Novara,"), std::string::npos) << row;
  EXPECT_TRUE(row.find(",homeless") != std::string::npos || row.find(",disability") != std::string::npos) << row;
  EXPECT_TRUE(row.find(",street,") != std::string::npos || row.find(",shelter,") != std::string::npos ||
              row.find(",transitional,") != std::string::npos || row.find(",housed,") != std::string::npos)
      << row;
  fs::remove_all(dir);
  // Not a results file: clear message, bad-input code.
  r = sh("info " + s.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find(s.string()), std::string::npos) << r.out;
  fs::remove(s);
  fs::remove(out);
}

// compare: runs of other horizons are refused (exit 2, with the reason) unless --align reruns
// them over the common horizon; runs from files cannot be aligned.
TEST(Cli, CompareRefusesUnlikeRunsUnlessAligned) {
  const std::string base = kSrc + "/scenarios/piemonte/";
  const fs::path a = tmp("a.yaml"), b = tmp("b.yaml"), ha = tmp("a.h5");
  std::ofstream(a) << "extends: " << base << "baseline.yaml\nname: a\nhorizon: 20 weeks\nreplicates: 2\n";
  std::ofstream(b) << "extends: " << base << "baseline.yaml\nname: b\nhorizon: 30 weeks\nreplicates: 2\n";
  auto r = sh("compare " + a.string() + " " + b.string() + " --quiet");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("not comparable: 'a' runs 20 weeks and 'b' 30 weeks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--align"), std::string::npos) << r.out;
  r = sh("compare " + a.string() + " " + b.string() + " --quiet --align --format csv");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\nb,cost_per_person,euro,"), std::string::npos) << r.out;
  // A results file of the longer horizon cannot be cut to the shorter one (its headline values
  // are computed over its own horizon); one of the common horizon can.
  ASSERT_EQ(sh("run " + b.string() + " --quiet --out " + ha.string()).code, 0);
  r = sh("compare " + ha.string() + " " + a.string() + " --quiet --align");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("cannot align: 'b' comes from a results file"), std::string::npos) << r.out;
  r = sh("compare " + ha.string() + " " + b.string() + " --quiet");
  EXPECT_EQ(r.code, 2) << r.out;  // the same scenario twice under one name
  fs::remove(ha);
  ASSERT_EQ(sh("run " + a.string() + " --quiet --out " + ha.string()).code, 0);
  EXPECT_EQ(sh("compare " + ha.string() + " " + b.string() + " --quiet --align").code, 0);
  // Other start dates and territories: --align reruns both over the common calendar window,
  // on the territories both cover, and says what it changed.
  const fs::path c = tmp("c.yaml");
  std::ofstream(c) << "extends: " << base << "baseline.yaml\nname: c\nhorizon: 30 weeks\nreplicates: 2\n"
                   << "start_date: 2019-02-04\nterritories_replace: true\nterritories:\n"
                   << "  - {name: Asti, initial_population: 60}\n  - {name: Torino, initial_population: 60}\n";
  r = sh("compare " + a.string() + " " + c.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("'a' starts on 2019-01-07 and 'c' on 2019-02-04"), std::string::npos) << r.out;
  r = sh("compare " + a.string() + " " + c.string() + " --align --format csv");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* want : {"'a' starts on 2019-02-04", "'a' runs 16 weeks", "'c' runs 16 weeks",
                           "'a': territory Novara left out", "'c': territory Torino left out", "\nc,cost_per_person,euro,"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  fs::remove(c);
  // The shipped comparison of the lockdown is like with like.
  r = sh("compare " + base + "baseline.yaml " + base + "lockdown_2020.yaml --quiet --replicates 2");
  EXPECT_EQ(r.code, 2) << r.out;
  r = sh("validate " + base + "baseline_3y.yaml " + base + "lockdown_2020.yaml");
  EXPECT_EQ(r.code, 0) << r.out;
  fs::remove(a);
  fs::remove(b);
  fs::remove(ha);
}

// The benchmark prints one line per thread count and, with --phases, the time of every weekly
// phase (their sum plus set-up cannot exceed the wall time).
TEST(Cli, BenchReportsRatesAndPhases) {
  const auto r = sh("bench " + kSrc + "/scenarios/piemonte/baseline.yaml --persons 3000 --weeks 12 --threads 1 --phases --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  double wall = -1, rate = -1, rate_weeks = -1, rate_all = -1, phase_sum = 0;
  int phases = 0;
  std::vector<std::string> names;
  for (const auto& ph : percorsi::World::phases()) names.emplace_back(ph.name);
  names.emplace_back("(set-up)");
  while (std::getline(in, line)) {
    std::istringstream f(line);
    int threads = 0;
    double setup = 0;
    std::size_t rows = 0;
    if (line.rfind("       1 ", 0) == 0 && (f >> threads >> setup >> wall >> rate >> rate_weeks >> rate_all >> rows)) {
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
  // The shipped baseline warms up for years before week 0: counting the warm-up's person-weeks,
  // done in the set-up, gives a rate above the one that counts only the run's.
  EXPECT_GT(rate_all, rate) << r.out;
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

// `--engine reference` runs the plain serial reference engine: the same numbers as the fast one.
TEST(Cli, ReferenceEngineGivesTheSameTable) {
  const std::string args = "compare " + kSrc + "/scenarios/piemonte/step_model.yaml " + kSrc +
                           "/scenarios/piemonte/housing_first.yaml --replicates 2 --quiet --format csv";
  const auto fast = sh(args), ref = sh(args + " --engine reference");
  ASSERT_EQ(fast.code, 0) << fast.out;
  ASSERT_EQ(ref.code, 0) << ref.out;
  EXPECT_GT(fast.out.size(), 500u);
  EXPECT_EQ(fast.out, ref.out);
  EXPECT_EQ(sh(args + " --engine slow").code, 2);
}

// compare prints the value for money of each scenario against the first: in CSV one row per
// ratio, `icer_<outcome>` in euro per unit of the outcome, and the cost offset.
TEST(Cli, CompareGivesValueForMoneyRows) {
  const std::string args = "compare " + kSrc + "/scenarios/piemonte/step_model.yaml " + kSrc +
                           "/scenarios/piemonte/housing_first.yaml --replicates 3 --threads 2 --quiet";
  const auto csv = sh(args + " --format csv");
  ASSERT_EQ(csv.code, 0) << csv.out;
  std::istringstream lines(csv.out);
  std::string row;
  int icers = 0;
  bool offset = false;
  while (std::getline(lines, row)) {
    std::vector<std::string> cells;
    std::stringstream cs(row);
    for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
    ASSERT_GE(cells.size(), 3u) << row;
    if (cells[1].rfind("icer_", 0) == 0) {
      ++icers;
      EXPECT_EQ(cells[0], "housing_first") << row;  // against the first scenario
      EXPECT_EQ(cells[2].rfind("euro/", 0), 0u) << row;
    }
    offset = offset || (cells[1] == "cost_offset" && cells[2] == "share");
  }
  EXPECT_EQ(icers, 3) << csv.out;
  EXPECT_TRUE(offset) << csv.out;
  EXPECT_NE(csv.out.find("\nhousing_first,icer_time_stably_housed,euro/day,,,,3,"), std::string::npos) << csv.out;
  const auto text = sh(args);
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("\nValue for money\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Cost per additional day of stable housing (euro/day)\n  housing_first  "), std::string::npos)
      << text.out;
}

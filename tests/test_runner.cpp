// Runs written through output/: the file agrees with the data dictionary both ways, reads
// back what was run, and a failed run leaves no file.
#include <gtest/gtest.h>

#include <filesystem>

#include "output/dictionary.hpp"
#include "output/reader.hpp"
#include "sim/runner.hpp"

using namespace percorsi;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
Scenario small(const std::string& name) {
  Scenario s = load_scenario(kSrc + "/scenarios/piemonte/" + name + ".yaml");
  s.set("horizon", "30 weeks");
  s.set("replicates", "3");
  return s;
}
fs::path temp_file(const std::string& stem) {
  return fs::temp_directory_path() / ("percorsi-" + std::to_string(::getpid()) + "-" + stem + ".h5");
}
}  // namespace

TEST(Runner, ResultsFileMatchesDictionaryBothWays) {
  const fs::path f = temp_file("dict");
  RunOptions opt;
  opt.progress = false;
  opt.command_line = "test";
  const auto sums = run_scenarios({small("step_model"), small("lockdown_2020")}, opt, f.string());
  ASSERT_TRUE(fs::exists(f));
  const auto problems = out::check_against_dictionary(f.string(), out::dictionary());
  for (const auto& p : problems) ADD_FAILURE() << p;

  out::Reader rd(f.string());
  EXPECT_EQ(rd.scenarios(), (std::vector<std::string>{"step_model", "lockdown_2020"}));
  EXPECT_EQ(rd.replicates("step_model").size(), 3u);
  EXPECT_EQ(rd.headline("step_model", "cost_total"), sums[0].headline.at("cost_total"));
  const auto info = rd.scenario("lockdown_2020");
  EXPECT_EQ(info.seed, 20200301u);
  EXPECT_NE(info.resolved_yaml.find("lockdown_activity"), std::string::npos);
  EXPECT_EQ(rd.provenance().command_line, "test");
  // The stored resolved scenario reproduces the run.
  const Scenario again = parse_scenario(info.resolved_yaml, "resolved.yaml");
  const auto r = run_replicate(again, 1);
  EXPECT_EQ(r.headline.at("cost_total"), rd.headline("lockdown_2020", "cost_total")[1]);
  fs::remove(f);
}

TEST(Runner, InterruptedRunLeavesNoFile) {
  const fs::path f = temp_file("interrupted");
  RunOptions opt;
  opt.progress = false;
  g_interrupt = true;
  EXPECT_THROW(run_scenarios({small("step_model")}, opt, f.string()), Interrupted);
  g_interrupt = false;
  EXPECT_FALSE(fs::exists(f));
  for (const auto& e : fs::directory_iterator(f.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(f.filename().string()), std::string::npos) << e.path();
}

TEST(Runner, ComparisonTableFormats) {
  RunOptions opt;
  opt.progress = false;
  const auto s = run_scenarios({small("step_model"), small("housing_first")}, opt, "");
  const std::string text = comparison_table(s, TableFormat::Text);
  EXPECT_NE(text.find("housing_first - step_model"), std::string::npos);
  EXPECT_NE(text.find("paired"), std::string::npos);
  const std::string csv = comparison_table(s, TableFormat::Csv);
  EXPECT_EQ(csv.rfind("indicator,", 0), 0u);
  const std::string md = comparison_table(s, TableFormat::Markdown);
  EXPECT_EQ(md.rfind("| indicator |", 0), 0u);
}

TEST(Runner, PairedDifferenceStatistics) {
  // b = a + 1 exactly: the paired interval has zero width; Welch's does not.
  const std::vector<double> a = {1, 2, 4, 8}, b = {2, 3, 5, 9};
  const std::vector<int> r = {0, 1, 2, 3};
  const auto d = difference(a, r, b, r, true);
  EXPECT_TRUE(d.paired);
  EXPECT_DOUBLE_EQ(d.summary.mean, 1);
  EXPECT_DOUBLE_EQ(d.summary.ci_low, 1);
  const auto w = welch(a, b);
  EXPECT_DOUBLE_EQ(w.mean, 1);
  EXPECT_LT(w.ci_low, 0);
  EXPECT_GT(w.ci_high, 2);
}

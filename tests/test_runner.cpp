// Runs written through output/: the file agrees with the data dictionary both ways, reads
// back what was run, and a failed run leaves no file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "output/dictionary.hpp"
#include "output/outputs.hpp"
#include "output/reader.hpp"
#include "sim/run/runner.hpp"

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
  auto dict = out::dictionary();  // /trial is only in files of `percorsi trial` (test_trial.cpp)
  std::erase_if(dict, [](const out::DictEntry& e) { return e.path.rfind("/trial", 0) == 0; });
  const auto problems = out::check_against_dictionary(f.string(), dict);
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
  EXPECT_EQ(md.rfind("| indicator | unit |", 0), 0u);
  // Labels and units from the output table; the raw names stay in the CSV for scripts.
  const auto& o = out::spec(out::Headline::stably_housed_12m);
  EXPECT_NE(text.find(o.label), std::string::npos) << text;
  EXPECT_EQ(text.find("stably_housed_12m"), std::string::npos) << text;
  EXPECT_NE(md.find("| " + o.label + " | share |"), std::string::npos) << md;
  EXPECT_NE(csv.find("\nstably_housed_12m,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("," + o.label + ",share,higher,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",label,unit,better,counted,denominator,min_important_difference\n"), std::string::npos) << csv;
  // Rows in the table's order.
  EXPECT_EQ(headline_order(s), out::output_names(out::OutputKind::Headline));
  // An indicator whose denominator depends on the policy is shown with it.
  const auto& d = out::spec(out::Headline::days_to_stable_housing);
  EXPECT_NE(text.find(d.label + " \u2020"), std::string::npos) << text;
  EXPECT_NE(text.find("\u2020 " + d.label + ": among " + d.counted), std::string::npos) << text;
  EXPECT_EQ(text.find("\u2020 " + o.label), std::string::npos) << text;
}

TEST(Runner, ComparisonTableMarksImportantDifferencesAndUndefinedValues) {
  ScenarioSummary a{"a", 1, {0, 1, 2}, {}}, b{"b", 1, {0, 1, 2}, {}};
  // stably_housed_12m: +0.10 in every replicate, beyond its minimum important difference (0.02);
  // time_stably_housed: +0.01, below it; job_retained_12m: undefined (no programme hires).
  a.headline["stably_housed_12m"] = {0.10, 0.20, 0.30};
  b.headline["stably_housed_12m"] = {0.20, 0.30, 0.40};
  a.headline["time_stably_housed"] = {0.10, 0.20, 0.30};
  b.headline["time_stably_housed"] = {0.11, 0.21, 0.31};
  const double nan = std::nan("");
  a.headline["job_retained_12m"] = b.headline["job_retained_12m"] = {nan, nan, nan};
  a.headline["not_in_table"] = b.headline["not_in_table"] = {1, 2, 3};
  const std::string text = comparison_table({a, b}, TableFormat::Text);
  auto line_of = [&](const std::string& label) {
    const auto p = text.find(label);
    return p == std::string::npos ? std::string() : text.substr(p, text.find('\n', p) - p);
  };
  const std::string housed = line_of(out::spec(out::Headline::stably_housed_12m).label);
  EXPECT_NE(housed.find("paired * !"), std::string::npos) << text;
  const std::string time = line_of(out::spec(out::Headline::time_stably_housed).label);
  EXPECT_NE(time.find("paired *"), std::string::npos) << text;
  EXPECT_EQ(time.find("!"), std::string::npos) << text;
  EXPECT_NE(line_of(out::spec(out::Headline::job_retained_12m).label).find("n/a (no one counted)"), std::string::npos)
      << text;
  EXPECT_NE(line_of("not_in_table").find("2.000"), std::string::npos) << text;  // unknown names kept, last
  EXPECT_GT(text.find("not_in_table"), text.find(out::spec(out::Headline::job_retained_12m).label));
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

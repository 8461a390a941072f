// Runs written through output/: the file agrees with the data dictionary both ways, reads
// back what was run, and a failed run leaves no file.
#include <gtest/gtest.h>

#include <sstream>

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
  const auto dict = out::dictionary_for("run");
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
  EXPECT_NE(text.find("difference from step_model, paired"), std::string::npos) << text;
  const std::string csv = comparison_table(s, TableFormat::Csv);
  // Tidy CSV: these leading columns exactly (outside scripts read them), numbers in the cells.
  EXPECT_EQ(csv.rfind("scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high,", 0), 0u) << csv;
  const std::string md = comparison_table(s, TableFormat::Markdown);
  EXPECT_NE(md.find("| indicator | scenario | mean [95% CI] | difference [95% CI] | verdict |"), std::string::npos) << md;
  // Labels and units from the output table (shares in %); the raw names stay in the CSV.
  const auto& o = out::spec(out::Headline::time_stably_housed);
  EXPECT_NE(text.find(o.label + " (%; higher is better)"), std::string::npos) << text;
  EXPECT_EQ(text.find("time_stably_housed"), std::string::npos) << text;
  EXPECT_NE(md.find("| " + o.label + " (%; higher is better) | step_model |"), std::string::npos) << md;
  EXPECT_NE(csv.find("\nstep_model,time_stably_housed,share,0."), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nhousing_first,time_stably_housed,share,0."), std::string::npos) << csv;
  // One row per scenario x indicator (+ header); the baseline's diff cells are empty.
  const auto inds = headline_order(s);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), long(1 + 2 * inds.size())) << csv;
  std::istringstream lines(csv);
  std::string header, row;
  std::getline(lines, header);
  while (std::getline(lines, row)) {
    std::vector<std::string> cells;
    std::stringstream cs(row);
    for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
    ASSERT_GE(cells.size(), 10u) << row;
    if (cells[0] == "step_model") {
      EXPECT_EQ(cells[7] + cells[8] + cells[9], "") << row;
    }
    if (!cells[3].empty()) {
      EXPECT_NO_THROW((void)std::stod(cells[3])) << row;  // a number, not "0.1 [..]"
    }
  }
  // Rows in the table's order, without the denominators' companions (shown beside them).
  std::vector<std::string> want;
  for (const auto* x : out::outputs_of(out::OutputKind::Headline))
    if (!x->is_denominator()) want.push_back(x->name);
  EXPECT_EQ(inds, want);
  // An indicator whose denominator depends on the policy is shown with it and its size.
  const auto& d = out::spec(out::Headline::days_to_stable_housing);
  const auto at = text.find(d.label);
  ASSERT_NE(at, std::string::npos) << text;
  const std::string block = text.substr(at, text.find("\n\n", at) - at);
  EXPECT_NE(block.find("among " + d.counted.substr(0, 20)), std::string::npos) << block;
  EXPECT_NE(block.find("n = "), std::string::npos) << block;
  const std::string oblock = text.substr(text.find(o.label), text.find("\n\n", text.find(o.label)) - text.find(o.label));
  EXPECT_EQ(oblock.find("among "), std::string::npos) << oblock;
  // Too short a horizon: n/a with the reason, never 0.
  EXPECT_NE(text.find("n/a (horizon too short: needs 104 weeks, the run has 30)"), std::string::npos) << text;
  // Lines stay readable.
  std::istringstream tl(text);
  for (std::string l; std::getline(tl, l);) EXPECT_LE(l.size(), 110u) << l;
}

TEST(Runner, ComparisonTableMarksImportantDifferencesAndUndefinedValues) {
  ScenarioSummary a{"a", 1, {0, 1, 2}, {}}, b{"b", 1, {0, 1, 2}, {}};
  a.weeks = b.weeks = 156;
  // stably_housed_12m: +0.10 in every replicate, beyond its minimum important difference (0.02);
  // time_stably_housed: +0.01, below it although its interval excludes zero; job_retained_12m:
  // undefined (no programme hires).
  a.headline["stably_housed_12m"] = {0.10, 0.20, 0.30};
  b.headline["stably_housed_12m"] = {0.20, 0.30, 0.40};
  a.headline["time_stably_housed"] = {0.10, 0.20, 0.30};
  b.headline["time_stably_housed"] = {0.11, 0.21, 0.31};
  const double nan = std::nan("");
  a.headline["job_retained_12m"] = b.headline["job_retained_12m"] = {nan, nan, nan};
  a.headline["job_retained_12m_n"] = b.headline["job_retained_12m_n"] = {0, 0, 0};
  a.headline["cost_total"] = {30828561, 30828561, 30828561};
  b.headline["cost_total"] = {30828561, 30828561, 30828561};
  a.headline["not_in_table"] = b.headline["not_in_table"] = {1, 2, 3};
  const std::string text = comparison_table({a, b}, TableFormat::Text);
  auto block_of = [&](const std::string& label) {
    const auto p = text.find(label);
    return p == std::string::npos ? std::string() : text.substr(p, text.find("\n\n", p) - p);
  };
  const std::string housed = block_of(out::spec(out::Headline::stably_housed_12m).label);
  EXPECT_NE(housed.find("+10.0 [+10.0, +10.0] pp  important, better"), std::string::npos) << text;
  const std::string time = block_of(out::spec(out::Headline::time_stably_housed).label);
  EXPECT_NE(time.find("negligible"), std::string::npos) << text;
  EXPECT_EQ(time.find("important"), std::string::npos) << text;
  EXPECT_NE(block_of(out::spec(out::Headline::job_retained_12m).label).find("n/a (no one counted: programme hires"),
            std::string::npos)
      << text;
  const std::string cost = block_of(out::spec(out::Headline::cost_total).label);
  EXPECT_NE(cost.find("30,828,561"), std::string::npos) << cost;  // thousands separators
  EXPECT_EQ(text.find("-0.0"), std::string::npos) << text;        // no negative zero
  EXPECT_NE(block_of("not_in_table").find("2.00"), std::string::npos) << text;  // unknown names kept, last
  EXPECT_GT(text.find("not_in_table"), text.find(out::spec(out::Headline::job_retained_12m).label));
  // CSV: undefined is empty (NaN), with n = 0 and the reason.
  const std::string csv = comparison_table({a, b}, TableFormat::Csv);
  EXPECT_NE(csv.find("\na,job_retained_12m,share,,,,0,,,,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("no one counted"), std::string::npos) << csv;
}

TEST(Runner, FormatNumber) {
  EXPECT_EQ(format_number(30828561, 0), "30,828,561");
  EXPECT_EQ(format_number(-0.0001, 3), "0.000");
  EXPECT_EQ(format_number(-0.0004, 3, true), "0.000");
  EXPECT_EQ(format_number(-1234.5, 1), "-1,234.5");
  EXPECT_EQ(format_number(0.5, 1, true), "+0.5");
  EXPECT_EQ(format_number(std::nan(""), 2), "n/a");
}

TEST(Runner, ComparabilityOfRuns) {
  ScenarioSummary a{"baseline", 1, {0}, {}}, b{"lockdown_2020", 1, {0}, {}};
  a.weeks = 104, b.weeks = 156;
  a.start_date = b.start_date = "2019-01-07";
  a.territories = b.territories = {"Asti", "Novara"};
  EXPECT_NE(comparability_problem({a, b}).find("104 weeks"), std::string::npos);
  CommonWindow w = common_window({a, b});
  EXPECT_EQ(w.weeks, 104);
  EXPECT_EQ(w.start_date, "2019-01-07");
  EXPECT_EQ(w.territories, a.territories);
  b.weeks = 104;
  EXPECT_EQ(comparability_problem({a, b}), "");
  // Another start date: the window runs from the later start to the earlier end.
  b.start_date = "2020-01-06";  // 52 weeks later: a ends 2021-01-04, b on 2022-01-03
  EXPECT_NE(comparability_problem({a, b}).find("2020-01-06"), std::string::npos);
  w = common_window({a, b});
  EXPECT_EQ(w.start_date, "2020-01-06");
  EXPECT_EQ(w.weeks, 52);
  EXPECT_EQ(common_window({b, a}).weeks, 52);  // the order of the runs does not matter
  b.start_date = "2019-01-10";                 // 3 days later: the window keeps whole weeks only
  EXPECT_EQ(common_window({a, b}).weeks, 103);
  b.start_date = "2021-01-04";  // starts when a ends: no common week
  EXPECT_THROW(common_window({a, b}), ScenarioError);
  b.start_date = a.start_date;
  b.territories = {"Torino", "Asti"};
  EXPECT_NE(comparability_problem({a, b}).find("covers"), std::string::npos);
  w = common_window({a, b});
  EXPECT_EQ(w.territories, std::vector<std::string>{"Asti"});
  b.territories = {"Torino"};
  EXPECT_THROW(common_window({a, b}), ScenarioError);  // no territory in common
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

// No verdict on a handful: below kMinDenominator per replicate, n/a with the size, no verdict.
TEST(Runner, TooFewCountedGetNoVerdict) {
  ScenarioSummary a{"a", 1, {0, 1, 2}, {}}, b{"b", 1, {0, 1, 2}, {}};
  a.weeks = b.weeks = 104;
  a.headline["stably_housed_12m"] = {0.10, 0.20, 0.30};
  b.headline["stably_housed_12m"] = {0.20, 0.30, 0.40};
  a.headline["stably_housed_12m_n"] = b.headline["stably_housed_12m_n"] = {6, 6, 6};
  a.headline["days_to_stable_housing"] = {100, 110, 120};
  b.headline["days_to_stable_housing"] = {50, 60, 70};
  a.headline["days_to_stable_housing_n"] = {20, 20, 20};  // too few in the first scenario only
  b.headline["days_to_stable_housing_n"] = {40, 40, 40};
  const std::string text = comparison_table({a, b}, TableFormat::Text);
  auto block_of = [&](out::Headline h) {
    const auto p = text.find(out::spec(h).label);
    return p == std::string::npos ? std::string() : text.substr(p, text.find("\n\n", p) - p);
  };
  const std::string housed = block_of(out::Headline::stably_housed_12m);
  EXPECT_NE(housed.find("  a  n/a (n = 6: too few)"), std::string::npos) << housed;
  EXPECT_NE(housed.find("  b  n/a (n = 6: too few)  n/a"), std::string::npos) << housed;
  EXPECT_EQ(housed.find("important"), std::string::npos) << housed;
  const std::string days = block_of(out::Headline::days_to_stable_housing);
  EXPECT_NE(days.find("  b  60 ["), std::string::npos) << days;  // b's own value stands
  EXPECT_EQ(days.find("important"), std::string::npos) << days;      // but no verdict against a
  const std::string md = comparison_table({a, b}, TableFormat::Markdown);
  EXPECT_NE(md.find("n/a (n = 6: too few)"), std::string::npos) << md;
  EXPECT_EQ(md.find("important, better"), std::string::npos) << md;
  // CSV: the numbers stay, the verdict is empty and the reason says why.
  const std::string csv = comparison_table({a, b}, TableFormat::Csv);
  EXPECT_NE(csv.find(",true,,6,n = 6: too few,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",true,,40,n = 20 in a: too few,"), std::string::npos) << csv;
  // At 30 per replicate the verdict is back.
  a.headline["stably_housed_12m_n"] = b.headline["stably_housed_12m_n"] = {30, 30, 30};
  EXPECT_NE(comparison_table({a, b}, TableFormat::Text).find("important, better"), std::string::npos);
}

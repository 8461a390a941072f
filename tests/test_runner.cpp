// Runs written through output/: the file agrees with the data dictionary both ways, reads
// back what was run, and a failed run leaves no file.
#include <gtest/gtest.h>

#include <sstream>

#include <cmath>
#include <filesystem>

#include "output/dictionary.hpp"
#include "sim/registry/outputs.hpp"
#include "output/reader.hpp"
#include "sim/run/economics.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

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

// Balance: the first- and last-year means of the weekly stocks, summed over territories; a
// warning names each stock that drifts beyond 10% with at least 20 people in it.
TEST(Runner, BalanceWarningNamesTheStocksThatDrift) {
  const int W = 104, T = 2;
  std::vector<out::WeeklySeries> weekly = {{"persons", {}}, {"housing_street", {}}, {"queue_case", {}}, {"hires", {}}};
  for (int k = 0; k < W; ++k)
    for (int t = 0; t < T; ++t) {
      weekly[0].values.push_back(k < 52 ? 50 : 54);   // 100 -> 108: +8%, in balance
      weekly[1].values.push_back(k < 52 ? 20 : 30);   // 40 -> 60: +50%
      weekly[2].values.push_back(k < 52 ? 2 : 8);     // 4 -> 16: +300% but under 20 people
      weekly[3].values.push_back(k);                  // not a stock of the check
    }
  const auto b = balance_of(weekly, W);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_DOUBLE_EQ(b.at("persons").first, 100);
  EXPECT_DOUBLE_EQ(b.at("persons").second, 108);
  EXPECT_DOUBLE_EQ(b.at("housing_street").second, 60);
  EXPECT_TRUE(balance_of(weekly, 103).empty());  // under two years: no check
  ScenarioSummary s;
  s.name = "drifting";
  for (const auto& [k, v] : b) s.balance[k] = {v, v};
  ScenarioSummary steady = s;
  steady.name = "steady";
  steady.balance["housing_street"] = {{40, 42}, {40, 43}};
  const auto w = balance_warnings({s, steady});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("drifting is not in balance"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("Sleeping rough 40 -> 60 (+50%)"), std::string::npos) << w[0];
  EXPECT_EQ(w[0].find("contact with services"), std::string::npos) << w[0];
  EXPECT_EQ(w[0].find("case worker"), std::string::npos) << w[0];

  // A declared trend of people present is a note, not a warning; the other stocks still warn.
  ScenarioSummary growing = steady;
  growing.name = "growing";
  growing.balance["persons"] = {{100, 130}, {100, 130}};
  growing.balance_trend = "the programme keeps those it takes in charge (source)";
  auto g = balance_warnings({growing});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].rfind("note: growing: ", 0), 0u) << g[0];
  EXPECT_NE(g[0].find("+30%"), std::string::npos) << g[0];
  EXPECT_NE(g[0].find("a trend the scenario declares: the programme keeps"), std::string::npos) << g[0];
  // The trend covers those sleeping rough among them (one note for both), never a queue.
  growing.balance["housing_street"] = {{40, 60}, {40, 60}};
  g = balance_warnings({growing});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_NE(g[0].find("Sleeping rough 40 -> 60 (+50%)"), std::string::npos) << g[0];
  growing.balance["queue_case"] = {{100, 150}, {100, 150}};
  g = balance_warnings({growing});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_NE(g[1].find("growing is not in balance"), std::string::npos) << g[1];
  EXPECT_EQ(g[1].find("contact with services"), std::string::npos) << g[1];
  EXPECT_EQ(g[1].find("Sleeping rough"), std::string::npos) << g[1];
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
  // One row per scenario x indicator (+ header), then the value-for-money rows of the second
  // scenario against the first; the baseline's diff cells are empty.
  const auto inds = headline_order(s);
  const auto value_rows = value_for_money(s[0], s[1]);
  EXPECT_EQ(value_rows.size(), icer_outcomes().size() + 1);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), long(1 + 2 * inds.size() + value_rows.size())) << csv;
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
  // Rows in the table's order, without the denominators' companions (shown beside them), and
  // without the family-care model's indicators (fc_*: only scenarios with the model have them).
  std::vector<std::string> want;
  for (const auto* x : out::outputs_of(out::OutputKind::Headline))
    if (!x->is_companion() && x->name.rfind("fc_", 0) != 0) want.push_back(x->name);
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

namespace {
// Two scenarios of three paired replicates, 1,000 people each, with the headlines the value-for-money
// rows read: b costs 500, 520, 480 euro more per person, gives exactly 10 more days of stable
// housing per person, the same employment, and rests on 6 programme hires per replicate; its
// Housing First flats cost 600, 620, 580 euro per person, so the other payers save 100 euro.
std::pair<ScenarioSummary, ScenarioSummary> value_pair() {
  ScenarioSummary a{"step", 7, {0, 1, 2}, {}}, b{"hf", 7, {0, 1, 2}, {}};
  a.weeks = b.weeks = 104;
  a.resolved_yaml = "housing:\n  model: step\nterritories:\n  - {name: A, hf_flats: 0, shelter_beds: 5}\n";
  b.resolved_yaml = "housing:\n  model: housing_first\nterritories:\n  - {name: A, hf_flats: 10, shelter_beds: 5}\n";
  for (ScenarioSummary* s : {&a, &b}) {
    s->headline["persons_total"] = {1000, 1000, 1000};
    s->headline["time_stably_housed_n"] = {100, 100, 100};  // person-years of people homeless at entry
    s->headline["employed_12m"] = {0.1, 0.12, 0.11};
    s->headline["employed_12m_n"] = {300, 300, 300};
    s->headline["job_retained_12m"] = {0.5, 0.5, 0.5};
    s->headline["job_retained_12m_n"] = {6, 6, 6};
  }
  a.headline["cost_per_person"] = {10000, 10100, 9900};
  b.headline["cost_per_person"] = {10500, 10620, 10380};
  // 36.4 days of stable housing per person for a share of 1 (100 person-years x 364 / 1,000).
  a.headline["time_stably_housed"] = {0.2, 0.25, 0.3};
  b.headline["time_stably_housed"] = {0.2 + 10 / 36.4, 0.25 + 10 / 36.4, 0.3 + 10 / 36.4};
  // The outcomes' (discounted) amounts, which the ratios use: share x denominator x units.
  for (ScenarioSummary* s : {&a, &b})
    for (const auto& [id, units] : {std::pair<std::string, double>{"time_stably_housed", 364}, {"employed_12m", 1}, {"job_retained_12m", 1}}) {
      auto& amount = s->headline[id + "_discounted"];
      for (std::size_t i = 0; i < 3; ++i) amount.push_back(s->headline[id][i] * s->headline[id + "_n"][i] * units);
    }
  a.cost_totals["cost_housing_first"] = {0, 0, 0};
  b.cost_totals["cost_housing_first"] = {600000, 620000, 580000};
  a.headline["cost_per_person_housing"] = {0, 0, 0};
  b.headline["cost_per_person_housing"] = {600, 620, 580};
  a.headline["cost_per_person_social_services"] = {10000, 10100, 9900};
  b.headline["cost_per_person_social_services"] = {9900, 10000, 9800};
  return {a, b};
}
const ValueRow& row_of(const std::vector<ValueRow>& rows, const std::string& indicator) {
  for (const auto& r : rows)
    if (r.indicator == indicator) return r;
  throw std::runtime_error("no row " + indicator);
}
}  // namespace

// The ICER of each outcome and the offset, on replicates with a known answer.
TEST(Runner, ValueForMoneyRows) {
  auto [a, b] = value_pair();
  const auto rows = value_for_money(a, b);
  ASSERT_EQ(rows.size(), 4u);
  // 500 euro more for 10 more days: 50 euro a day; the outcome difference is the same in every
  // replicate, so the interval is the cost's t-interval over 10 days: 50 +- q(2) * (20 / sqrt 3) / 10.
  const ValueRow& days = row_of(rows, "icer_time_stably_housed");
  EXPECT_EQ(days.unit, "euro/day");
  EXPECT_EQ(days.status, CostEffect::Ratio);
  EXPECT_EQ(days.value.n, 3);
  EXPECT_NEAR(days.value.mean, 50, 1e-6);
  const double half = 4.302652729911275 * 20 / std::sqrt(3.0) / 10;
  EXPECT_NEAR(days.value.ci_low, 50 - half, 1e-6);
  EXPECT_NEAR(days.value.ci_high, 50 + half, 1e-6);
  EXPECT_EQ(days.detail, "per 1,000 people in the run: +500,000 euro, +10,000 days");
  // The same employment in both: no ratio.
  const ValueRow& work = row_of(rows, "icer_employed_12m");
  EXPECT_EQ(work.unit, "euro/person");
  EXPECT_EQ(work.status, CostEffect::Undefined);
  EXPECT_EQ(work.na, "no outcome difference");
  EXPECT_TRUE(std::isnan(work.value.mean));
  // 6 programme hires per replicate: too few for any ratio.
  const ValueRow& jobs = row_of(rows, "icer_job_retained_12m");
  EXPECT_EQ(jobs.unit, "euro/job");
  EXPECT_EQ(jobs.na, "n = 6 in step: too few");
  // The flats cost 600 euro more per person, the rest 100 euro less: a sixth is offset.
  const ValueRow& offset = row_of(rows, "cost_offset");
  EXPECT_EQ(offset.unit, "share");
  EXPECT_TRUE(offset.na.empty()) << offset.na;
  EXPECT_NEAR(offset.value.mean, 100.0 / 600.0, 1e-12);
  EXPECT_LT(offset.value.ci_low, 100.0 / 600.0);
  EXPECT_GT(offset.value.ci_high, 100.0 / 600.0);
  EXPECT_NE(offset.label.find("Housing First flats and support"), std::string::npos) << offset.label;
  EXPECT_NE(offset.detail.find("social services -100, housing +600"), std::string::npos) << offset.detail;
  // Tables: the heading, the rows, the CSV rows with euro/<outcome unit>.
  const std::string text = comparison_table({a, b}, TableFormat::Text);
  EXPECT_NE(text.find("\nValue for money\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Cost per additional day of stable housing (euro/day)\n  hf  50.0 ["), std::string::npos) << text;
  EXPECT_NE(text.find("  hf  n/a (no outcome difference)"), std::string::npos) << text;
  EXPECT_NE(text.find("  hf  17% [1"), std::string::npos) << text;
  const std::string md = comparison_table({a, b}, TableFormat::Markdown);
  EXPECT_NE(md.find("## Value for money"), std::string::npos) << md;
  const std::string csv = comparison_table({a, b}, TableFormat::Csv);
  EXPECT_NE(csv.find("\nhf,icer_time_stably_housed,euro/day,,,,3,50"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nhf,icer_employed_12m,euro/person,,,,3,,,,true,,,no outcome difference,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nhf,icer_job_retained_12m,euro/job,,,,0,,,,,,,n = 6 in step: too few,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nhf,cost_offset,share,,,,3,0.1666"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("\nstep,icer_"), std::string::npos) << csv;  // the first is the reference
  // Dominant: less money for more days; dominated: the other way round.
  std::swap(a.headline["cost_per_person"], b.headline["cost_per_person"]);
  EXPECT_EQ(row_of(value_for_money(a, b), "icer_time_stably_housed").status, CostEffect::Dominant);
  EXPECT_NE(comparison_table({a, b}, TableFormat::Csv).find("\nhf,icer_time_stably_housed,euro/day,,,,3,-50"),
            std::string::npos);
  EXPECT_NE(comparison_table({a, b}, TableFormat::Csv).find(",true,dominant,,,Cost per additional day"), std::string::npos);
  std::swap(a.headline["time_stably_housed_discounted"], b.headline["time_stably_housed_discounted"]);
  std::swap(a.headline["cost_per_person"], b.headline["cost_per_person"]);
  EXPECT_EQ(row_of(value_for_money(a, b), "icer_time_stably_housed").status, CostEffect::Dominated);
  // Too short a horizon for the 12-month outcomes; unpaired runs; no costs: no section.
  a.weeks = b.weeks = 30;
  EXPECT_EQ(row_of(value_for_money(a, b), "icer_employed_12m").na, "horizon too short: needs 52 weeks, the run has 30");
  b.seed = 8;
  EXPECT_NE(row_of(value_for_money(a, b), "icer_time_stably_housed").na.find("unpaired"), std::string::npos);
  b.headline.erase("cost_per_person");
  EXPECT_TRUE(value_for_money(a, b).empty());
  EXPECT_EQ(comparison_table({a, b}, TableFormat::Text).find("Value for money"), std::string::npos);
}

// The intervention of each lever class: the parameters that differ name it.
TEST(Runner, LeverClassesOfAComparison) {
  auto names = [](const std::vector<std::string>& params) {
    std::string o;
    for (std::size_t c : classes_of(params)) o += std::string(lever_classes()[c].name) + ";";
    return o;
  };
  EXPECT_EQ(names({"housing.model", "territories[].hf_flats"}), "Housing First;");
  EXPECT_EQ(names({"housing_first.caseload"}), "Housing First;");
  EXPECT_EQ(names({"employment.follow_up.duration"}), "employment;");
  EXPECT_EQ(names({"cpi.involvement"}), "employment;");
  EXPECT_EQ(names({"housing_first.job_support"}), "employment;");  // the longest lever wins
  EXPECT_EQ(names({"housing_first.job_support_matching_factor"}), "employment;");
  EXPECT_EQ(names({"territories[].shelter_beds", "name", "description"}), "");
  EXPECT_EQ(names({"housing.model", "network.partners"}), "Housing First;employment;");
  const auto d = differing_parameters("name: a\nhousing: {model: step}\nterritories:\n  - {name: A, hf_flats: 0}\n",
                                      "name: b\nhousing: {model: step}\nterritories:\n  - {name: A, hf_flats: 4}\n");
  EXPECT_EQ(d, (std::vector<std::string>{"name", "territories[].hf_flats"}));
  // Every lever class's programme is made of cost series.
  for (const auto& c : lever_classes())
    for (auto id : c.programme) EXPECT_EQ(out::spec(id).unit, "euro/week") << c.name;
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

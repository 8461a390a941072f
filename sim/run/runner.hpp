// Running scenarios x replicates (in parallel with oneTBB), streaming each finished replicate
// to the results file, and comparing scenarios (means, 95% intervals, paired differences).
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/registry/results.hpp"
#include "output/robustness_table.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/run/interrupt.hpp"
#include "sim/engine/world.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/stats/stats.hpp"

namespace percorsi {

struct RunOptions {
  int threads = 0;                     // 0: all cores
  std::optional<int> replicates;       // overrides the scenarios' `replicates`
  std::optional<std::uint64_t> seed;   // overrides the scenarios' `seed`
  bool progress = true;
  std::string command_line;
  Shard shard;          // the share of the tasks to run (job arrays); default: all of them
  bool resume = false;  // reuse the finished tasks of an interrupted run writing the same file
  bool force = false;   // replace an existing results file (else: out::OutputRefused, exit code 2)
  Engine engine = Engine::Fast;  // the reference engine gives the same results, slowly (a check)
};

// What a comparison needs of a scenario: its headline values per replicate.
struct ScenarioSummary {
  std::string name;
  std::uint64_t seed = 0;
  std::vector<int> replicates;
  std::map<std::string, std::vector<double>> headline;  // indicator -> value per replicate
  // Run totals (over weeks and territories, euro) of the weekly cost series (unit euro/week),
  // per replicate in the order of `replicates`: the programme costs of the value-for-money
  // rows (sim/run/economics.hpp). Empty when the results hold no weekly series.
  std::map<std::string, std::vector<double>> cost_totals = {};
  // Balance (docs/statistics.md, "Balance"): the weekly stocks of kBalanceStocks (summed over
  // territories) averaged over the first and the last 52 weeks, per replicate in the order of
  // `replicates`; empty when the horizon is under two years or the results hold no weekly series.
  std::map<std::string, std::vector<std::pair<double, double>>> balance = {};
  std::string balance_trend = {};  // balance.trend: a drift of people present the scenario declares
  std::string resolved_yaml = {};  // the scenario's parameters (to tell same-named scenarios apart)
  std::string source = {};         // the results file it was read from ("" when run here)
  int weeks = 0;                   // horizon
  std::string start_date = {};     // calendar date of week 0 (YYYY-MM-DD)
  std::vector<std::string> territories = {};
  std::vector<std::pair<std::string, std::string>> levers = {};  // swept parameter -> value (sweep points)
};

// The stocks whose drift tells that a scenario is not in balance: people present, sleeping rough,
// and the queues (social and job-centre assessment, case worker). A stock changes "beyond
// balance" when the mean of its last year differs from the mean of its first by more than
// kBalanceTolerance (relative), unless both are under kBalanceMinStock people.
inline const std::vector<std::string> kBalanceStocks = {"persons", "housing_street", "queue_social", "queue_cpi", "queue_case"};
inline constexpr double kBalanceTolerance = 0.10, kBalanceMinStock = 20;
// One rule for `compare`'s warning and the balance test (tests/test_balance.cpp): a stock whose
// first- and last-year means are both under kBalanceMinStock people is left aside; a declared
// trend (balance.trend) covers people present and those sleeping rough among them (a programme
// that keeps people in charge keeps its homeless people too), never the queues or days to a plan.
inline bool balance_small_stock(double first, double last) { return first < kBalanceMinStock && last < kBalanceMinStock; }
inline bool balance_trend_covers(const std::string& stock) { return stock == "persons" || stock == "housing_street"; }
// First- and last-year means of the balance stocks in one replicate's weekly series.
std::map<std::string, std::pair<double, double>> balance_of(const std::vector<out::WeeklySeries>& weekly, int weeks);
// One line per scenario whose stocks drift beyond balance ("" when none does), naming each stock
// with its first- and last-year means over the replicates.
std::vector<std::string> balance_warnings(const std::vector<ScenarioSummary>& table);

// Runs one replicate to the scenario's horizon; on_week is called after every week.
// The current time, UTC, as ISO 8601 (provenance of results files).
std::string utc_now();

// The provenance of a results file this program writes now: version, commit, command line,
// threads, start time, wall time since `start`, MPI ranks (the whole run: shard "all").
out::Provenance provenance_of(const std::string& command_line, int threads, const std::string& started,
                              std::chrono::steady_clock::time_point start);

// Writes scenarios run in this process, with all `replicates` of each (results[s * replicates + r]
// is replicate r of scenarios[s]), and their summaries to `path` through the Recorder
// (temporary name, renamed when complete).
void write_results(const std::string& path, const std::vector<Scenario>& scenarios, int replicates,
                   const std::vector<out::ReplicateResult>& results, const out::Provenance& p);

// Writes a results file through a temporary file beside it ("<path>.<tag>-<pid>"): write(temporary
// path), then renamed to `path`; on failure the temporary file is removed and the error rethrown.
void write_staged(const std::string& path, const std::string& tag, const std::function<void(const std::string&)>& write);

// One replicate run of a scenario with the fast engine (or the reference engine: same results, slower).
out::ReplicateResult run_replicate(const Scenario& sc, int replicate, const std::function<void()>& on_week = {},
                                   Engine engine = Engine::Fast);

// Runs every scenario x replicate task (of opt.shard) in parallel with oneTBB, and across MPI
// ranks when started by an MPI launcher; writes `out_path` (if not empty) through output/:
// each finished task goes to the work directory <out_path>.parts/, and the results file is
// assembled from it at the end (see sim/run/ensemble.hpp). With opt.resume, the tasks already in
// the work directory are reused. Returns the summaries read back from the results file (rank
// 0; other ranks get an empty list), or kept in memory when `out_path` is empty (single
// process only). Throws Interrupted after SIGINT/SIGTERM (finished tasks stay in the work
// directory for --resume). The output is claimed first (claim_output: one writer at a time; an
// existing file is refused unless opt.force or opt.resume).
std::vector<ScenarioSummary> run_scenarios(std::vector<Scenario> scenarios, const RunOptions& opt,
                                           const std::string& out_path);
// The overrides of `opt` (replicates, seed) applied to the scenarios, and their names checked
// to be distinct (ScenarioError), as run_scenarios does before planning its tasks.
void apply_overrides(std::vector<Scenario>& scenarios, const RunOptions& opt);

// What a comparison knows of a scenario before it runs: name, seed, horizon, start date,
// territories, sweep point (no replicates yet).
ScenarioSummary shape_of(const Scenario& sc);

// Reads the summaries of every scenario in a results file (throws out::ReadError).
std::vector<ScenarioSummary> read_summaries(const std::string& h5_path);

// Joins summaries read from several results files (and runs): a scenario found in several
// files with the same resolved YAML and seed (shards or task files of one run) becomes one,
// its replicates put together (a replicate found twice: ScenarioError). Scenarios that share a
// name but not their parameters are told apart as "<name>@<file name>".
std::vector<ScenarioSummary> combine_summaries(const std::vector<ScenarioSummary>& all);
// Picks and orders scenarios by name (empty `names`: all, in their order) and puts `baseline`
// (if not empty) first, so that differences are taken from it. Unknown names: ScenarioError
// listing the names there are.
std::vector<ScenarioSummary> select_scenarios(const std::vector<ScenarioSummary>& all,
                                              const std::vector<std::string>& names, const std::string& baseline);

// The headline indicators of the summaries, in the order of the output table
// (sim/registry/outputs.def); names the table does not know (older files) follow by name.
std::vector<std::string> headline_order(const std::vector<ScenarioSummary>& s);

// Whether the scenarios can be compared like with like: "" when they share their horizon, start
// date and territories, else the reason (naming the scenarios that differ).
std::string comparability_problem(const std::vector<ScenarioSummary>& s);
// Throws ScenarioError "<where>: these scenarios cannot be compared: <reason>" unless the scenarios
// share their horizon, start date and territories (the comparisons of sensitivity and lessons files).
void require_comparable(const std::vector<Scenario>& scenarios, const Origin& where);
// The common calendar window of runs to be aligned (--align): from the latest start date to the
// earliest end (whole weeks), on the territories every run covers (in the first run's order).
struct CommonWindow {
  std::string start_date;
  int weeks = 0;
  std::vector<std::string> territories;
};
// Throws ScenarioError naming the runs when the window is empty (no common week or territory).
CommonWindow common_window(const std::vector<ScenarioSummary>& s);

// Why an indicator is n/a for a scenario: "not in the results", "horizon too short: ...", "no one
// counted: ..." (its denominator is empty in every replicate).
std::string undefined_reason(const ScenarioSummary& s, const std::string& indicator);

// Why an indicator gets no value or verdict when its denominator's mean size per replicate is
// below kMinDenominator (sim/stats): "n = 6: too few", or "n = 6 in <first>: too few" when it is
// the first scenario's (the one differences are taken from).
std::string too_few_reason(double mean_denominator, const std::string& first = "");

enum class TableFormat { Text, Csv, Markdown };
struct Robustness;  // sim/run/robustness.hpp
struct TableOptions {
  bool differences = true;  // false: each scenario's values only (scenarios that cannot be compared)
  // The robustness of each difference (compare --robustness): a column "robustness" (text,
  // Markdown) and the last two CSV columns robust_share,rests_on; nullptr: none (the table as
  // without the option).
  const Robustness* robustness = nullptr;
};
// Headline indicators of each scenario (mean and 95% interval over replicates) and the
// difference of each scenario from the first: paired by replicate when seeds agree
// (common random numbers), unpaired (Welch) otherwise. Text and Markdown show each
// indicator's label and unit from the output table, mark a difference whose interval lies
// beyond the table's minimum important difference, and give the denominators that depend on
// the policy below the table; CSV keeps the raw name in the first column (scripts read it) and
// adds label, unit, better, counted, denominator and min_important_difference as last columns.
//
// Text and Markdown are long: one block (text) or group of rows (Markdown) per indicator, one
// row per scenario, so that 2 or 20 scenarios stay within about 100 characters. Values in the
// indicator's unit (shares in %, differences of shares in percentage points), with thousands
// separators; a difference is called "important" only when its interval excludes zero and it is
// at least the minimum important difference, "negligible" when it is smaller or its interval
// stays within +-MID, "unclear" otherwise (sim/stats verdict()). Indicators whose denominator
// depends on the policy give its mean size per replicate. CSV is tidy: one row per scenario x
// indicator, numbers only, with the columns
//   scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high
// (diff: the paired difference from the first scenario, empty for the first itself), then one
// column per swept parameter (the sweep point's value), then paired,verdict,denominator_n,
// na_reason,label; with opt.robustness, then robust_share,rests_on (the share of the plausible
// space where the verdict holds, empty without a difference or a verdict; the assumptions that
// move it most, separated by ';').
std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt, const TableOptions& opt = {});

// The robustness of the table's differences as a results file keeps it (/robustness, written by
// `compare --robustness --out`): per scenario after the first and headline indicator with a
// verdict, the share of the design points on the side of the verdict comparison_table gives it
// and the assumptions it rests on, exactly as the table's robust_share and rests_on columns.
out::RobustnessTable robustness_table(const std::vector<ScenarioSummary>& s, const Robustness& r);
// The other way: the robustness a results file keeps (read_robustness_table), for a table of
// its scenarios (`percorsi compare F.h5` shows it beside each difference, as `compare
// --robustness` did). Only the differences whose verdict is the stored one get a cell (a
// different first scenario, or other replicates, give other verdicts: those read "n/a");
// nullopt when the file's baseline is not the table's first scenario.
std::optional<Robustness> stored_robustness(const std::vector<ScenarioSummary>& s, const out::RobustnessTable& t);

// Rows of cells, the first the header, as a Markdown table, or (text, CSV) as columns aligned two
// spaces apart, each line starting with `indent` and without trailing spaces.
std::string cell_table(const std::vector<std::vector<std::string>>& rows, TableFormat fmt, const std::string& indent = "");

// A summary as tables show it: "9.6% [9.0, 10.2]", "7,364 euro [7,292, 7,437]", "n/a".
std::string format_summary(const std::string& indicator, const out::Summary& s);

// A difference of an indicator as tables show it: "+7.4 pp" (shares), "+695 euro", "n/a"; its
// decimals follow the size of `largest` (default: of d itself), so that a column lines up.
std::string format_difference(const std::string& indicator, double d, bool plus_sign = true,
                              double largest = std::nan(""));

// A difference with its 95% interval, as format_difference shows it (decimals after the largest
// of the three): "+4.32 [+4.15, +4.50] pp", "-19,370 [-20,680, -18,070] euro"; "n/a" when
// undefined.
std::string format_difference_interval(const std::string& indicator, const out::Summary& d);

// The difference b - a of one headline indicator as comparison_table() computes it: paired by
// replicate when the seeds agree (common random numbers), its interval kept to the indicator's
// range (output table); n = 0 when either scenario lacks the indicator.
Difference indicator_difference(const ScenarioSummary& a, const ScenarioSummary& b, const std::string& indicator);

// A text as a Markdown table cell: its '|' escaped.
std::string markdown_cell(std::string s);

// Pages made from a template (docs/validation.md, docs/lessons.md): every `marker` of `text`
// replaced by `with`, without its final line breaks (the template has its own). Throws
// ScenarioError "the <what> template has no marker <marker>" when there is none.
void fill_marker(std::string& text, const std::string& marker, std::string with, const std::string& what);

// Prose wrapped at `width` characters (each line ending in a line break), continuation lines
// indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t width = 96, std::size_t indent = 0);

// Numbers for people: thousands separators ("30,828,561"), `decimals` places, never "-0.0".
std::string format_number(double x, int decimals, bool plus_sign = false);


}  // namespace percorsi

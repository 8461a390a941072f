// Running scenarios x replicates (in parallel with oneTBB), streaming each finished replicate
// to the results file, and summarising them (means, 95% intervals, paired differences). The
// tables people read of those summaries: sim/run/tables.hpp.
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

}  // namespace percorsi

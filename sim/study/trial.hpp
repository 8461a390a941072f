// Running virtual trials (docs/trials.md): every arm of a trial for the same replicates (same
// seed: common random numbers, so the same people and life events in every arm), a per-week
// observer of the cohort's housing and work states, the trial measures computed exactly as the
// studies define them, their summaries across replicates (sim/stats) and the check of the
// published targets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/registry/results.hpp"
#include "sim/registry/trial_spec.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

namespace percorsi {

// The cohort's states observed in one run, at t = 0, 1, ..., weeks weeks after entry: t = 0 is
// the state at entry, t >= 1 the state at the end of week t - 1 (the engine's weeks are 0-based).
// A member who has left the study (migration, death: the person's exit week e) is kOut from
// t = e + 1 on: the person was last observed at t = e.
struct CohortStates {
  static constexpr std::uint8_t kOut = 255;
  int persons = 0, weeks = 0;
  std::vector<std::uint8_t> housing, work;  // [person * (weeks + 1) + t]
  // The weekly series of the cohort's one territory (a trial has no inflow: they are the
  // cohort's), in the output table's order; week k ends at t = k + 1.
  std::vector<out::WeeklySeries> weekly;
  const std::vector<double>& series(out::Series s) const { return weekly.at(static_cast<std::size_t>(s)).values; }
  CohortStates() = default;
  CohortStates(int n, int w)
      : persons(n), weeks(w), housing(static_cast<std::size_t>(n) * (w + 1), kOut), work(housing.size(), kOut) {}
  std::size_t at(int p, int t) const { return static_cast<std::size_t>(p) * (weeks + 1) + t; }
  bool in(int p, int t) const { return housing[at(p, t)] != kOut; }
  std::uint8_t h(int p, int t) const { return housing[at(p, t)]; }
  std::uint8_t w(int p, int t) const { return work[at(p, t)]; }
  void set(int p, int t, std::uint8_t hs, std::uint8_t ws) { housing[at(p, t)] = hs, work[at(p, t)] = ws; }
};

// One measure in one run: its value (NaN when its denominator is empty) and the size of its
// denominator (people; for time_stably_housed_share the people contributing days).
struct MeasureValue {
  double value = 0, n = 0;
};
// A measure of a cohort, as docs/trials.md defines each kind.
MeasureValue compute_measure(const MeasureSpec& m, const CohortStates& c);

// Whether a measure of this kind reads the run's weekly series (costs, institution days, the
// family-care service's counts), which the end-of-week census and recording make; the other kinds
// read the cohort's housing and work states alone.
bool measure_reads_series(MeasureKind k);

// Runs one arm's replicate to the horizon, observing the cohort every week; `result` (when not
// null) receives the replicate's ordinary results (series, person table, headline). With
// `states_only` the world keeps its states only (World::keep_states_only: the same states, no
// census, series or results; `weekly` stays empty and `result` must be null).
CohortStates observe_cohort(const Scenario& arm, int replicate, out::ReplicateResult* result = nullptr,
                            bool states_only = false);

// Every measure of the trial (in spec.measures order) in one replicate of one arm (`arm` may be a
// copy of trial.arms[i] with other parameter values, as calibration makes). With `wanted` (one
// flag per measure), the others are NaN, and when no wanted measure reads the series the run
// keeps its states only (a calibration's runs; the wanted values are those of a full run).
std::vector<MeasureValue> measure_arm(const Trial& trial, const Scenario& arm, int replicate,
                                      out::ReplicateResult* result = nullptr, const std::vector<bool>* wanted = nullptr);

// One row of the trial table: an arm's measure, or a published difference of two arms'.
struct TrialRow {
  std::string arm, measure, kind;
  out::Summary summary;        // mean and 95% interval across replicates (paired for differences)
  double n = 0;                // mean size of the denominator per replicate
  std::vector<double> values;  // per replicate (replicate order)
  std::string target;          // the target that gives a published value ("" if none)
  std::optional<double> published, tolerance;  // absolute tolerance
  std::optional<bool> within;
};

// The arms each row of trial_table_of reads, in its row order: an arm's row its arm, a
// published difference both of its arms.
std::vector<std::vector<std::size_t>> trial_row_arms(const TrialSpec& spec);

struct TrialResult {
  std::string name, file;
  int cohort = 0, weeks = 0, replicates = 0;
  std::uint64_t seed = 0;
  std::vector<TrialRow> rows;  // arms x measures (arm-major), then the published differences
  // Whether every published value of a target is within its tolerance.
  bool target_met(const std::string& id) const;
  std::vector<std::string> target_ids() const;
};

struct TrialOptions {
  int threads = 0;                // 0: all cores
  std::optional<int> replicates;  // overrides the file's
  bool progress = true;
  std::string command_line;
};

// Runs every arm x replicate in parallel (oneTBB) and computes the table. With `out_path`,
// writes the arms' results (as `percorsi run` would, one scenario per arm) and the trial table
// (/trial, output/trial_table.hpp) to that HDF5 file (written under a temporary name).
TrialResult run_trial(const Trial& trial, const TrialOptions& opt, const std::string& out_path = "");
// Summarises per-replicate measure values into the table (public for tests):
// values[arm][measure][replicate].
TrialResult trial_table_of(const Trial& trial, const std::vector<std::vector<std::vector<MeasureValue>>>& values);

// A measure's value as tables show it: 3 decimals (`digits`), 2 from 10, 1 from 100; "n/a" for NaN.
std::string format_measure(double x, int digits = 3);
// "0.267 [0.256, 0.277]": a mean and its 95% interval.
std::string format_estimate(const out::Summary& s);

// The table: text, Markdown, or CSV with exactly the columns
// arm,measure,kind,mean,ci_low,ci_high,n,published,tolerance,within.
std::string format_trial(const TrialResult& r, TableFormat fmt);
// One line per target: met or missed, with each published value against the simulated one.
std::string check_report(const TrialResult& r, const std::vector<std::string>& only = {});

}  // namespace percorsi

// Plain in-memory results of one replicate run: what the engine hands to the Recorder
// and what the Reader gives back. No HDF5 here, no engine types: output/ stays the one
// place that knows the file layout, and sim/ depends on these structs only. They sit beside
// the output table (outputs.def) that names their series, headlines and columns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace percorsi::out {

// A weekly series of one indicator: values[week * n_territories + territory].
struct WeeklySeries {
  std::string name;
  std::vector<double> values;
};

// A per-person column (end-of-run table). Integer columns use `ints`, real ones `reals`.
struct PersonColumn {
  std::string name;
  bool is_int = true;
  std::vector<std::int32_t> ints;
  std::vector<double> reals;
  std::size_t size() const { return is_int ? ints.size() : reals.size(); }
};

// One scenario x replicate task's results.
struct ReplicateResult {
  int replicate = 0;
  std::uint64_t seed = 0;
  int weeks = 0;
  std::vector<std::string> territories;
  std::vector<WeeklySeries> weekly;         // each of size weeks * territories.size()
  std::vector<PersonColumn> persons;        // all of the same length
  // Optional: one row per change of a person's states (columns person, week, housing, case,
  // work; ordered by person, then week); empty when the scenario does not record timelines.
  std::vector<PersonColumn> timeline;
  std::map<std::string, double> headline;   // headline indicators at the horizon
  double wall_seconds = 0.0;
};

// What identifies a scenario in a results file.
struct ScenarioInfo {
  std::string name;
  std::string resolved_yaml;   // the full resolved scenario, every parameter, as YAML
  std::string source_file;
  std::uint64_t seed = 0;
  int replicates = 0;
  int weeks = 0;
  std::vector<std::string> territories;
  // For a grid point of a sweep: the swept parameters and values as a YAML flow map
  // ("{housing.hf_share: 0.25}"); "" otherwise.
  std::string sweep = {};
};

// File-level provenance, written as attributes of the root group.
struct Provenance {
  std::string program_version;
  std::string git_commit;
  std::string command_line;
  int threads = 0;
  std::string start_time;   // ISO 8601, UTC
  double wall_seconds = 0.0;
  // What share of the run's tasks the file holds: "all" (a complete run, with summaries),
  // "K/N" (shard K of N, from `percorsi run --shard K/N`, no summaries) or "task" (one task of
  // a run's work directory).
  std::string shard = "all";
  int ranks = 1;  // MPI processes of the run (1: a single process)
};

// Per-week summary of one weekly series across replicates: arrays [weeks, territories],
// row-major, of the mean, sample SD, 95% t-interval of the mean, and the number of replicates
// with a defined (non-NaN) value in each cell.
struct WeeklySummary {
  std::string series;
  int weeks = 0, territories = 0;
  std::vector<double> mean, sd, ci_low, ci_high;
  std::vector<std::int32_t> n;
};

// Summary statistics of one indicator across replicates.
struct Summary {
  int n = 0;
  double mean = 0, sd = 0, ci_low = 0, ci_high = 0;
};


}  // namespace percorsi::out

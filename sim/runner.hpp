// Running scenarios x replicates (in parallel with oneTBB), streaming each finished replicate
// to the results file, and comparing scenarios (means, 95% intervals, paired differences).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "output/results.hpp"
#include "sim/scenario.hpp"

namespace percorsi {

// Thrown when a run is interrupted (SIGINT/SIGTERM); no results file is left behind.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};
// Set by the program's signal handler; checked by running worlds every week.
extern std::atomic<bool> g_interrupt;

struct RunOptions {
  int threads = 0;                     // 0: all cores
  std::optional<int> replicates;       // overrides the scenarios' `replicates`
  std::optional<std::uint64_t> seed;   // overrides the scenarios' `seed`
  bool progress = true;
  std::string command_line;
};

// What a comparison needs of a scenario: its headline values per replicate.
struct ScenarioSummary {
  std::string name;
  std::uint64_t seed = 0;
  std::vector<int> replicates;
  std::map<std::string, std::vector<double>> headline;  // indicator -> value per replicate
};

// Runs one replicate to the scenario's horizon; on_week is called after every week.
out::ReplicateResult run_replicate(const Scenario& sc, int replicate, const std::function<void()>& on_week = {});

// Runs every scenario x replicate task; writes `out_path` (if not empty) through output/.
std::vector<ScenarioSummary> run_scenarios(std::vector<Scenario> scenarios, const RunOptions& opt,
                                           const std::string& out_path);

// Reads the summaries of every scenario in a results file (throws out::ReadError).
std::vector<ScenarioSummary> read_summaries(const std::string& h5_path);

enum class TableFormat { Text, Csv, Markdown };
// Headline indicators of each scenario (mean and 95% interval over replicates) and the
// difference of each scenario from the first: paired by replicate when seeds agree
// (common random numbers), unpaired (Welch) otherwise.
std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt);

struct Difference {
  out::Summary summary;
  bool paired = false;
};
Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired);
out::Summary welch(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace percorsi

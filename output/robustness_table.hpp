// The robustness of a comparison's differences (`percorsi compare --robustness --out F.h5`,
// docs/robustness.md) in its results file: the group /robustness beside /scenarios, one row per
// difference of a scenario from the first (the baseline) on a headline indicator that has a
// verdict, with the share of the plausible space of the assumptions in which that verdict holds
// and the assumptions it rests on. A file without the group has no robustness computed (files
// written before it, or by compare without --robustness). Every object is declared in
// output/dictionary.csv; the validator (output/validate.hpp) checks the group when it is there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace percorsi::out {

struct RobustnessRow {
  std::string scenario, indicator;  // the difference: scenario minus the baseline, on indicator
  double robust_share = 0;          // in [0, 1]: the share of the defined design points on the verdict's side
  std::int32_t verdict_side = 0;    // the side of the table's verdict: -1 lower, 0 negligible, +1 higher
  std::int32_t defined_points = 0;  // design points with a verdict (the share's denominator), 1..points
  std::vector<std::string> rests_on;  // assumption paths, the most influential first (at most 3)
};

struct RobustnessTable {
  std::string baseline;                  // the scenario every difference is from
  std::int32_t points = 0, replicates = 0;  // of the Latin hypercube, per point and scenario
  std::uint64_t seed = 0;                // of the design
  double threshold = 0;                  // the smallest |rho| named in rests_on
  std::vector<std::string> assumptions;  // the parameters varied (paths)
  std::vector<RobustnessRow> rows;
  // The row of `scenario` minus the baseline on `indicator`; nullptr when there is none.
  const RobustnessRow* find(const std::string& scenario, const std::string& indicator) const;
};

// How rests_on is stored: the paths joined by ';' ("" when none stands out), and back.
std::string join_rests_on(const std::vector<std::string>& paths);
std::vector<std::string> split_rests_on(const std::string& joined);

// Adds /robustness to an existing, closed results file (throws std::runtime_error naming the file).
void write_robustness_table(const std::string& h5_path, const RobustnessTable& t);
// Reads /robustness back; nullopt when the file has none (not computed). ReadError when the file
// cannot be read or the group is malformed.
std::optional<RobustnessTable> read_robustness_table(const std::string& h5_path);

}  // namespace percorsi::out

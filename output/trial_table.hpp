// The table of a virtual trial (`percorsi trial --out F.h5`, docs/trials.md) in a results file:
// the group /trial beside /scenarios (one scenario per arm). One row per arm and measure, then
// one per published difference of two arms; the per-replicate values as [rows, replicates].
// Every object is declared in output/dictionary.csv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace percorsi::out {

struct TrialTable {
  std::string name, source_file;
  std::int32_t cohort = 0, weeks = 0, replicates = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> arm, measure, kind, target;            // [rows]
  std::vector<double> mean, ci_low, ci_high, n, published, tolerance;  // [rows]; NaN: none
  std::vector<std::int32_t> within;                               // [rows]: 1 yes, 0 no, -1 no target
  std::vector<double> values;                                     // [rows, replicates], row-major
  std::vector<std::int32_t> replicate_index;                      // [replicates]
};

// Adds /trial to an existing, closed results file (throws std::runtime_error naming the file).
void write_trial_table(const std::string& h5_path, const TrialTable& t);
// Reads /trial back (throws ReadError when the file has none or cannot be read).
TrialTable read_trial_table(const std::string& h5_path);

}  // namespace percorsi::out

// The results of a sensitivity analysis (`percorsi sensitivity --out F.h5`, docs/sensitivity.md)
// in a results file: the group /sensitivity beside /scenarios (the comparison at the scenarios'
// own values). Shapes use k parameters, S scenarios, D = S - 1 differences (scenario d + 1 minus
// the first), O outputs, R replicates and P design points; arrays are row-major. Every object
// is declared in output/dictionary.csv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace percorsi::out {

struct SensitivityTable {
  std::string name, source_file, method;  // method: "morris" | "sobol" | "lhs"
  std::uint64_t seed = 0;
  std::int32_t replicates = 0, trajectories = 0, levels = 0, samples = 0;  // 0: not of this method
  std::vector<std::string> parameters, scenarios, differences, outputs;    // [k], [S], [D], [O]
  std::vector<double> lo, hi;                // [k] the ranges varied over (durations in weeks)
  std::vector<double> design_unit, design;   // [P, k] in the unit hypercube, and as values
  std::vector<double> runs;                  // [P, S, R, O] headline values of every run
  std::vector<double> values;                // [P, D, O] paired differences (mean over replicates)
  std::vector<double> default_runs;          // [S, R, O] at the scenarios' own values
  std::vector<double> default_values;        // [D, O]
  std::vector<double> sign_share;            // [D, O]
  std::vector<double> mu_star, mu, sigma;    // [D, O, k] Morris only
  std::vector<double> s1, s1_se, st, st_se;  // [D, O, k] Sobol only
  std::vector<double> rho;                   // [D, O, k] Latin hypercube only (Spearman's rank correlation)
};

// Adds /sensitivity to an existing, closed results file (throws std::runtime_error naming the file).
void write_sensitivity_table(const std::string& h5_path, const SensitivityTable& t);
// Reads /sensitivity back (throws ReadError when the file has none or cannot be read).
SensitivityTable read_sensitivity_table(const std::string& h5_path);

}  // namespace percorsi::out

// The file of `percorsi calibrate --out F.h5` (layout in docs/calibration.md): the posterior
// sample of ABC-SMC (particles x parameters, weights, distances), the epsilon schedule, the fitted
// values and the targets at the posterior medians, with the run's provenance. Not a results file
// (/@format is "percorsi-calibration").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace percorsi::out {

struct CalibrationFile {
  // Provenance and settings (attributes of /).
  std::string name, source_file, method, kernel, stop;
  std::string program_version, git_commit, command_line, start_time;
  double wall_seconds = 0, quantile = 0, final_epsilon = 0;            // final_epsilon NaN: none
  std::int32_t threads = 0, ranks = 1, particles = 0, replicates = 0;  // replicates 0: each trial's own
  std::uint64_t seed = 0;
  // /parameters: [parameters]
  std::vector<std::string> parameter;
  std::vector<double> prior_low, prior_high;
  std::vector<std::int32_t> prior_log;
  std::vector<double> mean, median, ci_low, ci_high;  // the fitted values (posterior summaries)
  // /posterior: the last population
  std::vector<double> theta;             // [particles, parameters], row-major
  std::vector<double> weight, distance;  // [particles]
  // /generations: [generations], generation 0 the prior sample
  std::vector<double> epsilon, acceptance, ess;
  std::vector<std::int32_t> proposals;
  // /targets: [values], at the posterior medians
  std::vector<std::string> target, trial, arm, measure;
  std::vector<double> published, tolerance, simulated, z;
  std::vector<std::int32_t> met;
};

// Writes the file (throws std::runtime_error naming the file); write_calibration_results
// (sim/study/calibration.cpp) writes it under a temporary name and renames it when complete.
void write_calibration_file(const std::string& path, const CalibrationFile& c);
// Reads it back (throws ReadError).
CalibrationFile read_calibration_file(const std::string& path);

}  // namespace percorsi::out

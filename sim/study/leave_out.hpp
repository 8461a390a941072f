// Leave one trial out (docs/validation.md, "Leave one trial out"): for each trial of a calibration
// file, the calibration run again without that trial's targets, and its posterior medians kept in
// a small YAML file beside the calibration file (`percorsi calibrate FILE --leave-one-out OUT`).
// `percorsi validation` runs each left-out trial at those medians: what the model predicts for a
// trial it was not fitted to, beside the in-sample fit.
//
//   # written by percorsi calibrate ... --leave-one-out ...
//   calibration: trials.yaml            # the calibration file, relative to this file
//   inputs: 3f2a...                     # fingerprint of the calibration file and its trial files
//   runs:
//     - left_out: ../trials/athome.yaml # relative to the calibration file, as it names the trial
//       targets_fitted: 5               # published values of the other trials fitted
//       medians: {housing_first.move_in_rate: 10.2, ...}
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/study/calibration.hpp"

namespace percorsi {

// The calibration without the targets of its trial `i` (the others' targets, the same parameters,
// priors and settings).
Calibration without_trial(const Calibration& c, std::size_t i);

// A fingerprint of what a calibration rests on: the text of the calibration file and of each of its
// trial files (out::Checksum, FNV-1a, over each file's length and text; 16 hex digits). A leave-one-out file whose fingerprint differs is stale.
std::string inputs_fingerprint(const Calibration& c);

struct LeaveOutRun {
  std::string left_out;  // the trial file as the calibration file names it
  int targets_fitted = 0;
  std::vector<std::pair<std::string, double>> medians;  // parameter path -> posterior median
};
struct LeaveOutFile {
  std::string file;         // this file
  std::string calibration;  // the calibration file, resolved
  std::string inputs;       // inputs_fingerprint() when it was written
  std::vector<LeaveOutRun> runs;
};

// Runs the calibration once per trial left out (progress on stderr unless opt.progress is false).
// With a single trial, leaving it out leaves no target: the medians are the priors' (no run).
LeaveOutFile run_leave_one_out(const Calibration& c, const CalibrationOptions& opt);
std::string leave_out_yaml(const LeaveOutFile& f, const std::string& written_to, const std::string& command);
// Reads a leave-one-out file; ScenarioError at file:line:column when it is malformed.
LeaveOutFile load_leave_out(const std::string& path);

}  // namespace percorsi

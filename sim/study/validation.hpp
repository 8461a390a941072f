// `percorsi validation`: every shipped trial run with the default parameters, each published
// target against its simulated values, the count of targets met, and the registry's calibrated
// parameters and assumptions, filled into a hand-written template. docs/validation.md is its
// output (from docs/validation.in.md); a test fails when the committed page is stale.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/study/trial.hpp"

namespace percorsi {

// Replicates of every arm in docs/validation.md (about 10 s for the shipped trials on 2 cores).
inline constexpr int kValidationReplicates = 50;

struct ValidationRun {
  std::vector<std::string> files;  // trial files, as given
  std::vector<Trial> trials;
  std::vector<TrialResult> results;
  int replicates = 0;
  int met = 0, targets = 0;
  // Which calibration files fit each target (target id -> files): filled by the caller, which
  // reads scenarios/calibration/ (the run layer does not know calibration files).
  std::map<std::string, std::vector<std::string>> fitted_by;
  // Leave one trial out: per trial, its result at the posterior medians of a calibration that
  // left it out (none: no such calibration), and how those medians were obtained (the file, the
  // values fitted, whether the file is stale). Filled by add_held_out().
  std::vector<std::optional<TrialResult>> held_out;
  std::vector<std::string> held_out_note;
};

// The trial files of a folder (*.yaml with a trial block), sorted by name.
std::vector<std::string> trial_files_in(const std::string& dir);
// Runs every trial with opt.replicates (every arm with the trial's seed).
ValidationRun run_validation(const std::vector<std::string>& files, const TrialOptions& opt);

// Runs trial `i` as `adjusted` (the trial with a left-out calibration's medians applied to its
// arms) and keeps the result as its held-out prediction, with `note`.
void add_held_out(ValidationRun& v, std::size_t i, const Trial& adjusted, const TrialOptions& opt, const std::string& note);

// "The default parameters meet N of M published targets": the sentence README.md repeats.
std::string met_sentence(const ValidationRun& v);

// The page: `template_text` with its markers replaced:
//   {{count}}        met_sentence(), with the trials and replicates it comes from
//   {{summary}}      one row per target: trial, measure, met, the calibration files that fit it,
//                    met when its trial is left out of the calibration
//   {{held_out}}     per trial left out: the calibration, the values fitted, whether current
//   {{targets}}      per target: the command that reproduces it, and per published value the
//                    arm, published value, simulated mean and 95% interval, tolerance, within
//   {{calibrated}}   the registry parameters of evidence class calibrated (sim/registry/evidence.def)
//   {{assumptions}}  those of evidence class assumption
//   {{replicates}}   the replicates of every arm
// Throws ScenarioError when a marker is missing. `command` is how the page was made.
std::string validation_page(const ValidationRun& v, const std::string& template_text, const std::string& command);
// A plain-text report: each trial's table and check lines, then met_sentence().
std::string validation_text(const ValidationRun& v);

}  // namespace percorsi
